"""The browser of a check, run by worker threads: started early, shared by several profiles.

Playwright's sync API is bound to the thread that started it, so each worker is a thread with
a Playwright driver of its own. With one worker, it launches Chromium itself (as a bare script
would); with several, the first starts one fenced Chromium as a server
(``flows.launch.launch_browser_server``) and every worker connects to it, each profile still in
a fresh context of its own. The runner hands the workers jobs, one per profile; a job checks
its profile and records what it found (``assistant.recorder``, one job at a time) on the worker.

A worker starts its driver as soon as it is made, before anyone knows which browser to launch:
``check`` makes one first thing, so that Node.js and Chromium start while Python reads the
settings, the state and the keyring.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from assistant.browser_pool import BrowserJob, InBrowser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

    from assistant.settings import Settings
    from flows.launch import BrowserServer

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class _Launch:
    """What every worker needs to know to get its browser."""

    portal_urls: tuple[str, ...]
    executable_path: str | None
    channel: str | None
    headless: bool
    shared: bool


class BrowserWorkers:
    """The real launcher's ``BrowserPool`` (assistant/browser_pool.py): worker threads, each
    with its own Playwright driver and browser, for one run of checks.

    Made early (``warm``), a worker starts its driver at once; ``open`` then says which browser
    to launch, and how many workers the run uses. Used once: ``open`` closes everything at its
    end, whatever happens.
    """

    def __init__(self, warm: int = 0, *, wait_at_end: bool = True) -> None:
        self._wait_at_end = wait_at_end
        self._lock = threading.Lock()
        self._jobs: queue.Queue[BrowserJob | None] = queue.Queue()
        self._launch: _Launch | None = None
        self._launched = threading.Event()
        self._imported = threading.Event()
        self._threads: list[threading.Thread] = []
        self._alive = 0
        self._finishing = False
        # The shared browser (several workers): set once by the first worker.
        self._server: BrowserServer | None = None
        self._server_error: BaseException | None = None
        self._server_ready = threading.Event()
        for _ in range(warm):
            self._start_worker()

    def launch(self, settings: Settings, portal_urls: list[str], workers: int) -> None:
        """Launch the browser for ``workers`` workers, in the background (this returns at
        once). Only the first call counts: a command may launch it as soon as it knows the
        portals, before the runner asks for it (``open``)."""
        with self._lock:
            if self._launch is not None:
                return
            workers = max(1, workers)
            self._launch = _Launch(
                portal_urls=tuple(portal_urls),
                executable_path=settings.browser.executable_path,
                channel=settings.browser.channel,
                headless=settings.browser.headless,
                shared=workers > 1,
            )
        while len(self._threads) < workers:
            self._start_worker()
        self._launched.set()

    @contextmanager
    def open(
        self, settings: Settings, portal_urls: list[str], workers: int
    ) -> Iterator[BrowserWorkers]:
        """The workers, their browser launched (``launch``) if it is not yet; at the end, each
        closes its browser and driver (waited for unless ``wait_at_end`` is off: then
        ``close`` waits)."""
        self.launch(settings, portal_urls, workers)
        try:
            yield self
        except BaseException:
            self._drop_jobs()  # stopped (Ctrl-C, a fault): no new session starts
            raise
        finally:
            self.finish()
            if self._wait_at_end:
                self.close()

    def close(self) -> None:
        """Wait until every worker has closed its browser and driver (or, if the browsers were
        never launched, stop the warm drivers)."""
        self._launched.set()
        if self._launch is not None:
            self.finish()
        for thread in self._threads:
            thread.join()
        self._close_server()

    def wait_for_imports(self, timeout: float = 2.0) -> None:
        """Wait until the first warm worker has imported Playwright: Python's imports take the
        interpreter's lock in turn, so the command's own wait for this one (about 0.1 s), and
        then run while Node.js starts in its own process."""
        self._imported.wait(timeout)

    @property
    def workers(self) -> int:
        return len(self._threads)

    def submit(self, job: BrowserJob) -> None:
        """Run ``job`` on the next free worker. The job must never raise; it is given a call
        that returns this worker's browser, or raises what stopped it from starting."""
        self._jobs.put(job)

    def finish(self) -> None:
        """No more jobs: each worker closes its browser once its last job is done."""
        with self._lock:
            if self._finishing:
                return
            self._finishing = True
        for _ in self._threads:
            self._jobs.put(None)

    def _drop_jobs(self) -> None:
        """Forget the jobs not started (the workers' stop signals are given again)."""
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        with self._lock:
            finishing = self._finishing
        if finishing:
            for _ in self._threads:
                self._jobs.put(None)

    # The workers ---------------------------------------------------------------------------

    def _start_worker(self) -> None:
        number = len(self._threads)
        thread = threading.Thread(
            target=self._work, args=(number,), name=f"ofpra-browser-{number}", daemon=False
        )
        with self._lock:
            self._alive += 1
        self._threads.append(thread)
        thread.start()

    def _work(self, number: int) -> None:
        """One worker: its driver, then its browser, then jobs until there are no more."""
        playwright: Playwright | None = None
        browser: Browser | None = None
        failure: BaseException | None = None
        try:
            try:
                from playwright.sync_api import sync_playwright

                # Python's part is done: Node.js starts in a process of its own from here.
                self._imported.set()
                playwright = sync_playwright().start()
                import flows.launch  # noqa: F401  (needed to launch; while settings are read)
            except Exception as error:
                failure = _browser_error(error)
            finally:
                self._imported.set()
            self._launched.wait()
            if self._launch is None:
                return  # not needed after all (the command stopped before any check)
            if failure is None and playwright is not None:
                try:
                    browser = self._browser(playwright, number)
                except Exception as error:
                    failure = _browser_error(error)
            if failure is not None:
                log.warning("browser worker %d could not start: %s", number, failure)
            self._serve(browser, failure)
        finally:
            if browser is not None:
                with suppress(Exception):
                    browser.close()
            if playwright is not None:
                with suppress(Exception):
                    playwright.stop()

    def _serve(self, browser: Browser | None, failure: BaseException | None) -> None:
        if failure is not None:
            with self._lock:
                self._alive -= 1
                last = self._alive == 0
            if not last:
                return  # the others take the jobs
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if browser is not None:
                job(lambda work, browser=browser: work(browser))
            else:
                job(_raiser(failure))

    def _browser(self, playwright: Playwright, number: int) -> Browser:
        from flows.launch import connect_browser, launch_browser, launch_browser_server

        launch = self._launch
        assert launch is not None
        if not launch.shared:
            return launch_browser(
                playwright,
                launch.portal_urls,
                executable_path=launch.executable_path,
                channel=launch.channel,
                headless=launch.headless,
            )
        if number == 0:
            try:
                self._server = launch_browser_server(
                    playwright,
                    launch.portal_urls,
                    executable_path=launch.executable_path,
                    channel=launch.channel,
                    headless=launch.headless,
                )
            except BaseException as error:
                self._server_error = error
                raise
            finally:
                self._server_ready.set()
        self._server_ready.wait()
        if self._server is None:
            raise self._server_error or RuntimeError("the browser server did not start")
        return connect_browser(playwright, self._server)

    def _close_server(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()


def _raiser(failure: BaseException | None) -> InBrowser:
    def in_browser(work: Callable[[Browser], T]) -> T:
        raise failure or RuntimeError("no browser")

    return in_browser


def pooled_browsers(
    settings: Settings, portal_urls: list[str], workers: int
) -> AbstractContextManager[BrowserWorkers]:
    """The real browsers of a run of checks, made cold (the agent's, a benchmark's)."""
    return BrowserWorkers().open(settings, portal_urls, workers)


def _browser_error(error: Exception) -> Exception:
    """Playwright's own error, said as the one-browser launch says it."""
    from playwright.sync_api import Error as PlaywrightError

    from assistant.errors import N_, PortalUnavailableError

    if not isinstance(error, PlaywrightError):
        return error
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return PortalUnavailableError(N_("The browser stopped unexpectedly ({detail})."), detail=detail)
