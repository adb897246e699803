"""The fence's cost per request: the check's own flow in a fenced context, against the same flow
in a context with no route at all, in one browser, interleaved.

Both run ``flows.check_flow.read_documents`` (log in, read the documents table, log out) with
scripts off, as a check does, on the bundled mock portal answering at once (its own process on
127.0.0.1), so that what differs is only the route: every request of the fenced context goes to
Python (``RequestGuard.handle``), which fetches it itself, reads a page's links and hands the
answer back. The baseline's guard fences nothing (it is given its context without a route, so
that the flow's bookkeeping is the same); the browser fetches its pages itself.

Then one more pass, not timed against anything, says where a fenced request's time goes: each
call the guard makes to the driver, timed (fetch, fulfill, the body), and its own Python.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.harness import (
    IDENTIFIER,
    PASSWORD,
    BenchmarkError,
    Figure,
    chromium_executable,
    interleave,
    median,
    mock_portal_process,
)

NAME = "fence"
SCENARIO = "mixed"
#: The guard's calls timed in the breakdown (owner, attribute).
TIMED_CALLS = (
    ("Route", "fetch"),
    ("Route", "fulfill"),
    ("Route", "abort"),
    ("Request", "all_headers"),
    ("APIResponse", "text"),
    ("fence", "table_links"),
    ("RequestGuard", "handle"),
)


def measure(rounds: int = 12, budget_seconds: float = 90) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    from flows.launch import launch_browser

    executable = chromium_executable()
    with mock_portal_process(SCENARIO) as login_url, sync_playwright() as playwright:
        browser = launch_browser(playwright, [login_url], executable_path=executable)
        try:
            requests: dict[str, int] = {}

            def run(fenced: bool) -> float:
                elapsed, count = one_reading(browser, login_url, fenced=fenced)
                requests["fenced" if fenced else "bare"] = count
                return elapsed

            measured = interleave(
                lambda: run(False), lambda: run(True), rounds, budget_seconds, min_rounds=5
            )
            calls = breakdown(browser, login_url)
        finally:
            browser.close()
    if requests["fenced"] != requests["bare"]:
        raise BenchmarkError(f"the two readings did not make the same requests: {requests}")
    count = requests["fenced"]
    per_request = (median(measured.subject) - median(measured.baseline)) / count
    return [
        measured.figure(
            "the check's flow, fenced (0 ms pages)",
            "same flow, no route",
            None,
            note=f"{count} requests a check, each {per_request * 1000:.1f} ms more when fenced; "
            f"where a fenced request's time goes: {calls}",
        ),
        Figure(
            "  the fence's cost per request",
            per_request,
            "s",
            note="the difference of the two medians over the requests of a check",
        ),
    ]


def one_reading(browser: Any, login_url: str, *, fenced: bool) -> tuple[float, int]:
    """One reading of the documents in a fresh context (scripts off), fenced or not: its
    seconds (the flow only, not the context's set-up) and how many requests its pages made."""
    from flows.check_flow import read_documents
    from flows.fence import FencedPage, RequestGuard

    context = browser.new_context(
        accept_downloads=False, service_workers="block", java_script_enabled=False
    )
    try:
        made: list[str] = []
        context.on("request", lambda request: made.append(request.url))
        guard = RequestGuard(login_url)
        if fenced:
            guard.install(context)
        else:
            # The baseline: the guard's bookkeeping without its route (never done in a check:
            # a page object needs a guard on its context, and this one fences nothing).
            guard._context = context
        page = FencedPage(context.new_page(), guard)
        started = time.perf_counter()
        reading = read_documents(page, login_url, IDENTIFIER, PASSWORD)
        elapsed = time.perf_counter() - started
        if not reading.letters:
            raise BenchmarkError("the reading found no letter")
        return elapsed, len(made)
    finally:
        context.close()


def breakdown(browser: Any, login_url: str, runs: int = 4) -> str:
    """Where a fenced request's time goes: each timed call's count and median per check."""
    spent: dict[str, list[float]] = {}
    with _timing(spent):
        for _ in range(runs):
            one_reading(browser, login_url, fenced=True)
    parts = []
    for name, times in spent.items():
        if name == "handle" or not times:
            continue
        parts.append(f"{name} {len(times) / runs:.0f}x {statistics.median(times) * 1000:.1f} ms")
    handle = spent.get("handle") or [0.0]
    total = f"the route handler {statistics.median(handle) * 1000:.1f} ms a request"
    return ", ".join([total, *parts]) + " (medians)"


@contextmanager
def _timing(spent: dict[str, list[float]]) -> Iterator[None]:
    """Time the calls of ``TIMED_CALLS`` while the block runs (put back after)."""
    import playwright.sync_api as api

    import flows.fence as fence

    owners: dict[str, Any] = {
        "Route": api.Route,
        "Request": api.Request,
        "APIResponse": api.APIResponse,
        "fence": fence,
        "RequestGuard": fence.RequestGuard,
    }
    saved = []
    for owner_name, attribute in TIMED_CALLS:
        owner = owners[owner_name]
        original = getattr(owner, attribute)
        saved.append((owner, attribute, original))
        setattr(owner, attribute, _timed(original, spent.setdefault(attribute, [])))
    try:
        yield
    finally:
        for owner, attribute, original in saved:
            setattr(owner, attribute, original)


def _timed(function: Callable[..., Any], times: list[float]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - started)

    return timed
