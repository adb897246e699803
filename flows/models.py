"""What the documents table says about one letter, as typed data (never the letter's contents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class LetterKind(StrEnum):
    ACCOUNT_CREATION = "account_creation"
    INTRODUCTION = "introduction"
    CONVOCATION = "convocation"
    CONVOCATION_CANCELLATION = "convocation_cancellation"
    SIX_MONTHS = "six_months"
    MEDICAL_CERTIFICATE = "medical_certificate"
    RECLASSIFICATION = "reclassification"
    INTERVIEW = "interview"
    POSTAL_LETTER = "postal_letter"
    RENOTIFICATION = "renotification"
    DECISION = "decision"
    OTHER = "other"


@dataclass(frozen=True)
class PortalLetter:
    """One row of the documents table.

    ``id`` is built from what the row shows (date and kind), so it stays the same from one check to
    the next and across the portal's languages.
    """

    id: str
    kind: LetterKind
    label: str
    sender: str | None
    made_available_on: date
    notified_on: date | None
    read: bool
    read_on: date | None
    #: The number the "remaining time" column shows, when it shows one.
    portal_remaining_days: int | None
    #: The "remaining time" column says "notified letter".
    portal_says_notified: bool
    #: The hour of provision and of first consultation, when the cell shows one (R531-17: the
    #: portal records both): aware, in Paris time. The day counts use the dates above.
    made_available_at: datetime | None = None
    read_at: datetime | None = None


@dataclass(frozen=True)
class RawTable:
    """The documents table as text, exactly as the page shows it."""

    headers: list[str]
    rows: list[list[str]]
    #: The page's declared language (``<html lang>``), a hint when the headers are ambiguous.
    page_language: str | None = None


@dataclass(frozen=True)
class LetterCounts:
    """What the home page says: "You have received {total} letter(s), including {unread}
    unread.\""""

    total: int
    unread: int
