"""The state file's additions for the agent: notices sent, automated checks, credentials updates."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.profiles import set_up_profile
from assistant.state import SCHEMA_VERSION, CheckRecord, StateStore
from fixtures.memory_credentials import MemoryCredentialStore

NOW = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)

# The state file as version 1 of the assistant wrote it.
VERSION_1 = """
CREATE TABLE profiles (name TEXT PRIMARY KEY, portal_url TEXT NOT NULL, language TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE checks (id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT NOT NULL
    REFERENCES profiles(name) ON DELETE CASCADE, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, ok INTEGER NOT NULL, error_code TEXT, letters INTEGER,
    new_letters INTEGER, unread_notified INTEGER);
INSERT INTO profiles VALUES ('amina', 'https://x/login', 'fr', '2026-11-01T10:00:00+00:00');
INSERT INTO checks (profile, started_at, finished_at, ok) VALUES
    ('amina', '2026-11-20T10:00:00+00:00', '2026-11-20T10:01:00+00:00', 1);
PRAGMA user_version = 1;
"""


def test_a_version_1_state_file_gains_the_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(VERSION_1)

    state = StateStore(path)

    profile = state.profile("amina")
    assert profile is not None and profile.credentials_updated_at is None
    [check] = state.checks("amina")
    assert (check.ok, check.automated) == (True, False)
    assert state.notices_sent("amina") == set()
    state.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    StateStore(path).close()  # opening it again changes nothing


def test_a_notice_is_recorded_once_and_forgotten_with_its_profile(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("amina", "https://x/login", "fr", NOW)

    assert state.record_notice("amina", "reminder:x:2026-12-02:D-7", "reminder", NOW) is True
    assert state.record_notice("amina", "reminder:x:2026-12-02:D-7", "reminder", NOW) is False
    assert state.notices_sent("amina") == {"reminder:x:2026-12-02:D-7"}

    state.remove_profile("amina")
    assert state.notices_sent("amina") == set()
    state.close()


def test_a_check_records_whether_the_agent_ran_it(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("amina", "https://x/login", "fr", NOW)
    state.record_check("amina", CheckRecord(NOW, NOW, True, None, 0, 0, 0))
    later = NOW + timedelta(hours=1)
    state.record_check("amina", CheckRecord(later, later, True, None, 0, 0, 0, automated=True))

    assert [c.automated for c in state.checks("amina")] == [True, False]
    state.close()


def test_setup_records_when_the_credentials_were_stored(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.sqlite3")
    credentials = MemoryCredentialStore()
    for when in (NOW, NOW + timedelta(days=3)):
        set_up_profile(
            state,
            credentials,
            profile="amina",
            portal_url="https://portal.example/ofpra/user/login",
            language="fr",
            identifier="1234561552",
            password="secret",
            consent=make_consent("Amina", "holder", "fr", when),
            now=when,
            # The second time, the same account: its profile is kept, with a new date.
            replace=when != NOW,
        )

    profile = state.profile("amina")
    assert profile is not None
    assert profile.created_at == NOW
    assert profile.credentials_updated_at == NOW + timedelta(days=3)
    assert credentials.load("amina") == Credentials("1234561552", "secret")
    state.close()
