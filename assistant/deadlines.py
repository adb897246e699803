"""The legal clock of PORTAL.md, as date arithmetic (the README's "How the dates are counted").

R531-17 and R531-11 CESEDA: a notified letter counts as notified on its first consultation or, if
it is not opened, 15 days after it was made available. The window starts on the provision date, or
on the notification date the table shows when that is earlier; the assistant tells the person to
open it by day 14 (one day of margin) and counts the days in Europe/Paris time. A letter opened
after its 15 days was already notified on day 15: legally notified = min(opened on, start + 15).

For a decision, two periods run from that day, each with a legal last day and an earlier advised
day (the one the alerts push):
- L532-1 CESEDA: one month to appeal to the CNDA, a délai franc (CE 15 Dec 2023 n° 472836): the
  last day is the day after the same date one month later (the month's last day when there is no
  such date, art. 641 CPC), carried past a Saturday, a Sunday or a public holiday of metropolitan
  France (CE 19 Sept 2014 n° 362568);
- loi 91-647 art. 9-4: 15 days to ask for legal aid, not a délai franc (CE 13 Nov 2023
  n° 467595): the last day is notified + 15, never carried (no source carries it).
The advised day is the last working day before the legal last day: never later than the law's.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

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


@lru_cache(maxsize=1)
def _public_holidays() -> holidays.HolidayBase:
    # Metropolitan France (no subdivision: Alsace-Moselle's two extra days are not the CNDA's).
    return holidays.country_holidays("FR")


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a public holiday of metropolitan France."""
    return day.weekday() < 5 and day not in _public_holidays()


def carried_to_working_day(day: date) -> date:
    """A last day on a Saturday, a Sunday or a public holiday moves to the next working day."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_before(day: date) -> date:
    """The last working day strictly before ``day``: the advised day for a legal last day."""
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def appeal_deadline(notified_on: date) -> date:
    """The last day to send an appeal to the CNDA (L532-1 CESEDA, délai franc)."""
    return carried_to_working_day(add_one_month(notified_on) + timedelta(days=1))


def legal_aid_deadline(notified_on: date) -> date:
    """The last day to ask for legal aid (loi 91-647 art. 9-4): 15 days, not carried."""
    return notified_on + timedelta(days=LEGAL_AID_DAYS)


def window_start(letter: PortalLetter) -> date:
    """The 15 days run from the provision date, or from the notification date shown if earlier."""
    if letter.notified_on is None:
        return letter.made_available_on
    return min(letter.made_available_on, letter.notified_on)


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
    #: The day the days left are counted from ("today" of the check, or of the reminder).
    as_of: date | None = None
    #: The day the 15-day window started.
    window_starts_on: date | None = None
    #: Unread notified letters only: the last day to open it, and when it counts as received.
    open_by: date | None = None
    deemed_notified_on: date | None = None
    #: Days from today to open_by; negative once open_by has passed.
    days_left: int | None = None
    #: When the letter was legally notified; None while it is unread and in its window.
    legally_notified_on: date | None = None
    #: For a decision: the law's last days to ask for legal aid and to appeal, if it is negative.
    legal_aid_deadline: date | None = None
    appeal_deadline: date | None = None
    #: The advised days the alerts push, never later than the law's.
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
    was true on the day it was read, so the dates found that day stand; the rules are those of
    ``deadlines_for`` (a letter still unread on ``today`` is notified once its 15 days are over).
    """
    seen = _deadlines(letter, seen_on, warn=False)
    if seen.open_by is None or seen.deemed_notified_on is None:
        return replace(seen, as_of=today)
    counted = replace(
        seen,
        as_of=today,
        days_left=(seen.open_by - today).days,
        legally_notified_on=seen.deemed_notified_on if today >= seen.deemed_notified_on else None,
    )
    return _with_appeal(letter, counted)


def _deadlines(letter: PortalLetter, today: date, *, warn: bool) -> LetterDeadlines:
    notified = is_notified_letter(letter)
    if not notified:
        return LetterDeadlines(notified_letter=False, as_of=today)
    starts_on = window_start(letter)
    deemed_notified_on = starts_on + timedelta(days=DEEMED_NOTIFIED_AFTER_DAYS)
    if letter.read:
        # First consultation notifies, but never later than the end of the 15 days. Without
        # its date, the notification date shown (the guide's portal shows the day it was read).
        opened_on = letter.read_on or letter.notified_on or starts_on
        return _with_appeal(
            letter,
            LetterDeadlines(
                True,
                as_of=today,
                window_starts_on=starts_on,
                legally_notified_on=min(opened_on, deemed_notified_on),
            ),
        )

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
    deemed_notified_on = min(deemed_notified_on, open_by + timedelta(days=1))
    return _with_appeal(
        letter,
        LetterDeadlines(
            True,
            as_of=today,
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
        return replace(
            deadlines,
            legal_aid_deadline=None,
            appeal_deadline=None,
            legal_aid_by=None,
            appeal_by=None,
        )
    aid_last = legal_aid_deadline(deadlines.legally_notified_on)
    appeal_last = appeal_deadline(deadlines.legally_notified_on)
    return replace(
        deadlines,
        legal_aid_deadline=aid_last,
        appeal_deadline=appeal_last,
        legal_aid_by=working_day_before(aid_last),
        appeal_by=working_day_before(appeal_last),
    )
