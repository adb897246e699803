"""The one place that launches the browser and opens a guarded, fresh context for a check.

Promise 5: the browser only talks to the portal's host. Two fences do it: DNS for every other
host resolves to nothing (a launch argument), and a route on each context aborts every request
that is not for the portal's origin (counted, so a check can report it).
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Playwright, Route
from playwright.sync_api import Error as PlaywrightError

from flows.errors import N_, BrowserUnavailableError

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

# The portal's pages need none of these to be read; not loading them is faster and sends less.
BLOCKED_RESOURCE_TYPES = frozenset({"image", "media", "font"})


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
    """Chromium flags: no DNS lookup for any host but the portal's (and loopback)."""
    excluded = ["localhost", "127.0.0.1", *sorted(set(allowed_hosts))]
    rules = "MAP * ~NOTFOUND , " + " , ".join(f"EXCLUDE {host}" for host in excluded)
    return [f"--host-resolver-rules={rules}", "--disable-quic", "--no-default-browser-check"]


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
    allowed_hosts: Sequence[str],
    executable_path: str | None = None,
    channel: str | None = None,
    headless: bool = True,
) -> Browser:
    tried: list[str] = []
    for choice in browser_candidates(playwright, executable_path, channel):
        try:
            browser = playwright.chromium.launch(
                executable_path=choice.executable_path,
                channel=choice.channel,
                headless=headless,
                args=launch_arguments(allowed_hosts),
            )
        except PlaywrightError as error:
            tried.append(f"{choice.describe()} ({str(error).splitlines()[0]})")
            continue
        log.info("browser: %s %s", choice.describe(), browser.version)
        return browser
    raise BrowserUnavailableError(
        N_(
            "No Chromium-based browser could be started (tried: {tried}). Install Google "
            "Chrome, Microsoft Edge or Chromium{hint}, or set [browser] executable_path in the "
            "settings file."
        ),
        tried="; ".join(tried) or "none found",
        hint=" (on Debian or Ubuntu: apt-get install chromium)" if sys.platform == "linux" else "",
    )


@dataclass
class RequestGuard:
    """Lets through requests to the portal's origin only, and counts what it stops."""

    portal_url: str
    blocked_hosts: list[str] = field(default_factory=list)
    blocked_resources: int = 0

    @property
    def origin(self) -> tuple[str, str]:
        parts = urlsplit(self.portal_url)
        return parts.scheme, parts.netloc.lower()

    def handle(self, route: Route) -> None:
        request = route.request
        parts = urlsplit(request.url)
        if (parts.scheme, parts.netloc.lower()) != self.origin:
            self.blocked_hosts.append(parts.netloc or parts.scheme)
            log.warning("blocked a request to another host: %s", parts.netloc or parts.scheme)
            route.abort("blockedbyclient")
            return
        if request.resource_type in BLOCKED_RESOURCE_TYPES:
            self.blocked_resources += 1
            route.abort("blockedbyclient")
            return
        route.continue_()


@contextmanager
def portal_context(
    browser: Browser, portal_url: str, locale: str = "fr-FR"
) -> Iterator[tuple[BrowserContext, RequestGuard]]:
    """A fresh context for one check: no stored state, no downloads, no service workers,
    no tracing or video; closed whatever happens, which drops the session cookies."""
    guard = RequestGuard(portal_url)
    context = browser.new_context(
        accept_downloads=False,
        service_workers="block",
        locale=locale,
        timezone_id="Europe/Paris",
    )
    try:
        context.route("**/*", guard.handle)
        yield context, guard
    finally:
        try:
            context.close()
        except PlaywrightError as error:  # the browser may already be gone
            log.warning("closing the browser context failed: %s", error)
