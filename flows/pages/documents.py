"""The "My Documents" page: the table of letters, read as text and never clicked, page after
page when the portal paginates it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows import labels
from flows.errors import N_, PageNotRecognisedError, PortalUnavailableError
from flows.models import RawTable
from flows.pages.base import PortalSession
from flows.pages.home import log_out
from flows.pages.interruptions import wait_for_page

if TYPE_CHECKING:
    from flows.pages.login import LoginPage

#: More pages than this is a loop (a "next" link that leads back), not an account: 2,000 letters.
MAX_PAGES = 100

# Reads the header and body cells' visible text in one round trip. It reads text only: it never
# follows a link, so no document is requested (promise 1).
_READ_TABLE_JS = """
(table) => {
  const text = (el) => (el.innerText || el.textContent || "").replace(/\\s+/g, " ").trim();
  const rows = Array.from(table.rows);
  const inHead = (row) => table.tHead !== null && table.tHead.contains(row);
  const inFoot = (row) => table.tFoot !== null && table.tFoot.contains(row);
  const headerRow = (table.tHead && table.tHead.rows[0]) ||
    rows.find((row) => row.cells.length > 0 &&
      Array.from(row.cells).every((cell) => cell.tagName === "TH"));
  const body = rows.filter((row) => row !== headerRow && !inHead(row) && !inFoot(row));
  return {
    headers: headerRow ? Array.from(headerRow.cells).map(text) : [],
    rows: body.map((row) => Array.from(row.cells).map(text)),
    language: document.documentElement.lang || null,
  };
}
"""


class DocumentsPage:
    def __init__(self, session: PortalSession) -> None:
        self.session = session
        page = session.page
        self.table = page.get_by_role("table").filter(
            has=page.get_by_role("columnheader", name=labels.DOCUMENT_COLUMN)
        )
        self.any_table = page.get_by_role("table")
        self.login_form = page.get_by_label(labels.PASSWORD_FIELD)
        # A "next page" link greyed out on the last page (aria-disabled) is not one to follow.
        self.next_page_link = page.get_by_role("link", name=labels.NEXT_PAGE_LINK, disabled=False)

    def wait_until_shown(self) -> None:
        try:
            found = wait_for_page(
                self.session,
                {"table": self.table, "login": self.login_form},
                N_("the documents list"),
            )
        except PageNotRecognisedError:
            raise self._diagnose() from None
        if found == "login":
            self.session.logged_in = False
            raise PortalUnavailableError(
                N_(
                    "The portal ended the session in the middle of the check (it showed its "
                    "login page again). The assistant will try again."
                )
            )

    def _diagnose(self) -> PageNotRecognisedError:
        """Say what the page shows instead of the documents table, as precisely as it can."""
        if self.any_table.count() > 0:
            headers = self.any_table.first.evaluate(_READ_TABLE_JS)["headers"]
            return PageNotRecognisedError(
                N_(
                    "The documents page shows a table without a 'Document' column (headers: "
                    "{headers}). The portal's page has changed: check your account on the portal "
                    "yourself, and report this page."
                ),
                headers=", ".join(f"'{header}'" for header in headers) or "none",
            )
        return PageNotRecognisedError(
            N_(
                "The documents page shows no table of documents (page title: '{title}'). The "
                "portal's page has changed: check your account on the portal yourself, and "
                "report this page."
            ),
            title=self.session.title(),
        )

    def read_table(self) -> RawTable:
        if self.table.count() != 1:
            raise PageNotRecognisedError(
                N_(
                    "The documents page shows {count} tables of documents where one was "
                    "expected. Check your account on the portal yourself."
                ),
                count=self.table.count(),
            )
        found: dict[str, Any] = self.table.evaluate(_READ_TABLE_JS)
        return RawTable(
            headers=list(found["headers"]),
            rows=[list(row) for row in found["rows"]],
            page_language=found["language"],
        )

    def has_next_page(self) -> bool:
        return self.next_page_link.count() > 0 and self.next_page_link.first.is_visible()

    def go_to_next_page(self) -> DocumentsPage:
        """Follow the "Page suivante" / "Next page" link (by its text, never a built address)."""
        self.session.click_to_navigate(self.next_page_link.first, N_("the next page of documents"))
        following = DocumentsPage(self.session)
        following.wait_until_shown()
        return following

    def read_all_pages(self) -> tuple[RawTable, int]:
        """Every page's rows as one table, and how many pages there were. Every page must have
        the same headers; a "next" link that loops is refused rather than followed forever."""
        tables = [self.read_table()]
        current = self
        while current.has_next_page():
            if len(tables) >= MAX_PAGES:
                raise PageNotRecognisedError(
                    N_(
                        "The documents list goes on for more than {count} pages: its 'next page' "
                        "link seems to loop. Check your account on the portal yourself."
                    ),
                    count=MAX_PAGES,
                )
            current = current.go_to_next_page()
            table = current.read_table()
            if table.headers != tables[0].headers:
                raise PageNotRecognisedError(
                    N_(
                        "Page {page} of the documents list has other columns than page 1. Check "
                        "your account on the portal yourself, and report this page."
                    ),
                    page=len(tables) + 1,
                )
            if table.rows and table.rows == tables[-1].rows:
                raise PageNotRecognisedError(
                    N_(
                        "Page {page} of the documents list shows the same letters as the page "
                        "before. Check your account on the portal yourself."
                    ),
                    page=len(tables) + 1,
                )
            tables.append(table)
        combined = RawTable(
            headers=tables[0].headers,
            rows=[row for table in tables for row in table.rows],
            page_language=tables[0].page_language,
        )
        return combined, len(tables)

    def log_out(self) -> LoginPage:
        return log_out(self.session)
