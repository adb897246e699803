"""One Playwright driver for a whole run (flows/driver.py): sessions handed over by several
threads run at once in the one driver's thread, each gets its own result or error back, a
session sees its caller's context variables, the fence holds there as anywhere, and nobody is
left waiting when the driver closes or dies. A real Chromium, one driver for the module."""

from __future__ import annotations

import contextvars
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright

from assistant.pool import InBrowser, driver_pool
from assistant.settings import BrowserSettings, Settings
from fixtures.hostile_portal.fence import ATTACKS, HostilePortal
from flows.check_flow import read_documents
from flows.driver import DriverClosedError, SharedDriver
from flows.errors import CheckError, PageNotRecognisedError
from flows.fence import portal_context
from tests.conftest import (
    IDENTIFIER,
    PASSWORD,
    TODAY,
    MockPortalServer,
    chromium_launch_options,
)

pytestmark = pytest.mark.browser

#: How long a session waits for the others in the barrier before it gives up.
BARRIER_SECONDS = 20


class BarrierServer:
    """A loopback server whose pages /0, /1, /2 each answer only once all three are asked for:
    sessions run one after another never get an answer."""

    def __init__(self, parties: int) -> None:
        barrier = threading.Barrier(parties, timeout=BARRIER_SECONDS)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    barrier.wait()
                    status, body = 200, f"<title>{self.path}</title>".encode()
                except threading.BrokenBarrierError:
                    status, body = 504, b"alone"
                self.send_response(status)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def barrier() -> Iterator[BarrierServer]:
    server = BarrierServer(3)
    yield server
    server.close()


@pytest.fixture(scope="module")
def driver(
    playwright: Playwright, barrier: BarrierServer, mock_portal_server: MockPortalServer
) -> Iterator[SharedDriver]:
    options = chromium_launch_options(playwright)
    portals = [barrier.url, mock_portal_server.login_url]
    with SharedDriver(portals, executable_path=options.get("executable_path")) as shared:
        yield shared


def title_of(browser: Browser, url: str) -> str:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url, timeout=(BARRIER_SECONDS + 5) * 1000)
        return page.title()
    finally:
        context.close()


def test_sessions_handed_over_by_several_threads_run_at_once(
    driver: SharedDriver, barrier: BarrierServer
) -> None:
    with ThreadPoolExecutor(max_workers=3) as threads:
        titles = list(
            threads.map(
                lambda n: driver.run(lambda browser: title_of(browser, f"{barrier.url}{n}")),
                range(3),
            )
        )

    assert titles == ["/0", "/1", "/2"]


def test_a_sessions_error_is_raised_to_its_caller_and_the_driver_goes_on(
    driver: SharedDriver, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed")

    def failing(browser: Browser) -> None:
        context = browser.new_context()
        try:
            context.new_page().goto("http://127.0.0.1:9/nothing-here", timeout=5_000)
        finally:
            context.close()

    def reading(browser: Browser) -> int:
        with portal_context(browser, portal.login_url) as fenced:
            reading = read_documents(fenced, portal.login_url, IDENTIFIER, PASSWORD)
        return len(reading.letters)

    with pytest.raises(Exception, match="ERR_"):
        driver.run(failing)
    assert driver.run(reading) == 7


def test_a_session_sees_its_callers_context_variables(driver: SharedDriver) -> None:
    who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")

    def caller(name: str) -> str:
        who.set(name)
        return driver.run(lambda browser: f"{who.get()} {browser.version != ''}")

    with ThreadPoolExecutor(max_workers=2) as threads:
        seen = list(threads.map(caller, ["person01", "person02"]))

    assert seen == ["person01 True", "person02 True"]


def test_a_closed_driver_refuses_work(playwright: Playwright, barrier: BarrierServer) -> None:
    options = chromium_launch_options(playwright)
    shared = SharedDriver([barrier.url], executable_path=options.get("executable_path")).start()
    shared.close()

    with pytest.raises(DriverClosedError):
        shared.run(lambda browser: browser.version)


def test_a_driver_closed_while_it_starts_closes(
    playwright: Playwright, barrier: BarrierServer
) -> None:
    """A run stopped (Ctrl-C) before its first check closes a driver that is still starting."""
    options = chromium_launch_options(playwright)
    shared = SharedDriver([barrier.url], executable_path=options.get("executable_path")).begin()
    closing = threading.Thread(target=shared.close, daemon=True)
    closing.start()
    closing.join(timeout=60)

    assert not closing.is_alive(), "close() waited for ever"
    with pytest.raises(DriverClosedError):
        shared.run(lambda browser: browser.version)


def test_callers_are_told_when_the_driver_dies_under_them(
    playwright: Playwright, barrier: BarrierServer
) -> None:
    options = chromium_launch_options(playwright)
    before = _drivers()
    shared = SharedDriver([barrier.url], executable_path=options.get("executable_path")).start()
    [its_driver] = _drivers() - before
    started = threading.Event()

    def waiting(browser: Browser) -> None:
        page = browser.new_context().new_page()
        started.set()
        page.wait_for_timeout(60_000)  # in a Playwright call when the driver dies

    with ThreadPoolExecutor(max_workers=1) as threads:
        session = threads.submit(shared.run, waiting)
        assert started.wait(30)
        os.kill(its_driver, signal.SIGKILL)
        with pytest.raises(Exception, match=r"closed|stopped"):
            session.result(timeout=30)
    shared.close()


def test_a_pool_job_that_blocks_its_thread_does_not_stop_the_other_sessions(
    playwright: Playwright,
) -> None:
    """A check's job waits on its own thread (for its record, a lock, a back-off) while the
    other threads' sessions run in the one driver: here, two sessions that answer only when
    both are asked for, while a third job holds its thread until they are done."""
    pair = BarrierServer(2)
    options = chromium_launch_options(playwright)
    settings = Settings(browser=BrowserSettings(executable_path=options.get("executable_path")))
    both_read = threading.Event()
    seen: dict[str, object] = {}

    def reader(number: int) -> Callable[[InBrowser], None]:
        def job(in_browser: InBrowser) -> None:
            url = f"{pair.url}{number}"
            seen[f"/{number}"] = in_browser(lambda browser: title_of(browser, url))
            if len(seen) == 2:
                both_read.set()

        return job

    def blocking(in_browser: InBrowser) -> None:
        seen["blocked until both were read"] = both_read.wait(BARRIER_SECONDS * 2)

    try:
        with driver_pool(settings, [pair.url], 3) as pool:
            for job in (blocking, reader(0), reader(1)):
                pool.submit(job)
            pool.finish()
    finally:
        pair.close()

    assert seen == {"/0": "/0", "/1": "/1", "blocked until both were read": True}


def _drivers() -> set[int]:
    """This process's children that run Playwright's driver (Node.js running its cli)."""
    found = set()
    for name in os.listdir("/proc"):
        if not name.isdigit() or _parent(int(name)) != os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as command:
                arguments = command.read().split(b"\0")
        except OSError:
            continue
        if b"run-driver" in arguments:
            found.add(int(name))
    return found


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return -1
    return int(text[text.rindex(b")") + 2 :].split(None, 2)[1])


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostilePortal]:
    with HostilePortal("decision_9_days", today=TODAY) as server:
        yield server


@pytest.fixture(scope="module")
def hostile_driver(playwright: Playwright, hostile: HostilePortal) -> Iterator[SharedDriver]:
    """The one driver of a run of several profiles, fenced to the hostile portal."""
    options = chromium_launch_options(playwright)
    portals = [hostile.login_url]
    with SharedDriver(portals, executable_path=options.get("executable_path")) as shared:
        yield shared


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_fence_holds_against_every_attack_in_the_shared_driver(
    hostile_driver: SharedDriver, hostile: HostilePortal, attack: str
) -> None:
    """The hostile portal's attacks, the pages' scripts on, each in a session run by the one
    driver from another thread (the path of several profiles at once): nothing leaves the
    portal's origin, no letter is asked for, and a led-astray navigation stops the check."""
    hostile.use(attack)

    def attacked(browser: Browser) -> CheckError | int:
        outcome: CheckError | int
        with portal_context(browser, hostile.login_url, javascript=True) as fenced:
            try:
                reading = read_documents(fenced, hostile.login_url, IDENTIFIER, PASSWORD, 6_000)
                outcome = len(reading.letters)
            except CheckError as error:
                outcome = error
            fenced.page.wait_for_timeout(300)  # what the page started late
        return outcome

    with ThreadPoolExecutor(max_workers=1) as thread:
        outcome = thread.submit(hostile_driver.run, attacked).result()

    assert hostile.contacts() == [], f"{attack}: something left the portal's origin"
    assert hostile.view_requests() == [], f"{attack}: a letter was requested"
    assert not any(request.startswith("websocket") for request in hostile.hostile_requests)
    if ATTACKS[attack].stops_the_check:
        assert isinstance(outcome, PageNotRecognisedError)
        assert "The assistant refused" in outcome.message
    else:
        assert outcome == 1, f"{attack}: the check did not read the account ({outcome})"
