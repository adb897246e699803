"""Start the agent at login: ``ofpra-assistant autostart enable|disable|status``.

- Linux: a systemd user unit (``~/.config/systemd/user/ofpra-assistant.service``, enabled for
  ``default.target``), or, when no systemd user session runs, an XDG autostart entry
  (``~/.config/autostart/ofpra-assistant.desktop``), which every desktop starts at login.
- Windows: a script in the Startup folder that starts the agent without a window (a ``.vbs``:
  a ``.cmd`` would leave a console open, a ``.lnk`` needs COM to write).
- macOS: a LaunchAgent (``~/Library/LaunchAgents/org.ofpra-assistant.agent.plist``).

The text of each file is a pure function of the command, tested on every OS. The command is
this installation's Python running ``-m assistant run``, with ``OFPRA_ASSISTANT_HOME`` when it
is set (other settings belong in the settings file).
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.errors import N_, ConfigInvalidError, ExitStatus
from assistant.settings import HOME_VARIABLE

Kind = Literal["systemd", "xdg", "windows", "launchd"]

UNIT_NAME = "ofpra-assistant.service"
DESKTOP_ENTRY_NAME = "ofpra-assistant.desktop"
WINDOWS_SCRIPT_NAME = "ofpra-assistant.vbs"
LAUNCH_AGENT_LABEL = "org.ofpra-assistant.agent"
DESCRIPTION = "OFPRA assistant: checks the OFPRA account and alerts before deadlines"
WRITTEN_BY = (
    "Written by 'ofpra-assistant autostart enable'; 'ofpra-assistant autostart disable' removes it."
)


@dataclass(frozen=True)
class AgentCommand:
    """What starts the agent: a command line and the environment variables it needs."""

    argv: tuple[str, ...]
    environment: tuple[tuple[str, str], ...] = ()

    @classmethod
    def current(
        cls, environ: Mapping[str, str] | None = None, platform: str | None = None
    ) -> AgentCommand:
        environ = os.environ if environ is None else environ
        python = Path(sys.executable)
        if (platform or sys.platform) == "win32":
            # pythonw: no console window for an agent that runs all day.
            windowless = python.with_name("pythonw.exe")
            python = windowless if windowless.exists() else python
        home = environ.get(HOME_VARIABLE)
        environment = ((HOME_VARIABLE, str(Path(home).expanduser().resolve())),) if home else ()
        return cls((str(python), "-m", "assistant", "run"), environment)


# The files, as text ----------------------------------------------------------------------------


def systemd_unit(command: AgentCommand) -> str:
    lines = [
        f"# {WRITTEN_BY}",
        "[Unit]",
        f"Description={DESCRIPTION}",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_quote(arg, exec_line=True) for arg in command.argv),
    ]
    lines.extend(
        "Environment=" + _systemd_quote(f"{name}={value}", exec_line=False)
        for name, value in command.environment
    )
    lines.extend(
        [
            "Restart=on-failure",
            "RestartSec=5min",
            # Another agent already runs for this home folder: starting again would not help.
            f"RestartPreventExitStatus={int(ExitStatus.AGENT_ALREADY_RUNNING)}",
            # A check under way is finished before the agent stops.
            "TimeoutStopSec=3min",
            "",
            "[Install]",
            "WantedBy=default.target",
            "",
        ]
    )
    return "\n".join(lines)


def _systemd_quote(value: str, *, exec_line: bool) -> str:
    # Specifiers (%) are expanded everywhere, variables ($) on command lines only.
    value = value.replace("%", "%%")
    if exec_line:
        value = value.replace("$", "$$")
    if value and not any(c in value for c in " \t\n\"'\\;"):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def desktop_exec(command: AgentCommand) -> str:
    """A desktop entry's Exec value for the command, its environment set by ``env`` (the
    login entry's and the menu launcher's alike)."""
    argv = list(command.argv)
    if command.environment:
        argv = ["env", *(f"{name}={value}" for name, value in command.environment), *argv]
    return " ".join(_desktop_quote(arg) for arg in argv)


def xdg_desktop_entry(command: AgentCommand) -> str:
    return "\n".join(
        [
            f"# {WRITTEN_BY}",
            "[Desktop Entry]",
            "Type=Application",
            "Name=OFPRA assistant",
            f"Comment={DESCRIPTION}",
            f"Exec={desktop_exec(command)}",
            "Terminal=false",
            "NoDisplay=true",
            "X-GNOME-Autostart-enabled=true",
            "",
        ]
    )


_DESKTOP_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def _desktop_quote(arg: str) -> str:
    """An Exec argument (Desktop Entry Specification: quoting, then the string escapes)."""
    arg = arg.replace("%", "%%")
    if arg and not any(c in _DESKTOP_RESERVED for c in arg):
        return arg
    quoted = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    # The value of a key is a string, where a backslash is itself escaped.
    return quoted.replace("\\", "\\\\")


def windows_startup_script(command: AgentCommand) -> str:
    """A VBScript for the Startup folder: it starts the agent hidden and returns at once."""
    lines = [
        f"' {WRITTEN_BY}",
        'Set shell = CreateObject("WScript.Shell")',
    ]
    lines.extend(
        f'shell.Environment("Process")({_vbs_string(name)}) = {_vbs_string(value)}'
        for name, value in command.environment
    )
    lines.append(f"shell.Run {_vbs_string(subprocess.list2cmdline(command.argv))}, 0, False")
    return "\r\n".join(lines) + "\r\n"


def _vbs_string(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def launch_agent_plist(command: AgentCommand) -> str:
    job: dict[str, object] = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command.argv),
        "RunAtLoad": True,
        # Started again if it stops on an error (not when another agent already runs: it then
        # fails again, at most every ThrottleInterval seconds).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 300,
        "ProcessType": "Background",
    }
    if command.environment:
        job["EnvironmentVariables"] = dict(command.environment)
    return plistlib.dumps(job, sort_keys=False).decode("utf-8")


RENDERERS = {
    "systemd": systemd_unit,
    "xdg": xdg_desktop_entry,
    "windows": windows_startup_script,
    "launchd": launch_agent_plist,
}


# Where they go, per platform -------------------------------------------------------------------


def kinds_for(platform: str) -> tuple[Kind, ...]:
    if platform == "win32":
        return ("windows",)
    if platform == "darwin":
        return ("launchd",)
    return ("systemd", "xdg")


def systemd_user_session(environ: Mapping[str, str]) -> bool:
    """Whether a systemd user manager runs for this user (its private socket exists)."""
    runtime = environ.get("XDG_RUNTIME_DIR") or (
        f"/run/user/{os.getuid()}" if hasattr(os, "getuid") else ""
    )
    return bool(runtime) and (Path(runtime) / "systemd" / "private").exists()


def entry_path(kind: Kind, environ: Mapping[str, str]) -> Path:
    home = Path(environ.get("HOME") or Path.home())
    config = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    if kind == "systemd":
        return config / "systemd" / "user" / UNIT_NAME
    if kind == "xdg":
        return config / "autostart" / DESKTOP_ENTRY_NAME
    if kind == "launchd":
        return home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    appdata = environ.get("APPDATA")
    if not appdata:
        raise ConfigInvalidError(N_("APPDATA is not set, so the Startup folder cannot be found."))
    return Path(appdata, "Microsoft", "Windows", "Start Menu", "Programs", "Startup") / (
        WINDOWS_SCRIPT_NAME
    )


def _wants_link(unit: Path) -> Path:
    return unit.parent / "default.target.wants" / UNIT_NAME


def home_of_entry(kind: Kind, text: str) -> str | None:
    """The home folder an entry's agent uses: its OFPRA_ASSISTANT_HOME, or None (the default)."""
    prefix = f"{HOME_VARIABLE}="
    if kind == "launchd":
        try:
            job = plistlib.loads(text.encode("utf-8"))
        except Exception:  # a damaged plist: it names no home folder
            return None
        variables = job.get("EnvironmentVariables") or {}
        home = variables.get(HOME_VARIABLE) if isinstance(variables, dict) else None
        return str(home) if home else None
    for line in text.splitlines():
        if kind == "windows":
            marker = f'shell.Environment("Process")({_vbs_string(HOME_VARIABLE)}) = '
            if line.startswith(marker):
                return line[len(marker) :].strip()[1:-1].replace('""', '"')
            continue
        if kind == "systemd" and line.startswith("Environment="):
            words = _split(line.removeprefix("Environment=").replace("%%", "%"))
        elif kind == "xdg" and line.startswith("Exec="):
            words = _desktop_words(line.removeprefix("Exec="))
        else:
            continue
        for word in words:
            if word.startswith(prefix):
                return word[len(prefix) :]
    return None


def _desktop_words(value: str) -> list[str]:
    """An Exec value's arguments: the inverse of ``_desktop_quote``."""
    value = value.replace("\\\\", "\\")  # the string escape first
    words: list[str] = []
    word, quoted, i = "", False, 0
    while i < len(value):
        char = value[i]
        if quoted and char == "\\" and i + 1 < len(value) and value[i + 1] in '"`$\\':
            word, i = word + value[i + 1], i + 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            if word:
                words.append(word.replace("%%", "%"))
            word = ""
        else:
            word += char
        i += 1
    if word:
        words.append(word.replace("%%", "%"))
    return words


def _split(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


@dataclass(frozen=True)
class AutostartState:
    kind: Kind | None
    path: Path | None
    #: The entry starts this installation's agent, as ``enable`` would write it now.
    up_to_date: bool = False
    #: The entry starts the agent of another home folder ("" for the default one).
    other_home: str | None = None


@dataclass(frozen=True)
class Autostart:
    """Enables, disables and reports the entry that starts the agent at login."""

    environ: Mapping[str, str]
    platform: str
    command: AgentCommand

    @classmethod
    def here(cls) -> Autostart:
        return cls(dict(os.environ), sys.platform, AgentCommand.current())

    def default_kind(self) -> Kind:
        kinds = kinds_for(self.platform)
        if kinds[0] == "systemd" and not systemd_user_session(self.environ):
            return "xdg"
        return kinds[0]

    def enable(self, kind: Kind | None = None, *, replace: bool = False) -> AutostartState:
        """Write this home folder's entry. An entry of another home folder is replaced only
        when asked: there is one entry for the whole user account, and a second home folder
        must not take it over silently."""
        kind = kind or self.default_kind()
        if kind not in kinds_for(self.platform):
            raise ConfigInvalidError(
                N_("An autostart entry of the kind '{kind}' does not exist on this system."),
                kind=kind,
            )
        other = self.state().other_home
        if other is not None and not replace:
            raise ConfigInvalidError(
                N_(
                    "The agent already starts at login for another home folder ({home}), and "
                    "there is one entry for the whole user account. To start this home "
                    "folder's agent instead, run 'ofpra-assistant autostart enable --replace'."
                ),
                home=other or N_("the default home folder"),
            )
        self._remove_entries()  # one entry only, of the kind chosen now
        path = entry_path(kind, self.environ)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(RENDERERS[kind](self.command).encode("utf-8"))
        if kind == "systemd":
            link = _wants_link(path)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
            self._systemctl("daemon-reload")
        return AutostartState(kind, path, up_to_date=True)

    def disable(self, *, replace: bool = False) -> list[Path]:
        """Remove this home folder's entry (another home folder's only when asked)."""
        other = self.state().other_home
        if other is not None and not replace:
            raise ConfigInvalidError(
                N_(
                    "The entry that starts the agent at login is another home folder's "
                    "({home}), so it was left in place. To remove it anyway, run "
                    "'ofpra-assistant autostart disable --replace'."
                ),
                home=other or N_("the default home folder"),
            )
        return self._remove_entries()

    def _remove_entries(self) -> list[Path]:
        removed = []
        for kind in kinds_for(self.platform):
            path = entry_path(kind, self.environ)
            candidates = [path, _wants_link(path)] if kind == "systemd" else [path]
            for candidate in candidates:
                if candidate.is_symlink() or candidate.exists():
                    candidate.unlink()
                    removed.append(candidate)
        if any(p.name == UNIT_NAME for p in removed):
            self._systemctl("daemon-reload")
        return removed

    def state(self) -> AutostartState:
        for kind in kinds_for(self.platform):
            path = entry_path(kind, self.environ)
            if not path.exists():
                continue
            if kind == "systemd" and not _wants_link(path).exists():
                continue  # written but not enabled
            current = path.read_bytes().decode("utf-8", errors="replace")
            theirs = home_of_entry(kind, current)
            ours = dict(self.command.environment).get(HOME_VARIABLE)
            other = None if theirs == ours else (theirs or "")
            return AutostartState(kind, path, current == RENDERERS[kind](self.command), other)
        return AutostartState(None, None)

    def _systemctl(self, *args: str) -> None:
        """Tell a running systemd user manager; without one, the files are enough."""
        systemctl = shutil.which("systemctl")
        if systemctl is None or not systemd_user_session(self.environ):
            return
        subprocess.run(
            [systemctl, "--user", *args],
            env=dict(self.environ),
            capture_output=True,
            timeout=30,
            check=False,
        )
