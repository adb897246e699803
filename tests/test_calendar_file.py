"""The calendar file: read back with icalendar and with a second reader (recurring-ical-events),
its dates those of the check, its alarms, its words in the person's language, and stable when
imported again."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events

from assistant.calendar_file import (
    Day,
    build_calendar,
    calendar_path,
    days_to_remember,
    refresh_calendar,
    write_calendar,
)
from assistant.deadlines import PARIS, deadlines_for
from assistant.i18n import Translator
from assistant.state import StateStore
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from flows.models import LetterKind, PortalLetter
from tests.conftest import NOW, TODAY, assistant_env

PORTAL = "https://www.usager.ofpra.gov.fr/ofpra/user/login"
SEEN_AT = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


def letter(kind: LetterKind, made_available_on: date, read_on: date | None = None) -> PortalLetter:
    return PortalLetter(
        id=f"{kind.value}-{made_available_on.isoformat()}",
        kind=kind,
        label="Label from the portal, Amina Leakcheck",
        sender="OFPRA",
        made_available_on=made_available_on,
        notified_on=None,
        read=read_on is not None,
        read_on=read_on,
        portal_remaining_days=None,
        portal_says_notified=False,
    )


#: Unread, made available 21 November: open by 5 December, counts as received on 6 December.
DECISION = letter(LetterKind.DECISION, date(2026, 11, 21))
#: Unread, made available 14 November: open by 28 November, received 29 November.
SUMMONS = letter(LetterKind.CONVOCATION, date(2026, 11, 14))
#: Opened on 20 November: its legal-aid and appeal days are known.
OPENED_DECISION = letter(LetterKind.DECISION, date(2026, 11, 18), read_on=date(2026, 11, 20))
#: An information letter: no day to remember.
SIX_MONTHS = letter(LetterKind.SIX_MONTHS, date(2026, 11, 25))


def days_of(*letters: PortalLetter) -> list[Day]:
    return days_to_remember((item, deadlines_for(item, TODAY), SEEN_AT) for item in letters)


def parsed(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def events_by_day(calendar: icalendar.Calendar) -> dict[date, str]:
    return {e.decoded("dtstart"): str(e["summary"]) for e in calendar.walk("VEVENT")}


def test_an_unread_notified_letter_gives_its_open_by_and_received_days_in_its_language() -> None:
    content = build_calendar(days_of(DECISION, SIX_MONTHS), "p1", PORTAL, Translator("fr"))

    calendar = parsed(content)
    assert events_by_day(calendar) == {
        date(2026, 12, 5): "Dernier jour pour ouvrir le courrier de l'OFPRA : Décision",
        date(2026, 12, 6): "Le courrier de l'OFPRA compte comme reçu : Décision",
    }
    first = calendar.walk("VEVENT")[0]
    assert first.decoded("dtend") == date(2026, 12, 6), "an all-day event"
    assert "6 décembre 2026" in str(first["description"])
    assert PORTAL in str(first["description"]) and str(first["url"]) == PORTAL
    assert str(calendar["x-wr-calname"]) == "Délais OFPRA"
    # Neither the portal's label nor anything in it: the file may be sent by e-mail.
    assert b"Leakcheck" not in content and b"Label from the portal" not in content


def test_alarms_ring_at_nine_in_paris_three_days_and_one_day_before() -> None:
    calendar = parsed(build_calendar(days_of(SUMMONS), "p1", PORTAL, Translator("en")))

    open_by = calendar.walk("VEVENT")[0]
    assert open_by.decoded("dtstart") == date(2026, 11, 28)
    triggers = [alarm.decoded("trigger") for alarm in open_by.walk("VALARM")]
    assert triggers == [
        datetime(2026, 11, 25, 9, 0, tzinfo=PARIS),
        datetime(2026, 11, 27, 9, 0, tzinfo=PARIS),
    ]
    assert all(str(a["action"]) == "DISPLAY" for a in open_by.walk("VALARM"))


def test_an_opened_decision_gives_the_legal_aid_and_appeal_days_of_the_check() -> None:
    calendar = parsed(build_calendar(days_of(OPENED_DECISION), "p1", PORTAL, Translator("en")))

    # Opened on Friday 20 November 2026: notified that day. Legal aid: 20 + 15 = Saturday
    # 5 December, never carried. Appeal: a délai franc, 20 December + 1 = Monday 21 December.
    assert events_by_day(calendar) == {
        date(2026, 12, 5): "If the decision is negative: last day to ask for a free lawyer",
        date(2026, 12, 21): "If the decision is negative: last day to appeal to the CNDA",
    }
    aid, appeal = calendar.walk("VEVENT")
    # The advised days, as the alerts give them (the last working day before each), and that it
    # is not legal advice.
    assert "by December 4, 2026" in str(aid["description"])
    assert "by December 18, 2026" in str(appeal["description"])
    assert "This is not legal advice" in str(aid["description"])


def test_a_second_reader_finds_the_same_days_and_alarms() -> None:
    content = build_calendar(days_of(DECISION, SUMMONS), "p1", PORTAL, Translator("ar"))
    calendar = parsed(content)

    query = recurring_ical_events.of(calendar)
    found = sorted(e.decoded("dtstart") for e in query.between(date(2026, 11, 1), date(2027, 1, 1)))
    alarms = recurring_ical_events.of(calendar, components=["VALARM"])
    rings = sorted(
        a.decoded("trigger")
        for e in alarms.between(date(2026, 11, 1), date(2027, 1, 1))
        for a in e.walk("VALARM")
    )

    assert found == [date(2026, 11, 28), date(2026, 11, 29), date(2026, 12, 5), date(2026, 12, 6)]
    assert len(rings) == 8
    assert rings[0] == datetime.combine(date(2026, 11, 25), time(9), PARIS)
    assert query.at(date(2026, 12, 6))[0]["summary"].startswith("\u200f")


def test_the_same_state_writes_the_same_file_and_a_new_import_updates_rather_than_duplicates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "calendars" / "p1.ics"
    first = build_calendar(days_of(DECISION, SUMMONS), "p1", PORTAL, Translator("en"))
    assert write_calendar(path, first) is True
    assert (
        write_calendar(
            path, build_calendar(days_of(DECISION, SUMMONS), "p1", PORTAL, Translator("en"))
        )
        is False
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    # The summons is opened, a decision comes: the decision's events keep their UIDs.
    later = build_calendar(
        days_of(DECISION, replace(SUMMONS, read=True, read_on=date(2026, 11, 27))),
        "p1",
        PORTAL,
        Translator("en"),
    )
    before = {str(e["uid"]): e.decoded("dtstart") for e in parsed(first).walk("VEVENT")}
    after = {str(e["uid"]): e.decoded("dtstart") for e in parsed(later).walk("VEVENT")}
    assert len(before) == 4 and len(after) == 2
    assert after.items() <= before.items(), "same UID, same day: an import updates the event"
    imported = {**before, **after}
    assert len(imported) == 4, "importing twice adds no copy"
    other_profile = build_calendar(days_of(DECISION), "p2", PORTAL, Translator("en"))
    assert not {str(e["uid"]) for e in parsed(other_profile).walk("VEVENT")} & set(before)


def test_refresh_keeps_one_file_per_profile_in_the_home_folder(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("p1", PORTAL, "en", NOW)
    state.merge_letters("p1", [DECISION, SIX_MONTHS], NOW)

    done = refresh_calendar(state, tmp_path, "p1", NOW + timedelta(days=1))

    assert done == (calendar_path(tmp_path, "p1"), 2)
    calendar = parsed(done[0].read_bytes())
    assert sorted(events_by_day(calendar)) == [date(2026, 12, 5), date(2026, 12, 6)]
    assert refresh_calendar(state, tmp_path, "nobody", NOW) is None


@pytest.mark.parametrize("unsafe", ["link", "world-writable"])
def test_the_calendars_folder_gets_the_checks_of_every_folder_of_the_home(
    tmp_path: Path, unsafe: str
) -> None:
    from assistant.errors import ExitStatus, UnsafeFolderError, exit_status_of
    from assistant.profiles import forget_profile
    from assistant.settings import Paths
    from fixtures.memory_credentials import MemoryCredentialStore

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "p1.ics").write_text("not the assistant's")
    paths = Paths(home, home)
    paths.ensure()
    state = StateStore(paths.state_file)
    state.save_profile("p1", PORTAL, "en", NOW)
    state.merge_letters("p1", [DECISION], NOW)
    if unsafe == "link":
        (home / "calendars").symlink_to(elsewhere)
        says = "symbolic link"
    else:
        (home / "calendars").mkdir()
        (home / "calendars").chmod(0o777)
        says = "Every user of this computer can change"

    with pytest.raises(UnsafeFolderError, match=says) as refused:
        refresh_calendar(state, home, "p1", NOW)
    with pytest.raises(UnsafeFolderError, match=says):
        forget_profile(state, MemoryCredentialStore(), paths, "p1")

    assert exit_status_of(refused.value) is ExitStatus.UNSAFE_FOLDER
    assert int(ExitStatus.UNSAFE_FOLDER) == 23
    assert [p.name for p in elsewhere.iterdir()] == ["p1.ics"]
    assert (elsewhere / "p1.ics").read_text() == "not the assistant's"
    assert state.profile("p1") is not None, "refused before anything was removed"


def test_a_new_calendars_folder_is_its_owners_only(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("p1", PORTAL, "en", NOW)

    done = refresh_calendar(state, tmp_path, "p1", NOW)

    assert done is not None
    assert stat.S_IMODE((tmp_path / "calendars").stat().st_mode) == 0o700


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.desktop
@pytest.mark.browser
def test_the_calendar_command_writes_the_checks_dates_and_forget_removes_the_agents_copy(
    tmp_path: Path, desktop: DesktopSession
) -> None:
    home = tmp_path / "home"
    env = assistant_env(
        desktop, home, "ofpra-assistant-calendar-test", BROWSER__TIMEOUT_SECONDS="5"
    )
    with MockPortalServer("decision_9_days") as portal:
        setup = run_cli(
            env,
            "setup",
            "--no-check",
            "--portal-url",
            portal.login_url,
            "--identifier",
            "1234561552",
            "--password-stdin",
            "--consent",
            "Calendar Test",
            "--language",
            "en",
            stdin="Mock-Portal-2026!\n",
        )
        assert setup.returncode == 0, setup.stderr
        check = run_cli(env, "check", "--json")
    assert check.returncode == 0, check.stderr
    letters: list[dict[str, Any]] = json.loads(check.stdout)["letters"]
    output = tmp_path / "deadlines.ics"

    written = run_cli(env, "calendar", "--output", str(output))
    kept = run_cli(env, "calendar")

    assert written.returncode == 0, written.stderr
    # The scenario's decision, unread, was made available 5 days ago (the mock dates its letters
    # from today in Paris): open it by day 14, it counts as received on day 15.
    [decision] = letters
    made_available = date.fromisoformat(decision["made_available_on"])
    assert made_available == datetime.now(PARIS).date() - timedelta(days=5)
    expected = {
        (made_available + timedelta(days=14)).isoformat(),
        (made_available + timedelta(days=15)).isoformat(),
    }
    days = {e.decoded("dtstart").isoformat() for e in parsed(output.read_bytes()).walk("VEVENT")}
    assert days == expected
    assert f"{len(expected)} days to remember" in written.stdout
    copy = calendar_path(home, "default")
    assert kept.returncode == 0 and copy.read_bytes() == output.read_bytes()

    forgotten = run_cli(env, "forget", "--yes")
    assert forgotten.returncode == 0, forgotten.stderr
    assert not copy.exists()


class NoCheckRunner:
    """The agent's checks are not the point here: they find nothing new."""

    def __init__(self, env: object) -> None:
        self.delivered: list[Any] = []  # the agent reports the runner's deliveries

    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[Any]:
        return []


def test_the_agent_keeps_the_calendar_file_of_each_profile_up_to_date(tmp_path: Path) -> None:
    from assistant.agent import Agent
    from assistant.notifiers import AlertDispatcher, ConsoleNotifier
    from assistant.settings import Paths, Settings
    from fixtures.memory_credentials import MemoryCredentialStore

    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    state = StateStore(paths.state_file)
    for name in ("p1", "p2"):
        state.save_profile(name, PORTAL, "en", NOW)
    state.merge_letters("p1", [DECISION], NOW)
    state.close()
    agent = Agent(
        paths,
        Settings(),
        MemoryCredentialStore(),
        AlertDispatcher([ConsoleNotifier(sys.stderr)]),
        clock=lambda: NOW + timedelta(hours=1),
        runner_factory=NoCheckRunner,
    )

    report = agent.tick()

    assert not report.failed
    assert sorted(events_by_day(parsed(calendar_path(tmp_path, "p1").read_bytes()))) == [
        date(2026, 12, 5),
        date(2026, 12, 6),
    ]
    assert events_by_day(parsed(calendar_path(tmp_path, "p2").read_bytes())) == {}
