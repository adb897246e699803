"""What every page inside the session shares: the logout link in its header, and logging out
(also from an error page, by the page before it)."""

from __future__ import annotations

import logging

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows import labels
from flows.errors import N_, CheckError, PageNotRecognisedError
from flows.pages.base import PortalSession

log = logging.getLogger(__name__)

# Short: on a known page the logout link is already there, and a failed check should not hang.
_LOGOUT_WAIT_MS = 1_000


class LoggedInPage:
    """A page shown once logged in (the home page, the documents list)."""

    def __init__(self, session: PortalSession) -> None:
        self.session = session

    def log_out(self) -> None:
        log_out(self.session)


def log_out(session: PortalSession) -> None:
    """Every logged-in page has the logout link in its header. An error page has none: then the
    page before it (still inside the session) is used."""
    link = session.logout_link().first
    wait_ms = min(session.timeout_ms, _LOGOUT_WAIT_MS)
    if session.navigation_pending:
        # A page the portal is too slow to send would hold the current one (and its logout
        # link) hostage: stop waiting for it, as the browser's stop button does.
        # (Page.stopLoading: a script cannot run in a page that is being replaced.)
        cdp = session.page.context.new_cdp_session(session.page)
        try:
            cdp.send("Page.stopLoading")
        finally:
            cdp.detach()
        session.navigation_pending = False
    # The page is loaded by now (it is why the check is over): a link not there is not coming.
    if not link.is_visible():
        session.guard.expect_navigation()
        session.page.go_back(wait_until="domcontentloaded", timeout=session.timeout_ms)
        if not _shows(link, wait_ms):
            raise PageNotRecognisedError(N_("The portal's page has no logout link."))
    session.guard.expect_navigation()
    # The link is there: the click gets the whole timeout (on a loaded machine 1 s was too short,
    # and a check that read every letter reported that it had not logged out).
    link.click(timeout=session.timeout_ms)
    session.logged_in = False
    # The login page's password field (``LoginPage.password``): named here, not imported, as
    # the login page leads to the logged-in pages.
    password = session.page.get_by_label(labels.PASSWORD_FIELD)
    session.wait_for_one_of({"form": password}, N_("the portal's login page"))


def log_out_quietly(session: PortalSession) -> bool:
    """Log out if logged in; True when done. A failure is logged, not raised: the context is
    closed right after, which drops the session cookie anyway."""
    if not session.logged_in:
        return False
    try:
        log_out(session)
    except (CheckError, PlaywrightError) as error:
        log.warning("logging out failed: %s", getattr(error, "message", error))
        return False
    return True


def _shows(link: Locator, timeout_ms: float) -> bool:
    try:
        link.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        return False
    return True
