"""Getting in: activate the personal space from the connection key, choose a new password with it
("I forgot my password"), and the ways back when the portal refuses the password.

What this module guarantees (issue 22): consent is recorded before the portal is contacted; the
new password is in the keyring before the form that holds it is sent, so that no crash leaves the
account with a password nobody has; once the portal has it, a first check confirms it. The new
password is never written anywhere else: the CLI shows it once.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from assistant.clearance import held_session_lock
from assistant.credentials import Credentials
from assistant.errors import (
    N_,
    AssistantError,
    ConfigInvalidError,
    ConsentMissingError,
    CredentialsMissingError,
    PortalRefusedValueError,
    PortalUnavailableError,
    no_such_profile,
)
from assistant.i18n import Unmarked
from assistant.privacy import REDACTOR

if TYPE_CHECKING:
    from assistant.environment import Environment
    from assistant.i18n import Translator
    from assistant.results import CheckResult
    from assistant.settings import Paths
    from assistant.state import Consent
    from flows.activation_flow import GettingInRequest

# --- The portal's password rules (PORTAL.md) --------------------------------------------------

#: The special characters the portal lists; a password needs one of them.
PORTAL_SPECIALS: Final = frozenset("!#$%?&[]@^-+/;:,<>*")
_LATIN: Final = frozenset(string.ascii_letters + string.digits) | PORTAL_SPECIALS
MIN_LENGTH: Final = 12


def password_problems(password: str) -> list[str]:
    """The portal's rules ``password`` breaks, each as a message template (empty: it is good)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(N_("It has fewer than 12 characters."))
    if not any(c in string.ascii_uppercase for c in password):
        problems.append(N_("It has no upper-case letter (A to Z)."))
    if not any(c in string.ascii_lowercase for c in password):
        problems.append(N_("It has no lower-case letter (a to z)."))
    if not any(c in string.digits for c in password):
        problems.append(N_("It has no digit (0 to 9)."))
    if not any(c in PORTAL_SPECIALS for c in password):
        problems.append(
            N_("It has none of these characters: ! # $ % ? & [ ] @ ^ - + / ; : , < > *")
        )
    if any(c not in _LATIN for c in password):
        problems.append(
            N_(
                "It has a character the portal does not accept (a space, an accent, a letter "
                "that is not Latin, or a sign not in the list)."
            )
        )
    return problems


# --- A password a person can copy by hand and read aloud ---------------------------------------

# Words of plain Latin letters without accents, easy to say in French and in English, and
# without the letters that look like a digit or another letter on paper: no "o" (0), no "l" or
# "i" (1, I). Each is capitalised in the password, so upper and lower case come from the words.
WORDS: Final = (
    "banane", "bateau", "cactus", "cadeau", "camera", "canard", "carte", "cerf", "chat", "cuve",
    "desert", "dune", "fenetre", "ferme", "gazette", "grenade", "jupe", "karate", "marche",
    "menthe", "nappe", "nuage", "panda", "papaye", "perche", "prune", "puce", "quartz",
    "radar", "ramure", "rampe", "rature", "renard", "ruche", "sabre", "safran", "sauce", "sucre",
    "tabac", "taupe", "tempete", "tente", "terrasse", "tempe", "trace", "tuba", "vache", "vague",
    "vapeur", "verger", "zebre", "fusee", "cabane", "navet", "dragee", "guepe", "hamac", "kayak",
    "mangue", "muscade", "parure", "pave", "trappe", "vanne", "zeste", "bague",
    "barque", "casque", "crabe", "epave", "faune", "gamme", "harpe", "jade", "buffet",
    "canape", "cartes", "chameau", "cygne", "fanfare", "garage", "gateau", "hache",
    "jaguar", "kebab", "manche", "mesure", "nectar", "phare", "puma", "queue",
    "raquette", "sauge", "savane", "tracteur", "zephyr", "crepe", "cuvette",
    "baguette", "dattes", "tuque", "tasse", "buche", "sachet", "carafe", "ventre", "barrage",
    "grappe", "panache", "caravane", "perruche", "tarte", "veste", "nageur", "danseur", "rameur",
    "sauveur", "fauve", "cape", "garde", "jazz", "zebu", "yack", "papyrus", "samba", "rumba",
    "muscat",
)  # fmt: skip
#: Digits that no reader takes for a letter: no 0 (O) and no 1 (I, l).
DIGITS: Final = "23456789"
# The one special character: "-" is on the 6 key of a French AZERTY keyboard without Shift, at
# the same place on the Latin layer of Arabic keyboards, which keep it as "-" even in Arabic mode
# (";", ",", "/", "[", "]" give Arabic letters there), on the first page of every phone's
# keyboard, and it reads aloud as "tiret" / "dash". Signs behind AltGr on AZERTY (# @ [ ] ^) or
# that are dead keys (^) are avoided.
SEPARATOR: Final = "-"
#: Look-alikes a generated password never holds.
LOOK_ALIKES: Final = frozenset("O0Il1o")


def generate_password(choice: Callable[[str | tuple[str, ...]], str] | None = None) -> str:
    """Three capitalised words and three digits, joined by "-": ``Tapis-Cerise-Nuage-478``.

    About 21 bits from the words and 9 from the digits: the portal locks the account after a
    few wrong tries, so an attacker online has a handful of guesses, not billions."""
    pick = choice or _secret_choice
    words = [pick(WORDS).capitalize() for _ in range(3)]
    number = "".join(pick(DIGITS) for _ in range(3))
    return SEPARATOR.join([*words, number])


def _secret_choice(options: str | tuple[str, ...]) -> str:
    return secrets.choice(options)


# --- The other answers ------------------------------------------------------------------------

MOBILE: Final = re.compile(r"0[67]\d{8}")
EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: The key's format is unverified (PORTAL.md): letters, digits and separators, as on the leaflet.
KEY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-.]{2,62}[A-Za-z0-9]")


def check_mobile(text: str | None) -> str | None:
    """A French mobile number as the portal wants it (06 or 07 and 8 digits), or None."""
    if not text or not text.strip():
        return None
    number = re.sub(r"[\s.\-]", "", text)
    if number.startswith("+33") and len(number) == 12:
        number = "0" + number[3:]
    if not MOBILE.fullmatch(number):
        raise ConfigInvalidError(
            N_(
                "The portal takes only a French mobile number: 06 or 07 then 8 digits, for "
                "instance 0612345678."
            )
        )
    return number


def check_email(text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    email = text.strip()
    if not EMAIL.fullmatch(email) or not email.isascii() or len(email) > 254:
        raise ConfigInvalidError(
            N_("This is not an e-mail address the portal accepts (like name@example.org).")
        )
    return email


def check_connection_key(text: str) -> str:
    """The key as typed, checked as far as its format is known (letters, digits, dashes)."""
    key = text.strip()
    if not KEY.fullmatch(key):
        raise ConfigInvalidError(
            N_(
                "The connection key is empty or has characters a key does not have. Type it "
                "as it is printed on the paper given at the GUDA, after 'CLÉ DE CONNEXION'."
            )
        )
    return key


# --- Getting in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GettingIn:
    """What the activation or the reset needs: the profile and the values to type."""

    profile: str
    identifier: str = field(repr=False)
    key: str = field(repr=False)
    new_password: str = field(repr=False)
    mobile: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class GotIn:
    """The portal has the new password; ``check`` is the first check that followed."""

    profile: str
    new_password: str = field(repr=False)
    check: CheckResult


def activate_account(
    env: Environment,
    request: GettingIn,
    *,
    portal_url: str,
    language: str,
    consent: Consent,
    replace: bool = False,
    paths: Paths | None = None,
    check: Callable[[str], CheckResult] | None = None,
) -> GotIn:
    """Record the consent and the profile, store the new password, activate the space on the
    portal, then check once. A failure before the password was sent leaves nothing behind.
    ``replace``: a profile of that name may be replaced (``--replace``), another account's
    data removed first as ``setup`` removes it (from ``paths``); ``check``: the first check
    (the CLI's shows its progress), else a plain ``CheckRunner`` check."""
    from assistant.profiles import set_up_profile
    from flows.activation_flow import activate

    _register(request)
    state = env.state
    new = state.profile(request.profile) is None
    previous = None if new else _stored(env, request.profile)
    now = env.clock()
    # Consent first, and the new password in the keyring before the browser even starts.
    set_up_profile(
        state,
        env.credentials,
        profile=request.profile,
        portal_url=portal_url,
        language=language,
        identifier=request.identifier,
        password=request.new_password,
        consent=consent,
        now=now,
        replace=replace,
        paths=paths,
    )
    sent: list[bool] = []

    def store() -> None:
        env.credentials.save(request.profile, Credentials(request.identifier, request.new_password))
        sent.append(True)

    try:
        _in_browser(
            env,
            request.profile,
            portal_url,
            lambda page, timeout: activate(
                page, portal_url, _flow_request(request), store, timeout, env.progress
            ),
        )
    except BaseException as failure:
        if not sent or _refused_password(failure):
            # The portal does not have the new password: as before, or nothing at all.
            if new:
                state.remove_profile(request.profile)
                env.credentials.delete(request.profile)
            elif previous is not None:
                env.credentials.save(request.profile, previous)
        raise
    return GotIn(
        request.profile, request.new_password, (check or _plain_check(env))(request.profile)
    )


def reset_password(
    env: Environment, request: GettingIn, check: Callable[[str], CheckResult] | None = None
) -> GotIn:
    """ "I forgot my password" with the connection key, for a profile set up before: the new
    password is stored before it is sent, and the refused-password block is lifted once the
    portal has it; then a first check logs in with it."""
    from flows.activation_flow import reset_password as reset_flow

    _register(request)
    profile = env.state.profile(request.profile)
    if profile is None:
        raise no_such_profile(request.profile)
    if env.state.consent(request.profile) is None:
        raise ConsentMissingError(
            N_(
                "No consent is recorded for the profile '{profile}', so the assistant will not "
                "log in. Run 'ofpra-assistant setup --profile {profile} --replace' with the "
                "account holder."
            ),
            profile=request.profile,
        )
    previous = _stored(env, request.profile)
    sent: list[bool] = []

    def store() -> None:
        env.credentials.save(request.profile, Credentials(request.identifier, request.new_password))
        sent.append(True)

    try:
        _in_browser(
            env,
            request.profile,
            profile.portal_url,
            lambda page, timeout: reset_flow(
                page, profile.portal_url, _flow_request(request), store, timeout, env.progress
            ),
        )
    except BaseException as failure:
        if sent and not _refused_password(failure):
            # The portal may have the new password: it is kept, and said.
            if isinstance(failure, AssistantError):
                failure.with_hint(
                    N_(
                        "The new password may be the portal's now: it is kept in the keyring, "
                        "and 'ofpra-assistant setup --show-password --profile {profile}' shows it."
                    ),
                    profile=request.profile,
                )
        elif previous is not None:
            env.credentials.save(request.profile, previous)
        raise
    # The portal has the new password: the refusal of the old one no longer holds.
    env.state.mark_credentials_updated(request.profile, env.clock())
    return GotIn(
        request.profile, request.new_password, (check or _plain_check(env))(request.profile)
    )


def _plain_check(env: Environment) -> Callable[[str], CheckResult]:
    """The check that confirms the new password when the caller gives none: no progress."""
    from assistant.runner import CheckRunner

    return CheckRunner(env).check


def stored_password(env: Environment, profile: str) -> str:
    """The profile's password, for its holder to see (``setup --show-password``)."""
    if env.state.profile(profile) is None:
        raise no_such_profile(profile)
    return env.credentials.load(profile).password


def _register(request: GettingIn) -> None:
    # Masked in every log line, error and output from now on, like a stored password.
    REDACTOR.register(Credentials(request.identifier, request.new_password))
    REDACTOR.register(Credentials(request.identifier, request.key))


def _stored(env: Environment, profile: str) -> Credentials | None:
    try:
        return env.credentials.load(profile)
    except CredentialsMissingError:
        return None


def _refused_password(failure: BaseException) -> bool:
    return isinstance(failure, PortalRefusedValueError) and failure.refused == "password"


def _flow_request(request: GettingIn) -> GettingInRequest:
    from flows.activation_flow import GettingInRequest

    return GettingInRequest(
        identifier=request.identifier,
        key=request.key,
        new_password=request.new_password,
        mobile=request.mobile,
        email=request.email,
    )


def _in_browser(env: Environment, profile: str, portal_url: str, flow: Callable[..., None]) -> None:
    """Run ``flow(page, timeout_ms)`` in a fresh fenced context, holding the profile's portal
    session lock like a check: an agent's check meanwhile would type a password the portal may
    not have yet. (Not ``clearance.portal_session``: that one refuses a refused profile, which
    is what a reset is for.)"""
    from playwright.sync_api import Error as PlaywrightError

    from flows.fence import portal_context

    timeout_ms = env.settings.browser.timeout_seconds * 1000
    env.progress("starting_browser")
    with held_session_lock(env, profile):
        try:
            with (
                env.browser_source(env.settings, [portal_url]) as browser,
                portal_context(browser, portal_url) as fenced,
            ):
                flow(fenced, timeout_ms)
        except PlaywrightError as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise PortalUnavailableError(
                N_("The portal could not be read ({detail}). Try again later."), detail=detail
            ) from None


# --- The ways back ----------------------------------------------------------------------------


def ways_back(t: Translator, profile: str) -> list[str]:
    """The guide's three ways back in when the portal refuses the password, in ``t``'s
    language: for the alert, ``check``, ``status`` and the page."""
    return [
        t._(
            "With the connection key (the paper from the GUDA): run 'ofpra-assistant setup "
            "--reset-password --profile {profile}'.",
            profile=Unmarked(profile),
        ),
        t._(
            "Without the key: on the portal, 'I forgot my password', then 'I lost my personal "
            "connection key'. A new password comes by SMS or e-mail to the contact given at "
            "activation; store it with 'ofpra-assistant setup --profile {profile} --replace'.",
            profile=Unmarked(profile),
        ),
        t._("Or ask at the SPADA or at the accommodation centre."),
    ]


#: The codes after which the ways back are offered: the portal refused the password, or locked
#: the account ("I forgot my password" unlocks it).
WAYS_BACK_AFTER: Final = frozenset({"login_rejected", "account_locked"})


def ways_back_text(t: Translator, profile: str) -> str:
    """The three ways as one text, under a line that says what happened."""
    lines = [t._("Three ways to get back in:")]
    lines += [f"  {number}. {way}" for number, way in enumerate(ways_back(t, profile), 1)]
    return "\n".join(lines)
