"""The browser of a run of checks at once, with ONE Playwright driver (``flows.driver``): the
pool's executor that replaces a driver per worker thread (``assistant.browsers``).

The worker threads have no driver of their own: each takes a job (one profile's check), and the
job does all that may block on its thread (the profile's session lock, the back-off between
attempts, the wait for its record), and hands each attempt's browser work to the one driver
through ``in_browser(work)``, which runs ``work(browser)`` there, at once with the other
threads' sessions, and returns its result. ``work`` must not block (the flows never do; see
flows/driver.py).

How the runner calls it (``env.browser_pool``'s new shape): ``driver_pool(settings, portals,
workers)`` is a context manager giving a ``DriverPool``; ``pool.submit(job)`` with
``job(in_browser)``; ``pool.finish()`` once every job is submitted; leaving the block waits for
the jobs and closes the browser and the driver.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, TypeVar

from assistant.browser_pool import BrowserJob as PoolJob
from assistant.browser_pool import InBrowser

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from assistant.settings import Settings
    from flows.driver import SharedDriver

__all__ = ["DriverPool", "EarlyPool", "InBrowser", "PoolJob", "driver_pool"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class DriverPool:
    """``workers`` threads taking jobs, and one shared driver and browser, started at once in
    the background (they start while the caller reads the keyring)."""

    def __init__(self, driver: SharedDriver, workers: int) -> None:
        self._driver = driver
        self._jobs: queue.Queue[PoolJob | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._work, name=f"ofpra-check-{number}", daemon=False)
            for number in range(max(1, workers))
        ]
        self._finished = False
        self._lock = threading.Lock()
        for thread in self._threads:
            thread.start()

    @property
    def workers(self) -> int:
        return len(self._threads)

    def submit(self, job: PoolJob) -> None:
        """Run ``job`` on the next free worker thread."""
        self._jobs.put(job)

    def finish(self) -> None:
        """No more jobs: each worker ends once its last job is done."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        for _ in self._threads:
            self._jobs.put(None)

    def drop_jobs(self) -> None:
        """Forget the jobs not started (stopped: Ctrl-C, a fault)."""
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        with self._lock:
            self._finished = False
        self.finish()

    def close(self) -> None:
        """Wait for the workers, then close the browser and the driver."""
        self.finish()
        for thread in self._threads:
            thread.join()
        self._driver.close()

    def _in_browser(self, work: Callable[[Browser], T]) -> T:
        from playwright.sync_api import Error as PlaywrightError

        try:
            self._driver.wait_started()
        except PlaywrightError as error:  # said as the per-thread workers say it
            raise _browser_error(error) from error
        return self._driver.run(work)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job(self._in_browser)
            except Exception:  # a job must not raise; one that does ends only its own check
                log.exception("a check's job raised")


@contextmanager
def driver_pool(settings: Settings, portal_urls: list[str], workers: int) -> Iterator[DriverPool]:
    """The pool for one run: the browser fenced to ``portal_urls`` (``[browser]``'s binary,
    channel and headless settings), ``workers`` threads; closed whatever happens."""
    from flows.driver import SharedDriver

    driver = SharedDriver(
        portal_urls,
        executable_path=settings.browser.executable_path,
        channel=settings.browser.channel,
        headless=settings.browser.headless,
    ).begin()
    pool = DriverPool(driver, workers)
    try:
        yield pool
    except BaseException:
        pool.drop_jobs()
        raise
    finally:
        pool.close()


class EarlyPool:
    """The pool of a command that knows its portals before the runner asks for a pool: ``start``
    launches the driver and the browser at once (they start while the runner reads the state and
    the keyring); ``open`` is the runner's pool source (``Environment.browser_pool``), giving the
    pool already started; ``close``, after the results are out, closes the browser meanwhile."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._pool: DriverPool | None = None

    def start(self, settings: Settings, portal_urls: list[str], workers: int) -> None:
        """Start the pool, in the background (this returns at once). Only the first call counts."""
        if self._pool is None:
            self._pool = self._stack.enter_context(driver_pool(settings, portal_urls, workers))

    @contextmanager
    def open(
        self, settings: Settings, portal_urls: list[str], workers: int
    ) -> Iterator[DriverPool]:
        """The pool, started here if it was not yet; its jobs dropped if the run is stopped."""
        self.start(settings, portal_urls, workers)
        pool = self._pool
        assert pool is not None
        try:
            yield pool
        except BaseException:
            pool.drop_jobs()  # stopped (Ctrl-C, a fault): no new session starts
            raise
        finally:
            pool.finish()

    def close(self) -> None:
        """Wait for the workers, then close the browser and the driver (if they were started)."""
        self._stack.close()


def _browser_error(error: Exception) -> Exception:
    """The browser did not start: Playwright's own error, said as a check's error."""
    from assistant.errors import N_, PortalUnavailableError

    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return PortalUnavailableError(N_("The browser stopped unexpectedly ({detail})."), detail=detail)
