"""The hour a date cell shows (R531-17) never moves a deadline: the days are counted from the
date in the Paris calendar, whatever the hour, even one that is the next day in UTC."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from assistant.deadlines import deadlines_for
from assistant.results import LetterReport
from flows.models import LetterKind, PortalLetter

PARIS_WINTER = timezone(timedelta(hours=1))

# An unread decision made available on Sunday 29 November 2026 (expected dates by hand).
DECISION = PortalLetter(
    id="2026-11-29-decision",
    kind=LetterKind.DECISION,
    label="Décision",
    sender="OFPRA",
    made_available_on=date(2026, 11, 29),
    notified_on=None,
    read=False,
    read_on=None,
    portal_remaining_days=None,
    portal_says_notified=False,
)


def test_an_hour_late_in_the_evening_counts_from_its_paris_date() -> None:
    # 00:05 on the 29th in Paris is still the 28th in UTC: the day counted is the Paris one.
    for at in (
        datetime(2026, 11, 29, 23, 58, tzinfo=PARIS_WINTER),
        datetime(2026, 11, 29, 0, 5, tzinfo=PARIS_WINTER),
        None,
    ):
        deadlines = deadlines_for(replace(DECISION, made_available_at=at), date(2026, 12, 1))
        assert (deadlines.open_by, deadlines.deemed_notified_on, deadlines.days_left) == (
            date(2026, 12, 13),
            date(2026, 12, 14),
            12,
        )


def test_an_opened_decision_is_notified_on_its_date_whatever_the_hour() -> None:
    opened = replace(
        DECISION,
        read=True,
        read_on=date(2026, 12, 3),
        read_at=datetime(2026, 12, 3, 23, 59, 59, tzinfo=PARIS_WINTER),
        made_available_at=datetime(2026, 11, 29, 11, 58, tzinfo=PARIS_WINTER),
    )
    deadlines = deadlines_for(opened, date(2026, 12, 4))

    assert deadlines.legally_notified_on == date(2026, 12, 3)
    # Legal aid: notified + 15 = 18 December; appeal: 3 January 2027 + 1 = Monday 4 January.
    assert (deadlines.legal_aid_deadline, deadlines.appeal_deadline) == (
        date(2026, 12, 18),
        date(2027, 1, 4),
    )
    as_json = LetterReport(opened, deadlines, new=False).to_json()
    assert (as_json["made_available_at"], as_json["read_at"]) == (
        "2026-11-29T11:58:00+01:00",
        "2026-12-03T23:59:59+01:00",
    )
    assert (as_json["made_available_on"], as_json["read_on"]) == ("2026-11-29", "2026-12-03")
