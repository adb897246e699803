"""The home page after login: its letter counters and the way to "My Documents" (logging out is
every logged-in page's: flows/pages/logged_in.py).

The way to the list is the link by one of its plausible names (``labels.DOCUMENTS_LINK_NAMES``);
failing every name, the home page's links are followed one by one, by the flow's own navigation,
to the first page that holds a table the parser recognises as the documents table. A link that
looks like a letter's, leads off the portal, or would end the session is never followed, and no
such page found is the named error it always was: never a guess that reads another page."""

from __future__ import annotations

import logging

from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows import labels
from flows.errors import N_, PageNotRecognisedError
from flows.labels import normalise
from flows.models import LetterCounts
from flows.pages.base import PortalSession
from flows.pages.documents import DocumentsPage
from flows.pages.logged_in import LoggedInPage
from flows.untrusted import untrusted_text

log = logging.getLogger(__name__)

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


class HomePage(LoggedInPage):
    def __init__(self, session: PortalSession) -> None:
        super().__init__(session)
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


def _without_fragment(url: str) -> str:
    """The address as the portal receives it (a fragment is never sent)."""
    return url.split("#", 1)[0]
