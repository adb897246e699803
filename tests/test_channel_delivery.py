"""The channels as part of a check: the environment reads each profile's channels, the outbox
gives each alert to the local target and to its own profile's channels, retries what failed
with the channels' backoff, and tells the others when a channel has failed for a day; `check
--json` lists each alert's deliveries and `status` the failing channels. Against the mock
portal in a real browser, with real receivers on loopback (SMTP, HTTP)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from assistant.agent import Agent
from assistant.channels import HELPER, PERSON, ChannelStore, drop_pending
from assistant.cli_output import render_check, render_status
from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.environment import Environment, build_environment
from assistant.errors import KeyringUnavailableError
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher
from assistant.outbox import deliver_pending
from assistant.runner import CheckRunner
from assistant.settings import BrowserSettings, Paths, Settings
from assistant.status import profile_statuses
from fixtures.channel_receivers import HttpReceiver, SmtpReceiver, closed_port
from fixtures.desktop_session import DesktopSession
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from tests.conftest import (
    IDENTIFIER,
    NOW,
    PASSWORD,
    TODAY,
    Cli,
    FakeClock,
    RecordingNotifier,
    RecordingSleep,
)


@dataclass
class Home:
    paths: Paths
    env: Environment
    clock: FakeClock
    desktop: RecordingNotifier
    browser: Browser

    def agent(self) -> Agent:
        return Agent(
            self.paths,
            self.env.settings,
            self.env.credentials,
            self.env.dispatcher,
            clock=self.clock,
            browser_source=lambda settings, hosts: nullcontext(self.browser),
            open_state=lambda: nullcontext(self.env.state),
        )


@pytest.fixture
def home(tmp_path: Path, browser: Browser) -> Iterator[Home]:
    """A home folder built by the one factory, with a fake clock, a recording desktop and the
    credentials (and so the channels) in memory."""
    paths = Paths(tmp_path / "home", tmp_path / "home")
    paths.ensure()
    clock = FakeClock(NOW)
    desktop = RecordingNotifier()
    env = build_environment(
        paths,
        Settings(browser=BrowserSettings(timeout_seconds=10)),
        console=None,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([desktop]),
        clock=clock,
        browser_source=lambda settings, hosts: nullcontext(browser),
        sleep=RecordingSleep(),
    )
    yield Home(paths, env, clock, desktop, browser)
    env.state.close()


def set_up(env: Environment, portal: MockPortalServer, profile: str, language: str) -> None:
    env.state.save_profile(profile, portal.login_url, language, NOW)
    env.state.record_consent(profile, make_consent("Amina", "holder", language, NOW))
    env.credentials.save(profile, Credentials(IDENTIFIER, PASSWORD))


def add_channel(
    env: Environment, profile: str, label: str, audience: str, language: str, url: str
) -> None:
    ChannelStore(env.credentials).add(
        profile,
        url=url,
        audience=audience,
        language=language,
        consent=env.state.consent(profile),
        label=label,
    )


def outbox_targets(env: Environment, alert_id: int) -> set[str]:
    return {str(row["target"]) for row in env.state.deliveries(alert_id)}


pytestmark = pytest.mark.browser


def test_the_person_gets_the_letter_and_the_helper_the_failure_and_the_alarm_each_in_theirs(
    home: Home,
    portal: MockPortalServer,
    smtp_receiver: SmtpReceiver,
    http_receiver: HttpReceiver,
) -> None:
    env = home.env
    set_up(env, portal, "default", "fr")
    add_channel(env, "default", "phone", PERSON, "fr", http_receiver.ntfy_url("amina-phone"))
    add_channel(env, "default", "volunteer", HELPER, "en", smtp_receiver.url())

    # A new decision, 9 days left: the person's news, no helper needed yet.
    portal.use_scenario("decision_9_days", today=TODAY)
    found = CheckRunner(env).check("default")
    # The next day the portal refuses the password: a helper must act.
    portal.use_scenario("wrong_password", today=TODAY)
    home.clock.now = NOW + timedelta(days=1)
    refused = CheckRunner(env).check("default")
    # Nine days after the last good check, the agent's alarm.
    home.clock.now = NOW + timedelta(days=9)
    home.agent().tick()

    assert found.ok and [a.kind for a in found.alerts] == ["new_letter"]
    assert refused.error is not None and refused.error.code == "login_rejected"
    on_phone = http_receiver.texts_for("amina-phone")
    mails = smtp_receiver.texts()
    # On 5 December, the last day to open the decision, the agent's reminder comes with the
    # alarm: the person's too, and a helper's, now that the deadline is that close.
    assert [text.split("\n", 1)[0] for text in on_phone] == [
        "OFPRA : nouveau courrier (Décision)",
        "OFPRA : courrier pas encore ouvert (Décision)",
        "Compte OFPRA non vérifié depuis le 26 novembre 2026",
    ]
    assert "au plus tard le 5 décembre 2026 : il reste 9 jours" in on_phone[0]
    assert [text.split("\n", 1)[0] for text in mails] == [
        "OFPRA assistant: the check of 'default' failed",
        "OFPRA: letter not opened yet (Decision) (default)",
        "OFPRA account not checked since November 26, 2026 (default)",
    ]
    assert "It needs you (login_rejected)" in mails[0]
    assert "ofpra-assistant check --profile default" in mails[0]
    assert "Open it today on the OFPRA website." in mails[1]
    assert not any("login_rejected" in text or "vérification" in text for text in on_phone)
    assert not any("new letter" in text or "9 days" in text for text in mails)
    # The desktop had every one of them.
    kinds = [a.kind for a in home.desktop.alerts]
    assert kinds == ["new_letter", "check_failed", "reminder", "not_checked"]
    # And each alert's JSON says where it went: the phone's, and the volunteer's.
    [letter_alert] = found.to_json()["alerts"]
    assert letter_alert["deliveries"] == [
        {"channel": "local", "ok": True, "via": "recording"},
        {"channel": "phone", "ok": True},
    ]
    [failure_alert] = refused.to_json()["alerts"]
    assert failure_alert["deliveries"] == [
        {"channel": "local", "ok": True, "via": "recording"},
        {"channel": "volunteer", "ok": True},
    ]


def test_a_dead_channel_is_retried_and_reported_while_the_desktop_and_the_others_get_it(
    home: Home, portal: MockPortalServer, http_receiver: HttpReceiver
) -> None:
    env, clock = home.env, home.clock
    dead_port = closed_port()
    set_up(env, portal, "default", "en")
    add_channel(env, "default", "dead", PERSON, "en", f"json://127.0.0.1:{dead_port}/hook")
    add_channel(env, "default", "phone", PERSON, "en", http_receiver.ntfy_url("phone"))
    portal.use_scenario("decision_9_days", today=TODAY)

    result = CheckRunner(env).check("default")

    assert [a.kind for a in home.desktop.alerts] == ["new_letter"], "the desktop alert went"
    assert len(http_receiver.texts_for("phone")) == 1, "and the phone's"
    [shown] = result.to_json()["alerts"]
    local, dead, phone = shown["deliveries"]
    assert local == {"channel": "local", "ok": True, "via": "recording"}
    assert phone == {"channel": "phone", "ok": True}
    assert (dead["channel"], dead["ok"]) == ("dead", False)
    assert dead["error"].startswith("A Connection error occurred")
    assert str(dead_port) not in dead["error"], "no part of the channel's address"
    said = render_check(result, Translator("en")).splitlines()
    assert said[-1].startswith("      dead: not sent (A Connection error occurred")
    assert said[-1].endswith("; phone: sent")
    [(alert_id, _, _)] = env.state.outbox()
    [row] = [r for r in env.state.deliveries(alert_id) if r["target"] == "channel:default:dead"]
    assert (row["attempts"], row["next_try_at"]) == (1, (NOW + timedelta(minutes=5)).isoformat())

    # Tried again on the channels' backoff (5 min, then 10 ...), never the desktop again.
    clock.now = NOW + timedelta(minutes=4)
    assert deliver_pending(env.state, env.targets, clock.now) == []
    clock.now = NOW + timedelta(minutes=5)
    [again] = deliver_pending(env.state, env.targets, clock.now)
    assert (again.target, again.ok) == ("channel:default:dead", False)
    [row] = [r for r in env.state.deliveries(alert_id) if r["target"] == "channel:default:dead"]
    assert row["next_try_at"] == (clock.now + timedelta(minutes=10)).isoformat()
    [status] = profile_statuses(env, home.paths)
    assert [(c["channel"], c["down"]) for c in status["channels_failing"]] == [("dead", False)]

    # Failing for a day: an alert to the desktop and to the phone, once.
    clock.now = NOW + timedelta(days=1)
    delivered = deliver_pending(env.state, env.targets, clock.now)
    clock.now += timedelta(hours=7)
    later = deliver_pending(env.state, env.targets, clock.now)

    assert [(d.target, d.ok) for d in delivered] == [
        ("channel:default:dead", False),
        ("channel:default:phone", True),
        ("local", True),
    ]
    assert [(d.target, d.ok) for d in later] == [("channel:default:dead", False)], "said once"
    down = home.desktop.alerts[-1]
    assert down.kind == "channel_down"
    assert down.title == "An alert channel is not working: dead"
    assert "has failed since November 26, 2026" in down.body
    assert http_receiver.texts_for("phone")[-1].startswith(
        "An alert channel is not working: dead\n"
    )
    [status] = profile_statuses(env, home.paths)
    [failing] = status["channels_failing"]
    assert (failing["channel"], failing["since"], failing["down"]) == (
        "dead",
        NOW.isoformat(),
        True,
    )
    assert failing["last_error"].startswith("A Connection error occurred")
    text = render_status(home.paths, [status], Translator("en"))
    assert "  channel 'dead': NOT WORKING since " in text

    # The channel is back: what waited goes, and it is no longer failing.
    with HttpReceiver(port=dead_port) as back:
        done = deliver_pending(env.state, env.targets, clock.now, force=True)
        assert [(d.target, d.ok) for d in done] == [("channel:default:dead", True)]
        [text_back] = back.texts()
        assert text_back.startswith("OFPRA: new letter (Decision)\n")
    [status] = profile_statuses(env, home.paths)
    assert status["channels_failing"] == []


def test_each_profile_gets_only_its_own_alerts_on_its_channels(
    home: Home, portal: MockPortalServer, http_receiver: HttpReceiver
) -> None:
    env = home.env
    portal.use_scenario("decision_9_days", today=TODAY)
    for name in ("amina", "bilal"):
        set_up(env, portal, name, "en")
        add_channel(env, name, "phone", PERSON, "en", http_receiver.json_url(name))

    results = CheckRunner(env).check_many(["amina", "bilal"])

    assert [len(r.alerts) for r in results] == [1, 1]
    assert len(http_receiver.posted_to("/amina")) == 1
    assert len(http_receiver.posted_to("/bilal")) == 1
    for (alert_id, profile, _), expected in zip(
        env.state.outbox(), ("amina", "bilal"), strict=True
    ):
        assert profile == expected
        assert outbox_targets(env, alert_id) == {"local", f"channel:{expected}:phone"}
    assert [r.to_json()["alerts"][0]["deliveries"][1] for r in results] == [
        {"channel": "phone", "ok": True},
        {"channel": "phone", "ok": True},
    ]


def test_a_channel_not_for_an_alert_is_done_with_it_not_retried(
    home: Home, portal: MockPortalServer, smtp_receiver: SmtpReceiver
) -> None:
    env = home.env
    set_up(env, portal, "default", "en")
    add_channel(env, "default", "volunteer", HELPER, "en", smtp_receiver.url())
    portal.use_scenario("decision_9_days", today=TODAY)

    result = CheckRunner(env).check("default")

    [(alert_id, _, _)] = env.state.outbox()
    rows = {r["target"]: (r["ok"], r["via"]) for r in env.state.deliveries(alert_id)}
    assert rows["channel:default:volunteer"] == (1, "not for this channel")
    assert smtp_receiver.messages == []
    assert result.to_json()["alerts"][0]["deliveries"] == [
        {"channel": "local", "ok": True, "via": "recording"}
    ], "a channel the alert is not for is not listed as if it had it"


class LockedChannels(MemoryCredentialStore):
    """The password can be read, the channels cannot (the keyring refused that entry)."""

    def load_channels(self, profile: str) -> str | None:
        raise KeyringUnavailableError("The keyring could not be read (KeyringLocked).")


def test_channels_that_cannot_be_read_stop_nothing_the_desktop_alert_goes(
    tmp_path: Path, browser: Browser, portal: MockPortalServer
) -> None:
    paths = Paths(tmp_path, tmp_path)
    desktop = RecordingNotifier()
    env = build_environment(
        paths,
        Settings(browser=BrowserSettings(timeout_seconds=10)),
        console=None,
        credentials=LockedChannels(),
        dispatcher=AlertDispatcher([desktop]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(browser),
    )
    set_up(env, portal, "default", "en")
    portal.use_scenario("decision_9_days", today=TODAY)

    result = CheckRunner(env).check("default")

    assert result.ok and [a.kind for a in desktop.alerts] == ["new_letter"]
    [(profile, fault)] = env.channel_faults
    assert (profile, fault.code) == ("default", "keyring_unavailable")
    env.state.close()


PROBE = """
import sys
from assistant.cli import main
code = main(sys.argv[1:])
print("apprise imported:", "apprise" in sys.modules, file=sys.stderr)
print("channels imported:", "assistant.channels" in sys.modules, file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.desktop
def test_a_check_of_a_home_with_no_channels_does_not_import_apprise(
    tmp_path: Path, desktop: DesktopSession, portal: MockPortalServer, http_receiver: HttpReceiver
) -> None:
    cli = Cli(tmp_path / "home", desktop, "ofpra-channels-apprise-probe")
    portal.use_scenario("decision_9_days", today=TODAY)
    assert cli.setup(portal.login_url).returncode == 0

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", PROBE, "check"],
            capture_output=True,
            text=True,
            env=cli.env,
            timeout=120,
        )

    without = check()
    added = cli.run(
        "channel",
        "add",
        "--profile",
        "default",
        "--to",
        "person",
        "--url-stdin",
        stdin=http_receiver.json_url("phone") + "\n",
    )
    with_one = check()

    assert without.returncode == 0, without.stderr
    assert "apprise imported: False" in without.stderr
    assert "channels imported: False" in without.stderr, "nor the channels' own module"
    assert added.returncode == 0, added.stderr
    assert with_one.returncode == 0, with_one.stderr
    assert "apprise imported: True" in with_one.stderr, "the probe sees it when it is there"
    assert len(http_receiver.posted_to("/phone")) >= 1


def test_a_removed_channel_leaves_nothing_waiting_nor_failing(
    home: Home, portal: MockPortalServer
) -> None:
    env = home.env
    set_up(env, portal, "default", "en")
    add_channel(env, "default", "dead", PERSON, "en", f"json://127.0.0.1:{closed_port()}/x")
    portal.use_scenario("decision_9_days", today=TODAY)
    CheckRunner(env).check("default")
    [status] = profile_statuses(env, home.paths)
    assert [c["channel"] for c in status["channels_failing"]] == ["dead"]
    assert env.state.undelivered()["alerts"] == 1

    ChannelStore(env.credentials).remove("default", "dead")
    dropped = drop_pending(env.state, "default", "dead", NOW)

    assert dropped == 1
    [status] = profile_statuses(env, home.paths)
    assert status["channels_failing"] == []
    assert env.state.undelivered()["alerts"] == 0


@pytest.mark.desktop
def test_a_check_says_when_the_channels_in_the_keyring_cannot_be_read_and_alerts_all_the_same(
    tmp_path: Path, desktop: DesktopSession, portal: MockPortalServer
) -> None:
    import keyring

    cli = Cli(tmp_path / "home", desktop, "ofpra-channels-damaged")
    portal.use_scenario("decision_9_days", today=TODAY)
    assert cli.setup(portal.login_url).returncode == 0
    keyring.set_password(cli.keyring_service, "default:channels", "{not json")
    console = {**cli.env, "OFPRA_ASSISTANT_NOTIFIER": "console"}

    done = cli.run("check", env=console)

    assert done.returncode == 0, done.stderr
    assert "[console] New letter from OFPRA: Decision" in done.stdout
    assert (
        "ofpra-assistant: The alert channels kept in the keyring for 'default' cannot be read."
        in done.stderr
    )
