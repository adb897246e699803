"""The mock portal's other shapes of the real one's words (issue 19): date cells with their hour,
the documents link under other names or none, the logout as a button, and decoys. Through
Flask's test client (no browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time

import pytest
from flask.testing import FlaskClient

from fixtures.mock_portal import Scenario, create_app
from fixtures.mock_portal.scenarios import LetterSpec, ScenarioError
from tests.conftest import log_in, mock_log, page, parse_table

TODAY = date(2026, 11, 26)


def client_for(scenario: str | Scenario) -> FlaskClient:
    app = create_app(scenario, TODAY)
    app.testing = True
    return app.test_client()


@pytest.fixture
def hours() -> Iterator[FlaskClient]:
    with client_for("hours") as client:
        yield client


def test_hours_scenario_shows_the_hour_in_date_and_status_cells(hours: FlaskClient) -> None:
    log_in(hours)
    table = parse_table(page(hours, "/ofpra/documents"))

    # Newest first: status, document, provision date, sender, notification date.
    assert [row[:5] for row in table.rows] == [
        ["Non lu", "Décision", "23/11/2026 à 11:58", "OFPRA", "23/11/2026"],
        ["✓ Lu le 08/11/2026 à 17:42", "Convocation", "06/11/2026 à 08:30", "OFPRA", "06/11/2026"],
        ["Non lu", "6 mois", "17/10/2026", "OFPRA", ""],
        [
            "✓ Lu le 28/09/2026 à 23:30",
            "Introduction (courrier d'enregistrement)",
            "27/09/2026 à 10:15",
            "OFPRA",
            "",
        ],
    ]


@pytest.mark.parametrize(
    ("style", "language", "made", "status"),
    [
        ("a", "fr", "24/11/2026 à 09:05", "✓ Lu le 25/11/2026 à 14:32"),
        ("seconds", "fr", "24/11/2026 09:05:07", "✓ Lu le 25/11/2026 14:32:00"),
        ("comma_h", "fr", "24/11/2026, 09h05", "✓ Lu le 25/11/2026, 14h32"),
        ("ampm", "en", "11/24/26 9:05 AM", "✓ Read on 11/25/26 2:32 PM"),
        ("comma", "en", "11/24/26, 09:05", "✓ Read on 11/25/26, 14:32"),
        ("none", "fr", "24/11/2026", "✓ Lu le 25/11/2026"),
    ],
)
def test_every_hour_style_is_rendered_as_the_issue_quotes_it(
    style: str, language: str, made: str, status: str
) -> None:
    scenario = Scenario.from_dict(
        "styled",
        {
            "description": "one letter",
            "identifier": "1234561552",
            "password": "Mock-Portal-2026!",
            "language": language,
            "hour_style": style,
            "letters": [
                {
                    "kind": "six_months",
                    "made_available_days_ago": 2,
                    "read_days_ago": 1,
                    "made_available_time": "09:05:07",
                    "read_time": "14:32",
                }
            ],
        },
    )
    with client_for(scenario) as client:
        log_in(client)
        [row] = parse_table(page(client, "/ofpra/documents")).rows

    assert (row[2], row[0]) == (made, status)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"hour_style": "noon"}, "hour_style: must be one of none, a, seconds"),
        (
            {"letters": [{"kind": "decision", "made_available_days_ago": 1, "read_time": "25:70"}]},
            "read_time: must be an hour HH:MM or HH:MM:SS",
        ),
        (
            {
                "letters": [
                    {"kind": "decision", "made_available_days_ago": 1, "made_available_time": "9h"}
                ]
            },
            "made_available_time: must be an hour",
        ),
    ],
)
def test_a_scenario_with_a_bad_hour_is_refused(data: dict[str, object], says: str) -> None:
    base = {"description": "x", "identifier": "1", "password": "p"}
    with pytest.raises(ScenarioError, match=says):
        Scenario.from_dict("bad", {**base, **data})


def test_letter_spec_keeps_its_hours() -> None:
    spec = LetterSpec("decision", 3, made_available_time=time(11, 58))
    [letter] = Scenario("x", "x", letters=(spec,)).letters_on(TODAY)
    assert (letter.made_available_on, letter.made_available_time) == (
        date(2026, 11, 23),
        time(11, 58),
    )
    assert letter.read_time is None


def header_links(html: str) -> list[tuple[str, str]]:
    """The main menu's links and buttons: (address or form action, name)."""
    menu = html.split('aria-label="Menu principal"', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r'<a href="([^"]+)">([^<]+)</a>', menu)
    found += [
        (action, name.strip())
        for action, name in re.findall(
            r'<form method="post" action="([^"]+)">.*?<button type="submit">([^<]+)</button>',
            menu,
            re.S,
        )
    ]
    return found


@pytest.mark.parametrize(
    ("scenario", "links"),
    [
        (
            "renamed_links",
            [
                ("/ofpra/home", "Accueil"),
                ("/ofpra/suivi", "Mes courriers"),
                ("/ofpra/user/logout", "Déconnexion"),
            ],
        ),
        (
            "unnamed_link",
            [
                ("/ofpra/home", "Accueil"),
                ("/ofpra/actualites", "Actualités"),
                ("/ofpra/suivi", "Suivi de mon dossier"),
                ("/ofpra/user/logout", "Me déconnecter"),
            ],
        ),
        (
            "decoy_news",
            [
                ("/ofpra/home", "Accueil"),
                ("/ofpra/actualites", "Actualités"),
                ("/ofpra/user/logout", "Déconnexion"),
            ],
        ),
        (
            "decoy_named",
            [
                ("/ofpra/home", "Accueil"),
                ("/ofpra/actualites", "Mes courriers"),
                ("/ofpra/user/logout", "Déconnexion"),
            ],
        ),
    ],
)
def test_the_header_shows_the_scenarios_words(scenario: str, links: list[tuple[str, str]]) -> None:
    with client_for(scenario) as client:
        log_in(client)
        html = page(client, "/ofpra/home")

    assert sorted(header_links(html)) == sorted(links)
    # A button is a form's, not a link: the renamed scenario has no logout link at all.
    assert ('<button type="submit">Déconnexion</button>' in html) is (scenario == "renamed_links")


def test_the_logout_button_ends_the_session_and_wants_its_token() -> None:
    with client_for("renamed_links") as client:
        log_in(client)
        home = page(client, "/ofpra/home")
        refused = client.post("/ofpra/user/logout", data={"csrf_token": "forged"})
        assert refused.status_code == 400
        assert mock_log(client)["logouts"] == 0
        token = re.search(r'name="csrf_token" value="([^"]+)"', home)
        assert token is not None
        done = client.post(
            "/ofpra/user/logout", data={"csrf_token": token.group(1)}, follow_redirects=True
        )
        assert done.status_code == 200
        assert "Vous êtes déconnecté(e)." in done.get_data(as_text=True)
        assert mock_log(client)["logouts"] == 1
        assert client.get("/ofpra/documents").status_code == 302


def test_the_news_page_holds_another_table_whose_links_are_view_links() -> None:
    with client_for("decoy_news") as client:
        log_in(client)
        html = page(client, "/ofpra/actualites")
        table = parse_table(html)

        assert table.headers == ["Date", "Titre", "Lien"]
        assert [row[:2] for row in table.rows] == [
            ["20/11/2026", "Nouveaux horaires d'accueil du guichet unique"],
            ["02/11/2026", "Guide du demandeur d'asile : nouvelle édition"],
        ]
        assert re.findall(r'href="(/ofpra/documents/[^"]+)"', html) == [
            "/ofpra/documents/news-1/view",
            "/ofpra/documents/news-2/view",
        ]
        # Following one is a request for a document, and the mock records it as one.
        client.get("/ofpra/documents/news-1/view")
        assert [view["id"] for view in mock_log(client)["view_requests"]] == ["news-1"]


def test_a_renamed_documents_link_leads_to_the_list_through_a_redirect() -> None:
    with client_for("renamed_links") as client:
        log_in(client)
        moved = client.get("/ofpra/suivi")

        assert moved.status_code == 302
        assert moved.headers["Location"] == "/ofpra/documents"
