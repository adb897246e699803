"""The "My Documents" page: the table of letters, read as text and never clicked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.errors import N_, PageNotRecognisedError
from flows import labels
from flows.models import RawTable
from flows.pages.base import PortalSession
from flows.pages.home import log_out

if TYPE_CHECKING:
    from flows.pages.login import LoginPage

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

    def wait_until_shown(self) -> None:
        self.session.wait_for_one_of({"table": self.table}, N_("the documents list"))

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

    def log_out(self) -> LoginPage:
        return log_out(self.session)
