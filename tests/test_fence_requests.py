"""What the fence asks the driver for a request: the decision on a request is made from what the
route was handed with it, without another round trip (``all_headers``) on every request; a
prefetch or prerender is still refused by its header. (The browser tests of the fence are in
test_hostile_fence.py; these need no browser.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from flows.fence import RequestGuard

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
