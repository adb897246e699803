"""One check, from the profile to the alerts. It returns a result; it never raises.

scheduler → runner → (credentials, flows → parser) → deadlines → state and outbox (one
transaction) → delivery. ``CheckRunner.check_many`` is the one edge of a check: whatever fails,
in the assistant as on the portal, each profile ends in a ``CheckResult`` with a named error,
and its alert goes out.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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

    from assistant.browsers import BrowserWorkers
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
        #: The steps of the checks, told one at a time from any thread (``_Steps``).
        self.progress = _Steps(env)

    def check(self, profile: str, *, automated: bool = False) -> CheckResult:
        return self.check_many([profile], automated=automated)[0]

    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[CheckResult]:
        """Check each profile, in one browser and a fresh context for each: up to
        ``[browser] concurrency`` at a time on the environment's worker threads
        (``browser_pool``), else one after the other on this thread. Results in the order
        asked; never two sessions of one profile at once.

        ``automated``: the agent runs it (recorded, since its logins are limited), not a person.
        The agent retries a failed check on its own schedule, so an automated check makes one
        attempt; a check run by hand retries at once (``[retry]``). Never raises.
        """
        if self.env.browser_pool is None:
            results = self._check_in_turn(profiles, automated)
        else:
            results = self._check_at_once(profiles, automated)
        # Every slot is filled by then; one that is not is a fault, said as one, never dropped.
        return [
            result
            if result is not None
            else self._failed(name, self.env.clock(), _no_reading(), 0, automated)
            for name, result in zip(profiles, results, strict=True)
        ]

    def _check_in_turn(self, profiles: list[str], automated: bool) -> list[CheckResult | None]:
        """One profile after the other, with ``browser_source``'s browser, on this thread."""
        results: list[CheckResult | None] = [None] * len(profiles)
        started = self.env.clock()
        prepared: list[tuple[int, Prepared]] = []
        for index, name in enumerate(profiles):
            try:
                prepared.append((index, self.prepare(name)))
            except Exception as error:
                results[index] = self._failed(
                    name, started, as_assistant_error(error), 0, automated
                )
        if prepared:
            try:
                portals = [p.profile.portal_url for _, p in prepared]
                self.env.progress("starting_browser")
                with self.env.browser_source(self.env.settings, portals) as browser:
                    for index, item in prepared:
                        if len(profiles) > 1:
                            self.env.progress("checking_profile", profile=item.profile.name)
                        results[index] = self._check_one(browser, item, automated)
            except Exception as error:
                fault = as_assistant_error(error)
                for index, item in prepared:
                    if results[index] is None:
                        results[index] = self._failed(
                            item.profile.name, started, fault, 0, automated
                        )
        return results

    def _check_at_once(self, profiles: list[str], automated: bool) -> list[CheckResult | None]:
        """On worker threads, up to ``concurrency`` profiles at a time. The browser starts
        while this thread reads the keyring; the workers log in, read and log out, and hand
        each reading back here, where it is recorded, put in the outbox and delivered (the
        state's connection and the notifiers stay on this thread) before the worker lets the
        profile's session lock go."""
        results: list[CheckResult | None] = [None] * len(profiles)
        started = self.env.clock()
        cleared: list[tuple[int, Profile]] = []
        for index, name in enumerate(profiles):
            try:
                cleared.append((index, self.cleared(name)))
            except Exception as error:
                results[index] = self._failed(
                    name, started, as_assistant_error(error), 0, automated
                )
        if not cleared:
            return results
        pool_source = self.env.browser_pool
        assert pool_source is not None
        workers = min(self.env.settings.browser.concurrency, len({p.name for _, p in cleared}))
        run = _Run(self, automated, several=len(profiles) > 1, at_once=workers > 1)
        try:
            self.progress("starting_browser")
            portals = [profile.portal_url for _, profile in cleared]
            with pool_source(self.env.settings, portals, workers) as pool:
                try:
                    self._hand_out(pool, run, cleared, results, started)
                finally:
                    # Whatever happened here, no worker waits for a record that will not come
                    # (the pool waits for its workers as it closes).
                    run.release_all()
        except Exception as error:
            fault = as_assistant_error(error)
            for index, profile in cleared:
                if results[index] is None:
                    results[index] = self._failed(profile.name, started, fault, 0, automated)
        return results

    def _hand_out(
        self,
        pool: BrowserWorkers,
        run: _Run,
        cleared: list[tuple[int, Profile]],
        results: list[CheckResult | None],
        started: datetime,
    ) -> None:
        """Give the workers the profiles (each as its credentials are read), and record each
        reading as it comes back, on this thread."""
        for index, profile in cleared:
            # The keyring (D-Bus) is read while the browser starts.
            try:
                credentials = self.env.credentials.load(profile.name)
                REDACTOR.register(credentials)
            except Exception as error:
                fault = as_assistant_error(error)
                results[index] = self._failed(profile.name, started, fault, 0, run.automated)
                continue
            run.waiting.append(_Handed(index, Prepared(profile, credentials)))
            run.dispatch(pool)
        while run.waiting or run.running:
            run.dispatch(pool)
            if not run.waiting:
                pool.finish()  # every job is with the workers
            handed = run.handoff.get()
            results[handed.index] = self._finish(handed, run.automated)
            run.done(handed)

    def _finish(self, handed: _Handed, automated: bool) -> CheckResult:
        """A worker's reading, recorded on this thread (the edge: it ends in a result)."""
        name = handed.item.profile.name
        outcome = handed.outcome
        try:
            if outcome is None or isinstance(outcome, AssistantError):
                error = outcome or _no_reading()
                return self._failed(name, handed.started, error, handed.attempts, automated)
            return self._succeeded(
                handed.item.profile, handed.started, outcome, handed.attempts, automated
            )
        except Exception as error:
            return self._failed(
                name, handed.started, as_assistant_error(error), handed.attempts, automated
            )

    def cleared(self, name: str) -> Profile:
        """The profile, if it may log in: it exists, has consent, and no refusal stands (all
        from the state, at once; the keyring comes after)."""
        profile = self.env.state.profile(name)
        if profile is None:
            raise no_such_profile(name)
        if self.env.state.consent(name) is None:
            raise ConsentMissingError(
                N_(
                    "No consent is recorded for the profile '{profile}', so the assistant will "
                    "not log in. Run 'ofpra-assistant setup --profile {profile} --replace' "
                    "with the account holder."
                ),
                profile=name,
            )
        refuse_if_refused(profile)
        return profile

    def prepare(self, name: str) -> Prepared:
        profile = self.cleared(name)
        credentials = self.env.credentials.load(name)
        REDACTOR.register(credentials)
        return Prepared(profile, credentials)

    @contextmanager
    def portal_session(self, name: str) -> Iterator[None]:
        """At most one portal session per profile at a time, across processes (a lock file);
        once it is held, a refusal another process just met is seen before any login (read
        through the calling thread's own connection to the state)."""
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
                self.progress("portal_not_answering", code=error.code)
                self.progress("retrying", seconds=wait, attempt=attempt, attempts=allowed)
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
        from flows.check_flow import read_documents
        from flows.fence import portal_context

        timeout_ms = self.env.settings.browser.timeout_seconds * 1000
        with portal_context(browser, profile.portal_url) as fenced:
            guard = fenced.guard
            try:
                reading = read_documents(
                    fenced,
                    profile.portal_url,
                    credentials.identifier,
                    credentials.password,
                    timeout_ms=timeout_ms,
                    # What the portal showed last time, for the flow to prove the list whole.
                    previous=PortalMemory(self.env.state, profile).last_seen(),
                    progress=self.progress,
                )
            except AssistantError:
                if self.env.settings.debug_screenshot:
                    self._save_debug_screenshot(fenced.page, profile.name)
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
        # The account holder's language: the alerts', never the terminal's (the CLI has its
        # own for what it prints).
        holder = Translator(profile.language)
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
            result.alerts = letter_alerts(result.letters, holder, profile.name)
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

        if self._commit_and_deliver(result, holder, record):
            # Only a reading accepted whole (dates included, and recorded) becomes what the next
            # check compares to (written once the check is committed).
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
        if isinstance(error, LoginRejectedError) and not getattr(error, "remembered", False):
            # The page does not know the profile's name; plain 'setup' would make a new one.
            error.with_hint(
                N_(
                    "If the password was changed, store the new one with 'ofpra-assistant "
                    "setup --profile {profile} --replace'."
                ),
                profile=name,
            )
        finished = self.env.clock()
        result = CheckResult(
            profile=name, checked_at=finished, error=error, attempts=attempts, capture=capture
        )
        try:
            profile = state.profile(name)
        except Exception as fault:
            log.warning("the state could not be read: %s", fault)
            profile = None
        holder = Translator(profile.language if profile else "en")
        result.alerts = [failure_alert(error, holder, name)]

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

        self._commit_and_deliver(result, holder, record)
        return result

    def _commit_and_deliver(
        self, result: CheckResult, holder: Translator, record: Callable[[], list[Alert]]
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
            fault_alert = failure_alert(fault, holder, result.profile)
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


def _no_reading() -> PortalUnavailableError:
    return PortalUnavailableError(N_("The portal could not be read ({detail})."), detail="")


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
            "account), then run 'ofpra-assistant setup --profile {profile} --replace' to store it."
        ),
        date=profile.refused_at.date().isoformat(),
        profile=profile.name,
        code=profile.refused_code,
    )
    error.remembered = True  # type: ignore[attr-defined]
    raise error


class _Steps:
    """The progress of checks told from several threads: one step at a time, and, while
    several profiles are checked at once, each with the profile it is about (``for_profile``)."""

    def __init__(self, env: Environment) -> None:
        self._env = env
        self._lock = threading.Lock()
        self._local = threading.local()

    def __call__(self, step: str, /, **values: object) -> None:
        profile = getattr(self._local, "profile", None)
        if profile is not None:
            values = {**values, "for_profile": profile}
        with self._lock:
            self._env.progress(step, **values)

    @contextmanager
    def about(self, profile: str | None) -> Iterator[None]:
        """The steps this thread tells meanwhile are about ``profile`` (None: no tag)."""
        self._local.profile = profile
        try:
            yield
        finally:
            self._local.profile = None


@dataclass
class _Handed:
    """One profile's check between the runner's thread and a worker: what the worker read,
    and the signal that it was recorded (the worker holds the profile's lock until then)."""

    index: int
    item: Prepared
    started: datetime = field(default_factory=utc_now)
    outcome: tuple[DocumentsReading, int, int] | AssistantError | None = None
    attempts: int = 0
    recorded: threading.Event = field(default_factory=threading.Event)


class _Run:
    """The profiles of one ``_check_at_once``: waiting, with a worker, and handed back."""

    def __init__(self, runner: CheckRunner, automated: bool, *, several: bool, at_once: bool):
        self.runner = runner
        self.automated = automated
        self.several = several
        self.at_once = at_once
        self.waiting: deque[_Handed] = deque()
        #: Profile names with a worker (never two sessions of one profile).
        self.running: set[str] = set()
        self.handoff: queue.Queue[_Handed] = queue.Queue()
        self._dispatched: list[_Handed] = []

    def dispatch(self, pool: BrowserWorkers) -> None:
        for handed in list(self.waiting):
            name = handed.item.profile.name
            if name in self.running:
                continue
            self.waiting.remove(handed)
            self.running.add(name)
            self._dispatched.append(handed)
            pool.submit(functools.partial(self._job, handed))

    def done(self, handed: _Handed) -> None:
        handed.recorded.set()
        self.running.discard(handed.item.profile.name)

    def release_all(self) -> None:
        """Whatever happened here, no worker waits for a record that will not come."""
        for handed in self._dispatched:
            handed.recorded.set()

    def _job(self, handed: _Handed, browser: Callable[[], Browser]) -> None:
        """On a worker: the profile's session, its attempts, and the handing back. Never
        raises; reads the state only through connections of its own."""
        runner = self.runner
        name = handed.item.profile.name
        handed.started = runner.env.clock()
        sent = False
        try:
            if self.several:
                runner.progress("checking_profile", profile=name)
            with runner.progress.about(name if self.at_once else None):
                opened = browser()
                with runner.portal_session(name):
                    handed.outcome, handed.attempts = runner._attempts(
                        opened, handed.item, self.automated
                    )
                    self.handoff.put(handed)
                    sent = True
                    # The record (a refused password above all) is written before the lock goes.
                    handed.recorded.wait()
        except Exception as error:
            if sent:
                log.warning("the session of %s did not end cleanly: %s", name, error)
                return
            handed.outcome = as_assistant_error(error)
            self.handoff.put(handed)
