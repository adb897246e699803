"""One profile's check at the portal, from its browser to its outcome. It never raises.

urlwatch's ``JobState.process``: one ``try`` around the whole of it, so whatever fails (the
browser that did not start, the profile's session held elsewhere, the portal, a bug) ends in an
``Outcome`` with a named error, which ``assistant.recorder`` writes. Nothing is written here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.browser_pool import InBrowser
from assistant.clearance import Prepared, portal_session
from assistant.credentials import Credentials
from assistant.environment import Environment
from assistant.errors import N_, AssistantError, PortalUnavailableError, as_assistant_error
from assistant.portal_memory import PortalMemory
from assistant.privacy import secret_masks
from assistant.progress import Progress
from assistant.state import Profile

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from flows.check_flow import DocumentsReading
    from flows.completeness import PortalShape

log = logging.getLogger(__name__)

#: One attempt at the portal, given what the portal showed at the last complete reading: the
#: reading, the number of requests the fence refused, and how many of them were for a letter.
#: It runs in the browser's thread (the shared driver's), beside other sessions: it must not
#: block, nor touch the state (what it needs from the state is handed in).
PortalReader = Callable[
    ["Browser", Profile, Credentials, "PortalShape | None"], tuple["DocumentsReading", int, int]
]


@dataclass
class Outcome:
    """What one profile's check came to: a reading, or the error that ended it."""

    name: str
    started: datetime
    #: The profile as the check found it (None: the check ended before, e.g. no such profile).
    profile: Profile | None = None
    reading: DocumentsReading | None = None
    blocked_requests: int = 0
    letter_requests_blocked: int = 0
    error: AssistantError | None = None
    attempts: int = 0

    @classmethod
    def failed(
        cls, name: str, started: datetime, error: BaseException, attempts: int = 0
    ) -> Outcome:
        return cls(name, started, error=as_assistant_error(error), attempts=attempts)


def attempt_check(
    env: Environment,
    item: Prepared,
    in_browser: InBrowser,
    *,
    reader: PortalReader,
    progress: Progress,
    automated: bool,
    session: ExitStack,
) -> Outcome:
    """Log in, read and log out, retried while the portal is unavailable (``[retry]``; the
    agent's checks make one attempt: it retries on its own schedule).

    The profile's session lock is entered on ``session``: the caller holds it until the
    outcome is recorded, so that a refused password is in the state before another process
    may type it.

    What blocks (the lock, the state, the back-off) stays on this thread; only the reading goes
    to the browser's, through ``in_browser``."""
    name = item.profile.name
    started = env.clock()
    try:
        # The browser up first (or what stopped it, said once, never retried): the lock is
        # not taken for a check that cannot start.
        in_browser(_started)
        session.enter_context(portal_session(env, name))
        # Read here, under the lock: the state is never touched on the browser's thread.
        previous = PortalMemory(env.state, item.profile).last_seen()
        retry = env.settings.retry
        allowed = 1 if automated else retry.attempts
        attempt = 1
        while True:
            outcome = in_browser(lambda browser: _one_attempt(reader, browser, item, previous))
            if not isinstance(outcome, AssistantError):
                reading, blocked, letters_blocked = outcome
                return Outcome(
                    name,
                    started,
                    profile=item.profile,
                    reading=reading,
                    blocked_requests=blocked,
                    letter_requests_blocked=letters_blocked,
                    attempts=attempt,
                )
            error = outcome
            if not (error.retryable and attempt < allowed):
                if attempt > 1:
                    error.with_hint(N_("(The assistant tried {count} times.)"), count=attempt)
                return Outcome.failed(name, started, error, attempt)
            attempt += 1
            wait = retry.backoff_before(attempt)
            log.warning(
                "check of %s: %s; attempt %d of %d in %.0f s",
                name,
                error.code,
                attempt,
                allowed,
                wait,
            )
            progress("portal_not_answering", code=error.code)
            progress("retrying", seconds=wait, attempt=attempt, attempts=allowed)
            env.sleep(wait)
    except Exception as error:
        return Outcome.failed(name, started, error)


def _started(browser: Browser) -> None:
    """Nothing: returns once the browser is up (``in_browser`` raises what stopped it)."""


def _one_attempt(
    reader: PortalReader, browser: Browser, item: Prepared, previous: PortalShape | None
) -> tuple[DocumentsReading, int, int] | AssistantError:
    """One attempt, in a fresh browser context: what failed at the portal is its outcome (a
    fault of the assistant's own goes up to ``attempt_check``'s one ``try``)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return reader(browser, item.profile, item.credentials, previous)
    except AssistantError as error:
        return error
    except PlaywrightError as error:
        return PortalUnavailableError(
            N_("The portal could not be read ({detail})."),
            detail=str(error).strip().splitlines()[0] if str(error).strip() else "",
        )


def portal_reader(env: Environment, progress: Progress) -> PortalReader:
    """The real portal, read through the fence in a browser context of its own."""

    def read(
        browser: Browser,
        profile: Profile,
        credentials: Credentials,
        previous: PortalShape | None,
    ) -> tuple[DocumentsReading, int, int]:
        from flows.check_flow import read_documents
        from flows.fence import portal_context

        timeout_ms = env.settings.browser.timeout_seconds * 1000
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
                    previous=previous,
                    progress=progress,
                )
            except AssistantError:
                if env.settings.debug_screenshot:
                    _save_debug_screenshot(env, fenced.page, profile.name)
                raise
        return reading, guard.blocked_requests, guard.letter_requests_blocked

    return read


def _save_debug_screenshot(env: Environment, page: Page, name: str) -> Path | None:
    """Opt-in (``debug_screenshot``): the page a check failed on, every input field and every
    element whose text holds a secret masked (``secret_masks``). Mode 0600, in the captures."""
    from playwright.sync_api import Error as PlaywrightError

    from assistant.captures import save_private_file

    if env.captures_dir is None:
        return None
    try:
        png = page.screenshot(mask=secret_masks(page), full_page=True, timeout=5_000)
        path = save_private_file(env.captures_dir, name, "failed-check.png", png, env.clock())
    except (OSError, PlaywrightError) as failure:
        log.warning("could not save the debug screenshot: %s", failure)
        return None
    log.warning("debug screenshot of the failed check saved in %s", path)
    return path
