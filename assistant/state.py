"""The state file: profiles, consents, letters seen, checks made, notices sent (SQLite).

It keeps what the documents table shows (metadata), never a letter's contents, never a
password or an identifier.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flows.models import LetterKind, PortalLetter

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    name TEXT PRIMARY KEY,
    portal_url TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS consents (
    profile TEXT PRIMARY KEY REFERENCES profiles(name) ON DELETE CASCADE,
    given_by TEXT NOT NULL,
    role TEXT NOT NULL,
    text_version TEXT NOT NULL,
    language TEXT NOT NULL,
    given_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS letters (
    profile TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    made_available_on TEXT NOT NULL,
    notified_on TEXT,
    read INTEGER NOT NULL,
    read_on TEXT,
    portal_remaining_days INTEGER,
    portal_says_notified INTEGER NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    PRIMARY KEY (profile, id)
);
-- What the portal showed at the last complete reading (assistant/portal_memory.py).
CREATE TABLE IF NOT EXISTS portal_shapes (
    profile TEXT PRIMARY KEY REFERENCES profiles(name) ON DELETE CASCADE,
    counters_shown INTEGER NOT NULL,
    pager_shown INTEGER NOT NULL,
    page_size INTEGER,
    letters TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    error_code TEXT,
    letters INTEGER,
    new_letters INTEGER,
    unread_notified INTEGER
);
CREATE INDEX IF NOT EXISTS checks_by_profile ON checks (profile, finished_at);
CREATE TABLE IF NOT EXISTS notices_sent (
    profile TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (profile, key)
);
"""

# Columns added after version 1, added to an older state file when it is opened.
_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # When setup last stored the password: a profile paused by a refused login resumes after it.
    ("profiles", "credentials_updated_at", "TEXT"),
    # Whether the agent ran the check (its logins are limited) or a person did, with `check`.
    ("checks", "automated", "INTEGER NOT NULL DEFAULT 0"),
    # The account holder's name, also when a helper gave the consent for them (NULL: not asked).
    ("consents", "holder_name", "TEXT"),
)


@dataclass(frozen=True)
class Profile:
    name: str
    portal_url: str
    language: str
    created_at: datetime
    credentials_updated_at: datetime | None = None


@dataclass(frozen=True)
class Consent:
    given_by: str
    role: str
    text_version: str
    language: str
    given_at: datetime
    #: The account holder's name: given_by's own when role is "holder"; None in older records.
    holder_name: str | None = None


@dataclass(frozen=True)
class CheckRecord:
    started_at: datetime
    finished_at: datetime
    ok: bool
    error_code: str | None
    letters: int | None
    new_letters: int | None
    unread_notified: int | None
    #: Run by the agent rather than by hand.
    automated: bool = False


@dataclass(frozen=True)
class SeenLetter:
    """A letter as the last successful check saw it."""

    letter: PortalLetter
    first_seen_at: datetime
    last_seen_at: datetime


class StateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 before SQLite opens it, so it is never readable by others, even briefly.
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR))
        self._db = sqlite3.connect(path, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        # What is deleted (a forgotten profile) is overwritten, not left in free pages.
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        with self._db:
            self._db.executescript(_SCHEMA)
            for table, column, declaration in _ADDED_COLUMNS:
                columns = {r["name"] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db:
            yield self._db

    # Profiles ------------------------------------------------------------------------------

    def save_profile(self, name: str, portal_url: str, language: str, now: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO profiles (name, portal_url, language, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET portal_url = excluded.portal_url,"
                " language = excluded.language",
                (name, portal_url, language, now.isoformat()),
            )

    def mark_credentials_updated(self, name: str, now: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE profiles SET credentials_updated_at = ? WHERE name = ?",
                (now.isoformat(), name),
            )

    def profile(self, name: str) -> Profile | None:
        row = self._db.execute("SELECT * FROM profiles WHERE name = ?", (name,)).fetchone()
        return None if row is None else _profile(row)

    def profiles(self) -> list[Profile]:
        return [_profile(r) for r in self._db.execute("SELECT * FROM profiles ORDER BY name")]

    def remove_profile(self, name: str) -> dict[str, int]:
        """Delete the profile and everything recorded for it; count what went."""
        with self._transaction() as db:
            counts = {
                table: db.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE profile = ?", (name,)
                ).fetchone()[0]
                for table in ("letters", "checks", "consents")
            }
            counts["profiles"] = db.execute("DELETE FROM profiles WHERE name = ?", (name,)).rowcount
        # The write-ahead log still holds the old pages: write them back and empty it.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts

    # Consent -------------------------------------------------------------------------------

    def record_consent(self, profile: str, consent: Consent) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO consents (profile, given_by, role, text_version, language,"
                " given_at, holder_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    profile,
                    consent.given_by,
                    consent.role,
                    consent.text_version,
                    consent.language,
                    consent.given_at.isoformat(),
                    consent.holder_name,
                ),
            )

    def consent(self, profile: str) -> Consent | None:
        row = self._db.execute("SELECT * FROM consents WHERE profile = ?", (profile,)).fetchone()
        if row is None:
            return None
        return Consent(
            given_by=row["given_by"],
            role=row["role"],
            text_version=row["text_version"],
            language=row["language"],
            given_at=datetime.fromisoformat(row["given_at"]),
            holder_name=row["holder_name"],
        )

    # Letters -------------------------------------------------------------------------------

    def merge_letters(
        self, profile: str, letters: Iterable[PortalLetter], seen_at: datetime
    ) -> set[str]:
        """Record what the table showed; return the ids seen for the first time."""
        new: set[str] = set()
        with self._transaction() as db:
            known = {
                r[0] for r in db.execute("SELECT id FROM letters WHERE profile = ?", (profile,))
            }
            for letter in letters:
                if letter.id not in known:
                    new.add(letter.id)
                db.execute(
                    "INSERT INTO letters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(profile, id) DO UPDATE SET kind = excluded.kind,"
                    " label = excluded.label, notified_on = excluded.notified_on,"
                    " read = excluded.read, read_on = excluded.read_on,"
                    " portal_remaining_days = excluded.portal_remaining_days,"
                    " portal_says_notified = excluded.portal_says_notified,"
                    " last_seen_at = excluded.last_seen_at",
                    (
                        profile,
                        letter.id,
                        letter.kind.value,
                        letter.label,
                        letter.made_available_on.isoformat(),
                        _iso(letter.notified_on),
                        int(letter.read),
                        _iso(letter.read_on),
                        letter.portal_remaining_days,
                        int(letter.portal_says_notified),
                        seen_at.isoformat(),
                        seen_at.isoformat(),
                    ),
                )
        return new

    def letters(self, profile: str) -> list[SeenLetter]:
        rows = self._db.execute(
            "SELECT * FROM letters WHERE profile = ? ORDER BY made_available_on DESC, id",
            (profile,),
        )
        return [
            SeenLetter(
                letter=PortalLetter(
                    id=r["id"],
                    kind=LetterKind(r["kind"]),
                    label=r["label"],
                    sender=None,
                    made_available_on=date.fromisoformat(r["made_available_on"]),
                    notified_on=_date(r["notified_on"]),
                    read=bool(r["read"]),
                    read_on=_date(r["read_on"]),
                    portal_remaining_days=r["portal_remaining_days"],
                    portal_says_notified=bool(r["portal_says_notified"]),
                ),
                first_seen_at=datetime.fromisoformat(r["first_seen_at"]),
                last_seen_at=datetime.fromisoformat(r["last_seen_at"]),
            )
            for r in rows
        ]

    # Checks --------------------------------------------------------------------------------

    def record_check(self, profile: str, record: CheckRecord) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO checks (profile, started_at, finished_at, ok, error_code, letters,"
                " new_letters, unread_notified, automated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    profile,
                    record.started_at.isoformat(),
                    record.finished_at.isoformat(),
                    int(record.ok),
                    record.error_code,
                    record.letters,
                    record.new_letters,
                    record.unread_notified,
                    int(record.automated),
                ),
            )

    def checks(self, profile: str, limit: int = 50) -> list[CheckRecord]:
        """The most recent checks first."""
        rows = self._db.execute(
            "SELECT * FROM checks WHERE profile = ? ORDER BY finished_at DESC, id DESC LIMIT ?",
            (profile, limit),
        )
        return [_check(r) for r in rows]

    def last_successful_check(self, profile: str) -> CheckRecord | None:
        row = self._db.execute(
            "SELECT * FROM checks WHERE profile = ? AND ok = 1"
            " ORDER BY finished_at DESC, id DESC LIMIT 1",
            (profile,),
        ).fetchone()
        return None if row is None else _check(row)

    # Notices (reminders, alarms) -------------------------------------------------------------

    def record_notice(self, profile: str, key: str, kind: str, sent_at: datetime) -> bool:
        """Remember that a notice was sent; False when it already was (it is sent once)."""
        with self._transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO notices_sent (profile, key, kind, sent_at)"
                " VALUES (?, ?, ?, ?)",
                (profile, key, kind, sent_at.isoformat()),
            ).rowcount
        return inserted == 1

    def notices_sent(self, profile: str) -> set[str]:
        rows = self._db.execute("SELECT key FROM notices_sent WHERE profile = ?", (profile,))
        return {r[0] for r in rows}


def _profile(row: sqlite3.Row) -> Profile:
    return Profile(
        name=row["name"],
        portal_url=row["portal_url"],
        language=row["language"],
        created_at=datetime.fromisoformat(row["created_at"]),
        credentials_updated_at=_datetime(row["credentials_updated_at"]),
    )


def _check(row: sqlite3.Row) -> CheckRecord:
    return CheckRecord(
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=datetime.fromisoformat(row["finished_at"]),
        ok=bool(row["ok"]),
        error_code=row["error_code"],
        letters=row["letters"],
        new_letters=row["new_letters"],
        unread_notified=row["unread_notified"],
        automated=bool(row["automated"]),
    )


def _datetime(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
