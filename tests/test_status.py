"""``status`` from the state alone: the last and next check, deadlines, reminders and alarms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.cli_output import render_status
from assistant.consent import make_consent
from assistant.deadlines import PARIS
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher, ConsoleNotifier
from assistant.runner import Environment
from assistant.settings import Paths, Settings
from assistant.state import CheckRecord, StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from flows.models import LetterKind, PortalLetter
from tests.conftest import FakeClock

SETUP = datetime(2026, 11, 2, 10, 0, tzinfo=PARIS)


def paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Environment]:
    import io

    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("amina", "https://portal.example/ofpra/user/login", "en", SETUP)
    state.mark_credentials_updated("amina", SETUP)
    state.record_consent("amina", make_consent("Amina", "holder", "en", SETUP))
    yield Environment(
        settings=Settings(),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([ConsoleNotifier(io.StringIO())]),
        clock=FakeClock(SETUP),
    )
    state.close()


def record(env: Environment, when: datetime, code: str | None = None) -> None:
    env.state.record_check(
        "amina", CheckRecord(when, when, code is None, code, None, None, None, True)
    )


def statuses(env: Environment, tmp_path: Path) -> list[dict[str, Any]]:
    from assistant.status import profile_statuses

    return profile_statuses(env, Paths(tmp_path, tmp_path))


def test_status_shows_the_next_daily_check_and_the_next_reminder(
    env: Environment, tmp_path: Path
) -> None:
    seen = paris(date(2026, 11, 24), 8)
    letter = PortalLetter(
        "2026-11-18-decision",
        LetterKind.DECISION,
        "Décision",
        "OFPRA",
        date(2026, 11, 18),
        date(2026, 11, 18),
        False,
        None,
        None,
        False,
    )
    env.state.merge_letters("amina", [letter], seen)
    record(env, seen)
    env.state.record_notice("amina", "reminder:2026-11-18-decision:2026-12-02:D-10", "r", seen)
    env.clock = FakeClock(seen + timedelta(hours=2))

    [status] = statuses(env, tmp_path)

    assert status["next_check_due"] == paris(date(2026, 11, 25), 9).isoformat()
    assert status["next_check_reason"] == "daily"
    assert status["alarms"] == []
    [waiting] = status["letters_waiting"]
    assert waiting["open_by"] == "2026-12-02"
    assert waiting["days_left"] == 8
    assert waiting["next_reminder_on"] == "2026-11-25"
    text = render_status(Paths(tmp_path, tmp_path), [status], Translator("en"), False)
    assert "(daily, while a letter waits to be opened)" in text
    assert "next reminder: November 25, 2026" in text
    assert "open it by December 2, 2026 (8 days left)" in text
    assert "Agent: not running" in text


def test_status_shows_a_paused_profile_and_the_alarm(env: Environment, tmp_path: Path) -> None:
    record(env, paris(date(2026, 12, 19), 9))
    refused = paris(date(2026, 12, 26), 9)
    record(env, refused, "login_rejected")
    env.clock = FakeClock(paris(date(2026, 12, 28), 12))

    [status] = statuses(env, tmp_path)

    assert status["next_check_due"] is None
    assert status["next_check_reason"] == "paused"
    assert status["alarms"] == [
        {"kind": "paused", "error_code": "login_rejected", "since": refused.isoformat()},
        {"kind": "not_checked", "since": paris(date(2026, 12, 19), 9).isoformat()},
    ]
    text = render_status(Paths(tmp_path, tmp_path), [status], Translator("en"), True)
    assert "Agent: running" in text
    assert "next check: none, automatic checks are paused" in text
    assert "PAUSED since" in text and "(login_rejected)" in text
    assert "'ofpra-assistant setup --profile amina --replace' again" in text
    assert "ALARM: no successful check since" in text
    assert "check your account yourself or go to your SPADA" in text


def test_status_says_its_times_in_paris_time(env: Environment, tmp_path: Path) -> None:
    from datetime import UTC

    checked = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # the 9:00 check, in Paris
    record(env, checked)
    env.clock = FakeClock(checked + timedelta(hours=1))

    [status] = statuses(env, tmp_path)
    text = render_status(Paths(tmp_path, tmp_path), [status], Translator("en"), False)
    french = render_status(Paths(tmp_path, tmp_path), [status], Translator("fr"), False)

    assert "  last check: November 24, 2026, 9:00, Paris time, ok" in text.splitlines()
    assert "consent: given by Amina (account holder) on November 2, 2026, 10:00, Paris time" in text
    assert "UTC" not in text and "08:00" not in text
    assert "24 novembre 2026, 9:00, heure de Paris" in french


def test_status_shows_an_unread_letter_of_an_unknown_kind(env: Environment, tmp_path: Path) -> None:
    seen = paris(date(2026, 11, 24), 9)
    request = PortalLetter(
        "2026-11-20-other",
        LetterKind.OTHER,
        "Demande de pièces complémentaires",
        "OFPRA",
        date(2026, 11, 20),
        None,
        False,
        None,
        None,
        False,
    )
    env.state.merge_letters("amina", [request], seen)
    record(env, seen)
    env.clock = FakeClock(seen + timedelta(hours=1))

    [status] = statuses(env, tmp_path)

    assert status["letters_waiting"] == []
    assert status["letters_of_unknown_kind"] == [
        {
            "id": "2026-11-20-other",
            "label": "Demande de pièces complémentaires",
            "made_available_on": "2026-11-20",
        }
    ]
    text = render_status(Paths(tmp_path, tmp_path), [status], Translator("en"), False)
    assert (
        "  waiting: Demande de pièces complémentaires (made available November 20, 2026): a "
        "letter the assistant does not know: open it soon, it may have a deadline"
    ) in text.splitlines()
