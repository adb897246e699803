"""The peak memory of a check, against the bare Playwright script's; and of 20 profiles.

Both are the processes of ``benchmarks/check.py``, set up the same way (``assistant_env``,
``set_up_profile``: a temporary home, the password in a real gnome-keyring, console alerts, the
mock portal in its own process): ``ofpra-assistant check --json`` and ``benchmarks/bare_check.py``
with the same browser binary and arguments. Each is watched from outside by a ``TreeSampler``:
the PSS of the process and of every descendant (Playwright's driver, every Chromium process),
summed, about every 60 ms; a run's figure is its highest sample. Where that memory is, at the
peak, is printed by kind of process (Chromium's by their ``--type=``).

Then ``check --all`` over 20 profiles, at ``[browser] concurrency`` 3 where this tree has that
setting, else one profile after another (what ``check --all`` does without it).

The keyring daemon and the D-Bus bus belong to the desktop, not to the check, and are not
counted; nor is the mock portal.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.check import SCENARIO, assistant_env, bare_script_input, set_up_profile
from benchmarks.harness import (
    COMMAND,
    PYTHON,
    ROOT,
    BenchmarkError,
    Figure,
    Target,
    chromium_executable,
    interleave,
    median,
    mock_portal_process,
)
from benchmarks.sampler import Peak, TreeSampler, describe
from fixtures.desktop_session import DesktopSession

NAME = "memory"
PROFILES = 20
CONCURRENCY = 3
#: The issue's target: 20 profiles at once cost at most this many times one check's peak.
TARGET_MANY_RATIO = 1.3
#: Seconds between two samples, on top of the sample's own time (about 20 ms of CPU here with
#: a dozen Chromium processes): often enough to catch a renderer's page load, not so often that
#: the sampler takes a core of a two-core machine from what it measures.
INTERVAL = 0.04
PYTHON_PART = "Python process"
OWN_NOTE = (
    "the highest sum of anonymous and shared-memory PSS: file-backed pages (the Chromium binary, "
    "Python's libraries) are shared with every other Chromium and Python on the machine, so "
    "their part of a PSS moves with what else runs; this part does not"
)
DRIVER_PART = "Playwright driver"


@dataclass
class SampledRun:
    peak: Peak
    stdout: str


def sampled_run(
    command: Sequence[str],
    *,
    env: dict[str, str],
    stdin: str = "",
    root_name: str = PYTHON_PART,
    timeout: float = 180,
) -> SampledRun:
    """Run a command to its end while a ``TreeSampler`` watches it and its descendants."""
    # Output to files: check --all --json over 20 profiles can outgrow a pipe nobody reads yet.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
            env=env,
            cwd=ROOT,
            text=True,
        )
        with TreeSampler(process.pid, interval=INTERVAL, root_name=root_name) as sampler:
            assert process.stdin is not None
            process.stdin.write(stdin)
            process.stdin.close()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise BenchmarkError(f"{' '.join(command[:4])} ran over {timeout:.0f} s") from None
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            tail = "\n".join(err.read().strip().splitlines()[-8:])
            raise BenchmarkError(
                f"{' '.join(command[:4])} exited with {process.returncode}:\n{tail}"
            )
        return SampledRun(sampler.peak, out.read())


def concurrency_setting() -> bool:
    """Whether this tree's settings have ``[browser] concurrency`` (a branch adds it)."""
    from assistant.settings import BrowserSettings

    return "concurrency" in BrowserSettings.model_fields


def measure(rounds: int = 3) -> list[Figure]:
    executable = chromium_executable()
    with (
        DesktopSession(notifications=False) as desktop,
        mock_portal_process(SCENARIO) as login_url,
        tempfile.TemporaryDirectory(prefix="ofpra-bench-") as home,
    ):
        env = assistant_env(desktop, home)
        set_up_profile(env, login_url)
        bare_input = bare_script_input(login_url, executable)
        bares: list[Peak] = []
        checks: list[Peak] = []

        def bare() -> float:
            run = sampled_run(
                [PYTHON, str(ROOT / "benchmarks" / "bare_check.py")], env=env, stdin=bare_input
            )
            bares.append(run.peak)
            return run.peak.pss_mb

        def check() -> float:
            run = sampled_run([COMMAND, "check", "--json"], env=env)
            result = json.loads(run.stdout)
            if not result["ok"]:
                raise BenchmarkError(f"the check failed: {result['error']}")
            checks.append(run.peak)
            return run.peak.pss_mb

        # A peak varies less than a time: three rounds, all of them (the machine's budget for
        # the whole benchmark is about 90 s).
        measured = interleave(bare, check, rounds, budget_seconds=0, min_rounds=rounds)
        # interleave's first run of each warms the caches; it is not a measure.
        bares, checks = bares[1:], checks[1:]

        for number in range(2, PROFILES + 1):
            set_up_profile(env, login_url, f"person{number:02d}")
        concurrent = concurrency_setting()
        if concurrent:
            env["OFPRA_ASSISTANT_BROWSER__CONCURRENCY"] = str(CONCURRENCY)
        many = sampled_run([COMMAND, "check", "--all", "--json"], env=env)
        results: list[dict[str, Any]] = json.loads(many.stdout)["results"]
        failed = [r for r in results if not r["ok"]]
        if len(results) != PROFILES or failed:
            raise BenchmarkError(f"{len(failed)} of {len(results)} profiles failed: {failed[:1]}")

    check_peak, bare_peak = _typical(checks), _typical(bares)
    one_check = median(measured.subject)
    one_check_own = median([peak.own_mb for peak in checks])
    how = (
        f"at `[browser] concurrency` {CONCURRENCY}"
        if concurrent
        else "one after another (this tree has no `[browser] concurrency`)"
    )
    return [
        Figure(
            "peak memory of a `check` (PSS)",
            one_check,
            "MB",
            baseline=median(measured.baseline),
            baseline_name="bare Playwright script",
            ratio=median(measured.ratios),
            note=f"no target yet; {_spread(measured.ratios)}; the process and every descendant, "
            f"summed; {check_peak.sampling()}; at the peak, check {_kinds(check_peak)}, "
            f"bare script {_kinds(bare_peak)}",
        ),
        *_parts(check_peak, bare_peak),
        Figure(
            "  its own pages only (anonymous + shared memory)",
            one_check_own,
            "MB",
            baseline=median([peak.own_mb for peak in bares]),
            ratio=median([c.own / b.own for b, c in zip(bares, checks, strict=True)]),
            note=OWN_NOTE,
        ),
        Figure(
            f"peak memory of `check --all`, {PROFILES} profiles (PSS)",
            many.peak.pss_mb,
            "MB",
            target=Target(TARGET_MANY_RATIO, "x"),
            baseline=one_check,
            baseline_name="one `check`",
            ratio=many.peak.pss_mb / one_check,
            target_on_ratio=True,
            note=f"{how}; one run, {many.peak.most_processes} processes at most, "
            f"{many.peak.sampling()}; at the peak (where the memory is): "
            f"{many.peak.breakdown()}",
        ),
        Figure(
            "  its own pages only (anonymous + shared memory)",
            many.peak.own_mb,
            "MB",
            baseline=one_check_own,
            baseline_name="one `check`",
            ratio=many.peak.own_mb / one_check_own,
        ),
    ]


def _kinds(peak: Peak) -> str:
    """The peak's PSS by kind of page: anonymous, file-backed, shared memory."""
    total = peak.total
    return (
        f"{total.anon / 1024:.0f} MB anonymous, {total.file / 1024:.0f} MB file-backed, "
        f"{total.shmem / 1024:.0f} MB shared memory"
    )


def _typical(peaks: list[Peak]) -> Peak:
    """The run whose peak is the median one (the lower of the two middle ones)."""
    ordered = sorted(peaks, key=lambda peak: peak.total.pss)
    return ordered[(len(ordered) - 1) // 2]


def _spread(ratios: list[float]) -> str:
    text = f"{len(ratios)} rounds"
    if len(ratios) >= 2:
        text += f", ratios {min(ratios):.2f}-{max(ratios):.2f}"
    if len(ratios) >= 3:
        text += f" (stdev {statistics.stdev(ratios):.2f})"
    return text


def _group(part: str) -> str:
    return "Chromium" if part.startswith("Chromium") else part


def _parts(check: Peak, bare: Peak) -> list[Figure]:
    """The typical runs' peaks split into the Python process, the driver and Chromium, with
    Chromium's processes by type."""
    figures = []
    for name in (PYTHON_PART, DRIVER_PART, "Chromium"):
        subject = sum(p.usage.pss for k, p in check.parts.items() if _group(k) == name) / 1024
        baseline = sum(p.usage.pss for k, p in bare.parts.items() if _group(k) == name) / 1024
        note = ""
        if name == "Chromium":
            note = f"check: {_chromium(check)}; bare script: {_chromium(bare)}"
        figures.append(
            Figure(
                f"  of which {name}",
                subject,
                "MB",
                baseline=baseline,
                ratio=subject / baseline if baseline else None,
                note=note,
            )
        )
    return figures


def _chromium(peak: Peak) -> str:
    """Chromium's processes at the peak, by type, biggest first: ``renderer x3 140 MB, ...``."""
    return describe(
        {k.removeprefix("Chromium "): p for k, p in peak.parts.items() if _group(k) == "Chromium"}
    )
