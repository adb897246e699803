"""Redacted page outlines on disk: ``<home>/captures/<profile>/<when>-<page>.txt``, mode 0600.

The outline itself comes from flows/capture.py (structure and interface words only). This module
only writes it, for the owner's eyes, with a header that says what it holds; the ``capture``
command that logs in to take them is ``capture_command``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from assistant.privacy import REDACTOR
from assistant.settings import private_folder

_HEADER = """\
# ofpra-assistant: redacted outline of a page of the OFPRA portal
# page: {page}; captured {at}; {why}
# It holds the page's structure (tags, attribute names) and the portal's own interface words
# only: no table cell, no form value, no address, no number, no word that is not a known
# interface word ("…" marks text left out). Read it before you share it.

"""


def save_capture(
    captures_dir: Path, profile: str, page: str, outline: str, at: datetime, why: str
) -> Path:
    """Write one outline, with its header, as ``<when>-<page>.txt``."""
    text = _HEADER.format(page=page, at=at.astimezone(UTC).isoformat(), why=why) + outline
    # The outline keeps interface words only; a secret the portal echoed is masked all the same.
    text = REDACTOR.scrub(text)
    return save_private_file(captures_dir, profile, f"{page}.txt", text.encode("utf-8"), at)


def save_private_file(
    captures_dir: Path, profile: str, name: str, content: bytes, at: datetime
) -> Path:
    """Write ``<captures>/<profile>/<when>-<name>``: folders 0700, the file 0600 from its
    creation, never over an existing file (a second one in the same second is numbered)."""
    folder = captures_dir / profile
    # Never through a link: captures/ and a profile's folder are the assistant's own.
    private_folder(captures_dir)
    private_folder(folder)
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem, extension = Path(name).stem, Path(name).suffix
    for number in range(1, 100):
        suffix = "" if number == 1 else f"-{number}"
        target = folder / f"{stamp}-{stem}{suffix}{extension}"
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        return target
    raise FileExistsError(f"too many captures at {stamp} in {folder}")
