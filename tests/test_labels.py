"""The portal's words the page objects look for (flows/labels.py): the documents link and the
logout by every plausible name, matched loosely (case, accents, spaces), and what never is."""

from __future__ import annotations

import pytest

from flows import labels

DOCUMENTS_NAMES = [
    "Mes documents",
    "Mes courriers",
    "Mes messages",
    "Ma correspondance",
    "Courriers reçus",
    "My Documents",
    "My mail",
    "My letters",
]
LOGOUT_NAMES = ["Se déconnecter", "Déconnexion", "Me déconnecter", "Quitter", "Log out", "Sign out"]


def loosely(name: str) -> list[str]:
    """The same name as a portal may write it: capitals, no accents, other spaces, an icon."""
    plain = name.replace("é", "e").replace("ç", "c")
    return [name, name.upper(), name.lower(), plain, name.replace(" ", "\u00a0"), f"  {name} "]


@pytest.mark.parametrize("name", DOCUMENTS_NAMES)
def test_the_documents_link_is_known_by_every_plausible_name(name: str) -> None:
    for written in loosely(name):
        assert labels.DOCUMENTS_LINK.search(written), written
        # Each name is one of the ordered names too (the likeliest is tried first).
        assert any(names.search(written) for names in labels.DOCUMENTS_LINK_NAMES), written


def test_the_likeliest_documents_names_come_first() -> None:
    order = [
        next(i for i, names in enumerate(labels.DOCUMENTS_LINK_NAMES) if names.search(name))
        for name in ("Mes documents", "Mes courriers", "Ma correspondance", "Mes messages")
    ]
    assert order == sorted(order) and len(set(order)) == 4


@pytest.mark.parametrize("name", LOGOUT_NAMES)
def test_the_logout_is_known_by_every_plausible_name(name: str) -> None:
    for written in loosely(name):
        assert labels.LOGOUT_LINK.search(written), written
        # Never a way to the list, whatever else the page shows.
        assert labels.NOT_A_WAY_TO_THE_LIST.search(written), written


@pytest.mark.parametrize(
    "name",
    ["Accueil", "Actualités", "Suivi de mon dossier", "Mes mails", "Quitter la file d'attente"],
)
def test_other_names_are_neither_the_documents_link_nor_the_logout(name: str) -> None:
    assert not labels.DOCUMENTS_LINK.search(name)
    assert not labels.LOGOUT_LINK.search(name)


@pytest.mark.parametrize(
    "name",
    [
        "Changer mon mot de passe",
        "Change my password",
        "Supprimer mon compte",
        "Désactiver mon espace",
        "Langue",
        "Français",
        "English",
        "العربية",
        "Kreyòl ayisyen",
    ],
)
def test_links_that_change_the_account_or_the_language_are_never_followed(name: str) -> None:
    assert labels.NOT_A_WAY_TO_THE_LIST.search(name)
