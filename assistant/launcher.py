"""The launcher "OFPRA assistant" in the desktop's application menu: it runs
``ofpra-assistant open``, which opens the page (starting the agent first when none runs).

``autostart enable`` writes it beside the entry that starts the agent at login, and ``autostart
disable`` removes it; like autostart's entries, each is a file whose content is a pure function of
the command, tested on every OS without touching the real user:

- Linux: a desktop entry in ``$XDG_DATA_HOME/applications`` (``~/.local/share/applications``),
  which every desktop lists in its menu.
- Windows: a shortcut (``.lnk``) in the Start menu's Programs folder, written byte by byte from
  Microsoft's format ([MS-SHLLINK]) rather than through COM. A shortcut cannot set environment
  variables: with ``OFPRA_ASSISTANT_HOME`` it runs ``pythonw -c`` with a line that sets it.
- macOS: an application bundle in ``~/Applications`` whose executable is a shell script.

The command is autostart's (this installation's Python, ``-m assistant``, the home folder the same
way) with ``open`` in place of ``run``.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import stat
import struct
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from assistant.autostart import WRITTEN_BY, AgentCommand, desktop_exec
from assistant.errors import N_, ConfigInvalidError

NAME = "OFPRA assistant"
COMMENT = "See each person's OFPRA letters, what to do and by when"
DESKTOP_FILE_NAME = "ofpra-assistant-open.desktop"
SHORTCUT_NAME = f"{NAME}.lnk"
BUNDLE_NAME = f"{NAME}.app"
BUNDLE_ID = "org.ofpra-assistant.open"
#: An icon every freedesktop icon theme has (Icon Naming Specification), so nothing is shipped.
ICON = "mail-unread"


def open_command(command: AgentCommand) -> AgentCommand:
    """Autostart's command with ``open`` in place of ``run``."""
    return AgentCommand((*command.argv[:-1], "open"), command.environment)


# The files, as text (or bytes) ------------------------------------------------------------------


def desktop_entry(command: AgentCommand) -> str:
    return "\n".join(
        [
            f"# {WRITTEN_BY}",
            "[Desktop Entry]",
            "Type=Application",
            f"Name={NAME}",
            f"Comment={COMMENT}",
            f"Exec={desktop_exec(command)}",
            f"Icon={ICON}",
            "Terminal=false",
            "Categories=Office;",
            "",
        ]
    )


def windows_shortcut(command: AgentCommand) -> bytes:
    """A Shell Link ([MS-SHLLINK]) to the command's program, its arguments, no console window."""
    target, *arguments = command.argv
    if command.environment:
        # A shortcut has no environment of its own: the line sets it, then runs the module.
        code = (
            "import os,runpy,sys;"
            f"os.environ.update({dict(command.environment)!r});"
            f"sys.argv=['ofpra-assistant',*{arguments[2:]!r}];"
            f"runpy.run_module({arguments[1]!r},run_name='__main__')"
        )
        arguments = ["-c", code]
    return shell_link(target, subprocess.list2cmdline(arguments), COMMENT)


def macos_bundle_script(command: AgentCommand) -> str:
    lines = ["#!/bin/sh", f"# {WRITTEN_BY}"]
    lines.extend(f"export {name}={shlex.quote(value)}" for name, value in command.environment)
    lines.append("exec " + " ".join(shlex.quote(arg) for arg in command.argv))
    return "\n".join(lines) + "\n"


def macos_bundle_plist() -> str:
    info = {
        "CFBundleName": NAME,
        "CFBundleDisplayName": NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleExecutable": "ofpra-assistant-open",
        "CFBundlePackageType": "APPL",
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleVersion": "1",
        # A launcher, not an app that stays: no icon in the Dock once the page is open.
        "LSUIElement": True,
    }
    return plistlib.dumps(info, sort_keys=False).decode("utf-8")


# [MS-SHLLINK], the parts a shortcut to a local program needs ------------------------------------

_LINK_CLSID = uuid.UUID("00021401-0000-0000-c000-000000000046").bytes_le
_HAS_LINK_INFO, _HAS_NAME, _HAS_ARGUMENTS, _IS_UNICODE = 0x02, 0x04, 0x20, 0x80
_FILE_ATTRIBUTE_NORMAL = 0x80
_SW_SHOWNORMAL = 1
_DRIVE_FIXED = 3
_VOLUME_AND_LOCAL_BASE_PATH = 0x1
#: With the Unicode offsets, so that a path with any letters survives (the ANSI copy is a
#: fallback for old readers).
_LINK_INFO_HEADER_SIZE = 0x24


def shell_link(target: str, arguments: str, description: str) -> bytes:
    flags = _HAS_LINK_INFO | _HAS_NAME | _HAS_ARGUMENTS | _IS_UNICODE
    header = struct.pack(
        "<I16sIIQQQIiIHHII",
        0x4C,
        _LINK_CLSID,
        flags,
        _FILE_ATTRIBUTE_NORMAL,
        0,
        0,
        0,
        0,
        0,
        _SW_SHOWNORMAL,
        0,
        0,
        0,
        0,
    )
    return header + _link_info(target) + _string(description) + _string(arguments) + b"\0" * 4


def _link_info(target: str) -> bytes:
    volume = struct.pack("<IIII", 17, _DRIVE_FIXED, 0, 16) + b"\0"  # an empty volume label
    ansi = str(PureWindowsPath(target)).encode("ascii", "replace") + b"\0"
    suffix = b"\0"
    unicode_path = str(PureWindowsPath(target)).encode("utf-16-le") + b"\0\0"
    unicode_suffix = b"\0\0"
    volume_at = _LINK_INFO_HEADER_SIZE
    path_at = volume_at + len(volume)
    suffix_at = path_at + len(ansi)
    unicode_path_at = suffix_at + len(suffix)
    unicode_suffix_at = unicode_path_at + len(unicode_path)
    size = unicode_suffix_at + len(unicode_suffix)
    head = struct.pack(
        "<9I",
        size,
        _LINK_INFO_HEADER_SIZE,
        _VOLUME_AND_LOCAL_BASE_PATH,
        volume_at,
        path_at,
        0,  # no network location
        suffix_at,
        unicode_path_at,
        unicode_suffix_at,
    )
    return head + volume + ansi + suffix + unicode_path + unicode_suffix


def _string(value: str) -> bytes:
    encoded = value.encode("utf-16-le")
    return struct.pack("<H", len(encoded) // 2) + encoded


# Where it goes, per platform -------------------------------------------------------------------


def launcher_path(platform: str, environ: Mapping[str, str]) -> Path:
    home = Path(environ.get("HOME") or Path.home())
    if platform == "win32":
        appdata = environ.get("APPDATA")
        if not appdata:
            raise ConfigInvalidError(
                N_("APPDATA is not set, so the Start menu's folder cannot be found.")
            )
        return Path(appdata, "Microsoft", "Windows", "Start Menu", "Programs", SHORTCUT_NAME)
    if platform == "darwin":
        return home / "Applications" / BUNDLE_NAME
    data = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return data / "applications" / DESKTOP_FILE_NAME


@dataclass(frozen=True)
class Launcher:
    """Writes and removes the menu's launcher of this installation and home folder."""

    environ: Mapping[str, str]
    platform: str
    command: AgentCommand

    @property
    def path(self) -> Path:
        return launcher_path(self.platform, self.environ)

    def install(self) -> Path:
        path = self.path
        command = open_command(self.command)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.platform == "win32":
            path.write_bytes(windows_shortcut(command))
        elif self.platform == "darwin":
            contents = path / "Contents"
            (contents / "MacOS").mkdir(parents=True, exist_ok=True)
            (contents / "Info.plist").write_text(macos_bundle_plist(), encoding="utf-8")
            script = contents / "MacOS" / "ofpra-assistant-open"
            script.write_text(macos_bundle_script(command), encoding="utf-8")
            script.chmod(stat.S_IRWXU)
        else:
            path.write_text(desktop_entry(command), encoding="utf-8")
            # Some menus (GNOME's among them) list only desktop entries their owner may run.
            path.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IXUSR)
        return path

    def remove(self) -> list[Path]:
        path = self.path
        if not (path.is_symlink() or path.exists()):
            return []
        if path.is_dir() and not path.is_symlink():
            # The bundle's files first, deepest first, then its folders.
            for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                if child.is_dir() and not child.is_symlink():
                    child.rmdir()
                else:
                    child.unlink()
            path.rmdir()
        else:
            path.unlink()
        return [path]

    @classmethod
    def here(cls) -> Launcher:
        return cls(dict(os.environ), sys.platform, AgentCommand.current())
