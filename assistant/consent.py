"""The consent the account holder gives before any check, and the words they agree to."""

from __future__ import annotations

from datetime import datetime

from assistant.i18n import Translator
from assistant.state import Consent

#: Bumped whenever the text below changes, so a record says which words were agreed to.
#: 2026-12-01: alerts may go to the channels added with `channel` (channels.py asks again when a
#: profile with channels has an older consent).
CONSENT_TEXT_VERSION = "2026-12-01"
#: The first version that names the remote channels: an older consent said "send nothing".
CHANNELS_SINCE = "2026-12-01"

ROLES = ("holder", "helper")


def consent_text(t: Translator) -> str:
    return "\n".join(
        [
            t._("This assistant will, on this computer only:"),
            t._("- log in to the OFPRA account once a week (and when a letter is waiting);"),
            t._("- read the list of letters: which ones are new, unread, and their dates;"),
            t._("- never open a letter: opening a letter is your legal act, and yours alone;"),
            t._("- keep the password in this computer's keyring, never in a file;"),
            t._("- show alerts on this computer;"),
            t._(
                "- send alerts to other places only if you add them with 'ofpra-assistant "
                "channel add': your phone (the letters, their dates) or a helper (failures, "
                "deadlines close and unopened); never your identifier, password or name;"
            ),
            t._("- write a calendar file of the deadlines, in this computer's home folder."),
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


def consent_covers_channels(consent: Consent | None) -> bool:
    """Whether alerts may go to remote channels: the person agreed to a text that says so."""
    return consent is not None and consent.text_version >= CHANNELS_SINCE
