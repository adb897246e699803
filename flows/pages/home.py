"""The home page after login: its letter counters, the way to "My Documents", and log out.

The way to the list is the link by one of its plausible names (``labels.DOCUMENTS_LINK_NAMES``);
failing every name, the home page's links are followed one by one, by the flow's own navigation,
to the first page that holds a table the parser recognises as the documents table. A link that
looks like a letter's, leads off the portal, or would end the session is never followed, and no
such page found is the named error it always was: never a guess that reads another page."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows import labels
from flows.errors import N_, CheckError, PageNotRecognisedError
from flows.labels import normalise
from flows.pages.base import PortalSession
from flows.untrusted import untrusted_text

if TYPE_CHECKING:
    from flows.pages.documents import DocumentsPage
    from flows.pages.login import LoginPage

log = logging.getLogger(__name__)

# Short: on a known page the logout link is already there, and a failed check should not hang.
_LOGOUT_WAIT_MS = 1_000

#: At most this many of the home page's links are followed to find the list by where it leads:
#: a menu's worth, not a crawl of the portal.
MAX_LINKS_TRIED = 8

# The home page's links outside any table (a table's links are letters'), visible, with the
# address the browser resolved and the name a person reads. Text and attributes only.
_READ_LINKS_JS = """
() => Array.from(document.querySelectorAll("a[href]"))
  .filter((a) => !a.closest("table") && !a.hasAttribute("download") &&
    !a.hasAttribute("hreflang") && (!a.checkVisibility || a.checkVisibility()))
  .map((a) => ({
    href: a.href,
    name: a.getAttribute("aria-label") || a.innerText || a.textContent || "",
  }))
"""
# The address a link leads to, as the browser resolved it ("" for an element that is no link).
_HREF_JS = "(a) => (a instanceof HTMLAnchorElement || a instanceof HTMLAreaElement) ? a.href : ''"


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
        self.documents_links = [
            page.get_by_role("link", name=name).filter(visible=True)
            for name in labels.DOCUMENTS_LINK_NAMES
        ]
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

        link = self.named_documents_link()
        if link is None:
            found = self._documents_by_where_links_lead()
            if found is None:
                raise self.no_documents_link()
            return found
        self.session.click(link, N_("the 'My Documents' link"))
        documents = DocumentsPage(self.session)
        documents.wait_until_shown()
        return documents

    def named_documents_link(self) -> Locator | None:
        """The visible link by the likeliest of the documents list's names that leads where the
        fence lets the flow go (never clicked when it looks like a letter's, or leads off the
        portal), if any."""
        for links in self.documents_links:
            for link in links.all():
                target = _without_fragment(str(link.evaluate(_HREF_JS) or ""))
                if target.startswith(("https:", "http:")) and self.session.guard.allowed(target):
                    return link
                log.warning("a link named as the documents list leads where it may not go")
        return None

    def way_to_documents_candidates(self) -> list[str]:
        """The addresses of the home page's links that may lead to the documents list, in the
        page's order: on the portal, not a letter's or a document's, not this page, and not a
        link that ends the session or changes the account or the language."""
        page = self.session.page
        home = _without_fragment(page.url)
        targets: list[str] = []
        for link in page.evaluate(_READ_LINKS_JS):
            target = _without_fragment(str(link.get("href") or ""))
            name = untrusted_text(str(link.get("name") or ""), 200)
            if (
                not target.startswith(("https:", "http:"))
                or target == home
                or target in targets
                or labels.NOT_A_WAY_TO_THE_LIST.search(name)
                # The fence's own rule, asked first: the portal's origin, never a letter.
                or not self.session.guard.allowed(target)
            ):
                continue
            targets.append(target)
        return targets

    def _documents_by_where_links_lead(self) -> DocumentsPage | None:
        """Follow the home page's links, by the flow's own navigation, to the first page that
        holds the documents table; None (and back on the home page) when none does."""
        from flows.pages.documents import DocumentsPage

        home = _without_fragment(self.session.page.url)
        targets = self.way_to_documents_candidates()
        log.warning(
            "no link by any name of the documents list: following %d link(s) of the home page "
            "to find the page that holds it",
            min(len(targets), MAX_LINKS_TRIED),
        )
        for target in targets[:MAX_LINKS_TRIED]:
            self.session.goto(target)
            self._follow_redirect(target)
            documents = DocumentsPage(self.session)
            if documents.holds_documents_table():
                log.info("the documents list was found by where a link of the home page leads")
                return documents
        if targets:
            # Back where the list was looked for: the error's page title and outline are the
            # home page's, and its logout link is there.
            self.session.goto(home)
        return None

    def _follow_redirect(self, target: str) -> None:
        """A link that the portal redirects (``/suivi`` → ``/documents``): wait for the page it
        leads to, which the browser asks for by itself; one that never comes is not the list."""
        page = self.session.page
        if not self.session.guard.redirect_pending:
            return
        try:
            page.wait_for_url(
                lambda url: _without_fragment(url) != target,
                wait_until="domcontentloaded",
                timeout=self.session.timeout_ms,
            )
        except PlaywrightTimeoutError:
            log.info("a link of the home page redirected to a page that did not come")

    def no_documents_link(self) -> PageNotRecognisedError:
        return PageNotRecognisedError(
            N_(
                "The assistant logged in, but found no way to the documents list on the portal's "
                "page (page title: '{title}'): no link by any of its names ('Mes documents', "
                "'Mes courriers', 'My Documents'...), and no link leads to a page with the table "
                "of documents. The portal has changed: check your letters on the portal yourself."
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
        session.guard.expect_navigation()
        session.page.go_back(wait_until="domcontentloaded", timeout=session.timeout_ms)
        if not _shows(link, wait_ms):
            raise PageNotRecognisedError(N_("The portal's page has no logout link."))
    session.guard.expect_navigation()
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


def _without_fragment(url: str) -> str:
    """The address as the portal receives it (a fragment is never sent)."""
    return url.split("#", 1)[0]
