"""The mock portal: the pages, labels and dates the flows rely on, and its control endpoints."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fixtures.mock_portal import (
    MockPortalServer,
    Scenario,
    ScenarioError,
    UnknownScenarioError,
    create_app,
    list_scenarios,
    load_scenario,
)
from fixtures.mock_portal.scenarios import LetterSpec
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

FRENCH_HEADERS = [
    "Statut",
    "Document",
    "Date de mise à disposition",
    "Expéditeur",
    "Date de notification*",
    "Temps restant pour accéder au courrier",
    "Consulter",
]
ENGLISH_HEADERS = [
    "Status",
    "Document",
    "Provision date",
    "Sender",
    "Notification date*",
    "Remaining time to access the account",
    "View",
]


def app_for(scenario: str | Scenario, today: date = TODAY) -> Flask:
    app = create_app(scenario, today)
    app.testing = True
    return app


@pytest.fixture
def mixed() -> Iterator[FlaskClient]:
    with app_for("mixed").test_client() as client:
        yield client


# --- Scenarios -------------------------------------------------------------------------------


def test_scenarios_bundled_ones_exist_and_load() -> None:
    names = list_scenarios()
    assert {
        "empty",
        "decision_9_days",
        "mixed",
        "wrong_password",
        "english",
        "deemed_notified",
    } <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert scenario.description
        assert "\n" not in scenario.description


def test_scenarios_mixed_has_read_and_unread_letters_of_several_kinds() -> None:
    letters = load_scenario("mixed").letters_on(TODAY)
    assert len(letters) >= 6
    assert len({letter.kind for letter in letters}) >= 5
    unread = [letter for letter in letters if not letter.is_read]
    assert len(unread) >= 2
    assert any(letter.is_notified_letter for letter in unread)


def test_scenarios_unknown_name_lists_the_existing_ones() -> None:
    with pytest.raises(UnknownScenarioError) as raised:
        load_scenario("../mixed")
    assert str(raised.value) == (
        "unknown scenario '../mixed'; scenarios: " + ", ".join(list_scenarios())
    )


def test_scenarios_bad_kind_names_the_file_and_field() -> None:
    data = {
        "description": "x",
        "identifier": "1",
        "password": "p",
        "letters": [{"kind": "decisoin", "made_available_days_ago": 1}],
    }
    with pytest.raises(ScenarioError, match=r"^bad\.json: letters\[0\]: kind: unknown kind "):
        Scenario.from_dict("bad", data, "bad.json")


def test_scenarios_unknown_field_is_rejected() -> None:
    data = {"description": "x", "identifier": "1", "password": "p", "langage": "en"}
    with pytest.raises(ScenarioError, match=r"^bad\.json: unknown field\(s\) langage "):
        Scenario.from_dict("bad", data, "bad.json")


def test_scenarios_letters_are_dated_from_today_with_ids_in_file_order() -> None:
    letters = load_scenario("decision_9_days").letters_on(TODAY)
    assert [
        (letter.id, letter.kind, letter.made_available_on, letter.notified_on, letter.read_on)
        for letter in letters
    ] == [(1, "decision", date(2026, 3, 5), date(2026, 3, 5), None)]


# --- Login -----------------------------------------------------------------------------------


def test_root_redirects_to_login(mixed: FlaskClient) -> None:
    response = mixed.get("/")
    assert response.status_code == 302
    assert response.location == LOGIN


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        pytest.param(
            "fr",
            [
                '<html lang="fr">',
                "<title>Connexion | Ofpra</title>",
                '<label for="identifier">Numéro de dossier Ofpra ou Numéro AGDREF</label>',
                '<label for="password">Mot de passe</label>',
                '<input type="password" id="password" name="password"',
                "<p>Tous les champs sont obligatoires</p>",
                '<button type="submit">Se connecter</button>',
                ">J&#39;ai oublié mon mot de passe</a>",
                ">JE N&#39;AI PAS ENCORE ACTIVÉ MON ESPACE PERSONNEL</a>",
                '<nav aria-label="Langue / Language">',
            ],
            id="fr",
        ),
        pytest.param(
            "en",
            [
                '<html lang="en">',
                "<title>Log in | Ofpra</title>",
                '<label for="identifier">Ofpra file number or AGDREF number</label>',
                '<label for="password">Password</label>',
                "<p>All fields are mandatory</p>",
                '<button type="submit">Log in</button>',
                ">I forgot my password</a>",
                ">I HAVE NOT YET ACTIVATED MY PERSONAL ACCOUNT</a>",
            ],
            id="en",
        ),
    ],
)
def test_login_page_labels(mixed: FlaskClient, lang: str, texts: list[str]) -> None:
    mixed.get(f"/ofpra/lang/{lang}?next={LOGIN}")
    html = page(mixed, LOGIN)
    for text in texts:
        assert text in html


def test_login_with_csrf_token_logs_in_and_redirects_home(mixed: FlaskClient) -> None:
    assert log_in(mixed) == "/ofpra/home"
    assert "<h1>Mon espace personnel</h1>" in page(mixed, "/ofpra/home")
    assert mock_log(mixed)["logins"] == 1


@pytest.mark.parametrize("token", ["wrong-token", ""], ids=["wrong", "missing"])
def test_login_with_bad_csrf_token_is_400_session_expired(mixed: FlaskClient, token: str) -> None:
    page(mixed, LOGIN)
    response = mixed.post(
        LOGIN, data={"csrf_token": token, "identifier": IDENTIFIER, "password": PASSWORD}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<p>Votre session a expiré, veuillez réessayer.</p>" in html
    assert '<a href="/ofpra/user/login">Retour à la page de connexion</a>' in html
    assert mock_log(mixed)["logins"] == 0
    assert mock_log(mixed)["csrf_failures"] == 1
    assert mixed.get("/ofpra/documents").status_code == 302


def test_login_without_any_session_is_400(mixed: FlaskClient) -> None:
    response = mixed.post(
        LOGIN, data={"csrf_token": "x", "identifier": IDENTIFIER, "password": PASSWORD}
    )
    assert response.status_code == 400


def test_login_rotates_the_csrf_token(mixed: FlaskClient) -> None:
    old_token = csrf_from(page(mixed, LOGIN))
    log_in(mixed)
    with mixed.session_transaction() as session:
        assert session["csrf_token"] != old_token


@pytest.mark.parametrize(
    ("lang", "alert"),
    [
        ("fr", '<div role="alert">Numéro de dossier ou mot de passe incorrect.</div>'),
        ("en", '<div role="alert">Incorrect file number or password.</div>'),
    ],
)
def test_login_wrong_password_shows_the_alert(mixed: FlaskClient, lang: str, alert: str) -> None:
    mixed.get(f"/ofpra/lang/{lang}")
    html = log_in(mixed, password="Wrong-Password-1!")
    assert alert in html
    assert f'value="{IDENTIFIER}"' in html
    assert mock_log(mixed)["failed_logins"] == 1
    assert mixed.get("/ofpra/home").status_code == 302


def test_login_rejected_when_scenario_accepts_no_password() -> None:
    with app_for("wrong_password").test_client() as client:
        html = log_in(client)
        assert '<div role="alert">Numéro de dossier ou mot de passe incorrect.</div>' in html
        assert mock_log(client)["logins"] == 0
        assert mock_log(client)["failed_logins"] == 1


@pytest.mark.parametrize("path", ["/ofpra/home", "/ofpra/documents"])
def test_login_required_redirects_to_the_login_page(mixed: FlaskClient, path: str) -> None:
    response = mixed.get(path)
    assert response.status_code == 302
    assert response.location == LOGIN


def test_login_page_when_logged_in_goes_home(mixed: FlaskClient) -> None:
    log_in(mixed)
    assert mixed.get(LOGIN).location == "/ofpra/home"


# --- Home and navigation ---------------------------------------------------------------------


def test_home_counts_letters_and_unread_in_red(mixed: FlaskClient) -> None:
    log_in(mixed)
    html = page(mixed, "/ofpra/home")
    assert (
        '<p>Vous avez reçu 7 courrier(s), dont <span class="unread-count">2</span> non lu(s).</p>'
        in html
    )
    mixed.get("/ofpra/lang/en")
    assert (
        '<p>You have received 7 letter(s), including <span class="unread-count">2</span> '
        "unread.</p>" in page(mixed, "/ofpra/home")
    )


def test_main_nav_on_every_logged_in_page(mixed: FlaskClient) -> None:
    log_in(mixed)
    for path in ("/ofpra/home", "/ofpra/documents"):
        html = page(mixed, path)
        assert '<nav aria-label="Menu principal">' in html
        assert '<a href="/ofpra/home">Accueil</a>' in html
        assert '<a href="/ofpra/documents">Mes documents</a>' in html
        assert '<a href="/ofpra/user/logout">Déconnexion</a>' in html


def test_main_nav_absent_when_logged_out(mixed: FlaskClient) -> None:
    assert "Menu principal" not in page(mixed, LOGIN)


def test_language_menu_sets_language_and_returns_to_the_page(mixed: FlaskClient) -> None:
    html = page(mixed, LOGIN)
    assert (
        '<a href="/ofpra/lang/en?next=/ofpra/user/login" lang="en" hreflang="en">English</a>'
        in html
    )
    response = mixed.get("/ofpra/lang/en?next=/ofpra/user/login")
    assert response.location == LOGIN
    assert '<html lang="en">' in page(mixed, LOGIN)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_language_menu_refuses_to_redirect_off_site(mixed: FlaskClient, target: str) -> None:
    response = mixed.get("/ofpra/lang/fr?" + urllib.parse.urlencode({"next": target}))
    assert response.location == LOGIN


# --- Documents table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "headers", "caption"),
    [("fr", FRENCH_HEADERS, "Mes documents"), ("en", ENGLISH_HEADERS, "My documents")],
)
def test_documents_table_headers(
    mixed: FlaskClient, lang: str, headers: list[str], caption: str
) -> None:
    mixed.get(f"/ofpra/lang/{lang}")
    log_in(mixed)
    html = page(mixed, "/ofpra/documents")
    assert html.count("<table>") == 1
    table = parse_table(html)
    assert table.headers == headers
    assert table.caption == caption
    for header in headers:
        assert f'<th scope="col">{header}</th>' in html


def test_documents_mixed_rows_in_french_newest_first(mixed: FlaskClient) -> None:
    log_in(mixed)
    table = parse_table(page(mixed, "/ofpra/documents"))
    assert table.rows == [
        ["Non lu", "Convocation", "08/03/2026", "OFPRA", "08/03/2026", "13 jours", ""],
        [
            "✓ Lu le 05/02/2026",
            "Renotification",
            "03/02/2026",
            "OFPRA",
            "03/02/2026",
            "Courrier notifié",
            "",
        ],
        ["✓ Lu le 21/10/2025", "Annulation de convocation", "21/10/2025", "OFPRA", "", "", ""],
        [
            "✓ Lu le 12/10/2025",
            "Convocation",
            "11/10/2025",
            "OFPRA",
            "11/10/2025",
            "Courrier notifié",
            "",
        ],
        ["Non lu", "6 mois", "13/07/2025", "OFPRA", "", "", ""],
        [
            "✓ Lu le 17/01/2025",
            "Introduction (courrier d'enregistrement)",
            "16/01/2025",
            "OFPRA",
            "",
            "",
            "",
        ],
        ["✓ Lu le 14/01/2025", "Création de compte", "14/01/2025", "OFPRA", "", "", ""],
    ]
    assert table.row_classes == ["unread", "", "", "", "unread", "", ""]
    assert table.view_links[0] == ("/ofpra/documents/7/view", "Consulter le document")
    assert [href for href, _ in table.view_links] == [
        f"/ofpra/documents/{number}/view" for number in (7, 6, 5, 4, 3, 2, 1)
    ]


def test_documents_english_dates_are_us_style_without_leading_zeros() -> None:
    with app_for("english").test_client() as client:
        log_in(client)
        html = page(client, "/ofpra/documents")
    table = parse_table(html)
    assert table.rows == [
        ["", "Decision", "3/7/26", "OFPRA", "3/7/26", "12 days", ""],
        ["", "Filing receipt", "2/18/26", "OFPRA", "", "", ""],
        ["✓ Read on 11/30/25", "6 Months", "11/10/25", "OFPRA", "", "", ""],
        [
            "✓ Read on 9/1/25",
            "Appointment (Convocation)",
            "8/22/25",
            "OFPRA",
            "8/22/25",
            "Notified letter",
            "",
        ],
        ["✓ Read on 5/15/25", "Introduction (lodging)", "5/14/25", "OFPRA", "", "", ""],
    ]
    assert table.row_classes == ["unread", "unread", "", "", ""]
    assert table.view_links[0] == ("/ofpra/documents/5/view", "View the document")


def test_documents_unknown_label_in_french() -> None:
    with app_for("english").test_client() as client:
        client.get("/ofpra/lang/fr")
        log_in(client)
        rows = parse_table(page(client, "/ofpra/documents")).rows
    assert rows[1] == ["", "Attestation de dépôt", "18/02/2026", "OFPRA", "", "", ""]


def test_documents_decision_notified_5_days_ago_shows_10_days() -> None:
    with app_for("decision_9_days").test_client() as client:
        log_in(client)
        rows = parse_table(page(client, "/ofpra/documents")).rows
    assert rows == [["Non lu", "Décision", "05/03/2026", "OFPRA", "05/03/2026", "10 jours", ""]]


def test_documents_unread_past_15_days_shows_notified_letter() -> None:
    with app_for("deemed_notified").test_client() as client:
        log_in(client)
        rows = parse_table(page(client, "/ofpra/documents")).rows
    assert rows[0] == [
        "Non lu",
        "Convocation",
        "18/02/2026",
        "OFPRA",
        "18/02/2026",
        "Courrier notifié",
        "",
    ]


@pytest.mark.parametrize(
    ("days_ago", "lang", "expected"),
    [
        (14, "fr", "1 jour"),
        (14, "en", "1 day"),
        (13, "en", "2 days"),
        (0, "fr", "15 jours"),
        (15, "fr", "Courrier notifié"),
    ],
)
def test_documents_remaining_time(days_ago: int, lang: str, expected: str) -> None:
    scenario = Scenario(
        name="custom",
        description="one convocation",
        letters=(LetterSpec("convocation", days_ago, notified_days_ago=days_ago),),
    )
    with app_for(scenario).test_client() as client:
        client.get(f"/ofpra/lang/{lang}")
        log_in(client)
        rows = parse_table(page(client, "/ofpra/documents")).rows
    assert rows[0][5] == expected


def test_documents_empty_account_has_no_rows_and_says_so() -> None:
    with app_for("empty").test_client() as client:
        log_in(client)
        html = page(client, "/ofpra/documents")
        assert "<p>Vous n&#39;avez aucun document.</p>" in html
        assert parse_table(html).rows == []
        assert "<tbody>" in html
        client.get("/ofpra/lang/en")
        assert "<p>You have no documents.</p>" in page(client, "/ofpra/documents")


def test_documents_page_with_letters_does_not_say_empty(mixed: FlaskClient) -> None:
    log_in(mixed)
    assert "aucun document" not in page(mixed, "/ofpra/documents")


# --- Viewing a document (the legal act the assistant must never perform) ----------------------


def test_view_request_is_recorded_and_marks_the_letter_read(mixed: FlaskClient) -> None:
    log_in(mixed)
    response = mixed.get("/ofpra/documents/7/view")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    log = mock_log(mixed)
    [view] = log["view_requests"]
    assert view == {"id": 7, "path": "/ofpra/documents/7/view", "at": view["at"]}
    assert datetime.fromisoformat(view["at"]).tzinfo is not None
    rows = parse_table(page(mixed, "/ofpra/documents")).rows
    assert rows[0][:1] + rows[0][5:6] == ["✓ Lu le 10/03/2026", "Courrier notifié"]
    assert 'dont <span class="unread-count">1</span>' in page(mixed, "/ofpra/home")


def test_view_request_is_recorded_even_when_logged_out(mixed: FlaskClient) -> None:
    response = mixed.get("/ofpra/documents/3/view")
    assert response.status_code == 302
    assert [view["id"] for view in mock_log(mixed)["view_requests"]] == [3]


def test_view_request_for_unknown_letter_is_recorded_and_404(mixed: FlaskClient) -> None:
    log_in(mixed)
    assert mixed.get("/ofpra/documents/99/view").status_code == 404
    assert mixed.get("/ofpra/documents/abc/view").status_code == 404
    ids = [view["id"] for view in mock_log(mixed)["view_requests"]]
    assert ids == [99, "abc"]


# --- Logout ----------------------------------------------------------------------------------


def test_logout_is_counted_and_shows_the_notice(mixed: FlaskClient) -> None:
    mixed.get("/ofpra/lang/en")
    log_in(mixed)
    response = mixed.get("/ofpra/user/logout")
    assert response.status_code == 302
    assert response.location == LOGIN
    html = page(mixed, LOGIN)
    assert '<div role="status">You are logged out.</div>' in html
    assert "You are logged out." not in page(mixed, LOGIN)
    assert mixed.get("/ofpra/documents").status_code == 302
    log = mock_log(mixed)
    assert (log["logins"], log["logouts"]) == (1, 1)


def test_logout_without_a_session_is_not_counted(mixed: FlaskClient) -> None:
    mixed.get("/ofpra/user/logout")
    assert mock_log(mixed)["logouts"] == 0
    assert '<div role="status">Vous êtes déconnecté(e).</div>' in page(mixed, LOGIN)


# --- Control endpoints -----------------------------------------------------------------------


def test_control_log_lists_requests_but_not_its_own(mixed: FlaskClient) -> None:
    log_in(mixed)
    log = mock_log(mixed)
    assert log["requests"] == [
        {"method": "GET", "path": LOGIN},
        {"method": "POST", "path": LOGIN},
    ]
    assert (log["scenario"], log["today"]) == ("mixed", "2026-03-10")


def test_control_reset_restores_letters_and_clears_the_log(mixed: FlaskClient) -> None:
    log_in(mixed)
    mixed.get("/ofpra/documents/7/view")
    assert mixed.post("/__mock__/reset").status_code == 200
    log = mock_log(mixed)
    assert (log["logins"], log["view_requests"], log["requests"]) == (0, [], [])
    # The session survives a reset: the same client is still logged in.
    rows = parse_table(page(mixed, "/ofpra/documents")).rows
    assert rows[0][0] == "Non lu"


def test_control_scenario_switch(mixed: FlaskClient) -> None:
    log_in(mixed)
    response = mixed.post("/__mock__/scenario", json={"name": "empty", "today": "2026-01-02"})
    assert response.status_code == 200
    log = mock_log(mixed)
    assert (log["scenario"], log["today"], log["logins"], log["requests"]) == (
        "empty",
        "2026-01-02",
        0,
        [],
    )
    assert parse_table(page(mixed, "/ofpra/documents")).rows == []


def test_control_scenario_unknown_is_404(mixed: FlaskClient) -> None:
    response = mixed.post("/__mock__/scenario", json={"name": "nope"})
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "unknown scenario 'nope'; scenarios: " + ", ".join(list_scenarios()),
        "scenarios": list_scenarios(),
    }
    assert mock_log(mixed)["scenario"] == "mixed"


@pytest.mark.parametrize(
    "body", [{"name": "empty", "today": "10/03/2026"}, {"today": "2026-01-01"}, ["empty"]]
)
def test_control_scenario_bad_request_is_400(mixed: FlaskClient, body: object) -> None:
    assert mixed.post("/__mock__/scenario", json=body).status_code == 400


# --- Test server over loopback ---------------------------------------------------------------


def test_server_serves_the_portal_over_loopback() -> None:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with MockPortalServer("decision_9_days", today=TODAY) as server:
        assert server.login_url == server.base_url + LOGIN
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        with opener.open(server.login_url, timeout=5) as response:
            token = csrf_from(response.read().decode())
        form = urllib.parse.urlencode(
            {"csrf_token": token, "identifier": IDENTIFIER, "password": PASSWORD}
        ).encode()
        with opener.open(server.login_url, data=form, timeout=5) as response:
            assert response.url == server.base_url + "/ofpra/home"
        with opener.open(server.base_url + "/ofpra/documents", timeout=5) as response:
            rows = parse_table(response.read().decode()).rows
        assert rows[0][5] == "10 jours"
        with opener.open(server.base_url + "/__mock__/log", timeout=5) as response:
            assert json.load(response) == server.log()
        assert server.log()["logins"] == 1
        server.use_scenario("wrong_password", today=TODAY)
        assert server.log()["scenario"] == "wrong_password"
        server.reset()
        assert server.state.log()["requests"] == []
        base_url = server.base_url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base_url + LOGIN, timeout=5)


# --- Command line ----------------------------------------------------------------------------


def test_cli_list_scenarios_prints_names_descriptions_and_credentials() -> None:
    result = run_cli("--list-scenarios")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[
            lines.index(
                "decision_9_days: One unread decision notified 5 days ago: 9 days left to open it."
            )
            + 1
        ]
        == "    identifier 1234561552, password Mock-Portal-2026!"
    )
    assert "    identifier 1234561552, password Mock-Portal-2026! (always rejected)" in lines
    # A tester needs the connection key to try activation and the lost-password way back.
    activation = lines.index(next(line for line in lines if line.startswith("not_activated: ")))
    assert lines[activation + 2] == (
        "    connection key K7P2-M9QX-4TZ8 (not activated yet: activate it with this key)"
    )
    decision = lines.index(next(line for line in lines if line.startswith("decision_9_days: ")))
    assert lines[decision + 2] == "    connection key K7P2-M9QX-4TZ8"
    listed = [line.split(":")[0] for line in lines if not line.startswith(" ")]
    assert listed == list_scenarios()


def test_cli_unknown_scenario_exits_2_listing_scenarios() -> None:
    result = run_cli("--scenario", "nope")
    assert result.returncode == 2
    assert (
        "error: unknown scenario 'nope'; scenarios: " + ", ".join(list_scenarios()) in result.stderr
    )


def test_cli_refuses_a_non_loopback_host() -> None:
    result = run_cli("--host", "0.0.0.0")
    assert result.returncode == 2
    assert "error: --host 0.0.0.0: the mock portal only listens on loopback" in result.stderr
