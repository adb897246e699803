"""The state file's additions for the agent: notices sent, automated checks, credentials updates."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.profiles import set_up_profile
from assistant.state import SCHEMA_VERSION, CheckRecord, StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from flows.models import LetterKind, PortalLetter

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
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    StateStore(path).close()  # opening it again changes nothing


# The letters table as version 3 wrote it (before the hours), with a letter it had seen.
VERSION_3_LETTERS = """
CREATE TABLE profiles (name TEXT PRIMARY KEY, portal_url TEXT NOT NULL, language TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE letters (profile TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
    id TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL, made_available_on TEXT NOT NULL,
    notified_on TEXT, read INTEGER NOT NULL, read_on TEXT, portal_remaining_days INTEGER,
    portal_says_notified INTEGER NOT NULL, first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL, PRIMARY KEY (profile, id));
INSERT INTO profiles VALUES ('amina', 'https://x/login', 'fr', '2026-11-01T10:00:00+00:00');
INSERT INTO letters VALUES ('amina', '2026-11-20-decision', 'decision', 'Décision',
    '2026-11-20', NULL, 0, NULL, 9, 0, '2026-11-20T10:00:00+00:00', '2026-11-20T10:00:00+00:00');
PRAGMA user_version = 3;
"""
PARIS_WINTER = timezone(timedelta(hours=1))


def test_a_version_3_state_file_keeps_its_letters_and_then_their_hours(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(VERSION_3_LETTERS)

    state = StateStore(path)

    [old] = state.letters("amina")
    assert (old.letter.id, old.letter.made_available_on) == (
        "2026-11-20-decision",
        date(2026, 11, 20),
    )
    assert (old.letter.made_available_at, old.letter.read_at) == (None, None)
    # The same letter read again, now with the hours the portal shows, and a new one.
    seen = PortalLetter(
        id="2026-11-20-decision",
        kind=LetterKind.DECISION,
        label="Décision",
        sender="OFPRA",
        made_available_on=date(2026, 11, 20),
        notified_on=None,
        read=True,
        read_on=date(2026, 11, 29),
        portal_remaining_days=None,
        portal_says_notified=True,
        made_available_at=datetime(2026, 11, 20, 11, 58, tzinfo=PARIS_WINTER),
        read_at=datetime(2026, 11, 29, 8, 2, 7, tzinfo=PARIS_WINTER),
    )
    assert state.merge_letters("amina", [seen], NOW) == set()
    state.close()

    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
        stored = db.execute("SELECT made_available_at, read_at FROM letters").fetchone()
    assert stored == ("2026-11-20T11:58:00+01:00", "2026-11-29T08:02:07+01:00")
    state = StateStore(path)
    [again] = state.letters("amina")
    assert again.letter.made_available_at == datetime(2026, 11, 20, 11, 58, tzinfo=PARIS_WINTER)
    assert again.letter.read_at == datetime(2026, 11, 29, 8, 2, 7, tzinfo=PARIS_WINTER)
    assert again.letter.read_on == date(2026, 11, 29)
    state.close()


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


def test_a_repaired_state_keeps_the_portals_shape_and_the_jitter_seed(tmp_path: Path) -> None:
    from assistant.portal_memory import PortalMemory
    from flows.completeness import PortalShape

    path = tmp_path / "state.sqlite3"
    store = StateStore(path)
    now = datetime(2026, 11, 2, 10, tzinfo=UTC)
    store.save_profile("p1", "https://portal.example/ofpra/user/login", "fr", now)
    store.record_check("p1", CheckRecord(now, now, True, None, 2, 0, 0))
    profile = store.profile("p1")
    assert profile is not None
    shape = PortalShape(True, True, 20, ("2026-10-01:decision", "2026-09-01:convocation"))
    PortalMemory(store, profile).remember(shape, now + timedelta(minutes=1))
    store.set_meta_once("jitter_seed", "seed-1234")
    store.close()
    with sqlite3.connect(path) as db:
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'checks'").fetchone()
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as file:  # the checks' page overwritten: the rest is readable
        file.seek((root - 1) * page_size)
        file.write(b"\xde\xad" * (page_size // 2))

    repaired = StateStore.open(path)

    assert repaired.recovered_from is not None
    kept = repaired.profile("p1")
    assert kept is not None
    assert PortalMemory(repaired, kept).last_seen() == shape
    assert repaired.meta("jitter_seed") == "seed-1234"


def test_each_thread_reads_the_store_through_its_own_connection(tmp_path: Path) -> None:
    import threading

    store = StateStore(tmp_path / "state.sqlite3")
    now = datetime(2026, 11, 2, 10, tzinfo=UTC)
    store.save_profile("p1", "https://portal.example/ofpra/user/login", "fr", now)
    seen: list[object] = []

    with store.transaction():
        store.save_profile("p2", "https://portal.example/ofpra/user/login", "fr", now)
        # Another thread does not join this transaction: it sees only what is committed.
        worker = threading.Thread(target=lambda: seen.extend(p.name for p in store.profiles()))
        worker.start()
        worker.join()

    assert seen == ["p1"]
    assert [p.name for p in store.profiles()] == ["p1", "p2"]
    store.close()
