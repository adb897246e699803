"""One exception hierarchy for everything that can go wrong, with one exit status per code.

The errors of a portal check are raised by the flows (``flows/errors.py``, which knows nothing of
the assistant); the assistant's own (consent, keyring, configuration...) are here, on the same
base. Only the CLI turns them into output, with ``exit_status_of``.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from enum import IntEnum

from flows.errors import (
    N_,
    AccountLockedError,
    AlreadyActivatedError,
    BrowserUnavailableError,
    CaptchaError,
    CheckError,
    ConnectionKeyRejectedError,
    LoginRejectedError,
    PageNotRecognisedError,
    PasswordChangeRequiredError,
    PortalRefusedValueError,
    PortalUnavailableError,
)

#: The base of every error the assistant reports (the flows' and its own).
AssistantError = CheckError

__all__ = [
    "ALL_ERRORS",
    "N_",
    "AccountLockedError",
    "AgentAlreadyRunningError",
    "AgentNotStartedError",
    "AlreadyActivatedError",
    "AssistantError",
    "BrowserUnavailableError",
    "CaptchaError",
    "ConfigInvalidError",
    "ConnectionKeyRejectedError",
    "ConsentMissingError",
    "CredentialsMissingError",
    "DiskFullError",
    "ExitStatus",
    "HomeReadOnlyError",
    "KeyringLockedError",
    "KeyringUnavailableError",
    "LoginRejectedError",
    "NoBrowserError",
    "NotReadyError",
    "PageNotRecognisedError",
    "PasswordChangeRequiredError",
    "PortalRefusedValueError",
    "PortalUnavailableError",
    "ProfileBusyError",
    "ProfileExistsError",
    "ProfileMissingError",
    "StateDamagedError",
    "UnsafeFolderError",
    "as_assistant_error",
    "exit_status_of",
    "no_such_profile",
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
    STATE_DAMAGED = 24
    DISK_FULL = 25
    HOME_READ_ONLY = 26
    KEYRING_LOCKED = 27
    PROFILE_BUSY = 28
    PROFILE_EXISTS = 29
    # Getting in (activation, a new password with the connection key).
    CONNECTION_KEY_REJECTED = 30
    ALREADY_ACTIVATED = 31
    PORTAL_REFUSED_VALUE = 32
    # `open`'s: the page could not be shown.
    NO_BROWSER = 33
    AGENT_NOT_STARTED = 34
    NOT_READY = 35


class CredentialsMissingError(AssistantError):
    code = "credentials_missing"
    needs_person = True


class KeyringUnavailableError(AssistantError):
    code = "keyring_unavailable"
    # The agent starts at login, sometimes before the keyring's service is up.
    retried_soon = True


class ConsentMissingError(AssistantError):
    code = "consent_missing"
    needs_person = True


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


class KeyringLockedError(AssistantError):
    """The keyring is there but locked: the desktop session is not unlocked yet."""

    code = "keyring_locked"
    retryable = True


class StateDamagedError(AssistantError):
    """The state file cannot be read: it is kept aside, never deleted."""

    code = "state_damaged"


class DiskFullError(AssistantError):
    code = "disk_full"
    retryable = True


class HomeReadOnlyError(AssistantError):
    """The home folder (or the state file in it) cannot be written."""

    code = "home_read_only"


class ProfileBusyError(AssistantError):
    """Another process is in a portal session for this profile: one at a time."""

    code = "profile_busy"
    retryable = True


class ProfileExistsError(AssistantError):
    """``setup`` without questions for a profile that is already set up, without ``--replace``:
    one person's profile is never replaced by another's silently."""

    code = "profile_exists"


class NotReadyError(AssistantError):
    """``doctor`` found something this computer lacks for a check to run (a browser, an
    unlocked keyring, a usable home folder...); what and how to fix it are in its report."""

    code = "not_ready"


class NoBrowserError(AssistantError):
    """``open`` found no web browser to show the page in."""

    code = "no_browser"


class AgentNotStartedError(AssistantError):
    """``open`` started the agent, and it did not serve the page in time."""

    code = "agent_not_started"


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
    KeyringLockedError,
    StateDamagedError,
    DiskFullError,
    HomeReadOnlyError,
    ProfileBusyError,
    ProfileExistsError,
    ConnectionKeyRejectedError,
    AlreadyActivatedError,
    PortalRefusedValueError,
    NotReadyError,
    NoBrowserError,
    AgentNotStartedError,
)

#: Each code's exit status: the code's name in upper case is its ExitStatus member.
_EVERY_ERROR: tuple[type[AssistantError], ...] = (AssistantError, *ALL_ERRORS)
EXIT_STATUSES: dict[str, ExitStatus] = {
    error.code: ExitStatus[error.code.upper()] for error in _EVERY_ERROR
}


def exit_status_of(error: AssistantError) -> ExitStatus:
    """The exit status the CLI ends with for this error (internal_error for an unknown code)."""
    return EXIT_STATUSES.get(error.code, ExitStatus.INTERNAL_ERROR)


def no_such_profile(name: str) -> ProfileMissingError:
    """The one way to say a named profile is not set up (the runner's and the commands')."""
    return ProfileMissingError(
        N_(
            "There is no profile named '{profile}'. Run 'ofpra-assistant setup --profile "
            "{profile}' first, or 'ofpra-assistant status' to list the profiles."
        ),
        profile=name,
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


def as_assistant_error(error: BaseException, where: str = "") -> AssistantError:
    """Any exception as a named error: the assistant's own faults (a damaged state, a full
    disk, a read-only home) by their names, a bug as ``internal_error`` (and in the log)."""
    if isinstance(error, AssistantError):
        return error
    named = _fault_of(error, where)
    if named is not None:
        return named
    logging.getLogger(__name__).error("unexpected error %s", where, exc_info=error)
    return unexpected_error(error if isinstance(error, Exception) else RuntimeError(str(error)))


def _fault_of(error: BaseException, where: str) -> AssistantError | None:
    text = str(error).lower()
    os_number = error.errno if isinstance(error, OSError) else None
    # The primary result code (the low byte): SQLITE_READONLY_DBMOVED is still READONLY.
    sqlite_number = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    place = where or "the assistant's folder"
    if (
        os_number in (errno.ENOSPC, errno.EDQUOT)
        or sqlite_number == sqlite3.SQLITE_FULL
        or "disk is full" in text
        or "no space left" in text
        # SQLite says "disk I/O error" when it cannot even size its shared-memory file.
        or ((sqlite_number == sqlite3.SQLITE_IOERR or os_number == errno.EIO) and _full(where))
    ):
        return disk_full_error(place)
    if (
        os_number in (errno.EROFS, errno.EACCES, errno.EPERM)
        or sqlite_number in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
        or "readonly" in text
        or "read-only" in text
        or "unable to open database" in text
    ) and isinstance(error, OSError | sqlite3.OperationalError):
        return HomeReadOnlyError(
            N_(
                "The assistant cannot write in its folder ({where}): it is read-only or not "
                "yours. Make it writable (or set OFPRA_ASSISTANT_HOME to a folder you can write "
                "in) and try again. Meanwhile, check your account on the portal yourself."
            ),
            where=place,
        )
    if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError):
        return StateDamagedError(
            N_(
                "The assistant's state file ({where}) is damaged ({detail}). It was kept "
                "aside; run the command again. Meanwhile, check your account on the portal "
                "yourself."
            ),
            where=place,
            detail=str(error),
        )
    return None


def _full(where: str) -> bool:
    import shutil
    from pathlib import Path

    folder = Path(where) if where else None
    while folder is not None and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder is None:
        return False
    try:
        return shutil.disk_usage(folder).free < 256 * 1024
    except OSError:
        return False


def disk_full_error(where: str) -> DiskFullError:
    return DiskFullError(
        N_(
            "The disk is full: the assistant could not save what it read in {where}. Free some "
            "space and run the check again; until then, alerts are shown but not remembered. "
            "Check your account on the portal yourself."
        ),
        where=where,
    )
