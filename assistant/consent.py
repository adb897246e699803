"""The consent the account holder gives before any check, and the words they agree to."""

from __future__ import annotations

from datetime import datetime

from assistant.i18n import Translator
from assistant.state import Consent

#: Bumped whenever the text below changes, so a record says which words were agreed to.
CONSENT_TEXT_VERSION = "2026-11-26"

ROLES = ("holder", "helper")


def consent_text(t: Translator) -> str:
    return "\n".join(
        [
            t._("This assistant will, on this computer only:"),
            t._("- log in to the OFPRA account once a week (and when a letter is waiting);"),
            t._("- read the list of letters: which ones are new, unread, and their dates;"),
            t._("- never open a letter: opening a letter is your legal act, and yours alone;"),
            t._("- keep the password in this computer's keyring, never in a file;"),
            t._("- show alerts on this computer, and send nothing anywhere else."),
            t._("You can stop it at any time with 'ofpra-assistant forget'."),
        ]
    )


def make_consent(
    given_by: str, role: str, language: str, now: datetime, holder_name: str | None = None
) -> Consent:
    """``given_by`` is who agreed at the keyboard: the account holder ("holder"), or a helper who
    agreed with them ("helper"), in which case ``holder_name`` is the account holder's name."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if role == "holder":
        holder_name = given_by
    return Consent(
        given_by=given_by.strip(),
        role=role,
        text_version=CONSENT_TEXT_VERSION,
        language=language,
        given_at=now,
        holder_name=holder_name.strip() if holder_name and holder_name.strip() else None,
    )
