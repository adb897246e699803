"""The assistant's own faults, as a person meets them: a damaged state file, a full disk, a
read-only home, a locked keyring, a bug. Each is a named error with its exit status, valid
``--json``, no traceback; nothing is lost, and ``forget`` still removes the password.

Real processes, a real keyring, a real file system: the full disk and the read-only home are a
small tmpfs this test mounts (as root) and unmounts.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import cli as cli_module
from assistant.errors import ExitStatus
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import PASSWORD, Cli

pytestmark = [pytest.mark.desktop, pytest.mark.browser]


@pytest.fixture
def live_portal() -> Iterator[MockPortalServer]:
    """Dated from the real today, since the CLI runs on the real clock."""
    with MockPortalServer("decision_9_days") as server:
        yield server


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    made = Cli(tmp_path / "home", desktop, f"ofpra-assistant-faults-{request.node.name}"[:80])
    # The alerts of these checks are read on the terminal (stderr with --json).
    made.env["OFPRA_ASSISTANT_NOTIFIER"] = "console"
    return made


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs of this test's own: it can be filled, or made read-only."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(path: Path) -> None:
    """Fill the disk to the last byte."""
    filler = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(filler, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(filler)


def assert_named(done: subprocess.CompletedProcess[str], status: ExitStatus) -> dict[str, Any]:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == status, (done.returncode, done.stdout, done.stderr)
    output: dict[str, Any] = json.loads(done.stdout)
    error = output["error"]
    assert isinstance(error, dict)
    assert error["code"] == status.name.lower()
    return output


def test_a_damaged_state_is_kept_aside_and_the_check_still_runs_and_alerts(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    assert cli.setup(live_portal.login_url).returncode == 0
    state = cli.home / "state.sqlite3"
    with sqlite3.connect(state) as db:
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'checks'").fetchone()
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    with state.open("r+b") as file:  # one table's page overwritten: the rest is readable
        file.seek((root - 1) * page_size)
        file.write(b"\xde\xad" * (page_size // 2))

    done = cli.run("check", "--json")

    assert "Traceback" not in done.stderr
    assert "The state file was damaged" in done.stderr
    result = json.loads(done.stdout)
    assert done.returncode == 0 and result["ok"] is True
    assert [alert["kind"] for alert in result["alerts"]] == ["new_letter", "state_damaged"]
    assert "New letter from OFPRA" in done.stderr, "the alert went out"
    assert "The assistant's memory of your letters was damaged" in done.stderr
    [aside] = cli.home.glob("state.sqlite3.damaged-*[0-9TZ]")
    assert aside.read_bytes()[:16] == b"SQLite format 3\x00", "kept, never deleted"
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_state_that_is_not_a_database_is_named_and_forget_still_removes_the_password(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    assert cli.setup(live_portal.login_url).returncode == 0
    (cli.home / "state.sqlite3").write_bytes(b"this is not a database" * 100)

    output = assert_named(cli.run("check", "--json"), ExitStatus.STATE_DAMAGED)

    assert "kept as" in str(output["error"])
    assert cli.keyring_entry("default:password") == PASSWORD
    forgotten = cli.run("forget", "--profile", "default", "--yes")
    assert forgotten.returncode == 0, forgotten.stderr
    assert "Traceback" not in forgotten.stderr
    assert cli.keyring_entry("default:password") is None
    assert cli.keyring_entry("default:identifier") is None


def test_a_full_disk_during_a_check_still_alerts_and_is_named(
    cli: Cli, live_portal: MockPortalServer, small_disk: Path
) -> None:
    cli.home = small_disk / "home"
    cli.env["OFPRA_ASSISTANT_HOME"] = str(cli.home)
    assert cli.setup(live_portal.login_url).returncode == 0
    fill(small_disk / "filler")

    # Nothing can even open the state: named at once.
    assert_named(cli.run("check", "--json"), ExitStatus.DISK_FULL)

    # The agent has the state open (its journal is there) when the disk fills during a check:
    # the letters are read, cannot be saved, and their alert still goes out.
    (small_disk / "filler").unlink()
    with contextlib.closing(sqlite3.connect(cli.home / "state.sqlite3")) as agent:
        agent.execute("SELECT COUNT(*) FROM profiles").fetchone()
        fill(small_disk / "filler")
        done = cli.run("check", "--json")
        output = assert_named(done, ExitStatus.DISK_FULL)
    kinds = [alert["kind"] for alert in output["alerts"]]
    assert kinds == ["new_letter", "check_failed"], "what was read still reached the person"
    assert "New letter from OFPRA" in done.stderr
    (small_disk / "filler").unlink()
    with sqlite3.connect(cli.home / "state.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Space again: the letter was not remembered, so it is new again (nothing is lost).
    code, again = cli.json("check")
    assert code == 0
    assert [a["kind"] for a in again["alerts"]] == ["new_letter"]


def test_a_read_only_home_is_named_and_forget_still_removes_the_password(
    cli: Cli, live_portal: MockPortalServer, small_disk: Path
) -> None:
    cli.home = small_disk / "home"
    cli.env["OFPRA_ASSISTANT_HOME"] = str(cli.home)
    assert cli.setup(live_portal.login_url).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)

    assert_named(cli.run("check", "--json"), ExitStatus.HOME_READ_ONLY)
    plain = cli.run("status")
    assert plain.returncode == ExitStatus.HOME_READ_ONLY
    assert "Traceback" not in plain.stderr and "read-only" in plain.stderr

    forgotten = cli.run("forget", "--profile", "default", "--yes")
    assert forgotten.returncode == ExitStatus.HOME_READ_ONLY
    assert "was removed from the keyring all the same" in forgotten.stderr
    assert cli.keyring_entry("default:password") is None


def test_a_locked_keyring_is_named(tmp_path: Path, live_portal: MockPortalServer) -> None:
    with DesktopSession(notifications=False) as session:
        cli = Cli(tmp_path / "home", session, "ofpra-assistant-locked")
        assert cli.setup(live_portal.login_url).returncode == 0
        lock = (
            "import secretstorage; c = secretstorage.dbus_init(); "
            "secretstorage.get_default_collection(c).lock()"
        )
        subprocess.run([sys.executable, "-c", lock], env=cli.env, check=True, timeout=60)

        assert_named(cli.run("check", "--json"), ExitStatus.KEYRING_LOCKED)
        forgotten = cli.run("forget", "--profile", "default", "--yes")
        assert forgotten.returncode == ExitStatus.KEYRING_LOCKED
        assert "Traceback" not in forgotten.stderr and "keyring is locked" in forgotten.stderr


def test_json_keeps_its_contract_on_a_bug(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import assistant.status

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(assistant.status, "profile_statuses", broken)

    code = cli_module.main(["status", "--json"])

    captured = capsys.readouterr()
    assert code == ExitStatus.INTERNAL_ERROR
    output = json.loads(captured.out)
    assert output["ok"] is False
    assert output["error"]["code"] == "internal_error"
    assert "ZeroDivisionError" in output["error"]["message"]
    assert "Traceback" not in captured.err
