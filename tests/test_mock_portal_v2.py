"""The mock portal's other pages (activation, forgotten password, lost key, forced password
change, lockout) and its fault switches, through Flask's test client."""

from __future__ import annotations

import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from html import unescape

import pytest
from flask.testing import FlaskClient

from fixtures.mock_portal import FAULTS, MockPortalServer, create_app
from fixtures.mock_portal.app import CAPTCHA_CODE
from fixtures.mock_portal.faults import FaultError, fault_from_json, fault_from_option
from fixtures.mock_portal.rendering import password_problems
from fixtures.mock_portal.state import LOCK_AFTER_FAILED_LOGINS
from tests.conftest import (
    IDENTIFIER,
    LOGIN,
    PASSWORD,
    csrf_from,
    log_in,
    mock_log,
    page,
    parse_table,
    run_cli,
)

TODAY = date(2026, 3, 10)
KEY = "K7P2-M9QX-4TZ8"
NEW_PASSWORD = "Nouveau-Passe-2026!"


def client_for(scenario: str) -> FlaskClient:
    app = create_app(scenario, TODAY)
    app.testing = True
    return app.test_client()


@pytest.fixture
def mixed() -> Iterator[FlaskClient]:
    with client_for("mixed") as client:
        yield client


@pytest.fixture
def not_activated() -> Iterator[FlaskClient]:
    with client_for("not_activated") as client:
        yield client


def post_form(client: FlaskClient, path: str, **fields: str) -> str:
    """Post a form of the page at ``path`` with its CSRF token; the page shown after."""
    token = csrf_from(page(client, path))
    response = client.post(path, data={"csrf_token": token, **fields}, follow_redirects=True)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def alerts(html: str) -> list[str]:
    """The text of each alert on the page, tags dropped and entities decoded."""
    found = re.findall(r'<div role="alert">(.*?)</div>', html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in found]


def set_fault(client: FlaskClient, **body: object) -> None:
    response = client.post("/__mock__/fault", json=body)
    assert response.status_code == 200, response.get_json()


# --- Password rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        pytest.param("Nouveau-Passe-2026!", [], id="good"),
        pytest.param("Court-2026!", ["rule_length"], id="too-short"),
        pytest.param("nouveau-passe-2026!", ["rule_upper"], id="no-upper"),
        pytest.param("NOUVEAU-PASSE-2026!", ["rule_lower"], id="no-lower"),
        pytest.param("Nouveau-Passe-Deux!", ["rule_digit"], id="no-digit"),
        pytest.param("NouveauPasse2026", ["rule_special"], id="no-special"),
        pytest.param("Nouveau_Passe_2026", ["rule_special", "rule_latin"], id="underscore"),
        pytest.param("Mot-de-passé-2026!", ["rule_latin"], id="accent"),
        pytest.param("Nouveau Passe-2026!", ["rule_latin"], id="space"),
        pytest.param("Пароль-Passe-2026!", ["rule_latin"], id="cyrillic"),
        pytest.param("", ["rule_length", "rule_upper", "rule_lower", "rule_digit", "rule_special"]),
    ],
)
def test_password_rules_of_the_portal(password: str, broken: list[str]) -> None:
    assert password_problems(password) == broken


@pytest.mark.parametrize("special", list("!#$%?&[]@^-+/;:,<>*"))
def test_password_rules_accept_every_listed_special_character(special: str) -> None:
    assert password_problems(f"Nouveau{special}Passe2026") == []


# --- Activation ------------------------------------------------------------------------------


def test_activation_key_then_password_then_contact_then_login(not_activated: FlaskClient) -> None:
    client = not_activated
    assert "Numéro de dossier ou mot de passe incorrect." in log_in(client)

    html = post_form(client, "/ofpra/user/activation", identifier=IDENTIFIER, key=KEY.lower())
    assert "<h2>Créer votre mot de passe</h2>" in html
    assert (
        "<li>Au moins un caractère spécial parmi : ! # $ % ? &amp; [ ] @ ^ - + / ; : , &lt; &gt; "
        "*</li>" in html
    )
    html = post_form(
        client,
        "/ofpra/user/activation",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert "<h2>MES COORDONNÉES</h2>" in html
    assert (
        '<label for="mobile">Numéro de téléphone portable (uniquement 06xxxxxxxx ou 07xxxxxxxx)'
        "</label>"
    ) in html
    html = post_form(client, "/ofpra/user/activation", mobile="07 12 34 56 78", email="")
    assert (
        '<div role="status">Votre espace personnel est activé. Connectez-vous avec votre nouveau '
        "mot de passe.</div>" in html
    )
    account = mock_log(client)["account"]
    assert (account["activated"], account["mobile"], account["email"]) == (
        True,
        "0712345678",
        None,
    )
    assert mock_log(client)["activations"] == 1
    assert log_in(client, NEW_PASSWORD) == "/ofpra/home"


def test_activation_refuses_a_wrong_key(not_activated: FlaskClient) -> None:
    html = post_form(not_activated, "/ofpra/user/activation", identifier=IDENTIFIER, key="AAAA")
    assert alerts(html) == ["Numéro AGDREF ou clé de connexion incorrect."]
    assert (
        '<label for="key">Clé de connexion (qui vous a été remise lors de votre passage en '
        "guichet unique)</label>"
    ) in html


def test_activation_of_an_activated_account_says_so(mixed: FlaskClient) -> None:
    html = post_form(mixed, "/ofpra/user/activation", identifier=IDENTIFIER, key=KEY)
    assert alerts(html) == [
        "Cet espace personnel est déjà activé : connectez-vous avec votre mot de passe."
    ]


@pytest.mark.parametrize(
    ("new", "confirm", "expected"),
    [
        pytest.param(
            "court",
            "court",
            "Le mot de passe ne respecte pas toutes les règles. Au moins 12 caractères (latin) "
            "Au moins une majuscule Au moins un chiffre Au moins un caractère spécial parmi : "
            "! # $ % ? & [ ] @ ^ - + / ; : , < > *",
            id="rules",
        ),
        pytest.param(
            NEW_PASSWORD,
            NEW_PASSWORD + "x",
            "Les deux mots de passe ne sont pas identiques.",
            id="differ",
        ),
    ],
)
def test_activation_password_step_lists_the_broken_rules(
    not_activated: FlaskClient, new: str, confirm: str, expected: str
) -> None:
    post_form(not_activated, "/ofpra/user/activation", identifier=IDENTIFIER, key=KEY)
    html = post_form(
        not_activated, "/ofpra/user/activation", new_password=new, confirm_password=confirm
    )
    assert alerts(html) == [expected]
    assert "<h2>Créer votre mot de passe</h2>" in html


@pytest.mark.parametrize(
    ("mobile", "email", "expected"),
    [
        pytest.param(
            "0512345678",
            "",
            "Le numéro de portable doit commencer par 06 ou 07 et compter 10 chiffres.",
            id="05",
        ),
        pytest.param(
            "061234567",
            "",
            "Le numéro de portable doit commencer par 06 ou 07 et compter 10 chiffres.",
            id="9-digits",
        ),
        pytest.param("", "pas-une-adresse", "L'adresse e-mail n'est pas valide.", id="email"),
        pytest.param(
            "", "", "Indiquez au moins un numéro de portable ou une adresse e-mail.", id="none"
        ),
    ],
)
def test_activation_contact_step_checks_mobile_and_email(
    not_activated: FlaskClient, mobile: str, email: str, expected: str
) -> None:
    post_form(not_activated, "/ofpra/user/activation", identifier=IDENTIFIER, key=KEY)
    post_form(
        not_activated,
        "/ofpra/user/activation",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    html = post_form(not_activated, "/ofpra/user/activation", mobile=mobile, email=email)
    assert alerts(html) == [expected]
    assert mock_log(not_activated)["account"]["activated"] is False


def test_activation_with_an_email_only(not_activated: FlaskClient) -> None:
    post_form(not_activated, "/ofpra/user/activation", identifier=IDENTIFIER, key=KEY)
    post_form(
        not_activated,
        "/ofpra/user/activation",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    post_form(not_activated, "/ofpra/user/activation", mobile="", email="amina@example.org")
    account = mock_log(not_activated)["account"]
    assert (account["mobile"], account["email"]) == (None, "amina@example.org")


def test_activation_can_refuse_a_good_password_with_a_reason(not_activated: FlaskClient) -> None:
    set_fault(not_activated, name="password_refused", times=1)
    post_form(not_activated, "/ofpra/user/activation", identifier=IDENTIFIER, key=KEY)
    html = post_form(
        not_activated,
        "/ofpra/user/activation",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert alerts(html) == ["Ce mot de passe a déjà été utilisé : choisissez-en un autre."]
    assert not_activated.get("/__mock__/account").get_json()["password"] == "Mock-Portal-2026!"
    # Once the fault is spent, the same password is taken.
    html = post_form(
        not_activated,
        "/ofpra/user/activation",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert "<h2>MES COORDONNÉES</h2>" in html
    assert not_activated.get("/__mock__/account").get_json()["password"] == NEW_PASSWORD


def test_activation_can_refuse_a_valid_contact(not_activated: FlaskClient) -> None:
    set_fault(not_activated, name="contact_refused")
    post_form(not_activated, "/ofpra/user/activation", identifier=IDENTIFIER, key=KEY)
    post_form(
        not_activated,
        "/ofpra/user/activation",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    html = post_form(not_activated, "/ofpra/user/activation", mobile="0712345678", email="")
    assert alerts(html) == ["Ce numéro de téléphone est déjà associé à un autre espace personnel."]
    account = not_activated.get("/__mock__/account").get_json()
    assert (account["activated"], account["password"]) == (False, NEW_PASSWORD)


def test_the_account_endpoint_gives_the_portals_current_password(mixed: FlaskClient) -> None:
    assert mixed.get("/__mock__/account").get_json() == {
        "activated": True,
        "password": "Mock-Portal-2026!",
        "mobile": "0612345678",
        "email": None,
        "locked": False,
    }
    post_form(mixed, "/ofpra/user/password", identifier=IDENTIFIER, key=KEY)
    post_form(
        mixed, "/ofpra/user/password", new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert mixed.get("/__mock__/account").get_json()["password"] == NEW_PASSWORD


def test_activation_pages_in_english() -> None:
    with client_for("not_activated") as client:
        client.get("/ofpra/lang/en")
        html = page(client, "/ofpra/user/activation")
        assert "<h1>ACTIVATION OF YOUR SECURE PERSONAL DIGITAL SPACE</h1>" in html
        assert '<label for="identifier">AGDREF number</label>' in html
        assert (
            '<label for="key">Personal connection key (number given by the prefecture at the '
            "One stop service)</label>"
        ) in html
        assert '<button type="submit">Validate</button>' in html


# --- Forgotten password, lost key, forced change -----------------------------------------------


def test_forgotten_password_with_the_key_sets_a_new_password(mixed: FlaskClient) -> None:
    html = page(mixed, "/ofpra/user/password")
    assert '<label for="identifier">Numéro de dossier Ofpra ou Numéro AGDREF</label>' in html
    assert ">J&#39;ai perdu ma clé de connexion personnelle</a>" in html
    post_form(mixed, "/ofpra/user/password", identifier=IDENTIFIER, key=KEY)
    html = post_form(
        mixed, "/ofpra/user/password", new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert (
        '<div role="status">Votre mot de passe a été modifié. Vous pouvez vous connecter.</div>'
        in html
    )
    assert "mot de passe incorrect" in log_in(mixed, PASSWORD)
    assert log_in(mixed, NEW_PASSWORD) == "/ofpra/home"
    assert mock_log(mixed)["password_resets"] == 1


def test_forgotten_password_refuses_a_wrong_key(mixed: FlaskClient) -> None:
    html = post_form(mixed, "/ofpra/user/password", identifier=IDENTIFIER, key="NOPE")
    assert alerts(html) == ["Numéro AGDREF ou clé de connexion incorrect."]


def test_forgotten_password_unlocks_a_locked_account(mixed: FlaskClient) -> None:
    for _ in range(LOCK_AFTER_FAILED_LOGINS):
        log_in(mixed, "Wrong-Password-1!")
    assert mock_log(mixed)["account"]["locked"] is True
    post_form(mixed, "/ofpra/user/password", identifier=IDENTIFIER, key=KEY)
    post_form(
        mixed, "/ofpra/user/password", new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert log_in(mixed, NEW_PASSWORD) == "/ofpra/home"


@pytest.mark.parametrize(
    ("channel", "sent_to"), [("sms", "06 ** ** ** 32"), ("email", "z***@example.org")]
)
def test_lost_key_sends_a_password_that_must_be_changed_at_login(
    channel: str, sent_to: str
) -> None:
    identifier = IDENTIFIER
    with client_for("personal_data") as client:
        html = post_form(client, "/ofpra/user/lost-key", identifier=identifier, channel=channel)
        assert f'<div role="status">Un nouveau mot de passe a été envoyé au {sent_to}.</div>' in (
            html
        )
        [sent] = mock_log(client)["outbox"]
        assert sent["channel"] == channel
        assert password_problems(sent["password"]) == []
        token = csrf_from(page(client, LOGIN))
        response = client.post(
            LOGIN,
            data={"csrf_token": token, "identifier": identifier, "password": sent["password"]},
        )
        assert response.location == "/ofpra/user/password/change"
        assert client.get("/ofpra/documents").location == "/ofpra/user/password/change"
        html = page(client, "/ofpra/user/password/change")
        assert "<h1>Changement de mot de passe obligatoire</h1>" in html
        assert "Mes documents" not in html
        assert '<a href="/ofpra/user/logout">Déconnexion</a>' in html
        html = post_form(
            client,
            "/ofpra/user/password/change",
            current_password=sent["password"],
            new_password=NEW_PASSWORD,
            confirm_password=NEW_PASSWORD,
        )
        assert "<h1>Mon espace personnel</h1>" in html
        assert mock_log(client)["password_changes"] == 1


def test_lost_key_without_that_contact_says_to_ask_the_spada(mixed: FlaskClient) -> None:
    html = post_form(mixed, "/ofpra/user/lost-key", identifier=IDENTIFIER, channel="email")
    assert alerts(html) == [
        "Ce moyen de contact n'est pas enregistré pour ce compte : adressez-vous à votre "
        "structure d'accompagnement (SPADA)."
    ]
    assert mock_log(mixed)["outbox"] == []


def test_lost_key_of_an_unknown_number(mixed: FlaskClient) -> None:
    html = post_form(mixed, "/ofpra/user/lost-key", identifier="0000000000", channel="sms")
    assert alerts(html) == ["Ce numéro ne correspond à aucun espace personnel activé."]


def test_forced_password_change_refuses_a_wrong_current_password(mixed: FlaskClient) -> None:
    set_fault(mixed, name="password_change")
    assert log_in(mixed) == "/ofpra/user/password/change"
    html = post_form(
        mixed,
        "/ofpra/user/password/change",
        current_password="Wrong-Password-1!",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert alerts(html) == ["Le mot de passe actuel est incorrect."]


# --- Lockout ---------------------------------------------------------------------------------


def test_account_locks_after_repeated_wrong_passwords(mixed: FlaskClient) -> None:
    for attempt in range(1, LOCK_AFTER_FAILED_LOGINS):
        assert alerts(log_in(mixed, "Wrong-Password-1!")) == [
            "Numéro de dossier ou mot de passe incorrect."
        ], attempt
    locked = (
        "Votre compte est bloqué après plusieurs tentatives infructueuses. Utilisez « J'ai "
        "oublié mon mot de passe » pour le débloquer."
    )
    assert alerts(log_in(mixed, "Wrong-Password-1!")) == [locked]
    # Locked: even the right password is refused now.
    assert alerts(log_in(mixed, PASSWORD)) == [locked]
    log = mock_log(mixed)
    assert (log["failed_logins"], log["locked_logins"], log["logins"]) == (3, 1, 0)


def test_a_good_login_resets_the_count_of_wrong_passwords(mixed: FlaskClient) -> None:
    for _ in range(LOCK_AFTER_FAILED_LOGINS - 1):
        log_in(mixed, "Wrong-Password-1!")
    assert log_in(mixed) == "/ofpra/home"
    mixed.get("/ofpra/user/logout")
    log_in(mixed, "Wrong-Password-1!")
    assert mock_log(mixed)["account"]["locked"] is False


# --- Fault switches --------------------------------------------------------------------------


def test_fault_control_lists_sets_and_clears(mixed: FlaskClient) -> None:
    listed = mixed.get("/__mock__/faults").get_json()
    assert listed == {"faults": dict(FAULTS), "active": None}
    set_fault(mixed, name="http_503", page="documents", times=2)
    assert mock_log(mixed)["fault"] == {"name": "http_503", "page": "documents", "times": 2}
    assert mixed.post("/__mock__/fault", json={"name": None}).status_code == 200
    assert mock_log(mixed)["fault"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({"name": "http_418"}, 404, id="unknown"),
        pytest.param({"name": "captcha", "page": "home"}, 400, id="page-not-for-this-fault"),
        pytest.param({"name": "http_503", "page": "kitchen"}, 400, id="bad-page"),
        pytest.param({"name": "http_503", "times": 0}, 400, id="zero-times"),
        pytest.param({"name": "slow", "seconds": -1}, 400, id="negative-seconds"),
        pytest.param({"name": "slow", "colour": "red"}, 400, id="unknown-field"),
        pytest.param(["http_503"], 400, id="not-an-object"),
    ],
)
def test_fault_control_refuses_a_bad_switch(mixed: FlaskClient, body: object, status: int) -> None:
    response = mixed.post("/__mock__/fault", json=body)
    assert response.status_code == status
    assert response.get_json()["faults"] == list(FAULTS)
    assert mock_log(mixed)["fault"] is None


def test_fault_from_option_parses_the_command_line_form() -> None:
    fault = fault_from_option("slow:seconds=2.5,page=documents,times=1")
    assert (fault.name, fault.page, fault.times, fault.seconds) == ("slow", "documents", 1, 2.5)
    assert fault_from_option("session_expiry").page == "documents"
    with pytest.raises(FaultError, match="expected key=value"):
        fault_from_option("slow:seconds")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_fault_http_error_on_every_page(mixed: FlaskClient, status: int) -> None:
    set_fault(mixed, name=f"http_{status}")
    response = mixed.get(LOGIN)
    assert response.status_code == status
    assert f"Le serveur a rencontré une erreur ({status})." in response.get_data(as_text=True)


def test_fault_http_error_on_one_page_a_limited_number_of_times(mixed: FlaskClient) -> None:
    set_fault(mixed, name="http_502", page="documents", times=1)
    assert log_in(mixed) == "/ofpra/home"
    assert mixed.get("/ofpra/home").status_code == 200
    assert mixed.get("/ofpra/documents").status_code == 502
    assert mixed.get("/ofpra/documents").status_code == 200
    assert mock_log(mixed)["fault"] is None


def test_fault_never_hides_a_request_for_a_document(mixed: FlaskClient) -> None:
    log_in(mixed)
    set_fault(mixed, name="http_503")
    mixed.get("/ofpra/documents/7/view")
    assert [view["id"] for view in mock_log(mixed)["view_requests"]] == [7]


def test_fault_maintenance_page(mixed: FlaskClient) -> None:
    set_fault(mixed, name="maintenance")
    html = page(mixed, LOGIN)
    assert "<h1>Site en maintenance</h1>" in html
    set_fault(mixed, name="maintenance", status=503)
    assert mixed.get(LOGIN).status_code == 503


def test_fault_captcha_on_the_login_page(mixed: FlaskClient) -> None:
    set_fault(mixed, name="captcha")
    html = page(mixed, LOGIN)
    assert "<legend>Vérification de sécurité</legend>" in html
    assert '<label for="captcha">Caractères de l&#39;image</label>' in html
    token = csrf_from(html)
    response = mixed.post(
        LOGIN, data={"csrf_token": token, "identifier": IDENTIFIER, "password": PASSWORD}
    )
    assert alerts(response.get_data(as_text=True)) == [
        "Les caractères saisis ne correspondent pas à l'image."
    ]
    assert mock_log(mixed)["failed_logins"] == 0
    token = csrf_from(page(mixed, LOGIN))
    response = mixed.post(
        LOGIN,
        data={
            "csrf_token": token,
            "identifier": IDENTIFIER,
            "password": PASSWORD,
            "captcha": CAPTCHA_CODE,
        },
    )
    assert response.location == "/ofpra/home"


def test_fault_account_locked(mixed: FlaskClient) -> None:
    set_fault(mixed, name="account_locked")
    assert "Votre compte est bloqué" in log_in(mixed)
    assert mock_log(mixed)["logins"] == 0


def test_fault_session_expiry_sends_back_to_the_login_page(mixed: FlaskClient) -> None:
    set_fault(mixed, name="session_expiry")
    log_in(mixed)
    assert mixed.get("/ofpra/home").status_code == 200
    response = mixed.get("/ofpra/documents")
    assert response.location == LOGIN
    html = page(mixed, LOGIN)
    assert '<div role="status">Votre session a expiré. Veuillez vous reconnecter.</div>' in html
    assert mixed.get("/ofpra/home").location == LOGIN


def test_fault_table_renamed(mixed: FlaskClient) -> None:
    set_fault(mixed, name="table_renamed")
    log_in(mixed)
    table = parse_table(page(mixed, "/ofpra/documents"))
    assert table.headers == [
        "Lecture",
        "Pièce",
        "Déposée le",
        "Émetteur",
        "Notifiée le",
        "Délai",
        "Accès",
    ]
    assert len(table.rows) == 7


def test_fault_table_moved(mixed: FlaskClient) -> None:
    set_fault(mixed, name="table_moved")
    log_in(mixed)
    html = page(mixed, "/ofpra/home")
    assert "Mes documents" not in html
    # No link of the home page leads to the list any more, by any name.
    assert 'href="/ofpra/documents' not in html
    assert "Ma correspondance" not in html


def test_fault_table_replaced(mixed: FlaskClient) -> None:
    set_fault(mixed, name="table_replaced")
    log_in(mixed)
    html = page(mixed, "/ofpra/documents")
    assert "<table" not in html
    assert html.count("<li") >= 7


def test_fault_hidden_row_leaves_out_an_unread_letter(mixed: FlaskClient) -> None:
    set_fault(mixed, name="hidden_row")
    log_in(mixed)
    rows = parse_table(page(mixed, "/ofpra/documents")).rows
    assert len(rows) == 6
    assert [row[0] for row in rows].count("Non lu") == 1
    assert "Vous avez reçu 7 courrier(s)" in page(mixed, "/ofpra/home")


def test_fault_slow_answers_late_and_stopping_wakes_it() -> None:
    with MockPortalServer("mixed", today=TODAY) as server:
        server.set_fault("slow", seconds=0.3, times=1)
        started = time.monotonic()
        with urllib.request.urlopen(server.login_url, timeout=5) as response:
            assert response.status == 200
        assert time.monotonic() - started >= 0.3

        server.set_fault("slow", seconds=60)
        held = threading.Thread(
            target=lambda: urllib.request.urlopen(server.login_url, timeout=30).close()
        )
        held.start()
        deadline = time.monotonic() + 5
        while len(server.log()["requests"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # polling for the request to arrive, not waiting a fixed time
        assert len(server.log()["requests"]) == 2
        started = time.monotonic()
    # Stopping the server wakes the request it was holding, instead of waiting 60 seconds.
    held.join(timeout=10)
    assert not held.is_alive()
    assert time.monotonic() - started < 5


def test_fault_stays_on_after_reset_and_goes_with_a_new_scenario(mixed: FlaskClient) -> None:
    set_fault(mixed, name="http_503", times=1)
    mixed.get(LOGIN)
    assert mock_log(mixed)["fault"] is None
    set_fault(mixed, name="http_503", times=1)
    mixed.post("/__mock__/reset")
    assert mock_log(mixed)["fault"] == {"name": "http_503", "page": "all", "times": 1}
    mixed.post("/__mock__/scenario", json={"name": "empty"})
    assert mock_log(mixed)["fault"] is None


def test_fault_json_round_trip() -> None:
    fault = fault_from_json({"name": "maintenance", "status": 503, "times": 2})
    assert fault.to_json() == {"name": "maintenance", "page": "all", "times": 2, "status": 503}


# --- Pagination ------------------------------------------------------------------------------


def test_documents_paginate_20_per_page_with_next_and_previous_links() -> None:
    with client_for("many_letters") as client:
        log_in(client)
        first = page(client, "/ofpra/documents")
        assert len(parse_table(first).rows) == 20
        assert '<a href="/ofpra/documents?page=2" rel="next">Page suivante</a>' in first
        assert "Page précédente" not in first
        assert '<span aria-current="page">Page 1 sur 10</span>' in first
        middle = page(client, "/ofpra/documents?page=5")
        assert '<a href="/ofpra/documents?page=4" rel="prev">Page précédente</a>' in middle
        last = page(client, "/ofpra/documents?page=10")
        assert "Page suivante" not in last
        rows = [
            row
            for number in range(1, 11)
            for row in parse_table(page(client, f"/ofpra/documents?page={number}")).rows
        ]
        assert len(rows) == 200
        assert client.get("/ofpra/documents?page=11").status_code == 404
        client.get("/ofpra/lang/en")
        assert ">Next page</a>" in page(client, "/ofpra/documents")
        assert "Page 1 of 10" in page(client, "/ofpra/documents")


def test_home_greets_the_person_by_name() -> None:
    with client_for("personal_data") as client:
        log_in(client)
        assert "<h2>Bonjour Mme Zaineb KHAROUFI</h2>" in page(client, "/ofpra/home")


# --- Command line ----------------------------------------------------------------------------


def test_cli_lists_the_faults() -> None:
    result = run_cli("--list-faults")
    assert result.returncode == 0, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == list(FAULTS)


def test_cli_refuses_an_unknown_fault() -> None:
    result = run_cli("--fault", "http_418")
    assert result.returncode == 2
    assert "unknown fault 'http_418'" in result.stderr


def test_a_scenario_whose_password_is_refused_accepts_one_chosen_on_the_portal() -> None:
    with client_for("wrong_password") as client:
        assert "mot de passe incorrect" in log_in(client)
        post_form(client, "/ofpra/user/password", identifier=IDENTIFIER, key=KEY)
        post_form(
            client,
            "/ofpra/user/password",
            new_password=NEW_PASSWORD,
            confirm_password=NEW_PASSWORD,
        )
        assert log_in(client, NEW_PASSWORD) == "/ofpra/home"
