"""Checks started from the page ("Check now"), run in the process that serves it (the agent).

Each runs in a thread of its own, through the same ``CheckRunner.check_many`` as the ``check``
command, and keeps the steps it tells (``assistant/progress.py``) for the page to show as they
happen. Never two checks of one profile at once: not two from the page (refused here, so that
the button can say a check is under way), and not one from the page beside the agent's own or
another command's (the runner's per-profile lock file, probed here before a check starts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from assistant.clearance import session_lock_file
from assistant.environment import Environment, build_environment, utc_now
from assistant.errors import AssistantError, as_assistant_error
from assistant.results import CheckResult
from assistant.settings import Paths, Settings, load_settings
from assistant.state import REFUSING_CODES, StateStore

log = logging.getLogger(__name__)

#: After these, the password is not typed again until setup stores a new one: the page offers
#: no "try again", it says why and what to do (as ``check`` does).
#: Jobs kept per profile, for the page to show the last one (older ones are dropped).
KEPT = 4


class Runner(Protocol):
    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[CheckResult]: ...


#: An environment for one job, made and closed in the job's own thread (SQLite connections
#: stay in the thread that opened them).
EnvironmentSource = Callable[[], AbstractContextManager[Environment]]
RunnerFactory = Callable[[Environment], Runner]


@dataclass(frozen=True)
class CheckStep:
    """One step of a check as the runner told it: its name and values (``progress_line`` says
    it in a language), and the profile it is about, when the job knows."""

    step: str
    values: dict[str, object]
    profile: str | None


@dataclass
class CheckJob:
    """One check started from the page: of one profile, or of several in one run."""

    profiles: list[str]
    started_at: datetime
    steps: list[CheckStep] = field(default_factory=list)
    #: In the order of ``profiles``; None while the check runs.
    results: list[CheckResult] | None = None
    finished_at: datetime | None = None
    #: Profiles whose alert channels could not be read (their alerts went to this computer
    #: only), and why: ``check`` says it after its results, so does the page.
    channel_faults: list[tuple[str, AssistantError]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.results is not None

    def result_for(self, profile: str) -> CheckResult | None:
        for result in self.results or []:
            if result.profile == profile:
                return result
        return None

    def steps_for(self, profile: str) -> list[CheckStep]:
        """The steps about ``profile`` (with those about no profile in particular, like the
        browser's start)."""
        return [s for s in self.steps if s.profile in (None, profile)]


def may_try_again(result: CheckResult) -> bool:
    """Whether the page offers "Check again" after this result: never after the portal refused
    the password or locked the account (another login could lock it, or lock it longer)."""
    if result.error is None:
        return True
    return result.error.code not in REFUSING_CODES and not getattr(
        result.error, "remembered", False
    )


class CheckJobs:
    """Checks started from the page. They run in the process that serves the page (the agent),
    in threads, through the same CheckRunner.check_many as `check`; never two of one profile at
    once."""

    def __init__(
        self,
        environment: EnvironmentSource,
        *,
        locks_dir: Path,
        runner_factory: RunnerFactory | None = None,
        clock: Callable[[], datetime] = utc_now,
        agent_running: Callable[[], bool] = lambda: True,
    ) -> None:
        self._environment = environment
        self._locks_dir = locks_dir
        self._runner_factory = runner_factory
        self._clock = clock
        self._agent_running = agent_running
        self._lock = threading.Lock()
        self._jobs: dict[str, list[CheckJob]] = {}
        self._running: set[str] = set()
        #: The last run of every profile at once (``POST /check``).
        self._last_run: CheckJob | None = None
        self._threads: list[threading.Thread] = []
        #: The agent is stopping: no check starts any more.
        self._closed = False

    # The interface (PAGE_ACTIONS.md) ------------------------------------------------------------

    def start(self, profiles: list[str], *, every: bool = False) -> list[str]:
        """Start one background check of these profiles (one run, like `check --all` for
        several); return the profiles it did NOT start because a check of theirs is under way.
        ``every``: the run is the page's "check all" (``latest_run``)."""
        with self._lock:
            if self._closed:
                return list(profiles)
            busy = [name for name in profiles if self._busy(name)]
            chosen = [name for name in dict.fromkeys(profiles) if name not in busy]
            if not chosen:
                return busy
            job = CheckJob(profiles=chosen, started_at=self._clock())
            for name in chosen:
                self._running.add(name)
                kept = self._jobs.setdefault(name, [])
                kept.append(job)
                del kept[:-KEPT]
            if every:
                self._last_run = job
        thread = threading.Thread(target=self._run, args=(job,), name="page-check", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return busy

    def under_way(self, profile: str) -> bool:
        """A check of this profile is under way: one from the page, the agent's own, or
        another command's (its portal-session lock is held)."""
        with self._lock:
            return self._busy(profile)

    def latest(self, profile: str) -> CheckJob | None:
        """The last check of this profile started from the page: a copy of its steps so far
        (in order), done or not, and its result."""
        with self._lock:
            jobs = self._jobs.get(profile)
            return _copy(jobs[-1]) if jobs else None

    def latest_run(self) -> CheckJob | None:
        """The last check of every profile started from the page (``POST /check``)."""
        with self._lock:
            return _copy(self._last_run) if self._last_run is not None else None

    def wait(self, timeout: float = 120.0) -> None:
        """Wait for the checks under way (tests, and an agent that stops)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def close(self, timeout: float = 120.0) -> None:
        """The agent stops: start no more checks, and let those under way finish (their
        browsers closed, their records written), as the agent does with its own."""
        with self._lock:
            self._closed = True
        self.wait(timeout)

    def forget(self, profile: str) -> None:
        """A forgotten profile's checks are forgotten too (a profile set up again under the
        same name starts with none)."""
        with self._lock:
            self._jobs.pop(profile, None)

    # Inside -------------------------------------------------------------------------------------

    def _busy(self, profile: str) -> bool:
        return profile in self._running or _lock_held(self._locks_dir, profile)

    def _told(self, job: CheckJob) -> Callable[..., None]:
        current: list[str | None] = [job.profiles[0] if len(job.profiles) == 1 else None]

        def progress(step: str, /, **values: object) -> None:
            about = values.get("for_profile")
            if step == "checking_profile" and isinstance(values.get("profile"), str):
                current[0] = str(values["profile"])
            profile = about if isinstance(about, str) else current[0]
            if step == "starting_browser" and len(job.profiles) > 1:
                profile = None
            with self._lock:
                job.steps.append(CheckStep(step, dict(values), profile))

        return progress

    def _run(self, job: CheckJob) -> None:
        """The job's thread: the check, whatever fails, ends in a result for each profile."""
        results: list[CheckResult]
        faults: list[tuple[str, AssistantError]] = []
        try:
            with self._environment() as env:
                env.progress = self._told(job)
                env.agent_running = self._agent_running
                factory = self._runner_factory
                if factory is None:
                    from assistant.runner import CheckRunner

                    factory = CheckRunner
                results = factory(env).check_many(job.profiles)
                faults = list(env.channel_faults)
        except Exception as error:  # check_many never raises; the environment may
            log.exception("a check from the page failed")
            results = [_fault_result(name, self._clock(), error) for name in job.profiles]
        with self._lock:
            job.results = results
            job.channel_faults = faults
            job.finished_at = self._clock()
            self._running.difference_update(job.profiles)


def _copy(job: CheckJob) -> CheckJob:
    return CheckJob(
        profiles=list(job.profiles),
        started_at=job.started_at,
        steps=list(job.steps),
        results=list(job.results) if job.results is not None else None,
        finished_at=job.finished_at,
        channel_faults=list(job.channel_faults),
    )


def _fault_result(name: str, at: datetime, error: Exception) -> CheckResult:
    return CheckResult(profile=name, checked_at=at, error=as_assistant_error(error))


def _lock_held(folder: Path, profile: str) -> bool:
    """Whether a check of ``profile`` holds its portal-session lock (the runner's file
    ``<session_locks_dir>/<profile>.lock``, one per profile across processes) right now, in
    this process or another. Probed without waiting; a lock taken here is let go at once."""
    from filelock import FileLock, Timeout

    path = session_lock_file(folder, profile)
    if not path.exists():
        return False
    probe = FileLock(path, thread_local=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    probe.release()
    return False


def environment_source(
    paths: Paths, settings: Settings | None, make: Callable[[StateStore], Environment] | None
) -> EnvironmentSource:
    """An environment per job: the agent's own (``make``: its settings, keyring, desktop and
    browser), or, for a page served on its own, one made by the one factory."""

    @contextmanager
    def opened() -> Iterator[Environment]:
        state = StateStore.open(paths.state_file)
        try:
            if make is not None:
                yield make(state)
            else:
                chosen = settings if settings is not None else load_settings(paths)
                yield build_environment(
                    paths, chosen, console=None, console_reaches_someone=False, state=state
                )
        finally:
            state.close()

    return opened
