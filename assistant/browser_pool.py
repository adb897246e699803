"""Where a run of checks gets its browsers: always a pool, which runs one job per profile.

The real launcher's pool is worker threads sharing ONE Playwright driver (``assistant.pool``),
several profiles at a time. A browser handed in (a test's, pytest-playwright's) belongs to the
thread that made it (the sync API is bound to it), so its pool is that thread: a pool of one,
which runs each job as it is given. Either way the runner hands the pool the same jobs, each job
gets the browser through ``in_browser(work)``, and a check takes the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from assistant.settings import Settings

#: A browser for the checks of some portals: the settings, the portals' addresses.
BrowserSource = Callable[["Settings", list[str]], AbstractContextManager["Browser"]]
T = TypeVar("T")


class InBrowser(Protocol):
    """Runs ``work(browser)`` in the run's browser, from the job's thread, and returns its
    result (or raises its error, or what stopped the browser from starting). ``work`` must not
    block (with the shared driver it runs beside the other profiles' sessions)."""

    def __call__(self, work: Callable[[Browser], T], /) -> T: ...


#: One profile's check: it does what blocks on its own thread, and its browser work through
#: ``in_browser``. It must never raise.
BrowserJob = Callable[[InBrowser], None]


class BrowserPool(Protocol):
    @property
    def workers(self) -> int:
        """How many jobs may run at once."""
        ...

    def submit(self, job: BrowserJob) -> None:
        """Run ``job`` on the next free worker; the job must never raise."""

    def finish(self) -> None:
        """No more jobs: each worker closes its browser once its last job is done."""


#: The pool of a run: the settings, the portals' addresses, how many workers at most.
BrowserPoolSource = Callable[["Settings", list[str], int], AbstractContextManager[BrowserPool]]


class ThisThread:
    """A pool of one worker, the calling thread: a job runs as it is submitted."""

    workers = 1

    def __init__(self, browser: Browser | None, failure: Exception | None) -> None:
        self._browser = browser
        self._failure = failure

    def submit(self, job: BrowserJob) -> None:
        job(self._in_browser)

    def finish(self) -> None:
        """Nothing waits: every job has run."""

    def _in_browser(self, work: Callable[[Browser], T]) -> T:
        if self._failure is not None:
            raise self._failure
        # As the source gave it (a test that reads a scripted portal hands in None).
        return work(self._browser)  # type: ignore[arg-type]


def on_this_thread(source: BrowserSource) -> BrowserPoolSource:
    """The pool of ``source``'s browser: opened once for the run, used on this thread."""

    @contextmanager
    def pool(settings: Settings, portal_urls: list[str], workers: int) -> Iterator[ThisThread]:
        with ExitStack() as stack:
            browser: Browser | None = None
            failure: Exception | None = None
            try:
                browser = stack.enter_context(source(settings, portal_urls))
            except Exception as error:
                # Said by each profile's check, as a worker that could not start says it.
                failure = error
            yield ThisThread(browser, failure)

    return pool
