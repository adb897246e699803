"""The flow of one check: log in, read the documents table, log out. Never opens a letter."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from assistant.errors import AssistantError
from flows.models import PortalLetter
from flows.pages import LoginPage
from flows.pages.base import PortalSession
from flows.pages.home import log_out
from flows.table_parser import parse_documents_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentsReading:
    letters: list[PortalLetter]
    language: str | None
    logged_out: bool


def read_documents(
    page: Page, login_url: str, identifier: str, password: str, timeout_ms: float = 30_000
) -> DocumentsReading:
    """Log in from the login page, follow the portal's own "My Documents" link, read the table,
    and log out whatever happened once logged in."""
    session = PortalSession(page, timeout_ms)
    home = LoginPage.open(session, login_url).sign_in(identifier, password)
    logged_out = False
    try:
        documents = home.go_to_documents()
        table = documents.read_table()
        letters = parse_documents_table(table)
    finally:
        try:
            log_out(session)
            logged_out = True
        except (AssistantError, PlaywrightError) as error:
            # The context is closed right after, which drops the session cookie anyway.
            log.warning("logging out failed: %s", getattr(error, "message", error))
    return DocumentsReading(letters=letters, language=table.page_language, logged_out=logged_out)
