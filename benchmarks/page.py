"""The page's cost: the overview of 20 profiles, and ``open`` to the first byte of the page.

- **Overview, 20 profiles**: the page served by ``PageServer`` (the agent's own server, in this
  process) on a home whose 20 profiles were checked a moment ago (written straight into the
  state: ``fixtures/checked_homes.py``, three letters each, French, Dari and Arabic holders); a
  logged-in ``GET /`` timed to its last byte, on a new connection each time, as a tab reloads.
  Baseline: the same page with one profile (which the overview shows directly: its own page).
- **``open`` to the first byte**: an agent (``ofpra-assistant run``, a process of its own) serves
  the page; timed from starting ``ofpra-assistant open --print-url`` to the first byte of the
  page the browser lands on: the process, then what the opener file does (the token POSTed to
  ``/session``), then ``GET`` of where it leads. The browser's own start is not counted (it is
  the person's, and already open most of the time). Baseline: ``ofpra-assistant --version``.
"""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.check import assistant_env
from benchmarks.harness import (
    COMMAND,
    BenchmarkError,
    Figure,
    Target,
    interleave,
    median,
    timed_run,
)
from fixtures.checked_homes import checked_home
from fixtures.desktop_session import DesktopSession

NAME = "page"
TARGET_OVERVIEW_SECONDS = 0.050
TARGET_OPEN_SECONDS = 1.0
PROFILES = 20
LANGUAGES = ("fr", "fa_AF", "ar")


class Session:
    """A logged-in browser, as far as the page can tell: its cookie, from a one-time token."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookie = ""

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        return connection.getresponse(), connection

    def log_in(self, opener_html: str) -> str:
        """What the opener file does in a browser: POST its token; returns where it leads."""
        fields = dict(re.findall(r'name="(token|next)" value="([^"]*)"', opener_html))
        answer, connection = self.request("POST", "/session", urllib.parse.urlencode(fields))
        page = answer.read().decode("utf-8", "replace")
        connection.close()
        if answer.status != 200 or not answer.getheader("Set-Cookie"):
            raise BenchmarkError(f"the token was refused ({answer.status})")
        self.cookie = answer.getheader("Set-Cookie", "").split(";", 1)[0]
        target = re.search(r'url=([^"]+)"', page)
        return target.group(1) if target else fields.get("next", "/")

    def load(self, path: str) -> int:
        """``path`` followed through redirects to its last byte; its final status."""
        for _ in range(5):
            answer, connection = self.request("GET", path)
            answer.read()
            connection.close()
            if answer.status in (301, 302, 303, 307, 308):
                path = urllib.parse.urlsplit(answer.getheader("Location", "/")).path or "/"
                continue
            return answer.status
        raise BenchmarkError(f"too many redirects from {path}")

    def first_byte(self, path: str) -> float:
        """``GET path``; when its first byte (the status line) arrived."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        connection.request("GET", path, headers={"Cookie": self.cookie})
        answer = connection.getresponse()
        arrived = time.perf_counter()
        answer.read()
        connection.close()
        if answer.status not in (200, 302, 303):
            raise BenchmarkError(f"the page answered {answer.status} to {path}")
        return arrived


@contextmanager
def served(home: Path) -> Iterator[Session]:
    """The page of ``home`` served in this process, and a session logged in to it."""
    from assistant.page.server import PageServer
    from assistant.page.tokens import ensure_opener_key, mint_token, write_opener_file
    from assistant.settings import Paths, Settings

    paths = Paths(config_dir=home, data_dir=home)
    server = PageServer.start(paths, Settings())
    try:
        session = Session(server.url)
        opener = write_opener_file(paths, server.url, mint_token(ensure_opener_key(paths)))
        session.log_in(opener.read_text(encoding="utf-8"))
        yield session
    finally:
        server.stop()


def overview_seconds(session: Session) -> float:
    started = time.perf_counter()
    status = session.load("/")
    elapsed = time.perf_counter() - started
    if status != 200:
        raise BenchmarkError(f"the overview answered {status}")
    return elapsed


def measure_overview(root: Path) -> Figure:
    one, many = root / "one", root / "twenty"
    checked_home(one, ["amina"])
    checked_home(many, [f"person-{n:02d}" for n in range(PROFILES)], languages=LANGUAGES)
    with served(one) as single, served(many) as twenty:
        rounds = interleave(
            lambda: overview_seconds(single),
            lambda: overview_seconds(twenty),
            rounds=60,
            budget_seconds=30,
        )
    return Figure(
        name=f"page: overview, {PROFILES} profiles",
        subject=median(rounds.subject),
        unit="s",
        target=Target(TARGET_OVERVIEW_SECONDS, "s"),
        baseline=median(rounds.baseline),
        baseline_name="1 profile",
        ratio=median(rounds.ratios),
        note=f"logged-in GET / to its last byte; {rounds.spread()}",
    )


def open_seconds(env: dict[str, str]) -> float:
    started = time.perf_counter()
    _, done = timed_run([COMMAND, "open", "--print-url"], env=env)
    opener = Path(urllib.parse.unquote(urllib.parse.urlsplit(done.stdout.strip()).path))
    base = Path(env["OFPRA_ASSISTANT_HOME"], "page.json").read_text()
    session = Session(re.search(r'"url": "([^"]+)"', base).group(1))  # type: ignore[union-attr]
    target = session.log_in(opener.read_text(encoding="utf-8"))
    return session.first_byte(target) - started


def measure_open(root: Path) -> Figure:
    home = root / "open"
    checked_home(home, ["amina", "bilal", "chirine"], languages=LANGUAGES)
    with DesktopSession(notifications=False) as desktop:
        env = assistant_env(desktop, str(home))
        agent = subprocess.Popen(
            [COMMAND, "run"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not (home / "page.json").exists():
                if agent.poll() is not None or time.monotonic() > deadline:
                    raise BenchmarkError("the agent did not serve the page")
                time.sleep(0.1)
            rounds = interleave(
                lambda: timed_run([COMMAND, "--version"], env=env)[0],
                lambda: open_seconds(env),
                rounds=15,
                budget_seconds=40,
            )
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=30)
    return Figure(
        name="page: open to its first byte",
        subject=median(rounds.subject),
        unit="s",
        target=Target(TARGET_OPEN_SECONDS, "s"),
        baseline=median(rounds.baseline),
        baseline_name="ofpra-assistant --version",
        ratio=median(rounds.ratios),
        note=f"agent running; the browser's own start not counted; {rounds.spread()}",
    )


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="ofpra-bench-page-") as root:
        return [measure_overview(Path(root)), measure_open(Path(root))]
