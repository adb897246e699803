"""One check, from the profile to the alerts. It returns a result; it never raises.

scheduler → runner → (credentials, flows → parser) → deadlines → state and outbox (one
transaction) → delivery. ``CheckRunner.check_many`` is the one edge of a check: whatever fails,
in the assistant as on the portal, each profile ends in a ``CheckResult`` with a named error,
and its alert goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.alerts import failure_alert, letter_alerts
from assistant.captures import save_capture, save_private_file
from assistant.credentials import Credentials
from assistant.deadlines import deadlines_for, paris_today
from assistant.environment import BrowserSource, Environment, launch_for_hosts, utc_now
from assistant.errors import (
    N_,
    AccountLockedError,
    AssistantError,
    CaptchaError,
    ConsentMissingError,
    LoginRejectedError,
    PageNotRecognisedError,
    PasswordChangeRequiredError,
    PortalUnavailableError,
    ProfileBusyError,
    as_assistant_error,
    no_such_profile,
)
from assistant.i18n import Translator
from assistant.outbox import Delivery, deliver_pending, send_unrecorded
from assistant.plausibility import review_dates
from assistant.portal_memory import PortalMemory
from assistant.privacy import REDACTOR, secret_masks
from assistant.results import Alert, CheckResult, LetterReport
from assistant.schedule import ProfileHistory, alerts_to_forward, covered_reminders
from assistant.state import CheckRecord, Profile

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from flows.check_flow import DocumentsReading

__all__ = [
    "BrowserSource",
    "CheckRunner",
    "Environment",
    "PortalReader",
    "Prepared",
    "launch_for_hosts",
    "utc_now",
]

log = logging.getLogger(__name__)

#: One attempt at the portal: the reading, the number of requests the fence refused, and how
#: many of them were for a letter.
PortalReader = Callable[["Browser", Profile, Credentials], tuple["DocumentsReading", int, int]]

_REFUSED: dict[str, type[AssistantError]] = {
    "login_rejected": LoginRejectedError,
    "account_locked": AccountLockedError,
    "password_change_required": PasswordChangeRequiredError,
}


@dataclass(frozen=True)
class Prepared:
    """A profile cleared to log in: it exists, has consent, and its credentials are loaded."""

    profile: Profile
    credentials: Credentials


class CheckRunner:
    def __init__(self, env: Environment, reader: PortalReader | None = None) -> None:
        self.env = env
        #: Tests of the agent hand in a scripted portal; checks read the real one.
        self.reader: PortalReader = reader or self._read_portal
        #: Every delivery this runner made (this run's alerts, and earlier ones left over).
        self.delivered: list[Delivery] = []

    def check(self, profile: str, *, automated: bool = False) -> CheckResult:
        return self.check_many([profile], automated=automated)[0]

    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[CheckResult]:
        """Check each profile in turn, with one browser and a fresh context for each.

        ``automated``: the agent runs it (recorded, since its logins are limited), not a person.
        The agent retries a failed check on its own schedule, so an automated check makes one
        attempt; a check run by hand retries at once (``[retry]``). Never raises.
        """
        results: dict[str, CheckResult] = {}
        started = self.env.clock()
        prepared: list[Prepared] = []
        for name in profiles:
            try:
                prepared.append(self.prepare(name))
            except Exception as error:
                results[name] = self._failed(name, started, as_assistant_error(error), 0, automated)
        if prepared:
            try:
                portals = [p.profile.portal_url for p in prepared]
                self.env.progress("starting_browser")
                with self.env.browser_source(self.env.settings, portals) as browser:
                    for item in prepared:
                        if len(profiles) > 1:
                            self.env.progress("checking_profile", profile=item.profile.name)
                        results[item.profile.name] = self._check_one(browser, item, automated)
            except Exception as error:
                fault = as_assistant_error(error)
                for item in prepared:
                    if item.profile.name not in results:
                        results[item.profile.name] = self._failed(
                            item.profile.name, started, fault, 0, automated
                        )
        return [results[name] for name in profiles]

    def prepare(self, name: str) -> Prepared:
        profile = self.env.state.profile(name)
        if profile is None:
            raise no_such_profile(name)
        if self.env.state.consent(name) is None:
            raise ConsentMissingError(
                N_(
                    "No consent is recorded for the profile '{profile}', so the assistant will "
                    "not log in. Run 'ofpra-assistant setup --profile {profile}' with the "
                    "account holder."
                ),
                profile=name,
            )
        refuse_if_refused(profile)
        credentials = self.env.credentials.load(name)
        REDACTOR.register(credentials)
        return Prepared(profile, credentials)

    @contextmanager
    def portal_session(self, name: str) -> Iterator[None]:
        """At most one portal session per profile at a time, across processes (a lock file);
        once it is held, a refusal another process just met is seen before any login."""
        from filelock import FileLock, Timeout

        folder = self.env.session_locks_dir
        folder.mkdir(parents=True, exist_ok=True)
        wait = max(30.0, self.env.settings.browser.timeout_seconds * 4)
        lock = FileLock(folder / f"{name}.lock")
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise ProfileBusyError(
                N_(
                    "Another check of the profile '{profile}' is under way (the agent's, or "
                    "another command's), and the portal gets one at a time. Try again in a few "
                    "minutes."
                ),
                profile=name,
            ) from None
        try:
            profile = self.env.state.profile(name)
            if profile is not None:
                refuse_if_refused(profile)
            yield
        finally:
            lock.release()

    def _check_one(self, browser: Browser, item: Prepared, automated: bool) -> CheckResult:
        """The edge of one profile's check: it ends in a result, whatever fails."""
        started = self.env.clock()
        attempts = 0
        try:
            with self.portal_session(item.profile.name):
                outcome, attempts = self._attempts(browser, item, automated)
                if isinstance(outcome, AssistantError):
                    return self._failed(item.profile.name, started, outcome, attempts, automated)
                return self._succeeded(item.profile, started, outcome, attempts, automated)
        except Exception as error:
            return self._failed(
                item.profile.name, started, as_assistant_error(error), attempts, automated
            )

    def _attempts(
        self, browser: Browser, item: Prepared, automated: bool
    ) -> tuple[tuple[DocumentsReading, int, int] | AssistantError, int]:
        """Up to ``retry.attempts`` attempts, each in a fresh browser context, while the portal
        is unavailable; any other failure (a refused password above all) ends the check."""
        retry = self.env.settings.retry
        allowed = 1 if automated else retry.attempts
        attempt = 1
        while True:
            outcome = self._attempt(browser, item)
            if not isinstance(outcome, AssistantError):
                return outcome, attempt
            error = outcome
            if error.retryable and attempt < allowed:
                attempt += 1
                wait = retry.backoff_before(attempt)
                log.warning(
                    "check of %s: %s; attempt %d of %d in %.0f s",
                    item.profile.name,
                    error.code,
                    attempt,
                    allowed,
                    wait,
                )
                self.env.progress("portal_not_answering", code=error.code)
                self.env.progress("retrying", seconds=wait, attempt=attempt, attempts=allowed)
                self.env.sleep(wait)
                continue
            if attempt > 1:
                error.with_hint(N_("(The assistant tried {count} times.)"), count=attempt)
            return error, attempt

    def _attempt(
        self, browser: Browser, item: Prepared
    ) -> tuple[DocumentsReading, int, int] | AssistantError:
        from playwright.sync_api import Error as PlaywrightError

        try:
            return self.reader(browser, item.profile, item.credentials)
        except AssistantError as error:
            return error
        except PlaywrightError as error:
            return PortalUnavailableError(
                N_("The portal could not be read ({detail})."),
                detail=str(error).strip().splitlines()[0] if str(error).strip() else "",
            )

    def _read_portal(
        self, browser: Browser, profile: Profile, credentials: Credentials
    ) -> tuple[DocumentsReading, int, int]:
        """One attempt in its own browser context."""
        from flows.browser import portal_context
        from flows.check_flow import read_documents

        timeout_ms = self.env.settings.browser.timeout_seconds * 1000
        with portal_context(browser, profile.portal_url) as (context, guard):
            page = context.new_page()
            try:
                reading = read_documents(
                    page,
                    profile.portal_url,
                    credentials.identifier,
                    credentials.password,
                    timeout_ms=timeout_ms,
                    # What the portal showed last time, for the flow to prove the list whole.
                    previous=PortalMemory(self.env.state, profile).last_seen(),
                    progress=self.env.progress,
                )
            except AssistantError:
                if self.env.settings.debug_screenshot:
                    self._save_debug_screenshot(page, profile.name)
                raise
        return reading, guard.blocked_requests, guard.letter_requests_blocked

    # What a check ends with: the state, the outbox, the delivery -----------------------------

    def _succeeded(
        self,
        profile: Profile,
        started: datetime,
        outcome: tuple[DocumentsReading, int, int],
        attempts: int,
        automated: bool,
    ) -> CheckResult:
        reading, blocked, letters_blocked = outcome
        state = self.env.state
        checked_at = self.env.clock()
        today = paris_today(checked_at)
        # The state is an edge too: a label that echoes a secret is kept masked.
        letters = REDACTOR.scrub_letters(reading.letters)
        # Dates that cannot be right fail the check (page_not_recognised): never used silently.
        dates = review_dates(letters, today)
        if dates.error is not None:
            return self._failed(profile.name, started, dates.error, attempts, automated)
        # "New" is new since the last check. A first check has none to compare with: a letter
        # the person has opened already (in 2025, say) is no news to them, so it is not new.
        first_check = state.last_successful_check(profile.name) is None
        translator = Translator(profile.language)
        result = CheckResult(
            profile=profile.name,
            checked_at=checked_at,
            blocked_requests=blocked,
            letter_requests_blocked=letters_blocked,
            logged_out=reading.logged_out,
            attempts=attempts,
            pages=reading.pages,
            first_check=first_check,
        )

        def record() -> list[Alert]:
            first_seen = state.merge_letters(profile.name, letters, checked_at)
            new_ids = {
                letter.id
                for letter in letters
                if letter.id in first_seen and not (first_check and letter.read)
            }
            result.letters = [
                LetterReport(
                    letter,
                    deadlines_for(letter, today),
                    letter.id in new_ids,
                    dates.warnings_for(letter),
                )
                for letter in letters
            ]
            result.alerts = letter_alerts(result.letters, translator, profile.name)
            # The agent sends new letters only; its reminder schedule sends the rest.
            to_send = (
                [a for a in result.alerts if a.kind == "new_letter"]
                if automated
                else list(result.alerts)
            )
            if automated:
                for key in covered_reminders(result, to_send):
                    state.record_notice(profile.name, key, "reminder", checked_at)
            state.record_check(
                profile.name,
                CheckRecord(
                    started_at=started,
                    finished_at=checked_at,
                    ok=True,
                    error_code=None,
                    letters=len(result.letters),
                    new_letters=len(new_ids),
                    unread_notified=sum(1 for r in result.letters if r.needs_opening),
                    automated=automated,
                ),
            )
            return to_send

        if self._commit_and_deliver(result, translator, record):
            # Only a reading accepted whole (dates included, and recorded) becomes what the next
            # check compares to. (Its own connection: after the commit, not inside it.)
            try:
                PortalMemory(state, profile).remember(reading.shape, checked_at)
            except Exception as error:
                log.warning("could not remember what the portal showed: %s", error)
        else:
            # Nothing of this reading was remembered: its letters are new again next time.
            result.letters = [
                LetterReport(
                    letter,
                    deadlines_for(letter, today),
                    not (first_check and letter.read),
                    dates.warnings_for(letter),
                )
                for letter in letters
            ]
        return result

    def _say_who_tries_again(self, error: AssistantError, automated: bool) -> None:
        """A failure that may pass says who tries again: the agent, or, when a check by hand
        fails and no agent runs, the person (never a promise that nobody keeps)."""
        if not (error.retryable or isinstance(error, CaptchaError)):
            return
        if automated:
            hint = N_("The assistant will try again later.")
        elif self.env.agent_running():
            hint = N_("The agent running on this computer will try again later.")
        else:
            hint = N_(
                "No agent is running on this computer to try again: run 'ofpra-assistant "
                "check' again later, or start the agent with 'ofpra-assistant run'."
            )
        if (hint, {}) not in error.hints:  # one error may end several profiles' checks
            error.with_hint(hint)

    def _failed(
        self, name: str, started: datetime, error: AssistantError, attempts: int, automated: bool
    ) -> CheckResult:
        """A failed check: its alert in the outbox with the record of the check, then sent.
        Never raises, even when the state itself is what failed."""
        state = self.env.state
        log.warning("check of %s failed: %s: %s", name, error.code, error.message)
        capture = (
            self._save_capture(name, error) if isinstance(error, PageNotRecognisedError) else None
        )
        self._say_who_tries_again(error, automated)
        finished = self.env.clock()
        result = CheckResult(
            profile=name, checked_at=finished, error=error, attempts=attempts, capture=capture
        )
        try:
            profile = state.profile(name)
        except Exception as fault:
            log.warning("the state could not be read: %s", fault)
            profile = None
        translator = Translator(profile.language if profile else "en")
        result.alerts = [failure_alert(error, translator, name)]

        def record() -> list[Alert]:
            if profile is None or getattr(error, "remembered", False):
                return list(result.alerts)
            to_send = list(result.alerts)
            if automated:
                to_send = alerts_to_forward(result, ProfileHistory.from_state(state, profile))
            state.record_check(
                name, CheckRecord(started, finished, False, error.code, None, None, None, automated)
            )
            return to_send

        self._commit_and_deliver(result, translator, record)
        return result

    def _commit_and_deliver(
        self, result: CheckResult, translator: Translator, record: Callable[[], list[Alert]]
    ) -> bool:
        """Record the check and put its alerts in the outbox in one transaction, then deliver
        everything pending (earlier alerts of this profile join this check's ``alerts``).
        When the state cannot be written, the alerts go out at once, with one more that says
        why; False then."""
        state = self.env.state
        # The local target and this profile's own channels; the delivery below needs them all.
        targets = self.env.targets_for(result.profile)
        try:
            with state.transaction():
                to_send = record()
                ids = state.enqueue_alerts(
                    result.profile, to_send, [t.name for t in targets], result.checked_at
                )
        except Exception as error:
            fault = as_assistant_error(error, where=str(state.path))
            log.error("check of %s not recorded: %s: %s", result.profile, fault.code, error)
            fault_alert = failure_alert(fault, translator, result.profile)
            to_send = [*result.alerts, fault_alert]
            result.alerts = to_send
            if result.error is None:
                result.error = fault
            sent = send_unrecorded(to_send, targets, result.profile)
            self.delivered.extend(sent)
            result.delivered_via = [
                next(
                    (d.via or "none" for d in sent if d.alert is a and d.target == "local"), "none"
                )
                for a in to_send
            ]
            result.deliveries = [
                [
                    _shown(d.target, d.via, d.error)
                    for d in sent
                    if d.alert is a and d.via != "not for this channel"
                ]
                for a in to_send
            ]
            return False
        delivered = self._deliver(result.checked_at)
        local = {d.alert_id: d for d in delivered if d.target == self.env.dispatcher.name}
        sent_ids = dict(zip(map(id, to_send), ids, strict=True))
        via = []
        alert_ids: list[int | None] = []
        for alert in result.alerts:
            alert_id = sent_ids.get(id(alert))
            alert_ids.append(alert_id)
            if alert_id is None:
                via.append("held")
            else:
                done = local.get(alert_id)
                via.append(done.via if done is not None and done.via else "none")
        # Alerts left over from earlier (a kill, no notification service then) go out now.
        for delivery in delivered:
            if (
                delivery.target == self.env.dispatcher.name
                and delivery.alert_id not in ids
                and delivery.profile in (result.profile, "")
            ):
                result.alerts.append(delivery.alert)
                via.append(delivery.via or "none")
                alert_ids.append(delivery.alert_id)
        result.delivered_via = via
        result.deliveries = [self._deliveries_of(alert_id) for alert_id in alert_ids]
        return True

    def _deliveries_of(self, alert_id: int | None) -> list[dict[str, object]]:
        """How one alert went to each of its targets, as the outbox recorded it (a channel
        the alert was not for is left out)."""
        if alert_id is None:
            return []
        try:
            rows = self.env.state.deliveries(alert_id)
        except Exception as error:
            log.warning("the deliveries of alert %s could not be read: %s", alert_id, error)
            return []
        shown = []
        for row in sorted(rows, key=lambda row: row["target"] != "local"):  # the local first
            if row["via"] == "not for this channel":
                continue
            ok = bool(row["ok"])
            shown.append(
                _shown(str(row["target"]), str(row["via"]) if ok else None, row["last_error"])
            )
        return shown

    def _deliver(self, now: datetime) -> list[Delivery]:
        try:
            delivered = deliver_pending(self.env.state, self.env.targets, now, force=True)
        except Exception as error:
            log.error("the outbox could not be read: %s", error)
            return []
        self.delivered.extend(delivered)
        return delivered

    # Captures --------------------------------------------------------------------------------

    def _save_debug_screenshot(self, page: Page, name: str) -> Path | None:
        """Opt-in (``debug_screenshot``): the page a check failed on, every input field and every
        element whose text holds a secret masked (``secret_masks``). Mode 0600, in the captures."""
        from playwright.sync_api import Error as PlaywrightError

        if self.env.captures_dir is None:
            return None
        try:
            png = page.screenshot(mask=secret_masks(page), full_page=True, timeout=5_000)
            path = save_private_file(
                self.env.captures_dir, name, "failed-check.png", png, self.env.clock()
            )
        except (OSError, PlaywrightError) as failure:
            log.warning("could not save the debug screenshot: %s", failure)
            return None
        log.warning("debug screenshot of the failed check saved in %s", path)
        return path

    def _save_capture(self, name: str, error: PageNotRecognisedError) -> Path | None:
        """Write the redacted outline of the unrecognised page, and say where in the message."""
        if error.capture is None or self.env.captures_dir is None:
            return None
        try:
            path = save_capture(
                self.env.captures_dir,
                name,
                "not_recognised",
                error.capture,
                self.env.clock(),
                "the check did not recognise this page",
            )
        except OSError as failure:
            log.warning("could not save the page capture: %s", failure)
            return None
        error.with_hint(
            N_(
                "An outline of the page, without any personal data, was saved in {path}: "
                "please send it to whoever maintains the assistant."
            ),
            path=str(path),
        )
        return path


def _shown(target: str, via: str | None, error: object) -> dict[str, object]:
    """One delivery in ``check --json``: the channel's label (``local`` for the desktop, or the
    terminal, with ``via`` saying which), whether it went, and why not."""
    shown: dict[str, object] = {"channel": target.rsplit(":", 1)[-1], "ok": via is not None}
    if target == "local" and via is not None:
        shown["via"] = via
    if via is None and error:
        shown["error"] = str(error)
    return shown


def refuse_if_refused(profile: Profile) -> None:
    """The portal refused this password (or locked the account): it is not typed again, by
    any path, until setup stores new credentials. Said at once, without the portal."""
    if profile.refused_code is None or profile.refused_at is None:
        return
    error_class = _REFUSED.get(profile.refused_code, LoginRejectedError)
    error = error_class(
        N_(
            "On {date} the portal refused the password of the profile '{profile}' ({code}), "
            "and the assistant will not type it again: trying again could lock the account. "
            "Check the password on the OFPRA website (or ask your SPADA to unlock the "
            "account), then run 'ofpra-assistant setup --profile {profile}' to store it."
        ),
        date=profile.refused_at.date().isoformat(),
        profile=profile.name,
        code=profile.refused_code,
    )
    error.remembered = True  # type: ignore[attr-defined]
    raise error
