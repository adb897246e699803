"""The interactive setup wizard, answered by a script: languages, consent, role, password."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.cli_setup import ConsentRefused, WizardAnswers, run_wizard
from assistant.consent import consent_text
from assistant.i18n import LANGUAGES, Translator

PORTAL = "https://www.usager.ofpra.gov.fr/ofpra/user/login"


def scripted(answers: list[str]) -> Callable[[str], str]:
    queue = list(answers)

    def ask(prompt: str) -> str:
        assert queue, f"the wizard asked more than the script answers: {prompt!r}"
        return queue.pop(0)

    return ask


def wizard(
    answers: list[str],
    secrets: list[str],
    language: str | None = None,
    ui_language: str | None = None,
) -> tuple[WizardAnswers, list[str]]:
    """``language`` (the account holder's) also speaks the wizard, unless ``ui_language`` is
    given: the tests written before there were two languages pass one."""
    said: list[str] = []
    result = run_wizard(
        scripted(answers),
        said.append,
        scripted(secrets),
        default_language="fr",
        default_portal_url=PORTAL,
        language=language,
        ui_language=ui_language or language,
    )
    return result, said


def test_wizard_lists_languages_by_their_own_names_and_speaks_the_chosen_one() -> None:
    ukrainian = list(LANGUAGES).index("uk") + 1
    answers, said = wizard(
        [str(ukrainian), "1", "Olena", "1", "", "1234561552"],
        ["Secret-Pass-2026!", "Secret-Pass-2026!"],
    )

    assert "  9. Українська (Ukrainian)" in said
    assert "  3. دری (Dari)" in said
    assert consent_text(Translator("uk")) in said
    assert answers == WizardAnswers(
        language="uk",
        portal_url=PORTAL,
        role="holder",
        given_by="Olena",
        identifier="1234561552",
        password="Secret-Pass-2026!",
    )


def test_wizard_records_a_helper_and_asks_again_until_the_answer_is_a_choice() -> None:
    answers, said = wizard(
        [
            "yes",
            "2",
            "Amina K.",  # the account holder's name, asked since there are two
            "Marie (SPADA)",
            "9",
            "1",
            "https://mock.example/login",
            "1234561552",
        ],
        ["Secret-Pass-2026!", "Secret-Pass-2026!"],
        language="en",
    )

    assert answers.role == "helper"
    assert answers.given_by == "Marie (SPADA)"
    assert answers.portal_url == "https://mock.example/login"
    assert "Is this your own OFPRA account?" in said


def test_wizard_asks_the_password_again_when_the_two_differ() -> None:
    answers, said = wizard(
        ["1", "Amina", "1", "", "1234561552"],
        ["Secret-Pass-2026!", "Secret-Pass-2026?", "Secret-Pass-2026!", "Secret-Pass-2026!"],
        language="en",
    )

    assert answers.password == "Secret-Pass-2026!"
    assert "The two passwords are not the same (or empty). Try again." in said


def test_wizard_stops_when_the_person_does_not_agree() -> None:
    with pytest.raises(ConsentRefused):
        wizard(["1", "Amina", ""], [], language="en")  # "No" is the default
