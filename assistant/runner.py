"""One check, from the profile to the alerts. It returns a result; it never raises.

scheduler → runner → (credentials, flows → parser) → deadlines → state → notifiers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.alerts import failure_alert, letter_alerts
from assistant.captures import save_capture, save_private_file
from assistant.credentials import Credentials, CredentialStore
from assistant.deadlines import deadlines_for, paris_today
from assistant.errors import (
    N_,
    AssistantError,
    CaptchaError,
    ConsentMissingError,
    PageNotRecognisedError,
    PortalUnavailableError,
    ProfileMissingError,
    unexpected_error,
)
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher
from assistant.plausibility import review_dates
from assistant.portal_memory import PortalMemory
from assistant.privacy import REDACTOR, secret_masks
from assistant.progress import Progress, no_progress
from assistant.results import CheckResult, LetterReport
from assistant.settings import Settings
from assistant.state import CheckRecord, Profile, StateStore

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from flows.check_flow import DocumentsReading

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


BrowserSource = Callable[[Settings, list[str]], AbstractContextManager["Browser"]]


@contextmanager
def launch_for_hosts(settings: Settings, portal_urls: list[str]) -> Iterator[Browser]:
    """The browser a check uses: started here, closed at the end, whatever happens."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from flows.browser import launch_browser

    try:
        with sync_playwright() as playwright:
            browser = launch_browser(
                playwright,
                portal_urls,
                executable_path=settings.browser.executable_path,
                channel=settings.browser.channel,
                headless=settings.browser.headless,
            )
            try:
                yield browser
            finally:
                browser.close()
    except PlaywrightError as error:
        raise PortalUnavailableError(
            N_("The browser stopped unexpectedly ({detail})."),
            detail=str(error).strip().splitlines()[0] if str(error).strip() else "",
        ) from None


@dataclass
class Environment:
    """Everything a check touches, passed in so that tests can swap the clock and notifiers."""

    settings: Settings
    state: StateStore
    credentials: CredentialStore
    dispatcher: AlertDispatcher
    clock: Callable[[], datetime] = field(default=utc_now)
    #: Where the browser comes from; tests hand in pytest-playwright's.
    browser_source: BrowserSource = field(default=launch_for_hosts)
    #: Waits between the attempts of a check; tests record instead of sleeping.
    sleep: Callable[[float], None] = field(default=time.sleep)
    #: Where redacted outlines of unrecognised pages go (``Paths.captures_dir``); None: nowhere.
    captures_dir: Path | None = None
    #: Told each step of a check as it starts (a check by hand shows them; the agent's are quiet).
    progress: Progress = field(default=no_progress)
    #: Whether an agent runs for this home folder: who tries again after a check by hand fails.
    agent_running: Callable[[], bool] = field(default=lambda: False)


@dataclass(frozen=True)
class Prepared:
    """A profile cleared to log in: it exists, has consent, and its credentials are loaded."""

    profile: Profile
    credentials: Credentials


class CheckRunner:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def check(self, profile: str, *, automated: bool = False) -> CheckResult:
        return self.check_many([profile], automated=automated)[0]

    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[CheckResult]:
        """Check each profile in turn, with one browser and a fresh context for each.

        ``automated``: the agent runs it (recorded, since its logins are limited), not a person.
        The agent retries a failed check on its own schedule, so an automated check makes one
        attempt; a check run by hand retries at once (``[retry]``).
        """
        results: dict[str, CheckResult] = {}
        prepared: list[Prepared] = []
        started = self.env.clock()
        for name in profiles:
            try:
                prepared.append(self.prepare(name))
            except AssistantError as error:
                results[name] = self._failed(name, started, error, automated=automated)
            except Exception as error:
                log.exception("unexpected error preparing the check of %s", name)
                results[name] = self._failed(
                    name, started, unexpected_error(error), automated=automated
                )
        if prepared:
            try:
                portals = [p.profile.portal_url for p in prepared]
                self.env.progress("starting_browser")
                with self.env.browser_source(self.env.settings, portals) as browser:
                    for item in prepared:
                        if len(profiles) > 1:
                            self.env.progress("checking_profile", profile=item.profile.name)
                        results[item.profile.name] = self._check_one(browser, item, automated)
            except AssistantError as error:
                for item in prepared:
                    if item.profile.name not in results:
                        results[item.profile.name] = self._failed(
                            item.profile.name, started, error, automated=automated
                        )
        return [results[name] for name in profiles]

    def prepare(self, name: str) -> Prepared:
        profile = self.env.state.profile(name)
        if profile is None:
            raise ProfileMissingError(
                N_(
                    "There is no profile named '{profile}'. Run 'ofpra-assistant setup --profile "
                    "{profile}' first, or 'ofpra-assistant status' to list the profiles."
                ),
                profile=name,
            )
        if self.env.state.consent(name) is None:
            raise ConsentMissingError(
                N_(
                    "No consent is recorded for the profile '{profile}', so the assistant will "
                    "not log in. Run 'ofpra-assistant setup --profile {profile}' with the "
                    "account holder."
                ),
                profile=name,
            )
        credentials = self.env.credentials.load(name)
        REDACTOR.register(credentials)
        return Prepared(profile, credentials)

    def _check_one(self, browser: Browser, item: Prepared, automated: bool) -> CheckResult:
        """Up to ``retry.attempts`` attempts, each in a fresh browser context, while the portal
        is unavailable; any other failure (a refused password above all) ends the check."""
        profile = item.profile
        started = self.env.clock()
        retry = self.env.settings.retry
        attempts = 1 if automated else retry.attempts
        attempt = 1
        while True:
            outcome = self._attempt(browser, item)
            if not isinstance(outcome, AssistantError):
                reading, blocked, letters_blocked = outcome
                break
            error = outcome
            if error.retryable and attempt < attempts:
                attempt += 1
                wait = retry.backoff_before(attempt)
                log.warning(
                    "check of %s: %s; attempt %d of %d in %.0f s",
                    profile.name,
                    error.code,
                    attempt,
                    attempts,
                    wait,
                )
                self.env.progress("portal_not_answering", code=error.code)
                self.env.progress("retrying", seconds=wait, attempt=attempt, attempts=attempts)
                self.env.sleep(wait)
                continue
            if attempt > 1:
                error.with_hint(N_("(The assistant tried {count} times.)"), count=attempt)
            return self._failed(profile.name, started, error, attempts=attempt, automated=automated)

        checked_at = self.env.clock()
        today = paris_today(checked_at)
        # The state is an edge too: a label that echoes a secret is kept masked.
        letters = REDACTOR.scrub_letters(reading.letters)
        dates = review_dates(letters, today)
        if dates.error is not None:
            return self._failed(profile.name, started, dates.error, attempt, automated)
        # "New" is new since the last check. A first check has none to compare with: a letter
        # the person has opened already (in 2025, say) is no news to them, so it is not new.
        first_check = self.env.state.last_successful_check(profile.name) is None
        first_seen = self.env.state.merge_letters(profile.name, letters, checked_at)
        new_ids = {
            letter.id
            for letter in letters
            if letter.id in first_seen and not (first_check and letter.read)
        }
        # Only a reading accepted whole (dates included) becomes what the next check compares to.
        PortalMemory(self.env.state, profile).remember(reading.shape, checked_at)
        reports = [
            LetterReport(
                letter,
                deadlines_for(letter, today),
                letter.id in new_ids,
                dates.warnings_for(letter),
            )
            for letter in letters
        ]
        translator = Translator(profile.language)
        result = CheckResult(
            profile=profile.name,
            checked_at=checked_at,
            letters=reports,
            alerts=letter_alerts(reports, translator, profile.name),
            blocked_requests=blocked,
            letter_requests_blocked=letters_blocked,
            logged_out=reading.logged_out,
            attempts=attempt,
            pages=reading.pages,
            first_check=first_check,
        )
        result.delivered_via = [self.env.dispatcher.deliver(a) for a in result.alerts]
        self.env.state.record_check(
            profile.name,
            CheckRecord(
                started_at=started,
                finished_at=checked_at,
                ok=True,
                error_code=None,
                letters=len(reports),
                new_letters=len(new_ids),
                unread_notified=sum(1 for r in reports if r.needs_opening),
                automated=automated,
            ),
        )
        return result

    def _attempt(
        self, browser: Browser, item: Prepared
    ) -> tuple[DocumentsReading, int, int] | AssistantError:
        """One attempt in its own browser context: the reading, the number of requests the
        fence refused and how many of them were for a letter, or the error that stopped it."""
        from playwright.sync_api import Error as PlaywrightError

        from flows.browser import portal_context
        from flows.check_flow import read_documents

        profile = item.profile
        timeout_ms = self.env.settings.browser.timeout_seconds * 1000
        try:
            with portal_context(browser, profile.portal_url) as (context, guard):
                page = context.new_page()
                try:
                    reading = read_documents(
                        page,
                        profile.portal_url,
                        item.credentials.identifier,
                        item.credentials.password,
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
        except AssistantError as error:
            return error
        except PlaywrightError as error:
            return PortalUnavailableError(
                N_("The portal could not be read ({detail})."),
                detail=str(error).strip().splitlines()[0] if str(error).strip() else "",
            )
        except Exception as error:
            log.exception("unexpected error in the check of %s", profile.name)
            return unexpected_error(error)

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
        self,
        name: str,
        started: datetime,
        error: AssistantError,
        attempts: int = 0,
        automated: bool = False,
    ) -> CheckResult:
        capture = None
        if isinstance(error, PageNotRecognisedError):
            capture = self._save_capture(name, error)
        self._say_who_tries_again(error, automated)
        finished = self.env.clock()
        log.warning("check of %s failed: %s: %s", name, error.code, error.message)
        profile = self.env.state.profile(name)
        translator = Translator(profile.language if profile else "en")
        result = CheckResult(
            profile=name, checked_at=finished, error=error, attempts=attempts, capture=capture
        )
        result.alerts = [failure_alert(error, translator, name)]
        result.delivered_via = [self.env.dispatcher.deliver(a) for a in result.alerts]
        if profile is not None:
            self.env.state.record_check(
                name,
                CheckRecord(started, finished, False, error.code, None, None, None, automated),
            )
        return result
