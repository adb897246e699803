"""The page's actions through its test client (issue 21, items 2 to 4): check now (one and all,
single-flight, its steps then its result, no "try again" after a refused password or a locked
account), the alert channels (add, test, calendar, remove, consent), stop (forget) after a
confirmation; and every new POST refused without its CSRF token or from another origin, changing
nothing. The real browser's side is in tests/test_page_actions_browser.py."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.environment import Environment
from assistant.errors import KeyringLockedError
from assistant.notifiers import AlertDispatcher
from assistant.page.app import create_app
from assistant.page.checks import CheckJobs
from assistant.page.tokens import TokenBook, ensure_opener_key, mint_token
from assistant.results import CheckResult
from assistant.settings import BrowserSettings, Paths, RetrySettings, Settings
from assistant.state import StateStore
from fixtures.channel_receivers import HttpReceiver
from fixtures.checked_homes import checked_home
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from tests.conftest import IDENTIFIER, PASSWORD, RecordingNotifier, files_holding

PORT = 8766
BASE = f"http://127.0.0.1:{PORT}"
#: The secret part of a channel's address: it must reach no page, no answer, no file.
SECRET = "s3cr3t-Pass-4711"
TOPIC = "phone-topic-x7"


class ScriptedRunner:
    """Stands for CheckRunner: tells two steps, waits for the test's go, returns a result."""

    def __init__(self, gate: threading.Event, calls: list[list[str]]) -> None:
        self.gate = gate
        self.calls = calls
        self.env: Environment | None = None
        #: The profile's channels could not be read meanwhile (a locked keyring).
        self.locked_channels = False

    def check_many(self, profiles: list[str], *, automated: bool = False) -> list[CheckResult]:
        assert self.env is not None
        self.calls.append(list(profiles))
        self.env.progress("starting_browser")
        self.env.progress("logging_in")
        assert self.gate.wait(10)
        self.env.progress("logging_out")
        if self.locked_channels:
            self.env.channel_faults.append(
                ("amina", KeyringLockedError("The keyring is locked: unlock it, then try again."))
            )
        when = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
        return [CheckResult(profile=name, checked_at=when) for name in profiles]


@dataclass
class Served:
    app: Flask
    client: FlaskClient
    paths: Paths
    credentials: MemoryCredentialStore
    gate: threading.Event
    calls: list[list[str]] = field(default_factory=list)
    #: The scripted runner meets a locked keyring when it reads the channels.
    locked_channels: bool = False

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, base_url=BASE, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.post(path, base_url=BASE, **kwargs)

    def html(self, path: str) -> str:
        answer = self.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        return answer.get_data(as_text=True)

    def token(self) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.html("/help"))
        assert found is not None
        return found.group(1)

    @property
    def jobs(self) -> CheckJobs:
        jobs: CheckJobs = self.app.extensions["page_checks"]
        return jobs


def _environment(paths: Paths, runner_env: list[Environment]) -> Callable[[], Any]:
    @contextmanager
    def opened() -> Iterator[Environment]:
        state = StateStore.open(paths.state_file)
        env = Environment(
            settings=Settings(),
            state=state,
            credentials=MemoryCredentialStore(),
            dispatcher=AlertDispatcher([RecordingNotifier()]),
        )
        runner_env.append(env)
        try:
            yield env
        finally:
            state.close()

    return opened


@pytest.fixture
def served(home: Path) -> Iterator[Served]:
    """Two people checked a moment ago: amina (English) and jean (French); the page with a
    scripted runner and a keyring in memory."""
    checked_home(home, ["amina", "jean"], languages=("en", "fr"))
    paths = Paths(config_dir=home, data_dir=home)
    paths.ensure()
    gate = threading.Event()
    calls: list[list[str]] = []
    envs: list[Environment] = []

    def runner(env: Environment) -> ScriptedRunner:
        made = ScriptedRunner(gate, calls)
        made.env = env
        made.locked_channels = served_ref[0].locked_channels if served_ref else False
        return made

    served_ref: list[Served] = []

    jobs = CheckJobs(
        _environment(paths, envs), locks_dir=paths.data_dir / "locks", runner_factory=runner
    )
    key = ensure_opener_key(paths)
    app = create_app(paths, port=PORT, tokens=TokenBook(key), settings=Settings(), checks=jobs)
    credentials = MemoryCredentialStore()
    for name in ("amina", "jean"):
        credentials.save(name, Credentials(IDENTIFIER, PASSWORD))
    app.extensions["page_credentials"] = credentials
    client = app.test_client()
    assert client.post("/session", base_url=BASE, data={"token": mint_token(key)}).status_code
    made = Served(app, client, paths, credentials, gate, calls)
    served_ref.append(made)
    yield made
    gate.set()
    jobs.wait()


def state_rows(paths: Paths) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(paths.state_file) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}"), key=repr) for t in sorted(tables)}


def text_of(html: str) -> str:
    """The page's words as a person reads them: no tags, entities undone, spaces joined."""
    inline = re.sub(r"</?(bdi|time|strong|span)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", inline))).strip()


def add_channel(served: Served, url: str, label: str = "phone") -> TestResponse:
    return served.post(
        "/profiles/amina/channels",
        data={
            "csrf_token": served.token(),
            "url": url,
            "label": label,
            "to": "person",
            "language": "fa_AF",
        },
    )


# Every new POST: CSRF and Origin --------------------------------------------------------------

POSTS = [
    ("/profiles/amina/check", {}),
    ("/check", {}),
    ("/profiles/amina/channels", {"url": f"ntfy://127.0.0.1:9/{TOPIC}", "label": "phone"}),
    ("/profiles/amina/channels/test", {"label": "old"}),
    ("/profiles/amina/channels/calendar", {"label": "old"}),
    ("/profiles/amina/channels/remove", {"label": "old"}),
    ("/profiles/amina/forget", {}),
]


@pytest.mark.parametrize(("path", "form"), POSTS, ids=[p for p, _ in POSTS])
def test_page_action_refuses_a_missing_or_wrong_token_and_another_origin_changing_nothing(
    served: Served, path: str, form: dict[str, str]
) -> None:
    with HttpReceiver() as receiver:
        served.credentials.save_channels(
            "amina",
            json.dumps(
                {
                    "version": 1,
                    "channels": [
                        {
                            "label": "old",
                            "to": "person",
                            "language": "fa_AF",
                            "detail": "standard",
                            "url": receiver.json_url("old"),
                        }
                    ],
                }
            ),
        )
        before = (state_rows(served.paths), dict(served.credentials.channels))
        token = served.token()
        refused = [
            served.post(path, data=form),
            served.post(path, data={**form, "csrf_token": "guess-" + token[6:]}),
            served.post(
                path, data={**form, "csrf_token": token}, headers={"Origin": "http://evil.example"}
            ),
            served.post(path, data={**form, "csrf_token": token}, headers={"Origin": "null"}),
        ]

        assert [answer.status_code for answer in refused] == [403, 403, 403, 403]
        assert (state_rows(served.paths), dict(served.credentials.channels)) == before
        assert served.calls == [] and served.jobs.latest("amina") is None
        assert served.jobs.latest_run() is None
        assert receiver.posts == []
        assert "amina" in served.credentials.stored
        # The same POST with its token and the page's own origin goes through (303).
        done = served.post(path, data={**form, "csrf_token": token}, headers={"Origin": BASE})
        assert done.status_code == 303


# Check now ------------------------------------------------------------------------------------


def test_page_check_now_shows_each_step_then_the_result(served: Served) -> None:
    started = served.post("/profiles/amina/check?lang=fr", data={"csrf_token": served.token()})
    assert (started.status_code, started.location) == (303, "/profiles/amina/check?lang=fr")
    while len(served.jobs.latest("amina").steps) < 2:  # type: ignore[union-attr]
        threading.Event().wait(0.01)

    running = served.html("/profiles/amina/check?lang=fr")

    # Updated in place by the page's one script (a reload would send a screen reader to the
    # top, and axe-core counts a timed refresh as critical); without scripts, a link.
    assert '<div id="check-live" data-running="true">' in running
    assert '<script src="/static/check.js" defer></script>' in running
    assert '<a href="/profiles/amina/check?lang=fr" class="latest">' in running
    assert "http-equiv" not in running
    assert "Démarrage du navigateur... Connexion au site..." in text_of(running)
    assert "Résultat" not in text_of(running) and "Result" not in text_of(running)
    served.gate.set()
    served.jobs.wait()
    done = text_of(served.html("/profiles/amina/check?lang=fr"))
    assert "Démarrage du navigateur... Connexion au site... Déconnexion..." in done
    assert (
        "Profil 'amina', vérifié le 26 novembre 2026, 12:00, heure de Paris La liste des "
        "courriers a été lue : elle est vide. Aucun courrier." in done
    )
    assert served.calls == [["amina"]]
    finished = served.html("/profiles/amina/check")
    assert '<div id="check-live" data-running="false">' in finished
    assert "check.js" not in finished


def test_page_check_now_never_runs_two_checks_of_one_profile(served: Served) -> None:
    token = served.token()
    served.post("/profiles/amina/check", data={"csrf_token": token})
    served.post("/profiles/amina/check", data={"csrf_token": token})
    served.post("/check", data={"csrf_token": token})

    all_page = text_of(served.html("/check"))  # where the 303 leads
    under_way = served.html("/profiles/amina")
    check_page = served.html("/profiles/amina/check")
    served.gate.set()
    served.jobs.wait()

    # One run for amina; the check of all started jean only.
    assert sorted(served.calls) == [["amina"], ["jean"]]
    assert '<button type="button" disabled>A check is under way</button>' in under_way
    assert 'action="/profiles/amina/check"' not in under_way
    assert '<button type="button" disabled>A check is under way</button>' in check_page
    assert (
        "A check of these profiles was already under way, so it was not started again: amina"
        in all_page
    )
    after = served.html("/profiles/amina")
    assert 'action="/profiles/amina/check"' in after and "disabled" not in after


def test_page_check_now_waits_for_the_agents_own_check_of_that_profile(served: Served) -> None:
    # The agent's tick (or a `check` in a terminal) holds the profile's portal-session lock.
    lock = FileLock(served.paths.data_dir / "locks" / "amina.lock")
    (served.paths.data_dir / "locks").mkdir(exist_ok=True)
    with lock:
        started = served.post("/profiles/amina/check", data={"csrf_token": served.token()})
        page = text_of(served.html("/profiles/amina/check"))
        profile = served.html("/profiles/amina")

    assert started.status_code == 303
    assert served.calls == [] and served.jobs.latest("amina") is None
    assert (
        "A check of this profile is under way (the agent's own, or another command's). Its "
        "result will be on the profile's page when it ends." in page
    )
    assert '<button type="button" disabled>A check is under way</button>' in profile
    assert not served.jobs.under_way("amina")


def test_page_check_says_when_the_channels_could_not_be_read(served: Served) -> None:
    served.locked_channels = True
    served.gate.set()
    served.post("/profiles/amina/check", data={"csrf_token": served.token()})
    served.jobs.wait()

    said = text_of(served.html("/profiles/amina/check"))

    assert "The keyring is locked: unlock it, then try again." in said


def test_page_check_all_shows_each_profiles_steps_and_result(served: Served) -> None:
    served.gate.set()
    answer = served.post("/check", data={"csrf_token": served.token()})
    served.jobs.wait()

    page = served.html("/check")

    assert (answer.status_code, answer.location) == (303, "/check")
    assert served.calls == [["amina", "jean"]]
    sections = re.findall(r'<section class="check-run" data-profile="(\w+)"', page)
    assert sections == ["amina", "jean"]
    assert text_of(page).count("Profile 'jean', checked November 26, 2026, 12:00, Paris time") == 1


def test_page_checks_under_way_finish_when_the_agent_stops_and_none_starts_after(
    served: Served,
) -> None:
    served.post("/profiles/amina/check", data={"csrf_token": served.token()})
    threading.Timer(0.3, served.gate.set).start()

    served.jobs.close()

    job = served.jobs.latest("amina")
    assert job is not None and job.done
    assert served.jobs.start(["jean"]) == ["jean"]
    served.post("/check", data={"csrf_token": served.token()})
    assert served.calls == [["amina"]]


# Check now against the mock portal: a refused password, a locked account -----------------------


@pytest.fixture
def real_checks(home: Path, portal: MockPortalServer) -> Iterator[tuple[Served, MockPortalServer]]:
    """The page with the real CheckRunner and the real browser, started in the job's thread,
    against the mock portal; the credentials in memory."""
    paths = Paths(config_dir=home, data_dir=home)
    paths.ensure()
    now = datetime.now(UTC)
    credentials = MemoryCredentialStore()
    state = StateStore.open(paths.state_file)
    state.save_profile("amina", portal.login_url, "en", now)
    state.record_consent("amina", make_consent("Amina", "holder", "en", now))
    state.close()
    credentials.save("amina", Credentials(IDENTIFIER, PASSWORD))
    settings = Settings(
        browser=BrowserSettings(timeout_seconds=10), retry=RetrySettings(backoff_seconds=0)
    )

    @contextmanager
    def opened() -> Iterator[Environment]:
        store = StateStore.open(paths.state_file)
        try:
            yield Environment(
                settings=settings,
                state=store,
                credentials=credentials,
                dispatcher=AlertDispatcher([RecordingNotifier()]),
                locks_dir=paths.data_dir / "locks",
            )
        finally:
            store.close()

    jobs = CheckJobs(opened, locks_dir=paths.data_dir / "locks")
    key = ensure_opener_key(paths)
    app = create_app(paths, port=PORT, tokens=TokenBook(key), settings=settings, checks=jobs)
    app.extensions["page_credentials"] = credentials
    client = app.test_client()
    client.post("/session", base_url=BASE, data={"token": mint_token(key)})
    yield Served(app, client, paths, credentials, threading.Event()), portal
    jobs.wait()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("scenario", "fault", "code"),
    [("wrong_password", None, "login_rejected"), ("empty", "account_locked", "account_locked")],
    ids=["refused-password", "locked-account"],
)
def test_page_check_now_after_a_refused_password_or_a_lock_offers_no_try_again(
    real_checks: tuple[Served, MockPortalServer],
    scenario: str,
    fault: str | None,
    code: str,
) -> None:
    served, portal = real_checks
    portal.use_scenario(scenario)
    if fault is not None:
        portal.set_fault(fault)

    served.post("/profiles/amina/check", data={"csrf_token": served.token()})
    served.jobs.wait()
    page = served.html("/profiles/amina/check")
    profile = served.html("/profiles/amina")
    said = text_of(page)

    assert "Opening the portal's login page... Logging in..." in said
    assert f"The check failed ({code}):" in said
    # The CLI's ways back in, and why there is no button.
    assert "I forgot my password" in said
    assert (
        "The assistant will not log in to this account again until its password is stored "
        "anew: another try could lock the account, or lock it for longer. Do what the message "
        "above says." in said
    )
    assert 'action="/profiles/amina/check"' not in page
    assert "Check again" not in said
    # Right to left, the command the message names keeps its order.
    arabic = served.html("/profiles/amina/check?lang=ar")
    assert "<bdi>&#39;ofpra-assistant setup --profile amina --replace&#39;</bdi>" in arabic
    # Nor on the profile's own page (its card says why and what to do), nor on the check's
    # page opened afresh.
    served.app.extensions["page_checks"].forget("amina")
    assert 'action="/profiles/amina/check"' not in served.html("/profiles/amina/check")
    assert 'action="/profiles/amina/check"' not in profile
    assert "Check now" not in text_of(profile)


# Channels -------------------------------------------------------------------------------------


def test_page_channel_added_is_kept_in_the_keyring_only_listed_masked_and_tested(
    served: Served, http_receiver: HttpReceiver
) -> None:
    url = f"json://volunteer:{SECRET}@127.0.0.1:{http_receiver.port}/{TOPIC}"
    form = served.html("/profiles/amina/channels")
    assert re.search(r'<input type="password" id="channel-url" name="url"', form)

    added = add_channel(served, url)
    listed = served.html("/profiles/amina/channels")
    tested = served.post(
        "/profiles/amina/channels/test", data={"csrf_token": served.token(), "label": "phone"}
    )
    after_test = served.html("/profiles/amina/channels")

    assert added.status_code == 303
    assert "Channel 'phone' added (to the person, in" in text_of(listed)
    masked = f"json://volunteer:****@127.0.0.1:{http_receiver.port}/{TOPIC}"
    assert f'<dd><bdi class="address">{masked}</bdi></dd>' in listed
    assert json.loads(served.credentials.channels["amina"])["channels"][0]["url"] == url
    assert tested.status_code == 303
    assert "phone: sent" in text_of(after_test)
    # Said once: the next visit is quiet.
    assert "phone: sent" not in text_of(served.html("/profiles/amina/channels"))
    [message] = http_receiver.texts_for(TOPIC)
    assert message.startswith("\u200fدستیار OFPRA: پیام آزمایشی\n")  # noqa: RUF001 (Dari)
    for answer in (form, listed, after_test, added.get_data(as_text=True)):
        assert SECRET not in answer
    assert files_holding(served.paths.data_dir, SECRET, TOPIC) == []


def test_page_channel_remove_and_a_channel_that_does_not_answer(served: Served) -> None:
    dead = "json://127.0.0.1:9/hook"
    add_channel(served, dead, "dead")
    tested = served.post(
        "/profiles/amina/channels/test", data={"csrf_token": served.token(), "label": "dead"}
    )
    said = text_of(served.html("/profiles/amina/channels"))
    removed = served.post(
        "/profiles/amina/channels/remove", data={"csrf_token": served.token(), "label": "dead"}
    )
    after = served.html("/profiles/amina/channels")

    assert tested.status_code == 303 and "dead: not sent (" in said
    assert removed.status_code == 303
    assert "Channel 'dead' removed." in text_of(after)
    assert json.loads(served.credentials.channels["amina"])["channels"] == []
    assert '<li data-channel="dead">' not in after


def test_page_channel_needs_a_consent_that_covers_channels(served: Served) -> None:
    with sqlite3.connect(served.paths.state_file) as db:
        db.execute("UPDATE consents SET text_version = '2026-11-26' WHERE profile = 'amina'")

    add_channel(served, "json://127.0.0.1:9/hook")
    said = text_of(served.html("/profiles/amina/channels"))

    assert (
        "The consent recorded for 'amina' does not cover sending alerts to other channels." in said
    )
    assert "amina" not in served.credentials.channels


def test_page_channel_refuses_an_address_apprise_does_not_know(served: Served) -> None:
    answer = add_channel(served, "fooo://user:Typo-SECRET-9@host/x")
    said = text_of(served.html("/profiles/amina/channels"))

    assert answer.status_code == 303
    assert "This is not a channel address Apprise knows." in said
    assert "Typo-SECRET-9" not in said and "amina" not in served.credentials.channels


def test_page_calendar_downloads_and_goes_by_a_channel_that_carries_files(
    served: Served, http_receiver: HttpReceiver
) -> None:
    download = served.get("/profiles/jean/calendar.ics")

    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="jean.ics"'
    assert download.data.startswith(b"BEGIN:VCALENDAR")
    assert download.headers["Cache-Control"] == "no-store"
    assert not (served.paths.data_dir / "calendars").exists(), "a GET writes nothing"

    add_channel(served, http_receiver.json_url("files"), "files")
    sent = served.post(
        "/profiles/amina/channels/calendar",
        data={"csrf_token": served.token(), "label": "files"},
    )
    assert sent.status_code == 303
    assert "files: sent" in text_of(served.html("/profiles/amina/channels"))
    [post] = http_receiver.posted_to("/files")
    assert b"BEGIN:VCALENDAR" in post.body or b"attachments" in post.body


# Stop (forget) --------------------------------------------------------------------------------


def test_page_forget_names_what_goes_then_forgets_and_says_so_on_the_overview(
    served: Served,
) -> None:
    served.gate.set()
    served.post("/profiles/amina/check", data={"csrf_token": served.token()})
    served.jobs.wait()
    assert served.jobs.latest("amina") is not None
    add_channel(served, "json://127.0.0.1:9/hook")
    served.html("/profiles/amina/channels")  # the notice read

    before = state_rows(served.paths)
    confirm = text_of(served.html("/profiles/amina/forget"))
    unchanged = state_rows(served.paths) == before
    answer = served.post("/profiles/amina/forget", data={"csrf_token": served.token()})
    overview = served.get(answer.location)
    shown = text_of(served.html(overview.location))  # one profile left: its page

    for said in (
        "its identifier and password, kept in this computer's keyring;",
        "the 3 letters it remembers (names and dates: the assistant never keeps a letter's "
        "content);",
        "the record of 1 check;",
        "the consent Person 0 recorded on",
        "1 alert channel, kept in the keyring;",
        "its calendar file, and the page outlines saved for it, if any;",
        "the lines of the assistant's log that name it.",
    ):
        assert said in confirm
    assert unchanged, "the confirmation page changes nothing"
    assert (answer.status_code, answer.location) == (303, "/")
    assert overview.location == "/profiles/jean"
    assert "Forgot the profile 'amina': keyring: removed the identifier and the password" in shown
    assert "state: removed the profile, its consent, 3 letter record(s)" in shown
    assert "amina" not in served.credentials.stored
    assert "amina" not in served.credentials.channels
    with sqlite3.connect(served.paths.state_file) as db:
        assert db.execute("SELECT count(*) FROM profiles WHERE name='amina'").fetchone() == (0,)
    assert served.get("/profiles/amina/forget").status_code == 404
    assert served.jobs.latest("amina") is None


def test_page_forget_waits_for_a_check_under_way(served: Served) -> None:
    served.post("/profiles/amina/check", data={"csrf_token": served.token()})
    confirm = served.html("/profiles/amina/forget")
    answer = served.post("/profiles/amina/forget", data={"csrf_token": served.token()})
    said = text_of(served.html(answer.location))

    assert 'action="/profiles/amina/forget"' not in confirm
    assert answer.location == "/profiles/amina/forget"
    assert "A check of this profile is under way: wait for it to end, then stop." in said
    assert "amina" in served.credentials.stored


@pytest.mark.parametrize(
    "path",
    [
        "/profiles/nobody/check",
        "/profiles/nobody/channels",
        "/profiles/nobody/forget",
        "/profiles/nobody/calendar.ics",
    ],
)
def test_page_actions_of_a_profile_that_does_not_exist_are_404(served: Served, path: str) -> None:
    assert served.get(path).status_code == 404
    assert served.post(path, data={"csrf_token": served.token()}).status_code in (404, 405)
    assert served.calls == []


def test_page_form_posted_under_no_referrer_with_a_null_origin_is_the_pages_own(
    served: Served,
) -> None:
    """Under the page's own ``Referrer-Policy: no-referrer`` a browser posts its forms with
    ``Origin: null``; only ``Sec-Fetch-Site: same-origin`` (set by the browser, never by a
    page) tells them from another site's null origin."""
    token = served.token()
    foreign = [
        served.post(
            "/profiles/amina/forget",
            data={"csrf_token": token},
            headers={"Origin": "null", "Sec-Fetch-Site": site},
        )
        for site in ("cross-site", "same-site", "none")
    ]
    assert [answer.status_code for answer in foreign] == [403, 403, 403]
    assert "amina" in served.credentials.stored

    own = served.post(
        "/profiles/amina/forget",
        data={"csrf_token": token},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )

    assert own.status_code == 303
    assert "amina" not in served.credentials.stored


def test_page_checks_of_the_agent_run_with_the_agents_own_environment(home: Path) -> None:
    """The agent hands its page the way it makes a check's environment: its keyring, its
    desktop, its clock and its settings, not ones the page would make for itself."""
    import signal

    from assistant.agent import Agent

    paths = Paths(config_dir=home, data_dir=home)
    paths.ensure()
    credentials = MemoryCredentialStore()
    dispatcher = AlertDispatcher([RecordingNotifier()])
    settings = Settings(browser=BrowserSettings(timeout_seconds=7))
    handed: list[Callable[[StateStore], Environment]] = []

    class Handle:
        url = "http://127.0.0.1:1/"

        def stop(self) -> None:
            pass

    def starter(
        paths: Paths, settings: Settings, environment: Callable[[StateStore], Environment]
    ) -> Handle:
        handed.append(environment)
        return Handle()

    agent = Agent(paths, settings, credentials, dispatcher, page=starter)
    assert agent.run(on_started=lambda: agent.request_stop(signal.SIGINT)) == signal.SIGINT

    [environment] = handed
    state = StateStore.open(paths.state_file)
    try:
        env = environment(state)
        assert env.credentials is credentials and env.dispatcher is dispatcher
        assert env.settings.browser.timeout_seconds == 7 and env.state is state
    finally:
        state.close()


def test_page_actions_pages_change_nothing(served: Served) -> None:
    """S6 for the new pages: showing them writes no state, no keyring entry, no file."""
    add_channel(served, "json://127.0.0.1:9/hook")
    served.gate.set()
    served.post("/profiles/amina/check", data={"csrf_token": served.token()})
    served.jobs.wait()
    before = (
        state_rows(served.paths),
        dict(served.credentials.channels),
        sorted(p.name for p in served.paths.data_dir.rglob("*")),
    )

    for path in (
        "/check",
        "/profiles/amina/check",
        "/profiles/amina/channels",
        "/profiles/amina/forget",
        "/profiles/amina/calendar.ics",
        "/profiles/jean/check?lang=ar",
    ):
        assert served.get(path).status_code == 200, path

    assert before == (
        state_rows(served.paths),
        dict(served.credentials.channels),
        sorted(p.name for p in served.paths.data_dir.rglob("*")),
    )
    assert served.calls == [["amina"]]


def test_page_channel_test_to_every_channel_says_what_each_did(
    served: Served, http_receiver: HttpReceiver
) -> None:
    add_channel(served, http_receiver.json_url("first"), "first")
    add_channel(served, "json://127.0.0.1:9/hook", "down")
    served.html("/profiles/amina/channels")  # the notices of the adds, read

    answer = served.post("/profiles/amina/channels/test", data={"csrf_token": served.token()})
    [notice] = re.findall(
        r'<div class="notice[^"]*" role="status">(.*?)</div>',
        served.html("/profiles/amina/channels"),
        re.S,
    )
    said = re.findall(r"<p>(.*?)</p>", notice)

    assert answer.status_code == 303
    assert said[0] == "<bdi>first</bdi>: sent"
    assert said[1].startswith("<bdi>down</bdi>: not sent (<bdi>")
    assert len(said) == 2
    assert len(http_receiver.posted_to("/first")) == 1
