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
from pathlib import Path

from assistant.consent import make_consent
from assistant.credentials import Credentials, CredentialStore
from assistant.errors import CredentialsMissingError
from assistant.notifiers import AlertDispatcher
from assistant.results import Alert
from assistant.runner import CheckRunner, Environment, utc_now
from assistant.settings import Settings
from assistant.state import StateStore
from benchmarks.harness import (
    IDENTIFIER,
    PASSWORD,
    BenchmarkError,
    Figure,
    interleave,
    median,
    mock_portal_process,
)

NAME = "volunteer"
PROFILES = 20
TARGET_RATIO = 5.0


class MemoryCredentialStore(CredentialStore):
    """Stands in for the keyring (the pattern of tests/test_runner.py)."""

    def __init__(self) -> None:
        super().__init__("memory")
        self.stored: dict[str, Credentials] = {}

    def ensure_secure_backend(self) -> str:
        return "memory"

    def save(self, profile: str, credentials: Credentials) -> None:
        self.stored[profile] = credentials

    def load(self, profile: str) -> Credentials:
        if profile not in self.stored:
            raise CredentialsMissingError(f"No password stored for '{profile}'.")
        return self.stored[profile]


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
        finally:
            state.close()
    per_profile = (median(measured.subject) - median(measured.baseline)) / (PROFILES - 1)
    return [
        measured.figure(
            f"{PROFILES} profiles, one browser",
            "1 profile",
            TARGET_RATIO,
            note=f"each further profile adds {per_profile:.2f} s",
        )
    ]
