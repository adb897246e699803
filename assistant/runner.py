"""A run of checks: the profiles handed to a pool of browsers, one job each. Never raises.

scheduler → runner → (credentials, flows → parser) → deadlines → state and outbox (one
transaction) → delivery. urlwatch's ``worker.py``: the runner only runs the pool. Each job is
the same for every caller (``check``, ``check --all``, the agent, setup's first check, the page,
the tests): ``assistant.attempt`` checks one profile at the portal and returns its outcome,
``assistant.recorder`` writes it and delivers its alerts. A single check is a pool of one.
Whatever fails, each profile ends in a ``CheckResult`` with a named error, and its alert goes out.
"""

from __future__ import annotations

import functools
import logging
import queue
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime

from assistant.attempt import Outcome, PortalReader, attempt_check, portal_reader
from assistant.browser_pool import BrowserPool, BrowserSource, InBrowser
from assistant.clearance import Prepared, cleared, with_credentials
from assistant.environment import Environment, launch_for_hosts, utc_now
from assistant.errors import as_assistant_error
from assistant.progress import SharedProgress
from assistant.recorder import Recorder, no_reading
from assistant.results import CheckResult
from assistant.state import Profile

__all__ = [
    "BrowserSource",
    "CheckRunner",
    "Environment",
    "PortalReader",
    "launch_for_hosts",
    "utc_now",
]

log = logging.getLogger(__name__)


class CheckRunner:
    def __init__(self, env: Environment, reader: PortalReader | None = None) -> None:
        self.env = env
        #: The steps of the checks, told one at a time from any thread.
        self.progress = SharedProgress(lambda: env.progress)
        #: Tests of the agent hand in a scripted portal; checks read the real one.
        self.reader: PortalReader = reader or portal_reader(env, self.progress)
        self.recorder = Recorder(env)
        #: Every delivery this runner made (this run's alerts, and earlier ones left over).
        self.delivered = self.recorder.delivered

    def check(self, profile: str, *, automated: bool = False) -> CheckResult:
        return self.check_many([profile], automated=automated)[0]

    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[CheckResult]:
        """Check each profile, each in a fresh browser context: up to ``[browser] concurrency``
        at a time when the pool has workers (``Environment.pool_source``). Results in the order
        asked; never two sessions of one profile at once.

        ``automated``: the agent runs it (recorded, since its logins are limited), not a person.
        The agent retries a failed check on its own schedule, so an automated check makes one
        attempt; a check run by hand retries at once (``[retry]``). Never raises (but for an
        interruption: Ctrl-C ends the sessions under way and starts no other).
        """
        results: list[CheckResult | None] = [None] * len(profiles)
        started = self.env.clock()
        allowed: list[tuple[int, Profile]] = []
        for index, name in enumerate(profiles):
            # The state, at once: a profile that may not log in costs no browser.
            try:
                allowed.append((index, cleared(self.env, name)))
            except Exception as error:
                results[index] = self._record(Outcome.failed(name, started, error), automated)
        if allowed:
            self._through_pool(allowed, results, started, automated, several=len(profiles) > 1)
        # Every slot is filled by then; one that is not is a fault, said as one, never dropped.
        return [
            result
            if result is not None
            else self._record(Outcome.failed(name, self.env.clock(), no_reading()), automated)
            for name, result in zip(profiles, results, strict=True)
        ]

    def _through_pool(
        self,
        allowed: list[tuple[int, Profile]],
        results: list[CheckResult | None],
        started: datetime,
        automated: bool,
        *,
        several: bool,
    ) -> None:
        """The browser starts while this thread reads the keyring; each profile, once its
        credentials are read, is a job of the pool."""
        workers = min(self.env.settings.browser.concurrency, len({p.name for _, p in allowed}))
        try:
            self.progress("starting_browser")
            portals = [profile.portal_url for _, profile in allowed]
            with self.env.pool_source()(self.env.settings, portals, workers) as pool:
                run = _Run(self, pool, automated, several, min(workers, pool.workers) > 1)
                for index, profile in allowed:
                    try:
                        item = with_credentials(self.env, profile)
                    except Exception as error:
                        outcome = Outcome.failed(profile.name, started, error)
                        results[index] = self._record(outcome, automated)
                        continue
                    run.add(index, item)
                run.collect(results)
        except Exception as error:
            fault = as_assistant_error(error)
            for index, profile in allowed:
                if results[index] is None:
                    outcome = Outcome.failed(profile.name, started, fault)
                    results[index] = self._record(outcome, automated)

    def _record(self, outcome: Outcome, automated: bool) -> CheckResult:
        return self.recorder.record(outcome, automated=automated)


@dataclass(frozen=True)
class _Job:
    index: int
    item: Prepared


class _Run:
    """The jobs of one ``check_many``: waiting, with a worker, and done."""

    def __init__(
        self, runner: CheckRunner, pool: BrowserPool, automated: bool, several: bool, at_once: bool
    ) -> None:
        self.runner = runner
        self.pool = pool
        self.automated = automated
        self.several = several
        self.at_once = at_once
        self.waiting: deque[_Job] = deque()
        #: Profile names with a worker (never two sessions of one profile).
        self.running: set[str] = set()
        self.done: queue.Queue[tuple[_Job, CheckResult | None]] = queue.Queue()

    def add(self, index: int, item: Prepared) -> None:
        self.waiting.append(_Job(index, item))
        self._dispatch()

    def collect(self, results: list[CheckResult | None]) -> None:
        """Wait for every job, giving out those that waited for their profile's turn."""
        while self.waiting or self.running:
            self._dispatch()
            if not self.waiting:
                self.pool.finish()  # every job is with the workers
            job, result = self.done.get()
            results[job.index] = result
            self.running.discard(job.item.profile.name)

    def _dispatch(self) -> None:
        for job in list(self.waiting):
            name = job.item.profile.name
            if name in self.running:
                continue
            self.waiting.remove(job)
            self.running.add(name)
            self.pool.submit(functools.partial(self._work, job))

    def _work(self, job: _Job, in_browser: InBrowser) -> None:
        """On a worker: one profile's check, recorded while its session lock is held, its
        browser work handed over through ``in_browser``. Never raises into the pool (its worker
        would stop); always says it is done."""
        runner = self.runner
        name = job.item.profile.name
        result: CheckResult | None = None
        try:
            if self.several:
                runner.progress("checking_profile", profile=name)
            with runner.progress.about(name if self.at_once else None), ExitStack() as session:
                outcome = attempt_check(
                    runner.env,
                    job.item,
                    in_browser,
                    reader=runner.reader,
                    progress=runner.progress,
                    automated=self.automated,
                    session=session,
                )
                result = runner.recorder.record(outcome, automated=self.automated)
        except Exception as error:
            log.error("the check of %s did not end cleanly: %s", name, error)
        finally:
            self.done.put((job, result))
