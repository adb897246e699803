"""The portal identifier and password of each profile, and the addresses of its alert channels,
in the OS keyring and nowhere else.

This is the only module that imports ``keyring`` (promise 4). It refuses to store anything in a
backend that is not a real OS keyring: keyring's ``fail`` backend (no keyring at all) and the
plaintext or file-based ones of ``keyrings.alt``.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast

from assistant.errors import (
    N_,
    CredentialsMissingError,
    KeyringLockedError,
    KeyringUnavailableError,
)

log = logging.getLogger(__name__)

# keyring imports its macOS backend on every system, and that import looks for Apple's Security
# framework with ctypes.util.find_library, which on Linux runs ldconfig, gcc and ld: 0.1 to 0.5 s
# before every check. The backend refuses to run anywhere but macOS, so elsewhere its API is
# never imported (the backend then says "Security API unavailable", as it would on its own).
if sys.platform != "darwin":
    sys.modules.setdefault("keyring.backends.macOS.api", cast(ModuleType, None))

IDENTIFIER = "identifier"
PASSWORD = "password"
#: The profile's remote alert channels (assistant/channels.py), one entry: their URLs carry tokens.
CHANNELS = "channels"


def mask_identifier(identifier: str) -> str:
    """``1234561552`` → ``******1552``: enough for a volunteer to tell accounts apart."""
    visible = identifier[-4:] if len(identifier) > 6 else ""
    return "*" * (len(identifier) - len(visible)) + visible


@dataclass(frozen=True)
class Credentials:
    identifier: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(identifier={mask_identifier(self.identifier)!r}, password='***')"


class CredentialStoreLike(Protocol):
    """What a check needs of a credential store; tests pass a store in memory."""

    def ensure_secure_backend(self) -> str: ...

    def save(self, profile: str, credentials: Credentials) -> None: ...

    def load(self, profile: str) -> Credentials: ...

    def delete(self, profile: str) -> list[str]: ...

    def save_channels(self, profile: str, document: str) -> None: ...

    def load_channels(self, profile: str) -> str | None: ...


def home_identity(home: Path) -> str:
    """A short, stable name for a home folder (its resolved path, hashed): two homes on one
    computer never share a keyring entry, and none of the path is written in the keyring."""
    return hashlib.sha256(str(home.expanduser().resolve()).encode("utf-8")).hexdigest()[:16]


class CredentialStore:
    """Reads and writes a profile's credentials under one keyring service name per home.

    The service name is ``<keyring_service>@<home identity>``, so that a second home folder
    (a QA tester's, a volunteer's test) never overwrites or deletes the first one's password.
    Entries written before that, under the bare service name, are moved on first use.
    """

    def __init__(self, service: str, home: Path | None = None) -> None:
        self.legacy_service = service
        self.service = service if home is None else f"{service}@{home_identity(home)}"

    def _user(self, profile: str, what: str) -> str:
        return f"{profile}:{what}"

    def ensure_secure_backend(self) -> str:
        """Refuse unless the keyring is a real OS one; return its name for messages."""
        import keyring
        from keyring.backends import chainer, fail

        backend = keyring.get_keyring()
        backends = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
        if not backends or any(isinstance(b, fail.Keyring) for b in backends):
            raise _no_keyring_error()
        for candidate in backends:
            name = f"{type(candidate).__module__}.{type(candidate).__name__}"
            try:
                priority = float(candidate.priority)
            except Exception:  # keyring backends raise to say "not available here"
                raise _no_keyring_error() from None
            if name.startswith("keyrings.alt") or "plaintext" in name.lower() or priority < 1:
                raise KeyringUnavailableError(
                    N_(
                        "The keyring in use ({name}) keeps passwords in a file, not in the "
                        "computer's protected keyring. Uninstall keyrings.alt (or set "
                        "PYTHON_KEYRING_BACKEND to your OS keyring) and run setup again."
                    ),
                    name=name,
                )
        return ", ".join(type(b).__module__ for b in backends)

    def save(self, profile: str, credentials: Credentials) -> None:
        import keyring
        from keyring.errors import KeyringError

        self.ensure_secure_backend()
        try:
            keyring.set_password(
                self.service, self._user(profile, IDENTIFIER), credentials.identifier
            )
            keyring.set_password(self.service, self._user(profile, PASSWORD), credentials.password)
        except KeyringError as error:
            _raise_if_locked(error)
            raise KeyringUnavailableError(
                N_(
                    "The keyring refused to store the password ({error}). Unlock the keyring "
                    "(log in to the desktop session) and run setup again."
                ),
                error=type(error).__name__,
            ) from None

    def load(self, profile: str) -> Credentials:
        import keyring
        from keyring.errors import KeyringError

        self.ensure_secure_backend()
        try:
            identifier = keyring.get_password(self.service, self._user(profile, IDENTIFIER))
            password = keyring.get_password(self.service, self._user(profile, PASSWORD))
            if not identifier and not password and self.legacy_service != self.service:
                identifier, password = self._migrate(profile)
        except KeyringError as error:
            _raise_if_locked(error)
            raise KeyringUnavailableError(
                N_(
                    "The keyring could not be read ({error}). Unlock the keyring (log in to the "
                    "desktop session) and try again."
                ),
                error=type(error).__name__,
            ) from None
        if not identifier or not password:
            raise CredentialsMissingError(
                N_(
                    "No portal identifier or password is stored for the profile '{profile}'. "
                    "Run 'ofpra-assistant setup --profile {profile}' to store them."
                ),
                profile=profile,
            )
        return Credentials(identifier=identifier, password=password)

    def save_channels(self, profile: str, document: str) -> None:
        """The profile's channels, as channels.py writes them (JSON with their URLs)."""
        import keyring
        from keyring.errors import KeyringError

        self.ensure_secure_backend()
        try:
            keyring.set_password(self.service, self._user(profile, CHANNELS), document)
        except KeyringError as error:
            raise KeyringUnavailableError(
                N_(
                    "The keyring refused to store the channel ({error}). Unlock the keyring "
                    "(log in to the desktop session) and try again."
                ),
                error=type(error).__name__,
            ) from None

    def load_channels(self, profile: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError

        self.ensure_secure_backend()
        try:
            return keyring.get_password(self.service, self._user(profile, CHANNELS))
        except KeyringError as error:
            raise KeyringUnavailableError(
                N_(
                    "The keyring could not be read ({error}). Unlock the keyring (log in to the "
                    "desktop session) and try again."
                ),
                error=type(error).__name__,
            ) from None

    def delete(self, profile: str) -> list[str]:
        """Remove what is stored; say what was removed (nothing stored is not an error)."""
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        self.ensure_secure_backend()
        removed = []
        services = [self.service]
        if self.legacy_service != self.service:
            services.append(self.legacy_service)
        for service in services:
            for what in (IDENTIFIER, PASSWORD, CHANNELS):
                try:
                    keyring.delete_password(service, self._user(profile, what))
                    removed.append(what)
                except PasswordDeleteError:
                    continue
                except KeyringError as error:
                    _raise_if_locked(error)
                    raise KeyringUnavailableError(
                        N_(
                            "The keyring could not delete an entry ({error}). Unlock the keyring "
                            "and run forget again."
                        ),
                        error=type(error).__name__,
                    ) from None
            if removed:
                # An entry of the old, shared kind may be another home's: left alone once
                # this home's own entries are gone.
                break
        return removed

    def _migrate(self, profile: str) -> tuple[str | None, str | None]:
        """Move this profile's entries of the old, shared kind to this home's service name."""
        import keyring

        identifier = keyring.get_password(self.legacy_service, self._user(profile, IDENTIFIER))
        password = keyring.get_password(self.legacy_service, self._user(profile, PASSWORD))
        if not identifier or not password:
            return None, None
        for what, value in ((IDENTIFIER, identifier), (PASSWORD, password)):
            keyring.set_password(self.service, self._user(profile, what), value)
        for what in (IDENTIFIER, PASSWORD):
            keyring.delete_password(self.legacy_service, self._user(profile, what))
        log.info("moved the keyring entries of %s to this home's own service name", profile)
        return identifier, password


@dataclass(frozen=True)
class KeyringHealth:
    """What ``doctor`` learns of the keyring without reading any entry: which backend is in
    use, and whether it is locked (None where it cannot be told without a prompt)."""

    backend: str | None
    locked: bool | None = None
    #: Why no keyring can be used (the same error ``setup`` and ``check`` would raise).
    problem: KeyringUnavailableError | None = None


def keyring_health() -> KeyringHealth:
    """The keyring's state, asked without reading a password and without unlocking anything:
    keyring itself would unlock a locked Secret Service collection, which opens a prompt."""
    try:
        backend = CredentialStore("").ensure_secure_backend()
    except KeyringUnavailableError as error:
        return KeyringHealth(backend=None, problem=error)
    return KeyringHealth(backend=backend, locked=_secret_service_locked())


def _secret_service_locked() -> bool | None:
    """Whether the Secret Service collection keyring uses is locked; None with another
    backend (Windows, macOS, KWallet), which says so only when an entry is read."""
    import keyring
    from keyring.backends import chainer

    backend = keyring.get_keyring()
    backends = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
    secret_service = [b for b in backends if type(b).__module__ == "keyring.backends.SecretService"]
    if not secret_service:
        return None
    import secretstorage
    from secretstorage.exceptions import SecretStorageException

    collection_path = getattr(secret_service[0], "preferred_collection", None)
    connection = secretstorage.dbus_init()
    try:
        if collection_path:
            collection = secretstorage.Collection(connection, collection_path)
        else:  # the default collection, as keyring takes it (never created here: a prompt)
            collection = secretstorage.Collection(connection)
        return bool(collection.is_locked())
    except SecretStorageException:
        # No such collection: keyring would have to create one, which asks for a password.
        return True
    finally:
        connection.close()


def _raise_if_locked(error: Exception) -> None:
    from keyring.errors import KeyringLocked

    if isinstance(error, KeyringLocked):
        raise KeyringLockedError(
            N_(
                "The keyring is locked, so the assistant cannot read or change the password. "
                "Unlock it (log in to the desktop session, or open your keyring and type its "
                "password), then try again."
            )
        ) from None


def _no_keyring_error() -> KeyringUnavailableError:
    if sys.platform == "linux":
        return KeyringUnavailableError(
            N_(
                "No OS keyring is available to keep the password safely. On Linux, the "
                "desktop's keyring must be running and unlocked (GNOME Keyring or KWallet; on "
                "Debian or Ubuntu: apt-get install gnome-keyring, then log in to the desktop). "
                "On a computer without a desktop, 'make demo' starts a private one."
            )
        )
    if sys.platform == "darwin":
        return KeyringUnavailableError(
            N_(
                "No OS keyring is available to keep the password safely. On macOS the Keychain "
                "should always be there: log in to the desktop session."
            )
        )
    return KeyringUnavailableError(
        N_(
            "No OS keyring is available to keep the password safely. On Windows the "
            "Credential Manager should always be there."
        )
    )
