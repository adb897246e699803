"""Whether a profile may log in now, and its one portal session at a time.

Asked before any browser is used: the profile exists, its consent is recorded, no refusal of its
password stands (the state, at once), then its credentials (the keyring). A check, a capture and
the first check of setup ask the same questions here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.credentials import Credentials
from assistant.environment import Environment
from assistant.errors import (
    ALL_ERRORS,
    N_,
    AssistantError,
    ConsentMissingError,
    LoginRejectedError,
    ProfileBusyError,
    no_such_profile,
)
from assistant.privacy import REDACTOR
from assistant.state import Profile

#: The error each refusal code recorded in the state is said with again.
_REFUSED: dict[str, type[AssistantError]] = {
    error.code: error for error in ALL_ERRORS if error.refuses_password
}


@dataclass(frozen=True)
class Prepared:
    """A profile cleared to log in: it exists, has consent, and its credentials are loaded."""

    profile: Profile
    credentials: Credentials


def cleared(env: Environment, name: str) -> Profile:
    """The profile, if it may log in: it exists, has consent, and no refusal stands (all from
    the state, at once; the keyring comes after)."""
    profile = env.state.profile(name)
    if profile is None:
        raise no_such_profile(name)
    if env.state.consent(name) is None:
        raise ConsentMissingError(
            N_(
                "No consent is recorded for the profile '{profile}', so the assistant will "
                "not log in. Run 'ofpra-assistant setup --profile {profile} --replace' "
                "with the account holder."
            ),
            profile=name,
        )
    refuse_if_refused(profile)
    return profile


def with_credentials(env: Environment, profile: Profile) -> Prepared:
    """The cleared profile with its credentials from the keyring (registered with the redactor
    first thing: from here on, no log or capture can show them)."""
    credentials = env.credentials.load(profile.name)
    REDACTOR.register(credentials)
    return Prepared(profile, credentials)


def prepare(env: Environment, name: str) -> Prepared:
    return with_credentials(env, cleared(env, name))


def session_lock_file(folder: Path, name: str) -> Path:
    """The file whose lock is a profile's portal session, one per profile across processes
    (the page looks at it too, to say a check is under way)."""
    return folder / f"{name}.lock"


@contextmanager
def held_session_lock(env: Environment, name: str) -> Iterator[None]:
    """The profile's portal session lock, across processes (a lock file): a check, an
    activation or a password reset of one profile never meet on the portal."""
    from filelock import FileLock, Timeout

    folder = env.session_locks_dir
    folder.mkdir(parents=True, exist_ok=True)
    wait = max(30.0, env.settings.browser.timeout_seconds * 4)
    lock = FileLock(session_lock_file(folder, name))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise ProfileBusyError(
            N_(
                "Another check of the profile '{profile}' is under way (the agent's, or "
                "another command's), and the portal gets one at a time. Try again in a few "
                "minutes."
            ),
            profile=name,
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def portal_session(env: Environment, name: str) -> Iterator[None]:
    """At most one portal session per profile at a time (``held_session_lock``); once it is
    held, a refusal another process just met is seen before any login (read through the
    calling thread's own connection to the state)."""
    with held_session_lock(env, name):
        profile = env.state.profile(name)
        if profile is not None:
            refuse_if_refused(profile)
        yield


def refuse_if_refused(profile: Profile) -> None:
    """The portal refused this password (or locked the account): it is not typed again, by
    any path, until setup stores new credentials. Said at once, without the portal."""
    if profile.refused_code is None or profile.refused_at is None:
        return
    error_class = _REFUSED.get(profile.refused_code, LoginRejectedError)
    error = error_class(
        N_(
            "On {date} the portal refused the password of the profile '{profile}' ({code}), "
            "and the assistant will not type it again: trying again could lock the account. "
            "Check the password on the OFPRA website (or ask your SPADA to unlock the "
            "account), then run 'ofpra-assistant setup --profile {profile} --replace' to store it."
        ),
        date=profile.refused_at.date().isoformat(),
        profile=profile.name,
        code=profile.refused_code,
    )
    error.remembered = True  # type: ignore[attr-defined]
    raise error
