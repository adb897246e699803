"""The portal identifier and password of each profile, and the addresses of its alert channels,
in the OS keyring and nowhere else.

This is the only module that imports ``keyring`` (promise 4). It refuses to store anything in a
backend that is not a real OS keyring: keyring's ``fail`` backend (no keyring at all) and the
plaintext or file-based ones of ``keyrings.alt``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from assistant.errors import N_, CredentialsMissingError, KeyringUnavailableError

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


class CredentialStore:
    """Reads and writes a profile's credentials under one keyring service name."""

    def __init__(self, service: str) -> None:
        self.service = service

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
        except KeyringError as error:
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
        for what in (IDENTIFIER, PASSWORD, CHANNELS):
            try:
                keyring.delete_password(self.service, self._user(profile, what))
                removed.append(what)
            except PasswordDeleteError:
                continue
            except KeyringError as error:
                raise KeyringUnavailableError(
                    N_(
                        "The keyring could not delete an entry ({error}). Unlock the keyring "
                        "and run forget again."
                    ),
                    error=type(error).__name__,
                ) from None
        return removed


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
