"""The credential store against a real gnome-keyring on a private D-Bus session."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from assistant.credentials import Credentials, CredentialStore, mask_identifier
from assistant.errors import CredentialsMissingError, KeyringUnavailableError
from fixtures.desktop_session import DesktopSession

pytestmark = pytest.mark.desktop


@pytest.fixture
def store(desktop: DesktopSession, request: pytest.FixtureRequest) -> Iterator[CredentialStore]:
    service = f"ofpra-assistant-test-{request.node.name}"
    yield CredentialStore(service)
    for user in ("p:identifier", "p:password", "q:identifier", "q:password"):
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(service, user)


def test_store_uses_the_real_secret_service(store: CredentialStore) -> None:
    assert "SecretService" in store.ensure_secure_backend()


def test_store_saves_reads_updates_and_forgets(store: CredentialStore) -> None:
    store.save("p", Credentials("1234561552", "Première-clé l'OFPRA 1!"))
    assert store.load("p") == Credentials("1234561552", "Première-clé l'OFPRA 1!")

    store.save("p", Credentials("1234561552", "Nouveau-Mot-2026!"))
    assert store.load("p").password == "Nouveau-Mot-2026!"

    assert store.delete("p") == ["identifier", "password"]
    with pytest.raises(CredentialsMissingError, match="setup --profile p"):
        store.load("p")
    assert store.delete("p") == []


def test_profiles_do_not_see_each_others_credentials(store: CredentialStore) -> None:
    store.save("p", Credentials("1111111111", "Password-P-2026!"))
    store.save("q", Credentials("2222222222", "Password-Q-2026!"))

    assert store.load("p").identifier == "1111111111"
    assert store.load("q").identifier == "2222222222"


def test_the_password_never_shows_in_a_repr() -> None:
    shown = repr(Credentials("1234561552", "Secret-Pass-2026!"))

    assert "Secret-Pass-2026!" not in shown
    assert "1234561552" not in shown
    assert "******1552" in shown


def test_mask_identifier_keeps_the_last_four_digits() -> None:
    assert mask_identifier("1234561552") == "******1552"
    assert mask_identifier("12345") == "*****"


class PlaintextKeyring:
    """Looks like keyrings.alt's file backend: a password in a file. Not a KeyringBackend
    subclass, which keyring would register and offer to every other test."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("a plaintext keyring must never be written to")

    def delete_password(self, service: str, username: str) -> None:
        return None


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        pytest.param(fail.Keyring(), "No OS keyring is available", id="no-keyring"),
        pytest.param(PlaintextKeyring(), "keeps passwords in a file", id="plaintext"),
    ],
)
def test_store_refuses_a_backend_that_is_not_an_os_keyring(
    backend: object, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)

    with pytest.raises(KeyringUnavailableError, match=message):
        CredentialStore("ofpra-assistant-test").save("p", Credentials("1", "x"))


def test_two_home_folders_never_share_a_password(
    desktop: DesktopSession, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    service = f"ofpra-assistant-homes-{request.node.name}"[:80]
    first = CredentialStore(service, home=tmp_path / "first")
    second = CredentialStore(service, home=tmp_path / "second")
    first.save("hamid", Credentials("1111111111", "First-Home-2026!"))

    second.save("hamid", Credentials("2222222222", "Second-Home-2026!"))

    assert first.load("hamid").password == "First-Home-2026!"
    assert second.load("hamid").password == "Second-Home-2026!"
    assert first.service != second.service and str(tmp_path) not in first.service
    assert second.delete("hamid") == ["identifier", "password"]
    assert first.load("hamid").password == "First-Home-2026!", "forget elsewhere left it"
    first.delete("hamid")


def test_an_entry_of_the_old_shared_kind_moves_to_the_home_on_first_use(
    desktop: DesktopSession, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    service = f"ofpra-assistant-legacy-{request.node.name}"[:80]
    keyring.set_password(service, "amina:identifier", "1234561552")
    keyring.set_password(service, "amina:password", "Old-Version-2026!")
    store = CredentialStore(service, home=tmp_path / "home")

    assert store.load("amina") == Credentials("1234561552", "Old-Version-2026!")

    assert keyring.get_password(service, "amina:password") is None, "moved, not copied"
    assert keyring.get_password(store.service, "amina:password") == "Old-Version-2026!"
    assert store.delete("amina") == ["identifier", "password"]
    assert keyring.get_password(store.service, "amina:password") is None


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS uses that backend")
def test_finding_the_keyring_runs_no_search_for_macos_libraries() -> None:
    """keyring's macOS backend looked for Apple's libraries with ctypes.util.find_library, which
    runs ldconfig, gcc and ld: 0.1 to 0.5 s before every check, for a backend that cannot run."""
    code = (
        "import ctypes.util\n"
        "asked = []\n"
        "ctypes.util.find_library = lambda name: asked.append(name)\n"
        "import assistant.credentials, keyring\n"
        "keyring.get_keyring()\n"
        "print(asked)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert done.stdout.strip() == "[]"
