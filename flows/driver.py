"""One Playwright driver and one fenced browser for a whole run of checks, shared by every
thread that checks a profile: ``SharedDriver``.

Playwright's sync API is bound to the thread that started it, which is why a run of checks at
once used to start a driver (a Node.js process, about 40 MB) per worker thread, and Chromium as
a server they all connected to (one more Node.js). It need not be: a sync call creates a task on
the driver's event loop and switches to the dispatcher greenlet, which runs the loop until the
task is done and then switches back to the greenlet that called (``wait_for_future`` in
``playwright/_impl/_greenlets.py``). Any greenlet of the driver's thread may call, and several may
wait at once: each is switched back to when its own call is done. Playwright runs its own route
handlers that way (``run_in_greenlet``).

So the driver has a thread of its own, and ``run(work)``, called from any thread, runs
``work(browser)`` in a new greenlet of that thread and returns what it returns (or raises what it
raised) to the caller, whose thread waits meanwhile. Sessions run at once in one driver, and the
threads that wait for them stay free to block on whatever they like (a lock file, a back-off
sleep, the record of the previous result): ``work`` itself must not block, since a greenlet that
blocks stops the driver's thread, every other session with it. The flows never do (their waits
are Playwright's own). ``work`` runs with the calling thread's ``contextvars`` (a progress
callback that tags each step with its profile keeps working); a ``threading.local`` it reads is
the driver thread's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

log = logging.getLogger(__name__)

T = TypeVar("T")


class DriverClosedError(RuntimeError):
    """Work handed to a driver that is closed, or that closed before the work could start."""


class SharedDriver:
    """One Playwright driver and one browser (``flows.launch.launch_browser``, fenced to the
    portals), on a thread of its own, for any number of sessions at once (see the module).

    ``start`` launches and waits until the browser is up (or raises why it did not start);
    ``run`` hands over work; ``close`` waits for the work under way, then closes the browser
    and the driver. Also a context manager (start, then close).
    """

    def __init__(
        self,
        portal_urls: Sequence[str],
        executable_path: str | None = None,
        channel: str | None = None,
        headless: bool = True,
    ) -> None:
        self._portal_urls = tuple(portal_urls)
        self._executable_path = executable_path
        self._channel = channel
        self._headless = headless
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Future[None] | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._running = 0
        self._browser: Browser | None = None
        #: What the callers wait for: failed all at once if the driver dies under them.
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self.browser_version = ""

    # The caller's side ---------------------------------------------------------------------

    def start(self) -> SharedDriver:
        """Start the driver's thread, the driver and the browser; return once the browser is up,
        or raise what stopped it (Playwright's error, ``BrowserUnavailableError``...)."""
        self.begin()
        self.wait_started()
        return self

    def begin(self) -> SharedDriver:
        """Start the driver and the browser in the background, and return at once (the first
        ``run`` waits for them, and raises what stopped them): they start while the caller
        does something else (reads the keyring)."""
        if self._thread is not None:
            raise RuntimeError("a shared driver starts once")
        self._thread = threading.Thread(target=self._main, name="ofpra-driver", daemon=True)
        self._thread.start()
        return self

    def wait_started(self) -> None:
        """Wait until the browser is up, or raise what stopped it."""
        if self._thread is None:
            raise DriverClosedError("the browser's driver was never started")
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def run(self, work: Callable[[Browser], T]) -> T:
        """``work(browser)`` in a greenlet of the driver's thread; this thread waits for it and
        gets its result, or its exception. Never call it from ``work`` itself (the driver's
        thread would wait for itself)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("run() from the driver's own thread would wait for itself")
        self.wait_started()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        context = contextvars.copy_context()
        with self._lock:
            loop = self._loop
            if self._closed or loop is None:
                raise DriverClosedError("the browser's driver is closed")
            self._running += 1
            self._pending.add(done)
        try:
            loop.call_soon_threadsafe(self._spawn, work, context, done)
        except RuntimeError:  # the loop closed meanwhile (the driver died)
            _settle(done, error=DriverClosedError("the browser's driver is closed"))
        try:
            return done.result()
        finally:
            with self._lock:
                self._pending.discard(done)

    def close(self) -> None:
        """Wait for the work under way, then close the browser and the driver (idempotent)."""
        if self._thread is not None and self._thread is not threading.current_thread():
            # Closed while still starting (a run stopped before its first check): wait until
            # it is up (or failed), else its thread would wait for a close already asked for.
            self._ready.wait()
        with self._lock:
            self._closed = True
            loop = self._loop
        if loop is not None and self._closing is not None:
            with suppress(RuntimeError):  # the loop is gone already (the driver died)
                loop.call_soon_threadsafe(self._close_when_idle)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def __enter__(self) -> SharedDriver:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # The driver's thread -------------------------------------------------------------------

    def _main(self) -> None:
        """The driver's thread: start, then wait (letting the sessions run) until closed."""
        from playwright._impl._greenlets import wait_for_future
        from playwright.sync_api import sync_playwright

        playwright: Playwright | None = None
        browser: Browser | None = None
        try:
            try:
                playwright = sync_playwright().start()
                browser = self._launch(playwright)
                self.browser_version = browser.version
            except BaseException as error:  # said to ``start``'s caller
                self._failure = error
                return
            self._browser = browser
            # Private to Playwright, but what every sync call of this thread uses: the loop the
            # driver's messages run on, and the greenlet that runs it.
            impl: Any = playwright
            loop: asyncio.AbstractEventLoop = impl._loop
            dispatcher = impl._dispatcher_fiber
            with self._lock:
                self._loop = loop
                self._closing = loop.create_future()
            self._ready.set()
            # This (the thread's main greenlet) waits here; the dispatcher runs the loop, and
            # the sessions' greenlets (``_spawn``) with it.
            try:
                wait_for_future(loop, dispatcher, self._closing)
            except Exception as error:  # the driver died (its sessions are told below)
                log.warning("the browser's driver stopped: %s", error)
                browser = None  # nothing left to close but the driver's end
        finally:
            with self._lock:
                self._closed = True
                pending = list(self._pending)
            # A driver that died leaves its sessions' greenlets waiting for ever: their callers
            # are told instead of waiting with them.
            for done in pending:
                _settle(done, error=DriverClosedError("the browser's driver stopped"))
            self._ready.set()
            if browser is not None:
                try:
                    browser.close()
                except Exception as error:  # the browser may be gone already
                    log.info("closing the shared browser: %s", error)
            if playwright is not None:
                try:
                    playwright.stop()
                except Exception as error:
                    log.info("stopping the shared driver: %s", error)

    def _launch(self, playwright: Playwright) -> Browser:
        from flows.launch import launch_browser

        return launch_browser(
            playwright,
            self._portal_urls,
            executable_path=self._executable_path,
            channel=self._channel,
            headless=self._headless,
        )

    def _spawn(
        self,
        work: Callable[[Browser], T],
        context: contextvars.Context,
        done: concurrent.futures.Future[T],
    ) -> None:
        """On the loop (the dispatcher greenlet): run ``work`` in a greenlet of its own until
        its first Playwright call, which switches back here; it ends back here too (its parent)."""
        import greenlet  # type: ignore[import-untyped]

        def body() -> None:
            try:
                assert self._browser is not None
                result = work(self._browser)
            except BaseException as error:  # handed to the caller, raised in its thread
                _settle(done, error=error)
            else:
                _settle(done, result=result)
            finally:
                self._finished()

        session = greenlet.greenlet(body)
        session.gr_context = context
        session.switch()

    def _finished(self) -> None:
        with self._lock:
            self._running -= 1
            idle = self._running == 0
            closing = self._closed
        if idle and closing and self._loop is not None:
            # On the loop's own thread: the main greenlet resumes once this greenlet ends.
            self._close_when_idle()

    def _close_when_idle(self) -> None:
        """On the loop: let the main greenlet close the browser once no work is under way."""
        with self._lock:
            busy = self._running > 0
        if not busy and self._closing is not None and not self._closing.done():
            self._closing.set_result(None)


def _settle(
    done: concurrent.futures.Future[Any], *, result: Any = None, error: BaseException | None = None
) -> None:
    """Give the caller its answer, once (the driver's death may have answered first)."""
    try:
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)
    except concurrent.futures.InvalidStateError:
        pass
