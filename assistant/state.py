"""The state file: profiles, consents, letters seen, checks made, notices sent, and the outbox
of alerts (SQLite).

It keeps what the documents table shows (metadata), never a letter's contents, never a
password or an identifier.

The outbox: an alert is written (``enqueue_alerts``) in the same transaction that records what
the check read, with one row per delivery target in ``deliveries``; it is sent after the commit
and each target's delivery is marked (``record_delivery``). What a kill, a missing notification
service or a failing channel left undelivered is still there for the next delivery.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from assistant.errors import ALL_ERRORS
from assistant.privacy import REDACTOR
from assistant.results import Alert
from flows.models import LetterKind, PortalLetter

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4

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
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The profile the alert is about ('' for the home folder as a whole).
    profile TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    urgent INTEGER NOT NULL,
    letter_id TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    -- A delivery target's name: 'local' (desktop, else terminal), or a remote channel's.
    target TEXT NOT NULL,
    ok INTEGER NOT NULL DEFAULT 0,
    -- How it went out (the notifier's kind), once ok.
    via TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_try_at TEXT NOT NULL,
    delivered_at TEXT,
    PRIMARY KEY (alert_id, target)
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (ok, next_try_at);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
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
    # The portal refused the password or locked the account: nothing types it again until
    # setup stores credentials (which clears these).
    ("profiles", "refused_code", "TEXT"),
    ("profiles", "refused_at", "TEXT"),
    # Version 4: the hour of provision and of first consultation when the portal shows it (ISO,
    # Paris time with its offset; NULL: no hour shown, or a letter seen before version 4).
    ("letters", "made_available_at", "TEXT"),
    ("letters", "read_at", "TEXT"),
    # The language an alert is worded in (the account holder's), for the terminal to say so.
    ("outbox", "language", "TEXT"),
)
#: The tables a damaged state file is salvaged from first (parents before children); every other
#: table of the schema follows.
_TABLES = ("profiles", "consents", "letters", "checks", "notices_sent", "outbox", "deliveries")
#: Failures that mean the portal will not take this password again (item: the account is safe).
REFUSING_CODES = frozenset(e.code for e in ALL_ERRORS if e.refuses_password)


@dataclass(frozen=True)
class Profile:
    name: str
    portal_url: str
    language: str
    created_at: datetime
    credentials_updated_at: datetime | None = None
    #: The portal refused the password, or locked the account (its code), at ``refused_at``.
    refused_code: str | None = None
    refused_at: datetime | None = None


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


@dataclass(frozen=True)
class PendingDelivery:
    """One target's delivery of one alert from the outbox, not done yet."""

    alert_id: int
    target: str
    profile: str
    alert: Alert
    attempts: int
    created_at: datetime


class StateStore:
    #: Where a damaged state file was moved to when this one was opened (None: it was fine).
    recovered_from: Path | None = None
    #: Whether the alert that says so was put in the outbox.
    damage_announced: bool = False

    @classmethod
    def open(cls, path: Path) -> StateStore:
        """Open the state file; a damaged one is kept aside (never deleted), what can still be
        read from it is copied into a fresh one, and ``recovered_from`` says where it went."""
        try:
            store = cls(path)
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as error:
            log.error("the state file %s is damaged: %s", path, error)
        else:
            try:
                verdict = store._db.execute("PRAGMA quick_check").fetchone()[0]
            except sqlite3.OperationalError:
                store.close()
                raise
            except sqlite3.DatabaseError as error:
                verdict = str(error)
            if verdict == "ok":
                return store
            store.close()
            log.error("the state file %s is damaged: %s", path, verdict)
        aside = _set_aside(path)
        store = cls(path)
        store._salvage(aside)
        store.recovered_from = aside
        return store

    def __init__(self, path: Path, *, reading: bool = False) -> None:
        """``reading``: the file as it is, neither created nor migrated, in WAL mode where
        reading never waits for a check that writes (the page's requests read it this way)."""
        self.path = path
        self._reading = reading
        # One connection per thread (a check's browser workers read the profile and the portal's
        # shape from theirs), each with its own transaction depth; the store owns them all.
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if reading:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 before SQLite opens it, so it is never readable by others, even briefly.
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR))
        try:
            self._set_up()
        except BaseException:
            self.close()
            raise

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # Used by its own thread only; closed by whichever thread closes the store.
            if self._reading:
                uri = f"{self.path.resolve().as_uri()}?mode=rw"
                db = sqlite3.connect(uri, uri=True, timeout=5, check_same_thread=False)
            else:
                db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            # What is deleted (a forgotten profile) is overwritten, not left in free pages.
            db.execute("PRAGMA secure_delete = ON")
            with self._lock:
                self._connections.append(db)
            self._local.db = db
            self._local.depth = 0
        return db

    @property
    def _depth(self) -> int:
        return int(getattr(self._local, "depth", 0))

    @_depth.setter
    def _depth(self, value: int) -> None:
        self._local.depth = value

    def _set_up(self) -> None:
        self._db.execute("PRAGMA journal_mode = WAL")
        with self._db:
            self._db.executescript(_SCHEMA)
            for table, column, declaration in _ADDED_COLUMNS:
                columns = {r["name"] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            # Written only when it changes: opening a full disk's state must not write.
            if self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction; the methods called inside it join it (all of it, or none)."""
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self._db:
                yield self._db
        finally:
            self._depth = 0

    _transaction = transaction

    def integrity(self) -> str:
        """``PRAGMA integrity_check``: "ok", or what is wrong."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def _salvage(self, damaged: Path) -> None:
        """Copy every row that can still be read from a damaged state file."""
        try:
            source = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
        except sqlite3.Error:
            return
        with closing(source):
            for table in self._salvage_order(source):
                columns = [r["name"] for r in self._db.execute(f"PRAGMA table_info({table})")]
                try:
                    rows = source.execute(f"SELECT * FROM {table}")
                    names = [d[0] for d in rows.description]
                    kept = [n for n in names if n in columns]
                    for row in rows:
                        values = [v for n, v in zip(names, row, strict=True) if n in kept]
                        with self._db:
                            self._db.execute(
                                f"INSERT OR IGNORE INTO {table} ({', '.join(kept)})"
                                f" VALUES ({', '.join('?' for _ in kept)})",
                                values,
                            )
                except sqlite3.Error as error:
                    log.warning("could not salvage %s from %s: %s", table, damaged, error)

    def _salvage_order(self, source: sqlite3.Connection) -> list[str]:
        """Every table of the schema, parents first: the rows of each one the damaged file
        still has are worth keeping (the portal's shape and the jitter seed too)."""
        tables = [
            r["name"]
            for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return [*_TABLES, *(t for t in tables if t not in _TABLES)]

    # The portal's shape (assistant/portal_memory.py) -----------------------------------------

    def portal_shape(self, profile: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db.execute(
            "SELECT * FROM portal_shapes WHERE profile = ?", (profile,)
        ).fetchone()
        return row

    def save_portal_shape(
        self,
        profile: str,
        *,
        counters_shown: bool,
        pager_shown: bool,
        page_size: int | None,
        letters: str,
        seen_at: datetime,
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO portal_shapes"
                " (profile, counters_shown, pager_shown, page_size, letters, seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    profile,
                    int(counters_shown),
                    int(pager_shown),
                    page_size,
                    letters,
                    seen_at.isoformat(),
                ),
            )

    # Meta ----------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta_once(self, key: str, value: str) -> str:
        """Store ``value`` unless one is there already; return the one that stays."""
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
        stored = self.meta(key)
        return value if stored is None else stored

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
        """New credentials: a refusal of the old ones no longer holds."""
        with self._transaction() as db:
            db.execute(
                "UPDATE profiles SET credentials_updated_at = ?, refused_code = NULL,"
                " refused_at = NULL WHERE name = ?",
                (now.isoformat(), name),
            )

    def mark_refused(self, name: str, code: str, at: datetime) -> None:
        """The portal refused these credentials (or locked the account): remember it."""
        with self._transaction() as db:
            db.execute(
                "UPDATE profiles SET refused_code = ?, refused_at = ? WHERE name = ?",
                (code, at.isoformat(), name),
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
            db.execute("DELETE FROM outbox WHERE profile = ?", (name,))
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
                # Columns named: the ones added since version 1 come after the others.
                db.execute(
                    "INSERT INTO letters (profile, id, kind, label, made_available_on,"
                    " notified_on, read, read_on, portal_remaining_days, portal_says_notified,"
                    " first_seen_at, last_seen_at, made_available_at, read_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(profile, id) DO UPDATE SET kind = excluded.kind,"
                    " label = excluded.label, notified_on = excluded.notified_on,"
                    " read = excluded.read, read_on = excluded.read_on,"
                    " portal_remaining_days = excluded.portal_remaining_days,"
                    " portal_says_notified = excluded.portal_says_notified,"
                    " last_seen_at = excluded.last_seen_at,"
                    " made_available_at = excluded.made_available_at,"
                    " read_at = excluded.read_at",
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
                        _iso(letter.made_available_at),
                        _iso(letter.read_at),
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
                    made_available_at=_datetime(r["made_available_at"]),
                    read_at=_datetime(r["read_at"]),
                ),
                first_seen_at=datetime.fromisoformat(r["first_seen_at"]),
                last_seen_at=datetime.fromisoformat(r["last_seen_at"]),
            )
            for r in rows
        ]

    # Checks --------------------------------------------------------------------------------

    def record_check(self, profile: str, record: CheckRecord) -> None:
        with self._transaction() as db:
            if not record.ok and record.error_code in REFUSING_CODES:
                self.mark_refused(profile, record.error_code, record.finished_at)
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

    # The outbox --------------------------------------------------------------------------------

    def enqueue_alerts(
        self, profile: str, alerts: Iterable[Alert], targets: Sequence[str], now: datetime
    ) -> list[int]:
        """Put alerts in the outbox, one pending delivery per target; return their ids.

        Called inside ``transaction()`` with what they are about: written with it, or not at all.
        """
        ids = []
        with self._transaction() as db:
            for alert in alerts:
                cursor = db.execute(
                    "INSERT INTO outbox (profile, kind, title, body, urgent, letter_id,"
                    " created_at, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        profile,
                        alert.kind,
                        # A portal that echoes the password puts it in an error's message: the
                        # outbox is a file, and keeps no secret (privacy.py).
                        REDACTOR.scrub(alert.title),
                        REDACTOR.scrub(alert.body),
                        int(alert.urgent),
                        alert.letter_id,
                        now.isoformat(),
                        alert.language,
                    ),
                )
                alert_id = int(cursor.lastrowid or 0)
                db.executemany(
                    "INSERT INTO deliveries (alert_id, target, next_try_at) VALUES (?, ?, ?)",
                    [(alert_id, target, now.isoformat()) for target in targets],
                )
                ids.append(alert_id)
        return ids

    def pending_deliveries(
        self, now: datetime, *, force: bool = False, targets: Sequence[str] | None = None
    ) -> list[PendingDelivery]:
        """Deliveries not done yet, oldest alert first: those due at ``now`` (all with
        ``force``). A retry planned more than a day ahead (a clock that went back) is due."""
        rows = self._db.execute(
            "SELECT d.alert_id, d.target, d.attempts, d.next_try_at, o.* FROM deliveries d"
            " JOIN outbox o ON o.id = d.alert_id WHERE d.ok = 0 ORDER BY o.id, d.target"
        ).fetchall()
        pending = []
        for r in rows:
            if targets is not None and r["target"] not in targets:
                continue
            next_try = datetime.fromisoformat(r["next_try_at"])
            if not force and now < next_try <= now + timedelta(days=1):
                continue
            pending.append(
                PendingDelivery(
                    alert_id=r["alert_id"],
                    target=r["target"],
                    profile=r["profile"],
                    alert=_stored_alert(r),
                    attempts=r["attempts"],
                    created_at=datetime.fromisoformat(r["created_at"]),
                )
            )
        return pending

    def record_delivery(
        self,
        alert_id: int,
        target: str,
        now: datetime,
        *,
        via: str | None = None,
        error: str | None = None,
        next_try_at: datetime | None = None,
    ) -> None:
        """Mark one target's delivery of one alert: done (``via``), or failed (``error``,
        to be tried again from ``next_try_at``)."""
        with self._transaction() as db:
            if via is not None:
                db.execute(
                    "UPDATE deliveries SET ok = 1, via = ?, attempts = attempts + 1,"
                    " delivered_at = ?, last_error = NULL WHERE alert_id = ? AND target = ?",
                    (via, now.isoformat(), alert_id, target),
                )
            else:
                db.execute(
                    "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                    " next_try_at = ? WHERE alert_id = ? AND target = ?",
                    (error, (next_try_at or now).isoformat(), alert_id, target),
                )

    def deliveries(self, alert_id: int) -> list[dict[str, object]]:
        rows = self._db.execute(
            "SELECT * FROM deliveries WHERE alert_id = ? ORDER BY target", (alert_id,)
        )
        return [dict(r) for r in rows]

    def outbox(self) -> list[tuple[int, str, Alert]]:
        """Every alert ever put in the outbox (id, profile, alert), oldest first."""
        rows = self._db.execute("SELECT * FROM outbox ORDER BY id")
        return [
            (
                r["id"],
                r["profile"],
                _stored_alert(r),
            )
            for r in rows
        ]

    def undelivered(self) -> dict[str, object]:
        """What waits in the outbox, for ``status``: how many alerts, since when, and why."""
        row = self._db.execute(
            "SELECT COUNT(DISTINCT d.alert_id) AS alerts, MIN(o.created_at) AS since,"
            " (SELECT last_error FROM deliveries WHERE ok = 0 AND last_error IS NOT NULL"
            "  ORDER BY next_try_at DESC LIMIT 1) AS last_error"
            " FROM deliveries d JOIN outbox o ON o.id = d.alert_id WHERE d.ok = 0"
        ).fetchone()
        return {"alerts": row["alerts"], "since": row["since"], "last_error": row["last_error"]}

    def failing_targets(self) -> dict[str, tuple[datetime, str | None]]:
        """Each target with a failed delivery still to do: since when it fails (the alert it
        has not taken for longest, or its last real delivery if later: it worked then), and its
        last error. A delivery is tried as soon as its alert is written, so an alert's time is
        when its first attempt failed."""
        rows = self._db.execute(
            "SELECT d.target, MIN(o.created_at) AS since,"
            " (SELECT last_error FROM deliveries e WHERE e.target = d.target AND e.ok = 0"
            "  AND e.last_error IS NOT NULL ORDER BY e.next_try_at DESC LIMIT 1) AS last_error,"
            " (SELECT MAX(delivered_at) FROM deliveries s WHERE s.target = d.target AND s.ok = 1"
            "  AND s.via NOT IN ('not for this channel', 'superseded', 'sent before',"
            "  'channel removed'))"
            "  AS worked_at"
            " FROM deliveries d JOIN outbox o ON o.id = d.alert_id"
            " WHERE d.ok = 0 AND d.attempts > 0 GROUP BY d.target ORDER BY d.target"
        ).fetchall()
        failing = {}
        for r in rows:
            since = datetime.fromisoformat(r["since"])
            if r["worked_at"] is not None:
                since = max(since, datetime.fromisoformat(r["worked_at"]))
            failing[r["target"]] = (since, r["last_error"])
        return failing


def _profile(row: sqlite3.Row) -> Profile:
    return Profile(
        name=row["name"],
        portal_url=row["portal_url"],
        language=row["language"],
        created_at=datetime.fromisoformat(row["created_at"]),
        credentials_updated_at=_datetime(row["credentials_updated_at"]),
        refused_code=row["refused_code"],
        refused_at=_datetime(row["refused_at"]),
    )


def _set_aside(path: Path) -> Path:
    """Move a damaged state file (and its journal) aside, under a name that says so."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    for suffix in ("-wal", "-shm"):
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            journal.rename(aside.with_name(aside.name + suffix))
    path.rename(aside)
    log.error("the damaged state file was kept as %s", aside)
    return aside


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


def _stored_alert(row: sqlite3.Row) -> Alert:
    """An alert of the outbox: its words as they were sent, and whose they are."""
    return Alert(
        row["kind"],
        row["title"],
        row["body"],
        bool(row["urgent"]),
        row["letter_id"],
        profile=row["profile"],
        language=row["language"],
    )
