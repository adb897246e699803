"""Where a run of checks gets its browsers: always a pool, which runs one job per profile.

The real launcher's pool is worker threads (``assistant.browsers``), several profiles at a time.
A browser handed in (a test's, pytest-playwright's) belongs to the thread that made it (the sync
API is bound to it), so its pool is that thread: a pool of one, which runs each job as it is
given. Either way the runner hands the pool the same jobs, and a check takes the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from assistant.settings import Settings

#: A browser for the checks of some portals: the settings, the portals' addresses.
BrowserSource = Callable[["Settings", list[str]], AbstractContextManager["Browser"]]
#: A job gets its worker's browser through this call, which raises what stopped it starting.
BrowserJob = Callable[[Callable[[], "Browser"]], None]


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
        job(self._get)

    def finish(self) -> None:
        """Nothing waits: every job has run."""

    def _get(self) -> Browser:
        if self._failure is not None:
            raise self._failure
        # As the source gave it (a test that reads a scripted portal hands in None).
        return self._browser  # type: ignore[return-value]


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
