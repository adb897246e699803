"""Redacted page outlines on disk: ``<home>/captures/<profile>/<when>-<page>.txt``, mode 0600.

The outline itself comes from flows/capture.py (structure and interface words only). This module
only writes it, for the owner's eyes, with a header that says what it holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import N_, AssistantError, PortalUnavailableError
from assistant.privacy import REDACTOR
from assistant.settings import private_folder

if TYPE_CHECKING:
    from assistant.runner import Environment

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


@dataclass(frozen=True)
class CaptureOutcome:
    profile: str
    #: Page name → file written.
    files: dict[str, Path]
    #: Set when the capture stopped early (e.g. the login was refused); files may still exist.
    error: AssistantError | None = None


def capture_profile(env: Environment, profile: str) -> CaptureOutcome:
    """``ofpra-assistant capture --redacted``: log in, save the outlines of the home and the
    documents pages, log out. Raises what stops it before any page could be captured."""

    from playwright.sync_api import Error as PlaywrightError

    from assistant.runner import CheckRunner
    from flows.browser import portal_context
    from flows.check_flow import capture_pages

    if env.captures_dir is None:
        raise AssistantError(N_("This environment has no folder for captures."))
    item = CheckRunner(env).prepare(profile)
    portal_url = item.profile.portal_url
    timeout_ms = env.settings.browser.timeout_seconds * 1000
    files: dict[str, Path] = {}
    error: AssistantError | None = None
    with env.browser_source(env.settings, [portal_url]) as browser:
        try:
            with portal_context(browser, portal_url) as (context, _guard):
                pages = capture_pages(
                    context.new_page(),
                    portal_url,
                    item.credentials.identifier,
                    item.credentials.password,
                    timeout_ms=timeout_ms,
                )
        except AssistantError as failure:
            error, pages = failure, {}
            capture = getattr(failure, "capture", None)
            if capture:
                pages = {"not_recognised": capture}
        except PlaywrightError as failure:
            error, pages = _browser_failed(failure), {}
    now = env.clock()
    for page, outline in pages.items():
        files[page] = save_capture(env.captures_dir, profile, page, outline, now, "on request")
    return CaptureOutcome(profile, files, error)


def _browser_failed(error: Exception) -> PortalUnavailableError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return PortalUnavailableError(
        N_("The portal could not be read ({detail}). Try again later."), detail=detail
    )
