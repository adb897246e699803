"""The private desktop session: a real keyring and a real notification daemon, headless."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.desktop_session import (
    DesktopSession,
    DesktopSessionUnavailable,
    keyring_works_here,
)

pytestmark = pytest.mark.desktop

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FRENCH = "Nouveau courrier de l'OFPRA"
ARABIC = "رسالة جديدة"
SESSION_VARIABLES = (
    "DBUS_SESSION_BUS_ADDRESS",
    "DBUS_STARTER_ADDRESS",
    "DBUS_STARTER_BUS_TYPE",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "GNOME_KEYRING_CONTROL",
    "XDG_RUNTIME_DIR",
)


def _start(**kwargs: bool) -> DesktopSession:
    session = DesktopSession(**kwargs)
    try:
        session.start()
    except DesktopSessionUnavailable as exc:
        pytest.skip(str(exc))
    return session


@pytest.fixture(scope="module")
def session() -> Iterator[DesktopSession]:
    session = _start()
    try:
        yield session
    finally:
        session.stop()


def _no_session_env() -> dict[str, str]:
    """This process's environment without any desktop session in it."""
    return {k: v for k, v in os.environ.items() if k not in SESSION_VARIABLES}


def _python(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    if status.exists():  # a zombie is not alive
        return "\nState:\tZ" not in status.read_text()
    return True


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fixtures.desktop_session", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# -- the session itself --------------------------------------------------------------------------


def test_env_points_into_a_private_temporary_folder(session: DesktopSession) -> None:
    env = session.env
    tmp = session.temp_dir
    assert set(env) == {
        "DBUS_SESSION_BUS_ADDRESS",
        "XDG_RUNTIME_DIR",
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
        "DISPLAY",
    }
    assert env["DBUS_SESSION_BUS_ADDRESS"].startswith(f"unix:path={tmp}/")
    runtime = Path(env["XDG_RUNTIME_DIR"])
    assert runtime.parent == tmp
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700
    assert Path(env["XDG_DATA_HOME"]).parent == tmp
    assert Path(env["XDG_CONFIG_HOME"]).parent == tmp
    assert env["DISPLAY"].startswith(":")
    assert "HOME" not in env
    assert session.timings["total"] < 15


def test_keyring_round_trip_uses_secret_service(session: DesktopSession) -> None:
    done = _python(
        """
        import keyring
        backend = keyring.get_keyring()
        print(type(backend).__module__ + "." + type(backend).__name__)
        keyring.set_password("ofpra-assistant-test", "alice", "s3cret é ✓")
        print(keyring.get_password("ofpra-assistant-test", "alice"))
        keyring.delete_password("ofpra-assistant-test", "alice")
        print(keyring.get_password("ofpra-assistant-test", "alice"))
        """,
        session.child_env(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "keyring.backends.SecretService.Keyring",
        "s3cret é ✓",
        "None",
    ]


def test_keyring_works_here_only_with_the_session(session: DesktopSession) -> None:
    assert keyring_works_here(session.child_env())
    assert not keyring_works_here(_no_session_env())


def test_notify_send_reaches_the_daemon_with_exact_text(session: DesktopSession) -> None:
    env = session.child_env()
    for summary, body in ((FRENCH, ARABIC), (ARABIC, FRENCH)):
        subprocess.run(
            ["notify-send", "--app-name=ofpra-assistant", summary, body],
            env=env,
            check=True,
            timeout=30,
        )
    history = session.notification_history()
    sent = [(n["summary"], n["body"]) for n in history if n["appname"] == "ofpra-assistant"]
    assert sent[-2:] == [(FRENCH, ARABIC), (ARABIC, FRENCH)]  # oldest first


def test_plyer_through_dbus_python_reaches_the_daemon(session: DesktopSession) -> None:
    done = _python(
        f"""
        from plyer import notification
        from plyer.platforms.linux.notification import instance
        print(type(instance()).__name__)
        notification.notify(title={FRENCH!r}, message={ARABIC!r}, app_name="plyer-check")
        """,
        session.child_env(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "NotifyDbus"
    received = [n for n in session.notification_history() if n["appname"] == "plyer-check"]
    assert [(n["summary"], n["body"]) for n in received] == [(FRENCH, ARABIC)]


# -- teardown ----------------------------------------------------------------------------------


def test_stop_ends_every_process_and_restores_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/real-session-bus")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-test")
    monkeypatch.delenv("DISPLAY", raising=False)
    own = _start()
    try:
        pids = own.pids
        tmp = own.temp_dir
        assert set(pids) == {"dbus-daemon", "gnome-keyring-daemon", "Xvfb", "dunst"}
        assert all(_alive(pid) for pid in pids.values())
        own.apply_to_os_environ()
        assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == own.env["DBUS_SESSION_BUS_ADDRESS"]
        assert os.environ["DISPLAY"] == own.env["DISPLAY"]
        assert "WAYLAND_DISPLAY" not in os.environ
    finally:
        own.stop()
    assert [name for name, pid in pids.items() if _alive(pid)] == []
    assert not tmp.exists()
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == "unix:path=/nonexistent/real-session-bus"
    assert os.environ["WAYLAND_DISPLAY"] == "wayland-test"
    assert "DISPLAY" not in os.environ
    own.stop()  # idempotent


def test_missing_programs_name_the_debian_packages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DesktopSessionUnavailable) as caught:
        DesktopSession().start()
    message = str(caught.value)
    for package in ("gnome-keyring", "dbus-daemon", "xvfb", "dunst"):
        assert package in message


# -- command line --------------------------------------------------------------------------------


def test_cli_if_needed_starts_a_session_when_there_is_none() -> None:
    done = _cli(
        ["--if-needed", "--", "sh", "-c", 'echo "$DBUS_SESSION_BUS_ADDRESS"; exit 3'],
        _no_session_env(),
    )
    assert done.returncode == 3, done.stderr
    address = done.stdout.strip()
    assert address.startswith("unix:path=")
    assert "started a private one" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    socket_dir = Path(address.removeprefix("unix:path=").split(",")[0]).parent.parent
    assert not socket_dir.exists()  # torn down when the command ended


def test_cli_if_needed_runs_directly_when_a_keyring_works(session: DesktopSession) -> None:
    done = _cli(
        [
            "--if-needed",
            "--show-notifications",
            "--",
            "sh",
            "-c",
            'echo "$DBUS_SESSION_BUS_ADDRESS"',
        ],
        session.child_env(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == session.env["DBUS_SESSION_BUS_ADDRESS"]
    assert done.stderr == ""


def test_cli_show_notifications() -> None:
    done = _cli(
        [
            "--show-notifications",
            "--",
            "notify-send",
            "--app-name=ofpra-assistant",
            FRENCH,
            ARABIC,
        ],
        _no_session_env(),
    )
    assert done.returncode == 0, done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    assert lines == ["The notification daemon showed 1 alert(s):", f"1. {FRENCH}", ARABIC]


def test_cli_falls_back_to_the_keyring_alone_without_a_display_server(tmp_path: Path) -> None:
    for program in ("sh", "dbus-daemon", "dbus-send", "gnome-keyring-daemon"):
        found = shutil.which(program)
        if found is None:
            pytest.skip(f"{program} is not installed")
        (tmp_path / program).symlink_to(found)
    env = {**_no_session_env(), "PATH": str(tmp_path)}
    done = _cli(["--if-needed", "--", "sh", "-c", 'echo "$DBUS_SESSION_BUS_ADDRESS"; exit 5'], env)
    assert done.returncode == 5, done.stderr
    assert done.stdout.strip().startswith("unix:path=")
    assert "without a notification daemon" in done.stderr
    assert "xvfb" in done.stderr
