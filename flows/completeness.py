"""Complete or refused: the proof that the letters read are the whole list.

A list is reported complete only with proof (DESIGN.md, promise 2): the home page's counters
match the rows read, or every page of a pagination was read, the pagination being found by any
sign it gives (a "next" link, ``rel=next``, page-number links, "Page 2 sur 3", "1-20 sur 45").
A single page with no sign of a pager is the whole list only when it is not exactly a full page.

What the portal showed at the last complete reading (``PortalShape``, remembered per profile by
the assistant) is the other half of the proof: counters that were there and are gone, or
letters seen then and missing now, mean the page is not what it was, and the check fails
instead of passing quietly. "Empty" is said only from the portal's own empty-list wording.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from flows import labels
from flows.errors import N_, PageNotRecognisedError
from flows.models import LetterCounts, PortalLetter, RawTable


@dataclass(frozen=True)
class PagerSigns:
    """What one page of the documents list shows of a pager (all of it may be absent)."""

    #: A "next page" link, by its words or by ``rel=next``.
    next_link: bool = False
    #: The page numbers shown as links (or as the current page).
    page_numbers: tuple[int, ...] = ()
    #: The number of this page, when the pager says it.
    current_page: int | None = None
    #: "Page 2 sur 3": the number of pages.
    total_pages: int | None = None
    #: "1-20 sur 45": the number of rows in the whole list.
    total_rows: int | None = None

    @property
    def shown(self) -> bool:
        return (
            self.next_link
            or bool(self.page_numbers)
            or self.total_pages is not None
            or self.total_rows is not None
        )

    @property
    def last_page(self) -> int | None:
        """The highest page number this page announces."""
        known = [*self.page_numbers, *([self.total_pages] if self.total_pages else [])]
        return max(known) if known else None


@dataclass(frozen=True)
class ListReading:
    """Every page of the documents list that could be read, and what each said of the rest."""

    table: RawTable
    #: The rows of each page, in the order read.
    rows_per_page: tuple[int, ...]
    #: The pager's signs on each page, in the same order.
    signs: tuple[PagerSigns, ...]
    #: The page shows the portal's own "no document" wording, in the table or in its place.
    says_empty: bool = False

    @property
    def pages(self) -> int:
        return len(self.rows_per_page)

    @property
    def pager_shown(self) -> bool:
        return any(sign.shown for sign in self.signs)


@dataclass(frozen=True)
class PortalShape:
    """What the portal showed at a complete reading: kept per profile, compared the next time."""

    counters_shown: bool
    pager_shown: bool
    #: Rows on a full page, when a pager showed it (the first of several pages).
    page_size: int | None
    #: One key per letter (``letter_key``), sorted; letters are compared by date and kind, so
    #: that the portal's language or a relabelled letter does not count as one gone.
    letters: tuple[str, ...]


def letter_key(letter: PortalLetter) -> str:
    return f"{letter.made_available_on.isoformat()} {letter.kind.value}"


def prove_complete(
    reading: ListReading,
    counts: LetterCounts | None,
    letters: list[PortalLetter],
    previous: PortalShape | None = None,
) -> PortalShape:
    """The shape of this complete reading, or ``PageNotRecognisedError`` saying why the list
    may not be whole. Every sign is checked; any one that contradicts the rows read refuses."""
    _check_pagination(reading, len(letters))
    cross_check(counts, letters)
    if previous is not None:
        _check_against_previous(previous, counts, letters)
    page_size = _page_size(reading, previous)
    if counts is None and not reading.pager_shown and reading.pages == 1:
        full = {page_size} if page_size else set(labels.COMMON_PAGE_SIZES)
        if len(letters) in full:
            raise PageNotRecognisedError(
                N_(
                    "The documents list shows exactly {rows} letters on one page, with no page "
                    "links and no counters on the home page: it may go on in pages the "
                    "assistant cannot see. No letter is reported from a list that may be "
                    "incomplete: check your account on the portal yourself."
                ),
                rows=len(letters),
            )
    if not letters and not reading.says_empty:
        raise PageNotRecognisedError(
            N_(
                "The documents table shows no letter, but the page does not say that the list "
                "is empty. No 'no letter' is reported from it: check your account on the portal "
                "yourself, and report this page."
            )
        )
    return PortalShape(
        counters_shown=counts is not None,
        pager_shown=reading.pager_shown,
        page_size=page_size,
        letters=tuple(sorted(letter_key(letter) for letter in letters)),
    )


def cross_check(counts: LetterCounts | None, letters: list[PortalLetter]) -> None:
    """The home page's counters against the rows read: a difference means rows were missed (or
    the page is not what it seems), and a partial list is never reported as the whole."""
    if counts is None:
        return
    unread = sum(1 for letter in letters if not letter.read)
    if (counts.total, counts.unread) != (len(letters), unread):
        raise PageNotRecognisedError(
            N_(
                "The home page counts {total} letter(s), {unread} unread, but the documents list "
                "shows {rows} letter(s), {rows_unread} unread. No letter is reported from a list "
                "that may be incomplete: check your account on the portal yourself."
            ),
            total=counts.total,
            unread=counts.unread,
            rows=len(letters),
            rows_unread=unread,
        )


def _check_pagination(reading: ListReading, rows: int) -> None:
    """Every page the pager announced was read, and as many rows as it says the list holds."""
    last_pages = [sign.last_page for sign in reading.signs if sign.last_page is not None]
    if last_pages and max(last_pages) > reading.pages:
        raise _unread_pages(max(last_pages), reading.pages)
    totals = {sign.total_rows for sign in reading.signs if sign.total_rows is not None}
    for total in sorted(totals):
        if total != rows:
            raise PageNotRecognisedError(
                N_(
                    "The documents list says it holds {total} letters, but the assistant could "
                    "read {rows} of them. No letter is reported from a list that may be "
                    "incomplete: check your account on the portal yourself."
                ),
                total=total,
                rows=rows,
            )


def _unread_pages(total: int, read: int) -> PageNotRecognisedError:
    return PageNotRecognisedError(
        N_(
            "The documents list has {total} pages, but the assistant could read only {read} of "
            "them. No letter is reported from a list that may be incomplete: check your account "
            "on the portal yourself, and report this page."
        ),
        total=total,
        read=read,
    )


def _check_against_previous(
    previous: PortalShape, counts: LetterCounts | None, letters: list[PortalLetter]
) -> None:
    if previous.counters_shown and counts is None:
        raise PageNotRecognisedError(
            N_(
                "The home page no longer shows how many letters you received, as it did at the "
                "last check, so the list cannot be checked against it. Check your account on the "
                "portal yourself. If the portal really changed, run 'ofpra-assistant setup' "
                "again for this profile: the assistant then starts from what it shows now."
            )
        )
    gone = Counter(previous.letters) - Counter(letter_key(letter) for letter in letters)
    if gone:
        raise PageNotRecognisedError(
            N_(
                "{count} letter(s) seen at the last check are missing from the list ({letters}). "
                "The list may be incomplete, so no letter is reported from it: check your account "
                "on the portal yourself. If the portal really removed them, run 'ofpra-assistant "
                "setup' again for this profile: the assistant then starts from what it shows now."
            ),
            count=sum(gone.values()),
            letters=_describe(gone.elements()),
        )


def _describe(keys: Iterable[str]) -> str:
    # Dates and kind codes only: nothing the portal wrote reaches the message.
    shown = [key.replace(" ", ", ") for key in sorted(keys)]
    return "; ".join(shown[:5]) + ("; ..." if len(shown) > 5 else "")


def _page_size(reading: ListReading, previous: PortalShape | None) -> int | None:
    """Rows on a full page: the first page's, when there were several; else what was known."""
    if reading.pages > 1:
        return reading.rows_per_page[0]
    return previous.page_size if previous is not None else None
