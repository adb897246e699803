"""Dates of the table that cannot be right: a failed check, or a letter kept with a warning."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.deadlines import deadlines_for
from assistant.i18n import Translator
from assistant.plausibility import (
    NOTIFIED_BEFORE_PROVISION,
    OPENED_BEFORE_PROVISION,
    review_dates,
    warning_text,
)
from flows.models import LetterKind, PortalLetter

TODAY = date(2026, 12, 1)


def letter(
    made_available_on: date,
    notified_on: date | None = None,
    read_on: date | None = None,
    kind: LetterKind = LetterKind.DECISION,
) -> PortalLetter:
    return PortalLetter(
        id=f"{made_available_on.isoformat()}-{kind.value}",
        kind=kind,
        label="Décision",
        sender="OFPRA",
        made_available_on=made_available_on,
        notified_on=notified_on,
        read=read_on is not None,
        read_on=read_on,
        portal_remaining_days=None,
        portal_says_notified=False,
    )


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        # 12/03/2026 read the other way round: 12 March would have been fine, 3 December is not.
        pytest.param(
            letter(date(2026, 12, 3)),
            "letter 2026-12-03-decision was made available on 2026-12-03, after today",
            id="provided-after-today",
        ),
        pytest.param(
            letter(date(2026, 11, 20), read_on=date(2026, 12, 2)),
            "letter 2026-11-20-decision was opened on 2026-12-02, after today",
            id="opened-after-today",
        ),
        pytest.param(
            letter(date(2019, 11, 20)),
            "letter 2019-11-20-decision was made available on 2019-11-20, a year far off",
            id="provided-before-the-space-existed",
        ),
        pytest.param(
            letter(date(2026, 11, 20), notified_on=date(2028, 11, 20)),
            "letter 2026-11-20-decision was notified on 2028-11-20, a year far off",
            id="notified-two-years-ahead",
        ),
        pytest.param(
            letter(date(2026, 11, 20), read_on=date(2016, 11, 20)),
            "letter 2026-11-20-decision was opened on 2016-11-20, a year far off",
            id="opened-in-2016",
        ),
    ],
)
def test_dates_that_cannot_be_right_fail_the_check_as_page_not_recognised(
    bad: PortalLetter, why: str
) -> None:
    fine = letter(date(2026, 11, 2), read_on=date(2026, 11, 3), kind=LetterKind.CONVOCATION)

    review = review_dates([fine, bad], TODAY)

    assert review.error is not None
    assert review.error.code == "page_not_recognised"
    assert review.error.message == (
        f"The documents table shows a date that cannot be right ({why}): the assistant may be "
        "reading the portal's dates in the wrong format, or this computer's date is wrong. No "
        "letter is reported until the dates can be trusted: check your account on the portal "
        "yourself, and report this page."
    )


def test_a_notification_date_after_today_is_plausible_and_the_window_starts_on_provision() -> None:
    # The cell may show the day an unread letter will count as notified.
    unread = letter(date(2026, 11, 25), notified_on=date(2026, 12, 10))

    review = review_dates([unread], TODAY)

    assert review.error is None
    assert review.warnings_for(unread) == ()
    assert deadlines_for(unread, TODAY).open_by == date(2026, 12, 9)


def test_a_letter_provided_today_and_one_from_the_spaces_first_day_are_plausible() -> None:
    letters = [letter(TODAY), letter(date(2020, 7, 8), read_on=date(2020, 7, 9))]

    assert review_dates(letters, TODAY).error is None


def test_dates_out_of_order_keep_the_letter_with_a_warning_and_count_from_the_earlier() -> None:
    opened_early = letter(date(2026, 11, 20), read_on=date(2026, 11, 18))
    notified_early = letter(date(2026, 11, 21), notified_on=date(2026, 11, 19))
    both = letter(date(2026, 11, 22), notified_on=date(2026, 11, 17), read_on=date(2026, 11, 16))

    review = review_dates([opened_early, notified_early, both], TODAY)

    assert review.error is None
    assert review.warnings_for(opened_early) == (OPENED_BEFORE_PROVISION,)
    assert review.warnings_for(notified_early) == (NOTIFIED_BEFORE_PROVISION,)
    assert review.warnings_for(both) == (OPENED_BEFORE_PROVISION, NOTIFIED_BEFORE_PROVISION)
    # Notified on the day it was opened, 18 November; unread, the window starts on the 19th.
    assert deadlines_for(opened_early, TODAY).legally_notified_on == date(2026, 11, 18)
    assert deadlines_for(notified_early, TODAY).open_by == date(2026, 12, 3)


def test_warnings_say_both_dates_in_the_persons_language() -> None:
    opened_early = letter(date(2026, 11, 20), read_on=date(2026, 11, 18))
    notified_early = letter(date(2026, 11, 21), notified_on=date(2026, 11, 19))

    assert warning_text(OPENED_BEFORE_PROVISION, opened_early, Translator("en")) == (
        "The table says this letter was opened on November 18, 2026, before it was made "
        "available on November 20, 2026: check these dates on the OFPRA website. The "
        "assistant counts from the earlier date."
    )
    french = warning_text(NOTIFIED_BEFORE_PROVISION, notified_early, Translator("fr"))
    assert "19 novembre 2026" in french and "21 novembre 2026" in french
