"""The memory of a process tree, sampled from outside: PSS from /proc, summed over the tree.

PSS (proportional set size, ``Pss:`` in ``/proc/<pid>/smaps_rollup``) counts a page shared by N
processes as 1/N in each, so it can be summed over a process and its descendants without counting
a shared library (or Chromium's shared memory) once per process. A ``TreeSampler`` walks the tree
under one process every few tens of milliseconds, in a thread of its own, and keeps the sample
whose sum is highest, broken down by kind of process (the Python process, Playwright's driver,
and Chromium's processes by their ``--type=``).

Linux only (it reads /proc directly; psutil is not a dependency of the project). A process that
exits between two reads is simply left out of that sample.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

#: How a process is named in the breakdown: from its pid, its command line and its comm.
Classifier = Callable[[int, list[str], str], str]

PROC = Path("/proc")


# /proc -------------------------------------------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """``root`` and every descendant alive now, found from each process's parent (the PPid in
    /proc/<pid>/stat). A process whose parent exited is reparented out of the tree and left out."""
    children: dict[int, list[int]] = {}
    # Plain os calls, not pathlib: this runs at every sample, over every process of the machine.
    for name in os.listdir(PROC):
        if not name.isdigit():
            continue
        try:
            with open(f"{PROC}/{name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue  # gone meanwhile
        # The command name is in parentheses and may hold spaces: the fields start after it.
        parent = int(text[text.rindex(b")") + 2 :].split(None, 2)[1])
        children.setdefault(parent, []).append(int(name))
    found, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass(frozen=True)
class Usage:
    """One process's memory, in kB, from smaps_rollup."""

    pss: int = 0
    anon: int = 0
    file: int = 0
    shmem: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.pss + other.pss,
            self.anon + other.anon,
            self.file + other.file,
            self.shmem + other.shmem,
        )

    @property
    def own(self) -> int:
        """Anonymous and shared-memory PSS: pages shared, if at all, only with relatives (a
        zygote's children, Chromium's processes among themselves). Unlike file-backed pages
        (the Chromium binary, Python's libraries), their share does not shrink when some other
        Chromium or Python runs on the machine, so this part can be compared across runs."""
        return self.anon + self.shmem


_ROLLUP_FIELDS = {"Pss:": "pss", "Pss_Anon:": "anon", "Pss_File:": "file", "Pss_Shmem:": "shmem"}


def usage(pid: int) -> Usage | None:
    """The process's PSS (and its anonymous, file and shared-memory parts), or None if it is
    gone or has no memory of its own any more (a zombie's smaps_rollup is empty)."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except (OSError, ProcessLookupError):
        return None
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(" ")
        if key in _ROLLUP_FIELDS:
            values[_ROLLUP_FIELDS[key]] = int(rest.split()[0])
    return Usage(**values) if "pss" in values else None


def command_line(pid: int) -> tuple[list[str], str]:
    """Its arguments and its comm, empty when it is gone."""
    try:
        arguments = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
        comm = (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return [], ""
    return [a.decode(errors="replace") for a in arguments if a], comm


# Kinds of process --------------------------------------------------------------------------------

_CHROMIUM_NAMES = ("chrom", "headless_shell", "msedge")


def chromium_kind(arguments: list[str], comm: str) -> str | None:
    """``browser``, ``renderer``, ``gpu-process``, ``zygote``, ``utility (network)``... for a
    Chromium process (its ``--type=``, and a utility's sub-type; the browser process has no type;
    ``starting`` while its command line is blank); None for any other."""
    if len(arguments) == 1:
        # Chromium rewrites its children's command lines into one string, spaces and all.
        arguments = arguments[0].split(" ")
    program = Path(arguments[0]).name if arguments else ""
    if not any(name in f"{program} {comm}".lower() for name in _CHROMIUM_NAMES):
        return None
    if not arguments:
        # Forked a moment ago (by the zygote or the browser): its command line is blank until
        # it writes its own, so it is no process type yet.
        return "starting"
    options = dict(a.removeprefix("--").partition("=")[::2] for a in arguments[1:])
    kind = options.get("type") or "browser"
    if kind == "utility" and options.get("utility-sub-type"):
        # network.mojom.NetworkService -> network
        kind += f" ({options['utility-sub-type'].split('.')[0]})"
    return kind


def default_classifier(root: int, root_name: str) -> Classifier:
    """Names the root ``root_name``, Chromium's processes ``Chromium <type>``, Playwright's
    Node.js driver ``Playwright driver``, and anything else by its comm."""

    def classify(pid: int, arguments: list[str], comm: str) -> str:
        if pid == root:
            return root_name
        kind = chromium_kind(arguments, comm)
        if kind is not None:
            return f"Chromium {kind}"
        if "run-driver" in arguments or comm.startswith("node"):
            return "Playwright driver"
        return comm or "?"

    return classify


# Sampling ----------------------------------------------------------------------------------------


@dataclass
class Part:
    """One kind of process in a sample: how many there were, and their memory summed."""

    processes: int = 0
    usage: Usage = field(default_factory=Usage)


@dataclass
class Peak:
    """The sample of highest total PSS, and what the sampling saw overall."""

    total: Usage = field(default_factory=Usage)
    parts: dict[str, Part] = field(default_factory=dict)
    samples: int = 0
    most_processes: int = 0
    #: The highest ``Usage.own`` of any sample (kB; not always at the sample of highest PSS).
    own: int = 0
    #: What the samples cost: reading smaps_rollup walks a process's page tables, about a
    #: millisecond or more of CPU for each Chromium process.
    cpu_seconds: float = 0.0
    first_at: float = 0.0
    last_at: float = 0.0

    @property
    def pss_mb(self) -> float:
        return self.total.pss / 1024

    @property
    def own_mb(self) -> float:
        return self.own / 1024

    @property
    def mean_gap(self) -> float:
        """Seconds from one sample to the next, on average."""
        return (self.last_at - self.first_at) / (self.samples - 1) if self.samples > 1 else 0.0

    def sampling(self) -> str:
        """How often it sampled and at what cost, in words."""
        return (
            f"{self.samples} samples, one every {self.mean_gap * 1000:.0f} ms, each "
            f"{self.cpu_seconds / max(self.samples, 1) * 1000:.0f} ms of CPU"
        )

    def breakdown(self) -> str:
        """Where the peak's memory was, biggest part first: ``Chromium renderer x3 120 MB, ...``."""
        return describe(self.parts)


def describe(parts: Mapping[str, Part]) -> str:
    """Parts, biggest first, in words: ``Chromium renderer x3 120 MB, Python process 54 MB``."""
    return ", ".join(
        f"{kind}{f' x{part.processes}' if part.processes > 1 else ''} "
        f"{part.usage.pss / 1024:.0f} MB"
        for kind, part in sorted(parts.items(), key=lambda item: -item[1].usage.pss)
    )


class TreeSampler:
    """Samples the tree under ``root`` in a thread, while in a ``with`` block (or between
    ``start()`` and ``stop()``), waiting ``interval`` seconds after each sample (a sample itself
    takes time: so many smaps_rollup reads); ``peak`` is the highest sample.

    ``sample()`` takes one sample now, in the calling thread (the thread calls it too).
    """

    def __init__(
        self,
        root: int,
        classify: Classifier | None = None,
        interval: float = 0.05,
        root_name: str = "root",
    ) -> None:
        self.root = root
        self.classify = classify or default_classifier(root, root_name)
        self.interval = interval
        self.peak = Peak()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: Exception | None = None

    def _name(self, pid: int) -> str:
        # Read at every sample, not once: a process forked a moment ago may not have exec'd
        # yet (Playwright's driver), and a zygote's child renames itself after the fork.
        arguments, comm = command_line(pid)
        return self.classify(pid, arguments, comm) if arguments or comm else ""

    def sample(self) -> Usage:
        """One sample of the whole tree; returns its total."""
        started, cpu = time.monotonic(), time.thread_time()
        parts: dict[str, Part] = {}
        total = Usage()
        for pid in process_tree(self.root):
            used = usage(pid)
            name = self._name(pid)
            if used is None or not name:
                continue
            part = parts.setdefault(name, Part())
            part.processes += 1
            part.usage += used
            total += used
        with self._lock:
            peak = self.peak
            peak.samples += 1
            peak.most_processes = max(peak.most_processes, sum(p.processes for p in parts.values()))
            peak.cpu_seconds += time.thread_time() - cpu
            peak.first_at = peak.first_at or started
            peak.last_at = started
            peak.own = max(peak.own, total.own)
            if total.pss > peak.total.pss:
                peak.total, peak.parts = total, parts
        return total

    def _run(self) -> None:
        try:
            # At least one sample, however soon stop() comes.
            while True:
                self.sample()
                if self._stopping.wait(self.interval):
                    break
        except Exception as error:  # given to stop(): a peak from half the run is no figure
            self._error = error

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Peak:
        """Stops the thread; raises what stopped it early, if anything did."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self.peak

    def __enter__(self) -> TreeSampler:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
