"""``ofpra-assistant run`` as a real process: a real keyring, notification daemon and browser,
the mock portal on loopback, and real signals."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.errors import ExitStatus
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import Cli

pytestmark = [pytest.mark.desktop, pytest.mark.browser]

DEADLINE_SECONDS = 60.0
MARKER = "OFPRA_ASSISTANT_TEST_MARKER"


def wait_for(what: str, ready: Callable[[], bool], timeout: float = DEADLINE_SECONDS) -> None:
    """Poll ``ready`` until it is true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def marked_processes(marker: str) -> dict[int, str]:
    """Every process whose environment carries ``marker`` (inherited by all the agent's
    descendants, the browser's included, even after they left its process group), by name."""
    found = {}
    needle = f"{MARKER}={marker}".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if needle in Path(entry.path, "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = Path(entry.path, "comm").read_text().strip()
    return found


class Agent:
    """A running ``ofpra-assistant run``."""

    def __init__(self, cli: Cli) -> None:
        self.marker = secrets.token_hex(8)
        env = {**cli.env, MARKER: self.marker}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout.append(line.rstrip("\n"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.stdout)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=DEADLINE_SECONDS)
        self._reader.join(timeout=DEADLINE_SECONDS)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    return Cli(tmp_path / "home", desktop, f"ofpra-assistant-run-{request.node.name}"[:80])


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    started: list[Agent] = []
    yield started
    for agent in started:
        agent.kill()


@pytest.fixture
def gated_portal() -> Iterator[tuple[MockPortalServer, threading.Event, threading.Event]]:
    """A mock portal (dated from the real today) whose documents page waits for a go."""
    from flask import request

    server = MockPortalServer("decision_9_days")
    reached, go = threading.Event(), threading.Event()

    def hold_documents() -> None:
        if request.path == "/ofpra/documents":
            reached.set()
            go.wait(timeout=DEADLINE_SECONDS)

    server.app.before_request(hold_documents)
    with server:
        yield server, reached, go
    go.set()


def agent_checks(home: Path) -> list[tuple[int, str | None, int]]:
    with contextlib.closing(sqlite3.connect(home / "state.sqlite3")) as db:
        return db.execute("SELECT ok, error_code, automated FROM checks").fetchall()


def test_run_checks_at_start_and_stops_cleanly_on_sigterm_mid_check(
    cli: Cli,
    desktop: DesktopSession,
    gated_portal: tuple[MockPortalServer, threading.Event, threading.Event],
    agents: list[Agent],
) -> None:
    portal, reached, go = gated_portal
    cli.env["OFPRA_ASSISTANT_AGENT__JITTER_MINUTES"] = "0"
    assert cli.setup(portal.login_url).returncode == 0

    agent = Agent(cli)
    agents.append(agent)
    # The first tick runs at start: the check never checked is due at once.
    wait_for("the agent to read the documents page", reached.is_set)
    browsers = [n for n in marked_processes(agent.marker).values() if "chrom" in n.lower()]
    assert browsers, "the check runs in a browser started by the agent"

    agent.process.send_signal(signal.SIGTERM)
    go.set()  # the check under way is finished, not cut: it logs out
    code = agent.stop()

    assert code == 0, "\n".join(agent.stdout)
    assert agent.said("The agent stopped.")
    assert marked_processes(agent.marker) == {}, "no browser (nor anything else) survives"
    assert agent_checks(cli.home) == [(1, None, 1)]
    log = portal.log()
    assert (log["logins"], log["logouts"], log["view_requests"]) == (1, 1, [])
    titles = [n["summary"] for n in desktop.notification_history()]
    assert "New letter from OFPRA: Decision (Décision)" in titles
    assert any("checked 'default': 1 letter(s), 1 new" in line for line in agent.stdout)


def test_a_second_agent_on_the_same_home_is_refused(cli: Cli, agents: list[Agent]) -> None:
    first = Agent(cli)
    agents.append(first)
    wait_for("the first agent to start", lambda: first.said("The agent is running"))

    second = cli.run("run")

    assert second.returncode == ExitStatus.AGENT_ALREADY_RUNNING
    assert "Another ofpra-assistant agent is already running" in second.stderr
    assert str(cli.home) in second.stderr
    assert first.process.poll() is None, "the first agent keeps running"
    done = cli.json("status")
    assert done[1]["agent"]["running"] is True

    assert first.stop(signal.SIGINT) == 0
    assert cli.json("status")[1]["agent"]["running"] is False
