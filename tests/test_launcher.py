"""The launcher "OFPRA assistant" in the application menu: the file of each OS, and for real on
Linux through ``autostart enable`` and ``disable``."""

from __future__ import annotations

import configparser
import json
import os
import plistlib
import shlex
import shutil
import struct
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from assistant.autostart import AgentCommand
from assistant.launcher import (
    Launcher,
    desktop_entry,
    macos_bundle_plist,
    macos_bundle_script,
    open_command,
    windows_shortcut,
)

HOME = "/home/amina k/ofpra"
COMMAND = AgentCommand(
    ("/home/amina k/100% venv/bin/python", "-m", "assistant", "run"),
    (("OFPRA_ASSISTANT_HOME", HOME),),
)


def desktop_section(text: str) -> configparser.SectionProxy:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read_string(text)
    return entry["Desktop Entry"]


def test_the_launcher_runs_open_where_autostart_runs_the_agent() -> None:
    assert open_command(COMMAND) == AgentCommand(
        ("/home/amina k/100% venv/bin/python", "-m", "assistant", "open"),
        (("OFPRA_ASSISTANT_HOME", HOME),),
    )


def test_linux_launcher_is_an_application_named_ofpra_assistant_that_runs_open() -> None:
    entry = desktop_section(desktop_entry(open_command(COMMAND)))

    assert entry["Type"] == "Application"
    assert entry["Name"] == "OFPRA assistant"
    assert entry["Terminal"] == "false"
    assert "NoDisplay" not in entry, "it is shown in the menu"
    assert entry["Exec"] == (
        'env "OFPRA_ASSISTANT_HOME=/home/amina k/ofpra" "/home/amina k/100%% venv/bin/python" '
        "-m assistant open"
    )


def utf16_strings(data: bytes, at: int, count: int) -> tuple[list[str], int]:
    """[MS-SHLLINK] StringData: each a 2-byte count of characters, then UTF-16LE."""
    found = []
    for _ in range(count):
        (length,) = struct.unpack_from("<H", data, at)
        found.append(data[at + 2 : at + 2 + 2 * length].decode("utf-16-le"))
        at += 2 + 2 * length
    return found, at


def test_windows_launcher_is_a_shell_link_to_pythonw_that_sets_the_home_and_runs_open() -> None:
    pythonw = "C:\\Users\\Amina Kéita\\venv\\Scripts\\pythonw.exe"
    command = AgentCommand(
        (pythonw, "-m", "assistant", "open"),
        (("OFPRA_ASSISTANT_HOME", "C:\\Users\\Amina Kéita\\ofpra"),),
    )

    link = windows_shortcut(command)

    # The header ([MS-SHLLINK] 2.1): its size, the class id, the flags.
    assert struct.unpack_from("<I", link, 0) == (0x4C,)
    assert link[4:20] == uuid.UUID("00021401-0000-0000-c000-000000000046").bytes_le
    (flags,) = struct.unpack_from("<I", link, 20)
    assert flags == 0x02 | 0x04 | 0x20 | 0x80  # LinkInfo, Name, Arguments, Unicode
    (show,) = struct.unpack_from("<I", link, 60)
    assert show == 1
    # LinkInfo (2.3): the target's path, in Unicode at its own offset.
    info_size, header_size, info_flags = struct.unpack_from("<III", link, 76)
    assert (header_size, info_flags) == (0x24, 1)
    (unicode_at,) = struct.unpack_from("<I", link, 76 + 28)
    end = link.index(b"\0\0\0", 76 + unicode_at) + 1
    assert link[76 + unicode_at : end].decode("utf-16-le") == pythonw
    # StringData (2.4): the description, then the arguments; then the terminal block.
    (description, arguments), at = utf16_strings(link, 76 + info_size, 2)
    assert description.startswith("See each person's OFPRA letters")
    assert link[at:] == b"\0\0\0\0"
    assert arguments == (
        '-c "import os,runpy,sys;'
        "os.environ.update({'OFPRA_ASSISTANT_HOME': 'C:\\\\Users\\\\Amina Kéita\\\\ofpra'});"
        "sys.argv=['ofpra-assistant',*['open']];"
        "runpy.run_module('assistant',run_name='__main__')\""
    )
    plain = windows_shortcut(AgentCommand(command.argv))
    assert utf16_strings(plain, 76 + struct.unpack_from("<I", plain, 76)[0], 2)[0][1] == (
        "-m assistant open"
    )


def test_windows_launcher_line_sets_the_home_and_runs_the_module(tmp_path: Path) -> None:
    # The line the shortcut gives pythonw, run here by this Python (with "status --json" for
    # "open": it says which home folder it runs in).
    home = tmp_path / "odd 'home' 100%"
    command = AgentCommand(
        (sys.executable, "-m", "assistant", "status", "--json"),
        (("OFPRA_ASSISTANT_HOME", str(home)),),
    )
    link = windows_shortcut(command)
    info_size = struct.unpack_from("<I", link, 76)[0]
    (_, arguments), _ = utf16_strings(link, 76 + info_size, 2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFPRA_ASSISTANT_")}

    done = subprocess.run(
        [sys.executable, *shlex.split(arguments)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["home"] == str(home)


def test_macos_launcher_is_an_app_bundle_whose_script_runs_open() -> None:
    command = open_command(COMMAND)

    info = plistlib.loads(macos_bundle_plist().encode())
    script = macos_bundle_script(command)

    assert info["CFBundleName"] == "OFPRA assistant"
    assert info["CFBundleExecutable"] == "ofpra-assistant-open"
    assert info["CFBundlePackageType"] == "APPL"
    assert script.splitlines() == [
        "#!/bin/sh",
        "# Written by 'ofpra-assistant autostart enable'; 'ofpra-assistant autostart disable' "
        "removes it.",
        "export OFPRA_ASSISTANT_HOME='/home/amina k/ofpra'",
        "exec '/home/amina k/100% venv/bin/python' -m assistant open",
    ]


@pytest.mark.parametrize(
    ("platform", "where"),
    [
        ("win32", "AppData/Microsoft/Windows/Start Menu/Programs/OFPRA assistant.lnk"),
        ("darwin", "Applications/OFPRA assistant.app"),
        ("linux", "data/applications/ofpra-assistant-open.desktop"),
    ],
    ids=["windows", "macos", "linux"],
)
def test_each_launcher_is_written_in_its_menu_and_removed(
    platform: str, where: str, tmp_path: Path
) -> None:
    environ = {
        "HOME": str(tmp_path),
        "APPDATA": str(tmp_path / "AppData"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    launcher = Launcher(environ, platform, COMMAND)

    path = launcher.install()

    assert path == tmp_path / where
    if platform == "darwin":
        script = path / "Contents" / "MacOS" / "ofpra-assistant-open"
        assert script.read_text() == macos_bundle_script(open_command(COMMAND))
        assert os.access(script, os.X_OK)
        assert (path / "Contents" / "Info.plist").read_text() == macos_bundle_plist()
    elif platform == "win32":
        assert path.read_bytes() == windows_shortcut(open_command(COMMAND))
    else:
        assert path.read_text() == desktop_entry(open_command(COMMAND))
    assert launcher.remove() == [path]
    assert not path.exists()
    assert launcher.remove() == []


# Linux, for real ---------------------------------------------------------------------------------


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "OFPRA_ASSISTANT_"))}
    env["HOME"] = str(tmp_path / "user")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "runtime")  # no systemd user session there
    env["OFPRA_ASSISTANT_HOME"] = str(tmp_path / "ofpra home")
    return env


def autostart(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "autostart", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux launcher")
def test_autostart_enable_puts_the_launcher_in_the_menu_and_disable_removes_it(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    launcher = tmp_path / "data" / "applications" / "ofpra-assistant-open.desktop"

    done = autostart(user_env, "enable")

    assert done.returncode == 0, done.stderr
    assert (
        "The application menu has the launcher 'OFPRA assistant', which opens the assistant's "
        f"page: {launcher}"
    ) in done.stdout
    entry = desktop_section(launcher.read_text())
    assert shlex.split(entry["Exec"].replace("%%", "%")) == [
        "env",
        f"OFPRA_ASSISTANT_HOME={tmp_path / 'ofpra home'}",
        sys.executable,
        "-m",
        "assistant",
        "open",
    ]
    validate = shutil.which("desktop-file-validate")
    if validate is not None:  # scripts/install-system-deps.sh installs it
        verdict = subprocess.run([validate, str(launcher)], capture_output=True, text=True)
        assert verdict.returncode == 0, verdict.stdout + verdict.stderr
        assert verdict.stdout.strip() == "", verdict.stdout

    done = autostart(user_env, "disable")

    assert done.returncode == 0, done.stderr
    assert f"Removed {launcher}" in done.stdout
    assert not launcher.exists()
