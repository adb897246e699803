"""The flows: one check (log in, read every page of the documents table, prove it is the whole
list, log out), and a redacted capture of the pages. Neither opens a letter."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flows.capture import capture_page
from flows.completeness import PortalShape, prove_complete
from flows.errors import PageNotRecognisedError
from flows.fence import FencedPage
from flows.models import PortalLetter
from flows.pages import LoginPage
from flows.pages.base import PortalSession
from flows.pages.logged_in import log_out_quietly
from flows.table_parser import parse_documents_table

log = logging.getLogger(__name__)


#: Told each step of a check as it starts, by name and values (``"reading_page", page=2``), so
#: that a person checking by hand sees what the wait is for; the caller says it in their
#: language. Steps: opening_portal, logging_in, opening_documents, reading_page, logging_out,
#: and still_waiting (``seconds=10``, 20...) while a page is long to come.
ProgressCallback = Callable[..., None]


def no_progress(step: str, /, **values: object) -> None:
    """Says nothing (the agent's checks)."""


@dataclass(frozen=True)
class DocumentsReading:
    letters: list[PortalLetter]
    language: str | None
    logged_out: bool
    #: How many pages of the documents table were read.
    pages: int = 1
    #: What the portal showed, for the next check to compare with (``previous``).
    shape: PortalShape | None = None


def read_documents(
    page: FencedPage,
    login_url: str,
    identifier: str,
    password: str,
    timeout_ms: float = 30_000,
    previous: PortalShape | None = None,
    progress: ProgressCallback = no_progress,
) -> DocumentsReading:
    """Log in from the login page, follow the portal's own "My Documents" link, read the table
    page after page, prove the list complete (flows/completeness.py: the home page's counters,
    the pager, and ``previous``, what the portal showed at the last complete reading), and log
    out whatever happened once logged in. A page it does not recognise, or a list it cannot
    prove whole, raises ``PageNotRecognisedError`` carrying a redacted outline of that page."""
    session = PortalSession(page, timeout_ms, progress=progress)
    try:
        with _capturing_unrecognised(session):
            progress("opening_portal")
            login = LoginPage.open(session, login_url)
            progress("logging_in")
            home = login.sign_in(identifier, password)
            counts = home.read_counts()
            progress("opening_documents")
            listing = home.go_to_documents().read_all_pages(progress)
            letters = parse_documents_table(listing.table) if listing.table.headers else []
            shape = prove_complete(listing, counts, letters, previous)
    finally:
        if session.logged_in:
            progress("logging_out")
        logged_out = log_out_quietly(session)
    log.info("read %d letter(s) on %d page(s)", len(letters), listing.pages)
    return DocumentsReading(letters, listing.table.page_language, logged_out, listing.pages, shape)


def capture_pages(
    page: FencedPage, login_url: str, identifier: str, password: str, timeout_ms: float = 30_000
) -> dict[str, str]:
    """Redacted outlines of the home page and the documents page (whatever it shows), for a
    volunteer to share the real portal's structure. Logs in and out as a check does."""
    session = PortalSession(page, timeout_ms)
    captures: dict[str, str] = {}
    try:
        with _capturing_unrecognised(session):
            home = LoginPage.open(session, login_url).sign_in(identifier, password)
        captures["home"] = capture_page(page.page) or ""
        try:
            home.go_to_documents()
        except PageNotRecognisedError as error:
            # That is what a capture is for: the outline of the page the assistant cannot read.
            log.info("the documents page is not recognised: %s", error.message)
        captures["documents"] = capture_page(page.page) or ""
    finally:
        log_out_quietly(session)
    return captures


@contextmanager
def _capturing_unrecognised(session: PortalSession) -> Iterator[None]:
    """Attach a redacted outline of the page to a ``PageNotRecognisedError``, taken before
    anything else (logging out) leaves the page."""
    try:
        yield
    except PageNotRecognisedError as error:
        if error.capture is None:
            error.capture = capture_page(session.page)
        raise
