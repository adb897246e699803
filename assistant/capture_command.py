"""``ofpra-assistant capture --redacted``: log in, save the outlines of the home and the
documents pages (with the writer of ``captures``), log out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.captures import save_capture
from assistant.errors import N_, AssistantError, PortalUnavailableError
from assistant.state import REFUSING_CODES

if TYPE_CHECKING:
    from assistant.environment import Environment


@dataclass(frozen=True)
class CaptureOutcome:
    profile: str
    #: Page name → file written.
    files: dict[str, Path]
    #: Set when the capture stopped early (e.g. the login was refused); files may still exist.
    error: AssistantError | None = None


def capture_profile(env: Environment, profile: str) -> CaptureOutcome:
    """``ofpra-assistant capture --redacted``: log in, save the outlines of the home and the
    documents pages, log out. Raises what stops it before any page could be captured."""

    from playwright.sync_api import Error as PlaywrightError

    from assistant.clearance import portal_session, prepare
    from flows.check_flow import capture_pages
    from flows.fence import portal_context

    if env.captures_dir is None:
        raise AssistantError(N_("This environment has no folder for captures."))
    item = prepare(env, profile)
    portal_url = item.profile.portal_url
    timeout_ms = env.settings.browser.timeout_seconds * 1000
    files: dict[str, Path] = {}
    error: AssistantError | None = None
    with (
        portal_session(env, profile),
        env.browser_source(env.settings, [portal_url]) as browser,
    ):
        try:
            with portal_context(browser, portal_url) as fenced:
                pages = capture_pages(
                    fenced,
                    portal_url,
                    item.credentials.identifier,
                    item.credentials.password,
                    timeout_ms=timeout_ms,
                )
        except AssistantError as failure:
            error, pages = failure, {}
            capture = getattr(failure, "capture", None)
            if capture:
                pages = {"not_recognised": capture}
            if failure.code in REFUSING_CODES:
                # Never typed again, by the capture or a check, until setup stores new ones.
                env.state.mark_refused(profile, failure.code, env.clock())
        except PlaywrightError as failure:
            error, pages = _browser_failed(failure), {}
    now = env.clock()
    for page, outline in pages.items():
        files[page] = save_capture(env.captures_dir, profile, page, outline, now, "on request")
    return CaptureOutcome(profile, files, error)


def _browser_failed(error: Exception) -> PortalUnavailableError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return PortalUnavailableError(
        N_("The portal could not be read ({detail}). Try again later."), detail=detail
    )
