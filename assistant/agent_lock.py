"""One agent per home folder, held by a lock file: two would check, and alert, twice.

Light on purpose: ``status``, ``doctor`` and ``open`` (on a person's click) look at the lock
without importing the agent's modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.errors import N_, AgentAlreadyRunningError
from assistant.settings import Paths

if TYPE_CHECKING:
    from filelock import BaseFileLock

#: How long to wait for the lock: long enough for `status` to look at it, short for a person.
LOCK_WAIT_SECONDS = 1.0


class AgentLock:
    """One agent per home folder: two would check, and alert, twice."""

    def __init__(self, paths: Paths, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        from filelock import FileLock

        self.paths = paths
        self.wait_seconds = wait_seconds
        self._lock: BaseFileLock = FileLock(paths.lock_file)

    def __enter__(self) -> AgentLock:
        from filelock import Timeout

        self.paths.lock_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=self.wait_seconds)
        except Timeout:
            raise AgentAlreadyRunningError(
                N_(
                    "Another ofpra-assistant agent is already running for the home folder "
                    "{home}, and one is enough. Stop it first (Ctrl-C in its terminal; if it "
                    "starts at login, 'ofpra-assistant autostart disable'), or leave it running."
                ),
                home=str(self.paths.data_dir),
            ) from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def agent_running(paths: Paths) -> bool:
    """Whether an agent holds this home folder's lock (a brief look, for ``status``)."""
    from filelock import FileLock, Timeout

    if not paths.lock_file.exists():
        return False
    probe = FileLock(paths.lock_file)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    probe.release()
    return False
