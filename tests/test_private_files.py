"""The one writer of personal files (the page's key and opener file, the calendar)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from assistant.calendar_file import write_calendar
from assistant.page.tokens import write_home_file
from assistant.private_files import write_private_file


def test_a_new_file_is_the_owners_only_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "secret.bin"
    old = os.umask(0)
    try:
        write_private_file(path, b"one")
    finally:
        os.umask(old)
    assert path.read_bytes() == b"one"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "calendar.ics"
    path.write_bytes(b"old calendar")

    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    # The calendar went through a writer of its own that left its ".tmp" file behind.
    with pytest.raises(OSError):
        write_calendar(path, b"new calendar")
    with pytest.raises(OSError):
        write_home_file(tmp_path / "page.key", b"k" * 32)
    assert path.read_bytes() == b"old calendar"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calendar.ics"]


def test_the_data_is_on_the_disk_before_it_replaces_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        order.append("fsync")
        real_fsync(descriptor)

    def replace(source: str | Path, target: str | Path) -> None:
        order.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_home_file(tmp_path / "page.key", b"k" * 32)
    assert order == ["fsync", "replace"], "the page's key was written without fsync"
