"""The one place that launches the browser: which Chromium, with which flags, directly or as a
server that several drivers connect to. The launch is the fence's lower half (flows/fence.py is
the other):

Promise 5, nothing leaves but the login to the portal, and promise 1, no request for a letter,
are held by fences that do not depend on the page behaving. At the launch, DNS for every other
host resolves to nothing; every connection but to the portal's own scheme, host and port goes
to a "proxy" that refuses it (a bound socket that does not listen), which also catches what
Playwright's routes never see (redirect hops, a SharedWorker's fetches, WebSockets); WebRTC may
use no UDP and no direct connection; QUIC, prefetch, prerender and the browser's own
predictions are off.
"""

from __future__ import annotations

import logging
import shutil
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from flows.errors import N_, BrowserUnavailableError
from flows.portal_address import (
    Origin,
    PortalAddress,
    PortalAddressError,
    parse_portal_address,
)

log = logging.getLogger(__name__)

# Debian's /usr/bin/chromium is a shell wrapper that adds flags of its own (RECIPES.md): the real
# binary comes first.
SYSTEM_CHROMIUM_PATHS: tuple[str, ...] = (
    "/usr/lib/chromium/chromium",
    "/usr/lib/chromium-browser/chromium-browser",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
CHANNELS: tuple[str, ...] = ("chrome", "msedge")

# Chromium's speculation and preloading features, and its own guesses of what to load next.
# (Unknown names are ignored by Chromium, so the list survives renames; the route refuses
# whatever still carries a prefetch or prerender mark.)
DISABLED_FEATURES = (
    "Prerender2",
    "NoStatePrefetch",
    "SpeculationRulesPrefetchFuture",
    "SpeculationRulesPrefetchProxy",
    "PrefetchProxy",
    "PreloadingHeuristics",
    "NavigationPredictor",
    "LoadingPredictorUseLocalPredictions",
    "Preconnect",
    "DnsOverHttps",
    "NetworkTimeServiceQuerying",
    "MediaRouter",
    "OptimizationHints",
    "AutofillServerCommunication",
)


@dataclass(frozen=True)
class BrowserChoice:
    """How to start Chromium: an explicit binary, a branded channel, or Playwright's own build."""

    executable_path: str | None = None
    channel: str | None = None

    def describe(self) -> str:
        if self.executable_path:
            return self.executable_path
        return f"channel {self.channel}" if self.channel else "Playwright's Chromium"


def launch_arguments(allowed_hosts: Sequence[str]) -> list[str]:
    """Chromium flags: no DNS lookup for any host but the portal's (and loopback); no QUIC, no
    WebRTC but through a proxy, no prefetch, prerender or preconnection."""
    excluded = ["localhost", "127.0.0.1", *sorted(set(allowed_hosts))]
    rules = "MAP * ~NOTFOUND , " + " , ".join(f"EXCLUDE {host}" for host in excluded)
    return [
        f"--host-resolver-rules={rules}",
        "--disable-quic",
        "--no-default-browser-check",
        # WebRTC: no UDP at all and TCP only through the proxy, which refuses (the switch's old
        # name first, for older Chromium builds).
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--no-pings",
        "--dns-prefetch-disable",
        "--disable-domain-reliability",
        "--disable-features=" + ",".join(DISABLED_FEATURES),
        # A SharedWorker's requests have no frame: Playwright lets them through unrouted.
        "--disable-blink-features=SharedWorker",
    ]


def fence_arguments(portals: Sequence[PortalAddress], refusing_port: int) -> list[str]:
    """Every connection goes to a proxy on ``refusing_port`` (where nothing answers), except to
    the portals' own scheme, host and port. ``<-loopback>`` takes back Chromium's implicit
    exception for loopback: another port on this computer is another way out."""
    bypass = ["<-loopback>", *sorted({_bypass_rule(portal.origin) for portal in portals})]
    return [
        f"--proxy-server=http://127.0.0.1:{refusing_port}",
        "--proxy-bypass-list=" + ";".join(bypass),
    ]


def _bypass_rule(origin: Origin) -> str:
    # The port always written: a rule without one would let every port of the host through.
    return f"{origin.scheme}://{origin.host}:{origin.port}"


class RefusingProxy:
    """A loopback port that refuses every connection: bound, never listening, held as long as
    the browser lives so that nothing else can take the port."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    def close(self) -> None:
        self._socket.close()


def browser_candidates(
    playwright: Playwright, executable_path: str | None, channel: str | None
) -> list[BrowserChoice]:
    """The browsers to try, in the order of DESIGN.md; a setting overrides the search."""
    if executable_path:
        return [BrowserChoice(executable_path=executable_path)]
    if channel:
        return [BrowserChoice(channel=channel)]
    candidates: list[BrowserChoice] = []
    if Path(playwright.chromium.executable_path).exists():
        candidates.append(BrowserChoice())
    candidates.extend(BrowserChoice(channel=name) for name in CHANNELS)
    for path in SYSTEM_CHROMIUM_PATHS:
        if Path(path).exists():
            candidates.append(BrowserChoice(executable_path=path))
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found and found not in SYSTEM_CHROMIUM_PATHS:
        candidates.append(BrowserChoice(executable_path=found))
    return candidates


def launch_browser(
    playwright: Playwright,
    portal_urls: Sequence[str],
    executable_path: str | None = None,
    channel: str | None = None,
    headless: bool = True,
) -> Browser:
    """A browser fenced to the portals' origins. An address that does not parse is left out of
    the fence's exceptions: nothing can reach it (it was refused at setup anyway)."""
    portals = _parse_portals(portal_urls)
    proxy = RefusingProxy()
    args = [
        *launch_arguments([portal.host for portal in portals]),
        *fence_arguments(portals, proxy.port),
    ]
    try:
        choice, browser = _first_browser(playwright, args, executable_path, channel, headless)
    except BaseException:
        proxy.close()
        raise
    log.info("browser: %s %s", choice.describe(), browser.version)
    browser.on("disconnected", lambda _browser: proxy.close())
    return browser


def find_browser(
    playwright: Playwright,
    executable_path: str | None = None,
    channel: str | None = None,
    timeout_seconds: float = 20,
) -> tuple[BrowserChoice, str]:
    """The browser a check would use, and its version: started fenced (no portal: nothing
    may leave) and closed at once. ``BrowserUnavailableError`` says what was tried."""
    proxy = RefusingProxy()
    args = [*launch_arguments([]), *fence_arguments([], proxy.port)]
    try:
        choice, browser = _first_browser(
            playwright, args, executable_path, channel, True, timeout_ms=timeout_seconds * 1000
        )
        version = browser.version
        browser.close()
        return choice, version
    finally:
        proxy.close()


def _first_browser(
    playwright: Playwright,
    args: list[str],
    executable_path: str | None,
    channel: str | None,
    headless: bool,
    timeout_ms: float | None = None,
) -> tuple[BrowserChoice, Browser]:
    """The first candidate that starts (DESIGN.md's order), or what each one said."""
    tried: list[str] = []
    for choice in browser_candidates(playwright, executable_path, channel):
        try:
            browser = playwright.chromium.launch(
                executable_path=choice.executable_path,
                channel=choice.channel,
                headless=headless,
                args=args,
                timeout=timeout_ms,  # None: Playwright's own (30 s)
            )
        except PlaywrightError as error:
            tried.append(f"{choice.describe()} ({str(error).splitlines()[0]})")
            continue
        return choice, browser
    raise no_browser_error(tried)


def no_browser_error(tried: list[str]) -> BrowserUnavailableError:
    """No browser started: what was tried, and what to install."""
    return BrowserUnavailableError(
        N_(
            "No Chromium-based browser could be started (tried: {tried}). Install Google "
            "Chrome, Microsoft Edge or Chromium{hint}, or set [browser] executable_path in the "
            "settings file."
        ),
        tried="; ".join(tried) or "none found",
        hint=" (on Debian or Ubuntu: apt-get install chromium)" if sys.platform == "linux" else "",
    )


def launch_browser_server(
    playwright: Playwright,
    portal_urls: Sequence[str],
    executable_path: str | None = None,
    channel: str | None = None,
    headless: bool = True,
) -> BrowserServer:
    """One browser, fenced as ``launch_browser``'s is, that several Playwright drivers connect
    to (``connect_browser``): the sync API is bound to the thread that started it, so checks run
    at once each need a driver of their own, and they share this one Chromium."""
    portals = _parse_portals(portal_urls)
    proxy = RefusingProxy()
    args = [
        *launch_arguments([portal.host for portal in portals]),
        *fence_arguments(portals, proxy.port),
    ]
    candidates = browser_candidates(playwright, executable_path, channel)
    server = BrowserServer(proxy)
    try:
        server.launch(candidates, args, headless)
    except BaseException:
        server.close()
        raise
    return server


def connect_browser(playwright: Playwright, server: BrowserServer) -> Browser:
    """This thread's own connection to the shared browser."""
    return playwright.chromium.connect(server.ws_endpoint)


#: Run by Playwright's own Node.js: reads the launch options (one JSON line) on standard input,
#: tries each browser in turn, prints where to connect, and closes the browser when standard
#: input closes (this process ends, even killed: no browser is left behind).
_SERVER_SCRIPT = r"""
const { chromium } = require(process.argv[1]);
let buffer = "", server = null, closing = false;
async function stop() {
  if (closing) return;
  closing = true;
  try { if (server) await server.close(); } finally { process.exit(0); }
}
async function launch(request) {
  const tried = [];
  for (const choice of request.candidates) {
    try {
      server = await chromium.launchServer({
        ...choice, headless: request.headless, args: request.args, host: "127.0.0.1",
      });
    } catch (error) {
      tried.push(String((error && error.message) || error).split("\n")[0]);
      continue;
    }
    if (closing) { await server.close(); return; }
    process.stdout.write(JSON.stringify({ endpoint: server.wsEndpoint() }) + "\n");
    return;
  }
  process.stdout.write(JSON.stringify({ tried }) + "\n");
}
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  if (buffer === null) return;
  buffer += chunk;
  const end = buffer.indexOf("\n");
  if (end < 0) return;
  const request = JSON.parse(buffer.slice(0, end));
  buffer = null;
  launch(request);
});
process.stdin.on("end", stop);
process.stdin.on("close", stop);
"""


class BrowserServer:
    """A Chromium that drivers connect to, run by a Node.js process of Playwright's driver
    (Python's Playwright has no ``launch_server``). Its address has an unguessable path and
    listens on loopback only; the fence's refusing port is held as long as it lives."""

    def __init__(self, proxy: RefusingProxy) -> None:
        import subprocess

        # Playwright's own Node.js and package: the same build that drives every other browser.
        from playwright._impl._driver import compute_driver_executable, get_driver_env

        node, cli = compute_driver_executable()
        self._proxy = proxy
        self.ws_endpoint = ""
        self._process = subprocess.Popen(
            [node, "-e", _SERVER_SCRIPT, str(Path(cli).parent)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=get_driver_env(),
            text=True,
            encoding="utf-8",
        )

    def launch(self, candidates: Sequence[BrowserChoice], args: list[str], headless: bool) -> None:
        import json

        process = self._process
        assert process.stdin is not None and process.stdout is not None
        request = {
            "candidates": [
                {
                    key: value
                    for key, value in (
                        ("executablePath", choice.executable_path),
                        ("channel", choice.channel),
                    )
                    if value
                }
                for choice in candidates
            ],
            "args": args,
            "headless": headless,
        }
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline() or "{}")
        except (OSError, ValueError) as error:
            log.warning("the browser server did not answer: %s", error)
            answer = {}
        if answer.get("endpoint"):
            self.ws_endpoint = str(answer["endpoint"])
            log.info("browser server started")
            return
        reasons = answer.get("tried")
        if reasons is None:  # Node.js itself failed
            reasons = ["the browser server did not start"] * len(candidates)
        tried = [
            f"{choice.describe()} ({reason})"
            for choice, reason in zip(candidates, reasons, strict=False)
        ]
        raise no_browser_error(tried)

    def close(self) -> None:
        """Close the browser (its standard input closed) and wait for it, killed if it must."""
        import subprocess

        process = self._process
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log.warning("the browser server did not stop: killed")
            process.kill()
            process.wait(timeout=15)
        finally:
            if process.stdout is not None:
                process.stdout.close()
            self._proxy.close()


def _parse_portals(portal_urls: Sequence[str]) -> list[PortalAddress]:
    portals = []
    for url in portal_urls:
        try:
            portals.append(parse_portal_address(url))
        except PortalAddressError:
            log.warning("a portal address that does not parse was left out of the browser's fence")
    return portals
