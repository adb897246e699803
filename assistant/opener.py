"""``ofpra-assistant open``: the page in the default browser, logged in, at a profile if asked.

The page is served by the agent (``run``), never by ``open`` itself: ``open`` finds the running
agent's page (the page file in the home folder), or starts the agent in the background first,
exactly as it starts at login (autostart's command, detached from the terminal, its output in the
log), and waits for its page. Then it mints a one-time token with the opener key it shares with
the agent, writes the opener file (0600, in the home folder) that hands the token to the page,
and gives the browser that file's address: the token is never on a command line, in a URL or in
a log (DESIGN.md, S4). The agent's "Open" action of a desktop alert does the same from inside the
agent (``open_in_browser``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.agent_lock import agent_running
from assistant.errors import N_, AgentNotStartedError, NoBrowserError
from assistant.settings import Paths

log = logging.getLogger(__name__)

#: How long ``open`` waits for an agent it started to serve the page (its imports, the lock,
#: the page's port: about a second on a laptop; much more means it will not come).
AGENT_START_SECONDS = 15.0
_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Opened:
    #: The page's address, without any token ("http://127.0.0.1:PORT/").
    page_url: str
    #: The one-time address: the opener file's ``file://`` URL.
    address: str
    #: ``open`` started the agent (none was running).
    started_agent: bool


def next_path(profile: str | None) -> str:
    from urllib.parse import quote

    return f"/profiles/{quote(profile, safe='')}" if profile else "/"


def one_time_address(paths: Paths, page_url: str, profile: str | None = None) -> str:
    """A fresh one-time token, handed over by a new opener file; that file's address."""
    from assistant.page.tokens import ensure_opener_key, mint_token, write_opener_file

    token = mint_token(ensure_opener_key(paths))
    return write_opener_file(paths, page_url, token, next_path(profile)).as_uri()


def agent_command() -> tuple[list[str], dict[str, str]]:
    """The agent's command as autostart registers it, and the environment to run it in."""
    from assistant.autostart import AgentCommand

    command = AgentCommand.current()
    return list(command.argv), {**os.environ, **dict(command.environment)}


def start_agent(paths: Paths) -> subprocess.Popen[bytes]:
    """``run`` in the background, as at login: no terminal (its alerts go to the desktop, its
    output to the log), in a session of its own, so that it outlives ``open`` and the terminal
    ``open`` may have been typed in."""
    argv, environ = agent_command()
    paths.log_file.parent.mkdir(parents=True, exist_ok=True)
    with paths.log_file.open("ab") as output:
        options: dict[str, object] = {}
        if sys.platform == "win32":
            flags = (
                subprocess.DETACHED_PROCESS  # type: ignore[attr-defined,unused-ignore]
                | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined,unused-ignore]
            )
            options["creationflags"] = flags
        else:
            options["start_new_session"] = True
        return subprocess.Popen(  # type: ignore[call-overload]
            argv,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            cwd=paths.data_dir,
            close_fds=True,
            **options,
        )


def running_page(
    paths: Paths,
    *,
    wait_seconds: float = AGENT_START_SECONDS,
    start: Callable[[Paths], subprocess.Popen[bytes]] = start_agent,
) -> tuple[str, bool]:
    """The running agent's page address, starting the agent first when none serves it; and
    whether it was started."""
    from assistant.page.server import page_address

    url = page_address(paths)
    if url is not None:
        return url, False
    # An agent holding the lock is starting (at login, say): its page comes in a moment, and a
    # second agent would only be refused.
    agent = None if agent_running(paths) else start(paths)
    if agent is not None:
        log.info("open: no agent served the page; started one (pid %s)", agent.pid)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        url = page_address(paths)
        if url is not None:
            return url, agent is not None
        if agent is not None and agent.poll() is not None and not agent_running(paths):
            log.warning("open: the agent it started exited with %s", agent.returncode)
            break
        time.sleep(_POLL_SECONDS)
    raise AgentNotStartedError(
        N_(
            "The assistant's agent did not start, so its page cannot be shown. What went wrong "
            "is in its log: {log}. Try 'ofpra-assistant run' in a terminal to see it."
        ),
        log=str(paths.log_file),
    )


def show_in_browser(address: str, opener_file: Path | None = None) -> None:
    """The system's default web browser opens ``address`` (on Linux through xdg-open, which
    Python's ``webbrowser`` tries first under a desktop)."""
    import webbrowser

    try:
        opened = webbrowser.get().open(address)
    except webbrowser.Error:
        opened = False
    if not opened:
        raise NoBrowserError(
            N_(
                "No web browser could be opened here. Open this file in a web browser within "
                "a minute (it works once): {path}"
            ),
            path=str(opener_file) if opener_file is not None else address,
        )


def open_page(paths: Paths, profile: str | None = None, *, launch: bool = True) -> Opened:
    """What ``open`` does: the page found or its agent started, a one-time address, and (with
    ``launch``) the browser opened at it."""
    page_url, started = running_page(paths)
    address = one_time_address(paths, page_url, profile)
    if launch:
        show_in_browser(address, _file_of(address))
    return Opened(page_url, address, started)


def open_in_browser(paths: Paths, page_url: str, profile: str | None) -> None:
    """The agent's "Open" action of a desktop alert: ``open --profile`` from inside the agent,
    which serves the page itself. Never raises (it runs in a D-Bus listener's thread)."""
    try:
        address = one_time_address(paths, page_url, profile)
        show_in_browser(address, _file_of(address))
    except Exception:
        log.exception("the page could not be opened from a desktop alert")


def _file_of(address: str) -> Path | None:
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    parts = urlsplit(address)
    return Path(url2pathname(parts.path)) if parts.scheme == "file" else None
