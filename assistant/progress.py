"""The steps of a check, told as they start so that a person checking by hand sees what each
wait is for. The flows and the runner name a step (``"reading_page", page=2``); the CLI says it
in the person's language (``cli_output.progress_line``), on standard error.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def __call__(self, step: str, /, **values: object) -> None: ...


def no_progress(step: str, /, **values: object) -> None:
    """Says nothing: the agent's checks, and tests that do not look."""


class SharedProgress:
    """The progress of checks told from several threads: one step at a time, and, while
    several profiles are checked at once, each with the profile it is about (``for_profile``)."""

    def __init__(self, progress: Callable[[], Progress]) -> None:
        #: Read at each step: whoever runs the checks may set it after this is made.
        self._progress = progress
        self._lock = threading.Lock()
        # A context variable, not a thread's: a check's browser work runs on the shared
        # driver's thread (flows/driver.py), with the context of the job that handed it over.
        self._profile: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            "progress_profile", default=None
        )

    def __call__(self, step: str, /, **values: object) -> None:
        profile = self._profile.get()
        if profile is not None:
            values = {**values, "for_profile": profile}
        with self._lock:
            self._progress()(step, **values)

    @contextmanager
    def about(self, profile: str | None) -> Iterator[None]:
        """The steps told meanwhile from this context (this thread, and the browser work it
        hands to the driver) are about ``profile`` (None: no tag)."""
        token = self._profile.set(profile)
        try:
            yield
        finally:
            self._profile.reset(token)
