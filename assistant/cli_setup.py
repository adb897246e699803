"""The interactive `setup` wizard: the questions, in the person's language.

Input and output are passed in, so tests answer the questions without a terminal. Choices are
numbered ("1. Yes  2. No"): a number reads the same in every language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.consent import consent_text
from assistant.i18n import LANGUAGES, Translator

Ask = Callable[[str], str]
Say = Callable[[str], None]


@dataclass(frozen=True)
class WizardAnswers:
    language: str
    portal_url: str
    role: str
    given_by: str
    identifier: str
    password: str


class ConsentRefused(Exception):
    """The person did not agree: nothing is stored."""


def choose(ask: Ask, say: Say, question: str, options: list[str], default: int) -> int:
    """A numbered choice; returns the 0-based index. Asks again until the answer is a number."""
    say(question)
    for number, option in enumerate(options, start=1):
        say(f"  {number}. {option}")
    while True:
        answer = ask(f"[{default + 1}]: ").strip()
        if not answer:
            return default
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return int(answer) - 1


def run_wizard(
    ask: Ask,
    say: Say,
    secret: Ask,
    *,
    default_language: str,
    default_portal_url: str,
    identifier: str | None = None,
    language: str | None = None,
) -> WizardAnswers:
    codes = list(LANGUAGES)
    if language is None:
        index = choose(
            ask,
            say,
            "Language / Langue:",
            list(LANGUAGES.values()),
            codes.index(default_language) if default_language in codes else 0,
        )
        language = codes[index]
    t = Translator(language)
    yes_no = [t._("Yes"), t._("No")]

    say("")
    say(consent_text(t))
    say("")
    own = choose(ask, say, t._("Is this your own OFPRA account?"), yes_no, 0) == 0
    question = t._("Your name:") if own else t._("Your name (you help the account holder):")
    given_by = ""
    while not given_by:
        given_by = ask(question + " ").strip()
    if choose(ask, say, t._("Do you agree?"), yes_no, 1) != 0:
        raise ConsentRefused()

    portal_url = ask(t._("Address of the portal's login page [{url}]: ", url=default_portal_url))
    while not identifier:
        identifier = ask(t._("AGDREF number or OFPRA file number: ")).strip()
    while True:
        password = secret(t._("Password of the OFPRA account: "))
        if password and secret(t._("Type the password again: ")) == password:
            break
        say(t._("The two passwords are not the same (or empty). Try again."))
    return WizardAnswers(
        language=language,
        portal_url=portal_url.strip() or default_portal_url,
        role="holder" if own else "helper",
        given_by=given_by,
        identifier=identifier,
        password=password,
    )
