"""Turns the documents table's text into typed letters, or refuses.

The rule (DESIGN.md, promise 2): the parser returns every row as a letter, or raises
``PageNotRecognisedError``. It never returns a partial list: a list that misses one unread
decision would be a false "all clear".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows import labels
from flows.errors import N_, PageNotRecognisedError
from flows.labels import normalise
from flows.models import LetterKind, PortalLetter, RawTable
from flows.untrusted import untrusted_text

_DATE = r"(\d{1,4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,4})"
# The hour that may follow a date (R531-17: the portal records the date and the hour): "à 11:58",
# " 11:58:07", ", 11h58", " 2:32 PM", ", 14:32". Apart from the date by a space or a comma.
_TIME = (
    r"(?:\s*,\s*|\s+)(?:(?:à|a|at)\s+)?"
    r"(\d{1,2})\s*[:h]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?:\s*([ap])\.?\s*m\b\.?)?"
)
_DATE_TIME = re.compile(_DATE + f"(?:{_TIME})?", re.IGNORECASE)
#: The portal is French: the hours it shows are read as Paris time (its own words are unverified).
PARIS = ZoneInfo("Europe/Paris")
_SIGNED_NUMBER = re.compile(r"[-+\u2212\u2013]\s*\d")


def _any_word(variants: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that finds any of the variants as whole words (compiled once, since a long
    table asks it of every row)."""
    return re.compile(r"\b(?:" + "|".join(re.escape(v) for v in variants) + r")\b")


_KIND_PATTERNS = tuple((LetterKind(kind), _any_word(v)) for kind, v in labels.KIND_VARIANTS)
_NOTIFIED_PATTERN = _any_word(labels.NOTIFIED_TEXT)


def parse_documents_table(table: RawTable) -> list[PortalLetter]:
    columns, language = match_columns(table.headers, table.page_language)
    if _is_empty_message(table.rows):
        return []
    letters = [
        _parse_row(row, number, columns, language, len(table.headers))
        for number, row in enumerate(table.rows, start=1)
    ]
    return _with_unique_ids(letters)


def match_columns(headers: list[str], page_language: str | None) -> tuple[dict[str, int], str]:
    """Find each column's role from its header text, and the table's language.

    Headers are matched by meaning, not by position; unknown extra columns are ignored. A role
    found twice, or a required role not found, means this is not the table we know.
    """
    columns: dict[str, int] = {}
    votes: Counter[str] = Counter()
    for index, header in enumerate(headers):
        match = _match_header(normalise(header))
        if match is None:
            continue
        role, language = match
        if role in columns:
            raise PageNotRecognisedError(
                N_(
                    "The documents table has two columns that look like '{role}' ('{first}' and "
                    "'{second}'). The portal's page has changed: check your account on the "
                    "portal yourself, and report this page."
                ),
                role=role,
                first=headers[columns[role]],
                second=header,
            )
        columns[role] = index
        if language:
            votes[language] += 1
    missing = [role for role in labels.REQUIRED_COLUMNS if role not in columns]
    if missing:
        shown = ", ".join(f"'{h}'" for h in headers) or "none"
        raise PageNotRecognisedError(
            N_(
                "The documents table lacks the column(s) {missing} (headers seen: {shown}). The "
                "portal's page has changed: check your account on the portal yourself, and "
                "report this page."
            ),
            missing=", ".join(missing),
            shown=shown,
        )
    return columns, _decide_language(votes, page_language)


def _match_header(header: str) -> tuple[str, str | None] | None:
    for role, by_language in labels.COLUMN_VARIANTS.items():
        found = {
            language
            for language, variants in by_language.items()
            for variant in variants
            if re.search(rf"\b{re.escape(variant)}\b", header)
        }
        if found:
            # A word both languages share ("document") says nothing about the language.
            return role, (found.pop() if len(found) == 1 else None)
    return None


def _decide_language(votes: Counter[str], page_language: str | None) -> str:
    if votes["fr"] != votes["en"]:
        return "fr" if votes["fr"] > votes["en"] else "en"
    if page_language and page_language.lower().startswith("en"):
        return "en"
    if page_language and page_language.lower().startswith("fr"):
        return "fr"
    raise PageNotRecognisedError(
        N_(
            "The documents table's language could not be told, so its dates cannot be read "
            "safely. Check your account on the portal yourself, and report this page."
        )
    )


def _is_empty_message(rows: list[list[str]]) -> bool:
    if len(rows) != 1 or len([c for c in rows[0] if c.strip()]) != 1:
        return False
    text = normalise(rows[0][0] if rows[0][0].strip() else next(c for c in rows[0] if c.strip()))
    # "Aucun document ne peut être affiché" says the letters cannot be shown, not that there are
    # none: that row is not an empty list (it then fails as a row that cannot be read).
    if labels.UNAVAILABLE_LIST_TEXT.search(text):
        return False
    return any(marker in text for marker in labels.EMPTY_TABLE_TEXT)


def _parse_row(
    row: list[str], number: int, columns: dict[str, int], language: str, width: int
) -> PortalLetter:
    if len(row) != width:
        raise _row_error(number, f"it has {len(row)} cells where the header has {width}")

    def cell(role: str) -> str:
        # Made safe here too (it is idempotent): a table may come from another reader.
        index = columns.get(role)
        return "" if index is None else untrusted_text(row[index])

    label = cell("document")
    if not label:
        raise _row_error(number, "its document name is empty")
    made_available = _parse_moment(cell("made_available_on"), language)
    if made_available is None:
        raise _row_error(number, "its provision date is empty")
    made_available_on, made_available_at = made_available
    read, read_on, read_at = _parse_status(cell("status"), language, number)
    remaining_days, says_notified = _parse_remaining(cell("remaining"), number)
    return PortalLetter(
        id="",
        kind=kind_of(label),
        label=label,
        sender=cell("sender") or None,
        made_available_on=made_available_on,
        notified_on=_parse_date(cell("notified_on"), language),
        read=read,
        read_on=read_on,
        portal_remaining_days=remaining_days,
        portal_says_notified=says_notified,
        made_available_at=made_available_at,
        read_at=read_at,
    )


def kind_of(label: str) -> LetterKind:
    """The kind of a document from its label; an unknown label is "other", never dropped."""
    text = normalise(label)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return LetterKind.OTHER


def _parse_date(text: str, language: str) -> date | None:
    moment = _parse_moment(text, language)
    return None if moment is None else moment[0]


def _parse_moment(text: str, language: str) -> tuple[date, datetime | None] | None:
    """A date cell's day and, when it shows one, its hour (in Paris time); None when empty.
    The day alone decides every count: the hour is kept as the portal gave it."""
    if not text.strip():
        return None
    match = _DATE_TIME.fullmatch(text.strip())
    if match is None:
        raise PageNotRecognisedError(
            N_(
                "A date in the documents table is not in a known format: '{text}'. Check your "
                "account on the portal yourself, and report this page."
            ),
            text=text,
        )
    return _moment(match, text, language)


def _moment(match: re.Match[str], text: str, language: str) -> tuple[date, datetime | None]:
    a, b, c = (int(part) for part in match.group(1, 2, 3))
    if len(match.group(1)) == 4:
        year, month, day = a, b, c  # ISO 2023-04-21
    elif language == "en":
        month, day, year = a, b, c  # US style 4/21/23 (PORTAL.md)
    else:
        day, month, year = a, b, c  # French 21/04/2023
    if year < 100:
        year += 2000
    try:
        on = date(year, month, day)
        if match.group(4) is None:
            return on, None
        hour, minute = int(match.group(4)), int(match.group(5))
        second = int(match.group(6) or 0)
        half = (match.group(7) or "").lower()
        if half:
            # 12:05 AM is five past midnight, 12:05 PM five past noon; 0 or 13 PM is no hour.
            if not 1 <= hour <= 12:
                raise ValueError(text)
            hour = hour % 12 + (12 if half == "p" else 0)
        return on, datetime(year, month, day, hour, minute, second, tzinfo=PARIS)
    except ValueError:
        raise PageNotRecognisedError(
            N_(
                "A date in the documents table does not exist: '{text}'. Check your account on "
                "the portal yourself, and report this page."
            ),
            text=text,
        ) from None


def _parse_status(
    text: str, language: str, number: int
) -> tuple[bool, date | None, datetime | None]:
    if not text.strip():
        return False, None, None
    # A cell of symbols only (a lone "✓") normalises to nothing: unknown, not "unread".
    status = normalise(text)
    if status in labels.UNREAD_STATUS:
        return False, None, None
    if status in labels.READ_STATUS_ALONE:
        return True, None, None
    for prefix in labels.READ_STATUS_PREFIXES:
        if status.startswith(prefix + " "):
            found = _DATE_TIME.search(text)
            if found is None:
                break
            read_on, read_at = _moment(found, found.group(0), language)
            return True, read_on, read_at
    raise _row_error(number, f"its status '{text}' is not one the assistant knows")


def _parse_remaining(text: str, number: int) -> tuple[int | None, bool]:
    remaining = normalise(text)
    if not remaining:
        return None, False
    days = labels.REMAINING_DAYS.fullmatch(remaining)
    # normalise() drops signs: "-3 jours" would read as 3 days left. Its meaning is unknown.
    if days and not _SIGNED_NUMBER.search(text):
        return int(days.group(1)), False
    if _NOTIFIED_PATTERN.search(remaining):
        return None, True
    raise _row_error(number, f"its remaining time '{text}' is not in a known format")


def _row_error(number: int, why: str) -> PageNotRecognisedError:
    # ``why`` is a technical detail for whoever reads the report; it stays in English.
    return PageNotRecognisedError(
        N_(
            "Row {row} of the documents table could not be read: {why}. No letter is reported "
            "until every row can be read: check your account on the portal yourself, and "
            "report this page."
        ),
        row=number,
        why=why,
    )


def _with_unique_ids(letters: list[PortalLetter]) -> list[PortalLetter]:
    """Give each letter an id from its provision date and kind, numbered when they repeat."""
    seen: Counter[str] = Counter()
    result = []
    for letter in letters:
        base = f"{letter.made_available_on.isoformat()}-{letter.kind.value}"
        if letter.kind is LetterKind.OTHER:
            base += "-" + "-".join(normalise(letter.label).replace("/", " ").split())[:40]
        seen[base] += 1
        letter_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        result.append(replace(letter, id=letter_id))
    return result
