"""The passwords ``setup --activate`` proposes, and the checks of what a person types (issue 22):
no browser. Generated passwords are drawn many times (hypothesis) against the portal's rules,
written out here from PORTAL.md, and the readability constraints."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.activation import (
    WORDS,
    check_connection_key,
    check_email,
    check_mobile,
    generate_password,
    password_problems,
)
from assistant.errors import ConfigInvalidError

#: PORTAL.md: "! # $ % ? & [ ] @ ^ - + / ; : , < > *".
PORTAL_SPECIALS = set("!#$%?&[]@^-+/;:,<>*")
# Typed without AltGr on a French AZERTY keyboard, and the same sign in the Latin and the Arabic
# modes of an Arabic keyboard: of the portal's list, only these.
EASY_SPECIALS = {"-"}
LOOK_ALIKES = set("O0Il1o")


def follows_the_portals_rules(password: str) -> bool:
    return (
        len(password) >= 12
        and any(c in string.ascii_uppercase for c in password)
        and any(c in string.ascii_lowercase for c in password)
        and any(c in string.digits for c in password)
        and any(c in PORTAL_SPECIALS for c in password)
        and all(c in string.ascii_letters + string.digits or c in PORTAL_SPECIALS for c in password)
    )


@settings(max_examples=500, deadline=None)
@given(st.randoms(use_true_random=False))
def test_generated_passwords_follow_the_rules_and_read_aloud(draw: random.Random) -> None:
    password = generate_password(draw.choice)
    assert follows_the_portals_rules(password), password
    assert not set(password) & LOOK_ALIKES, password
    assert set(password) - set(string.ascii_letters + string.digits) <= EASY_SPECIALS, password
    words = password.split("-")
    # Words a person says, then digits: "Tapis-Cerise-Nuage-478".
    assert len(words) == 4
    assert all(word[0].isupper() and word[1:].islower() for word in words[:3])
    assert words[3].isdigit() and len(words[3]) == 3
    assert password_problems(password) == []


def test_generated_passwords_come_from_the_system_randomness() -> None:
    drawn = {generate_password() for _ in range(200)}
    # 127 words to the third and 8^3 digits: 200 draws alike would be a broken generator.
    assert len(drawn) == 200


def test_the_word_list_has_no_look_alike_and_no_accent() -> None:
    assert len(WORDS) >= 100
    assert len(set(WORDS)) == len(WORDS)
    for word in WORDS:
        assert word.isascii() and word.isalpha() and word.islower(), word
        assert not set(word) & set("oil"), word


@pytest.mark.parametrize(
    ("password", "reasons"),
    [
        pytest.param("Court-26!", ["It has fewer than 12 characters."], id="short"),
        pytest.param(
            "nouveau-passe-2026", ["It has no upper-case letter (A to Z)."], id="no-upper"
        ),
        pytest.param(
            "NOUVEAU-PASSE-2026", ["It has no lower-case letter (a to z)."], id="no-lower"
        ),
        pytest.param("Nouveau-Passe-Deux", ["It has no digit (0 to 9)."], id="no-digit"),
        pytest.param(
            "NouveauPasse2026",
            ["It has none of these characters: ! # $ % ? & [ ] @ ^ - + / ; : , < > *"],
            id="no-special",
        ),
        pytest.param(
            "Nouveau-Passé-2026",
            [
                "It has a character the portal does not accept (a space, an accent, a letter "
                "that is not Latin, or a sign not in the list)."
            ],
            id="accent",
        ),
        pytest.param(
            "Nouveau_Passe_2026",
            [
                "It has none of these characters: ! # $ % ? & [ ] @ ^ - + / ; : , < > *",
                "It has a character the portal does not accept (a space, an accent, a letter "
                "that is not Latin, or a sign not in the list).",
            ],
            id="underscore",
        ),
        pytest.param("Nouveau-Passe-2026", [], id="good"),
    ],
)
def test_a_persons_own_password_is_refused_with_each_reason(
    password: str, reasons: list[str]
) -> None:
    assert password_problems(password) == reasons


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0612345678", "0612345678"),
        ("07 12 34 56 78", "0712345678"),
        ("06.12.34.56.78", "0612345678"),
        ("+33 6 12 34 56 78", "0612345678"),
        ("", None),
    ],
)
def test_a_mobile_number_as_the_portal_wants_it(typed: str, kept: str | None) -> None:
    assert check_mobile(typed) == kept


@pytest.mark.parametrize("typed", ["0112345678", "061234567", "06123456789", "mobile"])
def test_a_number_that_is_not_a_french_mobile_is_refused(typed: str) -> None:
    with pytest.raises(ConfigInvalidError, match="06 or 07 then 8 digits"):
        check_mobile(typed)


def test_an_email_is_checked() -> None:
    assert check_email(" amina@example.org ") == "amina@example.org"
    assert check_email("") is None
    with pytest.raises(ConfigInvalidError, match="not an e-mail address"):
        check_email("amina@example")


@pytest.mark.parametrize("typed", ["K7P2-M9QX-4TZ8", " k7p2 m9qx 4tz8 \n"])
def test_a_connection_key_as_printed(typed: str) -> None:
    assert check_connection_key(typed) == typed.strip()


@pytest.mark.parametrize("typed", ["", "K7", "K7P2\x1b[31m", "clé-de-connexion"])
def test_a_connection_key_with_characters_a_key_has_not_is_refused(typed: str) -> None:
    with pytest.raises(ConfigInvalidError, match="connection key is empty or has characters"):
        check_connection_key(typed)


def test_the_alert_of_a_refused_password_gives_the_three_ways_in_the_holders_language() -> None:
    from assistant.alerts import failure_alert
    from assistant.errors import LoginRejectedError, PortalUnavailableError
    from assistant.i18n import Translator

    refused = failure_alert(LoginRejectedError("refused"), Translator("fr"), "amina")
    assert refused.body.splitlines()[1:] == [
        "Trois façons de retrouver l'accès :",
        "  1. Avec la clé de connexion (le papier du GUDA) : lancez 'ofpra-assistant setup "
        "--reset-password --profile amina'.",
        "  2. Sans la clé : sur le portail, « J'ai oublié mon mot de passe », puis « J'ai perdu "
        "ma clé de connexion personnelle ». Un nouveau mot de passe arrive par SMS ou e-mail au "
        "contact donné à l'activation ; enregistrez-le avec 'ofpra-assistant setup --profile "
        "amina --replace'.",
        "  3. Ou demandez à la SPADA ou au centre d'hébergement.",
    ]
    # Only after a refusal: a portal that is down needs no new password.
    down = failure_alert(PortalUnavailableError("down"), Translator("fr"), "amina")
    assert "Trois façons" not in down.body
