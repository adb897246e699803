"""A volunteer's run over 20 profiles against the run of one profile, through the runner.

``CheckRunner.check_many`` starts one browser and gives each profile a fresh context, so 20
profiles should cost one browser start plus 20 short sessions, not 20 checks. Measured in this
process (imports are paid once, before both), with the real browser source, a real SQLite state,
and the credentials in memory (the keyring has its own benchmark in ``check``); the mock portal
runs in its own process.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.notifiers import AlertDispatcher
from assistant.results import Alert
from assistant.runner import CheckRunner, Environment, launch_for_hosts, utc_now
from assistant.settings import Settings
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
TARGET_RATIO = 5.0


class CountingNotifier:
    """Counts the alerts; a volunteer's desktop is not what is measured."""

    kind = "counting"

    def __init__(self) -> None:
        self.sent = 0

    def send(self, alert: Alert) -> None:
        self.sent += 1


def measure(rounds: int = 5, budget_seconds: float = 300) -> list[Figure]:
    with (
        mock_portal_process("mixed") as login_url,
        tempfile.TemporaryDirectory(prefix="ofpra-bench-") as home,
    ):
        state = StateStore(Path(home) / "state.sqlite3")
        env = Environment(
            settings=Settings(),
            state=state,
            credentials=MemoryCredentialStore(),
            dispatcher=AlertDispatcher([CountingNotifier()]),
        )
        names = [f"person{number:02d}" for number in range(1, PROFILES + 1)]
        now = utc_now()
        for name in names:
            state.save_profile(name, login_url, "en", now)
            state.record_consent(name, make_consent("Benchmark", "helper", "en", now))
            env.credentials.save(name, Credentials(IDENTIFIER, PASSWORD))
        runner = CheckRunner(env)

        def run(profiles: list[str]) -> float:
            started = time.perf_counter()
            results = runner.check_many(profiles)
            elapsed = time.perf_counter() - started
            failed = [r for r in results if r.error is not None]
            if failed:
                raise BenchmarkError(f"{len(failed)} check(s) failed: {failed[0].error}")
            return elapsed

        try:
            measured = interleave(
                lambda: run(names[:1]), lambda: run(names), rounds, budget_seconds
            )
            per_session = _one_more_profile(env, login_url, names[0])
        finally:
            state.close()
    per_profile = (median(measured.subject) - median(measured.baseline)) / (PROFILES - 1)
    return [
        measured.figure(
            f"{PROFILES} profiles, one browser",
            "1 profile",
            TARGET_RATIO,
            note=f"each further profile adds {per_profile:.2f} s",
        ),
        per_session.figure(
            "one more profile, browser open",
            "bare Playwright session",
            None,
            note="what each profile after the first costs, against the same pages read by "
            "hand in a fresh context of the same browser",
        ),
    ]


def _one_more_profile(env: Environment, login_url: str, profile: str) -> Rounds:
    """A profile's check in an open browser, against a bare session in a fresh context: how
    much of a further profile's cost is the assistant's, and how much the browser's."""
    with launch_for_hosts(env.settings, [login_url]) as browser:
        runner = CheckRunner(
            replace(env, browser_source=lambda settings, hosts: nullcontext(browser))
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
