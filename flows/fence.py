"""The fence around each check's context: every request a page makes goes through
``RequestGuard``, and the flows receive a ``FencedPage`` (a page and its guard) from
``portal_context``. The launch's flags (flows/launch.py) are the fence's lower half.

In the context, JavaScript is off (the portal's pages read without it, and a page without
scripts has no WebRTC, WebSocket, worker, beacon or script navigation); WebSockets are refused;
the route (``RequestGuard``) lets a request through only when it is for the portal's origin, is
not for a letter (a view link's address, or anything that looks like a document), is not a
prefetch or prerender, and, for a page, is a navigation the flow started; it then makes the
request itself without following redirects, so that every hop is checked before it is sent.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl

import ada_url
from playwright.sync_api import (
    APIResponse,
    Browser,
    BrowserContext,
    Page,
    Request,
    Route,
    WebSocketRoute,
)
from playwright.sync_api import Error as PlaywrightError

from flows.errors import N_, PageNotRecognisedError
from flows.portal_address import (
    Origin,
    PortalAddress,
    PortalAddressError,
    origin_of,
    parse_portal_address,
)

log = logging.getLogger(__name__)

# The portal's pages need none of these to be read; not loading them is faster and sends less.
BLOCKED_RESOURCE_TYPES = frozenset({"image", "media", "font"})
# What a page of the portal may load besides itself. Everything else (object, embed, beacon,
# prefetch, manifest, EventSource, CSP reports...) is refused and counted.
ALLOWED_RESOURCE_TYPES = frozenset({"document", "stylesheet", "script", "xhr", "fetch"})

# A path segment or a file extension that names a document rather than a page (the mock's view
# links end in /view; a real portal may say download, telecharger, consulter...).
_DOCUMENT_WORDS = frozenset(
    {
        "view", "viewer", "download", "downloads", "telecharger", "telechargement",
        "consulter", "consultation", "voir", "open", "ouvrir", "attachment", "piece-jointe",
        "pdf", "file", "fichier", "blob", "preview", "apercu",
    }
)  # fmt: skip
_DOCUMENT_EXTENSION = re.compile(r"\.(pdf|docx?|odt|rtf|zip|png|jpe?g|tiff?)$", re.IGNORECASE)
_DOCUMENT_QUERY_WORDS = frozenset({"download", "attachment", "telecharger", "inline", "file"})
#: A form sent on from address to address (307, 308) more times than this is refused.
_MAX_FORM_HOPS = 5


@dataclass(frozen=True)
class Refusal:
    """One request the fence stopped. ``reason``: other_origin, letter, prefetch, resource,
    subframe, unexpected_navigation, redirect, web_socket."""

    reason: str
    #: The origin, never the address: an address may carry a letter's number or a password.
    origin: str

    @property
    def letter(self) -> bool:
        return self.reason == "letter"


@dataclass
class RequestGuard:
    """Decides on every request a context makes, and counts what it stops (see the module)."""

    portal_url: str
    #: How long the guard waits for the portal when it makes a request itself.
    timeout_ms: float = 30_000
    blocked_hosts: list[str] = field(default_factory=list)
    blocked_resources: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    #: Addresses the pages' tables link to (the view links), learned before the page is shown.
    letter_addresses: set[str] = field(default_factory=set)
    #: Page requests the flow announced and that have not come yet.
    navigations_allowed: int = 0
    #: The refusal that ended the check: from then on every request is refused.
    stopped_by: Refusal | None = None
    #: Where the guard itself sends the page next (a redirect it checked).
    _redirect_targets: set[str] = field(default_factory=set)
    #: Why the last request the guard made itself for a page failed (the browser only hears
    #: "failed"): a certificate error must still be named as one.
    page_request_failure: str | None = None
    #: The context it fences (``install``): None until then.
    _context: BrowserContext | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            self.portal: PortalAddress | None = parse_portal_address(self.portal_url)
        except PortalAddressError:
            self.portal = None  # nothing is the portal's origin: every request is refused

    @property
    def origin(self) -> Origin | None:
        return None if self.portal is None else self.portal.origin

    @property
    def blocked_requests(self) -> int:
        return len(self.refusals)

    @property
    def letter_requests_blocked(self) -> int:
        return sum(1 for refusal in self.refusals if refusal.letter)

    def install(self, context: BrowserContext) -> None:
        """Route every request and WebSocket of ``context`` through this guard. A guard fences
        one context: a ``FencedPage`` can only be made of a page of that context."""
        if self._context is not None:
            raise RuntimeError("a request guard fences one browser context")
        context.route("**/*", self.handle)
        context.route_web_socket(re.compile(".*"), self.refuse_web_socket)
        context.on("request", self.watch)
        self._context = context

    @property
    def context(self) -> BrowserContext | None:
        """The context this guard routes (``install``), or None before."""
        return self._context

    def expect_navigation(self) -> None:
        """The flow is about to navigate (goto, a click on a link or button, back): the guard lets
        the next page request of its context through."""
        self.navigations_allowed = 1
        self.page_request_failure = None

    @property
    def redirect_pending(self) -> bool:
        """The page shown is the guard's stand-in for a redirect it checked: the browser is about
        to go to the page the portal redirected to."""
        return bool(self._redirect_targets)

    def fence_stop(self) -> PageNotRecognisedError | None:
        """The error that ends the check when the portal led the flow's own navigation elsewhere
        (another origin, or a letter): None while nothing did."""
        stop = self.stopped_by
        if stop is None:
            return None
        if stop.letter:
            return PageNotRecognisedError(
                N_(
                    "The portal tried to make the browser open a letter. The assistant refused "
                    "(it never opens a letter) and stopped the check: check your account on the "
                    "portal yourself."
                )
            )
        return PageNotRecognisedError(
            N_(
                "The portal tried to send the browser to another address ({origin}). The "
                "assistant refused, sent nothing there, and stopped the check: check your account "
                "on the portal yourself."
            ),
            origin=stop.origin,
        )

    def is_letter(self, url: str) -> bool:
        """A view link's address, or one that looks like a document or a download."""
        normal = _normalise(url)
        if normal in self.letter_addresses:
            return True
        try:
            parsed = ada_url.URL(normal)
        except ValueError:
            return True
        segments = [part.lower() for part in parsed.pathname.split("/") if part]
        if any(part in _DOCUMENT_WORDS for part in segments):
            return True
        if segments and _DOCUMENT_EXTENSION.search(segments[-1]):
            return True
        query = parse_qsl(parsed.search.lstrip("?"), keep_blank_values=True)
        return any(
            key.lower() in _DOCUMENT_QUERY_WORDS or value.lower() in _DOCUMENT_QUERY_WORDS
            for key, value in query
        )

    def allowed(self, url: str) -> bool:
        """May a page of the portal go to ``url``? (Its origin and not a letter.)"""
        return origin_of(url) == self.origin and self.origin is not None and not self.is_letter(url)

    def _refuse(
        self, route: Route, reason: str, url: str, *, stay: bool = False, stop: bool = False
    ) -> None:
        """Refuse a request; ``stay``: a page request answered "no content", so that the browser
        stays where it is; ``stop``: the flow's own navigation was led astray, the check ends."""
        origin = origin_of(url)
        where = str(origin) if origin else url.split(":", 1)[0]
        refusal = Refusal(reason, where)
        self.refusals.append(refusal)
        if stop and self.stopped_by is None:
            self.stopped_by = refusal
            stay = False
        log.warning("the browser fence refused a request (%s) to %s", reason, where)
        try:
            if stay:
                # 204 to a navigation: the browser stays on the page it shows.
                route.fulfill(status=204, body="")
            else:
                route.abort("blockedbyclient")
        except PlaywrightError as error:  # the request was cancelled meanwhile
            log.info("the refused request was already gone: %s", error)

    def handle(self, route: Route) -> None:
        request = route.request
        url = request.url
        main_navigation = _is_main_frame_navigation(request)
        # The flow's own navigation (announced, not yet used) led astray ends the check.
        flows_own = main_navigation and self.navigations_allowed > 0
        if self.stopped_by is not None:
            self._refuse(route, "stopped", url)
            return
        if origin_of(url) != self.origin or self.origin is None:
            self.blocked_hosts.append(_netloc(url))
            self._refuse(route, "other_origin", url, stay=main_navigation, stop=flows_own)
            return
        if self.is_letter(url):
            self._refuse(route, "letter", url, stay=main_navigation, stop=flows_own)
            return
        # The headers the route was handed with the request: for a request a route holds they
        # are the ones it will be sent with (``all_headers`` says the same, but asks the driver
        # again: a round trip to the driver on every request).
        headers = request.headers
        purpose = f"{headers.get('sec-purpose', '')} {headers.get('purpose', '')}".lower()
        if "prefetch" in purpose or "prerender" in purpose:
            self._refuse(route, "prefetch", url, stay=main_navigation)
            return
        if request.resource_type in BLOCKED_RESOURCE_TYPES:
            self.blocked_resources += 1
            route.abort("blockedbyclient")
            return
        if request.resource_type not in ALLOWED_RESOURCE_TYPES:
            self._refuse(route, "resource", url)
            return
        navigation = request.is_navigation_request()
        if navigation:
            if not _is_main_frame_navigation(request):
                self._refuse(route, "subframe", url)
                return
            normal = _normalise(url)
            if normal in self._redirect_targets:
                self._redirect_targets.discard(normal)
            elif self.navigations_allowed > 0:
                self.navigations_allowed -= 1
            else:
                self._refuse(route, "unexpected_navigation", url, stay=True)
                return
        self._send(route, request, navigation)

    def _send(self, route: Route, request: Request, navigation: bool) -> None:
        """Make the request without following a redirect: a hop is checked like any request
        before the browser is told of it, and a hop to anywhere else ends there."""
        url = request.url
        response = self._fetch(route, navigation)
        hops = 0
        while response is not None:
            location = response.headers.get("location")
            if not (300 <= response.status < 400 and location):
                self._answer(route, url, response, navigation)
                return
            target = _normalise(ada_url.join_url(url, location))
            if not self.allowed(target) or not navigation:
                reason = "letter" if self.is_letter(target) else "redirect"
                self._refuse(route, reason, target, stop=navigation)
                return
            if not (request.method == "POST" and response.status in (307, 308)):
                self._stand_in(route, response, target)
                return
            # A form sent again to another address: the browser would do it itself and follow
            # whatever that answers without the route (a hop to a letter among it), so the
            # guard sends it, hop after hop, each checked. The page that ends it is shown at
            # the form's address.
            hops += 1
            if hops > _MAX_FORM_HOPS:
                self._refuse(route, "redirect", target, stop=True)
                return
            url = target
            response = self._fetch(route, navigation, url=target)

    def _fetch(self, route: Route, navigation: bool, url: str | None = None) -> APIResponse | None:
        """The portal's answer (its redirects not followed), or None: the request failed."""
        try:
            return route.fetch(url=url, max_redirects=0, timeout=self.timeout_ms)
        except PlaywrightError as error:
            log.info("the portal did not answer a request: %s", str(error).splitlines()[0])
            if navigation:
                self.page_request_failure = str(error)
            with suppress(PlaywrightError):
                route.abort("failed")
            return None

    def _stand_in(self, route: Route, response: APIResponse, target: str) -> None:
        """A page that moves on by itself to ``target`` (checked): the browser's next request
        is a navigation of its own, which passes this route again."""
        self._redirect_targets.add(target)
        headers = {
            "content-type": "text/html; charset=utf-8",
            "cache-control": "no-store",
        }
        cookies = [h["value"] for h in response.headers_array if h["name"].lower() == "set-cookie"]
        if cookies:
            headers["set-cookie"] = "\n".join(cookies)
        body = f'<!doctype html><meta http-equiv="refresh" content="0;url={html.escape(target)}">'
        self._fulfill(route, status=200, headers=headers, body=body)

    def _answer(self, route: Route, url: str, response: APIResponse, navigation: bool) -> None:
        """Hand the portal's answer (not a redirect) to the browser; a page's table links are
        learned first."""
        if navigation and "html" in response.headers.get("content-type", ""):
            text = response.text()
            self.letter_addresses.update(table_links(text, url))
            # Speculation rules make Chromium prefetch from its own process, with no frame: the
            # route never sees those requests. (Without scripts they are not read at all; with
            # scripts, the page's own rules are made inert text.)
            if "speculation-rules" in response.headers or _SPECULATION_RULES.search(text):
                headers = {
                    name: value
                    for name, value in response.headers.items()
                    if name not in ("speculation-rules", "content-length", "content-type")
                }
                headers["content-type"] = "text/html; charset=utf-8"
                self._fulfill(
                    route, status=response.status, headers=headers, body=_inert_rules(text)
                )
                return
        self._fulfill(route, response=response)

    def _fulfill(self, route: Route, **kwargs: Any) -> None:
        try:
            route.fulfill(**kwargs)
        except PlaywrightError as error:  # the page stopped waiting for it
            log.info("an answer came too late for the page: %s", str(error).splitlines()[0])

    def refuse_web_socket(self, socket_route: WebSocketRoute) -> None:
        """The portal's pages use no WebSocket: none is ever connected, to any address."""
        origin = origin_of(socket_route.url)
        self.refusals.append(Refusal("web_socket", str(origin) if origin else "?"))
        log.warning("the browser fence refused a WebSocket to %s", origin)
        socket_route.close(code=1008, reason="refused")

    def watch(self, request: Request) -> None:
        """Requests the route never sees (a redirect hop the browser follows by itself: none
        should, since the guard follows a form's 307/308 itself): a hop anywhere but allowed is
        counted; the proxy has already refused it if it was for another origin."""
        if request.redirected_from is not None and not self.allowed(request.url):
            self.refusals.append(Refusal("redirect", str(origin_of(request.url))))


def _is_main_frame_navigation(request: Request) -> bool:
    try:
        return request.is_navigation_request() and request.frame.parent_frame is None
    except PlaywrightError:  # a service worker's request has no frame
        return False


_SPECULATION_RULES = re.compile(r"""(<script\b[^>]*\btype\s*=\s*["']?)\s*speculationrules""", re.I)


def _inert_rules(text: str) -> str:
    return _SPECULATION_RULES.sub(r"\1text/plain", text)


def _netloc(url: str) -> str:
    """Host and port (when not the default) of an address, or its scheme when it has none."""
    origin = origin_of(url)
    if origin is None:
        return url.split(":", 1)[0]
    return str(origin).split("://", 1)[1]


def _normalise(url: str) -> str:
    """The address as the browser writes it, without its fragment (never sent)."""
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return url
    parsed.hash = ""
    return parsed.href


class _TableLinks(HTMLParser):
    """The addresses of the links inside a table's rows: the view links of the documents table
    (a "next page" link inside a table is kept out by its rel)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.depth += 1
        elif self.depth and tag in ("a", "area", "form", "iframe", "object", "embed"):
            values = dict(attrs)
            if (values.get("rel") or "").lower() in ("next", "prev"):
                return
            for name in ("href", "action", "src", "data"):
                if values.get(name):
                    self.links.append(values[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1


def table_links(text: str, base: str) -> set[str]:
    """The addresses (normalised) the links in the tables of a page lead to."""
    parser = _TableLinks()
    try:
        parser.feed(text)
    except Exception:  # a page that does not parse: the other rules still hold
        log.info("a page's links could not be read")
    found = set()
    for href in parser.links:
        try:
            found.add(_normalise(ada_url.join_url(base, href.strip())))
        except ValueError:
            continue
    return found


class UnfencedPageError(RuntimeError):
    """A page handed to the flows without its guard on its context: a programming error, never
    to be met at run time (the flows would otherwise run unfenced without a word)."""


@dataclass(frozen=True)
class FencedPage:
    """A page of a context that ``guard`` fences: what the flows and the page objects receive
    (``portal_context`` makes them). Made of a page whose context the guard does not fence, it
    raises ``UnfencedPageError``."""

    page: Page
    guard: RequestGuard

    def __post_init__(self) -> None:
        if self.guard.context is None or self.guard.context is not self.page.context:
            raise UnfencedPageError(
                "this page's browser context is not fenced by its guard (use portal_context)"
            )


def fence_context(context: BrowserContext, portal_url: str) -> RequestGuard:
    """Put a new guard for ``portal_url`` on ``context``: every request it makes from now on."""
    guard = RequestGuard(portal_url)
    guard.install(context)
    return guard


@contextmanager
def portal_context(
    browser: Browser,
    portal_url: str,
    locale: str = "fr-FR",
    *,
    javascript: bool = False,
) -> Iterator[FencedPage]:
    """A fresh context for one check, and its one page: no stored state, no downloads, no
    service workers, no scripts, no tracing or video; every request through the guard; closed
    whatever happens, which drops the session cookies. ``javascript``: for tests that prove the
    fence holds when a page's scripts run."""
    context = browser.new_context(
        accept_downloads=False,
        service_workers="block",
        java_script_enabled=javascript,
        locale=locale,
        timezone_id="Europe/Paris",
    )
    try:
        guard = fence_context(context, portal_url)
        yield FencedPage(context.new_page(), guard)
    finally:
        try:
            context.close()
        except PlaywrightError as error:  # the browser may already be gone
            log.warning("closing the browser context failed: %s", error)
