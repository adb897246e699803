"""``ofpra-assistant --help`` against a bare ``python -c pass``: what the command adds to start.

Both are the project's own interpreter (the same site-packages and editable install are set up
for both), so the ratio is what the assistant's own imports and argument parser cost.
"""

from __future__ import annotations

from benchmarks.harness import COMMAND, PYTHON, Figure, interleave, timed_run

NAME = "startup"
TARGET_RATIO = 3.0


def measure(rounds: int = 20, budget_seconds: float = 60) -> list[Figure]:
    def bare() -> float:
        return timed_run([PYTHON, "-c", "pass"])[0]

    def help_() -> float:
        elapsed, done = timed_run([COMMAND, "--help"])
        # In the system's language (French when the locale is C): the usage line's own words.
        if "ofpra-assistant [-h]" not in done.stdout.splitlines()[0]:
            raise RuntimeError("ofpra-assistant --help printed no usage")
        return elapsed

    measured = interleave(bare, help_, rounds, budget_seconds)
    return [
        measured.figure(
            "`ofpra-assistant --help` start-up",
            "python -c pass",
            TARGET_RATIO,
        )
    ]
