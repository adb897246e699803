"""SIGKILL at random moments (a power cut, a crash, a logout): ``check --all`` and ``run`` over two
profiles, killed again and again. No alert is ever lost, none is announced twice in one life
(one process), and the state file stays sound.

Real processes, a real keyring, a real browser and the mock portal; the alerts go to the
terminal, so that each life's announcements can be read from its own output.
"""

from __future__ import annotations

import collections
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import Cli

pytestmark = [pytest.mark.desktop, pytest.mark.browser]

KILLS = 20
PROFILES = ("amina", "hamid")


@pytest.fixture
def live_portal() -> Iterator[MockPortalServer]:
    with MockPortalServer("mixed") as server:
        yield server


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession) -> Cli:
    made = Cli(tmp_path / "home", desktop, "ofpra-assistant-kill")
    made.env.update(
        OFPRA_ASSISTANT_NOTIFIER="console",
        OFPRA_ASSISTANT_AGENT__TICK_SECONDS="1",
        OFPRA_ASSISTANT_AGENT__JITTER_MINUTES="0",
    )
    return made


def announced(output: str) -> list[str]:
    """The titles of the alerts one process printed (the console notifier's lines)."""
    return [line[3:] for line in output.splitlines() if line.startswith(("!! ", "** "))]


def test_sigkill_at_random_moments_loses_no_alert_and_announces_none_twice(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    for profile in PROFILES:
        assert cli.setup(live_portal.login_url, profile=profile).returncode == 0
    draw = random.Random(20261201)
    lives: list[list[str]] = []
    for kill in range(KILLS):
        command = ["check", "--all"] if kill % 2 == 0 else ["run"]
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", *command],
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        time.sleep(draw.uniform(0.3, 4.0))
        process.send_signal(signal.SIGKILL)
        output, _ = process.communicate(timeout=30)
        lives.append(announced(output))

    final = cli.run("check", "--all")
    assert final.returncode == 0, final.stderr
    lives.append(announced(final.stdout))

    for life in lives:
        twice = [title for title, n in collections.Counter(life).items() if n > 1]
        assert twice == [], "announced twice in one life"
    with sqlite3.connect(cli.home / "state.sqlite3") as db:
        db.row_factory = sqlite3.Row
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        letters = db.execute("SELECT profile, id, read, first_seen_at FROM letters").fetchall()
        outbox = db.execute("SELECT * FROM outbox").fetchall()
        pending = db.execute("SELECT COUNT(*) FROM deliveries WHERE ok = 0").fetchone()[0]
        superseded = {
            r[0] for r in db.execute("SELECT alert_id FROM deliveries WHERE via = 'superseded'")
        }
    assert {r["profile"] for r in letters} == set(PROFILES), "both profiles were read"
    # Each unread letter's alert was written in the very transaction that first recorded it.
    for letter in letters:
        if letter["read"]:
            continue
        assert any(
            a["profile"] == letter["profile"]
            and a["letter_id"] == letter["id"]
            and a["created_at"] == letter["first_seen_at"]
            for a in outbox
        ), f"no alert for the letter {letter['id']} of {letter['profile']}"
    # ... and reached the person, in some life (the last check delivered what was left).
    assert pending == 0
    everything_said = {title for life in lives for title in life}
    for alert in outbox:
        if alert["id"] not in superseded:
            assert alert["title"] in everything_said, f"lost: {alert['title']}"
