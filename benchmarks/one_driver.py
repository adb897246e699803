"""One Playwright driver for a run of checks, against one driver per worker thread.

The same sessions (``flows.check_flow.read_documents`` in a fenced context, scripts off) for
20 profiles, 3 at a time, on the mock portal answering each page after 300 ms, run two ways:

- ``threads``: ``assistant.browsers.BrowserWorkers``, what ``check --all`` uses: a worker thread
  per session at once, each with its own Playwright driver (Node.js), connected to one Chromium
  run as a server by one more Node.js (or, for one profile, launched by the one worker);
- ``one``: ``flows.driver.SharedDriver``: one driver and one Chromium on a thread of their own;
  the 3 worker threads hand it their sessions, which run there as greenlets.

Each run is a process of its own (``python -m benchmarks.one_driver --variant ...``), watched
from outside by a ``TreeSampler`` (the PSS of the process and every descendant, summed: the
drivers, Chromium), and timed inside, from the pool's start to its close. One profile, then 20,
each way, interleaved.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.harness import (
    IDENTIFIER,
    PASSWORD,
    PYTHON,
    BenchmarkError,
    Figure,
    chromium_executable,
    median,
    mock_portal_process,
)

NAME = "one-driver"
PROFILES = 20
CONCURRENCY = 3
PAGE_DELAY_MS = 300
VARIANTS = ("threads", "one")


def read_one(browser: Any, login_url: str) -> int:
    """One session: the check's flow in a fresh fenced context; the letters read."""
    from flows.check_flow import read_documents
    from flows.fence import portal_context

    with portal_context(browser, login_url) as fenced:
        return len(read_documents(fenced, login_url, IDENTIFIER, PASSWORD).letters)


def run_threads(login_url: str, executable: str, profiles: int, concurrency: int) -> list[int]:
    """What check --all does today: worker threads, a driver each."""
    from assistant.browsers import BrowserWorkers
    from assistant.settings import BrowserSettings, Settings

    settings = Settings(browser=BrowserSettings(executable_path=executable))
    read: list[int] = []
    failures: list[BaseException] = []
    finished = threading.Semaphore(0)

    def job(in_browser: Callable[[Callable[[Any], int]], int]) -> None:
        try:
            read.append(in_browser(lambda browser: read_one(browser, login_url)))
        except BaseException as error:
            failures.append(error)
        finally:
            finished.release()

    workers = min(concurrency, profiles)
    with BrowserWorkers().open(settings, [login_url], workers) as pool:
        for _ in range(profiles):
            pool.submit(job)
        for _ in range(profiles):
            finished.acquire()
    if failures:
        raise failures[0]
    return read


def run_one(login_url: str, executable: str, profiles: int, concurrency: int) -> list[int]:
    """One driver: the worker threads hand it their sessions."""
    from flows.driver import SharedDriver

    with (
        SharedDriver([login_url], executable_path=executable) as driver,
        ThreadPoolExecutor(max_workers=min(concurrency, profiles)) as threads,
    ):
        sessions = [
            threads.submit(driver.run, lambda browser: read_one(browser, login_url))
            for _ in range(profiles)
        ]
        return [session.result() for session in sessions]


def main(argv: Sequence[str] | None = None) -> int:
    """One run, in this process: prints ``{"seconds": ..., "letters": [...]}``."""
    options = argparse.ArgumentParser(prog="python -m benchmarks.one_driver")
    options.add_argument("--variant", choices=VARIANTS, required=True)
    options.add_argument("--profiles", type=int, default=PROFILES)
    options.add_argument("--concurrency", type=int, default=CONCURRENCY)
    options.add_argument("--url", required=True)
    options.add_argument("--executable", required=True)
    args = options.parse_args(argv)
    run = run_threads if args.variant == "threads" else run_one
    started = time.perf_counter()
    letters = run(args.url, args.executable, args.profiles, args.concurrency)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "letters": letters}))
    return 0


def measure(rounds: int = 2) -> list[Figure]:
    from benchmarks.memory import sampled_run
    from fixtures.desktop_session import DesktopSession

    executable = chromium_executable()
    seconds: dict[tuple[str, int], list[float]] = {}
    peaks: dict[tuple[str, int], list[float]] = {}
    drivers: dict[tuple[str, int], list[float]] = {}
    with (
        DesktopSession(notifications=False) as desktop,
        mock_portal_process("mixed", page_delay_ms=PAGE_DELAY_MS) as login_url,
        tempfile.TemporaryDirectory(prefix="ofpra-bench-") as home,
    ):
        env = desktop.child_env()
        env["OFPRA_ASSISTANT_HOME"] = home
        for number in range(rounds + 1):
            order = VARIANTS if number % 2 == 0 else VARIANTS[::-1]
            for profiles in (1, PROFILES):
                for variant in order:
                    command = [
                        PYTHON, "-m", "benchmarks.one_driver", "--variant", variant,
                        "--profiles", str(profiles), "--url", login_url,
                        "--executable", executable,
                    ]  # fmt: skip
                    run = sampled_run(command, env=env)
                    result = json.loads(run.stdout)
                    if len(result["letters"]) != profiles or not all(result["letters"]):
                        raise BenchmarkError(f"{variant}: not every session read: {result}")
                    if number == 0:
                        continue  # the first round warms the caches
                    key = (variant, profiles)
                    seconds.setdefault(key, []).append(result["seconds"])
                    peaks.setdefault(key, []).append(run.peak.pss_mb)
                    drivers.setdefault(key, []).append(_driver_mb(run.peak))
    figures = []
    for variant in VARIANTS:
        one, many = median(seconds[(variant, 1)]), median(seconds[(variant, PROFILES)])
        figures.append(
            Figure(
                f"{PROFILES} profiles, {CONCURRENCY} at once, {PAGE_DELAY_MS} ms pages: {variant}",
                many,
                "s",
                baseline=one,
                baseline_name="1 profile, same way",
                ratio=many / one,
                note=f"{rounds} rounds; sessions only (no keyring, no state)",
            )
        )
    for variant in VARIANTS:
        one, many = median(peaks[(variant, 1)]), median(peaks[(variant, PROFILES)])
        figures.append(
            Figure(
                f"peak memory (PSS), {PROFILES} profiles: {variant}",
                many,
                "MB",
                baseline=one,
                baseline_name="1 profile, same way",
                ratio=many / one,
                note=f"of which Node.js (Playwright's drivers) "
                f"{median(drivers[(variant, PROFILES)]):.0f} MB; {rounds} rounds",
            )
        )
    return figures


def _driver_mb(peak: Any) -> float:
    from benchmarks.memory import DRIVER_PART

    return float(sum(p.usage.pss for k, p in peak.parts.items() if k == DRIVER_PART) / 1024)


if __name__ == "__main__":
    sys.exit(main())
