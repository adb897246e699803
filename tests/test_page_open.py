"""The page as the agent serves it, and ``open`` and ``status`` as real processes: a real agent
(``run``) on a home whose profiles were checked a moment ago (so it starts no browser), the
page's address in ``status --json``, ``open --print-url``'s one-time address in a real
Chromium, and ``open`` starting the agent in the background when none runs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from assistant.errors import ExitStatus
from fixtures.checked_homes import checked_home
from fixtures.desktop_session import DesktopSession
from tests.conftest import assistant_env

pytestmark = pytest.mark.desktop

WAIT_SECONDS = 30.0


def wait_for(what: str, ready: Callable[[], bool], timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


class Home:
    """A home folder with two profiles just checked, and the commands run on it."""

    def __init__(self, folder: Path, env: dict[str, str], desktop: DesktopSession) -> None:
        self.folder = folder
        self.env = env
        self.desktop = desktop
        self.agents: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def status(self) -> dict[str, Any]:
        done = self.run("status", "--json")
        assert done.returncode == 0, done.stderr
        found: dict[str, Any] = json.loads(done.stdout)
        return found

    @property
    def page_file(self) -> Path:
        return self.folder / "page.json"

    def served(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.page_file.read_text())
        return found

    def start_agent(self) -> subprocess.Popen[bytes]:
        agent = subprocess.Popen(
            [sys.executable, "-m", "assistant", "run"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.agents.append(agent)
        wait_for("the agent's page", self.page_file.exists)
        return agent

    def stop_agent_of_page_file(self) -> None:
        """Stop the agent the page file names (one that ``open`` started)."""
        pid = self.served()["pid"]
        os.kill(pid, signal.SIGTERM)
        wait_for("the agent to stop", lambda: not _alive(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (a child of this test's process) has stopped too.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


@pytest.fixture
def home(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Iterator[Home]:
    folder = tmp_path / "home"
    checked_home(folder, ["amina", "bilal"])
    service = f"ofpra-assistant-page-{request.node.name}"
    made = Home(folder, assistant_env(desktop, folder, service), desktop)
    yield made
    for agent in made.agents:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=WAIT_SECONDS)
    # An agent `open` started is no child of this process: stopped by the pid it wrote.
    with contextlib.suppress(OSError, ValueError, KeyError):
        pid = made.served()["pid"]
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for("the agent to stop", lambda: not _alive(pid))


def test_status_json_has_the_page_address_when_an_agent_serves_it_and_never_a_token(
    home: Home,
) -> None:
    assert home.status()["page"] is None

    home.start_agent()
    served = home.served()["url"]
    opened = home.run("open", "--print-url")
    assert opened.returncode == 0, opened.stderr
    status = home.run("status", "--json")
    text = home.run("status")

    assert served.startswith("http://127.0.0.1:") and served.endswith("/")
    assert json.loads(status.stdout)["page"] == {"url": served}
    assert f"The page: {served} (to open it: 'ofpra-assistant open')" in text.stdout
    opener = Path(opened.stdout.strip().removeprefix("file://")).read_text()
    token = opener.split('name="token" value="')[1].split('"')[0]
    assert len(token) >= 43
    for output in (status.stdout, status.stderr, text.stdout, text.stderr, opened.stdout):
        assert token not in output


@pytest.mark.browser
def test_open_print_url_logs_a_browser_in_once_at_the_overview_or_a_profile(
    home: Home, browser: Browser
) -> None:
    home.start_agent()
    page_url = home.served()["url"]

    opened = home.run("open", "--print-url")

    assert opened.returncode == 0, opened.stderr
    [address] = opened.stdout.splitlines()
    assert address.startswith("file://") and address.endswith(".html")
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(address)
    tab.wait_for_url(page_url)
    assert "amina" in tab.content() and "bilal" in tab.content()

    # The same address a second time, in another browser: the token was used, nothing opens.
    stranger = browser.new_context()
    other = stranger.new_page()
    with other.expect_response(page_url + "session") as exchange:
        other.goto(address)
    assert exchange.value.status in (401, 403)
    other.goto(page_url)
    assert "amina" not in other.content()
    stranger.close()

    at_profile = home.run("open", "--profile", "bilal", "--print-url")
    assert at_profile.returncode == 0, at_profile.stderr
    tab.goto(at_profile.stdout.strip())
    tab.wait_for_url(page_url + "profiles/bilal")
    assert "bilal" in tab.content()
    context.close()


def test_open_with_no_agent_starts_one_in_the_background_as_at_login(home: Home) -> None:
    assert home.status()["agent"]["running"] is False

    opened = home.run("open", "--print-url")

    assert opened.returncode == 0, opened.stderr
    log = home.folder / "logs" / "assistant.log"
    assert (
        f"The agent was not running: it now runs in the background (its log: {log})."
    ) in opened.stderr
    served = home.served()
    pid = served["pid"]
    assert _alive(pid), "the agent outlives open"
    assert os.getsid(pid) == pid, "in a session of its own, away from open's terminal"
    assert home.status()["page"] == {"url": served["url"]}
    assert home.status()["agent"]["running"] is True
    # Its output goes to the log, as at login (no terminal).
    wait_for("the agent's greeting in its log", lambda: "The page: " in log.read_text())
    assert f"The page: {served['url']}" in log.read_text()

    # No browser to open: said by name, with the file to open by hand; from the menu's launcher
    # (no terminal) in a desktop alert too.
    no_browser = home.run("open", BROWSER="false")
    assert no_browser.returncode == ExitStatus.NO_BROWSER, no_browser.stderr
    assert "No web browser could be opened here." in no_browser.stderr
    assert str(home.folder) in no_browser.stderr
    [alert] = [
        n
        for n in home.desktop.notification_history()
        if n["summary"] == "The assistant's page could not be opened"
    ]
    assert alert["body"].startswith("No web browser could be opened here.")

    home.stop_agent_of_page_file()
    assert not home.page_file.exists()
    assert home.status()["page"] is None


def test_open_says_where_the_log_is_when_the_agent_cannot_start(home: Home) -> None:
    (home.folder / "settings.toml").write_text("[agent]\ntick_seconds = 'often'\n")

    done = home.run("open", "--print-url")

    assert done.returncode == ExitStatus.AGENT_NOT_STARTED
    assert done.stdout == ""
    assert (
        "The assistant's agent did not start, so its page cannot be shown. What went wrong is "
        f"in its log: {home.folder / 'logs' / 'assistant.log'}."
    ) in done.stderr
    assert "tick_seconds" in (home.folder / "logs" / "assistant.log").read_text()


def test_open_of_a_profile_that_does_not_exist_starts_nothing(home: Home) -> None:
    done = home.run("open", "--profile", "nobody", "--print-url")

    assert done.returncode == ExitStatus.PROFILE_MISSING
    assert "There is no profile named 'nobody'." in done.stderr
    assert not home.page_file.exists()


def test_open_waits_for_the_page_of_an_agent_that_is_starting_instead_of_starting_another(
    home: Home,
) -> None:
    from assistant.agent import AgentLock
    from assistant.page.server import PageServer
    from assistant.settings import Paths, Settings

    paths = Paths(config_dir=home.folder, data_dir=home.folder)
    with AgentLock(paths):  # an agent at login, its page not served yet
        opener = subprocess.Popen(
            [sys.executable, "-m", "assistant", "open", "--print-url"],
            env=home.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert opener.poll() is None, "open waits"
        page = PageServer.start(paths, Settings())
        try:
            out, err = opener.communicate(timeout=WAIT_SECONDS)
        finally:
            page.stop()

    assert opener.returncode == 0, err
    assert out.startswith("file://")
    assert "The agent was not running" not in err
    log = (home.folder / "logs" / "assistant.log").read_text()
    assert "Another ofpra-assistant agent" not in log
