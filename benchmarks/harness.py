"""What every benchmark shares: timing, medians, interleaved rounds, targets and the table.

Benchmarks print figures; they are not timed tests. The machines are shared and noisy, so a
figure is a median over repeated runs, and a subject is always measured against a baseline run
in the same rounds, interleaved (baseline, subject, then subject, baseline, ...), so that drift in
the machine's load falls on both alike.
"""

from __future__ import annotations

import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The project's own interpreter and command (``make bench`` has set them up).
PYTHON = str(Path(sys.executable))
COMMAND = str(Path(sys.executable).with_name("ofpra-assistant"))

#: The mock portal's test credentials (every scenario but ``wrong_password`` accepts them).
IDENTIFIER = "1234561552"
PASSWORD = "Mock-Portal-2026!"


class BenchmarkError(RuntimeError):
    """A benchmark could not run (a command failed, a server did not start)."""


# Targets and figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """An upper bound on a figure: ``value <= limit``, in the figure's unit."""

    limit: float
    unit: str = ""

    def describe(self) -> str:
        return f"≤ {format_value(self.limit, self.unit)}"

    def verdict(self, value: float) -> str:
        if value <= self.limit:
            return "target met"
        if self.limit == 0:
            return f"missed ({format_value(value, self.unit)})"
        return f"missed by {100 * (value / self.limit - 1):.0f}%"


@dataclass(frozen=True)
class Figure:
    """One line of the table.

    ``value`` is what the target is about: the ratio when there is a baseline and the target is
    a ratio, else the subject's own measure.
    """

    name: str
    subject: float | None
    unit: str
    target: Target | None = None
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    target_on_ratio: bool = False
    note: str = ""

    @property
    def value(self) -> float | None:
        return self.ratio if self.target_on_ratio else self.subject

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not measured"
        return self.target.verdict(self.value) if self.target else ""


def not_measured(name: str, why: str) -> Figure:
    return Figure(name=name, subject=None, unit="", note=why)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:g}{(' ' + unit) if unit else ''}"


# Measuring ---------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    if not values:
        raise BenchmarkError("no measurement to take the median of")
    return statistics.median(values)


@dataclass
class Rounds:
    """Times of a baseline and a subject measured in interleaved rounds."""

    baseline: list[float] = field(default_factory=list)
    subject: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [s / b for b, s in zip(self.baseline, self.subject, strict=True)]

    def figure(
        self, name: str, baseline_name: str, target_ratio: float | None, note: str = ""
    ) -> Figure:
        """The median of each, and the median of the per-round ratios (each ratio compares two
        runs made moments apart, which cancels most of the machine's drift)."""
        return Figure(
            name=name,
            subject=median(self.subject),
            unit="s",
            target=Target(target_ratio, "x") if target_ratio is not None else None,
            baseline=median(self.baseline),
            baseline_name=baseline_name,
            ratio=median(self.ratios),
            target_on_ratio=True,
            note=f"{note}{'; ' if note else ''}{self.spread()}",
        )

    def spread(self) -> str:
        """How far the rounds disagree, so that a reader can tell a figure from the noise."""
        text = f"{len(self.subject)} rounds"
        if len(self.subject) >= 4:
            low, _, high = statistics.quantiles(self.ratios, n=4)
            text += f", ratios {low:.2f}-{high:.2f} (quartiles)"
        return text


def interleave(
    baseline: Callable[[], float],
    subject: Callable[[], float],
    rounds: int,
    budget_seconds: float,
    min_rounds: int = 3,
) -> Rounds:
    """Run baseline and subject ``rounds`` times each, alternating which goes first, and stop
    early (after at least ``min_rounds``) once ``budget_seconds`` are spent.

    Each callable returns the seconds of one run (it times what it means to measure). One
    untimed run of each comes first, to warm the disk cache and the interpreter's caches.
    """
    baseline()
    subject()
    result = Rounds()
    started = time.monotonic()
    for number in range(rounds):
        if number >= min_rounds and time.monotonic() - started > budget_seconds:
            break
        if number % 2 == 0:
            result.baseline.append(baseline())
            result.subject.append(subject())
        else:
            result.subject.append(subject())
            result.baseline.append(baseline())
    return result


def timed_run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin: str = "",
    timeout: float = 120,
    expect: int = 0,
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command to its end; return its wall time (from start to exit) and its outcome."""
    started = time.perf_counter()
    done = subprocess.run(
        list(command),
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else None,
        timeout=timeout,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != expect:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise BenchmarkError(
            f"{' '.join(command[:4])} exited with {done.returncode} (expected {expect}):\n{tail}"
        )
    return elapsed, done


# Shared set-up -----------------------------------------------------------------------------------


@contextmanager
def mock_portal_process(
    scenario: str = "mixed", timeout: float = 30, page_delay_ms: float = 0
) -> Iterator[str]:
    """The bundled mock portal in a process of its own on 127.0.0.1 (so that serving pages
    does not compete with the measured Python for its interpreter lock), each page answered
    after ``page_delay_ms``; yields the login URL."""
    # Its access log goes to a file: in a pipe nobody reads, it would fill the pipe's buffer after
    # a few hundred requests and stop the server in the middle of a benchmark.
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "fixtures.mock_portal",
                "--scenario",
                scenario,
                "--port",
                "0",
                "--page-delay-ms",
                str(page_delay_ms),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + timeout
            line = process.stdout.readline()  # the portal prints its address once it listens
            match = re.search(r"(http://127\.0\.0\.1:\d+/\S+)", line)
            if match is None:
                errors.seek(0)
                raise BenchmarkError(f"the mock portal did not start: {line!r} {errors.read()}")
            url = match.group(1)
            _wait_for_port(url, deadline)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_for_port(url: str, deadline: float) -> None:
    port = int(url.split(":")[2].split("/")[0])
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the mock portal does not answer on port {port}") from None
            time.sleep(0.05)


def chromium_executable() -> str:
    """The browser binary a check picks on this machine, found the way the assistant finds it."""
    from playwright.sync_api import sync_playwright

    from flows.launch import browser_candidates

    with sync_playwright() as playwright:
        for choice in browser_candidates(playwright, None, None):
            if choice.executable_path is not None:
                return choice.executable_path
            if choice.channel is None:
                return playwright.chromium.executable_path
    raise BenchmarkError("no Chromium found: run scripts/install-system-deps.sh")


# The machine -------------------------------------------------------------------------------------


def machine(browser: str | None) -> dict[str, str]:
    """What the figures came from: cores, CPU, memory, browser, Python, and the load then."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    chromium = "unknown"
    if browser and Path(browser).exists():
        done = subprocess.run(
            [browser, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        chromium = done.stdout.strip() or chromium
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "memory": memory,
        "Chromium": chromium,
        "Python": platform.python_version(),
        "load average (1, 5, 15 min)": load,
    }


# The table ---------------------------------------------------------------------------------------

COLUMNS = ("figure", "subject", "baseline", "ratio", "target", "result")


def rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    result: list[tuple[str, ...]] = []
    for figure in figures:
        baseline = format_value(figure.baseline, figure.unit)
        if figure.baseline is not None and figure.baseline_name:
            baseline += f" ({figure.baseline_name})"
        result.append(
            (
                figure.name,
                format_value(figure.subject, figure.unit),
                baseline,
                format_value(figure.ratio, "x"),
                figure.target.describe() if figure.target else "-",
                figure.verdict,
            )
        )
    return result


def summary(figure: Figure) -> str:
    """One line: the figure the target is about, the target, and the verdict."""
    if figure.value is None:
        return f"{figure.name}: {figure.note or 'not measured'}"
    own_unit = "x" if figure.target_on_ratio else figure.unit
    unit = figure.target.unit if figure.target else own_unit
    target = f" (target {figure.target.describe()})" if figure.target else ""
    return f"{figure.name}: {format_value(figure.value, unit)}{target}: {figure.verdict}"


def text_table(figures: Sequence[Figure]) -> str:
    table = [COLUMNS, *rows(figures)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join([*lines, *(["", "notes:", *notes] if notes else [])])


def markdown_table(figures: Sequence[Figure]) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join(" --- " for _ in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(figures)]
    return "\n".join(lines)
