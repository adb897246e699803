"""The interactive `setup` wizard: each answer checked as it is given, in the volunteer's language.

Two languages: the wizard speaks the language of whoever sits at the keyboard (asked first, the
system's by default), and, when a helper sets up someone else's account, asks separately which
language the account holder reads: the alerts use that one.

Input and output are passed in, so tests answer the questions without a terminal. Choices are
numbered ("1. Yes  2. No"): a number reads the same in every language. A wrong answer is asked
again with the reason; Ctrl-D or Ctrl-C stops the wizard before anything is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.consent import consent_text
from assistant.errors import ConfigInvalidError
from assistant.i18n import LANGUAGES, Translator
from assistant.profiles import (
    check_identifier,
    check_new_password,
    check_person_name,
    check_profile_name,
    identifier_doubt,
    profile_name_answer,
    proposed_profile_name,
)
from assistant.settings import check_portal_url

if TYPE_CHECKING:
    from assistant.environment import Environment

Ask = Callable[[str], str]
Say = Callable[[str], None]


@dataclass(frozen=True)
class WizardAnswers:
    #: The language the account holder reads: the alerts'.
    language: str
    portal_url: str
    role: str
    #: Who agreed at the keyboard: the account holder, or their helper (role "helper").
    given_by: str
    identifier: str
    password: str
    #: The profile's name: proposed (``person-1``...), typed, or given with ``--profile``.
    profile: str
    #: The volunteer chose to replace the profile of that name.
    replace: bool = False
    #: The account holder's name, when a helper gave the consent with them.
    holder_name: str | None = None
    #: The language the wizard spoke, when it is not the account holder's.
    ui_language: str | None = None


class ConsentRefused(Exception):
    """The person did not agree: nothing is stored."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        #: The language of the questions, to say "nothing was stored" in it.
        self.language = language


class WayIn(Exception):
    """The first choice: the space is not activated yet, or its password is lost; the setup
    goes on with ``setup --activate`` or ``--reset-password`` (assistant/cli_getting_in.py)."""

    def __init__(
        self,
        option: str,
        language: str,
        profile: str | None = None,
        answers: WizardAnswers | None = None,
    ) -> None:
        super().__init__(option)
        #: The activation's answers so far (whose account, consent, portal; no password yet).
        self.answers = answers
        #: The option's name: "activate" or "reset_password".
        self.option = option
        self.language = language
        #: The profile's name, asked before going on (None: none asked).
        self.profile = profile


class SetupStopped(Exception):
    """Ctrl-D or Ctrl-C at a question: nothing is stored."""

    def __init__(self, language: str, interrupted: bool) -> None:
        super().__init__(language)
        self.language = language
        self.interrupted = interrupted


def choose(
    ask: Ask,
    say: Say,
    question: str,
    options: list[str],
    default: int,
    t: Translator | None = None,
) -> int:
    """A numbered choice; returns the 0-based index. A wrong answer is asked again, with why."""
    t = t or Translator("en")
    say(question)
    for number, option in enumerate(options, start=1):
        say(f"  {number}. {option}")
    while True:
        answer = ask(f"[{default + 1}]: ").strip()
        if not answer:
            return default
        chosen = _number(answer)
        if chosen is not None and 1 <= chosen <= len(options):
            return chosen - 1
        say(_why_not_a_choice(answer, options, t))


def _number(answer: str) -> int | None:
    """The answer as a number, also when typed in Persian or Arabic digits (۳, ٣)."""
    if not answer.isdecimal():
        return None
    return int("".join(str(int(c)) for c in answer))


def _why_not_a_choice(answer: str, options: list[str], t: Translator) -> str:
    wanted = answer.casefold()
    for number, option in enumerate(options, start=1):
        # "dari" for "دری (Dari)": say which number to type rather than only "no".
        words = option.casefold().replace("(", " ").replace(")", " ").split()
        if wanted in words or wanted == option.casefold():
            return t._(
                "To choose {option}, type its number: {number}.", option=option, number=number
            )
    return t._(
        "'{answer}' is not one of the choices. Type a number from 1 to {count}, then press Enter.",
        answer=answer,
        count=len(options),
    )


def ask_name(ask: Ask, say: Say, question: str, t: Translator) -> str:
    while True:
        try:
            return check_person_name(ask(question + " "))
        except ConfigInvalidError as error:
            say(t.error(error))


def ask_profile_name(
    ask: Ask, say: Say, existing: Mapping[str, str], given: str | None, t: Translator
) -> tuple[str, bool]:
    """The profile's name, and whether to replace the profile of that name. ``existing``: each
    profile set up here, with whose account it is ("Amina K., ******1552"). A name taken is
    refused unless the volunteer chooses to replace it, after being told whose it is."""
    proposal = proposed_profile_name(existing)
    if given is None:
        say(
            t._(
                "Each profile has a name. Messages to a helper name the profile, so it should "
                "not be the person's name: the proposed one is fine. Allowed: up to 40 letters "
                "(a to z), digits, '-', '_' or '.'."
            )
        )
    while True:
        typed = given if given else ask(t._("Name of this profile [{name}]: ", name=proposal))
        given = None
        try:
            name, taken_by = profile_name_answer(typed, existing)
        except ConfigInvalidError as error:
            say(t.error(error))
            continue
        if taken_by is None:
            return name, False
        say(
            t._(
                "The profile '{profile}' is already set up, for {who}.",
                profile=name,
                who=taken_by,
            )
        )
        question = t._(
            "Replace it? If the new account is another one, everything the profile knew of the "
            "old one is removed: letters, reminders, calendar, channels."
        )
        options = [t._("Yes, replace it"), t._("No, choose another name")]
        if choose(ask, say, question, options, 1, t) == 0:
            say(
                t._(
                    "The profile '{profile}' of {who} will be replaced.",
                    profile=name,
                    who=existing[name],
                )
            )
            return name, True


def ask_free_profile_name(ask: Ask, say: Say, existing: Mapping[str, str], t: Translator) -> str:
    """A profile name not taken yet: a taken one is said to be whose, and asked again."""
    proposal = proposed_profile_name(existing)
    while True:
        typed = ask(t._("Name of this profile [{name}]: ", name=proposal))
        try:
            name = check_profile_name(typed.strip() or proposal)
        except ConfigInvalidError as error:
            say(t.error(error))
            continue
        if name not in existing:
            return name
        say(
            t._(
                "The profile '{profile}' is already set up, for {who}.",
                profile=name,
                who=existing[name],
            )
        )


def ask_set_up_profile_name(
    ask: Ask, say: Say, existing: Mapping[str, str], given: str | None, t: Translator
) -> str | None:
    """The name of a profile set up here (a reset's), checked as the wizard checks a new one:
    a name not set up is said, with the ones that are, and asked again. None when none is set
    up here: the reset then says so itself."""
    proposal = given or next(iter(existing), None)
    if proposal is None:
        return None
    while True:
        typed = ask(t._("Name of this profile [{name}]: ", name=proposal)).strip() or proposal
        try:
            name = check_profile_name(typed)
        except ConfigInvalidError as error:
            say(t.error(error))
            continue
        if name in existing:
            return name
        say(
            t._(
                "There is no profile named '{profile}' here. The profiles set up: {names}.",
                profile=name,
                names=", ".join(existing),
            )
        )


def ask_portal_url(ask: Ask, say: Say, default: str, t: Translator) -> str:
    while True:
        answer = ask(t._("Address of the portal's login page [{url}]: ", url=default)).strip()
        try:
            return check_portal_url(answer or default)
        except ConfigInvalidError as error:
            say(t.error(error))


def ask_identifier(ask: Ask, say: Say, given: str | None, t: Translator) -> str:
    """Checked at once; one that may be mistyped is shown in full and must be confirmed."""
    while True:
        typed = given if given else ask(t._("AGDREF number or OFPRA file number: "))
        given = None
        try:
            identifier = check_identifier(typed)
        except ConfigInvalidError as error:
            say(t.error(error))
            continue
        doubt = identifier_doubt(identifier)
        if doubt is None:
            return identifier
        say(t._("You typed: {identifier}", identifier=identifier))
        say(t._(doubt))
        options = [t._("Yes, it is right"), t._("No, type it again")]
        if choose(ask, say, t._("Is it right?"), options, 1, t) == 0:
            return identifier


def ask_password(secret: Ask, say: Say, t: Translator) -> str:
    while True:
        password = secret(t._("Password of the OFPRA account: "))
        again = secret(t._("Type the password again: ")) if password else ""
        try:
            return check_new_password(password, again)
        except ConfigInvalidError as error:
            say(t.error(error))


def run_wizard(
    ask: Ask,
    say: Say,
    secret: Ask,
    *,
    default_language: str,
    default_portal_url: str,
    identifier: str | None = None,
    language: str | None = None,
    ui_language: str | None = None,
    ask_way_in: bool = False,
    existing: Mapping[str, str] | None = None,
    profile: str | None = None,
) -> WizardAnswers:
    """``language``: the account holder's, when already given (``--language``);
    ``ui_language``: the wizard's own, when already known (else the first question);
    ``ask_way_in``: first ask whether the space is activated and its password known (else
    ``WayIn``); ``existing``: the profiles set up here, each with whose account it is;
    ``profile``: the name given with ``--profile`` (else asked, after the language)."""
    # The language spoken so far, to say "stopped" in it.
    spoken = [ui_language or default_language]
    try:
        return _questions(
            ask,
            say,
            secret,
            default_language=default_language,
            default_portal_url=default_portal_url,
            identifier=identifier,
            language=language,
            ui_language=ui_language,
            existing=existing or {},
            profile=profile,
            spoke=spoken.append,
            ask_way_in=ask_way_in,
        )
    except EOFError:
        say("")
        raise SetupStopped(spoken[-1], interrupted=False) from None
    except KeyboardInterrupt:
        say("")
        raise SetupStopped(spoken[-1], interrupted=True) from None


def activation_questions(
    ask: Ask,
    say: Say,
    t: Translator,
    language: str | None,
    default_portal_url: str,
    existing: Mapping[str, str],
    profile: str | None,
) -> WizardAnswers:
    """The ordinary wizard's questions that apply to an activation: the profile's name (a free
    one: activation replaces no profile), whose account, the holder's language, the consent,
    the portal's address. No identifier nor password: the activation asks them next."""
    if profile is None or profile in existing:
        profile = ask_free_profile_name(ask, say, existing, t)
    language, role, given_by, holder_name = ask_holder_and_consent(ask, say, t, language)
    portal_url = ask_portal_url(ask, say, default_portal_url, t)
    return WizardAnswers(
        language=language,
        portal_url=portal_url,
        role=role,
        given_by=given_by,
        identifier="",
        password="",
        profile=profile,
        holder_name=holder_name,
        ui_language=None if role == "holder" else t.language,
    )


def run_activation_questions(
    ask: Ask,
    say: Say,
    t: Translator,
    *,
    language: str | None,
    default_portal_url: str,
    existing: Mapping[str, str],
    profile: str | None,
) -> WizardAnswers:
    """``activation_questions`` for ``setup --activate`` on a terminal; Ctrl-D or Ctrl-C
    stops it as it stops the wizard (``SetupStopped``)."""
    try:
        return activation_questions(ask, say, t, language, default_portal_url, existing, profile)
    except EOFError:
        say("")
        raise SetupStopped(t.language, interrupted=False) from None
    except KeyboardInterrupt:
        say("")
        raise SetupStopped(t.language, interrupted=True) from None


def _questions(
    ask: Ask,
    say: Say,
    secret: Ask,
    *,
    default_language: str,
    default_portal_url: str,
    identifier: str | None,
    language: str | None,
    ui_language: str | None,
    existing: Mapping[str, str],
    profile: str | None,
    spoke: Callable[[str], None],
    ask_way_in: bool = False,
) -> WizardAnswers:
    codes = list(LANGUAGES)
    names = list(LANGUAGES.values())
    default_index = codes.index(default_language) if default_language in codes else 0
    if ui_language is None:
        ui_language = codes[
            choose(
                ask,
                say,
                "Language / Langue:",
                names,
                default_index,
                Translator(default_language),
            )
        ]
    spoke(ui_language)
    t = Translator(ui_language)
    if ask_way_in:
        say("")
        ways = [
            t._("I have the password of the personal space"),
            t._("I have not yet activated my personal space (I have the connection key)"),
            t._("I forgot the password (I have the connection key)"),
        ]
        way = choose(ask, say, t._("The OFPRA personal space:"), ways, 0, t)
        if way == 1:
            # A new account gets a name of its own; a taken one is refused here, before the
            # questions, since activation replaces no profile.
            say("")
            answers = activation_questions(
                ask, say, t, language, default_portal_url, existing, profile
            )
            raise WayIn("activate", ui_language, answers.profile, answers)
        if way == 2:
            # The password of a profile set up here: its name, one of them proposed.
            say("")
            raise WayIn(
                "reset_password",
                ui_language,
                ask_set_up_profile_name(ask, say, existing, profile, t),
            )

    # First, where it goes: a name already taken is known before anyone reads the consent.
    say("")
    profile, replace = ask_profile_name(ask, say, existing, profile, t)
    language, role, given_by, holder_name = ask_holder_and_consent(ask, say, t, language)
    portal_url = ask_portal_url(ask, say, default_portal_url, t)
    checked_identifier = ask_identifier(ask, say, identifier, t)
    password = ask_password(secret, say, t)
    return WizardAnswers(
        language=language,
        portal_url=portal_url,
        role=role,
        given_by=given_by,
        identifier=checked_identifier,
        password=password,
        profile=profile,
        replace=replace,
        holder_name=holder_name,
        ui_language=None if role == "holder" else ui_language,
    )


def ask_holder_and_consent(
    ask: Ask, say: Say, t: Translator, language: str | None
) -> tuple[str, str, str, str | None]:
    """Whose account it is, the holder's language (``language``: given with ``--language``),
    the consent shown in the holder's language and the volunteer's, the names, the agreement:
    the same questions for every way in. Returns (language, role, given_by, holder_name);
    ``ConsentRefused`` when the answer is no."""
    codes = list(LANGUAGES)
    names = list(LANGUAGES.values())
    ui_language = t.language
    say("")
    own = (
        choose(
            ask,
            say,
            t._("Is this your own OFPRA account?"),
            [t._("Yes"), t._("No, I help the account holder")],
            0,
            t,
        )
        == 0
    )
    if own:
        language = language or ui_language
    elif language is None:
        language = codes[
            choose(
                ask,
                say,
                t._("Which language does the account holder read? The alerts will be in it."),
                names,
                codes.index(ui_language) if ui_language in codes else 0,
                t,
            )
        ]

    say("")
    if own:
        say(consent_text(t))
    else:
        say(t._("Read this to the account holder, or show it to them:"))
        say("")
        say(consent_text(Translator(language)))
        if language != ui_language:
            say("")
            say(consent_text(t))
    say("")
    holder_name = None
    if own:
        given_by = ask_name(ask, say, t._("Your name:"), t)
    else:
        holder_name = ask_name(ask, say, t._("Name of the account holder:"), t)
        given_by = ask_name(ask, say, t._("Your name (you help the account holder):"), t)
    agree = t._("Do you agree?") if own else t._("Does the account holder agree?")
    if choose(ask, say, agree, [t._("Yes"), t._("No")], 1, t) != 0:
        raise ConsentRefused(ui_language)
    return language, "holder" if own else "helper", given_by, holder_name


def profiles_here(env: Environment) -> dict[str, str]:
    """Each profile set up on this computer, with whose account it is (profiles.py's
    ``profiles_set_up``, which the page's setup asks too)."""
    from assistant.profiles import profiles_set_up

    return profiles_set_up(env.state, env.credentials)


def keyring_name(backends: str, t: Translator) -> str:
    """The keyring as a person knows it, not keyring's class names."""
    if "macOS" in backends:
        return t._("the macOS Keychain")
    if "Windows" in backends:
        return t._("the Windows Credential Manager")
    return t._("the system keyring")
