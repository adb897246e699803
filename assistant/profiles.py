"""Setting up and forgetting a profile: the keyring entries, the state and the consent together."""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from assistant.credentials import Credentials, CredentialStoreLike, mask_identifier
from assistant.errors import (
    N_,
    AssistantError,
    ConfigInvalidError,
    ProfileExistsError,
    ProfileMissingError,
)
from assistant.privacy import forget_in_log
from assistant.settings import Paths, check_own_folder, check_portal_url
from assistant.state import Consent, StateStore

PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
#: The names the wizard proposes: ``person-1``, ``person-2``... Messages to a helper name the
#: profile, and a remote channel must never carry the person's name (DESIGN.md, promise 5).
PROPOSED_NAME = "person-{number}"
#: The AGDREF number's length (PORTAL.md: 10 digits; some sources say 9 or 10).
AGDREF_DIGITS = 10


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME.fullmatch(name):
        raise ConfigInvalidError(
            N_(
                "'{name}' cannot be a profile name: use up to 40 letters (a to z), digits, '-', "
                "'_' or '.', starting with a letter or a digit, for instance 'person-1'."
            ),
            name=name,
        )
    return name


def profile_name_answer(typed: str, existing: Mapping[str, str]) -> tuple[str, str | None]:
    """A profile's name as the terminal's wizard and the page take it: empty is the proposed
    name; a name that is not one is refused (``ConfigInvalidError``). Returns the name and,
    when a profile of that name is set up, whose it is: it is then replaced only after the
    volunteer, told whose it is, confirms."""
    name = check_profile_name(typed.strip() or proposed_profile_name(existing))
    return name, existing.get(name)


def check_person_name(typed: str) -> str:
    """A person's name given with the consent (the holder's, the helper's): spaces folded,
    refused when empty or holding a character that is not text."""
    name = " ".join(typed.split())
    if not name or not name.isprintable():
        raise ConfigInvalidError(N_("A name is needed here. Type it, then press Enter."))
    return name


def check_new_password(password: str, again: str) -> str:
    """The password typed twice: the same both times, and not empty."""
    if not password or again != password:
        raise ConfigInvalidError(N_("The two passwords are not the same (or empty). Try again."))
    return password


def proposed_profile_name(taken: Iterable[str]) -> str:
    """The first free name of ``person-1``, ``person-2``...: a name that is not the person's."""
    names = set(taken)
    number = 1
    while PROPOSED_NAME.format(number=number) in names:
        number += 1
    return PROPOSED_NAME.format(number=number)


@dataclass(frozen=True)
class ExistingProfile:
    """Whose account a profile watches, as the volunteer who would replace it is told."""

    profile: str
    portal_url: str
    #: The account holder's name from the consent (None without a consent).
    holder: str | None
    #: The identifier as the log shows it (``******1552``), "" when the keyring has none.
    masked_identifier: str
    #: The identifier itself, to tell a new password for the same account from another account.
    identifier: str | None

    @property
    def who(self) -> str:
        """ "Amina K., ******1552": the holder and the masked identifier, whichever are known."""
        return ", ".join(part for part in (self.holder, self.masked_identifier) if part) or "?"


def existing_profile(
    state: StateStore, credentials: CredentialStoreLike, profile: str
) -> ExistingProfile | None:
    """The profile ``profile`` as it is set up now, or None when there is none of that name."""
    stored = state.profile(profile)
    if stored is None:
        return None
    consent = state.consent(profile)
    holder = None
    if consent is not None:
        holder = consent.holder_name or (consent.given_by if consent.role == "holder" else None)
    try:
        identifier: str | None = credentials.load(profile).identifier
    except AssistantError:
        identifier = None  # no password stored (yet), or a keyring that will not say
    return ExistingProfile(
        profile=profile,
        portal_url=stored.portal_url,
        holder=holder,
        masked_identifier=mask_identifier(identifier) if identifier else "",
        identifier=identifier,
    )


def profiles_set_up(state: StateStore, credentials: CredentialStoreLike) -> dict[str, str]:
    """Each profile set up here, with whose account it is ("Amina K., ******1552"): what the
    profile-name question (the terminal's and the page's) says of a taken name."""
    existing = {}
    for stored in state.profiles():
        found = existing_profile(state, credentials, stored.name)
        if found is not None:
            existing[stored.name] = found.who
    return existing


def profile_exists_error(existing: ExistingProfile) -> ProfileExistsError:
    return ProfileExistsError(
        N_(
            "The profile '{profile}' is already set up ({who}): it was not changed. To replace "
            "it, run the same command with --replace (what it knew of that account is removed: "
            "letters, reminders, calendar, channels). To set up another person, choose another "
            "name with --profile."
        ),
        profile=existing.profile,
        who=existing.who,
    )


def check_identifier(identifier: str) -> str:
    """The AGDREF number (9 or 10 digits) or the OFPRA file number (format unknown), as the
    portal wants it: no spaces, and digits typed in another script (Persian ۱۲۳, Arabic ١٢٣)
    written as 0-9."""
    cleaned = "".join(_ascii_digit(c) for c in "".join(identifier.split()))
    if not cleaned or len(cleaned) > 40:
        raise ConfigInvalidError(
            N_(
                "The identifier is empty or too long. Type the AGDREF number (on the asylum "
                "application certificate) or the OFPRA file number."
            )
        )
    if not cleaned.isprintable():
        raise ConfigInvalidError(
            N_(
                "The identifier has a character that cannot be typed on the portal. Type the "
                "AGDREF number (on the asylum application certificate) or the OFPRA file number."
            )
        )
    return cleaned


def identifier_doubt(identifier: str) -> str | None:
    """Why a checked identifier may be mistyped (a message template), or None when it has the
    shape of an AGDREF number. PORTAL.md: AGDREF has 10 digits (some sources say 9 or 10); the
    OFPRA file number's format is unknown, so anything else is shown in full and confirmed."""
    if identifier.isascii() and identifier.isdigit():
        if len(identifier) == AGDREF_DIGITS:
            return None
        if len(identifier) == AGDREF_DIGITS - 1:
            return N_(
                "It has 9 digits. An AGDREF number usually has 10. Check it on the asylum "
                "application certificate."
            )
    return N_(
        "It is not an AGDREF number (10 digits). If it is the OFPRA file number, check each "
        "character."
    )


def _ascii_digit(char: str) -> str:
    return str(unicodedata.decimal(char)) if char.isdecimal() else char


@dataclass(frozen=True)
class SetUp:
    profile: str
    portal_url: str
    language: str
    keyring: str
    #: The profile this one replaced (``--replace``, or the wizard's "replace it"), if any.
    replaced: ExistingProfile | None = None
    #: What was removed first, when the replaced profile watched another account; None when it
    #: was the same account (same identifier, same portal): a new password or consent, and its
    #: letters, reminders and channels stay the account's own.
    removed: Forgotten | None = None


def set_up_profile(
    state: StateStore,
    credentials: CredentialStoreLike,
    *,
    profile: str,
    portal_url: str,
    language: str,
    identifier: str,
    password: str,
    consent: Consent,
    now: datetime,
    replace: bool = False,
    paths: Paths | None = None,
) -> SetUp:
    """Check everything first, then store: a refusal leaves nothing half-written.

    A profile of that name is replaced only with ``replace`` (else ``profile_exists``). Replaced
    by another account (another identifier or portal), it is first removed as ``forget`` removes
    it (``paths`` is then needed): nothing the old account's checks found is ever shown under
    the new credentials. The same account keeps what it has: that is how a new password, or a
    portal that really changed, is confirmed (portal_memory.py)."""
    check_profile_name(profile)
    portal_url = check_portal_url(portal_url)
    identifier = check_identifier(identifier)
    if not password:
        raise ConfigInvalidError(
            N_("The password is empty. Type the password of the OFPRA account.")
        )
    if not consent.given_by:
        raise ConfigInvalidError(N_("Consent needs the name of the person who gives it."))
    keyring_name = credentials.ensure_secure_backend()
    existing = existing_profile(state, credentials, profile)
    removed = None
    if existing is not None:
        if not replace:
            raise profile_exists_error(existing)
        if (existing.identifier, existing.portal_url) != (identifier, portal_url):
            if paths is None:
                raise ValueError("replacing a profile by another account needs its paths")
            removed = forget_profile(state, credentials, paths, profile)
    new = state.profile(profile) is None
    credentials.save(profile, Credentials(identifier=identifier, password=password))
    try:
        state.save_profile(profile, portal_url, language, now)
        # A profile the agent paused after a refused login resumes once this is newer than the
        # refusal.
        state.mark_credentials_updated(profile, now)
        state.record_consent(profile, consent)
    except BaseException:
        # Ctrl-C or a full disk half-way: a new profile leaves nothing behind, not even its
        # password (an existing one keeps what it had in the state).
        if new:
            state.remove_profile(profile)
            credentials.delete(profile)
        raise
    return SetUp(profile, portal_url, language, keyring_name, existing, removed)


@dataclass(frozen=True)
class Forgotten:
    profile: str
    keyring_entries: list[str]
    state_rows: dict[str, int]
    captures_removed: bool
    #: Lines of the log that named the profile or its masked identifier, removed.
    log_lines_removed: int = 0


def forget_profile(
    state: StateStore, credentials: CredentialStoreLike, paths: Paths, profile: str
) -> Forgotten:
    """Remove everything of the profile: keyring entries, state, captures, and the log's lines
    that name it. A captures folder that is a link is refused before anything is removed."""
    captures = paths.captures_dir / profile
    for folder in (paths.captures_dir, captures, paths.data_dir / "calendars"):
        if os.path.lexists(folder):
            check_own_folder(folder)
    masked = _masked_identifier(credentials, profile)
    if state.profile(profile) is None and not captures.exists():
        removed_keys = credentials.delete(profile)
        if not removed_keys:
            raise ProfileMissingError(
                N_(
                    "There is no profile named '{profile}': nothing to forget. "
                    "'ofpra-assistant status' lists the profiles."
                ),
                profile=profile,
            )
        lines = forget_in_log(paths.log_file, [profile, masked])
        return Forgotten(profile, removed_keys, {}, False, lines)
    removed_keys = credentials.delete(profile)
    rows = state.remove_profile(profile)
    had_captures = captures.exists()
    if had_captures:
        shutil.rmtree(captures)  # removes links inside, never follows them
    # The agent's calendar file of the deadlines (calendar_file.py).
    (paths.data_dir / "calendars" / f"{profile}.ics").unlink(missing_ok=True)
    lines = forget_in_log(paths.log_file, [profile, masked])
    return Forgotten(profile, removed_keys, rows, had_captures, lines)


def _masked_identifier(credentials: CredentialStoreLike, profile: str) -> str:
    """How the log shows the profile's identifier, while the keyring still has it."""
    try:
        return mask_identifier(credentials.load(profile).identifier)
    except AssistantError:
        return ""
