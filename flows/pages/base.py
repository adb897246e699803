"""What every page object shares: the page and its guard, the time it may wait, how a wait fails."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows import labels
from flows.errors import N_, PageNotRecognisedError, PortalUnavailableError
from flows.fence import FencedPage, RequestGuard
from flows.untrusted import MAX_TITLE, untrusted_text

# Waits are cut in slices so that a server error is noticed within a second, not at the timeout.
_SLICE_MS = 1000
#: A long wait for a page is told every so many seconds (``progress``), so it is never silent.
STILL_WAITING_EVERY_SECONDS = 10


@dataclass
class PortalSession:
    """The page of one check, its guard, and what it has seen of the portal's answers. Made of a
    ``FencedPage`` only: no page object exists without the guard of its context."""

    fenced: FencedPage
    timeout_ms: float = 30_000
    page: Page = field(init=False)
    guard: RequestGuard = field(init=False)
    last_document_status: int | None = field(default=None, init=False)
    #: A page was asked for and its answer has not come yet (a slow portal, not a strange page).
    navigation_pending: bool = field(default=False, init=False)
    #: How many pages were asked for: a click that asks for none did not navigate.
    navigations: int = field(default=0, init=False)
    #: The portal accepted the password: whatever happens next, log out.
    logged_in: bool = field(default=False, init=False)
    #: Told ``("still_waiting", seconds=N)`` while a page is long to come (see check_flow).
    progress: Callable[..., None] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.fenced, FencedPage):
            raise TypeError("a portal session is made of a FencedPage (see flows/fence.py)")
        self.page = self.fenced.page
        self.guard = self.fenced.guard
        self.page.set_default_timeout(self.timeout_ms)
        self.page.set_default_navigation_timeout(self.timeout_ms)
        self.page.on("request", self._on_request)
        self.page.on("response", self._on_response)
        self.page.on("requestfailed", self._on_request_failed)

    def _is_page_request(self, request: Request) -> bool:
        return request.is_navigation_request() and request.frame == self.page.main_frame

    def _on_request(self, request: Request) -> None:
        if self._is_page_request(request):
            self.navigation_pending = True
            self.navigations += 1

    def _on_response(self, response: Response) -> None:
        if self._is_page_request(response.request):
            self.last_document_status = response.status
            # A redirect is answered, but the page it leads to is asked for next.
            if not 300 <= response.status < 400:
                self.navigation_pending = False

    def _on_request_failed(self, request: Request) -> None:
        if self._is_page_request(request):
            self.navigation_pending = False

    @property
    def timeout_seconds(self) -> int:
        return max(1, round(self.timeout_ms / 1000))

    def goto(self, url: str) -> None:
        self.guard.expect_navigation()
        try:
            response = self.page.goto(url, wait_until="domcontentloaded")
        except PlaywrightTimeoutError:
            raise self.too_slow() from None
        except PlaywrightError as error:
            if (stop := self.guard.fence_stop()) is not None:
                raise stop from None
            # The fence makes the page's requests itself: its failure says more than "failed".
            failure = self.guard.page_request_failure or str(error)
            if _is_certificate_error(failure):
                # Never ignored: a bad certificate may be someone in the middle, after the password.
                raise PortalUnavailableError(
                    N_(
                        "The portal's security certificate is not valid ({detail}), so the "
                        "assistant did not send the password. Check the computer's date and time, "
                        "and avoid public Wi-Fi."
                    ),
                    detail=failure.strip().splitlines()[0],
                ) from None
            raise PortalUnavailableError(
                N_("The portal could not be reached ({detail}). Check the internet connection."),
                detail=_first_line(error),
            ) from None
        if response is not None and response.status >= 500:
            raise _server_error(response.status)

    def click(self, target: Locator, what: str) -> None:
        """Click a link or button whose page the caller then waits for. Playwright waits for a
        navigation the click starts: a portal too slow to answer is said as such."""
        self.guard.expect_navigation()
        try:
            target.click()
        except PlaywrightTimeoutError:
            if self.navigation_pending:
                raise self.too_slow() from None
            raise PageNotRecognisedError(
                N_(
                    "The assistant could not click {what}. The portal's page has changed: check "
                    "your account on the portal yourself."
                ),
                what=what,
            ) from None

    def click_to_navigate(self, link: Locator, what: str) -> None:
        """Click a link that leads to another page, and wait until that page has come."""
        before = self.navigations
        self.guard.expect_navigation()
        try:
            with self.page.expect_navigation(wait_until="domcontentloaded") as navigation:
                link.click()
            response = navigation.value
        except PlaywrightTimeoutError:
            if self.navigations == before:
                raise PageNotRecognisedError(
                    N_(
                        "The link to {what} did not lead to another page. The portal's page "
                        "has changed: check your account on the portal yourself."
                    ),
                    what=what,
                ) from None
            raise self.too_slow() from None
        except PlaywrightError as error:
            if (stop := self.guard.fence_stop()) is not None:
                raise stop from None
            raise PortalUnavailableError(
                N_("The portal stopped answering ({detail})."),
                detail=_first_line(error),
            ) from None
        if response is not None and response.status >= 500:
            raise _server_error(response.status)

    def wait_for_one_of(self, candidates: dict[str, Locator], what: str) -> str:
        """Wait until one of the candidates is visible and say which (the first in the dict's
        order when several are); a page that shows none of them is not recognised (never read as
        an empty answer), and a page that never came is the portal being too slow."""
        combined = reduce(lambda a, b: a.or_(b), candidates.values()).first
        started = time.monotonic()
        deadline = started + self.timeout_ms / 1000
        told = 0
        while True:
            waited = int(time.monotonic() - started)
            if self.progress is not None and waited >= told + STILL_WAITING_EVERY_SECONDS:
                told = waited - waited % STILL_WAITING_EVERY_SECONDS
                self.progress("still_waiting", seconds=told)
            remaining_ms = (deadline - time.monotonic()) * 1000
            try:
                combined.wait_for(state="visible", timeout=max(1, min(_SLICE_MS, remaining_ms)))
                break
            except PlaywrightTimeoutError:
                # The browser's fence refused where the portal led the flow: nothing will come.
                if (stop := self.guard.fence_stop()) is not None:
                    raise stop from None
                if self.last_document_status is not None and self.last_document_status >= 500:
                    raise _server_error(self.last_document_status) from None
                if remaining_ms <= _SLICE_MS:
                    if self.navigation_pending:
                        raise self.too_slow() from None
                    raise PageNotRecognisedError(
                        N_(
                            "The portal showed a page that is not {what} (page title: "
                            "'{title}'). Nothing can be said about your letters: check your "
                            "account on the portal yourself."
                        ),
                        what=what,
                        title=self.title(),
                    ) from None
            except PlaywrightError as error:
                raise PortalUnavailableError(
                    N_("The portal stopped answering ({detail})."),
                    detail=_first_line(error),
                ) from None
        # An error page may still carry the portal's menu: the status says what it is.
        if self.last_document_status is not None and self.last_document_status >= 500:
            raise _server_error(self.last_document_status)
        for name, locator in candidates.items():
            if locator.first.is_visible():
                return name
        raise PageNotRecognisedError(
            N_("The portal's page changed while reading {what}. Check your account yourself."),
            what=what,
        )

    def too_slow(self) -> PortalUnavailableError:
        return PortalUnavailableError(
            N_("The portal did not answer within {seconds} seconds. It is probably overloaded."),
            seconds=self.timeout_seconds,
        )

    def title(self) -> str:
        """The page's title, made safe (it goes into messages), or "" when it cannot be read."""
        try:
            return untrusted_text(self.page.title(), MAX_TITLE)
        except PlaywrightError:
            return ""

    def logout_link(self) -> Locator:
        return self.page.get_by_role("link", name=labels.LOGOUT_LINK).or_(
            self.page.get_by_role("button", name=labels.LOGOUT_LINK)
        )


def _server_error(status: int) -> PortalUnavailableError:
    return PortalUnavailableError(
        N_("The portal answered with an error (HTTP {status}). It is probably down for a while."),
        status=status,
    )


def _is_certificate_error(text: str) -> bool:
    """Chromium's certificate errors, and those of the request the fence made itself."""
    return any(mark in text for mark in CERTIFICATE_ERROR_MARKS)


#: Chromium's net errors, and the TLS errors Playwright's own requests report.
CERTIFICATE_ERROR_MARKS = (
    "ERR_CERT_",
    "ERR_SSL_",
    "ERR_BAD_SSL",
    "ERR_TLS_",
    "CERT_",
    "certificate",
)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
