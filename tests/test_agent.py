"""The agent's tick over simulated weeks: a fake clock, a fake runner, a real state file.

No browser and no scheduler here: the tick is what the scheduler calls every minute, and it
decides from the wall clock and the state alone. The laptop's life is simulated: awake by day
(a tick every ten minutes), asleep at night and for a few days (the same agent, the clock jumps),
and off for twelve days (the agent is gone; a new one starts at boot).
"""

from __future__ import annotations

import itertools
import signal
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from assistant.agent import TICK_JOB_OPTIONS, Agent, AgentLock, Runner, TickReport
from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.deadlines import PARIS, paris_today
from assistant.errors import (
    N_,
    AgentAlreadyRunningError,
    AssistantError,
    LoginRejectedError,
    PortalUnavailableError,
)
from assistant.notifiers import AlertDispatcher, NotifierError
from assistant.results import Alert
from assistant.runner import CheckRunner, Environment
from assistant.schedule import Policy
from assistant.settings import Paths, Settings
from assistant.state import Profile, StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from flows.check_flow import DocumentsReading
from flows.models import LetterKind, PortalLetter
from tests.conftest import FakeClock, RecordingNotifier

PROFILE = "default"


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


@dataclass
class Letter:
    """A letter on the fake portal: listed from ``available_on``, opened on ``read_on``."""

    kind: LetterKind
    label: str
    available_on: date
    read_on: date | None = None

    def as_listed(self, today: date) -> PortalLetter:
        read = self.read_on is not None and self.read_on <= today
        return PortalLetter(
            id=f"{self.available_on.isoformat()}-{self.kind.value}",
            kind=self.kind,
            label=self.label,
            sender="OFPRA",
            made_available_on=self.available_on,
            notified_on=self.available_on,
            read=read,
            read_on=self.read_on if read else None,
            portal_remaining_days=None,
            portal_says_notified=False,
        )


@dataclass
class FakePortal:
    letters: list[Letter] = field(default_factory=list)
    #: (from, to): the portal does not answer.
    down: list[tuple[datetime, datetime]] = field(default_factory=list)
    rejects_password: bool = False

    def answer(self, now: datetime) -> list[PortalLetter] | AssistantError:
        if any(start <= now < end for start, end in self.down):
            return PortalUnavailableError(N_("The portal could not be reached."))
        if self.rejects_password:
            return LoginRejectedError(N_("The portal refused the identifier or the password."))
        today = paris_today(now)
        return [letter.as_listed(today) for letter in self.letters if letter.available_on <= today]


class ScriptedReader:
    """Reads the fake portal in place of the browser; the real CheckRunner does the rest (the
    state, the outbox, the delivery)."""

    def __init__(self, clock: FakeClock, portal: FakePortal, events: list[str]) -> None:
        self.clock, self.portal, self.events = clock, portal, events

    def __call__(
        self, browser: object, profile: Profile, credentials: Credentials, previous: object
    ) -> tuple[DocumentsReading, int, int]:
        now = self.clock()
        answer = self.portal.answer(now)
        if isinstance(answer, AssistantError):
            self.events.append(f"{_when(now)} check failed: {answer.code}")
            raise answer
        self.events.append(f"{_when(now)} check ok")
        return DocumentsReading(answer, "fr", True), 0, 0


class EventNotifier:
    """Writes every alert it is given into the list of events, and keeps it."""

    kind = "recording"

    def __init__(self, clock: FakeClock, events: list[str]) -> None:
        self.clock, self.events = clock, events
        self.alerts: dict[str, Alert] = {}

    def send(self, alert: Alert) -> None:
        event = f"{_when(self.clock())} {alert.kind}: {alert.title}"
        self.events.append(event)
        self.alerts[event] = alert


def _when(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%m-%d %H:%M")


class Laptop:
    """The simulated computer: its clock, its state file, and the agent while it is on."""

    TICK = timedelta(minutes=10)

    def __init__(self, tmp_path: Path, portal: FakePortal, start: datetime) -> None:
        self.clock = FakeClock(start)
        self.portal = portal
        self.events: list[str] = []
        self.notifier = EventNotifier(self.clock, self.events)
        self.paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
        self.state = StateStore(self.paths.state_file)
        self.agent: Agent | None = None
        self.reports: list[TickReport] = []
        self.credentials = MemoryCredentialStore()

    def boot(self) -> None:
        settings = Settings()
        self.agent = Agent(
            self.paths,
            settings,
            self.credentials,
            AlertDispatcher([self.notifier]),
            clock=self.clock,
            browser_source=lambda settings, hosts: nullcontext(None),  # type: ignore[arg-type]
            runner_factory=self.runner,
            # A fixed jitter keeps the expected times readable; SeededJitter has its own tests.
            policy=Policy.from_settings(
                settings, jitter=lambda profile, due: timedelta(minutes=10)
            ),
            open_state=lambda: nullcontext(self.state),
        )

    def runner(self, env: Environment) -> Runner:
        return CheckRunner(env, reader=ScriptedReader(self.clock, self.portal, self.events))

    def shut_down(self) -> None:
        self.agent = None

    def awake_until(self, end: datetime) -> None:
        """Tick every ten minutes until ``end`` (excluded)."""
        assert self.agent is not None, "the laptop is off"
        while self.clock.now < end:
            self.reports.append(self.agent.tick())
            self.clock.now += self.TICK

    def sleep_until(self, moment: datetime) -> None:
        """Suspend (the agent stays in memory, no tick runs) or stay off until ``moment``."""
        assert moment >= self.clock.now
        self.clock.now = moment

    def days(self, first: date, last: date, on: time = time(8), off: time = time(22)) -> None:
        """Awake from ``on`` to ``off`` and suspended at night, every day from first to last."""
        day = first
        while day <= last:
            self.sleep_until(max(self.clock.now, paris(day, on.hour, on.minute)))
            self.awake_until(paris(day, off.hour, off.minute))
            day += timedelta(days=1)

    def set_up_profile(self) -> None:
        now = self.clock.now
        self.state.save_profile(PROFILE, "https://portal.example/ofpra/user/login", "en", now)
        self.state.mark_credentials_updated(PROFILE, now)
        self.state.record_consent(PROFILE, make_consent("Amina", "holder", "en", now))
        self.credentials.save(PROFILE, Credentials("1234561552", "secret"))


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Laptop]:
    portal = FakePortal()
    machine = Laptop(tmp_path, portal, paris(date(2026, 11, 2), 10))
    yield machine
    machine.state.close()


def test_ten_weeks_of_checks_reminders_and_alarms(laptop: Laptop) -> None:
    portal = laptop.portal
    decision = Letter(LetterKind.DECISION, "Décision", date(2026, 11, 18))
    convocation = Letter(
        LetterKind.CONVOCATION, "Convocation", date(2026, 12, 14), read_on=date(2026, 12, 19)
    )
    portal.letters = [decision, convocation]
    # The portal does not answer on Sunday 29 November, until the evening.
    portal.down = [(paris(date(2026, 11, 29), 0), paris(date(2026, 11, 29), 23))]

    # Week 1: set up on Monday 2 November at 10:00, the agent started at once.
    laptop.set_up_profile()
    laptop.boot()
    laptop.days(date(2026, 11, 2), date(2026, 11, 12))
    # Week 2: the lid stays closed from Thursday night to Tuesday morning (the check due on
    # Monday falls in the middle of that sleep).
    laptop.days(date(2026, 11, 17), date(2026, 12, 3))
    # Off for twelve days, from Thursday 3 December at 22:00 to Wednesday 16 December at 8:00.
    laptop.shut_down()
    laptop.sleep_until(paris(date(2026, 12, 16), 8))
    laptop.boot()
    laptop.days(date(2026, 12, 16), date(2026, 12, 19))
    # The person changes the password on the portal (not in the assistant).
    portal.rejects_password = True
    laptop.days(date(2026, 12, 20), date(2026, 12, 28))
    # On 29 December at noon, setup stores the new password.
    laptop.days(date(2026, 12, 29), date(2026, 12, 29), off=time(12))
    portal.rejects_password = False
    laptop.set_up_profile()
    laptop.awake_until(paris(date(2026, 12, 29), 22))
    laptop.days(date(2026, 12, 30), date(2027, 1, 10))

    assert laptop.events == [
        # The first check at once when the agent starts (no random delay before a first
        # check), then weekly (+ the 10-minute jitter).
        "11-02 10:00 check ok",
        "11-09 10:10 check ok",
        # Due on Monday 16 at 10:30, asleep then: done at the first tick after waking.
        "11-17 08:00 check ok",
        # The decision of 18 November, found by the weekly check: 8 days left. Its D-10
        # reminder (22 November) is covered by this alert.
        "11-24 08:10 check ok",
        "11-24 08:10 new_letter: New letter from OFPRA: Decision (Décision)",
        # Daily checks while it is unread; the D-7 reminder waits for the day's check.
        "11-25 09:10 check ok",
        "11-25 09:10 reminder: Letter not opened yet: Decision (Décision)",
        "11-26 09:10 check ok",
        "11-27 09:10 check ok",
        "11-28 09:10 check ok",
        # D-3, and the portal is down: one failure alert, the reminder from the stored dates,
        # retries after 1 h and 4 h (+ jitter), the next one after 12 h falls in the night.
        "11-29 09:10 check failed: portal_unavailable",
        "11-29 09:10 check_failed: The OFPRA account could not be checked",
        "11-29 09:10 reminder: Letter not opened yet: Decision (Décision)",
        "11-29 10:20 check failed: portal_unavailable",
        "11-29 14:30 check failed: portal_unavailable",
        "11-30 08:00 check ok",
        "12-01 09:10 check ok",
        "12-01 09:10 reminder: Letter not opened yet: Decision (Décision)",
        "12-02 09:10 check ok",
        "12-02 09:10 reminder: Letter not opened yet: Decision (Décision)",
        # 3 December: it counts as received. No more daily checks: weekly again.
        "12-03 09:00 deemed_notified: Letter counted as received: Decision (Décision)",
        # Off from 3 to 16 December: the check due on 9 December runs at boot, and finds the
        # convocation of 14 December (14 days to open it: 12 left).
        "12-16 08:00 check ok",
        "12-16 08:00 new_letter: New letter from OFPRA: Interview appointment (Convocation)",
        "12-17 09:10 check ok",
        "12-18 09:10 check ok",
        "12-18 09:10 reminder: Letter not opened yet: Interview appointment (Convocation)",
        # Opened on the 19th, before the check: weekly again.
        "12-19 09:10 check ok",
        # The password no longer works: one alert, and no more logins.
        "12-26 09:20 check failed: login_rejected",
        "12-26 09:20 check_failed: The OFPRA account could not be checked",
        # 8 days without a successful check: the alarm, then every morning.
        "12-27 09:10 not_checked: OFPRA account not checked since December 19, 2026",
        "12-28 09:00 not_checked: OFPRA account not checked since December 19, 2026",
        "12-29 09:00 not_checked: OFPRA account not checked since December 19, 2026",
        # setup again at noon: the check runs at once.
        "12-29 12:00 check ok",
        "01-05 12:10 check ok",
    ]
    bodies = {event: alert.body for event, alert in laptop.notifier.alerts.items()}
    assert bodies["11-24 08:10 new_letter: New letter from OFPRA: Decision (Décision)"].startswith(
        "Open it on the OFPRA website by December 2, 2026: 8 days left."
    )
    # The D-3 reminder came from the dates read the day before, and says so.
    d_3 = bodies["11-29 09:10 reminder: Letter not opened yet: Decision (Décision)"]
    assert d_3.startswith("Open it on the OFPRA website by December 2, 2026: 3 days left.")
    assert "last read your list of letters on November 28, 2026" in d_3
    assert bodies["12-02 09:10 reminder: Letter not opened yet: Decision (Décision)"].startswith(
        "Open it today on the OFPRA website."
    )
    assert (
        "paused until you run 'ofpra-assistant setup --profile default --replace' again"
        in (bodies["12-28 09:00 not_checked: OFPRA account not checked since December 19, 2026"])
    )
    # Never more than one automated login in 12 hours.
    logins = sorted(
        r.started_at for r in laptop.state.checks(PROFILE, limit=100) if r.error_code is None
    )
    assert all(b - a >= timedelta(hours=12) for a, b in itertools.pairwise(logins))
    assert all(r.automated for r in laptop.state.checks(PROFILE, limit=100))
    assert not any(report.failed for report in laptop.reports)


def test_the_tick_never_raises_and_still_alarms_when_checks_crash(laptop: Laptop) -> None:
    laptop.set_up_profile()
    laptop.boot()
    assert laptop.agent is not None
    calls = []

    def broken(env: Environment) -> Runner:
        calls.append(env)
        raise RuntimeError("a bug")

    laptop.agent.runner_factory = broken
    laptop.sleep_until(paris(date(2026, 11, 2), 10, 10))
    report = laptop.agent.tick()
    assert report.failed is True
    assert calls, "the check was due and tried"

    # Eight days of crashes: the alarm still comes, from the state alone.
    laptop.sleep_until(paris(date(2026, 11, 10), 10, 10))
    assert laptop.agent.tick().failed is True
    assert laptop.events == [
        "11-10 10:10 not_checked: OFPRA account not checked since November 2, 2026"
    ]

    laptop.agent.runner_factory = laptop.runner
    assert laptop.agent.tick().failed is False
    assert laptop.events[1:] == ["11-10 10:10 check ok"]


def test_a_second_agent_on_the_same_home_is_refused_in_process(tmp_path: Path) -> None:
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    with AgentLock(paths):
        with pytest.raises(AgentAlreadyRunningError) as refused:
            AgentLock(paths, wait_seconds=0).__enter__()
        assert refused.value.code == "agent_already_running"
        assert str(tmp_path) in refused.value.message
    with AgentLock(paths):
        pass


def idle_agent(tmp_path: Path) -> Agent:
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    return Agent(
        paths,
        Settings(),
        MemoryCredentialStore(),
        AlertDispatcher([EventNotifier(FakeClock(paris(date(2026, 1, 1), 0)), [])]),
    )


def test_the_tick_job_never_skips_a_missed_run_and_never_overlaps(tmp_path: Path) -> None:
    job = idle_agent(tmp_path).build_scheduler().get_job("tick")

    assert TICK_JOB_OPTIONS == {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
    assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (None, True, 1)
    assert job.trigger.interval == timedelta(seconds=60)
    assert job.args == () and job.kwargs == {}, "nothing, and so nothing secret, in the job"


def test_run_holds_the_lock_until_stopped(tmp_path: Path) -> None:
    agent = idle_agent(tmp_path)
    seen_locked = []

    def started() -> None:
        with pytest.raises(AgentAlreadyRunningError):
            AgentLock(agent.paths, wait_seconds=0).__enter__()
        seen_locked.append(True)
        agent.request_stop(signal.SIGINT)

    assert agent.run(on_started=started) == signal.SIGINT
    assert seen_locked == [True]
    with AgentLock(agent.paths, wait_seconds=0):
        pass


def test_a_tick_missed_while_asleep_runs_once_at_wake_up(tmp_path: Path) -> None:
    """The real scheduler, its clock moved five days on as a suspend would (time-machine)."""
    import threading

    import time_machine

    ticks: list[datetime] = []
    ran = threading.Event()

    class CountingAgent(Agent):
        def tick(self) -> TickReport:
            ticks.append(datetime.now(PARIS))
            ran.set()
            return TickReport(at=ticks[-1])

    agent = CountingAgent(
        Paths(config_dir=tmp_path, data_dir=tmp_path),
        Settings(),
        MemoryCredentialStore(),
        AlertDispatcher([EventNotifier(FakeClock(paris(date(2026, 1, 1), 0)), [])]),
    )
    with time_machine.travel(paris(date(2026, 11, 12), 22), tick=True) as traveller:
        scheduler = agent.build_scheduler()
        scheduler.start(paused=True)
        try:
            traveller.shift(timedelta(days=5))  # asleep: the first tick's time is long past
            scheduler.resume()
            assert ran.wait(timeout=30), "the missed tick ran"
            job = scheduler.get_job("tick")
            next_run = job.next_run_time
        finally:
            scheduler.shutdown(wait=True)

    assert len(ticks) == 1, "several missed ticks make one"
    assert ticks[0] >= paris(date(2026, 11, 17), 22)
    assert timedelta(0) < next_run - ticks[0] <= timedelta(seconds=60)


class Gate:
    """The desktop's notification service, absent until ``up`` (the agent started at login
    before the desktop was ready)."""

    kind = "desktop"

    def __init__(self, behind: EventNotifier) -> None:
        self.behind, self.up = behind, False

    def send(self, alert: Alert) -> None:
        if not self.up:
            raise NotifierError("org.freedesktop.Notifications is not on the bus yet")
        self.behind.send(alert)


def test_the_agent_waits_for_the_notification_service_and_delivers_then(laptop: Laptop) -> None:
    laptop.portal.letters = [Letter(LetterKind.DECISION, "Décision", date(2026, 10, 30))]
    laptop.set_up_profile()
    laptop.boot()
    assert laptop.agent is not None
    gate = Gate(laptop.notifier)
    laptop.agent.dispatcher = AlertDispatcher([gate])

    laptop.awake_until(paris(date(2026, 11, 2), 10, 30))

    assert laptop.events == ["11-02 10:00 check ok"], "checked, but no one was told yet"
    waiting = laptop.state.undelivered()
    assert waiting["alerts"] == 1
    assert "not on the bus yet" in str(waiting["last_error"])
    assert [via for r in laptop.reports for _, via in r.delivered] == ["waiting"] * 3

    gate.up = True
    laptop.awake_until(paris(date(2026, 11, 2), 10, 40))

    assert laptop.events == [
        "11-02 10:00 check ok",
        "11-02 10:30 new_letter: New letter from OFPRA: Decision (Décision)",
    ]
    assert laptop.state.undelivered()["alerts"] == 0
    assert laptop.reports[-1].delivered[0][1] == "desktop"


def test_an_alert_left_by_a_killed_agent_goes_out_when_the_next_one_starts(
    laptop: Laptop,
) -> None:
    laptop.portal.letters = [Letter(LetterKind.DECISION, "Décision", date(2026, 10, 30))]
    laptop.set_up_profile()
    laptop.boot()
    assert laptop.agent is not None
    gate = Gate(laptop.notifier)
    laptop.agent.dispatcher = AlertDispatcher([gate])
    laptop.awake_until(paris(date(2026, 11, 2), 10, 10))  # checked; the alert waits
    laptop.shut_down()  # killed
    laptop.sleep_until(paris(date(2026, 11, 2), 10, 11))

    laptop.boot()
    laptop.awake_until(paris(date(2026, 11, 2), 10, 12))

    assert laptop.events == [
        "11-02 10:00 check ok",
        "11-02 10:11 new_letter: New letter from OFPRA: Decision (Décision)",
    ]


def test_a_clock_a_year_ahead_then_right_again_silences_nothing(laptop: Laptop) -> None:
    laptop.set_up_profile()
    laptop.boot()
    laptop.awake_until(paris(date(2026, 11, 2), 10, 10))
    assert laptop.events == ["11-02 10:00 check ok"]

    # One check with the clock a year ahead (a dead CMOS battery, a wrong time zone server).
    laptop.sleep_until(paris(date(2027, 11, 10), 10))
    laptop.awake_until(paris(date(2027, 11, 10), 10, 10))
    assert laptop.events[-1] == "11-10 10:00 check ok"

    # The clock is right again: the next check is a week from the last one it can trust, and
    # the alarm rings when no check succeeds for 8 days from now, not a year later.
    laptop.clock.now = paris(date(2026, 11, 5), 10)
    laptop.portal.down = [(paris(date(2026, 11, 1), 0), paris(date(2026, 12, 31), 0))]
    laptop.days(date(2026, 11, 5), date(2026, 11, 13))

    after = [e for e in laptop.events[2:] if "check" in e or "not_checked" in e]
    assert after[0] == "11-09 10:10 check failed: portal_unavailable"
    assert "11-10 10:00 not_checked: OFPRA account not checked since November 2, 2026" in after


def test_a_clock_a_year_back_treats_a_last_check_in_the_future_as_unknown(
    laptop: Laptop,
) -> None:
    laptop.clock.now = paris(date(2027, 11, 2), 10)
    laptop.set_up_profile()
    laptop.boot()
    laptop.awake_until(paris(date(2027, 11, 2), 10, 10))
    # Back a year: the check "of 2027" is in the future, so unknown: a first check at once.
    laptop.clock.now = paris(date(2026, 11, 2), 10)
    laptop.awake_until(paris(date(2026, 11, 2), 10, 10))

    assert laptop.events == ["11-02 10:00 check ok", "11-02 10:00 check ok"]


def test_status_shows_the_random_delay_the_agent_draws(laptop: Laptop) -> None:
    from assistant.environment import build_environment
    from assistant.status import profile_statuses

    laptop.set_up_profile()
    laptop.boot()
    laptop.awake_until(paris(date(2026, 11, 2), 10, 10))
    env = build_environment(
        laptop.paths, Settings(), console=None, state=laptop.state, clock=laptop.clock
    )

    [status] = profile_statuses(env, laptop.paths)

    # Checked on 2 November at 10:00, weekly: due on 9 November at 10:00, Paris time.
    due = datetime.fromisoformat(status["next_check_due"])
    assert due == paris(date(2026, 11, 9), 10)
    delay = timedelta(minutes=status["next_check_delay_minutes"])
    assert timedelta(0) <= delay <= timedelta(minutes=30)
    # The agent with its own random delay (not the laptop's fixed one) checks when status said,
    # to the minute it ticks.
    laptop.agent = Agent(
        laptop.paths,
        Settings(),
        laptop.credentials,
        AlertDispatcher([laptop.notifier]),
        clock=laptop.clock,
        browser_source=lambda settings, hosts: nullcontext(None),  # type: ignore[arg-type]
        runner_factory=laptop.runner,
        open_state=lambda: nullcontext(laptop.state),
    )
    laptop.TICK = timedelta(minutes=1)
    laptop.sleep_until(due - timedelta(minutes=1))
    laptop.awake_until(due + timedelta(minutes=32))
    checks = [e for e in laptop.events if e.endswith("check ok")]
    assert len(checks) == 2, laptop.events
    when = datetime.strptime(f"2026-{checks[1][:11]}", "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)
    assert abs(when - (due + delay)) <= timedelta(minutes=1)


def test_a_damaged_state_is_kept_aside_and_the_agent_says_so_once(tmp_path: Path) -> None:
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    paths.state_file.write_bytes(b"not a database" * 100)
    notifier = RecordingNotifier()
    agent = Agent(
        paths,
        Settings(),
        MemoryCredentialStore(),
        AlertDispatcher([notifier]),
        clock=FakeClock(paris(date(2026, 11, 2), 10)),
    )

    first, second = agent.tick(), agent.tick()

    assert not first.failed and not second.failed
    assert [alert.kind for alert in notifier.alerts] == ["state_damaged"]
    [aside] = tmp_path.glob("state.sqlite3.damaged-*[0-9TZ]")
    assert aside.read_bytes().startswith(b"not a database"), "kept, never deleted"
