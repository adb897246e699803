"""The days to remember, as an iCalendar file (RFC 5545) the person can import and keep.

For each unread notified letter: the last day to open it, and the day it counts as received;
for a decision whose notification date is known: the law's last days to ask for legal aid and to
appeal, if it is negative (the description gives the advised day before each, as the alerts
do). Each day is an all-day event with two alarms (at 09:00 Paris time, three days before and
the day before: absolute times, since readers disagree on what a relative trigger means on an
all-day event), in the person's language. UIDs come from the profile and
the letter, and DTSTAMP from when the letter was last read, so the same state always writes the
same file, and importing it again updates the events rather than adding copies.

Like a remote message, the file may be sent (``channel send-calendar``): it names the kind of
letter and its dates, never the portal's own label, the identifier or the person's name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from assistant.alerts import KIND_NAMES, decision_dates, decision_rule
from assistant.deadlines import PARIS, LetterDeadlines, deadlines_as_of, paris_today
from assistant.i18n import Translator
from assistant.private_files import write_private_file
from assistant.settings import private_folder
from assistant.state import SeenLetter, StateStore
from flows.models import LetterKind, PortalLetter

PRODID = "-//ofpra-assistant//calendar of the OFPRA deadlines//EN"
#: Days before the day, at ALARM_TIME in Paris.
ALARM_DAYS_BEFORE = (3, 1)
ALARM_TIME = time(9, 0)


@dataclass(frozen=True)
class Day:
    """One day to remember, about one letter."""

    what: str  # open_by, deemed_notified_on, legal_aid_deadline, appeal_deadline
    day: date
    letter: PortalLetter
    stamp: datetime
    deadlines: LetterDeadlines


def days_to_remember(
    letters: Iterable[tuple[PortalLetter, LetterDeadlines, datetime]],
) -> list[Day]:
    """The days of each letter, from its deadlines (as the check computes them)."""
    days = []
    for letter, deadlines, stamp in letters:
        found = {}
        if deadlines.notified_letter and not letter.read:
            found["open_by"] = deadlines.open_by
            found["deemed_notified_on"] = deadlines.deemed_notified_on
        found["legal_aid_deadline"] = deadlines.legal_aid_deadline
        found["appeal_deadline"] = deadlines.appeal_deadline
        days += [
            Day(what, day, letter, stamp, deadlines)
            for what, day in found.items()
            if day is not None
        ]
    return sorted(days, key=lambda d: (d.day, d.letter.id, d.what))


def stored_days(state: StateStore, profile: str, now: datetime) -> list[Day]:
    """The days from what the last check read, counted as the check counted them."""
    today = paris_today(now)
    return days_to_remember(
        (seen.letter, _deadlines(seen, today), seen.last_seen_at) for seen in state.letters(profile)
    )


def _deadlines(seen: SeenLetter, today: date) -> LetterDeadlines:
    return deadlines_as_of(seen.letter, paris_today(seen.last_seen_at), today)


def build_calendar(days: list[Day], profile: str, portal_url: str, t: Translator) -> bytes:
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", t._("OFPRA deadlines"))
    for day in days:
        summary, description = _words(day, t)
        description += "\n" + t._("Open your OFPRA account: {url}", url=portal_url)
        event = Event()
        event.add("uid", _uid(portal_url, profile, day))
        event.add("dtstamp", day.stamp.astimezone(UTC))
        event.add("dtstart", day.day)
        event.add("dtend", day.day + timedelta(days=1))
        event.add("summary", t.paragraph(summary))
        event.add("description", t.paragraph(description))
        event.add("url", portal_url)
        event.add("transp", "TRANSPARENT")
        for before in ALARM_DAYS_BEFORE:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", t.paragraph(summary))
            alarm.add("trigger", alarm_time(day.day, before))
            event.add_component(alarm)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def alarm_time(day: date, days_before: int) -> datetime:
    return datetime.combine(day - timedelta(days=days_before), ALARM_TIME, PARIS).astimezone(UTC)


def _uid(portal_url: str, profile: str, day: Day) -> str:
    """The same letter's same day has the same UID in every file: a new import updates it."""
    key = "\n".join((portal_url, profile, day.letter.id, day.what))
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "@ofpra-assistant"


def _words(day: Day, t: Translator) -> tuple[str, str]:
    kind = day.letter.kind
    name = t._(KIND_NAMES[kind]) if kind in KIND_NAMES else t._("Letter")
    # A decision's days said as the alerts say them (they are not legal advice, and say so).
    decision = (
        (decision_dates(day.deadlines, t) or decision_rule(t))
        if kind is (LetterKind.DECISION)
        else ""
    )
    if day.what == "open_by":
        description = t._("Open it on the OFPRA website by this day.")
        if day.deadlines.deemed_notified_on is not None:
            description += " " + t._(
                "If it is not opened, it counts as received on {date}.",
                date=t.date(day.deadlines.deemed_notified_on),
            )
        title = t._("Last day to open the OFPRA letter: {kind}", kind=name)
        return title, f"{description} {decision}".strip()
    if day.what == "deemed_notified_on":
        description = t._(
            "If it is still not opened, from this day it counts as received, and its "
            "deadlines run: ask your SPADA."
        )
        title = t._("The OFPRA letter counts as received: {kind}", kind=name)
        return title, f"{description} {decision}".strip()
    assert kind is LetterKind.DECISION
    if day.what == "legal_aid_deadline":
        return t._("If the decision is negative: last day to ask for a free lawyer"), decision
    return t._("If the decision is negative: last day to appeal to the CNDA"), decision


def calendar_path(data_dir: Path, profile: str) -> Path:
    return data_dir / "calendars" / f"{profile}.ics"


def home_calendar_path(data_dir: Path, profile: str) -> Path:
    """Where the home folder keeps the profile's calendar, its folder made or checked as every
    folder of the home is: the owner's only, and never a link (``UnsafeFolderError``)."""
    path = calendar_path(data_dir, profile)
    private_folder(path.parent)
    return path


def write_calendar(path: Path, content: bytes) -> bool:
    """Write the file for its owner only, replacing the old one at once; False if unchanged."""
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_file(path, content)
    return True


def refresh_calendar(
    state: StateStore, data_dir: Path, profile: str, now: datetime
) -> tuple[Path, int] | None:
    """The agent's copy in the home folder, brought up to date; None for an unknown profile."""
    stored = state.profile(profile)
    if stored is None:
        return None
    days = stored_days(state, profile, now)
    content = build_calendar(days, profile, stored.portal_url, Translator(stored.language))
    path = home_calendar_path(data_dir, profile)
    write_calendar(path, content)
    return path, len(days)
