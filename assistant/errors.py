"""One exception hierarchy for everything that can go wrong in a check.

Each error carries a stable ``code`` (the JSON contract of DESIGN.md), a distinct exit status, and
a message that says what happened and what to do next. Only the CLI turns them into output.
Messages never contain a password or an identifier.

A message is an English template marked with ``N_`` (so Babel extracts it) plus its values; it is
translated where it is shown, in the person's language. Whoever handles an error may append a hint
(another template with its values, e.g. where a page capture was saved); each part is translated
on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Self


def N_(message: str) -> str:
    """Marks a message for translation without translating it here (gettext's convention)."""
    return message


class ExitStatus(IntEnum):
    """Exit statuses of ``ofpra-assistant``; documented in the README."""

    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2
    CREDENTIALS_MISSING = 10
    LOGIN_REJECTED = 11
    ACCOUNT_LOCKED = 12
    PORTAL_UNAVAILABLE = 13
    PAGE_NOT_RECOGNISED = 14
    CONSENT_MISSING = 15
    CONFIG_INVALID = 16
    KEYRING_UNAVAILABLE = 17
    PROFILE_MISSING = 18
    BROWSER_UNAVAILABLE = 19
    AGENT_ALREADY_RUNNING = 20
    # 20 is agent_already_running (the agent's own status).
    PASSWORD_CHANGE_REQUIRED = 21
    CAPTCHA = 22


class AssistantError(Exception):
    """Base of every error the assistant reports to the person."""

    code = "internal_error"
    exit_status = ExitStatus.INTERNAL_ERROR
    #: A transient error may succeed if the same check is tried again later.
    retryable = False

    def __init__(self, template: str, **values: object) -> None:
        self.template = template
        self.values = values
        self.hints: list[tuple[str, dict[str, object]]] = []
        self.message = _fill(template, values)
        super().__init__(self.message)

    def with_hint(self, template: str, **values: object) -> Self:
        """Append a sentence to the message (a template marked with ``N_``, and its values)."""
        self.hints.append((template, values))
        self.message = f"{self.message} {_fill(template, values)}"
        self.args = (self.message,)
        return self

    def render(self, translate: Callable[..., str]) -> str:
        """The message in another language: ``translate(template, **values)`` for each part."""
        parts = [(self.template, self.values), *self.hints]
        return " ".join(translate(template, **values) for template, values in parts)

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _fill(template: str, values: dict[str, object]) -> str:
    # Without values the template is the message as is (it may hold braces of its own).
    return template.format(**values) if values else template


class CredentialsMissingError(AssistantError):
    code = "credentials_missing"
    exit_status = ExitStatus.CREDENTIALS_MISSING


class KeyringUnavailableError(AssistantError):
    code = "keyring_unavailable"
    exit_status = ExitStatus.KEYRING_UNAVAILABLE


class LoginRejectedError(AssistantError):
    code = "login_rejected"
    exit_status = ExitStatus.LOGIN_REJECTED


class AccountLockedError(AssistantError):
    code = "account_locked"
    exit_status = ExitStatus.ACCOUNT_LOCKED


class PortalUnavailableError(AssistantError):
    code = "portal_unavailable"
    exit_status = ExitStatus.PORTAL_UNAVAILABLE
    retryable = True


class PageNotRecognisedError(AssistantError):
    """The portal showed a page the flows do not know: never read as "nothing new"."""

    code = "page_not_recognised"
    exit_status = ExitStatus.PAGE_NOT_RECOGNISED
    #: A redacted outline of the page (flows/capture.py), for whoever writes it to a file.
    capture: str | None = None


class PasswordChangeRequiredError(AssistantError):
    """The portal demands a new password before showing anything: only the person may choose."""

    code = "password_change_required"
    exit_status = ExitStatus.PASSWORD_CHANGE_REQUIRED


class CaptchaError(AssistantError):
    """The portal asks to prove a human is there: the assistant never tries to solve it."""

    code = "captcha"
    exit_status = ExitStatus.CAPTCHA


class ConsentMissingError(AssistantError):
    code = "consent_missing"
    exit_status = ExitStatus.CONSENT_MISSING


class ConfigInvalidError(AssistantError):
    code = "config_invalid"
    exit_status = ExitStatus.CONFIG_INVALID


class ProfileMissingError(AssistantError):
    code = "profile_missing"
    exit_status = ExitStatus.PROFILE_MISSING


class BrowserUnavailableError(AssistantError):
    code = "browser_unavailable"
    exit_status = ExitStatus.BROWSER_UNAVAILABLE


class AgentAlreadyRunningError(AssistantError):
    """Another agent holds this home folder's lock: two would check and alert twice."""

    code = "agent_already_running"
    exit_status = ExitStatus.AGENT_ALREADY_RUNNING


ALL_ERRORS: tuple[type[AssistantError], ...] = (
    CredentialsMissingError,
    KeyringUnavailableError,
    LoginRejectedError,
    AccountLockedError,
    PortalUnavailableError,
    PageNotRecognisedError,
    ConsentMissingError,
    ConfigInvalidError,
    ProfileMissingError,
    BrowserUnavailableError,
    AgentAlreadyRunningError,
    PasswordChangeRequiredError,
    CaptchaError,
)


def unexpected_error(error: Exception) -> AssistantError:
    """A bug, not a portal problem: said as such, never as "nothing new"."""
    return AssistantError(
        N_(
            "An unexpected error stopped the check ({error}). It is written in the assistant's "
            "log; please report it. Meanwhile, check your account on the portal yourself."
        ),
        error=type(error).__name__,
    )
