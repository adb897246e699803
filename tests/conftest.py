"""Shared fixtures and helpers: the mock portal on loopback, the real Chromium, a private desktop
session, a fake clock, recording notifiers, and the command line as a real process.

Test files import helpers from here only, never from one another.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Page, Playwright
from werkzeug.test import TestResponse

from assistant.credentials import home_identity
from assistant.deadlines import PARIS
from assistant.notifiers import NotifierError
from assistant.results import Alert
from fixtures.channel_receivers import HttpReceiver, SmtpReceiver
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer, Scenario
from fixtures.mock_portal.scenarios import LetterSpec
from flows.fence import FencedPage, fence_context
from flows.launch import launch_arguments

#: The day every browser test lives on; the mock portal's letters are dated from it.
TODAY = date(2026, 11, 26)
#: Noon in Paris that day, as the agent's fake clock sees it.
NOW = datetime.combine(TODAY, time(12, 0), tzinfo=PARIS)

IDENTIFIER = "1234561552"
PASSWORD = "Mock-Portal-2026!"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: The mock portal's login page.
LOGIN = "/ofpra/user/login"

#: Five letters on three pages of two: pagination, at a third of the cost of 200 letters.
PAGED = Scenario(
    name="paged",
    description="five letters, two per page",
    page_size=2,
    letters=(
        LetterSpec("decision", 3, notified_days_ago=3),
        LetterSpec("six_months", 30),
        LetterSpec("convocation", 60, notified_days_ago=60, read_days_ago=58),
        LetterSpec("introduction", 90, read_days_ago=89),
        LetterSpec("account_creation", 92, read_days_ago=92),
    ),
)


class RecordingNotifier:
    """Keeps every alert it is given."""

    kind = "recording"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.alerts.append(alert)


class FailingNotifier:
    """A desktop with no notification service."""

    kind = "broken"

    def send(self, alert: Alert) -> None:
        raise NotifierError("no service")


class RecordingSleep:
    """Retries wait between attempts; tests note the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def assistant_env(
    desktop: DesktopSession, home: Path, service: str, **settings: str
) -> dict[str, str]:
    """The environment of an ``ofpra-assistant`` process run by a test: the private desktop
    session, its own home folder and keyring service, English messages whatever the machine's
    language (the default would be French), and ``settings`` as ``OFPRA_ASSISTANT_<NAME>``."""
    env = desktop.child_env()
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "PYTHON_KEYRING_BACKEND"):
        env.pop(name, None)
    env.update(
        LANG="en_US.UTF-8",
        OFPRA_ASSISTANT_HOME=str(home),
        OFPRA_ASSISTANT_KEYRING_SERVICE=service[:80],
    )
    env.update({f"OFPRA_ASSISTANT_{name}": value for name, value in settings.items()})
    return env


class Cli:
    def __init__(self, home: Path, desktop: DesktopSession, service: str) -> None:
        self.home = home
        # Retries of an unavailable portal must not wait for real in tests.
        self.env = assistant_env(
            desktop, home, service, BROWSER__TIMEOUT_SECONDS="5", RETRY__BACKOFF_SECONDS="0"
        )

    def run(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env or self.env,
            timeout=120,
        )

    def json(self, *args: str) -> tuple[int, dict[str, Any]]:
        done = self.run(*args, "--json")
        return done.returncode, json.loads(done.stdout)

    def setup(
        self,
        portal_url: str,
        profile: str = "default",
        *,
        first_check: bool = False,
        replace: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """A scripted setup. Without the first check by default: most tests check when and
        how they mean to, and a browser at every setup would add minutes to the suite."""
        return self.run(
            "setup",
            *(() if first_check else ("--no-check",)),
            *(("--replace",) if replace else ()),
            "--profile",
            profile,
            "--portal-url",
            portal_url,
            "--identifier",
            IDENTIFIER,
            "--password-stdin",
            "--consent",
            "Amina Test",
            "--language",
            "en",
            stdin=PASSWORD + "\n",
        )

    @property
    def keyring_service(self) -> str:
        """The keyring service name of this home folder (one per home and profile)."""
        base = self.env["OFPRA_ASSISTANT_KEYRING_SERVICE"]
        return f"{base}@{home_identity(self.home)}"

    def keyring_entry(self, user: str, service: str | None = None) -> str | None:
        code = (
            "import keyring, sys; "
            f"v = keyring.get_password({service or self.keyring_service!r}, {user!r}); "
            "print(v if v is not None else '<none>')"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=self.env, timeout=60
        )
        value = done.stdout.strip()
        return None if value == "<none>" else value


@pytest.fixture(scope="session")
def mock_portal_server() -> Iterator[MockPortalServer]:
    with MockPortalServer("empty", today=TODAY) as server:
        yield server


@pytest.fixture
def portal(mock_portal_server: MockPortalServer) -> Iterator[MockPortalServer]:
    """The session's mock portal, reset for this test (scenario "empty" until it switches)."""
    mock_portal_server.use_scenario("empty", today=TODAY)
    yield mock_portal_server
    mock_portal_server.use_scenario("empty", today=TODAY)


#: A portal for page objects shown hand-written pages (``set_content``, no request): a guard
#: for it lets nothing through.
NO_PORTAL = "https://portal.invalid/"


def fence(page: Page, portal_url: str) -> FencedPage:
    """pytest-playwright's page behind the guard every check's context has (``portal_context``
    puts the same one on its own context): the flows take nothing else."""
    return FencedPage(page, fence_context(page.context, portal_url))


def chromium_launch_options(playwright: Playwright) -> dict[str, Any]:
    """The same browser the assistant would pick: Playwright's own build, else the system's."""
    from flows.launch import browser_candidates

    for choice in browser_candidates(playwright, None, None):
        if choice.executable_path is None and choice.channel is None:
            return {}
        if choice.executable_path is not None:
            return {"executable_path": choice.executable_path}
    raise RuntimeError("no Chromium found: run scripts/install-system-deps.sh (Debian chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    """pytest-playwright's shared test browser (it launches it, not flows/launch.py): with the
    launch's own flags, the flows' tests run through ``fence`` or ``portal_context``."""
    return {
        **browser_type_launch_args,
        **chromium_launch_options(playwright),
        "args": launch_arguments(["127.0.0.1"]),
    }


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh OFPRA_ASSISTANT_HOME for this test."""
    folder = tmp_path / "home"
    monkeypatch.setenv("OFPRA_ASSISTANT_HOME", str(folder))
    return folder


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """A real SMTP server on loopback, for the mailto:// channels."""
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """A real HTTP server on loopback, for the json:// and ntfy:// channels."""
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def desktop() -> Iterator[DesktopSession]:
    """A private D-Bus session with a real gnome-keyring and a real dunst, for the whole run.

    It is exported into this process's environment too, so in-process keyring and plyer calls
    reach it; the keyring backend is chosen again now that a Secret Service is there.
    """
    import keyring.core

    with DesktopSession() as session:
        session.apply_to_os_environ()
        keyring.core.init_backend()
        yield session


@pytest.fixture(scope="session", autouse=True)
def english_messages() -> Iterator[None]:
    """Messages in English for every test and every process it starts, whatever the machine's
    language (the assistant's default would be French). Tests of other languages say theirs."""
    import os

    saved = {name: os.environ.get(name) for name in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    for name in saved:
        os.environ.pop(name, None)
    os.environ["LANG"] = "en_US.UTF-8"
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# The mock portal through Flask's test client ------------------------------------------------


class _TableParser(HTMLParser):
    """Collects the documents table's headers, rows (cell texts), row classes and view links."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.row_classes: list[str] = []
        self.view_links: list[tuple[str, str]] = []
        self.caption = ""
        self._section = ""
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._section == "tbody":
            self.rows.append([])
            self.row_classes.append(attributes.get("class") or "")
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a" and self._section == "tbody":
            self.view_links.append((attributes["href"] or "", attributes["aria-label"] or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._section == "thead":
                self.headers.append(text)
            else:
                self.rows[-1].append(text)
            self._cell = None
        elif tag in ("thead", "tbody"):
            self._section = ""

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.caption += data


def interrupt_as_a_terminal_does() -> None:
    """For a spawned command's ``preexec_fn``: Ctrl-C interrupts it, as it does a person's. A
    test run started in the background by a shell (``cmd &``) ignores SIGINT, an ignored signal
    stays ignored across exec, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def files_holding(home: Path, *secrets: str | bytes) -> list[str]:
    """Every file under ``home`` that holds one of ``secrets``, as "path: secret" (the leak
    tests' scan of the home folder)."""
    found = []
    for path in (path for path in home.rglob("*") if path.is_file()):
        content = path.read_bytes()
        for secret in secrets:
            raw = secret.encode() if isinstance(secret, str) else secret
            if raw in content:
                found.append(f"{path}: {secret!r}")
    return found


def parse_table(html: str) -> _TableParser:
    parser = _TableParser()
    parser.feed(html)
    return parser


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token in the login form"
    return match.group(1)


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def log_in(client: FlaskClient, password: str = PASSWORD) -> str:
    token = csrf_from(page(client, LOGIN))
    response = client.post(
        LOGIN, data={"csrf_token": token, "identifier": IDENTIFIER, "password": password}
    )
    return response.get_data(as_text=True) if response.status_code == 200 else response.location


# The assistant's page through Flask's test client ------------------------------------------

#: The port the page's test client says it is served on (S2 checks ``Host`` against it).
PAGE_PORT = 8765
PAGE_BASE = f"http://127.0.0.1:{PAGE_PORT}"


def page_get(client: FlaskClient, path: str, **kwargs: Any) -> TestResponse:
    return client.get(path, base_url=PAGE_BASE, **kwargs)


def page_post(client: FlaskClient, path: str, **kwargs: Any) -> TestResponse:
    return client.post(path, base_url=PAGE_BASE, **kwargs)


def page_log_in(client: FlaskClient, key: bytes) -> FlaskClient:
    """A page session for ``client``, by the one-time token ``open`` would hand the browser."""
    from assistant.page.tokens import mint_token

    answer = page_post(client, "/session", data={"token": mint_token(key)})
    assert answer.status_code == 200
    return client


def state_rows(state_file: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a state file: what "nothing changed" compares."""
    import sqlite3

    with sqlite3.connect(state_file) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}"), key=repr) for t in sorted(tables)}


def mock_log(client: FlaskClient) -> dict[str, Any]:
    data = client.get("/__mock__/log").get_json()
    assert isinstance(data, dict)
    return data


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fixtures.mock_portal", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
