"""The "My Documents" page: the table of letters, read as text and never clicked, page after
page when the portal paginates it, with what its pager says of the whole list."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator

from flows import labels
from flows.completeness import ListReading, PagerSigns
from flows.errors import N_, CheckError, PageNotRecognisedError, PortalUnavailableError
from flows.labels import normalise
from flows.models import RawTable
from flows.pages.base import PortalSession
from flows.pages.interruptions import wait_for_page
from flows.pages.logged_in import LoggedInPage
from flows.table_parser import match_columns
from flows.untrusted import untrusted_text, untrusted_texts

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

# The page's visible text outside any table (the pager, a message in the table's place), and the
# texts of the elements marked as the current page. Text only, like the table.
_READ_AROUND_JS = """
() => {
  const visible = (el) => !el.checkVisibility || el.checkVisibility();
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("table, script, style, noscript, template")) continue;
    if (visible(parent)) texts.push(node.textContent);
  }
  const current = Array.from(document.querySelectorAll('[aria-current="page"]'))
    .filter((el) => !el.closest("table") && visible(el))
    .map((el) => el.getAttribute("aria-label") || el.innerText || "");
  return {text: texts.join(" "), current: current};
}
"""

_NUMBER = re.compile(r"\d{1,3}")


class DocumentsPage(LoggedInPage):
    def __init__(self, session: PortalSession) -> None:
        super().__init__(session)
        page = session.page
        self.table = page.get_by_role("table").filter(
            has=page.get_by_role("columnheader", name=labels.DOCUMENT_COLUMN)
        )
        self.any_table = page.get_by_role("table")
        self.login_form = page.get_by_label(labels.PASSWORD_FIELD)
        # The portal's own words for an empty list, shown in the table's place.
        self.empty_wording = page.get_by_text(labels.EMPTY_LIST_SHOWN)
        # A "next page" link greyed out on the last page (aria-disabled) is not one to follow:
        # found by its words, or by rel=next whatever it shows (an arrow, an icon).
        self.next_page_link = (
            page.get_by_role("link", name=labels.NEXT_PAGE_LINK, disabled=False)
            .or_(page.locator('a[rel~="next"]:not([aria-disabled="true"])'))
            .filter(visible=True)
        )
        self.page_number_links = page.get_by_role("link", name=labels.PAGE_NUMBER_LINK)
        self._around: dict[str, Any] | None = None

    def wait_until_shown(self) -> None:
        try:
            found = wait_for_page(
                self.session,
                {"table": self.table, "login": self.login_form, "empty": self.empty_wording},
                N_("the documents list"),
            )
        except PageNotRecognisedError:
            raise self._diagnose() from None
        if found == "login":
            self.session.logged_in = False
            raise PortalUnavailableError(
                N_(
                    "The portal ended the session in the middle of the check (it showed its "
                    "login page again)."
                )
            )

    def holds_documents_table(self) -> bool:
        """The page, as it is now, shows one table whose headers the parser recognises as the
        documents table's (its status, document and provision date columns, in one language).
        Asked of a page reached by a link without a documents name: no wait, and no other
        table (news, a help page's) taken for it."""
        if self.table.count() != 1:
            return False
        found: dict[str, Any] = self.table.evaluate(_READ_TABLE_JS)
        try:
            match_columns(
                untrusted_texts(found["headers"]), untrusted_text(found["language"], 20) or None
            )
        except PageNotRecognisedError:
            return False
        return True

    def _diagnose(self) -> CheckError:
        """Say what the page shows instead of the documents table, as precisely as it can."""
        unavailable = self._unavailable_message()
        if unavailable is not None:
            return unavailable
        if self.any_table.count() > 0:
            headers = untrusted_texts(self.any_table.first.evaluate(_READ_TABLE_JS)["headers"])
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

    def _read_around(self) -> dict[str, Any]:
        if self._around is None:
            self._around = self.session.page.evaluate(_READ_AROUND_JS)
        return self._around

    def _text_around(self) -> str:
        return normalise(str(self._read_around()["text"]))

    def _unavailable_message(self, table: RawTable | None = None) -> PortalUnavailableError | None:
        """The portal saying the letters cannot be shown, in a row or in the table's place: it
        beats the table, and above all it is never an empty list."""
        texts = [self._text_around()]
        if table is not None:
            texts += [normalise(" ".join(row)) for row in table.rows]
        if not any(labels.UNAVAILABLE_LIST_TEXT.search(text) for text in texts):
            return None
        return PortalUnavailableError(
            N_(
                "The portal says your letters cannot be shown for now (the service is "
                "unavailable). Nothing can be said about them: the assistant will try again "
                "later; if this lasts, check your account on the portal yourself."
            )
        )

    def says_empty(self, table: RawTable | None) -> bool:
        """The portal's own empty-list wording in the table's place: a single row of the table
        that says so, or no row and the words where the rows would be."""
        if table is not None and len(table.rows) == 1:
            cells = [normalise(cell) for cell in table.rows[0] if cell.strip()]
            return len(cells) == 1 and any(w in cells[0] for w in labels.EMPTY_TABLE_TEXT)
        if table is not None and table.rows:
            return False
        around = self._text_around()
        return any(wording in around for wording in labels.EMPTY_TABLE_TEXT)

    def read_table(self) -> RawTable | None:
        """The table's text; None when the page shows the empty wording in its place. A message
        that the letters cannot be shown raises ``PortalUnavailableError``, whatever else."""
        count = self.table.count()
        if count == 0:
            unavailable = self._unavailable_message()
            if unavailable is not None:
                raise unavailable
            if self.says_empty(None):
                return None
            raise self._diagnose()
        if count != 1:
            raise PageNotRecognisedError(
                N_(
                    "The documents page shows {count} tables of documents where one was "
                    "expected. Check your account on the portal yourself."
                ),
                count=count,
            )
        found: dict[str, Any] = self.table.evaluate(_READ_TABLE_JS)
        # The page's text enters here: made safe before the parser, a message or a log sees it.
        table = RawTable(
            headers=untrusted_texts(found["headers"]),
            rows=[untrusted_texts(row) for row in found["rows"]],
            page_language=untrusted_text(found["language"], 20) or None,
        )
        unavailable = self._unavailable_message(table)
        if unavailable is not None:
            raise unavailable
        return table

    def pager_signs(self) -> PagerSigns:
        """Every sign this page gives of a pagination."""
        around = self._text_around()
        page_of = labels.PAGE_OF_TEXT.search(around)
        row_range = labels.ROW_RANGE_TEXT.search(around)
        numbers = {
            int(found.group(0))
            for name in self._names(self.page_number_links)
            if (found := _NUMBER.search(name)) is not None
        }
        current = None
        for text in self._read_around()["current"]:
            marked = normalise(str(text))
            if (of := labels.PAGE_OF_TEXT.search(marked)) is not None:
                current = int(of.group(1))
            elif (number := _NUMBER.fullmatch(marked)) is not None:
                current = int(number.group(0))
        if current is None and page_of is not None:
            current = int(page_of.group(1))
        if current is not None:
            numbers.add(current)
        return PagerSigns(
            next_link=self.has_next_page(),
            page_numbers=tuple(sorted(numbers)),
            current_page=current,
            total_pages=int(page_of.group(2)) if page_of is not None else None,
            total_rows=int(row_range.group(3)) if row_range is not None else None,
        )

    @staticmethod
    def _names(links: Locator) -> list[str]:
        return [
            str(name)
            for name in links.evaluate_all(
                "(links) => links.filter((a) => !a.closest('table'))"
                ".map((a) => a.getAttribute('aria-label') || a.innerText || '')"
            )
        ]

    def has_next_page(self) -> bool:
        return self.next_page_link.count() > 0 and self.next_page_link.first.is_visible()

    def _link_to_page(self, number: int) -> Locator | None:
        """The link to page ``number`` of the list, by its number."""
        link = self.session.page.get_by_role(
            "link",
            name=re.compile(
                rf"^\W*((aller\s+[aà]\s+la\s+|go\s+to\s+)?page\s+)?{number}\W*$", re.IGNORECASE
            ),
        )
        return link.first if link.count() > 0 and link.first.is_visible() else None

    def go_to_page(self, link: Locator) -> DocumentsPage:
        """Follow a link of the pager (by its text or number, never a built address)."""
        self.session.click_to_navigate(link, N_("the next page of documents"))
        following = DocumentsPage(self.session)
        following.wait_until_shown()
        return following

    def go_to_next_page(self) -> DocumentsPage:
        return self.go_to_page(self.next_page_link.first)

    def read_all_pages(self, progress: Callable[..., None] | None = None) -> ListReading:
        """Every page's rows as one table, how many rows each page had, and what the pager said
        on each. Every page must have the same headers; a pager that loops is refused rather
        than followed forever. The way to the next page is a "next" link, else the link to the
        next page number. ``progress`` is told of each page after the first
        (``"reading_page", page=2``)."""
        first = self.read_table()
        if first is None:
            empty = RawTable(headers=[], rows=[], page_language=None)
            return ListReading(empty, (0,), (self.pager_signs(),), says_empty=True)
        tables = [first]
        signs = [self.pager_signs()]
        says_empty = self.says_empty(first)
        current = self
        while True:
            page_number = signs[-1].current_page or len(tables)
            if current.has_next_page():
                link: Locator | None = current.next_page_link.first
            else:
                link = current._link_to_page(page_number + 1)
            if link is None:
                break
            if len(tables) >= MAX_PAGES:
                raise PageNotRecognisedError(
                    N_(
                        "The documents list goes on for more than {count} pages: its 'next page' "
                        "link seems to loop. Check your account on the portal yourself."
                    ),
                    count=MAX_PAGES,
                )
            if progress is not None:
                progress("reading_page", page=len(tables) + 1)
            current = current.go_to_page(link)
            table = current.read_table()
            if table is None or table.headers != tables[0].headers:
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
            signs.append(current.pager_signs())
        combined = RawTable(
            headers=tables[0].headers,
            rows=[row for table in tables for row in table.rows],
            page_language=tables[0].page_language,
        )
        return ListReading(
            combined,
            tuple(len(table.rows) for table in tables),
            tuple(signs),
            says_empty=says_empty and len(tables) == 1,
        )
