"""The steps of a check, told as they start so that a person checking by hand sees what each
wait is for. The flows and the runner name a step (``"reading_page", page=2``); the CLI says it
in the person's language (``cli_output.progress_line``), on standard error.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, step: str, /, **values: object) -> None: ...


def no_progress(step: str, /, **values: object) -> None:
    """Says nothing: the agent's checks, and tests that do not look."""
