"""The mock portal's pagers, its home page without counters, and the faults that change what a
list shows (letters that cannot be shown, letters that vanish, counters that disappear), through
Flask's test client."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from fixtures.mock_portal import Scenario, ScenarioError, create_app, load_scenario
from fixtures.mock_portal.app import LOGIN_PATH
from fixtures.mock_portal.scenarios import EmptyWording

TODAY = date(2026, 11, 26)
IDENTIFIER = "1234561552"
PASSWORD = "Mock-Portal-2026!"
ROW = re.compile(r"<tr[^>]*>\s*<td[^>]*>")


def logged_in(scenario: str | Scenario) -> FlaskClient:
    app = create_app(scenario, TODAY)
    app.testing = True
    client = app.test_client()
    form = client.get(LOGIN_PATH).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post(
        LOGIN_PATH,
        data={"csrf_token": token.group(1), "identifier": IDENTIFIER, "password": PASSWORD},
    )
    assert answer.status_code == 302
    return client


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def pager(html: str) -> str:
    start = html.index('<nav class="pagination"')
    return html[start : html.index("</nav>", start)]


def test_page_numbers_only_pager_has_no_next_link_and_no_page_of_text() -> None:
    client = logged_in("paged_numbers")

    shown = pager(text(client, "/ofpra/documents?page=2"))

    assert re.findall(r">(\d)</a>", shown) == ["1", "3"]
    assert '<span aria-current="page">2</span>' in shown
    assert "rel=" not in shown and "suivante" not in shown and " sur " not in shown


def test_rel_next_only_pager_is_an_arrow_that_says_nothing_else() -> None:
    client = logged_in("paged_rel_next")

    first, last = (
        pager(text(client, "/ofpra/documents")),
        pager(text(client, "/ofpra/documents?page=3")),
    )

    assert re.findall(r'<a [^>]*rel="(\w+)">(.*?)</a>', first) == [("next", "&rsaquo;")]
    assert re.findall(r'<a [^>]*rel="(\w+)">(.*?)</a>', last) == [("prev", "&lsaquo;")]
    assert not re.search(r">\d+<", first + last)


def test_count_pager_says_which_rows_of_how_many() -> None:
    client = logged_in("paged_count")

    assert "Documents 1 à 20 sur 45" in pager(text(client, "/ofpra/documents"))
    assert "Documents 41 à 45 sur 45" in pager(text(client, "/ofpra/documents?page=3"))
    client.get("/ofpra/lang/en")
    assert "21\u201340 of 45" in pager(text(client, "/ofpra/documents?page=2"))


def test_the_default_pager_is_unchanged() -> None:
    client = logged_in("many_letters")

    shown = pager(text(client, "/ofpra/documents?page=2"))

    assert re.findall(r'rel="(\w+)">([^<]+)</a>', shown) == [
        ("prev", "Page précédente"),
        ("next", "Page suivante"),
    ]
    assert '<span aria-current="page">Page 2 sur 10</span>' in shown


@pytest.mark.parametrize("name", ["paged_numbers", "paged_rel_next", "paged_count"])
def test_paged_scenarios_have_45_letters_and_no_counters(name: str) -> None:
    client = logged_in(name)

    home = text(client, "/ofpra/home")
    rows = [len(ROW.findall(text(client, f"/ofpra/documents?page={n}"))) for n in (1, 2, 3)]

    assert "courrier(s)" not in home and "Bienvenue dans votre espace personnel." in home
    assert rows == [20, 20, 5]
    assert client.get("/ofpra/documents?page=4").status_code == 404


def test_a_scenario_with_counters_shows_them() -> None:
    client = logged_in(replace(load_scenario("paged_numbers"), home_counters=True))

    assert 'Vous avez reçu 45 courrier(s), dont <span class="unread-count">1</span>' in text(
        client, "/ofpra/home"
    )


def test_fault_letters_unavailable_shows_one_row_and_no_empty_wording() -> None:
    client = logged_in("mixed")
    client.post("/__mock__/fault", json={"name": "letters_unavailable"})

    html = text(client, "/ofpra/documents")

    assert ROW.findall(html) == ['<tr><td colspan="7">']
    assert (
        "Aucun document ne peut être affiché : le service est temporairement indisponible." in html
    )
    assert "Vous n&#39;avez aucun document." not in html


def test_fault_letters_vanish_drops_the_oldest_letter_from_the_table_and_the_counters() -> None:
    client = logged_in("mixed")
    before = len(ROW.findall(text(client, "/ofpra/documents")))
    client.post("/__mock__/fault", json={"name": "letters_vanish"})

    html = text(client, "/ofpra/documents")

    assert len(ROW.findall(html)) == before - 1
    assert f"Vous avez reçu {before - 1} courrier(s)" in text(client, "/ofpra/home")


def test_fault_counters_gone_leaves_the_table_as_it_was() -> None:
    client = logged_in("mixed")
    rows = text(client, "/ofpra/documents")
    client.post("/__mock__/fault", json={"name": "counters_gone"})

    assert "courrier(s)" not in text(client, "/ofpra/home")
    assert text(client, "/ofpra/documents") == rows


@pytest.mark.parametrize("value", [[], ["words", "scroll"], "numbers"])
def test_a_scenario_with_a_bad_pager_names_the_field(value: object) -> None:
    with pytest.raises(ScenarioError, match="paged: pager: must be a non-empty list of words"):
        Scenario.from_dict(
            "paged", {"description": "d", "identifier": "1", "password": "p", "pager": value}
        )


def test_list_scenarios_still_lists_every_scenario_with_the_new_ones() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fixtures.mock_portal", "--list-scenarios"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    names = re.findall(r"^(\w+): ", result.stdout, re.MULTILINE)
    assert {"paged_numbers", "paged_rel_next", "paged_count", "mixed", "empty"} <= set(names)


@pytest.mark.parametrize(
    ("place", "table", "row", "below"),
    [
        ("below", True, False, True),
        ("row", True, True, False),
        ("instead", False, False, True),
        ("none", True, False, False),
    ],
)
def test_the_empty_wording_goes_where_the_scenario_says(
    place: EmptyWording, table: bool, row: bool, below: bool
) -> None:
    client = logged_in(replace(load_scenario("empty"), empty_wording=place))

    html = text(client, "/ofpra/documents")

    assert ("<table>" in html) is table
    assert ('<td colspan="7">Vous n&#39;avez aucun document.</td>' in html) is row
    assert ("<p>Vous n&#39;avez aucun document.</p>" in html) is below
