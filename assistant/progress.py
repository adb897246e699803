"""The steps of a check, told as they start so that a person checking by hand sees what each
wait is for. The flows and the runner name a step (``"reading_page", page=2``); the CLI says it
in the person's language (``cli_output.progress_line``), on standard error.
"""

from __future__ import annotations

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
        self._local = threading.local()

    def __call__(self, step: str, /, **values: object) -> None:
        profile = getattr(self._local, "profile", None)
        if profile is not None:
            values = {**values, "for_profile": profile}
        with self._lock:
            self._progress()(step, **values)

    @contextmanager
    def about(self, profile: str | None) -> Iterator[None]:
        """The steps this thread tells meanwhile are about ``profile`` (None: no tag)."""
        self._local.profile = profile
        try:
            yield
        finally:
            self._local.profile = None
