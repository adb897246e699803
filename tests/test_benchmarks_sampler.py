"""The memory benchmark's sampler, over a real process tree whose memory is known.

A child Python process fills 40 MiB, starts a grandchild that fills 60 MiB, and both hold it
until the test closes the child's standard input. No assertion is on time: the test waits (with
a generous deadline, only so that it cannot hang) until the sampler has taken its samples.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from benchmarks.sampler import TreeSampler, chromium_kind, process_tree

MIB = 1024  # kB
CHILD_MIB = 40
GRANDCHILD_MIB = 60

GRANDCHILD = f"""
import sys
held = b"\\x02" * ({GRANDCHILD_MIB} * 1024 * 1024)  # written, so resident
print("ready", flush=True)
sys.stdin.read()
"""

CHILD = f"""
import subprocess, sys
held = b"\\x01" * ({CHILD_MIB} * 1024 * 1024)
grandchild = subprocess.Popen(
    [sys.executable, "-c", {GRANDCHILD!r}], stdin=subprocess.PIPE, stdout=subprocess.PIPE
)
grandchild.stdout.readline()
print("ready", grandchild.pid, flush=True)
sys.stdin.read()  # until the test closes it
grandchild.stdin.close()
grandchild.wait()
"""


@pytest.fixture
def family() -> Iterator[tuple[subprocess.Popen[str], int]]:
    """The child, once it and its grandchild hold their memory, and the grandchild's pid."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        word, grandchild = child.stdout.readline().split()
        assert word == "ready"
        yield child, int(grandchild)
    finally:
        child.stdin.close()
        child.wait(timeout=60)


def _wait_for_samples(sampler: TreeSampler, count: int) -> None:
    deadline = time.monotonic() + 60
    while sampler.peak.samples < count:
        assert time.monotonic() < deadline, "the sampler took no samples"
        time.sleep(0.01)


def test_the_peak_counts_the_child_and_the_grandchild(
    family: tuple[subprocess.Popen[str], int],
) -> None:
    child, grandchild = family
    assert process_tree(child.pid) == [child.pid, grandchild]
    names = {child.pid: "child", grandchild: "grandchild"}

    with TreeSampler(
        child.pid, classify=lambda pid, arguments, comm: names[pid], interval=0.01
    ) as sampler:
        _wait_for_samples(sampler, 3)

    peak = sampler.peak
    assert set(peak.parts) == {"child", "grandchild"}
    assert peak.parts["child"].processes == 1
    assert peak.parts["child"].usage.pss >= CHILD_MIB * MIB
    assert peak.parts["child"].usage.anon >= CHILD_MIB * MIB
    assert peak.parts["grandchild"].usage.pss >= GRANDCHILD_MIB * MIB
    assert peak.total.pss >= (CHILD_MIB + GRANDCHILD_MIB) * MIB
    assert peak.total.pss == sum(part.usage.pss for part in peak.parts.values())
    assert peak.most_processes == 2
    # What they filled is anonymous memory: their own pages, not shared with other programs.
    assert peak.own >= (CHILD_MIB + GRANDCHILD_MIB) * MIB
    assert peak.own <= peak.total.pss
    assert peak.pss_mb >= CHILD_MIB + GRANDCHILD_MIB


def test_the_peak_outlives_the_processes(family: tuple[subprocess.Popen[str], int]) -> None:
    child, _ = family
    sampler = TreeSampler(child.pid, root_name="the child")
    held = sampler.sample()
    assert held.pss >= (CHILD_MIB + GRANDCHILD_MIB) * MIB

    assert child.stdin is not None
    child.stdin.close()
    child.wait(timeout=60)
    gone = sampler.sample()

    assert gone.pss == 0
    assert sampler.peak.total == held
    assert sampler.peak.samples == 2
    # The default names: the root by the name given, a descendant by its comm.
    assert sampler.peak.parts["the child"].usage.pss >= CHILD_MIB * MIB
    [other] = set(sampler.peak.parts) - {"the child"}
    assert other.startswith("python")
    assert "the child" in sampler.peak.breakdown()


def test_a_sampler_that_failed_says_so(family: tuple[subprocess.Popen[str], int]) -> None:
    child, _ = family

    def broken(pid: int, arguments: list[str], comm: str) -> str:
        raise ValueError("cannot name it")

    sampler = TreeSampler(child.pid, classify=broken, interval=0.01).start()
    with pytest.raises(ValueError, match="cannot name it"):
        sampler.stop()


@pytest.mark.parametrize(
    ("arguments", "comm", "kind"),
    [
        (
            ["/usr/lib/chromium/chromium", "--disable-field-trial-config", "--headless"],
            "chromium",
            "browser",
        ),
        (["/usr/lib/chromium/chromium --type=renderer --lang=en-US"], "chromium", "renderer"),
        (["/usr/lib/chromium/chromium --type=zygote --no-sandbox"], "chromium", "zygote"),
        (["/usr/lib/chromium/chromium --type=gpu-process"], "chromium", "gpu-process"),
        (
            [
                "/usr/lib/chromium/chromium --type=utility "
                "--utility-sub-type=network.mojom.NetworkService --lang=en-US"
            ],
            "chromium",
            "utility (network)",
        ),
        (["/opt/google/chrome/chrome", "--type=renderer"], "chrome", "renderer"),
        # Forked a moment ago: a Chromium by its comm, its command line not written yet.
        ([], "chromium", "starting"),
        (["/usr/bin/python3", "-m", "benchmarks"], "python3", None),
        ([".venv/lib/python3.11/site-packages/playwright/driver/node"], "node-MainThread", None),
    ],
)
def test_chromium_processes_are_named_by_their_type(
    arguments: list[str], comm: str, kind: str | None
) -> None:
    assert chromium_kind(arguments, comm) == kind
