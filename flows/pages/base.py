"""What every page object shares: the page, the time it may wait, and how a wait fails."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import reduce

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from assistant.errors import N_, PageNotRecognisedError, PortalUnavailableError
from flows import labels

# Waits are cut in slices so that a server error is noticed within a second, not at the timeout.
_SLICE_MS = 1000


@dataclass
class PortalSession:
    """The page of one check and what it has seen of the portal's answers."""

    page: Page
    timeout_ms: float = 30_000
    last_document_status: int | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(self.timeout_ms)
        self.page.set_default_navigation_timeout(self.timeout_ms)
        self.page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.last_document_status = response.status

    def goto(self, url: str) -> None:
        try:
            response = self.page.goto(url, wait_until="domcontentloaded")
        except PlaywrightError as error:
            if _is_certificate_error(error):
                # Never ignored: a bad certificate may be someone in the middle, after the password.
                raise PortalUnavailableError(
                    N_(
                        "The portal's security certificate is not valid ({detail}), so the "
                        "assistant did not send the password. Check the computer's date and time, "
                        "and avoid public Wi-Fi; it will try again later."
                    ),
                    detail=_first_line(error),
                ) from None
            raise PortalUnavailableError(
                N_(
                    "The portal could not be reached ({detail}). Check the internet connection; "
                    "the assistant will try again later."
                ),
                detail=_first_line(error),
            ) from None
        if response is not None and response.status >= 500:
            raise _server_error(response.status)

    def wait_for_one_of(self, candidates: dict[str, Locator], what: str) -> str:
        """Wait until one of the candidates is visible and say which; a page that shows none
        of them is not recognised (never read as an empty answer)."""
        combined = reduce(lambda a, b: a.or_(b), candidates.values()).first
        deadline = time.monotonic() + self.timeout_ms / 1000
        while True:
            remaining_ms = (deadline - time.monotonic()) * 1000
            try:
                combined.wait_for(state="visible", timeout=max(1, min(_SLICE_MS, remaining_ms)))
                break
            except PlaywrightTimeoutError:
                if self.last_document_status is not None and self.last_document_status >= 500:
                    raise _server_error(self.last_document_status) from None
                if remaining_ms <= _SLICE_MS:
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
                    N_(
                        "The portal stopped answering ({detail}). "
                        "The assistant will try again later."
                    ),
                    detail=_first_line(error),
                ) from None
        for name, locator in candidates.items():
            if locator.first.is_visible():
                return name
        raise PageNotRecognisedError(
            N_("The portal's page changed while reading {what}. Check your account yourself."),
            what=what,
        )

    def title(self) -> str:
        try:
            return self.page.title()
        except PlaywrightError:
            return ""

    def logout_link(self) -> Locator:
        return self.page.get_by_role("link", name=labels.LOGOUT_LINK).or_(
            self.page.get_by_role("button", name=labels.LOGOUT_LINK)
        )


def _server_error(status: int) -> PortalUnavailableError:
    return PortalUnavailableError(
        N_(
            "The portal answered with an error (HTTP {status}). It is probably down for a "
            "while; the assistant will try again later."
        ),
        status=status,
    )


def _is_certificate_error(error: Exception) -> bool:
    text = str(error)
    return "ERR_CERT_" in text or "ERR_SSL_" in text or "ERR_BAD_SSL" in text


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
