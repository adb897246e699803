# ruff: noqa: E501  (a table a lawyer reads across, one letter a line)
"""The dated table: every date the assistant gives for a letter, written out by hand.

Each line can be checked with a calendar and the README's "How the dates are counted":
- start = the provision date, or the notification cell when it is earlier;
- unread: open by = start + 14, deemed notified = start + 15, days left = open by - today;
- legally notified = min(opened on, start + 15); unread, start + 15 once that day has come;
- decision: legal aid last day = notified + 15 (never carried); appeal last day = the same date a
  month after the notification (the month's last day when there is none) + 1, carried past
  Saturdays, Sundays and public holidays (metropolitan France); the advised day ("by") is the last
  working day before each last day.
Columns: kind (D decision, C convocation), provision, notification cell, opened on ("read": read,
no date shown), today | open by, deemed notified, days left, legally notified | legal aid by,
legal aid last day, appeal by, appeal last day. "-" is none. Weekdays are in the comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from assistant.deadlines import LetterDeadlines, deadlines_as_of, deadlines_for
from flows.models import LetterKind, PortalLetter

# fmt: off
TABLE = """
# id                       k provision  cell       opened     today      | open_by    deemed     left notified   | aid_by     aid_last   appeal_by  appeal_last
unread-day-5               D 2026-11-21 2026-11-21 -          2026-11-26 | 2026-12-05 2026-12-06    9 -          | -          -          -          -
# The issue's first case: a cell later than the provision date does not move the window.
cell-later-unread          D 2026-11-21 2026-12-06 -          2026-11-26 | 2026-12-05 2026-12-06    9 -          | -          -          -          -
cell-later-than-today      D 2026-11-25 2026-12-10 -          2026-12-01 | 2026-12-09 2026-12-10    8 -          | -          -          -          -
cell-earlier-unread        D 2026-11-21 2026-11-18 -          2026-11-26 | 2026-12-02 2026-12-03    6 -          | -          -          -          -
# The issue's second case: opened on day 27, notified on day 15 (Tue 17 Mar); 18 Apr is a Sat.
opened-day-27              D 2026-03-02 2026-03-02 2026-03-29 2026-03-30 | -          -             - 2026-03-17 | 2026-03-31 2026-04-01 2026-04-17 2026-04-20
# Opened on day 14, 15, 16 of a window starting Tue 1 Sep 2026.
opened-day-14              D 2026-09-01 2026-09-01 2026-09-15 2026-09-16 | -          -             - 2026-09-15 | 2026-09-29 2026-09-30 2026-10-15 2026-10-16
opened-day-15              D 2026-09-01 2026-09-01 2026-09-16 2026-09-16 | -          -             - 2026-09-16 | 2026-09-30 2026-10-01 2026-10-16 2026-10-19
opened-day-16              D 2026-09-01 2026-09-01 2026-09-17 2026-09-17 | -          -             - 2026-09-16 | 2026-09-30 2026-10-01 2026-10-16 2026-10-19
unread-day-14              D 2026-09-01 2026-09-01 -          2026-09-15 | 2026-09-15 2026-09-16    0 -          | -          -          -          -
unread-day-15              D 2026-09-01 2026-09-01 -          2026-09-16 | 2026-09-15 2026-09-16   -1 2026-09-16 | 2026-09-30 2026-10-01 2026-10-16 2026-10-19
unread-day-16              D 2026-09-01 2026-09-01 -          2026-09-17 | 2026-09-15 2026-09-16   -2 2026-09-16 | 2026-09-30 2026-10-01 2026-10-16 2026-10-19
# Legal aid's last day on a Saturday (17 Oct), a Sunday (21 Jun), 1 Nov, 15 Aug, 25 Dec: not carried.
aid-last-saturday          D 2026-09-25 2026-09-25 2026-10-02 2026-10-02 | -          -             - 2026-10-02 | 2026-10-16 2026-10-17 2026-11-02 2026-11-03
aid-last-sunday            D 2026-06-01 2026-06-01 2026-06-06 2026-06-08 | -          -             - 2026-06-06 | 2026-06-19 2026-06-21 2026-07-06 2026-07-07
aid-last-1-november        D 2028-10-10 2028-10-10 2028-10-17 2028-10-18 | -          -             - 2028-10-17 | 2028-10-31 2028-11-01 2028-11-17 2028-11-20
aid-last-15-august         D 2026-07-25 2026-07-25 2026-07-31 2026-08-01 | -          -             - 2026-07-31 | 2026-08-14 2026-08-15 2026-08-31 2026-09-01
aid-last-christmas         D 2026-12-05 2026-12-05 2026-12-10 2026-12-11 | -          -             - 2026-12-10 | 2026-12-24 2026-12-25 2027-01-08 2027-01-11
# The appeal's last day carried: Sun 5 Jul 2026 (the issue's example) to Mon 6 Jul.
appeal-sunday              D 2026-05-28 2026-05-28 2026-06-04 2026-06-05 | -          -             - 2026-06-04 | 2026-06-18 2026-06-19 2026-07-03 2026-07-06
# Fri 1 May 2026, then Sat, Sun: Mon 4 May.
appeal-1-may               D 2026-03-20 2026-03-20 2026-03-30 2026-03-31 | -          -             - 2026-03-30 | 2026-04-13 2026-04-14 2026-04-30 2026-05-04
# Fri 8 May 2026, then Sat, Sun: Mon 11 May.
appeal-8-may               D 2026-04-01 2026-04-01 2026-04-07 2026-04-08 | -          -             - 2026-04-07 | 2026-04-21 2026-04-22 2026-05-07 2026-05-11
# Tue 14 Jul 2026: Wed 15 Jul. Deemed notified on Sat 13 Jun, unread.
appeal-14-july             D 2026-05-29 2026-05-29 -          2026-06-15 | 2026-06-12 2026-06-13   -3 2026-06-13 | 2026-06-26 2026-06-28 2026-07-13 2026-07-15
# Tue 15 Aug 2028: Wed 16 Aug. Notified on Fri 14 Jul 2028, itself a holiday.
appeal-15-august           D 2028-07-10 2028-07-10 2028-07-14 2028-07-15 | -          -             - 2028-07-14 | 2028-07-28 2028-07-29 2028-08-14 2028-08-16
# Sat 30 Oct 2027, Sun 31, Mon 1 Nov: Tue 2 Nov.
appeal-1-november          D 2027-09-20 2027-09-20 2027-09-29 2027-09-30 | -          -             - 2027-09-29 | 2027-10-13 2027-10-14 2027-10-29 2027-11-02
# Wed 11 Nov 2026: Thu 12 Nov. Deemed notified on Sat 10 Oct, unread.
appeal-11-november         D 2026-09-25 2026-09-25 -          2026-10-12 | 2026-10-09 2026-10-10   -3 2026-10-10 | 2026-10-23 2026-10-25 2026-11-10 2026-11-12
# Fri 25 Dec 2026, then Sat, Sun: Mon 28 Dec.
appeal-25-december         D 2026-11-20 2026-11-20 2026-11-24 2026-12-01 | -          -             - 2026-11-24 | 2026-12-08 2026-12-09 2026-12-24 2026-12-28
# Easter Monday 6 Apr 2026: Tue 7 Apr.
appeal-easter-monday       D 2026-03-01 2026-03-01 2026-03-05 2026-03-06 | -          -             - 2026-03-05 | 2026-03-19 2026-03-20 2026-04-03 2026-04-07
# Ascension Thu 14 May 2026: Fri 15 May.
appeal-ascension           D 2026-04-10 2026-04-10 2026-04-13 2026-04-14 | -          -             - 2026-04-13 | 2026-04-27 2026-04-28 2026-05-13 2026-05-15
# Whit Monday 25 May 2026: Tue 26 May; legal aid's advised day skips Fri 8 May.
appeal-whit-monday         D 2026-04-20 2026-04-20 2026-04-24 2026-04-27 | -          -             - 2026-04-24 | 2026-05-07 2026-05-09 2026-05-22 2026-05-26
# Sat 30 Dec 2028, Sun 31, Mon 1 Jan 2029: Tue 2 Jan 2029.
appeal-1-january           D 2028-11-25 2028-11-25 2028-11-29 2028-11-30 | -          -             - 2028-11-29 | 2028-12-13 2028-12-14 2028-12-29 2029-01-02
# The turn of a year: deemed notified on Mon 4 Jan 2027.
deemed-at-year-turn        D 2026-12-20 2026-12-20 -          2027-01-05 | 2027-01-03 2027-01-04   -2 2027-01-04 | 2027-01-18 2027-01-19 2027-02-04 2027-02-05
# Month ends: 31 Jan -> 28 Feb + 1 = Sun 1 Mar 2026 -> Mon 2 Mar; 29 Feb 2028 + 1 = Wed 1 Mar.
notified-31-january        D 2026-01-20 2026-01-20 2026-01-31 2026-02-01 | -          -             - 2026-01-31 | 2026-02-13 2026-02-15 2026-02-27 2026-03-02
notified-31-january-leap   D 2028-01-25 2028-01-25 2028-01-31 2028-02-01 | -          -             - 2028-01-31 | 2028-02-14 2028-02-15 2028-02-29 2028-03-01
notified-30-january        D 2026-01-30 2026-01-30 2026-01-30 2026-01-30 | -          -             - 2026-01-30 | 2026-02-13 2026-02-14 2026-02-27 2026-03-02
notified-31-march          D 2026-03-25 2026-03-25 2026-03-31 2026-04-01 | -          -             - 2026-03-31 | 2026-04-14 2026-04-15 2026-04-30 2026-05-04
notified-31-august         D 2026-08-25 2026-08-25 2026-08-31 2026-09-01 | -          -             - 2026-08-31 | 2026-09-14 2026-09-15 2026-09-30 2026-10-01
february-window            D 2026-02-14 2026-02-14 -          2026-02-14 | 2026-02-28 2026-03-01   14 -          | -          -          -          -
leap-window                D 2028-02-15 2028-02-15 -          2028-02-20 | 2028-02-29 2028-03-01    9 -          | -          -          -          -
deemed-29-february         D 2028-02-14 2028-02-14 -          2028-03-02 | 2028-02-28 2028-02-29   -3 2028-02-29 | 2028-03-14 2028-03-15 2028-03-29 2028-03-30
# Clock changes: Sun 29 Mar 2026 and Sun 25 Oct 2026 (the day count is in dates, not hours).
spring-dst-window          D 2026-03-20 2026-03-20 -          2026-03-29 | 2026-04-03 2026-04-04    5 -          | -          -          -          -
autumn-dst-window          D 2026-10-20 2026-10-20 -          2026-10-25 | 2026-11-03 2026-11-04    9 -          | -          -          -          -
deemed-on-dst-day          D 2026-10-10 2026-10-10 -          2026-10-26 | 2026-10-24 2026-10-25   -2 2026-10-25 | 2026-11-06 2026-11-09 2026-11-25 2026-11-26
# A notification cell later or earlier than the provision date, on letters opened late or unread.
cell-later-opened-late     D 2026-11-02 2026-11-17 2026-11-25 2026-11-26 | -          -             - 2026-11-17 | 2026-12-01 2026-12-02 2026-12-17 2026-12-18
cell-later-deemed          D 2026-11-02 2026-11-17 -          2026-11-20 | 2026-11-16 2026-11-17   -4 2026-11-17 | 2026-12-01 2026-12-02 2026-12-17 2026-12-18
cell-earlier-opened-late   D 2026-06-10 2026-06-08 2026-06-25 2026-06-26 | -          -             - 2026-06-23 | 2026-07-07 2026-07-08 2026-07-23 2026-07-24
# The guide's example: provided Thu 20 Apr 2023, read and notified Fri 21 Apr.
guide-example-2023         D 2023-04-20 2023-04-21 2023-04-21 2023-04-22 | -          -             - 2023-04-21 | 2023-05-05 2023-05-06 2023-05-19 2023-05-22
# Read, no date shown: the notification cell (Thu 3 Sep) stands; 4 Oct is a Sunday.
read-without-date          D 2026-09-01 2026-09-03 read       2026-09-10 | -          -             - 2026-09-03 | 2026-09-17 2026-09-18 2026-10-02 2026-10-05
# A summons: the same 15 days, no appeal or legal aid.
convocation-opened-late    C 2026-09-01 2026-09-01 2026-09-20 2026-09-21 | -          -             - 2026-09-16 | -          -          -          -
convocation-unread-no-cell C 2026-11-21 -          -          2026-11-26 | 2026-12-05 2026-12-06    9 -          | -          -          -          -
"""
# fmt: on


@dataclass(frozen=True)
class Line:
    letter: PortalLetter
    today: date
    expected: tuple[date | int | None, ...]


def _day(text: str) -> date | None:
    return None if text == "-" else date.fromisoformat(text)


def _lines() -> list[pytest.ParameterSet]:
    params = []
    for raw in TABLE.strip().splitlines():
        if raw.startswith("#"):
            continue
        cells = raw.replace("|", " ").split()
        name, kind, provision, cell, opened, today = cells[:6]
        open_by, deemed, left, notified, aid_by, aid_last, appeal_by, appeal_last = cells[6:]
        made_available_on = _day(provision)
        assert made_available_on is not None
        letter = PortalLetter(
            id=name,
            kind=LetterKind.DECISION if kind == "D" else LetterKind.CONVOCATION,
            label="Décision" if kind == "D" else "Convocation",
            sender="OFPRA",
            made_available_on=made_available_on,
            notified_on=_day(cell),
            read=opened != "-",
            read_on=None if opened in ("-", "read") else _day(opened),
            portal_remaining_days=None,
            portal_says_notified=False,
        )
        expected = (
            _day(open_by),
            _day(deemed),
            None if left == "-" else int(left),
            _day(notified),
            _day(aid_by),
            _day(aid_last),
            _day(appeal_by),
            _day(appeal_last),
        )
        today_date = _day(today)
        assert today_date is not None
        params.append(pytest.param(Line(letter, today_date, expected), id=name))
    return params


LINES = _lines()


def _row(deadlines: LetterDeadlines) -> tuple[date | int | None, ...]:
    return (
        deadlines.open_by,
        deadlines.deemed_notified_on,
        deadlines.days_left,
        deadlines.legally_notified_on,
        deadlines.legal_aid_by,
        deadlines.legal_aid_deadline,
        deadlines.appeal_by,
        deadlines.appeal_deadline,
    )


def test_the_table_has_at_least_40_lines_with_distinct_names() -> None:
    names = [p.id for p in LINES]
    assert len(names) >= 40
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("line", LINES)
def test_deadlines_for_gives_the_dates_of_the_table(line: Line) -> None:
    assert _row(deadlines_for(line.letter, line.today)) == line.expected


@pytest.mark.parametrize("line", LINES)
def test_deadlines_as_of_a_stored_letter_gives_the_same_dates(line: Line) -> None:
    # Reminders and status read letters from the state: an unread one last seen on its
    # provision day, an opened one on the day it was opened (or today).
    seen_on = line.letter.made_available_on if not line.letter.read else line.today
    assert _row(deadlines_as_of(line.letter, seen_on, line.today)) == line.expected


@pytest.mark.parametrize("line", LINES)
def test_no_advised_day_is_later_than_the_laws_last_day(line: Line) -> None:
    deadlines = deadlines_for(line.letter, line.today)
    if deadlines.appeal_deadline is None:
        assert (deadlines.appeal_by, deadlines.legal_aid_by, deadlines.legal_aid_deadline) == (
            None,
            None,
            None,
        )
        return
    assert deadlines.legal_aid_by is not None and deadlines.legal_aid_deadline is not None
    assert deadlines.appeal_by is not None
    assert deadlines.legal_aid_by < deadlines.legal_aid_deadline
    assert deadlines.appeal_by < deadlines.appeal_deadline
