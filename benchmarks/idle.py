"""The agent between checks: ``ofpra-assistant run`` idling, watched from outside for 60 s.

The agent is started on a home whose one profile was checked a moment before, so that nothing
is due and it waits. After it settles, it is sampled once a second: its resident memory (VmRSS
in /proc/<pid>/status), its CPU time (utime + stime in /proc/<pid>/stat, over the whole window),
and its descendants (no Chromium process may be among them). Then it is stopped with SIGTERM.

The agent serves the page (issue 20): before the window, a session is opened on it with a
one-time token and the overview is loaded once, as a person would, so that what the page costs
once used (Flask, its templates, its model) is in the figure.

``run`` is on a branch not merged yet: where this tree has no such command, the figure says
"not measured" and the other benchmarks go on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.check import assistant_env, set_up_profile
from benchmarks.harness import (
    COMMAND,
    BenchmarkError,
    Figure,
    Target,
    mock_portal_process,
    not_measured,
    timed_run,
)
from fixtures.desktop_session import DesktopSession

NAME = "idle"
WINDOW_SECONDS = 60.0
#: Before the window: the agent's start-up (imports, the first tick) is not "waiting".
SETTLE_SECONDS = 10.0
SETTLE_LIMIT_SECONDS = 120.0
#: With the page served and used once (60 MB before the page).
TARGET_RSS_MB = 70.0
#: "Near zero": at most 0.5% of one core, i.e. 0.3 s of CPU in the 60 s window.
TARGET_CPU_PERCENT = 0.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def run_command_exists() -> bool:
    done = subprocess.run(
        [COMMAND, "run", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    return not (done.returncode == 2 and "invalid choice" in done.stderr)


@dataclass
class Watch:
    rss_kb: list[int] = field(default_factory=list)
    browsers: list[int] = field(default_factory=list)
    others: set[str] = field(default_factory=set)
    cpu_ticks: int = 0
    seconds: float = 0.0
    page_url: str = ""
    #: VmRSS once settled, the page served but not opened yet.
    unused_rss_kb: int = 0


def measure(window_seconds: float = WINDOW_SECONDS) -> list[Figure]:
    name = "agent idle"
    if not run_command_exists():
        print(f"{name}: not measured (no `run` command yet)", file=sys.stderr)
        return [not_measured(name, "not measured (no `run` command yet)")]
    with (
        DesktopSession(notifications=False) as desktop,
        mock_portal_process("mixed") as login_url,
        tempfile.TemporaryDirectory(prefix="ofpra-bench-") as home,
    ):
        env = assistant_env(desktop, home)
        set_up_profile(env, login_url)
        timed_run([COMMAND, "check", "--json"], env=env)  # so that the last check is recent
        watch = watch_agent(env, Path(home), window_seconds)
    rss_mb = max(watch.rss_kb) / 1024
    cpu_percent = 100 * watch.cpu_ticks / CLOCK_TICKS / watch.seconds
    others = f"; other descendants: {', '.join(sorted(watch.others))}" if watch.others else ""
    others += f"; page served at {watch.page_url}, overview loaded once before the window"
    return [
        Figure(
            f"{name}: resident memory",
            rss_mb,
            "MB",
            Target(TARGET_RSS_MB, "MB"),
            note=f"highest VmRSS over {watch.seconds:.0f} s{others}",
        ),
        Figure(
            f"{name}: resident memory, page not opened yet",
            watch.unused_rss_kb / 1024,
            "MB",
            Target(TARGET_RSS_MB, "MB"),
            note="VmRSS once settled, before the overview was loaded",
        ),
        Figure(
            f"{name}: CPU",
            cpu_percent,
            "%",
            Target(TARGET_CPU_PERCENT, "%"),
            note=f"{watch.cpu_ticks / CLOCK_TICKS:.2f} s of CPU in {watch.seconds:.0f} s "
            "(% of one core)",
        ),
        Figure(
            f"{name}: Chromium processes",
            float(max(watch.browsers)),
            "",
            Target(0),
            note="most seen at once among the agent's descendants",
        ),
    ]


def watch_agent(env: dict[str, str], home: Path, window_seconds: float) -> Watch:
    log = (home / "agent-output.txt").open("w")
    agent = subprocess.Popen(
        [COMMAND, "run"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that stopping it stops only it
    )
    try:
        started = time.monotonic()
        # Settled: past its start, and no browser of a first check still alive.
        while True:
            _alive_or_fail(agent, home)
            elapsed = time.monotonic() - started
            if elapsed >= SETTLE_SECONDS and not _browsers(descendants(agent.pid)):
                break
            if elapsed > SETTLE_LIMIT_SECONDS:
                raise BenchmarkError("the agent did not settle: a browser stays open")
            time.sleep(0.5)
        unused = _rss_kb(agent.pid)
        watch = Watch(page_url=use_the_page(home), unused_rss_kb=unused)
        first = _cpu_ticks(agent.pid)
        window_start = time.monotonic()
        while time.monotonic() - window_start < window_seconds:
            _alive_or_fail(agent, home)
            family = descendants(agent.pid)
            watch.rss_kb.append(_rss_kb(agent.pid))
            watch.browsers.append(len(_browsers(family)))
            watch.others.update(_command(pid) for pid in family if pid not in _browsers(family))
            time.sleep(1.0)
        watch.cpu_ticks = _cpu_ticks(agent.pid) - first
        watch.seconds = time.monotonic() - window_start
        return watch
    finally:
        _stop(agent)
        log.close()


def use_the_page(home: Path) -> str:
    """Log in to the agent's page with a one-time token and load the overview; its address."""
    import json

    from assistant.page.tokens import ensure_opener_key, mint_token, write_opener_file
    from assistant.settings import Paths
    from benchmarks.page import Session

    page_file = home / "page.json"
    if not page_file.exists():
        raise BenchmarkError("the agent does not serve the page (no page.json)")
    url = str(json.loads(page_file.read_text())["url"])
    paths = Paths(config_dir=home, data_dir=home)
    opener = write_opener_file(paths, url, mint_token(ensure_opener_key(paths)))
    session = Session(url)
    session.load(session.log_in(opener.read_text(encoding="utf-8")))
    return url


def _alive_or_fail(agent: subprocess.Popen[bytes], home: Path) -> None:
    if agent.poll() is not None:
        output = (home / "agent-output.txt").read_text(errors="replace").strip().splitlines()
        raise BenchmarkError(
            f"the agent exited with {agent.returncode}: " + " | ".join(output[-5:])
        )


def _stop(agent: subprocess.Popen[bytes]) -> None:
    if agent.poll() is None:
        os.killpg(agent.pid, signal.SIGTERM)
        try:
            agent.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(agent.pid, signal.SIGKILL)
            agent.wait(timeout=20)


# /proc -------------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name is in parentheses and may hold spaces: the fields start after it.
    return text[text.rindex(")") + 2 :].split()


def _cpu_ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchmarkError(f"no VmRSS for process {pid}")


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _browsers(pids: list[int]) -> list[int]:
    names = ("chrom", "headless_shell", "msedge")
    return [pid for pid in pids if any(n in _command(pid).lower() for n in names)]
