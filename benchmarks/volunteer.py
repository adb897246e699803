"""A volunteer's run over 20 profiles against the run of one profile, through the runner.

``CheckRunner.check_many`` checks up to ``[browser] concurrency`` profiles at a time (3 here) in
one browser, each in a fresh context, so 20 profiles should cost one browser start plus seven
rounds of sessions, not 20 checks. The target is on a mock portal that answers each page after
300 ms, as a real portal does over a home connection: there the sessions mostly wait, and
waiting is what runs at once. The same run on a portal that answers at once says what the
machine's two cores allow when nothing waits. Measured in this process (imports are paid once,
before both), with the real browsers (worker threads, one Chromium), a real SQLite state, and
the credentials in memory (the keyring has its own benchmark in ``check``); the mock portal runs
in its own process.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.notifiers import AlertDispatcher
from assistant.pool import driver_pool
from assistant.results import Alert
from assistant.runner import CheckRunner, Environment, launch_for_hosts, utc_now
from assistant.settings import BrowserSettings, Settings
from assistant.state import StateStore
from benchmarks.bare_check import bare_session
from benchmarks.harness import (
    IDENTIFIER,
    PASSWORD,
    BenchmarkError,
    Figure,
    Rounds,
    interleave,
    median,
    mock_portal_process,
)
from fixtures.memory_credentials import MemoryCredentialStore

NAME = "volunteer"
PROFILES = 20
CONCURRENCY = 3
TARGET_RATIO = 5.0
#: A real portal over a home connection (the issue's figure).
PAGE_DELAY_MS = 300


class CountingNotifier:
    """Counts the alerts; a volunteer's desktop is not what is measured."""

    kind = "counting"

    def __init__(self) -> None:
        self.sent = 0

    def send(self, alert: Alert) -> None:
        self.sent += 1


@contextmanager
def volunteer_environment(
    login_url: str, concurrency: int = CONCURRENCY, profiles: int = PROFILES
) -> Iterator[tuple[Environment, list[str]]]:
    """A home with ``profiles`` profiles on the portal at ``login_url``, and their names."""
    with tempfile.TemporaryDirectory(prefix="ofpra-bench-") as home:
        state = StateStore(Path(home) / "state.sqlite3")
        env = Environment(
            settings=Settings(browser=BrowserSettings(concurrency=concurrency)),
            state=state,
            credentials=MemoryCredentialStore(),
            dispatcher=AlertDispatcher([CountingNotifier()]),
            browser_pool=driver_pool,
        )
        names = [f"person{number:02d}" for number in range(1, profiles + 1)]
        now = utc_now()
        for name in names:
            state.save_profile(name, login_url, "en", now)
            state.record_consent(name, make_consent("Benchmark", "helper", "en", now))
            env.credentials.save(name, Credentials(IDENTIFIER, PASSWORD))
        try:
            yield env, names
        finally:
            state.close()


def measure(rounds: int = 5, budget_seconds: float = 300) -> list[Figure]:
    slow, _ = _profiles_at_once(PAGE_DELAY_MS, rounds=3, budget_seconds=budget_seconds / 2)
    at_once, per_session = _profiles_at_once(0, rounds, budget_seconds / 2, one_more=True)
    assert per_session is not None
    return [
        slow,
        at_once,
        per_session.figure(
            "one more profile, browser open",
            "bare Playwright session",
            None,
            note="what each profile after the first costs, against the same pages read by "
            "hand in a fresh context of the same browser",
        ),
    ]


def _profiles_at_once(
    delay_ms: float, rounds: int, budget_seconds: float, one_more: bool = False
) -> tuple[Figure, Rounds | None]:
    """20 profiles against one, on a portal answering each page after ``delay_ms``; and, if
    asked, what one more profile costs in an open browser."""
    with (
        mock_portal_process("mixed", page_delay_ms=delay_ms) as login_url,
        volunteer_environment(login_url) as (env, names),
    ):
        runner = CheckRunner(env)
        cpu: list[CpuUse] = []
        measured = interleave(
            lambda: _run(runner, names[:1]),
            lambda: _run(runner, names, cpu),
            rounds,
            budget_seconds,
        )
        per_session = _one_more_profile(env, login_url, names[0]) if one_more else None
    per_profile = (median(measured.subject) - median(measured.baseline)) / (PROFILES - 1)
    where = f"{delay_ms:g} ms pages" if delay_ms else "pages at once"
    figure = measured.figure(
        f"{PROFILES} profiles, {CONCURRENCY} at a time, {where}",
        "1 profile",
        TARGET_RATIO if delay_ms else None,
        note=f"each further profile adds {per_profile:.2f} s; where the time goes: "
        f"{_cpu_note(cpu)}",
    )
    return figure, per_session


@dataclass(frozen=True)
class CpuUse:
    """The CPU a run used: this process's (every thread), and its children's (the drivers, and
    Chromium through them, counted once they have exited: each run closes its browser)."""

    wall: float
    python: float
    children: float


def _cpu_note(uses: list[CpuUse]) -> str:
    """The median run's CPU against what the machine's cores could give in its time: a run
    that used them all waits for the CPU, not for the portal."""
    if not uses:
        return "not measured"
    use = sorted(uses, key=lambda u: u.wall)[(len(uses) - 1) // 2]
    cores = os.cpu_count() or 1
    busy = (use.python + use.children) / (use.wall * cores)
    return (
        f"{use.python + use.children:.1f} s of CPU in {use.wall:.1f} s "
        f"({100 * busy:.0f}% of {cores} cores, while other work shares them): this Python "
        f"{use.python:.1f} s, drivers and Chromium {use.children:.1f} s"
    )


def _run(runner: CheckRunner, profiles: list[str], cpu: list[CpuUse] | None = None) -> float:
    before = os.times()
    started = time.perf_counter()
    results = runner.check_many(profiles)
    elapsed = time.perf_counter() - started
    after = os.times()
    if cpu is not None:
        cpu.append(
            CpuUse(
                wall=elapsed,
                python=(after.user - before.user) + (after.system - before.system),
                children=(after.children_user - before.children_user)
                + (after.children_system - before.children_system),
            )
        )
    failed = [r for r in results if r.error is not None]
    if failed:
        raise BenchmarkError(f"{len(failed)} check(s) failed: {failed[0].error}")
    return elapsed


def _one_more_profile(env: Environment, login_url: str, profile: str) -> Rounds:
    """A profile's check in an open browser, against a bare session in a fresh context: how
    much of a further profile's cost is the assistant's, and how much the browser's."""
    with launch_for_hosts(env.settings, [login_url]) as browser:
        runner = CheckRunner(
            replace(
                env,
                browser_source=lambda settings, hosts: nullcontext(browser),
                browser_pool=None,  # this thread's browser, one profile after the other
            )
        )

        def check() -> float:
            started = time.perf_counter()
            [result] = runner.check_many([profile])
            elapsed = time.perf_counter() - started
            if result.error is not None:
                raise BenchmarkError(f"the check failed: {result.error}")
            return elapsed

        def bare() -> float:
            started = time.perf_counter()
            context = browser.new_context()
            try:
                bare_session(context.new_page(), login_url, IDENTIFIER, PASSWORD)
            finally:
                context.close()
            return time.perf_counter() - started

        return interleave(bare, check, rounds=10, budget_seconds=60)
