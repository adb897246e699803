"""A full ``ofpra-assistant check`` against a bare Playwright script that loads the same pages.

Both are processes of their own, started and timed from outside, against the bundled mock portal
(its own process on 127.0.0.1). The check is the real command: a temporary
``OFPRA_ASSISTANT_HOME``, the password in a real keyring (gnome-keyring in a private D-Bus
session), the state in SQLite. Alerts go to the console (``OFPRA_ASSISTANT_NOTIFIER=console``):
the desktop's notification daemon is not what is measured here. The baseline
(``benchmarks/bare_check.py``) launches the same browser binary with the same arguments, logs
in, reads the table, logs out and closes, and imports nothing but Playwright.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from benchmarks.harness import (
    COMMAND,
    IDENTIFIER,
    PASSWORD,
    PYTHON,
    ROOT,
    BenchmarkError,
    Figure,
    interleave,
    mock_portal_process,
    timed_run,
)
from fixtures.desktop_session import DesktopSession
from flows.launch import launch_arguments

NAME = "check"
TARGET_RATIO = 1.15
SCENARIO = "mixed"


def assistant_env(desktop: DesktopSession, home: str) -> dict[str, str]:
    """The environment of the real command: its own home, the private keyring, console alerts."""
    env = desktop.child_env()
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.update(
        OFPRA_ASSISTANT_HOME=home,
        OFPRA_ASSISTANT_NOTIFIER="console",
        OFPRA_ASSISTANT_KEYRING_SERVICE="ofpra-assistant-bench",
    )
    return env


def set_up_profile(env: dict[str, str], login_url: str, profile: str = "default") -> None:
    timed_run(
        [
            COMMAND,
            "setup",
            "--no-check",  # the check is measured on its own
            "--profile",
            profile,
            "--portal-url",
            login_url,
            "--identifier",
            "-",
            "--password-stdin",
            "--consent",
            "Benchmark",
            "--language",
            "en",
        ],
        env=env,
        stdin=f"{IDENTIFIER}\n{PASSWORD}\n",
    )


def bare_script_input(login_url: str, executable: str) -> str:
    """What ``bare_check.py`` reads on stdin: the same portal, account, browser and arguments."""
    return json.dumps(
        {
            "login_url": login_url,
            "identifier": IDENTIFIER,
            "password": PASSWORD,
            "executable_path": executable,
            # What launch_browser passes for a portal on this host.
            "args": launch_arguments([urlsplit(login_url).hostname or ""]),
        }
    )


def measure(
    rounds: int = 15, budget_seconds: float = 180, executable: str | None = None
) -> list[Figure]:
    from benchmarks.harness import chromium_executable

    executable = executable or chromium_executable()
    with (
        DesktopSession(notifications=False) as desktop,
        mock_portal_process(SCENARIO) as login_url,
        tempfile.TemporaryDirectory(prefix="ofpra-bench-") as home,
    ):
        env = assistant_env(desktop, home)
        set_up_profile(env, login_url)
        bare_input = bare_script_input(login_url, executable)
        seen: dict[str, int] = {}

        def bare() -> float:
            elapsed, done = timed_run(
                [PYTHON, str(ROOT / "benchmarks" / "bare_check.py")], env=env, stdin=bare_input
            )
            seen["bare"] = json.loads(done.stdout)["rows"]
            return elapsed

        def check() -> float:
            elapsed, done = timed_run([COMMAND, "check", "--json"], env=env)
            result = json.loads(done.stdout)
            if not result["ok"]:
                raise BenchmarkError(f"the check failed: {result['error']}")
            seen["check"] = len(result["letters"])
            return elapsed

        measured = interleave(bare, check, rounds, budget_seconds)
        if seen["bare"] != seen["check"] or not seen["check"]:
            raise BenchmarkError(f"the two did not read the same table: {seen}")
        figure = measured.figure(
            "full `check` (CLI process)",
            "bare Playwright script",
            TARGET_RATIO,
            note=f"{seen['check']} letters; console notifier; real keyring",
        )
        if figure.value is not None and figure.value > TARGET_RATIO:
            figure = replace(figure, note=f"{figure.note}; {profile_check(env)}")
    return [figure]


#: What the profile of a check sums, by the functions' files and names: the imports by their
#: cumulative time (``_find_and_load`` holds the whole of an import), the rest by their own time
#: (so that nothing is counted twice).
IMPORTS = ("<frozen importlib._bootstrap>", "_find_and_load")
PROFILE_PARTS = (
    ("waiting for the browser's thread (launch and session)", ("method 'acquire' of",)),
    ("the keyring (D-Bus)", ("keyring", "secretstorage", "jeepney", "dbus")),
    ("the state (SQLite)", ("sqlite3",)),
)


def profile_check(env: dict[str, str]) -> str:
    """Where one check's time goes, from cProfile on the command's own thread (the browser
    runs on a worker thread: this thread's wait for it is the session and the launch)."""
    import pstats

    with tempfile.TemporaryDirectory(prefix="ofpra-profile-") as folder:
        out = f"{folder}/check.prof"
        elapsed, _ = timed_run([PYTHON, "-m", "cProfile", "-o", out, COMMAND, "check"], env=env)
        stats: Any = pstats.Stats(out)
    spent = {"imports": 0.0, **dict.fromkeys([name for name, _ in PROFILE_PARTS], 0.0)}
    for (filename, _, function), row in stats.stats.items():
        where = f"{filename} {function}"
        if (filename, function) == IMPORTS:
            spent["imports"] += row[3]  # cumtime
            continue
        for name, marks in PROFILE_PARTS:
            if any(mark in where for mark in marks):
                spent[name] += row[2]  # tottime
                break
    known = sum(spent.values())
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.items())
    return (
        f"profile of one check ({elapsed:.2f} s under cProfile, the command's thread): {parts}, "
        f"the rest (Python start, settings, recording, output) {max(0.0, elapsed - known):.2f} s"
    )
