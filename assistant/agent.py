"""``ofpra-assistant run``: the agent, in the foreground, until SIGINT or SIGTERM.

APScheduler 3.11 runs a single job, the tick, every ``tick_seconds`` (a minute). The tick asks
``schedule`` what is due from the wall clock and the state, and does it: the due checks first
(``CheckRunner.check_many``: one browser, a fresh context per profile, up to ``[browser]
concurrency`` at a time), then the reminders and the alarm. The scheduler's own timer is not
trusted with anything longer than a tick, since its wait does not count time asleep
(RECIPES.md). The tick never raises into the scheduler; its job
has no arguments (nothing secret to keep) and lives in memory, since what is due comes from the
state. One agent per home folder, held by a lock file.

The agent also serves the page (``assistant.page``), in threads of its own, from its start to its
end: a page that cannot start, or fails later, is logged and never stops a check, a reminder, the
alarm or the outbox. The page file in the home folder tells ``open`` and ``status`` its address.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from assistant.agent_lock import AgentLock
from assistant.alerts import not_checked_alert, reminder_alert
from assistant.credentials import CredentialStoreLike
from assistant.deadlines import paris_today
from assistant.environment import (
    BrowserSource,
    Environment,
    build_environment,
    launch_for_hosts,
    utc_now,
)
from assistant.errors import AssistantError
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher
from assistant.outbox import Delivery, deliver_pending
from assistant.results import Alert, CheckResult
from assistant.runner import CheckRunner
from assistant.schedule import (
    Notice,
    Policy,
    ProfileHistory,
    due_notices,
    due_profiles,
    jitter_seed,
    plan_check,
)
from assistant.settings import Paths, Settings
from assistant.state import StateStore

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

#: Set on the tick job explicitly (RECIPES.md): a tick missed while asleep runs once at wake-up,
#: however late (no grace limit), several missed ticks make one (coalesce), and a tick never
#: starts while the previous one is still checking.
TICK_JOB_OPTIONS: dict[str, Any] = {
    "misfire_grace_time": None,
    "coalesce": True,
    "max_instances": 1,
}
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class PageHandle(Protocol):
    """What the agent holds of the page it serves (``assistant.page.server.PageServer``)."""

    url: str

    def stop(self) -> None: ...


#: The page's starter gets the agent's own way to make a check's environment, so that a check
#: started from the page runs with the agent's settings, keyring, desktop and browser.
PageStarter = Callable[[Paths, Settings, Callable[[StateStore], Environment]], PageHandle]


def serve_page(
    paths: Paths, settings: Settings, environment: Callable[[StateStore], Environment]
) -> PageHandle:
    """The page, served in daemon threads of this process (``ofpra-assistant run``'s)."""
    from assistant.page.server import PageServer

    return PageServer.start(paths, settings, environment=environment)


class Runner(Protocol):
    #: Every delivery the runner made (its checks' alerts and earlier ones left over).
    delivered: list[Delivery]

    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[CheckResult]: ...


RunnerFactory = Callable[[Environment], Runner]


@dataclass
class TickReport:
    """What one tick did, for the terminal and the tests."""

    at: datetime
    checks: list[CheckResult] = field(default_factory=list)
    #: Every alert delivered, with how it went out.
    delivered: list[tuple[Alert, str]] = field(default_factory=list)
    #: An unexpected error stopped part of the tick (it is in the log).
    failed: bool = False


class Agent:
    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        credentials: CredentialStoreLike,
        dispatcher: AlertDispatcher,
        *,
        clock: Callable[[], datetime] = utc_now,
        browser_source: BrowserSource = launch_for_hosts,
        runner_factory: RunnerFactory = CheckRunner,
        policy: Policy | None = None,
        open_state: Callable[[], AbstractContextManager[StateStore]] | None = None,
        on_tick: Callable[[TickReport], None] | None = None,
        page: PageStarter | None = None,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.credentials = credentials
        self.dispatcher = dispatcher
        self.clock = clock
        self.browser_source = browser_source
        self.runner_factory = runner_factory
        self._policy = policy
        self._open_state = open_state or self._state_for_tick
        self.on_tick = on_tick
        self._page_starter = page
        #: The page being served, while the agent runs (None: not asked for, or it failed).
        self.page: PageHandle | None = None
        self._stop_signal: int | None = None
        self._stopping = False
        #: The first tick delivers everything left in the outbox, whenever it was due.
        self._started = False

    def policy_for(self, state: StateStore) -> Policy:
        """The policy, its random delays drawn from the home folder's own seed (kept in the
        state), so that ``status`` can show the delay the agent draws."""
        if self._policy is None:
            self._policy = Policy.from_settings(self.settings, seed=jitter_seed(state))
        return self._policy

    @property
    def policy(self) -> Policy:
        return self._policy or Policy.from_settings(self.settings)

    def environment(self, state: StateStore) -> Environment:
        """The environment of this tick's checks, from the one factory (captures included)."""
        return build_environment(
            self.paths,
            self.settings,
            console=None,
            state=state,
            credentials=self.credentials,
            dispatcher=self.dispatcher,
            clock=self.clock,
            browser_source=self.browser_source,
        )

    # The tick -----------------------------------------------------------------------------------

    def tick(self) -> TickReport:
        """Do what is due now. Never raises: the scheduler would only log it and carry on."""
        report = TickReport(at=self.clock())
        try:
            with self._open_state() as state:
                self._deliver_left_over(state, report)
                profiles = {p.name: p for p in state.profiles()}
                histories = {n: ProfileHistory.from_state(state, p) for n, p in profiles.items()}
                try:
                    checked = self._run_due_checks(state, histories, report)
                except Exception:
                    # Reminders and the alarm matter most when checks cannot be done.
                    log.exception("the agent's checks failed")
                    report.failed = True
                    checked = list(profiles)
                for name in checked:
                    histories[name] = ProfileHistory.from_state(state, profiles[name])
                self._send_due_notices(state, histories, report)
                self._refresh_calendars(state, list(profiles))
        except Exception:
            log.exception("the agent's tick failed")
            report.failed = True
        if self.on_tick is not None:
            try:
                self.on_tick(report)
            except Exception:
                log.exception("reporting the tick failed")
        return report

    def _run_due_checks(
        self, state: StateStore, histories: dict[str, ProfileHistory], report: TickReport
    ) -> list[str]:
        """Run the checks due now, in one browser, several at a time; return the profiles
        checked."""
        now = report.at
        policy = self.policy_for(state)
        due = due_profiles(list(histories.values()), policy, now)
        if not due or self._stopping:
            return []
        for name in due:
            plan = plan_check(histories[name], policy, now)
            log.info("check of %s due (%s, at %s)", name, plan.reason, plan.at)
        # The runner puts each check's alerts in the outbox with its record, and delivers them.
        runner = self.runner_factory(self.environment(state))
        try:
            report.checks.extend(runner.check_many(due, automated=True))
        finally:
            self._report(runner.delivered, report)
        return due

    def _deliver_left_over(self, state: StateStore, report: TickReport) -> None:
        """Alerts a kill, or a notification service not there yet, left in the outbox: all of
        them at the agent's start, then those due for another try (no service at login: the
        agent waits for it, and ``status`` says so)."""
        env = self.environment(state)
        delivered = deliver_pending(state, env.targets, self.clock(), force=not self._started)
        self._started = True
        self._report(delivered, report)

    def _report(self, delivered: list[Delivery], report: TickReport) -> None:
        for delivery in delivered:
            if delivery.target == self.dispatcher.name:
                report.delivered.append((delivery.alert, delivery.via or "waiting"))

    def _send_due_notices(
        self, state: StateStore, histories: dict[str, ProfileHistory], report: TickReport
    ) -> None:
        now = self.clock()
        env = self.environment(state)
        policy = self.policy_for(state)
        queued = False
        for name, history in histories.items():
            try:
                for notice in due_notices(history, policy, now):
                    alert = notice_alert(notice, Translator(history.language), now)
                    # Remembered as sent and put in the outbox together: sent at least once.
                    with state.transaction():
                        if state.record_notice(name, notice.key, notice.kind, now):
                            targets = [t.name for t in env.targets_for(name)]
                            state.enqueue_alerts(name, [alert], targets, now)
                            queued = True
            except Exception:
                log.exception("the notices of %s failed", name)
                report.failed = True
        if queued:
            self._report(deliver_pending(state, env.targets, now), report)

    def _refresh_calendars(self, state: StateStore, names: list[str]) -> None:
        """One calendar file per profile in the home folder, kept as the last check left it."""
        from assistant.calendar_file import refresh_calendar

        for name in names:
            try:
                refresh_calendar(state, self.paths.data_dir, name, self.clock())
            except AssistantError as error:  # a folder refused (a link): said, not a traceback
                log.warning("the calendar file of %s was not written: %s", name, error.message)
            except Exception:
                log.exception("the calendar file of %s could not be written", name)

    @contextmanager
    def _state_for_tick(self) -> Iterator[StateStore]:
        # The tick runs in the scheduler's thread, and SQLite connections stay in theirs.
        state = StateStore.open(self.paths.state_file)
        try:
            yield state
        finally:
            state.close()

    # Running ------------------------------------------------------------------------------------

    def run(self, on_started: Callable[[], None] | None = None) -> int | None:
        """Run until SIGINT or SIGTERM; return the signal that stopped it.

        A check under way when the signal comes is finished (its browser closed) before this
        returns; no new one starts.
        """
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            with AgentLock(self.paths):
                logging.getLogger("apscheduler").setLevel(logging.WARNING)
                scheduler = self.build_scheduler()
                scheduler.start()
                log.info("agent started; lock %s", self.paths.lock_file)
                self._start_page()
                try:
                    if on_started is not None:
                        on_started()
                    # A flag and a short sleep: a signal handler must not take locks.
                    while self._stop_signal is None:
                        time.sleep(0.2)
                finally:
                    self._stopping = True
                    self._stop_page()
                    scheduler.shutdown(wait=True)
                log.info("agent stopped (signal %s)", self._stop_signal)
                return self._stop_signal
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start_page(self) -> None:
        """Serve the page; the agent runs on without it when it cannot (said in the log)."""
        if self._page_starter is None:
            return
        try:
            self.page = self._page_starter(self.paths, self.settings, self.environment)
        except AssistantError as error:  # a [page] setting refused: named, not a traceback
            log.error("the page is not served: %s", error.message)
        except Exception:
            log.exception("the page is not served")
        else:
            log.info("page served at %s", self.page.url)

    def _stop_page(self) -> None:
        page, self.page = self.page, None
        if page is None:
            return
        try:
            page.stop()
        except Exception:
            log.exception("the page did not stop cleanly")

    def build_scheduler(self) -> BackgroundScheduler:
        """The scheduler with its one job, the tick: the first one now, then every tick_seconds."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults=TICK_JOB_OPTIONS,
            timezone=UTC,
        )
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.settings.agent.tick_seconds, timezone=UTC),
            id="tick",
            name="ofpra-assistant tick",
            next_run_time=datetime.now(UTC),
            replace_existing=True,
            **TICK_JOB_OPTIONS,
        )
        return scheduler

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        self._stop_signal = signum

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.request_stop(signum)


def notice_alert(notice: Notice, t: Translator, now: datetime) -> Alert:
    if notice.kind == "reminder":
        assert notice.waiting is not None
        waiting = notice.waiting
        return reminder_alert(
            waiting.seen.letter,
            waiting.deadlines,
            waiting.seen_on,
            paris_today(now),
            t,
            notice.profile,
        )
    assert notice.since is not None
    return not_checked_alert(paris_today(notice.since), t, notice.profile, notice.paused_by)
