"""One exception hierarchy for everything that can go wrong in a check.

Each error carries a stable ``code`` (the JSON contract of DESIGN.md), a distinct exit status, and
a message that says what happened and what to do next. Only the CLI turns them into output.
Messages never contain a password or an identifier.

A message is an English template marked with ``N_`` (so Babel extracts it) plus its values; it is
translated where it is shown, in the person's language.
"""

from __future__ import annotations

from enum import IntEnum


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


class AssistantError(Exception):
    """Base of every error the assistant reports to the person."""

    code = "internal_error"
    exit_status = ExitStatus.INTERNAL_ERROR
    #: A transient error may succeed if the same check is tried again later.
    retryable = False

    def __init__(self, template: str, **values: object) -> None:
        self.template = template
        self.values = values
        # Without values the template is the message as is (it may hold braces of its own).
        self.message = template.format(**values) if values else template
        super().__init__(self.message)

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


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
