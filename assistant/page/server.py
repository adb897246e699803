"""The page served on 127.0.0.1, in daemon threads of the agent's own process.

waitress, not Flask's development server: threaded, pure Python, made for this. It listens on a
socket bound here first, so that the app knows its port (S2 checks ``Host`` against it) before
the first request. A view's fault is answered by the app (assistant/page/app.py); the server's
threads are daemons, so neither keeps the agent from stopping.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.errors import N_, ConfigInvalidError
from assistant.page.tokens import (
    TokenBook,
    ensure_opener_key,
    stored_opener_key,
    write_home_file,
)
from assistant.settings import Paths, Settings

if TYPE_CHECKING:
    from assistant.environment import Environment
    from assistant.page.checks import CheckJobs
    from assistant.state import StateStore

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
#: Enough for a few tabs and a volunteer's clicks; a stuck tab holds one thread, no lock.
THREADS = 4


@dataclass
class PageServer:
    """The page served on 127.0.0.1 by a threaded WSGI server that is not Flask's development
    server, in daemon threads of the calling process."""

    url: str
    port: int
    paths: Paths
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopping: threading.Event = field(repr=False)
    #: The checks started from the page, finished before the server stops.
    checks: CheckJobs | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        paths: Paths,
        settings: Settings,
        *,
        key: bytes | None = None,
        environment: Callable[[StateStore], Environment] | None = None,
    ) -> PageServer:
        """Bind [page] address/port (a non-loopback address is refused: S1), start serving,
        and write the page file (``{"url": ..., "pid": ...}``, 0600) for ``open`` to find.
        ``environment``: how the serving process makes a check's environment (the agent's:
        its settings, keyring, desktop and browser), for the checks started from the page."""
        from waitress.server import create_server

        from assistant.page.app import create_app
        from assistant.page.checks import CheckJobs, environment_source

        address = settings.page.address
        if address != LOOPBACK:
            raise ConfigInvalidError(
                N_(
                    "The page can listen on 127.0.0.1 only (this computer), not on {address}. "
                    "Remove the [page] address setting."
                ),
                address=address,
            )
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((LOOPBACK, settings.page.port))
        except OSError as error:
            listener.close()
            raise ConfigInvalidError(
                N_(
                    "The page cannot listen on port {port} ({error}). Choose another port in "
                    "the [page] port setting, or 0 for any free one."
                ),
                port=settings.page.port,
                error=error.strerror or str(error),
            ) from None
        listener.listen(32)
        port = listener.getsockname()[1]
        tokens = (
            TokenBook(key)
            if key is not None
            else TokenBook(ensure_opener_key(paths), key_source=lambda: stored_opener_key(paths))
        )
        checks = CheckJobs(
            environment_source(paths, settings, environment), locks_dir=paths.data_dir / "locks"
        )
        app = create_app(paths, port=port, tokens=tokens, settings=settings, checks=checks)
        server = create_server(
            app,
            sockets=[listener],
            threads=THREADS,
            ident="ofpra-assistant",
            # The page is on loopback: no proxy in front, no header to trust.
            trusted_proxy=None,
            clear_untrusted_proxy_headers=True,
            expose_tracebacks=False,
        )
        stopping = threading.Event()
        thread = threading.Thread(
            target=_serve, args=(server, stopping), name="page-server", daemon=True
        )
        thread.start()
        url = f"http://{LOOPBACK}:{port}/"
        page = cls(
            url=url,
            port=port,
            paths=paths,
            _server=server,
            _thread=thread,
            _stopping=stopping,
            checks=checks,
        )
        write_home_file(
            paths.page_file,
            json.dumps({"url": url, "pid": os.getpid()}).encode("utf-8"),
        )
        log.info("the page is served at %s", url)
        return page

    def stop(self) -> None:
        """Stop serving, and remove the page file (if it is still this server's)."""
        from waitress import wasyncore

        server = self._server
        # Answers being written finish first: closing under them makes waitress log a trace.
        dispatcher = server.task_dispatcher
        deadline = time.monotonic() + 2
        while (dispatcher.active_count or dispatcher.queue) and time.monotonic() < deadline:
            time.sleep(0.02)
        # The loop ends on its own thread before its sockets are closed on this one.
        self._stopping.set()
        with contextlib.suppress(Exception):
            server.pull_trigger()
        self._thread.join(timeout=5)
        with contextlib.suppress(Exception):
            dispatcher.shutdown(timeout=2)
        with contextlib.suppress(Exception):
            wasyncore.close_all(server._map)
        if _read_page_file(self.paths).get("url") == self.url:
            self.paths.page_file.unlink(missing_ok=True)
        if self.checks is not None:
            # After the page is gone, so that no new check can be asked for meanwhile.
            self.checks.close()


def _serve(server: Any, stopping: threading.Event) -> None:
    """waitress's own loop, in short rounds, so that ``stop`` ends it from this thread."""
    from waitress import wasyncore

    while not stopping.is_set():
        try:
            wasyncore.loop(
                timeout=0.5, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1
            )
        except Exception:  # never raised into the agent; the page just stops answering
            log.exception("the page's server stopped")
            return


def _read_page_file(paths: Paths) -> dict[str, Any]:
    try:
        found = json.loads(paths.page_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if os.name != "posix":
        return True  # the answer on the port decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def page_address(paths: Paths) -> str | None:
    """The running agent's page address from the page file, or None when no agent serves it
    (no file, or the pid in it is not alive, or nothing answers on the port)."""
    found = _read_page_file(paths)
    url = found.get("url")
    if not isinstance(url, str) or not url.startswith(f"http://{LOOPBACK}:"):
        return None
    if not _alive(found.get("pid")):
        return None
    # Any answer will do (401 without a session): it is the page, not a stranger on the port,
    # when it sends the page's own header.
    request = urllib.request.Request(url + "static/page.css", method="HEAD")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=2) as answer:
            server = answer.headers.get("Server", "")
    except urllib.error.HTTPError as error:
        server = error.headers.get("Server", "")
    except (OSError, ValueError):
        return None
    return url if server.startswith("ofpra-assistant") else None
