"""One exception hierarchy for everything that can go wrong, with one exit status per code.

The errors of a portal check are raised by the flows (``flows/errors.py``, which knows nothing of
the assistant); the assistant's own (consent, keyring, configuration...) are here, on the same
base. Only the CLI turns them into output, with ``exit_status_of``.
"""

from __future__ import annotations

from enum import IntEnum

from flows.errors import (
    N_,
    AccountLockedError,
    BrowserUnavailableError,
    CaptchaError,
    CheckError,
    LoginRejectedError,
    PageNotRecognisedError,
    PasswordChangeRequiredError,
    PortalUnavailableError,
)

#: The base of every error the assistant reports (the flows' and its own).
AssistantError = CheckError

__all__ = [
    "ALL_ERRORS",
    "N_",
    "AccountLockedError",
    "AgentAlreadyRunningError",
    "AssistantError",
    "BrowserUnavailableError",
    "CaptchaError",
    "ConfigInvalidError",
    "ConsentMissingError",
    "CredentialsMissingError",
    "ExitStatus",
    "KeyringUnavailableError",
    "LoginRejectedError",
    "PageNotRecognisedError",
    "PasswordChangeRequiredError",
    "PortalUnavailableError",
    "ProfileMissingError",
    "UnsafeFolderError",
    "exit_status_of",
    "unexpected_error",
]


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
    # 20 is agent_already_running (the agent's own status).
    AGENT_ALREADY_RUNNING = 20
    PASSWORD_CHANGE_REQUIRED = 21
    CAPTCHA = 22
    UNSAFE_FOLDER = 23


class CredentialsMissingError(AssistantError):
    code = "credentials_missing"


class KeyringUnavailableError(AssistantError):
    code = "keyring_unavailable"


class ConsentMissingError(AssistantError):
    code = "consent_missing"


class ConfigInvalidError(AssistantError):
    code = "config_invalid"


class ProfileMissingError(AssistantError):
    code = "profile_missing"


class AgentAlreadyRunningError(AssistantError):
    """Another agent holds this home folder's lock: two would check and alert twice."""

    code = "agent_already_running"


class UnsafeFolderError(AssistantError):
    """A folder of the home is not the assistant's own (a symbolic link, another user's, or
    writable by everyone): nothing is written to it, read from it or deleted through it."""

    code = "unsafe_folder"


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
    UnsafeFolderError,
)

#: Each code's exit status: the code's name in upper case is its ExitStatus member.
_EVERY_ERROR: tuple[type[AssistantError], ...] = (AssistantError, *ALL_ERRORS)
EXIT_STATUSES: dict[str, ExitStatus] = {
    error.code: ExitStatus[error.code.upper()] for error in _EVERY_ERROR
}


def exit_status_of(error: AssistantError) -> ExitStatus:
    """The exit status the CLI ends with for this error (internal_error for an unknown code)."""
    return EXIT_STATUSES.get(error.code, ExitStatus.INTERNAL_ERROR)


def unexpected_error(error: Exception) -> AssistantError:
    """A bug, not a portal problem: said as such, never as "nothing new"."""
    return AssistantError(
        N_(
            "An unexpected error stopped the check ({error}). It is written in the assistant's "
            "log; please report it. Meanwhile, check your account on the portal yourself."
        ),
        error=type(error).__name__,
    )
