"""Starting the agent at login: the file texts on every OS, the Linux entries for real."""

from __future__ import annotations

import configparser
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.autostart import (
    AgentCommand,
    Autostart,
    Kind,
    home_of_entry,
    launch_agent_plist,
    systemd_unit,
    windows_startup_script,
    xdg_desktop_entry,
)
from assistant.errors import ConfigInvalidError, ExitStatus

ODD_PATH = "/home/amina k/100% venv/bin/python"
COMMAND = AgentCommand(
    (ODD_PATH, "-m", "assistant", "run"), (("OFPRA_ASSISTANT_HOME", "/home/amina k/ofpra"),)
)


def systemd_sections(text: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as sections of keys, each with its values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def systemd_words(value: str) -> list[str]:
    """Split a command line as systemd does (double quotes, C escapes; %% and $$ for % and $)."""
    return [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(value)]


def test_systemd_unit_runs_the_agent_and_is_not_restarted_when_another_runs() -> None:
    unit = systemd_sections(systemd_unit(COMMAND))

    service = unit["Service"]
    assert systemd_words(service["ExecStart"][0]) == list(COMMAND.argv)
    assert service["ExecStart"][0].startswith('"/home/amina k/100%% venv/bin/python" -m')
    assert systemd_words(service["Environment"][0]) == ["OFPRA_ASSISTANT_HOME=/home/amina k/ofpra"]
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["20"]
    assert unit["Install"]["WantedBy"] == ["default.target"]
    assert unit["Unit"]["Description"][0].startswith("OFPRA assistant")


def test_xdg_autostart_entry_runs_the_agent_with_its_home() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read_string(xdg_desktop_entry(COMMAND))

    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Terminal"] == "false"
    assert desktop["Exec"] == (
        'env "OFPRA_ASSISTANT_HOME=/home/amina k/ofpra" "/home/amina k/100%% venv/bin/python" '
        "-m assistant run"
    )
    # A backslash in a path is escaped twice: in the quoted argument, then in the string value.
    windowsish = AgentCommand(("C:\\py\\python", "-m", "assistant", "run"))
    assert 'Exec="C:\\\\\\\\py\\\\\\\\python" -m assistant run' in xdg_desktop_entry(windowsish)


def test_windows_startup_script_runs_pythonw_hidden_with_its_home() -> None:
    command = AgentCommand(
        ("C:\\Users\\Amina K\\venv\\Scripts\\pythonw.exe", "-m", "assistant", "run"),
        (("OFPRA_ASSISTANT_HOME", 'C:\\Users\\Amina K\\ofpra "home"'),),
    )

    script = windows_startup_script(command)

    assert script.split("\r\n") == [
        "' Written by 'ofpra-assistant autostart enable'; 'ofpra-assistant autostart disable' "
        "removes it.",
        'Set shell = CreateObject("WScript.Shell")',
        'shell.Environment("Process")("OFPRA_ASSISTANT_HOME") = '
        '"C:\\Users\\Amina K\\ofpra ""home"""',
        'shell.Run """C:\\Users\\Amina K\\venv\\Scripts\\pythonw.exe"" -m assistant run", 0, False',
        "",
    ]


def test_launch_agent_runs_at_load_and_again_after_a_crash() -> None:
    job = plistlib.loads(launch_agent_plist(COMMAND).encode())

    assert job["Label"] == "org.ofpra-assistant.agent"
    assert job["ProgramArguments"] == list(COMMAND.argv)
    assert job["EnvironmentVariables"] == {"OFPRA_ASSISTANT_HOME": "/home/amina k/ofpra"}
    assert job["RunAtLoad"] is True
    assert job["KeepAlive"] == {"SuccessfulExit": False}


@pytest.mark.parametrize(
    ("platform", "expected"),
    [("win32", "windows"), ("darwin", "launchd"), ("linux", "xdg")],
)
def test_each_platform_has_its_kind_of_entry(platform: str, expected: str, tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path), "APPDATA": str(tmp_path)}

    assert Autostart(environ, platform, COMMAND).default_kind() == expected


def test_linux_with_a_systemd_user_session_gets_a_unit(tmp_path: Path) -> None:
    (tmp_path / "systemd").mkdir()
    (tmp_path / "systemd" / "private").touch()

    autostart = Autostart({"XDG_RUNTIME_DIR": str(tmp_path)}, "linux", COMMAND)

    assert autostart.default_kind() == "systemd"


def test_windows_and_macos_entries_are_written_where_they_start_at_login(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "APPDATA": str(tmp_path / "AppData")}
    windows = Autostart(environ, "win32", COMMAND)
    mac = Autostart(environ, "darwin", COMMAND)

    script = windows.enable().path
    plist = mac.enable().path

    assert script == tmp_path / "AppData/Microsoft/Windows/Start Menu/Programs/Startup" / (
        "ofpra-assistant.vbs"
    )
    assert script.read_bytes() == windows_startup_script(COMMAND).encode()
    assert plist == tmp_path / "Library/LaunchAgents/org.ofpra-assistant.agent.plist"
    assert windows.state().up_to_date and mac.state().up_to_date
    assert windows.disable() == [script] and mac.disable() == [plist]
    assert windows.state().path is None and mac.state().path is None


# Linux, for real: the command line, the files it writes, systemd's own verdict -----------------

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the Linux entries")


@pytest.fixture
def autostart_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "OFPRA_ASSISTANT_"))}
    env["HOME"] = str(tmp_path / "user")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
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


@linux_only
def test_autostart_without_systemd_writes_an_xdg_entry_that_starts_this_agent(
    autostart_env: dict[str, str], tmp_path: Path
) -> None:
    assert "is not enabled" in autostart(autostart_env, "status").stdout

    done = autostart(autostart_env, "enable")

    assert done.returncode == 0, done.stderr
    entry = tmp_path / "config" / "autostart" / "ofpra-assistant.desktop"
    assert f"The agent starts at login (xdg): {entry}" in done.stdout
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(entry)
    argv = shlex.split(parser["Desktop Entry"]["Exec"].replace("%%", "%"))
    assert argv == [
        "env",
        f"OFPRA_ASSISTANT_HOME={tmp_path / 'ofpra home'}",
        sys.executable,
        "-m",
        "assistant",
        "run",
    ]
    # The command really starts this installation's assistant.
    version = subprocess.run(
        [*argv[:-1], "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert version.stdout.startswith("ofpra-assistant ")
    assert "(xdg)" in autostart(autostart_env, "status").stdout

    done = autostart(autostart_env, "disable")
    assert f"Removed {entry}" in done.stdout
    assert not entry.exists()
    assert "is not enabled" in autostart(autostart_env, "status").stdout


@linux_only
def test_autostart_with_systemd_writes_an_enabled_user_unit_that_systemd_accepts(
    autostart_env: dict[str, str], tmp_path: Path
) -> None:
    autostart(autostart_env, "enable")  # an XDG entry first: replaced by the unit

    done = autostart(autostart_env, "enable", "--kind", "systemd")

    assert done.returncode == 0, done.stderr
    unit = tmp_path / "config" / "systemd" / "user" / "ofpra-assistant.service"
    wanted = unit.parent / "default.target.wants" / "ofpra-assistant.service"
    assert f"The agent starts at login (systemd): {unit}" in done.stdout
    assert wanted.is_symlink() and wanted.resolve() == unit
    assert not (tmp_path / "config" / "autostart" / "ofpra-assistant.desktop").exists()
    service = systemd_sections(unit.read_text())["Service"]
    argv = systemd_words(service["ExecStart"][0])
    assert argv == [sys.executable, "-m", "assistant", "run"]
    assert systemd_words(service["Environment"][0]) == [
        f"OFPRA_ASSISTANT_HOME={tmp_path / 'ofpra home'}"
    ]
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:
        verdict = subprocess.run(
            [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        assert verdict.returncode == 0, verdict.stderr
        assert "ofpra-assistant.service" not in verdict.stderr, verdict.stderr
    assert "(systemd)" in autostart(autostart_env, "status").stdout

    # Written by another installation (another Python): status says so.
    unit.write_text(unit.read_text().replace(sys.executable, "/elsewhere/python"))
    assert "not this installation's command" in autostart(autostart_env, "status").stdout

    done = autostart(autostart_env, "disable")
    assert done.returncode == 0
    assert not unit.exists() and not wanted.is_symlink()


# One entry for the user account: whose home folder it starts, and no silent take-over ---------


@pytest.mark.parametrize(
    ("kind", "render"),
    [
        ("systemd", systemd_unit),
        ("xdg", xdg_desktop_entry),
        ("windows", windows_startup_script),
        ("launchd", launch_agent_plist),
    ],
    ids=["systemd", "xdg", "windows", "launchd"],
)
def test_an_entry_says_which_home_folder_it_starts(
    kind: Kind, render: Callable[[AgentCommand], str]
) -> None:
    odd_home = AgentCommand(COMMAND.argv, (("OFPRA_ASSISTANT_HOME", '/home/a "b" 100% $x'),))

    assert home_of_entry(kind, render(COMMAND)) == "/home/amina k/ofpra"
    assert home_of_entry(kind, render(odd_home)) == '/home/a "b" 100% $x'
    assert home_of_entry(kind, render(AgentCommand(COMMAND.argv))) is None


def test_a_second_home_folder_does_not_take_over_the_entry(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path / "runtime")}
    first = AgentCommand(COMMAND.argv, (("OFPRA_ASSISTANT_HOME", "/data/first"),))
    second = AgentCommand(COMMAND.argv, (("OFPRA_ASSISTANT_HOME", "/data/second"),))
    entry = Autostart(environ, "linux", first).enable().path
    assert entry is not None
    written = entry.read_text()

    other = Autostart(environ, "linux", second)
    with pytest.raises(ConfigInvalidError) as refused:
        other.enable()
    assert refused.value.values["home"] == "/data/first"
    assert "enable --replace" in refused.value.template
    with pytest.raises(ConfigInvalidError):
        other.disable()
    assert entry.read_text() == written
    assert other.state().other_home == "/data/first"
    assert Autostart(environ, "linux", first).state().other_home is None

    assert other.enable(replace=True).path == entry
    assert home_of_entry("xdg", entry.read_text()) == "/data/second"
    assert other.state().up_to_date and other.state().other_home is None
    # The default home folder's agent is another home folder too.
    default = Autostart(environ, "linux", AgentCommand(COMMAND.argv))
    assert default.state().other_home == "/data/second"
    assert other.disable() == [entry]


@linux_only
def test_autostart_enable_of_an_xdg_entry_says_how_to_start_the_agent_now(
    autostart_env: dict[str, str],
) -> None:
    done = autostart(autostart_env, "enable")

    assert done.returncode == 0, done.stderr
    assert "To start it now: 'ofpra-assistant run'." in done.stdout
    assert "systemctl" not in done.stdout


@linux_only
def test_autostart_from_a_second_home_folder_refuses_and_names_the_first(
    autostart_env: dict[str, str], tmp_path: Path
) -> None:
    assert autostart(autostart_env, "enable").returncode == 0
    second = {**autostart_env, "OFPRA_ASSISTANT_HOME": str(tmp_path / "second home")}

    done = autostart(second, "enable")

    assert done.returncode == ExitStatus.CONFIG_INVALID
    assert (
        f"The agent already starts at login for another home folder ({tmp_path / 'ofpra home'})"
        in done.stderr
    )
    assert "ofpra-assistant autostart enable --replace" in done.stderr
    status = autostart(second, "status")
    assert f"It starts the agent of another home folder: {tmp_path / 'ofpra home'}." in (
        status.stdout
    )
    assert autostart(second, "disable").returncode == ExitStatus.CONFIG_INVALID
    entry = tmp_path / "config" / "autostart" / "ofpra-assistant.desktop"
    assert entry.exists()

    replaced = autostart(second, "enable", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert f"OFPRA_ASSISTANT_HOME={tmp_path / 'second home'}" in entry.read_text()
