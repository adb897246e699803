"""The home page after login: its letter counters, the way to "My Documents", and log out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows import labels
from flows.browser import expect_navigation
from flows.errors import N_, CheckError, PageNotRecognisedError
from flows.labels import normalise
from flows.pages.base import PortalSession

if TYPE_CHECKING:
    from flows.pages.documents import DocumentsPage
    from flows.pages.login import LoginPage

log = logging.getLogger(__name__)

# Short: on a known page the logout link is already there, and a failed check should not hang.
_LOGOUT_WAIT_MS = 1_000


@dataclass(frozen=True)
class LetterCounts:
    """What the home page says: "You have received {total} letter(s), including {unread}
    unread.\""""

    total: int
    unread: int


class HomePage:
    def __init__(self, session: PortalSession) -> None:
        self.session = session
        page = session.page
        self.documents_link = page.get_by_role("link", name=labels.DOCUMENTS_LINK)
        self.summary = page.get_by_text(labels.HOME_SUMMARY)

    def read_counts(self) -> LetterCounts | None:
        """The counters, or None when the page shows none (their wording is unverified)."""
        if self.summary.count() == 0:
            log.warning("the home page shows no letter counters: the pager must prove the list")
            return None
        found = labels.HOME_SUMMARY_NUMBERS.search(normalise(self.summary.first.inner_text()))
        if found is None:
            return None
        return LetterCounts(total=int(found.group(1)), unread=int(found.group(2)))

    def go_to_documents(self) -> DocumentsPage:
        from flows.pages.documents import DocumentsPage

        if not self.documents_link.first.is_visible():
            raise self.no_documents_link()
        self.session.click(self.documents_link.first, N_("the 'My Documents' link"))
        documents = DocumentsPage(self.session)
        documents.wait_until_shown()
        return documents

    def no_documents_link(self) -> PageNotRecognisedError:
        return PageNotRecognisedError(
            N_(
                "The assistant logged in, but the portal's page has no 'Mes documents' / 'My "
                "Documents' link any more (page title: '{title}'). The portal has changed: check "
                "your letters on the portal yourself."
            ),
            title=self.session.title(),
        )

    def log_out(self) -> LoginPage:
        return log_out(self.session)


def log_out(session: PortalSession) -> LoginPage:
    """Every logged-in page has the logout link in its header. An error page has none: then the
    page before it (still inside the session) is used."""
    from flows.pages.login import LoginPage

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
        expect_navigation(session.page)
        session.page.go_back(wait_until="domcontentloaded", timeout=session.timeout_ms)
        if not _shows(link, wait_ms):
            raise PageNotRecognisedError(N_("The portal's page has no logout link."))
    expect_navigation(session.page)
    # The link is there: the click gets the whole timeout (on a loaded machine 1 s was too short,
    # and a check that read every letter reported that it had not logged out).
    link.click(timeout=session.timeout_ms)
    session.logged_in = False
    login = LoginPage(session)
    session.wait_for_one_of({"form": login.password}, N_("the portal's login page"))
    return login


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
