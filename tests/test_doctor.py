"""``doctor``: what a check needs on this computer, as a volunteer meets it on a laptop that
has everything, no notification service, no browser, a locked keyring, a refused profile.

Real processes in a private desktop session (a real gnome-keyring, a real dunst), the Debian
Chromium. doctor never contacts a portal: none runs here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.consent import make_consent
from assistant.doctor import Finding, _linux_install_command, bounded, probe_clock
from assistant.errors import ExitStatus
from assistant.i18n import Translator
from assistant.state import CheckRecord, StateStore
from fixtures.desktop_session import DesktopSession
from tests.conftest import Cli

pytestmark = [pytest.mark.desktop, pytest.mark.browser]

#: Every finding has these, whatever it is about (README, "doctor --json").
FINDING_KEYS = {"name", "ok", "required", "detail", "fix"}


def doctor_json(cli: Cli, **env: str) -> tuple[int, dict[str, Any]]:
    done = cli.run("doctor", "--json", env={**cli.env, **env})
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"] if check["name"] != "profile"}


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    return Cli(tmp_path / "home", desktop, f"ofpra-assistant-doctor-{request.node.name}"[:80])


def test_doctor_on_a_computer_with_everything_says_a_check_can_run(cli: Cli) -> None:
    status, report = doctor_json(cli)

    assert status == 0
    assert report["ok"] is True and "error" not in report
    assert report["home"] == str(cli.home)
    checks = by_name(report)
    assert list(checks) == [
        "home",
        "settings",
        "browser",
        "keyring",
        "notifications",
        "clock",
        "agent",
        "autostart",
        "profiles",
    ]
    for check in report["checks"]:
        assert set(check) >= FINDING_KEYS
    assert all(checks[name]["ok"] for name in ("home", "settings", "browser", "keyring", "clock"))
    assert checks["browser"]["browser"]["version"]
    assert checks["keyring"]["backend"] == "keyring.backends.SecretService"
    assert checks["keyring"]["locked"] is False
    assert checks["notifications"]["ok"] is True
    assert checks["notifications"]["server"] == "dunst"
    assert "actions" in checks["notifications"]["capabilities"]
    # Advice, not a missing part: nothing runs the agent in a test, and there is no profile.
    assert checks["agent"] == {**checks["agent"], "ok": False, "required": False}
    assert checks["profiles"]["fix"] == "Run 'ofpra-assistant setup'."

    text = cli.run("doctor")
    assert text.returncode == 0, text.stderr
    assert "[OK] Keyring: The keyring (keyring.backends.SecretService) is reachable" in text.stdout
    assert text.stdout.rstrip().endswith("A check can run on this computer.")


def test_doctor_without_a_notification_service_names_it_and_how_to_get_one(
    tmp_path: Path,
) -> None:
    with DesktopSession(notifications=False) as session:
        cli = Cli(tmp_path / "home", session, "ofpra-assistant-doctor-no-dunst")
        status, report = doctor_json(cli)
        text = cli.run("doctor")

    # Alerts still reach the terminal and wait in the outbox: a check can run.
    assert status == 0 and text.returncode == 0
    notifications = by_name(report)["notifications"]
    assert notifications["ok"] is False and notifications["required"] is False
    assert notifications["detail"].startswith("No desktop notification service answers (")
    assert "org.freedesktop.DBus.Error.ServiceUnknown" in notifications["detail"]
    assert "sudo apt-get install dunst" in notifications["fix"]
    assert "[ADVICE] Desktop notifications: No desktop notification service answers" in (
        text.stdout
    )
    assert "To fix: Run the assistant in a desktop session" in text.stdout


def test_doctor_without_a_browser_is_not_ready_and_says_what_to_install(cli: Cli) -> None:
    missing = str(cli.home.parent / "no-such-chromium")
    env = {"OFPRA_ASSISTANT_BROWSER__EXECUTABLE_PATH": missing}
    status, report = doctor_json(cli, **env)

    assert status == ExitStatus.NOT_READY == 35
    assert report["ok"] is False
    assert report["error"] == {
        "code": "not_ready",
        "message": "A check cannot run on this computer yet: browser. Fix what 'ofpra-assistant "
        "doctor' says, then run it again.",
    }
    browser = by_name(report)["browser"]
    assert browser["ok"] is False and browser["required"] is True and browser["browser"] is None
    assert browser["detail"].startswith(
        f"No Chromium-based browser could be started (tried: {missing} ("
    )
    assert browser["fix"].startswith(
        f"The setting [browser] executable_path names {missing}: correct it, or remove it"
    )
    assert "Install Chromium" in browser["fix"]

    text = cli.run("doctor", env={**cli.env, **env})
    assert text.returncode == 35
    assert "[MISSING] Browser: No Chromium-based browser could be started" in text.stdout
    assert "ofpra-assistant: A check cannot run on this computer yet: browser." in text.stderr


def test_doctor_names_a_locked_keyring(tmp_path: Path) -> None:
    with DesktopSession(notifications=False) as session:
        cli = Cli(tmp_path / "home", session, "ofpra-assistant-doctor-locked")
        lock = (
            "import secretstorage; c = secretstorage.dbus_init(); "
            "secretstorage.get_default_collection(c).lock()"
        )
        subprocess.run([sys.executable, "-c", lock], env=cli.env, check=True, timeout=60)
        started = time.monotonic()
        status, report = doctor_json(cli)
        took = time.monotonic() - started

    assert status == 35
    assert "keyring" in report["error"]["message"]
    keyring = by_name(report)["keyring"]
    assert keyring["ok"] is False and keyring["locked"] is True
    assert keyring["detail"] == (
        "The keyring (keyring.backends.SecretService) is locked: a check cannot read the password."
    )
    assert keyring["fix"].startswith("Unlock it: log in to the desktop session")
    # Asked, not unlocked: no prompt was waited for.
    assert took < 30


def test_doctor_names_each_profile_and_what_blocks_it(cli: Cli) -> None:
    cli.home.mkdir(mode=0o700)
    state = StateStore.open(cli.home / "state.sqlite3")
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    for name in ("person-1", "person-2"):
        state.save_profile(name, "http://127.0.0.1:9/ofpra/user/login", "fa_AF", at)
        state.record_consent(name, make_consent("Amina Test", "holder", "fa_AF", at))
    state.record_check(
        "person-1", CheckRecord(at, at.replace(minute=31), True, None, 3, 1, 1, automated=True)
    )
    state.mark_refused("person-2", "login_rejected", datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    state.close()

    status, report = doctor_json(cli)

    assert status == 35
    profiles = [check for check in report["checks"] if check["name"] == "profile"]
    assert [(p["profile"], p["ok"], p["blocked_by"]) for p in profiles] == [
        ("person-1", True, None),
        ("person-2", False, "login_rejected"),
    ]
    assert profiles[0]["last_successful_check"] == "2026-11-20T09:31:00+00:00"
    assert profiles[0]["detail"] == "person-1: last successful check 2026-11-20 10:31."
    assert profiles[1]["last_successful_check"] is None
    assert profiles[1]["detail"] == (
        "person-2: never checked successfully yet; checks stopped since 2026-11-27 09:00: the "
        "portal refused its password."
    )
    assert profiles[1]["fix"].endswith(
        "then run 'ofpra-assistant setup --profile person-2 --replace' to store it."
    )
    assert report["error"]["message"].startswith(
        "A check cannot run on this computer yet: profile."
    )


def test_doctor_refuses_a_home_folder_every_user_can_change(cli: Cli) -> None:
    cli.home.mkdir(mode=0o700)
    cli.home.chmod(0o777)

    status, report = doctor_json(cli)

    assert status == 35
    home = by_name(report)["home"]
    assert (home["ok"], home["required"], home["path"]) == (False, True, str(cli.home))
    assert home["detail"] == (
        f"Every user of this computer can change the folder {cli.home}, so the assistant will not "
        f"keep anything in it. Remove that right (chmod o-w {cli.home}) or set "
        "OFPRA_ASSISTANT_HOME to a folder of your own."
    )
    assert home["fix"].startswith("Fix that folder as said, or set OFPRA_ASSISTANT_HOME")
    # Nothing is read from it, and nothing changed: the folder is as it was.
    assert [c for c in report["checks"] if c["name"] in ("profile", "profiles")] == []
    assert cli.home.stat().st_mode & 0o777 == 0o777


def test_doctor_speaks_the_terminal_language(cli: Cli) -> None:
    done = cli.run("doctor", env={**cli.env, "LANG": "fr_FR.UTF-8"})
    assert done.returncode == 0, done.stderr
    assert "Ce qu'une vérification demande sur cet ordinateur" in done.stdout
    assert "Une vérification peut se faire sur cet ordinateur." in done.stdout


# Probes on their own -------------------------------------------------------------------------


def test_a_probe_that_does_not_answer_is_a_finding_in_time() -> None:
    t = Translator("en")

    def stuck() -> Finding:
        time.sleep(30)
        raise AssertionError("never reached")

    started = time.monotonic()
    finding = bounded("keyring", t, 1, stuck)

    assert time.monotonic() - started < 3
    assert (finding.name, finding.ok, finding.required) == ("keyring", False, True)
    assert finding.detail == "It did not answer within 1 second."


def test_a_probe_that_fails_is_a_finding_without_a_traceback() -> None:
    def broken() -> Finding:
        raise RuntimeError("boom")

    finding = bounded("agent", Translator("en"), 5, broken)

    assert (finding.ok, finding.required) == (False, False)
    assert (
        finding.detail == "This could not be looked at: an unexpected error (RuntimeError: boom)."
    )
    assert finding.fix == "Please report it, with what doctor printed."


@pytest.mark.parametrize(
    ("now", "last_check", "ok", "detail"),
    [
        (
            datetime(2026, 12, 4, 15, 0, tzinfo=UTC),
            datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
            True,
            "The clock says 2026-12-04 16:00, Paris time, and the time zone data is right.",
        ),
        (
            datetime(2001, 1, 1, 0, 0, tzinfo=UTC),
            None,
            False,
            "The computer's clock says 2001-01-01 01:00 (Paris time), which cannot be.",
        ),
        (
            datetime(2026, 12, 4, 15, 0, tzinfo=UTC),
            datetime(2026, 12, 9, 8, 0, tzinfo=UTC),
            False,
            "The computer's clock says 2026-12-04 16:00 (Paris time), before the last check the "
            "assistant made: the clock went back.",
        ),
    ],
    ids=["sane", "never-set", "went-back"],
)
def test_the_clock_probe(now: datetime, last_check: datetime | None, ok: bool, detail: str) -> None:
    finding = probe_clock(Translator("en"), last_check, now=now)
    assert (finding.ok, finding.detail) == (ok, detail)
    if not ok:
        assert finding.fix and finding.fix.startswith("Set the computer's date and time")


@pytest.mark.parametrize(
    ("os_release", "command"),
    [
        ({"ID": "debian"}, "sudo apt-get install chromium"),
        ({"ID": "linuxmint", "ID_LIKE": "ubuntu debian"}, "sudo apt-get install chromium"),
        ({"ID": "ubuntu", "ID_LIKE": "debian"}, "sudo snap install chromium"),
        ({"ID": "fedora"}, "sudo dnf install chromium"),
        ({"ID": "manjaro", "ID_LIKE": "arch"}, "sudo pacman -S chromium"),
        ({"ID": "opensuse-leap", "ID_LIKE": "suse opensuse"}, "sudo zypper install chromium"),
        ({"ID": "nixos"}, None),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_what_to_install_for_a_browser_follows_the_system(
    os_release: dict[str, str], command: str | None
) -> None:
    assert _linux_install_command(os_release) == command


def test_an_agent_not_running_but_started_at_login_is_told_how_to_start_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.autostart import Autostart
    from assistant.doctor import probe_agent
    from assistant.settings import Paths

    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))  # no systemd session here
    monkeypatch.setenv("OFPRA_ASSISTANT_HOME", str(tmp_path / "home"))
    Autostart.here().enable()

    found = probe_agent(Translator("en"), Paths(tmp_path / "home", tmp_path / "home"))

    # Not "enable autostart", which is done: a volunteer would do it again and still wait.
    assert not found.ok
    assert found.fix == "It starts at your next login. To start it now: 'ofpra-assistant run'."
