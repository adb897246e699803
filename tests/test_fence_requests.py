"""What the fence asks the driver for a request: the decision on a request is made from what the
route was handed with it, without another round trip (``all_headers``) on every request; a
prefetch or prerender is still refused by its header. And a form the portal sends on (307, 308)
is followed by the guard, hop after hop, never by the browser out of the route's sight. (The
hostile portal's tests of the fence are in test_hostile_fence.py.)"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser

from flows.fence import RequestGuard, portal_context

PORTAL = "https://portal.example/ofpra/user/login"


@dataclass
class FakeFrame:
    parent_frame: None = None


@dataclass
class FakeRequest:
    url: str
    headers: dict[str, str]
    resource_type: str = "document"
    navigation: bool = True
    frame: FakeFrame = field(default_factory=FakeFrame)
    redirected_from: None = None
    method: str = "GET"

    def is_navigation_request(self) -> bool:
        return self.navigation

    def all_headers(self) -> dict[str, str]:
        raise AssertionError("the guard asked the driver for the headers again")


@dataclass
class FakeRoute:
    request: FakeRequest
    answers: list[tuple[str, Any]] = field(default_factory=list)

    def fulfill(self, **kwargs: Any) -> None:
        self.answers.append(("fulfill", kwargs.get("status")))

    def abort(self, error_code: str = "failed") -> None:
        self.answers.append(("abort", error_code))

    def fetch(self, **kwargs: Any) -> Any:
        self.answers.append(("fetch", None))
        raise AssertionError("sent")


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-purpose": "prefetch"},
        {"sec-purpose": "prefetch;prerender"},
        {"purpose": "prefetch"},
    ],
)
def test_a_prefetch_is_refused_from_the_headers_the_route_was_handed(
    headers: dict[str, str],
) -> None:
    guard = RequestGuard(PORTAL)
    guard.expect_navigation()
    route = FakeRoute(FakeRequest("https://portal.example/ofpra/home", headers))

    guard.handle(route)  # type: ignore[arg-type]

    assert [refusal.reason for refusal in guard.refusals] == ["prefetch"]
    assert route.answers == [("fulfill", 204)]  # the browser stays where it is; nothing sent


def test_a_page_the_flow_asked_for_is_sent_without_asking_for_its_headers_again() -> None:
    guard = RequestGuard(PORTAL)
    guard.expect_navigation()
    route = FakeRoute(FakeRequest("https://portal.example/ofpra/home", {"accept": "text/html"}))

    with pytest.raises(AssertionError, match="sent"):
        guard.handle(route)  # type: ignore[arg-type]

    assert guard.refusals == []
    assert route.answers == [("fetch", None)]


class FormHops:
    """A loopback portal whose login form is answered 307 to /next, which answers ``last``:
    a 302 to a letter's address, or a page."""

    def __init__(self, last: str) -> None:
        self.seen: list[tuple[str, str, bytes]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                seen.append((self.command, self.path, self.rfile.read(length)))
                if self.path == "/ofpra/send":
                    self.send_response(307)
                    self.send_header("location", "/ofpra/next")
                    self.end_headers()
                elif self.path == "/ofpra/next" and last == "letter":
                    self.send_response(302)
                    self.send_header("location", "/ofpra/documents/12/view")
                    self.end_headers()
                else:
                    title = "next" if self.path == "/ofpra/next" else "login"
                    body = (
                        f"<title>{title}</title><form method=post action=/ofpra/send>"
                        "<input name=field value=sent><button>Send</button></form>"
                    ).encode()
                    self.send_response(200)
                    self.send_header("content-type", "text/html")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ofpra/user/login"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send_the_form(browser: Browser, hops: FormHops) -> tuple[str, RequestGuard]:
    with portal_context(browser, hops.url) as fenced:
        guard, page = fenced.guard, fenced.page
        guard.expect_navigation()
        page.goto(hops.url)
        guard.expect_navigation()
        page.get_by_role("button", name="Send").click()
        page.wait_for_timeout(500)  # time for a hop the browser would follow by itself
        return page.title(), guard


@pytest.mark.browser
def test_a_form_sent_on_to_a_letter_is_stopped_before_the_letter_is_asked_for(
    browser: Browser,
) -> None:
    """A POST answered 307 to a page that redirects to a letter: the browser would follow both
    hops by itself, out of the route's sight; the guard follows them and refuses the letter."""
    hops = FormHops("letter")
    try:
        _, guard = send_the_form(browser, hops)
    finally:
        hops.close()

    assert [(method, path) for method, path, _ in hops.seen] == [
        ("GET", "/ofpra/user/login"),
        ("POST", "/ofpra/send"),
        ("POST", "/ofpra/next"),
    ]
    assert guard.letter_requests_blocked == 1
    assert guard.stopped_by is not None and guard.stopped_by.letter


@pytest.mark.browser
def test_a_form_sent_on_to_a_page_reaches_it_with_its_fields(browser: Browser) -> None:
    hops = FormHops("page")
    try:
        title, guard = send_the_form(browser, hops)
    finally:
        hops.close()

    assert title == "next"
    assert hops.seen[-1] == ("POST", "/ofpra/next", b"field=sent")
    assert guard.refusals == []
