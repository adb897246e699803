"""Several profiles at a time (``[browser] concurrency``): one Chromium and ONE Playwright driver
shared by the worker threads, each profile in a fresh context; never two sessions of one profile,
at most
``concurrency`` sessions at once on one portal, and the failure of one never stops the others.
Real browser, real SQLite, the mock portal answering each page after a delay."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from assistant.browser_pool import BrowserJob, InBrowser
from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.environment import build_environment, launch_for_hosts
from assistant.errors import ConfigInvalidError
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher
from assistant.pool import driver_pool
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, Paths, Settings, load_settings
from assistant.state import Profile, StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from flows.check_flow import DocumentsReading
from tests.conftest import (
    IDENTIFIER,
    NOW,
    PASSWORD,
    TODAY,
    FakeClock,
    RecordingNotifier,
    RecordingSleep,
)

#: Long enough for sessions to overlap whenever they can, short enough for a fast test.
PAGE_DELAY_MS = 150


def environment(tmp_path: Path, concurrency: int, **browser: object) -> Environment:
    return Environment(
        settings=Settings(
            browser=BrowserSettings(timeout_seconds=10, concurrency=concurrency, **browser)  # type: ignore[arg-type]
        ),
        state=StateStore(tmp_path / "state.sqlite3"),
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        sleep=RecordingSleep(),
        captures_dir=tmp_path / "captures",
        browser_pool=driver_pool,
    )


@pytest.fixture
def slow_portal(portal: MockPortalServer) -> Iterator[MockPortalServer]:
    portal.use_scenario("mixed", today=TODAY)
    portal.set_page_delay(PAGE_DELAY_MS)
    yield portal


def set_up(env: Environment, url: str, name: str, password: str = PASSWORD) -> None:
    env.state.save_profile(name, url, "en", NOW)
    env.state.record_consent(name, make_consent("Amina", "holder", "en", NOW))
    env.credentials.save(name, Credentials(IDENTIFIER, password))


class SessionLog:
    """When each profile's reading started and ended (on the shared driver's thread). The first
    ``together`` checks wait for one another on their worker threads before they hand their
    first work to the browser, and they met only if their readings then overlap: they ran at
    once in the one driver, whatever the machine's load (a timing of the sessions alone is not
    proof of that). The wait is on the workers: the readings themselves must never block (they
    share the driver's thread)."""

    def __init__(self, runner: CheckRunner, together: int = 2) -> None:
        self.spans: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()
        self._read = runner.reader
        runner.reader = self.read
        self._pool = runner.env.browser_pool
        assert self._pool is not None, "the real pool"
        runner.env.browser_pool = self.pool
        self._together = together
        self._arrived = 0
        self._gate = threading.Barrier(together)
        self._met = False

    @property
    def met_together(self) -> bool:
        names = [name for name, _, _ in self.spans]
        return self._met and any(
            self.overlap(first, second) for first in names for second in names if first != second
        )

    @contextmanager
    def pool(self, settings: Settings, portals: list[str], workers: int) -> Iterator[Any]:
        assert self._pool is not None
        with self._pool(settings, portals, workers) as real:
            log = self

            class Meeting:
                workers = real.workers

                def submit(self, job: BrowserJob) -> None:
                    real.submit(lambda in_browser: job(log.meet(in_browser)))

                def finish(self) -> None:
                    real.finish()

            yield Meeting()

    def meet(self, in_browser: InBrowser) -> InBrowser:
        """``in_browser``, whose first call waits (on the worker) for the others to arrive."""
        with self._lock:
            self._arrived += 1
            waits = self._arrived <= self._together
        if waits:
            try:
                self._gate.wait(timeout=60)
                self._met = True
            except threading.BrokenBarrierError:
                pass  # one after the other: the test says so
        return in_browser

    def read(
        self, browser: Browser, profile: Profile, credentials: Credentials, previous: object
    ) -> tuple[DocumentsReading, int, int]:
        started = time.monotonic()
        try:
            return self._read(browser, profile, credentials, previous)  # type: ignore[arg-type]
        finally:
            with self._lock:
                self.spans.append((profile.name, started, time.monotonic()))

    def overlap(self, first: str, second: str) -> bool:
        mine = [s for s in self.spans if s[0] == first]
        theirs = [s for s in self.spans if s[0] == second]
        return any(a[1] < b[2] and b[1] < a[2] for a in mine for b in theirs if a is not b)


@pytest.mark.browser
def test_three_profiles_two_at_a_time_a_refused_one_does_not_stop_the_others(
    tmp_path: Path, slow_portal: MockPortalServer
) -> None:
    env = environment(tmp_path, concurrency=2)
    set_up(env, slow_portal.login_url, "amina")
    set_up(env, slow_portal.login_url, "bilal", password="Not-The-Password-1!")
    set_up(env, slow_portal.login_url, "chirine")
    runner = CheckRunner(env)
    sessions = SessionLog(runner)

    results = runner.check_many(["amina", "bilal", "chirine"])

    assert [r.profile for r in results] == ["amina", "bilal", "chirine"]
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error is not None and results[1].error.code == "login_rejected"
    assert all(r.letters for r in (results[0], results[2]))
    log = slow_portal.log()
    # Two at a time, never more: the mock counts the sessions open at once.
    assert 1 <= log["most_sessions_open"] <= 2
    assert (log["logins"], log["failed_logins"], log["logouts"]) == (2, 1, 2)
    assert log["view_requests"] == []
    assert sessions.met_together, "two profiles were read at once"
    # Every result went through the state, recorded while its profile's session was held.
    assert [c.ok for c in env.state.checks("bilal")] == [False]
    assert env.state.profile("bilal").refused_code == "login_rejected"  # type: ignore[union-attr]
    assert env.state.last_successful_check("amina") is not None
    env.state.close()


@pytest.mark.browser
def test_one_profile_asked_twice_never_has_two_sessions_at_once(
    tmp_path: Path, slow_portal: MockPortalServer
) -> None:
    env = environment(tmp_path, concurrency=3)
    set_up(env, slow_portal.login_url, "amina")
    set_up(env, slow_portal.login_url, "bilal")
    runner = CheckRunner(env)
    sessions = SessionLog(runner)

    results = runner.check_many(["amina", "bilal", "amina"])

    assert [(r.profile, r.ok) for r in results] == [
        ("amina", True),
        ("bilal", True),
        ("amina", True),
    ]
    assert [name for name, _, _ in sessions.spans].count("amina") == 2
    assert not sessions.overlap("amina", "amina")
    assert sessions.met_together, "the other profile ran meanwhile"
    log = slow_portal.log()
    assert 1 <= log["most_sessions_open"] <= 2, "never two sessions of amina"
    assert (log["logins"], log["logouts"]) == (3, 3)
    # The second check of amina saw the first one's record: nothing is new the second time.
    assert not any(report.new for report in results[2].letters)
    env.state.close()


@pytest.mark.browser
def test_progress_of_profiles_checked_at_once_says_which_profile_each_line_is_about(
    tmp_path: Path, slow_portal: MockPortalServer
) -> None:
    from assistant.cli_output import progress_line

    env = environment(tmp_path, concurrency=2)
    said: list[tuple[str, dict[str, object]]] = []
    env.progress = lambda step, /, **values: said.append((step, values))
    set_up(env, slow_portal.login_url, "amina")
    set_up(env, slow_portal.login_url, "bilal")

    CheckRunner(env).check_many(["amina", "bilal"])

    logging_in = sorted(str(v.get("for_profile")) for s, v in said if s == "logging_in")
    assert logging_in == ["amina", "bilal"]
    assert ("checking_profile", {"profile": "bilal"}) in said
    t = Translator("en")
    assert progress_line("logging_in", {"for_profile": "bilal"}, t) == "bilal: Logging in..."
    assert progress_line("logging_in", {}, t) == "Logging in..."
    env.state.close()


def test_a_browser_that_cannot_start_fails_every_profile_with_its_name_and_hangs_nothing(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path, concurrency=3, executable_path=str(tmp_path / "no-chromium"))
    for name in ("amina", "bilal"):
        set_up(env, "http://127.0.0.1:9/ofpra/user/login", name)

    results = CheckRunner(env).check_many(["amina", "bilal"])

    assert [r.profile for r in results] == ["amina", "bilal"]
    assert [r.error.code if r.error else None for r in results] == ["browser_unavailable"] * 2
    assert [c.error_code for c in env.state.checks("amina")] == ["browser_unavailable"]
    env.state.close()


@pytest.mark.parametrize("value", ["0", "9", '"three"'], ids=["zero", "nine", "text"])
def test_concurrency_setting_out_of_range_is_a_named_error(tmp_path: Path, value: str) -> None:
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    paths.settings_file.write_text(f"[browser]\nconcurrency = {value}\n")

    with pytest.raises(ConfigInvalidError) as raised:
        load_settings(paths)

    assert raised.value.code == "config_invalid"
    assert f"'browser.concurrency' (in {paths.settings_file})" in raised.value.message


def test_concurrency_setting_defaults_to_three_and_is_read_from_file_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    assert load_settings(paths).browser.concurrency == 3
    paths.settings_file.write_text("[browser]\nconcurrency = 8\n")
    assert load_settings(paths).browser.concurrency == 8
    monkeypatch.setenv("OFPRA_ASSISTANT_BROWSER__CONCURRENCY", "1")
    assert load_settings(paths).browser.concurrency == 1


def test_the_real_browser_runs_on_workers_and_a_browser_handed_in_stays_on_its_thread(
    tmp_path: Path,
) -> None:
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    state = StateStore(paths.state_file)

    def built(**source: object) -> Environment:
        return build_environment(
            paths,
            Settings(),
            console=None,
            state=state,
            credentials=MemoryCredentialStore(),
            dispatcher=AlertDispatcher([RecordingNotifier()]),
            **source,  # type: ignore[arg-type]
        )

    real = built()
    handed = built(browser_source=lambda settings, hosts: launch_for_hosts(settings, hosts))

    assert real.browser_pool is driver_pool
    assert handed.browser_pool is None
    state.close()


class Interrupted(BaseException):
    """Ctrl-C, say, while the runner reads the keyring."""


class InterruptedAt:
    """A credential store whose reading of one profile is interrupted."""

    def __init__(self, store: MemoryCredentialStore, profile: str) -> None:
        self.store = store
        self.profile = profile

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def load(self, profile: str) -> Credentials:
        if profile == self.profile:
            raise Interrupted
        return self.store.load(profile)


@pytest.mark.browser
def test_an_interrupted_run_ends_the_session_under_way_and_starts_no_other(
    tmp_path: Path, slow_portal: MockPortalServer
) -> None:
    raised: list[BaseException] = []

    def run() -> None:
        # The state's connection belongs to the thread that runs the checks.
        env = environment(tmp_path, concurrency=2)
        for name in ("amina", "bilal", "chirine"):
            set_up(env, slow_portal.login_url, name)
        assert isinstance(env.credentials, MemoryCredentialStore)
        env.credentials = InterruptedAt(env.credentials, "chirine")  # type: ignore[assignment]
        try:
            CheckRunner(env).check_many(["amina", "bilal", "chirine"])
        except Interrupted as error:
            raised.append(error)
        finally:
            env.state.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)

    assert not thread.is_alive(), "the run hung after it was interrupted"
    assert len(raised) == 1
    log = slow_portal.log()
    # The sessions already under way ended with a logout; none started after the interruption.
    assert log["logins"] == log["logouts"] <= 2


@pytest.mark.browser
def test_a_portal_slow_to_answer_each_page_is_still_logged_out(
    tmp_path: Path, slow_portal: MockPortalServer
) -> None:
    """The logout is a redirect: two slow pages, longer than the short wait for its link."""
    slow_portal.set_page_delay(700)
    env = environment(tmp_path, concurrency=1)
    set_up(env, slow_portal.login_url, "amina")

    result = CheckRunner(env).check("amina")

    assert result.ok, result.error
    assert result.logged_out is True
    assert (slow_portal.log()["logins"], slow_portal.log()["logouts"]) == (1, 1)
    env.state.close()
