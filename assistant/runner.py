"""One check, from the profile to the alerts. It returns a result; it never raises.

scheduler → runner → (credentials, flows → parser) → deadlines → state → notifiers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.alerts import failure_alert, letter_alerts
from assistant.credentials import Credentials, CredentialStore
from assistant.deadlines import deadlines_for, paris_today
from assistant.errors import (
    AssistantError,
    ConsentMissingError,
    PortalUnavailableError,
    ProfileMissingError,
    unexpected_error,
)
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher
from assistant.privacy import REDACTOR
from assistant.results import CheckResult, LetterReport
from assistant.settings import Settings
from assistant.state import CheckRecord, Profile, StateStore

if TYPE_CHECKING:
    from playwright.sync_api import Browser

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Environment:
    """Everything a check touches, passed in so that tests can swap the clock and notifiers."""

    settings: Settings
    state: StateStore
    credentials: CredentialStore
    dispatcher: AlertDispatcher
    clock: Callable[[], datetime] = field(default=utc_now)


@dataclass(frozen=True)
class _Prepared:
    profile: Profile
    credentials: Credentials


class CheckRunner:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def check(self, profile: str) -> CheckResult:
        return self.check_many([profile])[0]

    def check_many(self, profiles: list[str]) -> list[CheckResult]:
        """Check each profile in turn, with one browser and a fresh context for each."""
        results: dict[str, CheckResult] = {}
        prepared: list[_Prepared] = []
        started = self.env.clock()
        for name in profiles:
            try:
                prepared.append(self._prepare(name))
            except AssistantError as error:
                results[name] = self._failed(name, started, error)
            except Exception as error:
                log.exception("unexpected error preparing the check of %s", name)
                results[name] = self._failed(name, started, unexpected_error(error))
        if prepared:
            try:
                with self._browser([p.profile.portal_url for p in prepared]) as browser:
                    for item in prepared:
                        results[item.profile.name] = self._check_one(browser, item)
            except AssistantError as error:
                for item in prepared:
                    if item.profile.name not in results:
                        results[item.profile.name] = self._failed(item.profile.name, started, error)
        return [results[name] for name in profiles]

    def _prepare(self, name: str) -> _Prepared:
        profile = self.env.state.profile(name)
        if profile is None:
            raise ProfileMissingError(
                f"There is no profile named '{name}'. Run 'ofpra-assistant setup --profile {name}'"
                " first, or 'ofpra-assistant status' to list the profiles."
            )
        if self.env.state.consent(name) is None:
            raise ConsentMissingError(
                f"No consent is recorded for the profile '{name}', so the assistant will not log "
                f"in. Run 'ofpra-assistant setup --profile {name}' with the account holder."
            )
        credentials = self.env.credentials.load(name)
        REDACTOR.register(credentials)
        return _Prepared(profile, credentials)

    @contextmanager
    def _browser(self, portal_urls: list[str]) -> Iterator[Browser]:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        from flows.browser import launch_browser

        hosts = [urlsplit(url).hostname or "" for url in portal_urls]
        browser_settings = self.env.settings.browser
        try:
            with sync_playwright() as playwright:
                browser = launch_browser(
                    playwright,
                    hosts,
                    executable_path=browser_settings.executable_path,
                    channel=browser_settings.channel,
                    headless=browser_settings.headless,
                )
                try:
                    yield browser
                finally:
                    browser.close()
        except PlaywrightError as error:
            raise PortalUnavailableError(
                f"The browser stopped unexpectedly ({str(error).splitlines()[0]}). The assistant "
                "will try again later."
            ) from None

    def _check_one(self, browser: Browser, item: _Prepared) -> CheckResult:
        from playwright.sync_api import Error as PlaywrightError

        from flows.browser import portal_context
        from flows.check_flow import read_documents

        profile = item.profile
        started = self.env.clock()
        timeout_ms = self.env.settings.browser.timeout_seconds * 1000
        try:
            with portal_context(browser, profile.portal_url) as (context, guard):
                reading = read_documents(
                    context.new_page(),
                    profile.portal_url,
                    item.credentials.identifier,
                    item.credentials.password,
                    timeout_ms=timeout_ms,
                )
        except AssistantError as error:
            return self._failed(profile.name, started, error)
        except PlaywrightError as error:
            return self._failed(
                profile.name,
                started,
                PortalUnavailableError(
                    f"The portal could not be read ({str(error).splitlines()[0]}). The assistant "
                    "will try again later."
                ),
            )
        except Exception as error:
            log.exception("unexpected error in the check of %s", profile.name)
            return self._failed(profile.name, started, unexpected_error(error))

        checked_at = self.env.clock()
        today = paris_today(checked_at)
        new_ids = self.env.state.merge_letters(profile.name, reading.letters, checked_at)
        reports = [
            LetterReport(letter, deadlines_for(letter, today), letter.id in new_ids)
            for letter in reading.letters
        ]
        translator = Translator(profile.language)
        result = CheckResult(
            profile=profile.name,
            checked_at=checked_at,
            letters=reports,
            alerts=letter_alerts(reports, translator, profile.name),
            blocked_requests=len(guard.blocked_hosts),
            logged_out=reading.logged_out,
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
            ),
        )
        return result

    def _failed(self, name: str, started: datetime, error: AssistantError) -> CheckResult:
        finished = self.env.clock()
        log.warning("check of %s failed: %s: %s", name, error.code, error.message)
        profile = self.env.state.profile(name)
        translator = Translator(profile.language if profile else "en")
        result = CheckResult(profile=name, checked_at=finished, error=error)
        result.alerts = [failure_alert(error, translator, name)]
        result.delivered_via = [self.env.dispatcher.deliver(a) for a in result.alerts]
        if profile is not None:
            self.env.state.record_check(
                name,
                CheckRecord(started, finished, False, error.code, None, None, None),
            )
        return result
