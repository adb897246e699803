"""Alerts weigh what they say: urgent ones critical and kept on screen until dismissed, the
others normal and timed, on a real notification daemon (dunst, through D-Bus)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant.alerts import failure_alert, letter_alerts
from assistant.deadlines import deadlines_for
from assistant.errors import N_, LoginRejectedError, PortalUnavailableError
from assistant.freedesktop import Urgency, body_for, notification_for
from assistant.i18n import Translator
from assistant.notifiers import DesktopNotifier, NotifierError, dispatcher_for
from assistant.results import Alert, LetterReport
from fixtures.desktop_session import DesktopSession
from flows.models import LetterKind, PortalLetter

TODAY = date(2026, 11, 26)
#: The desktop notifier's expiry for alerts that are not urgent, as dunst reports it (µs).
NORMAL_TIMEOUT_US = str(DesktopNotifier().timeout_seconds * 1_000_000)


def letter(kind: LetterKind, label: str, days_ago: int, *, notified: bool) -> LetterReport:
    made_available = TODAY - timedelta(days=days_ago)
    portal_letter = PortalLetter(
        id=f"{made_available.isoformat()}-{kind.value}",
        kind=kind,
        label=label,
        sender="OFPRA",
        made_available_on=made_available,
        notified_on=made_available if notified else None,
        read=False,
        read_on=None,
        portal_remaining_days=None,
        portal_says_notified=False,
    )
    return LetterReport(portal_letter, deadlines_for(portal_letter, TODAY), new=True)


def shown(desktop: DesktopSession, alert: Alert) -> dict[str, str]:
    """Deliver the alert as the assistant does, and read back what the daemon received (the
    daemon is shared by the whole run: only what came since)."""
    before = {n["id"] for n in desktop.notification_history()}
    assert dispatcher_for("auto", io.StringIO()).deliver(alert) == "desktop"
    [received] = [
        n
        for n in desktop.notification_history()
        if n["id"] not in before and n["summary"] == alert.title
    ]
    assert received["appname"] == "OFPRA assistant"
    return received


@pytest.mark.desktop
def test_a_letter_with_2_days_left_is_critical_and_stays_until_dismissed(
    desktop: DesktopSession,
) -> None:
    decision = letter(LetterKind.DECISION, "Décision 2 jours", 12, notified=True)
    assert decision.deadlines.days_left == 2
    [alert] = letter_alerts([decision], Translator("en"), "default")

    received = shown(desktop, alert)

    assert received["urgency"] == "CRITICAL"
    assert received["timeout"] == "0"
    assert received["body"] == alert.body


@pytest.mark.desktop
def test_an_information_letter_is_normal_and_timed(desktop: DesktopSession) -> None:
    six_months = letter(LetterKind.SIX_MONTHS, "6 mois", 1, notified=False)
    [alert] = letter_alerts([six_months], Translator("en"), "default")
    assert "when you can" in alert.body

    received = shown(desktop, alert)

    assert received["urgency"] == "NORMAL"
    assert received["timeout"] == NORMAL_TIMEOUT_US


@pytest.mark.desktop
def test_a_letter_of_a_kind_the_assistant_does_not_know_is_sent_as_possibly_urgent(
    desktop: DesktopSession,
) -> None:
    request = letter(LetterKind.OTHER, "Demande de pièces complémentaires", 12, notified=False)
    [alert] = letter_alerts([request], Translator("en"), "default")

    assert alert.title == "New letter from OFPRA: Demande de pièces complémentaires"
    assert alert.body == (
        "Made available on November 14, 2026. A letter the assistant does not know: open it "
        "soon on the OFPRA website, it may have a deadline."
    )
    assert "information" not in alert.body and "when you can" not in alert.body
    received = shown(desktop, alert)
    assert (received["urgency"], received["timeout"]) == ("CRITICAL", "0")


@pytest.mark.desktop
def test_a_failure_that_needs_the_person_is_critical_and_one_that_may_pass_is_not(
    desktop: DesktopSession,
) -> None:
    t = Translator("en")
    refused = failure_alert(LoginRejectedError(N_("refused, update the password")), t, "amina")
    down = failure_alert(PortalUnavailableError(N_("The portal is down.")), t, "bilal")

    received = shown(desktop, refused)
    assert (received["urgency"], received["timeout"]) == ("CRITICAL", "0")
    received = shown(desktop, down)
    assert (received["urgency"], received["timeout"]) == ("NORMAL", NORMAL_TIMEOUT_US)


@pytest.mark.desktop
def test_text_that_looks_like_markup_reaches_a_plain_text_daemon_as_it_is(
    desktop: DesktopSession,
) -> None:
    # The test dunst runs with markup = no, so it does not say "body-markup": nothing escaped.
    alert = Alert("new_letter", "Pièces <b>& co</b>", "Ouvrez <i>vite</i> & voyez", urgent=True)

    assert shown(desktop, alert)["body"] == "Ouvrez <i>vite</i> & voyez"


def test_markup_is_escaped_for_a_server_that_renders_it() -> None:
    body = "<a href='https://evil.example'>Décision</a> & <b>"

    assert body_for(body, ["body", "body-markup"]) == (
        "&lt;a href='https://evil.example'&gt;Décision&lt;/a&gt; &amp; &lt;b&gt;"
    )
    assert body_for(body, ["body", "actions"]) == body


def test_urgency_and_expiry_follow_the_alert() -> None:
    urgent = notification_for(Alert("deemed_notified", "t", "b", urgent=True), 30)
    normal = notification_for(Alert("new_letter", "t", "b"), 30)

    assert (urgent.urgency, urgent.expire_timeout_ms) == (Urgency.CRITICAL, 0)
    assert (normal.urgency, normal.expire_timeout_ms) == (Urgency.NORMAL, 30_000)


def test_a_bus_with_no_one_on_it_is_a_notifier_error_and_the_console_takes_over(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    alert = Alert("check_failed", "The OFPRA account could not be checked", "b", urgent=True)

    with pytest.raises(NotifierError):
        DesktopNotifier().send(alert)
    stream = io.StringIO()
    assert dispatcher_for("auto", stream).deliver(alert) == "console"
    assert stream.getvalue().startswith("!! The OFPRA account could not be checked")


@pytest.mark.desktop
def test_a_notification_the_bus_refuses_is_a_notifier_error(desktop: DesktopSession) -> None:
    # RECIPES.md: a NUL byte makes D-Bus refuse the call (the bus drops the connection).
    with pytest.raises(NotifierError):
        DesktopNotifier().send(Alert("new_letter", "Décision", "a\x00b"))
    assert dispatcher_for("auto", io.StringIO()).deliver(Alert("new_letter", "t", "a\x00b")) == (
        "console"
    )
