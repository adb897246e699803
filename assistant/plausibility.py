"""Dates read from the portal that cannot be right are never used silently.

The French UI's date format is unverified (PORTAL.md): a day/month swap or a misread year gives
dates that look fine one by one. Two kinds of doubt, two answers (the README says why):

- a date that proves the dates are misread (a letter made available or opened after today, a
  year before the personal space existed or far in the future) fails the check as
  ``page_not_recognised``: the letters could be later than they are, and a date too late can
  cost an appeal, so nothing is reported and the person is told to look at the portal;
- two dates of one letter in the wrong order (opened, or a notification date, before the
  provision date) keep the letter, with a warning: the deadlines already count from the earlier
  date, so they can only come out early, never late.

A notification date after today is plausible: it may be the day an unread letter will count as
notified, and the deadlines start from the provision date anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from assistant.errors import N_, PageNotRecognisedError
from assistant.i18n import Translator
from flows.models import PortalLetter

log = logging.getLogger(__name__)

#: The arrêté of 8 July 2020 created the personal space: no letter can be older.
EARLIEST_PLAUSIBLE = date(2020, 7, 8)
#: How far after today a notification date may be before its year is taken as misread.
LATEST_AHEAD = timedelta(days=366)

OPENED_BEFORE_PROVISION = "opened_before_provision"
NOTIFIED_BEFORE_PROVISION = "notified_before_provision"


@dataclass(frozen=True)
class DateReview:
    """What the dates of one reading of the table are worth."""

    #: Set when the dates cannot be trusted: the check fails with it.
    error: PageNotRecognisedError | None = None
    #: Warnings (codes) of the letters kept, by letter id.
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def warnings_for(self, letter: PortalLetter) -> tuple[str, ...]:
        return self.warnings.get(letter.id, ())


def review_dates(letters: list[PortalLetter], today: date) -> DateReview:
    warnings: dict[str, tuple[str, ...]] = {}
    for letter in letters:
        why = _impossible(letter, today)
        if why is not None:
            return DateReview(error=_misread(why))
        found = _out_of_order(letter)
        if found:
            log.warning("letter %s: dates out of order: %s", letter.id, ", ".join(found))
            warnings[letter.id] = found
    return DateReview(warnings=warnings)


def warning_text(code: str, letter: PortalLetter, t: Translator) -> str:
    """The warning in the person's language, with the two dates it is about."""
    provided = t.date(letter.made_available_on)
    if code == OPENED_BEFORE_PROVISION and letter.read_on is not None:
        return t._(
            "The table says this letter was opened on {opened}, before it was made available "
            "on {provided}: check these dates on the OFPRA website. The assistant counts from "
            "the earlier date.",
            opened=t.date(letter.read_on),
            provided=provided,
        )
    assert letter.notified_on is not None
    return t._(
        "The table shows a notification date, {notified}, before the day this letter was made "
        "available, {provided}: check these dates on the OFPRA website. The assistant counts "
        "from the earlier date.",
        notified=t.date(letter.notified_on),
        provided=provided,
    )


def _impossible(letter: PortalLetter, today: date) -> str | None:
    """Why a date of this letter shows the table's dates are misread (English, technical)."""
    if letter.made_available_on > today:
        return f"letter {letter.id} was made available on {letter.made_available_on}, after today"
    if letter.read_on is not None and letter.read_on > today:
        return f"letter {letter.id} was opened on {letter.read_on}, after today"
    for name, day in (
        ("made available", letter.made_available_on),
        ("notified", letter.notified_on),
        ("opened", letter.read_on),
    ):
        if day is not None and not EARLIEST_PLAUSIBLE <= day <= today + LATEST_AHEAD:
            return f"letter {letter.id} was {name} on {day}, a year far off"
    return None


def _out_of_order(letter: PortalLetter) -> tuple[str, ...]:
    found = []
    if letter.read_on is not None and letter.read_on < letter.made_available_on:
        found.append(OPENED_BEFORE_PROVISION)
    if letter.notified_on is not None and letter.notified_on < letter.made_available_on:
        found.append(NOTIFIED_BEFORE_PROVISION)
    return tuple(found)


def _misread(why: str) -> PageNotRecognisedError:
    # ``why`` is a technical detail for whoever reads the report; it stays in English.
    return PageNotRecognisedError(
        N_(
            "The documents table shows a date that cannot be right ({why}): the assistant may "
            "be reading the portal's dates in the wrong format, or this computer's date is "
            "wrong. No letter is reported until the dates can be trusted: check your account "
            "on the portal yourself, and report this page."
        ),
        why=why,
    )
