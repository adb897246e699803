"""Setting up a person from the page (``/setup``, issue 21 item 1) and the page's language
chooser (item 5), through Flask's test client: each question's refusals with their reasons, a
setup left half-way keeping nothing, every new form refusing a missing or wrong CSRF token and a
foreign Origin, and the same profile as the terminal's wizard writes. The real browser's side
(French for a Dari reader, through to the first check; axe-core) is in
tests/test_page_browser.py; the password's traces in tests/test_privacy.py."""

from __future__ import annotations

import logging
import os
import stat
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assistant.consent import make_consent
from assistant.credentials import Credentials, mask_identifier
from assistant.page.app import create_app
from assistant.page.checks import CheckJobs, environment_source
from assistant.page.security import PageGuard
from assistant.page.tokens import TokenBook, ensure_opener_key
from assistant.settings import GUIDE_PORTAL_URL, Paths, Settings
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from flows.models import LetterKind, PortalLetter
from tests.conftest import IDENTIFIER, NOW, PAGE_PORT, PASSWORD, FakeClock
from tests.conftest import csrf_from as csrf_of
from tests.conftest import page_get as get
from tests.conftest import page_log_in as log_in
from tests.conftest import page_post as post
from tests.conftest import state_rows as rows_of

MOCK_URL = "http://127.0.0.1:9/ofpra/user/login"
NEW_PASSWORD = "Page-Typed-Pw-4711!"
NEW_IDENTIFIER = "7654321098"


@pytest.fixture
def paths(home: Path) -> Paths:
    """A home folder with one person set up: amina (Dari), her password in the store below,
    with one letter the assistant read."""
    paths = Paths(config_dir=home, data_dir=home)
    paths.ensure()
    state = StateStore.open(paths.state_file)
    state.save_profile("amina", MOCK_URL, "fa_AF", NOW)
    state.record_consent("amina", make_consent("Amina Karimi", "holder", "fa_AF", NOW))
    state.merge_letters(
        "amina",
        [
            PortalLetter(
                id="c1",
                kind=LetterKind.CONVOCATION,
                label="Convocation",
                sender="OFPRA",
                made_available_on=NOW.date(),
                notified_on=NOW.date(),
                read=False,
                read_on=None,
                portal_remaining_days=None,
                portal_says_notified=False,
            )
        ],
        NOW,
    )
    state.close()
    return paths


@pytest.fixture
def credentials() -> MemoryCredentialStore:
    store = MemoryCredentialStore()
    store.save("amina", Credentials(IDENTIFIER, PASSWORD))
    return store


class RecordingChecks(CheckJobs):
    """The page's check runner (assistant/page/checks.py) that says which checks were started,
    and starts none: the first check itself is the browser test's."""

    def __init__(self, paths: Paths) -> None:
        super().__init__(environment_source(paths, Settings(), None), locks_dir=paths.data_dir)
        self.started: list[list[str]] = []

    def start(self, profiles: list[str], *, every: bool = False) -> list[str]:
        self.started.append(profiles)
        return []


@pytest.fixture
def key(paths: Paths) -> bytes:
    return ensure_opener_key(paths)


@pytest.fixture
def app(paths: Paths, key: bytes, credentials: MemoryCredentialStore) -> Flask:
    app = create_app(paths, port=PAGE_PORT, tokens=TokenBook(key), settings=Settings())
    app.extensions["page_clock"] = FakeClock(NOW)
    app.extensions["page_identifiers"] = lambda name: mask_identifier(IDENTIFIER)
    app.extensions["page_credentials"] = credentials
    app.extensions["page_checks"] = RecordingChecks(paths)
    return app


@pytest.fixture
def client(app: Flask, key: bytes) -> FlaskClient:
    return log_in(app.test_client(), key)


def home_files(paths: Paths) -> list[str]:
    """The home folder's files, but SQLite's own journal beside the state (there while a
    connection is open, whoever opened it)."""
    return sorted(
        p.name for p in paths.data_dir.rglob("*") if not p.name.endswith(("-wal", "-shm"))
    )


def text_of(answer: Any) -> str:
    return unescape(answer.get_data(as_text=True))


def step_of(client: FlaskClient) -> str:
    html = get(client, "/setup").get_data(as_text=True)
    found = html.split('name="step" value="', 1)[1].split('"', 1)[0]
    return found


def answer(client: FlaskClient, step: str, **fields: str) -> Any:
    token = csrf_of(get(client, "/setup").get_data(as_text=True))
    return post(client, "/setup", data={"csrf_token": token, "step": step, **fields})


def accepted(client: FlaskClient, step: str, **fields: str) -> None:
    done = answer(client, step, **fields)
    assert done.status_code == 303, text_of(done)
    assert done.headers["Location"] == "/setup"


def up_to_password(client: FlaskClient, *, ui: str = "en", profile: str = "") -> None:
    """A helper sets up the account of a Dari reader (the terminal's questions, in order)."""
    accepted(client, "language", language=ui)
    accepted(client, "name", profile=profile)
    accepted(client, "whose", answer="helper")
    accepted(client, "holder_language", language="fa_AF")
    accepted(client, "consent", holder_name="Farid Ahmadi", given_by="Marie Helper", answer="yes")
    accepted(client, "portal", portal_url=MOCK_URL)
    accepted(client, "identifier", identifier=NEW_IDENTIFIER)
    assert step_of(client) == "password"


def test_page_setup_asks_the_terminals_questions_then_writes_through_set_up_profile(
    client: FlaskClient,
    app: Flask,
    paths: Paths,
    credentials: MemoryCredentialStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bodies = []
    assert step_of(client) == "language"
    accepted(client, "language", language="en")
    name_screen = text_of(get(client, "/setup"))
    assert 'value="person-1"' in name_screen  # proposed: not the person's name
    accepted(client, "name", profile="")
    accepted(client, "whose", answer="helper")
    accepted(client, "holder_language", language="fa_AF")
    consent = get(client, "/setup").get_data(as_text=True)
    # The consent in the holder's language and in the page's, each marked as such.
    assert '<div class="consent" lang="fa-AF" dir="rtl">' in consent
    assert '<div class="consent" lang="en" dir="ltr">' in consent
    assert "This assistant will, on this computer only:" in unescape(consent)
    assert "Read this to the account holder, or show it to them:" in unescape(consent)
    accepted(client, "consent", holder_name="Farid Ahmadi", given_by="Marie Helper", answer="yes")
    portal_screen = text_of(get(client, "/setup"))
    assert f'value="{GUIDE_PORTAL_URL}"' in portal_screen  # the guide's, as in the terminal
    accepted(client, "portal", portal_url=MOCK_URL)
    accepted(client, "identifier", identifier=NEW_IDENTIFIER)
    password_screen = get(client, "/setup").get_data(as_text=True)
    assert password_screen.count('type="password"') == 2
    with caplog.at_level(logging.DEBUG):
        done = answer(client, "password", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
        bodies.append(done.get_data(as_text=True))
        assert done.status_code == 303
        assert done.headers["Location"] == "/profiles/person-1/check?lang=en"
        bodies.append(get(client, "/profiles/person-1").get_data(as_text=True))
        bodies.append(get(client, "/setup").get_data(as_text=True))
    assert app.extensions["page_checks"].started == [["person-1"]]
    state = StateStore.open(paths.state_file)
    try:
        profile = state.profile("person-1")
        consent_row = state.consent("person-1")
    finally:
        state.close()
    assert profile is not None
    assert (profile.portal_url, profile.language) == (MOCK_URL, "fa_AF")
    assert consent_row is not None
    assert (consent_row.role, consent_row.given_by, consent_row.holder_name) == (
        "helper",
        "Marie Helper",
        "Farid Ahmadi",
    )
    assert consent_row.language == "fa_AF"
    assert credentials.stored["person-1"] == Credentials(NEW_IDENTIFIER, NEW_PASSWORD)
    # The password: in no answer, no log line, and not in the page session.
    for body in bodies:
        assert NEW_PASSWORD not in body
    assert NEW_PASSWORD not in caplog.text
    guard: PageGuard = app.extensions["page_guard"]
    for session in guard.sessions._sessions.values():
        assert NEW_PASSWORD not in repr(session)
        assert session.setup is None, "done: the answers are gone"


def test_page_setup_refuses_a_wrong_identifier_with_its_reason(client: FlaskClient) -> None:
    accepted(client, "language", language="en")
    accepted(client, "name", profile="")
    accepted(client, "whose", answer="own")
    accepted(client, "consent", given_by="Amina K", answer="yes")
    accepted(client, "portal", portal_url=MOCK_URL)
    refused = answer(client, "identifier", identifier="   ")
    assert refused.status_code == 422
    assert (
        "The identifier is empty or too long. Type the AGDREF number (on the asylum application "
        "certificate) or the OFPRA file number."
    ) in text_of(refused)
    assert step_of(client) == "identifier"
    # Nine digits: shown in full, with why it may be mistyped, and confirmed or typed again.
    accepted(client, "identifier", identifier="123456789")
    doubt = text_of(get(client, "/setup"))
    assert "You typed: <bdi>123456789</bdi>" in doubt
    assert "It has 9 digits. An AGDREF number usually has 10." in doubt
    accepted(client, "identifier_confirm", answer="no")
    assert step_of(client) == "identifier"
    accepted(client, "identifier", identifier="12345 6789")
    accepted(client, "identifier_confirm", answer="yes")
    assert step_of(client) == "password"


def test_page_setup_refuses_an_empty_name_with_its_reason(client: FlaskClient) -> None:
    accepted(client, "language", language="en")
    accepted(client, "name", profile="")
    accepted(client, "whose", answer="helper")
    accepted(client, "holder_language", language="ar")
    for holder, helper in (("", "Marie Helper"), ("Farid", "  "), ("Farid", "\x07")):
        refused = answer(client, "consent", holder_name=holder, given_by=helper, answer="yes")
        assert refused.status_code == 422
        assert "A name is needed here. Type it, then press Enter." in text_of(refused)
        assert step_of(client) == "consent"


def test_page_setup_refuses_a_name_that_is_not_one(client: FlaskClient) -> None:
    accepted(client, "language", language="en")
    refused = answer(client, "name", profile="amina karimi")
    assert refused.status_code == 422
    assert "'amina karimi' cannot be a profile name" in text_of(refused)


def test_page_setup_refuses_http_off_loopback_in_the_pages_language(
    client: FlaskClient,
) -> None:
    accepted(client, "language", language="fr")
    accepted(client, "name", profile="")
    accepted(client, "whose", answer="own")
    accepted(client, "consent", given_by="Amina K", answer="yes")
    refused = answer(client, "portal", portal_url="http://usager.ofpra.example/ofpra/user/login")
    assert refused.status_code == 422
    assert (
        "L'adresse du site 'http://usager.ofpra.example/ofpra/user/login' doit commencer par "
        "https://"
    ) in text_of(refused)
    assert step_of(client) == "portal"
    accepted(client, "portal", portal_url="https://usager.ofpra.example/ofpra/user/login")
    assert step_of(client) == "identifier"


def test_page_setup_never_replaces_a_profile_without_saying_whose_it_is(
    client: FlaskClient, paths: Paths, credentials: MemoryCredentialStore
) -> None:
    before = rows_of(paths.state_file)
    accepted(client, "language", language="en")
    accepted(client, "name", profile="amina")
    confirm = text_of(get(client, "/setup"))
    assert (
        "The profile '<bdi>amina</bdi>' is already set up, for <bdi>Amina Karimi, ******1552</bdi>."
    ) in confirm
    assert "Replace it? If the new account is another one" in confirm
    # Nothing chosen: asked again; "no": back to the name.
    assert answer(client, "replace").status_code == 422
    accepted(client, "replace", answer="no")
    assert step_of(client) == "name"
    accepted(client, "name", profile="amina")
    accepted(client, "replace", answer="yes")
    assert step_of(client) == "whose"
    assert rows_of(paths.state_file) == before
    # The same account (same identifier, same portal): a new password; the letters stay.
    accepted(client, "whose", answer="own")
    accepted(client, "consent", given_by="Amina Karimi", answer="yes")
    accepted(client, "portal", portal_url=MOCK_URL)
    accepted(client, "identifier", identifier=IDENTIFIER)
    done = answer(client, "password", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert done.status_code == 303
    assert credentials.stored["amina"] == Credentials(IDENTIFIER, NEW_PASSWORD)
    state = StateStore.open(paths.state_file)
    try:
        assert [seen.letter.id for seen in state.letters("amina")] == ["c1"]
    finally:
        state.close()


def test_page_setup_replacing_by_another_account_removes_what_it_knew(
    client: FlaskClient, paths: Paths, credentials: MemoryCredentialStore
) -> None:
    accepted(client, "language", language="en")
    accepted(client, "name", profile="amina")
    accepted(client, "replace", answer="yes")
    accepted(client, "whose", answer="own")
    accepted(client, "consent", given_by="Someone Else", answer="yes")
    accepted(client, "portal", portal_url=MOCK_URL)
    accepted(client, "identifier", identifier=NEW_IDENTIFIER)
    assert answer(client, "password", password="x1", password_again="x1").status_code == 303
    state = StateStore.open(paths.state_file)
    try:
        assert state.letters("amina") == []
    finally:
        state.close()
    assert credentials.stored["amina"] == Credentials(NEW_IDENTIFIER, "x1")


def test_page_setup_password_twice_the_same_never_shown_back(
    client: FlaskClient, paths: Paths, credentials: MemoryCredentialStore
) -> None:
    before = rows_of(paths.state_file)
    up_to_password(client)
    for first, again in ((NEW_PASSWORD, NEW_PASSWORD + "x"), ("", "")):
        refused = answer(client, "password", password=first, password_again=again)
        assert refused.status_code == 422
        body = refused.get_data(as_text=True)
        assert "The two passwords are not the same (or empty). Try again." in unescape(body)
        assert NEW_PASSWORD not in body
        assert 'value=""' in body.split('name="password"', 1)[1][:80]
    assert rows_of(paths.state_file) == before
    assert set(credentials.stored) == {"amina"}
    # Refused, it is not kept for the next try either: the session holds the answers only.
    guard: PageGuard = client.application.extensions["page_guard"]
    for session in guard.sessions._sessions.values():
        assert NEW_PASSWORD not in repr(session)
        assert session.setup is None or session.setup.step() == "password"


def test_page_setup_left_half_way_keeps_nothing_and_starts_again(
    app: Flask, key: bytes, paths: Paths, credentials: MemoryCredentialStore
) -> None:
    before = rows_of(paths.state_file)
    files = home_files(paths)
    first = log_in(app.test_client(), key)
    up_to_password(first)
    assert rows_of(paths.state_file) == before
    assert set(credentials.stored) == {"amina"}
    # Everything but the page's language (chosen at the first question) is as it was.
    assert home_files(paths) == sorted([*files, "page-language"])
    # Another browser session (the browser was closed): a new setup.
    second = log_in(app.test_client(), key)
    assert step_of(second) == "language"
    # The same session: "Start again" forgets the answers.
    token = csrf_of(get(first, "/setup").get_data(as_text=True))
    again = post(first, "/setup/restart", data={"csrf_token": token})
    assert (again.status_code, again.headers["Location"]) == (303, "/setup")
    assert step_of(first) == "language"
    up_to_password(first)
    done = answer(first, "password", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert done.status_code == 303
    assert set(credentials.stored) == {"amina", "person-1"}


def test_page_setup_consent_refused_stores_nothing(
    client: FlaskClient, paths: Paths, credentials: MemoryCredentialStore
) -> None:
    before = rows_of(paths.state_file)
    accepted(client, "language", language="en")
    accepted(client, "name", profile="")
    accepted(client, "whose", answer="own")
    stopped = answer(client, "consent", given_by="Amina K", answer="no")
    assert stopped.status_code == 200
    assert "Nothing was stored." in text_of(stopped)
    assert step_of(client) == "language"
    assert rows_of(paths.state_file) == before
    assert set(credentials.stored) == {"amina"}


def test_page_setup_an_answer_from_an_old_tab_changes_nothing(client: FlaskClient) -> None:
    accepted(client, "language", language="en")
    stale = answer(client, "portal", portal_url=MOCK_URL)
    assert (stale.status_code, stale.headers["Location"]) == (303, "/setup")
    assert step_of(client) == "name"


def test_page_setup_writes_what_the_terminals_wizard_writes(
    app: Flask, key: bytes, tmp_path: Path
) -> None:
    """The same answers, typed in the terminal's wizard and on the page, give the same rows."""
    from assistant.cli_setup import run_wizard
    from assistant.profiles import set_up_profile

    page_home = Paths(config_dir=tmp_path / "page", data_dir=tmp_path / "page")
    cli_home = Paths(config_dir=tmp_path / "cli", data_dir=tmp_path / "cli")
    for home in (page_home, cli_home):
        home.ensure()
    page_app = create_app(page_home, port=PAGE_PORT, tokens=TokenBook(key), settings=Settings())
    page_app.extensions.update(page_clock=FakeClock(NOW), page_credentials=MemoryCredentialStore())
    page_client = log_in(page_app.test_client(), key)
    up_to_password(page_client, ui="fr")
    answer(page_client, "password", password=NEW_PASSWORD, password_again=NEW_PASSWORD)

    typed = iter(["1", "", "2", "3", "Farid Ahmadi", "Marie Helper", "1", MOCK_URL, NEW_IDENTIFIER])
    secrets = iter([NEW_PASSWORD, NEW_PASSWORD])
    answers = run_wizard(
        lambda question: next(typed),
        lambda said: None,
        lambda question: next(secrets),
        default_language="fr",
        default_portal_url=MOCK_URL,
    )
    state = StateStore.open(cli_home.state_file)
    cli_store = MemoryCredentialStore()
    set_up_profile(
        state,
        cli_store,
        profile=answers.profile,
        portal_url=answers.portal_url,
        language=answers.language,
        identifier=answers.identifier,
        password=answers.password,
        consent=make_consent(
            answers.given_by, answers.role, answers.language, NOW, answers.holder_name
        ),
        now=NOW,
        paths=cli_home,
    )
    state.close()
    assert rows_of(page_home.state_file)["profiles"] == rows_of(cli_home.state_file)["profiles"]
    assert rows_of(page_home.state_file)["consents"] == rows_of(cli_home.state_file)["consents"]
    assert page_app.extensions["page_credentials"].stored == cli_store.stored


# Every new form: CSRF and Origin --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/setup", {"step": "language", "language": "ar"}),
        ("/setup/restart", {}),
        ("/language", {"language": "ar", "next": "/"}),
    ],
)
def test_page_new_forms_refuse_a_missing_or_wrong_token_and_a_foreign_origin(
    app: Flask, key: bytes, paths: Paths, path: str, fields: dict[str, str]
) -> None:
    client = log_in(app.test_client(), key)
    accepted(client, "language", language="en")
    before = (rows_of(paths.state_file), home_files(paths))
    token = csrf_of(get(client, "/setup").get_data(as_text=True))
    other = csrf_of(get(log_in(app.test_client(), key), "/help").get_data(as_text=True))
    for data, headers in (
        (fields, {}),
        ({**fields, "csrf_token": "guess"}, {}),
        ({**fields, "csrf_token": other}, {}),
        ({**fields, "csrf_token": token}, {"Origin": "http://evil.example"}),
        ({**fields, "csrf_token": token}, {"Origin": f"http://127.0.0.1:{PAGE_PORT + 1}"}),
    ):
        refused = post(client, path, data=data, headers=headers)
        assert refused.status_code == 403, (data, headers)
    assert (rows_of(paths.state_file), home_files(paths)) == before
    assert step_of(client) == "name", "the setup under way is where it was"
    assert 'lang="en"' in get(client, "/help").get_data(as_text=True)


# The page's language ------------------------------------------------------------------------


def test_page_language_chooser_is_on_every_page_with_the_11_in_their_own_words(
    client: FlaskClient,
) -> None:
    for path in ("/profiles/amina", "/help", "/setup", "/profiles/nobody"):
        html = get(client, path).get_data(as_text=True)
        chooser = html.split('<form class="chooser"', 1)[1].split("</form>", 1)[0]
        assert 'action="/language"' in chooser and 'name="csrf_token"' in chooser
        for code, lang, name in (
            ("fr", "fr", "Français"),
            ("fa_AF", "fa-AF", "دری (Dari)"),
            ("ka", "ka", "ქართული (Georgian)"),
            ("ht", "ht", "Kreyòl ayisyen (Haitian Creole)"),
        ):
            assert f'value="{code}" lang="{lang}"' in chooser, (path, code)
            assert name in chooser
        assert chooser.count("<option ") == 11


def test_page_language_is_kept_for_the_session_and_as_the_home_default(
    app: Flask, key: bytes, client: FlaskClient, paths: Paths
) -> None:
    before = rows_of(paths.state_file)
    token = csrf_of(get(client, "/help").get_data(as_text=True))
    chosen = post(
        client, "/language", data={"csrf_token": token, "language": "ar", "next": "/help"}
    )
    assert (chosen.status_code, chosen.headers["Location"]) == (303, "/help?lang=ar")
    html = get(client, "/help").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<option value="ar" lang="ar" selected>' in html
    # The home folder's default, for the owner only: a new browser session starts in it.
    file = paths.data_dir / "page-language"
    assert file.read_text() == "ar"
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600
    fresh = log_in(app.test_client(), key)
    assert '<html lang="ar" dir="rtl">' in get(fresh, "/setup").get_data(as_text=True)
    # Another session chooses another: this one keeps its own.
    token = csrf_of(get(fresh, "/help").get_data(as_text=True))
    post(fresh, "/language", data={"csrf_token": token, "language": "ka", "next": "/"})
    assert '<html lang="ar" dir="rtl">' in get(client, "/help").get_data(as_text=True)
    assert '<html lang="ka" dir="ltr">' in get(fresh, "/help").get_data(as_text=True)
    # A person's page stays in the holder's language, and the alerts too (the state is as it
    # was: the profile's language is the holder's).
    assert '<html lang="fa-AF" dir="rtl">' in get(client, "/profiles/amina").get_data(as_text=True)
    assert rows_of(paths.state_file) == before


def test_page_language_chooser_goes_back_to_this_page_only(client: FlaskClient) -> None:
    token = csrf_of(get(client, "/help").get_data(as_text=True))
    for target, expected in (
        ("/profiles/amina?lang=en", "/profiles/amina?lang=tr"),
        ("//evil.example/", "/?lang=tr"),
        ("http://evil.example/", "/?lang=tr"),
    ):
        moved = post(
            client, "/language", data={"csrf_token": token, "language": "tr", "next": target}
        )
        assert moved.headers["Location"] == expected
    refused = post(client, "/language", data={"csrf_token": token, "language": "xx"})
    assert refused.status_code == 400


def test_page_language_file_that_is_not_a_language_is_ignored(
    app: Flask, key: bytes, paths: Paths
) -> None:
    (paths.data_dir / "page-language").write_text("<script>")
    html = get(log_in(app.test_client(), key), "/help?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert "<script>" not in html


def test_page_overview_links_to_the_setup(client: FlaskClient, paths: Paths) -> None:
    state = StateStore.open(paths.state_file)
    state.save_profile("jean", MOCK_URL, "fr", NOW)
    state.close()
    html = text_of(get(client, "/?lang=en"))
    assert '<a class="button" href="/setup">Set up a person</a>' in html


def test_page_own_forms_sent_with_a_null_origin_pass_only_from_this_origin(
    client: FlaskClient,
) -> None:
    """Under Referrer-Policy: no-referrer (S7) Chromium sends "Origin: null" with the page's own
    forms; the browser's Sec-Fetch-Site tells them from another site's sandboxed frame."""
    token = csrf_of(get(client, "/help").get_data(as_text=True))
    form = {"csrf_token": token, "language": "tr", "next": "/help"}
    for site in (None, "cross-site", "same-site", "none"):
        headers = {"Origin": "null", **({"Sec-Fetch-Site": site} if site else {})}
        assert post(client, "/language", data=form, headers=headers).status_code == 403, site
    assert 'lang="en"' in get(client, "/help?lang=en").get_data(as_text=True)
    own = post(
        client, "/language", data=form, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    )
    assert own.status_code == 303
    # Another origin with "same-origin" (a browser would never say so) is still refused.
    forged = {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}
    assert post(client, "/language", data=form, headers=forged).status_code == 403
    # And a token is still needed.
    bare = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert post(client, "/language", data={"language": "tr"}, headers=bare).status_code == 403


class NoKeyring(MemoryCredentialStore):
    """No OS keyring to keep the password in (a desktop session without one)."""

    def ensure_secure_backend(self) -> str:
        from assistant.credentials import _no_keyring_error

        raise _no_keyring_error()


def test_page_setup_without_a_keyring_says_what_to_do_and_keeps_the_answers(
    client: FlaskClient, app: Flask, paths: Paths
) -> None:
    before = rows_of(paths.state_file)
    app.extensions["page_credentials"] = NoKeyring()
    up_to_password(client)
    refused = answer(client, "password", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "No OS keyring is available to keep the password safely." in unescape(body)
    assert NEW_PASSWORD not in body
    assert rows_of(paths.state_file) == before
    assert app.extensions["page_checks"].started == []
    # The answers are kept: with a keyring, only the password is typed again.
    app.extensions["page_credentials"] = MemoryCredentialStore()
    assert step_of(client) == "password"
    done = answer(client, "password", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert done.status_code == 303
    assert app.extensions["page_checks"].started == [["person-1"]]


def test_page_setup_and_language_gets_change_nothing(client: FlaskClient, paths: Paths) -> None:
    accepted(client, "language", language="en")
    before = (
        rows_of(paths.state_file),
        home_files(paths),
        (paths.data_dir / "page-language").read_text(),
    )
    for path in ("/setup", "/setup?lang=ar", "/setup/restart", "/language?language=ka", "/"):
        get(client, path)
    assert step_of(client) == "name"
    after = (
        rows_of(paths.state_file),
        home_files(paths),
        (paths.data_dir / "page-language").read_text(),
    )
    assert after == before
    assert '<html lang="en"' in get(client, "/help").get_data(as_text=True)
