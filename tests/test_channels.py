"""Remote channels through Apprise, against real receivers on loopback: an SMTP server for
mailto://, an HTTP server for json:// and ntfy://. What each receives, in which language, for
the person and for a helper; what never goes out; a dead channel retried and reported."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from assistant.alerts import failure_alert, letter_alerts, not_checked_alert
from assistant.channels import (
    HELPER,
    MINIMAL,
    PERSON,
    Channel,
    ChannelDispatcher,
    ChannelStore,
    ChannelTarget,
    Delivery,
    Event,
    RetryPolicy,
    channel_targets,
    check_events,
    failure_event,
    not_checked_event,
    scrub,
    usable_channels,
)
from assistant.consent import CONSENT_TEXT_VERSION
from assistant.deadlines import deadlines_for
from assistant.errors import (
    ConfigInvalidError,
    ConsentMissingError,
    ExitStatus,
    LoginRejectedError,
    PortalUnavailableError,
)
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher, NotifierError
from assistant.outbox import DeliveryTarget, deliver_pending
from assistant.results import Alert, CheckResult, LetterReport
from assistant.state import CheckRecord, Consent, StateStore
from fixtures.channel_receivers import HttpReceiver, SmtpReceiver, closed_port
from fixtures.desktop_session import DesktopSession
from flows.models import LetterKind, PortalLetter
from tests.conftest import NOW, TODAY, assistant_env, files_holding

PORTAL = "https://www.usager.ofpra.gov.fr/ofpra/user/login"
# What must never travel: recognisable, so that a plain search finds a leak.
IDENTIFIER = "8675309421"
PASSWORD = "Zq9-LEAKCHECK-pw!"
NAME = "Amina Leakcheck"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class DesktopRecorder:
    """Stands for the desktop notifier: keeps every alert."""

    kind = "desktop"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.alerts.append(alert)


def letter(kind: LetterKind, made_available_on: date, label: str | None = None) -> PortalLetter:
    return PortalLetter(
        id=f"{kind.value}-{made_available_on.isoformat()}",
        kind=kind,
        label=label or kind.value,
        sender="OFPRA",
        made_available_on=made_available_on,
        notified_on=None,
        read=False,
        read_on=None,
        portal_remaining_days=None,
        portal_says_notified=False,
    )


#: Made available 21 November: open by 5 December (9 days left on 26 November), received 6th.
DECISION = letter(LetterKind.DECISION, date(2026, 11, 21))
#: Made available 14 November: open by 28 November (2 days left), received 29th.
SUMMONS = letter(LetterKind.CONVOCATION, date(2026, 11, 14))


def checked(*letters: PortalLetter) -> CheckResult:
    reports = [LetterReport(item, deadlines_for(item, TODAY), True) for item in letters]
    return CheckResult(
        profile="p1",
        checked_at=NOW,
        letters=reports,
        alerts=letter_alerts(reports, Translator("en"), "p1"),
    )


def dispatcher(*channels: Channel) -> ChannelDispatcher:
    return ChannelDispatcher(list(channels), profile="p1", portal_url=PORTAL, clock=Clock(NOW))


def deliver_all(target: ChannelDispatcher, events: list[Event]) -> list[list[Delivery]]:
    return [target.deliver_event(event) for event in events]


def test_the_person_gets_every_letter_alert_in_their_language_the_helper_only_the_close_one(
    smtp_receiver: SmtpReceiver, http_receiver: HttpReceiver
) -> None:
    phone = Channel("phone", PERSON, "fr", http_receiver.ntfy_url("phone"))
    volunteer = Channel("volunteer", HELPER, "en", smtp_receiver.url())

    deliveries = deliver_all(dispatcher(phone, volunteer), check_events(checked(DECISION, SUMMONS)))

    assert [[d.to_json() for d in each] for each in deliveries] == [
        [{"channel": "phone", "ok": True}],
        [{"channel": "phone", "ok": True}, {"channel": "volunteer", "ok": True}],
    ]
    decision, summons = http_receiver.texts_for("phone")
    assert decision.startswith("OFPRA : nouveau courrier (Décision)\n")
    assert "au plus tard le 5 décembre 2026 : il reste 9 jours" in decision
    assert "6 décembre 2026" in decision
    assert f"Ouvrez votre compte OFPRA : {PORTAL}" in decision
    assert summons.startswith("OFPRA : nouveau courrier (Convocation à l'entretien)\n")
    assert "au plus tard le 28 novembre 2026 : il reste 2 jours" in summons
    [mail] = smtp_receiver.texts()
    assert mail.startswith("OFPRA: new letter (Interview appointment) (p1)\n")
    assert "Open it on the OFPRA website by November 28, 2026: 2 days left." in mail
    assert "it counts as received on November 29, 2026" in mail
    assert smtp_receiver.messages[0]["To"] == "volunteer@example.org"


def test_a_failure_that_needs_action_and_the_alarm_go_to_the_helper_in_their_language(
    smtp_receiver: SmtpReceiver, http_receiver: HttpReceiver
) -> None:
    phone = Channel("phone", PERSON, "en", http_receiver.ntfy_url("phone"))
    volunteer = Channel("volunteer", HELPER, "fr", smtp_receiver.url())
    target = dispatcher(phone, volunteer)

    refused = target.deliver_event(failure_event(LoginRejectedError("refused")))
    passing = target.deliver_event(failure_event(PortalUnavailableError("down")))
    alarm = target.deliver_event(not_checked_event(date(2026, 11, 18)))

    assert [d.channel for d in refused] == ["volunteer"]
    assert passing == [], "a portal that is down for a while needs no one: the agent retries"
    assert [d.channel for d in alarm] == ["phone", "volunteer"]
    failure, not_checked = smtp_receiver.texts()
    assert "login_rejected" in failure
    assert "ofpra-assistant check --profile p1" in failure
    assert failure.startswith("Assistant OFPRA : la vérification de « p1 » a échoué\n")
    assert "18 novembre 2026" in not_checked
    [phone_alarm] = http_receiver.texts_for("phone")
    assert phone_alarm.startswith("OFPRA account not checked since November 18, 2026\n")


def test_a_minimal_channel_gets_only_that_something_needs_attention_by_a_date(
    http_receiver: HttpReceiver,
) -> None:
    quiet = Channel("quiet", PERSON, "en", http_receiver.json_url("quiet"), detail=MINIMAL)

    deliver_all(dispatcher(quiet), check_events(checked(DECISION)))

    [post] = http_receiver.posted_to("/quiet")
    sent = json.loads(post.body)
    assert sent["title"] == "OFPRA"
    assert sent["message"] == (
        "Something needs your attention on your OFPRA account by December 5, 2026."
    )


def test_a_right_to_left_language_reaches_the_phone_with_its_direction_set(
    http_receiver: HttpReceiver,
) -> None:
    phone = Channel("phone", PERSON, "fa_AF", http_receiver.ntfy_url("phone"))

    deliver_all(dispatcher(phone), check_events(checked(DECISION)))

    [text] = http_receiver.texts_for("phone")
    title, body = text.split("\n", 1)
    assert title.startswith("\u200f") and body.startswith("\u200f")
    assert "OFPRA" in title


@pytest.mark.parametrize("detail", ["standard", "minimal"])
def test_no_message_on_any_channel_holds_the_identifier_the_password_or_the_name(
    smtp_receiver: SmtpReceiver, http_receiver: HttpReceiver, detail: str
) -> None:
    # A hostile portal may put anything in a label: the remote message uses none of it.
    hostile = f"Décision {NAME} {IDENTIFIER} {PASSWORD} https://evil.example/x"
    letters = (
        letter(LetterKind.DECISION, date(2026, 11, 24), hostile),
        letter(LetterKind.OTHER, date(2026, 11, 25), hostile),
        letter(LetterKind.CONVOCATION, date(2026, 11, 1), hostile),  # deemed received already
        letter(LetterKind.INTERVIEW, date(2026, 11, 14), hostile),
    )
    result = checked(*letters)
    failure = LoginRejectedError(f"refused for {IDENTIFIER} {PASSWORD} {NAME}")
    events = [
        *check_events(result),
        failure_event(failure),
        not_checked_event(date(2026, 11, 10)),
    ]
    assert {e.kind for e in events} >= {"new_letter", "deemed_notified", "check_failed"}
    channels = [
        Channel(f"{audience}-{language}-{kind}", audience, language, url, detail)
        for audience in (PERSON, HELPER)
        for language in ("fr", "ar")
        for kind, url in (
            ("mail", smtp_receiver.url(f"{audience}-{language}@example.org")),
            ("json", http_receiver.json_url(f"{audience}-{language}")),
            ("ntfy", http_receiver.ntfy_url(f"{audience}-{language}")),
        )
    ]
    target = dispatcher(*channels)

    deliveries = [d for each in deliver_all(target, events) for d in each]

    assert deliveries and all(d.ok for d in deliveries)
    received = [raw.decode("utf-8", "replace") for raw in smtp_receiver.raw]
    received += [post.body.decode() for post in http_receiver.posts]
    received += smtp_receiver.texts() + http_receiver.texts()
    assert len(smtp_receiver.raw) >= 4 and len(http_receiver.posts) >= 8
    for text in received:
        for secret in (IDENTIFIER, PASSWORD, NAME, "Leakcheck", "evil.example"):
            assert secret not in text
    for text in smtp_receiver.texts() + http_receiver.texts():
        assert set(re.findall(r"https?://[^\s\u2068\u2069]+", text)) <= {PORTAL}


def test_a_dead_channel_is_retried_with_backoff_and_reported_while_the_others_still_get_it(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    # Through the outbox, as a check and the agent deliver: the channels are its targets.
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("p1", PORTAL, "en", NOW)
    state.merge_letters("p1", [SUMMONS], NOW)
    dead_port = closed_port()
    clock = Clock(NOW)

    def target(channel: Channel) -> ChannelTarget:
        return ChannelTarget(channel, profile="p1", portal_url=PORTAL, state=state, clock=clock)

    dead = target(Channel("dead", HELPER, "en", f"json://127.0.0.1:{dead_port}/hook"))
    phone = target(Channel("phone", PERSON, "en", http_receiver.ntfy_url("phone")))
    desktop = DesktopRecorder()
    targets: list[DeliveryTarget] = [AlertDispatcher([desktop]), dead, phone]
    [alert] = checked(SUMMONS).alerts
    [alert_id] = state.enqueue_alerts("p1", [alert], [t.name for t in targets], NOW)

    def dead_row() -> dict[str, object]:
        [row] = [r for r in state.deliveries(alert_id) if r["target"] == dead.name]
        return row

    first = deliver_pending(state, targets, NOW, force=True)

    assert len(desktop.alerts) == 1
    assert [(d.target, d.ok) for d in first] == [
        ("channel:p1:dead", False),
        ("channel:p1:phone", True),
        ("local", True),
    ]
    assert "Connection error" in (first[0].error or "")
    assert dead_row()["next_try_at"] == (NOW + timedelta(minutes=5)).isoformat()

    clock.now = NOW + timedelta(minutes=4)
    assert deliver_pending(state, targets, clock.now) == []
    waits = []
    for minutes in (5, 15, 35):
        clock.now = NOW + timedelta(minutes=minutes)
        [again] = deliver_pending(state, targets, clock.now)
        assert (again.target, again.ok) == ("channel:p1:dead", False)
        waits.append(datetime.fromisoformat(str(dead_row()["next_try_at"])) - clock.now)
    assert waits == [timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    assert dead_row()["attempts"] == 4

    clock.now = NOW + timedelta(hours=23)
    assert [d.target for d in deliver_pending(state, targets, clock.now)] == [dead.name]
    clock.now = NOW + timedelta(days=1)
    reported = deliver_pending(state, targets, clock.now)
    assert [(d.target, d.ok, d.alert.kind) for d in reported] == [
        ("channel:p1:phone", True, "channel_down"),
        ("local", True, "channel_down"),
    ]
    clock.now = NOW + timedelta(days=1, hours=6)
    later = deliver_pending(state, targets, clock.now)
    assert [d.alert.kind for d in later] == ["new_letter"], "said once, not at every try"
    down = http_receiver.texts_for("phone")[-1]
    assert down.startswith("An alert channel is not working: dead\n")
    assert "has failed since November 26, 2026" in down
    assert desktop.alerts[-1].title == "An alert channel is not working: dead"

    # The channel comes back: the pending alert goes, and its failure is over.
    with HttpReceiver(port=dead_port) as back:
        clock.now = datetime.fromisoformat(str(dead_row()["next_try_at"]))
        [delivered] = deliver_pending(state, targets, clock.now)
        assert delivered.ok and dead_row()["attempts"] == 7
        assert "Interview appointment" in back.texts()[0]
    assert state.failing_targets() == {}
    state.close()


def test_the_retry_policy_backs_off_to_six_hours_and_gives_up_after_three_days() -> None:
    policy = RetryPolicy()
    start = NOW

    assert policy.next_attempt(1, start, start) == start + timedelta(minutes=5)
    assert policy.next_attempt(2, start, start) == start + timedelta(minutes=10)
    assert policy.next_attempt(9, start, start) == start + timedelta(hours=6)
    assert policy.next_attempt(30, start, start + timedelta(days=3)) is None
    assert [int(d.total_seconds() // 60) for d in policy.delays()] == [
        5,
        10,
        20,
        40,
        80,
        160,
        320,
        360,
    ]
    assert not policy.is_down(start, start + timedelta(hours=23, minutes=59))
    assert policy.is_down(start, start + timedelta(days=1))


def test_a_delivery_error_names_no_part_of_the_channel_url() -> None:
    url = "tgram://123456789:AAsecretTOKEN42/998877?from=volunteer@example.org"
    message = "Failed to send Telegram to 998877 with AAsecretTOKEN42 (volunteer@example.org)"

    scrubbed = scrub(message, url)

    for part in ("123456789", "AAsecretTOKEN42", "998877", "volunteer", "example.org"):
        assert part not in scrubbed
    assert scrubbed.startswith("Failed to send Telegram to ***")


def test_desktop_alerts_of_a_check_map_to_remote_events_with_no_portal_text() -> None:
    result = checked(DECISION)
    result.alerts.append(failure_alert(LoginRejectedError("x"), Translator("en"), "p1"))
    result.alerts.append(not_checked_alert(date(2026, 11, 1), Translator("en"), "p1"))

    events = check_events(result)

    assert [e.kind for e in events] == ["new_letter", "check_failed", "not_checked"]
    assert events[0].letter_kind is LetterKind.DECISION
    assert events[0].open_by == date(2026, 12, 5) and events[0].days_left == 9
    assert not hasattr(events[0], "label")


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def cli_env(
    tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest
) -> dict[str, str]:
    return assistant_env(desktop, tmp_path / "home", f"ofpra-channels-{request.node.name}")


def set_up(env: dict[str, str]) -> None:
    done = run_cli(
        env,
        "setup",
        "--no-check",
        "--portal-url",
        "http://127.0.0.1:9/ofpra/user/login",
        "--identifier",
        IDENTIFIER,
        "--password-stdin",
        "--consent",
        NAME,
        "--language",
        "en",
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.desktop
def test_a_volunteer_adds_the_phone_and_their_e_mail_in_two_commands_and_tests_them(
    tmp_path: Path,
    cli_env: dict[str, str],
    smtp_receiver: SmtpReceiver,
    http_receiver: HttpReceiver,
) -> None:
    set_up(cli_env)
    base = ("channel", "add", "--profile", "default", "--url-stdin")

    phone = run_cli(
        cli_env,
        *base,
        "--to",
        "person",
        "--name",
        "phone",
        "--language",
        "fr",
        stdin=http_receiver.ntfy_url("phone-topic-x7") + "\n",
    )
    volunteer = run_cli(
        cli_env, *base, "--to", "helper", "--name", "volunteer", stdin=smtp_receiver.url() + "\n"
    )
    telegram = run_cli(
        cli_env, *base, "--to", "helper", stdin="tgram://123456789:AAsecretTOKEN42/998877\n"
    )
    listed = run_cli(cli_env, "channel", "list", "--profile", "default")
    as_json = json.loads(
        run_cli(cli_env, "channel", "list", "--profile", "default", "--json").stdout
    )

    assert phone.returncode == 0, phone.stderr
    assert phone.stdout.startswith("Channel 'phone' added (to the person, in fr): ntfy://")
    assert volunteer.returncode == 0 and telegram.returncode == 0, volunteer.stderr
    assert "Channel 'helper-tgram' added" in telegram.stdout
    assert "AAsecretTOKEN42" not in listed.stdout + telegram.stdout + json.dumps(as_json)
    assert [c["channel"] for c in as_json["channels"]] == ["phone", "volunteer", "helper-tgram"]
    assert [c["to"] for c in as_json["channels"]] == ["person", "helper", "helper"]
    removed = run_cli(cli_env, "channel", "remove", "--profile", "default", "helper-tgram")
    assert removed.stdout.strip() == "Channel 'helper-tgram' removed."

    tested = run_cli(cli_env, "channel", "test", "--profile", "default")

    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.splitlines() == ["phone: sent", "volunteer: sent"]
    [on_phone] = http_receiver.texts_for("phone-topic-x7")
    assert on_phone.startswith("Assistant OFPRA : message d'essai\n")
    [mail] = smtp_receiver.texts()
    assert mail.startswith("OFPRA assistant: test message\n")

    sent = run_cli(cli_env, "channel", "send-calendar", "--profile", "default", "volunteer")
    assert sent.stdout.strip() == "volunteer: sent", sent.stderr
    [attachment] = list(smtp_receiver.messages[-1].iter_attachments())
    assert attachment.get_filename() == "default.ics"
    assert "BEGIN:VCALENDAR" in str(attachment.get_content())

    # Nothing about the channels is written to a file: the keyring has them.
    secrets = ("phone-topic-x7", "AAsecretTOKEN42", "volunteer@example.org")
    assert files_holding(tmp_path / "home", *secrets) == []

    assert run_cli(cli_env, "forget", "--yes").returncode == 0
    set_up(cli_env)
    after = run_cli(cli_env, "channel", "list", "--profile", "default")
    assert after.stdout.startswith("No channel for 'default' yet"), "forget removed them"


@pytest.mark.desktop
def test_a_dead_channel_a_bad_address_and_an_older_consent_are_said_plainly(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    set_up(cli_env)
    base = ("channel", "add", "--profile", "default", "--to", "helper", "--url-stdin")

    bad = run_cli(cli_env, *base, stdin="fooo://user:Typo-SECRET-9@host/x\n")
    dead = run_cli(
        cli_env, *base, "--name", "dead", stdin=f"json://127.0.0.1:{closed_port()}/hook\n"
    )
    tested = run_cli(cli_env, "channel", "test", "--profile", "default")
    with sqlite3.connect(tmp_path / "home" / "state.sqlite3") as db:
        db.execute("UPDATE consents SET text_version = '2026-11-26'")
    older = run_cli(cli_env, *base, stdin="json://127.0.0.1:9/other\n")

    assert bad.returncode == int(ExitStatus.CONFIG_INVALID)
    assert "not a channel address Apprise knows" in bad.stderr
    log = (tmp_path / "home" / "logs" / "assistant.log").read_text()
    assert "Typo-SECRET-9" not in log + bad.stderr, (
        "a mistyped URL is no more shown than a good one"
    )
    assert dead.returncode == 0
    assert tested.returncode == 1
    assert tested.stdout.startswith("dead: not sent (A Connection error occurred")
    assert older.returncode == int(ExitStatus.CONSENT_MISSING)
    assert "does not cover sending alerts to other channels" in older.stderr
    assert "setup --profile default" in older.stderr


class SecretsInMemory:
    """A SecretStore fake (the keyring has its own tests above)."""

    def __init__(self) -> None:
        self.documents: dict[str, str] = {}

    def save_channels(self, profile: str, document: str) -> None:
        self.documents[profile] = document

    def load_channels(self, profile: str) -> str | None:
        return self.documents.get(profile)


def consent(version: str) -> Consent:
    return Consent(NAME, "holder", version, "en", NOW)


def test_channels_are_named_kept_together_and_refused_under_an_older_consent() -> None:
    store = ChannelStore(SecretsInMemory())
    current = consent(CONSENT_TEXT_VERSION)

    first = store.add(
        "p1", url="json://127.0.0.1:9/a", audience=HELPER, language="en", consent=current
    )
    second = store.add(
        "p1", url="json://127.0.0.1:9/b", audience=HELPER, language="fr", consent=current
    )
    with pytest.raises(ConfigInvalidError, match="already has a channel named 'helper-json'"):
        store.add(
            "p1",
            url="json://127.0.0.1:9/c",
            audience=HELPER,
            language="en",
            consent=current,
            label="helper-json",
        )
    with pytest.raises(ConfigInvalidError, match="cannot be a channel name"):
        store.add(
            "p1",
            url="json://127.0.0.1:9/c",
            audience=HELPER,
            language="en",
            consent=current,
            label="../x",
        )
    with pytest.raises(ConsentMissingError, match="setup --profile p1"):
        store.add(
            "p1",
            url="json://127.0.0.1:9/c",
            audience=HELPER,
            language="en",
            consent=consent("2026-11-26"),
        )

    assert (first.label, second.label) == ("helper-json", "helper-json-2")
    assert store.channels("p1") == [first, second]
    assert "127.0.0.1" not in repr(first), "a channel's repr shows no URL"
    assert usable_channels(store, "p1", current) == [first, second]
    assert usable_channels(store, "p1", consent("2026-11-26")) == []
    assert usable_channels(store, "p1", None) == []
    assert store.remove("p1", "helper-json") == first
    assert store.channels("p1") == [second]


def test_damaged_channels_in_the_keyring_are_a_named_error() -> None:
    secrets = SecretsInMemory()
    secrets.documents["p1"] = "{not json"

    with pytest.raises(ConfigInvalidError, match="cannot be read"):
        ChannelStore(secrets).channels("p1")


@pytest.mark.parametrize("language", ["en", "fr", "ps"])
def test_the_new_consent_text_says_which_channels_get_what_and_covers_them(language: str) -> None:
    from assistant.consent import consent_covers_channels, consent_text, make_consent

    text = consent_text(Translator(language))

    assert "ofpra-assistant channel add" in text
    assert "send nothing anywhere else" not in text
    assert consent_covers_channels(make_consent(NAME, "holder", language, NOW))
    assert not consent_covers_channels(consent("2026-11-26"))


def test_a_channel_target_rebuilds_an_outbox_alert_from_the_state_and_counts_the_days_now(
    tmp_path: Path, smtp_receiver: SmtpReceiver, http_receiver: HttpReceiver
) -> None:
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("p1", PORTAL, "en", NOW)
    state.merge_letters("p1", [DECISION], NOW)
    state.record_check("p1", CheckRecord(NOW, NOW, False, "login_rejected", None, None, None))
    result = checked(DECISION)
    result.alerts.append(failure_alert(LoginRejectedError("x"), Translator("en"), "p1"))
    late = Clock(NOW + timedelta(days=2))

    def target(channel: Channel) -> ChannelTarget:
        return ChannelTarget(channel, profile="p1", portal_url=PORTAL, state=state, clock=late)

    phone = target(Channel("phone", PERSON, "en", http_receiver.ntfy_url("phone")))
    volunteer = target(Channel("volunteer", HELPER, "en", smtp_receiver.url()))
    dead = target(Channel("dead", PERSON, "en", f"json://127.0.0.1:{closed_port()}/x"))
    letter_alert, failed_alert = result.alerts

    assert (phone.name, phone.wants(letter_alert), phone.wants(failed_alert)) == (
        "channel:p1:phone",
        True,
        False,
    )
    assert phone.send(letter_alert) == "channel:p1:phone"
    assert volunteer.send(letter_alert) == "not for this channel"
    assert volunteer.send(failed_alert) == "channel:p1:volunteer"
    with pytest.raises(NotifierError, match="Connection error"):
        dead.send(letter_alert)
    [on_phone] = http_receiver.texts_for("phone")
    assert "by December 5, 2026: 7 days left" in on_phone, "counted on the day it goes"
    [mail] = smtp_receiver.texts()
    assert "It needs you (login_rejected)" in mail


def test_a_profiles_targets_are_its_channels_and_none_under_an_older_consent(
    tmp_path: Path,
) -> None:
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("p1", PORTAL, "en", NOW)
    store = ChannelStore(SecretsInMemory())
    state.record_consent("p1", consent(CONSENT_TEXT_VERSION))
    store.add(
        "p1",
        url="json://127.0.0.1:9/a",
        audience=PERSON,
        language="en",
        consent=state.consent("p1"),
        label="phone",
    )

    targets = channel_targets(store, state, "p1", Clock(NOW))
    state.record_consent("p1", consent("2026-11-26"))

    assert [(t.name, t.portal_url) for t in targets] == [("channel:p1:phone", PORTAL)]
    assert channel_targets(store, state, "p1", Clock(NOW)) == []
    assert channel_targets(store, state, "nobody", Clock(NOW)) == []


def test_an_opened_decision_reaches_the_phone_with_its_legal_aid_and_appeal_days(
    http_receiver: HttpReceiver,
) -> None:
    opened = replace(DECISION, read=True, read_on=date(2026, 11, 24))
    phone = Channel("phone", PERSON, "en", http_receiver.ntfy_url("phone"))
    result = checked(opened)
    assert [a.kind for a in result.alerts] == ["new_letter"]

    deliver_all(dispatcher(phone), check_events(result))

    [text] = http_receiver.texts_for("phone")
    deadlines = result.letters[0].deadlines
    assert deadlines.legal_aid_deadline is not None and deadlines.appeal_deadline is not None
    assert text.startswith("Time limits of an opened decision: Decision\n")
    t = Translator("en")
    assert t.date(deadlines.legal_aid_deadline) in text
    assert t.date(deadlines.appeal_deadline) in text
    assert "Made available" not in text
