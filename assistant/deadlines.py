"""The legal clock of PORTAL.md, as date arithmetic.

R531-17 and R531-11 CESEDA: a notified letter left unread counts as received ("deemed notified")
15 days after its window starts. The window starts on the notification date the table shows, or,
when an unread notified letter shows none, on the date it was made available. The assistant tells
the person to open it by day 14 (one day of margin) and counts the days in Europe/Paris time.

For a decision, L532-1 CESEDA gives one month from notification to appeal to the CNDA, and loi
91-647 art. 9-4 gives 15 days to ask for legal aid. The dates given are the last safe day: one
day before the period ends, like open_by.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.models import LetterKind, PortalLetter

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
OPEN_WITHIN_DAYS = 14
DEEMED_NOTIFIED_AFTER_DAYS = 15
LEGAL_AID_DAYS = 15

# Letters whose notification starts a legal clock even when the table shows no date for it.
NOTIFIED_KINDS = frozenset({LetterKind.CONVOCATION, LetterKind.DECISION, LetterKind.RENOTIFICATION})


def paris_today(now: datetime) -> date:
    """Today's date in Paris; ``now`` must be aware (a naive time has no place in a deadline)."""
    if now.tzinfo is None:
        raise ValueError("paris_today needs an aware datetime")
    return now.astimezone(PARIS).date()


def add_one_month(day: date) -> date:
    """The same day a month later, or the month's last day when there is no such day."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_notified_letter(letter: PortalLetter) -> bool:
    return (
        letter.notified_on is not None
        or letter.portal_remaining_days is not None
        or letter.portal_says_notified
        or letter.kind in NOTIFIED_KINDS
    )


@dataclass(frozen=True)
class LetterDeadlines:
    notified_letter: bool
    #: The day the 15-day window started (unread notified letters only).
    window_starts_on: date | None = None
    open_by: date | None = None
    deemed_notified_on: date | None = None
    #: Days from today to open_by; negative once open_by has passed.
    days_left: int | None = None
    #: When the letter is (or will be, unread) legally notified.
    legally_notified_on: date | None = None
    #: For a decision: last safe day to ask for legal aid and to appeal, if it is negative.
    legal_aid_by: date | None = None
    appeal_by: date | None = None

    @property
    def deemed_notified(self) -> bool:
        """Unread past the window: it counts as received already."""
        return self.days_left is not None and self.days_left < 0


def deadlines_for(letter: PortalLetter, today: date) -> LetterDeadlines:
    return _deadlines(letter, today, warn=True)


def deadlines_as_of(letter: PortalLetter, seen_on: date, today: date) -> LetterDeadlines:
    """The deadlines a check on ``seen_on`` found, with the days left counted from ``today``.

    For letters remembered in the state (reminders, status): the portal's remaining-time count
    was true on the day it was read, so the dates found that day stand.
    """
    seen = _deadlines(letter, seen_on, warn=False)
    if seen.open_by is None or seen.deemed_notified_on is None:
        return seen
    counted = replace(
        seen,
        days_left=(seen.open_by - today).days,
        legally_notified_on=seen.deemed_notified_on if today >= seen.deemed_notified_on else None,
        legal_aid_by=None,
        appeal_by=None,
    )
    return _with_appeal(letter, counted)


def _deadlines(letter: PortalLetter, today: date, *, warn: bool) -> LetterDeadlines:
    notified = is_notified_letter(letter)
    if not notified:
        return LetterDeadlines(notified_letter=False)
    if letter.read:
        # First consultation notifies; without its date, the notification date stands.
        legally_notified_on = letter.read_on or letter.notified_on
        return _with_appeal(letter, LetterDeadlines(True, legally_notified_on=legally_notified_on))

    starts_on = letter.notified_on or letter.made_available_on
    open_by = starts_on + timedelta(days=OPEN_WITHIN_DAYS)
    days_left = (open_by - today).days
    portal_days = _portal_days_left(letter)
    if portal_days is not None and portal_days != days_left:
        log.log(
            logging.WARNING if warn else logging.DEBUG,
            "letter %s: the portal's remaining time gives %d day(s) left, the dates give %d; "
            "keeping the smaller",
            letter.id,
            portal_days,
            days_left,
        )
        if portal_days < days_left:
            days_left = portal_days
            open_by = today + timedelta(days=days_left)
    deemed_notified_on = starts_on + timedelta(days=DEEMED_NOTIFIED_AFTER_DAYS)
    deemed_notified_on = min(deemed_notified_on, open_by + timedelta(days=1))
    return _with_appeal(
        letter,
        LetterDeadlines(
            True,
            window_starts_on=starts_on,
            open_by=open_by,
            deemed_notified_on=deemed_notified_on,
            days_left=days_left,
            # Unread and still in its window: notified on the day it is opened, not known yet.
            legally_notified_on=deemed_notified_on if today >= deemed_notified_on else None,
        ),
    )


def _portal_days_left(letter: PortalLetter) -> int | None:
    """The portal counts the days left in the 15-day window (PORTAL.md: format unverified).

    Read as days until the letter is deemed notified, it gives one day less to open it: the
    cautious reading, since the smaller count wins.
    """
    if letter.portal_remaining_days is None:
        return None
    return letter.portal_remaining_days - 1


def _with_appeal(letter: PortalLetter, deadlines: LetterDeadlines) -> LetterDeadlines:
    if letter.kind is not LetterKind.DECISION or deadlines.legally_notified_on is None:
        return deadlines
    notified = deadlines.legally_notified_on
    return replace(
        deadlines,
        legal_aid_by=notified + timedelta(days=LEGAL_AID_DAYS - 1),
        appeal_by=add_one_month(notified) - timedelta(days=1),
    )
