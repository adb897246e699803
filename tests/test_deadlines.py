"""The legal clock (PORTAL.md, R531-17): open by day 14, deemed notified on day 15, Paris time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assistant.deadlines import add_one_month, deadlines_for, paris_today
from flows.models import LetterKind, PortalLetter


def letter(
    kind: LetterKind = LetterKind.DECISION,
    made_available_on: date | None = None,
    notified_on: date | None = date(2026, 11, 21),
    read_on: date | None = None,
    read: bool = False,
    remaining: int | None = None,
    says_notified: bool = False,
) -> PortalLetter:
    return PortalLetter(
        id="x",
        kind=kind,
        label=kind.value,
        sender="OFPRA",
        # Unless a test says otherwise, the letter shows its provision date as notification date.
        made_available_on=made_available_on or notified_on or date(2026, 11, 21),
        notified_on=notified_on,
        read=read or read_on is not None,
        read_on=read_on,
        portal_remaining_days=remaining,
        portal_says_notified=says_notified,
    )


def test_unread_notified_letter_opens_by_day_14_and_is_deemed_notified_on_day_15() -> None:
    deadlines = deadlines_for(letter(notified_on=date(2026, 11, 21)), today=date(2026, 11, 26))

    assert deadlines.notified_letter is True
    assert deadlines.window_starts_on == date(2026, 11, 21)
    assert deadlines.open_by == date(2026, 12, 5)
    assert deadlines.deemed_notified_on == date(2026, 12, 6)
    assert deadlines.days_left == 9
    assert deadlines.deemed_notified is False


@pytest.mark.parametrize(
    ("notified_on", "open_by", "deemed"),
    [
        pytest.param(date(2026, 1, 20), date(2026, 2, 3), date(2026, 2, 4), id="january-end"),
        pytest.param(date(2026, 2, 14), date(2026, 2, 28), date(2026, 3, 1), id="february"),
        pytest.param(date(2028, 2, 15), date(2028, 2, 29), date(2028, 3, 1), id="leap-year"),
        pytest.param(date(2026, 12, 20), date(2027, 1, 3), date(2027, 1, 4), id="year-end"),
        pytest.param(date(2026, 3, 20), date(2026, 4, 3), date(2026, 4, 4), id="spring-dst"),
        pytest.param(date(2026, 10, 20), date(2026, 11, 3), date(2026, 11, 4), id="autumn-dst"),
    ],
)
def test_deadlines_across_month_ends_and_clock_changes(
    notified_on: date, open_by: date, deemed: date
) -> None:
    deadlines = deadlines_for(letter(notified_on=notified_on), today=notified_on)

    assert (deadlines.open_by, deadlines.deemed_notified_on, deadlines.days_left) == (
        open_by,
        deemed,
        14,
    )


@pytest.mark.parametrize(
    ("utc_time", "paris_date"),
    [
        pytest.param(datetime(2026, 11, 26, 22, 59, tzinfo=UTC), date(2026, 11, 26), id="winter"),
        pytest.param(datetime(2026, 11, 26, 23, 0, tzinfo=UTC), date(2026, 11, 27), id="winter-mn"),
        pytest.param(datetime(2026, 7, 1, 21, 59, tzinfo=UTC), date(2026, 7, 1), id="summer"),
        pytest.param(datetime(2026, 7, 1, 22, 0, tzinfo=UTC), date(2026, 7, 2), id="summer-mn"),
        # 29 March 2026, 02:00 Paris becomes 03:00; 25 October 2026, 03:00 becomes 02:00.
        pytest.param(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 29), id="dst-on"),
        pytest.param(datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 10, 25), id="dst-off"),
        pytest.param(datetime(2026, 10, 25, 22, 59, tzinfo=UTC), date(2026, 10, 25), id="dst-off2"),
    ],
)
def test_days_are_counted_in_paris_time(utc_time: datetime, paris_date: date) -> None:
    assert paris_today(utc_time) == paris_date


def test_paris_today_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        paris_today(datetime(2026, 11, 26, 12, 0))


def test_days_left_on_the_last_day_is_zero_and_then_the_letter_is_deemed_notified() -> None:
    unread = letter(notified_on=date(2026, 11, 1))

    assert deadlines_for(unread, today=date(2026, 11, 15)).days_left == 0
    assert deadlines_for(unread, today=date(2026, 11, 15)).deemed_notified is False
    late = deadlines_for(unread, today=date(2026, 11, 16))
    assert late.days_left == -1
    assert late.deemed_notified is True
    assert late.deemed_notified_on == date(2026, 11, 16)


def test_unread_notified_letter_without_a_notification_date_starts_when_made_available() -> None:
    unread = letter(
        kind=LetterKind.CONVOCATION, made_available_on=date(2026, 11, 20), notified_on=None
    )
    deadlines = deadlines_for(unread, today=date(2026, 11, 20))

    assert deadlines.notified_letter is True
    assert deadlines.open_by == date(2026, 12, 4)


def test_information_letter_has_no_deadline() -> None:
    info = letter(kind=LetterKind.SIX_MONTHS, notified_on=None)
    deadlines = deadlines_for(info, today=date(2026, 11, 26))

    assert deadlines.notified_letter is False
    assert (deadlines.open_by, deadlines.days_left, deadlines.deemed_notified_on) == (
        None,
        None,
        None,
    )


def test_unknown_letter_with_a_notification_date_is_a_notified_letter() -> None:
    other = letter(kind=LetterKind.OTHER, notified_on=date(2026, 11, 25))

    assert deadlines_for(other, today=date(2026, 11, 26)).days_left == 13


def test_portal_count_smaller_than_the_dates_wins(caplog: pytest.LogCaptureFixture) -> None:
    # The dates say 9 days left; the portal says 7 days until deemed notified, so 6 to open it.
    unread = letter(notified_on=date(2026, 11, 21), remaining=7)
    deadlines = deadlines_for(unread, today=date(2026, 11, 26))

    assert deadlines.days_left == 6
    assert deadlines.open_by == date(2026, 12, 2)
    assert deadlines.deemed_notified_on == date(2026, 12, 3)
    assert "the portal's remaining time gives 6 day(s) left, the dates give 9" in caplog.text


def test_portal_count_larger_than_the_dates_loses(caplog: pytest.LogCaptureFixture) -> None:
    unread = letter(notified_on=date(2026, 11, 21), remaining=14)
    deadlines = deadlines_for(unread, today=date(2026, 11, 26))

    assert deadlines.days_left == 9
    assert deadlines.open_by == date(2026, 12, 5)
    assert "keeping the smaller" in caplog.text


def test_portal_count_that_agrees_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    deadlines_for(letter(notified_on=date(2026, 11, 21), remaining=10), today=date(2026, 11, 26))

    assert caplog.text == ""


def test_read_decision_gives_legal_aid_and_appeal_dates_from_its_first_opening() -> None:
    read = letter(notified_on=date(2026, 1, 20), read_on=date(2026, 1, 31))
    deadlines = deadlines_for(read, today=date(2026, 2, 1))

    assert deadlines.open_by is None
    assert deadlines.legally_notified_on == date(2026, 1, 31)
    # 15 days: Sunday 15 February, not carried; advised the working day before, Friday 13th.
    assert deadlines.legal_aid_deadline == date(2026, 2, 15)
    assert deadlines.legal_aid_by == date(2026, 2, 13)
    # One month from 31 January is 28 February, the délai franc ends the day after, Sunday
    # 1 March, carried to Monday 2 March; advised the working day before, Friday 27 February.
    assert deadlines.appeal_deadline == date(2026, 3, 2)
    assert deadlines.appeal_by == date(2026, 2, 27)


def test_unread_decision_has_no_appeal_date_until_it_is_opened_or_deemed_notified() -> None:
    unread = letter(notified_on=date(2026, 11, 21))

    assert deadlines_for(unread, today=date(2026, 11, 26)).appeal_by is None
    deemed = deadlines_for(unread, today=date(2026, 12, 6))
    assert deemed.legally_notified_on == date(2026, 12, 6)
    # 6 January 2027 + 1: Thursday 7 January.
    assert deemed.appeal_deadline == date(2027, 1, 7)
    assert deemed.appeal_by == date(2027, 1, 6)


@pytest.mark.parametrize(
    ("day", "month_later"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 15), date(2027, 1, 15)),
    ],
)
def test_add_one_month_clamps_to_the_months_end(day: date, month_later: date) -> None:
    assert add_one_month(day) == month_later
