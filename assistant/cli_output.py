"""Text that the CLI prints: a check's letters and alerts, the status, what forget removed,
what the agent does, and its autostart entry."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from assistant.i18n import DEFAULT_LANGUAGE, Translator
from assistant.results import CheckResult, LetterReport

if TYPE_CHECKING:
    from assistant.agent import TickReport
    from assistant.autostart import AutostartState
    from assistant.demo import DemoOutcome
    from assistant.profiles import Forgotten
    from assistant.settings import Paths, Settings


def render_check(result: CheckResult) -> str:
    when = result.checked_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Profile '{result.profile}', checked {when}"]
    if result.error is not None:
        lines.append(f"  The check failed ({result.error.code}): {result.error.message}")
    elif not result.letters:
        lines.append("  The documents list was read: it is empty. No letter.")
    else:
        new = sum(r.new for r in result.letters)
        waiting = sum(r.needs_opening for r in result.letters)
        lines.append(
            f"  {len(result.letters)} letter(s) on the portal, {new} new, "
            f"{waiting} to open before a deadline:"
        )
        lines.extend("  " + _letter_line(report) for report in result.letters)
    if result.alerts:
        lines.append("Alerts:")
        for alert, via in zip(result.alerts, result.delivered_via, strict=False):
            lines.append(f"  [{via}] {alert.title}")
            lines.append(f"      {alert.body}")
    return "\n".join(lines)


def _letter_line(report: LetterReport) -> str:
    letter, deadlines = report.letter, report.deadlines
    flag = "NEW " if report.new else "    "
    head = f"{flag}{letter.label} ({letter.kind.value}), made available {letter.made_available_on}"
    if letter.read:
        return head + (f", read on {letter.read_on}" if letter.read_on else ", read")
    if not deadlines.notified_letter:
        return head + ", unread (information letter)"
    if deadlines.deemed_notified:
        return head + f", UNREAD: counts as received since {deadlines.deemed_notified_on}"
    return (
        head + f", UNREAD: open by {deadlines.open_by} ({deadlines.days_left} day(s) left; "
        f"counts as received on {deadlines.deemed_notified_on})"
    )


def render_status(
    paths: Paths,
    statuses: list[dict[str, Any]],
    t: Translator | None = None,
    agent_running: bool | None = None,
) -> str:
    t = t or Translator(DEFAULT_LANGUAGE)
    lines = [f"Home folder: {paths.data_dir}", f"Settings file: {paths.settings_file}"]
    if agent_running is not None:
        lines.append(
            t._("Agent: running")
            if agent_running
            else t._(
                "Agent: not running (start it with 'ofpra-assistant run', or at every login "
                "with 'ofpra-assistant autostart enable')"
            )
        )
    if not statuses:
        lines.append("No profile yet: run 'ofpra-assistant setup'.")
    for status in statuses:
        lines.append(f"Profile '{status['profile']}' ({status['portal_url']})")
        consent = status["consent"]
        lines.append(
            "  consent: "
            + (
                f"given by {consent['given_by']} ({consent['role']}) on {consent['given_at']}"
                if consent
                else "MISSING: no check will run until setup records it"
            )
        )
        last = status["last_check"]
        lines.append(
            "  last check: "
            + (
                "never"
                if last is None
                else f"{last['at']} " + ("ok" if last["ok"] else f"FAILED ({last['error_code']})")
            )
        )
        lines.append(f"  last successful check: {status['last_successful_check'] or 'never'}")
        lines.append("  " + _next_check_line(status, t))
        for alarm in status.get("alarms", []):
            lines.append("  " + _alarm_line(alarm, status["profile"], t))
        for letter in status["letters_waiting"]:
            lines.append(
                f"  waiting: {letter['label']}: open by {letter['open_by']} "
                f"({letter['days_left']} day(s) left)"
            )
            if letter.get("next_reminder_on"):
                lines.append("    " + t._("next reminder: {day}", day=letter["next_reminder_on"]))
    return "\n".join(lines)


def _next_check_line(status: dict[str, Any], t: Translator) -> str:
    due = status["next_check_due"]
    if due is None:
        return t._("next check: none, automatic checks are paused")
    reasons = {
        "first": t._("the first check"),
        "weekly": t._("the regular check"),
        "daily": t._("daily, while a letter waits to be opened"),
        "retry": t._("a new try after a failed check"),
    }
    return t._(
        "next check due: {when} ({reason})",
        when=_local(due),
        reason=reasons.get(status["next_check_reason"], status["next_check_reason"]),
    )


def _alarm_line(alarm: dict[str, Any], profile: str, t: Translator) -> str:
    if alarm["kind"] == "paused":
        return t._(
            "PAUSED since {when} ({code}): run 'ofpra-assistant setup --profile {profile}' "
            "again to resume the automatic checks",
            when=_local(alarm["since"]),
            code=alarm["error_code"],
            profile=profile,
        )
    return t._(
        "ALARM: no successful check since {when}: check your account yourself or go to your SPADA",
        when=_local(alarm["since"]),
    )


def _local(iso: str) -> str:
    """An ISO time as the computer's local time, to the minute."""
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")


def render_agent_started(
    paths: Paths, profiles: list[str], settings: Settings, t: Translator
) -> str:
    lines = [
        t._(
            "The agent is running for the home folder {home}. Stop it with Ctrl-C.",
            home=paths.data_dir,
        ),
        t.ngettext(
            "It checks every {count} day, every morning while a letter waits to be opened, and "
            "reminds before the deadlines.",
            "It checks every {count} days, every morning while a letter waits to be opened, and "
            "reminds before the deadlines.",
            settings.check_interval_days,
        ),
    ]
    if profiles:
        lines.append(t._("Profiles: {names}", names=", ".join(profiles)))
    else:
        lines.append(
            t._("No profile yet: run 'ofpra-assistant setup'; the agent will check it then.")
        )
    return "\n".join(lines)


def render_tick(report: TickReport, t: Translator) -> str | None:
    """One line per check and per alert of a tick; None when it did nothing."""
    when = report.at.astimezone().strftime("%Y-%m-%d %H:%M")
    lines = []
    for result in report.checks:
        if result.error is None:
            lines.append(
                t._(
                    "{when} checked '{profile}': {count} letter(s), {new} new",
                    when=when,
                    profile=result.profile,
                    count=len(result.letters),
                    new=sum(r.new for r in result.letters),
                )
            )
        else:
            lines.append(
                t._(
                    "{when} the check of '{profile}' failed ({code})",
                    when=when,
                    profile=result.profile,
                    code=result.error.code,
                )
            )
    for alert, via in report.delivered:
        lines.append(t._("{when} alert [{via}]: {title}", when=when, via=via, title=alert.title))
    if report.failed:
        lines.append(t._("{when} something went wrong: see the log", when=when))
    return "\n".join(lines) if lines else None


def render_autostart(state: AutostartState, t: Translator) -> str:
    if state.path is None:
        return t._("Starting the agent at login is not enabled.")
    if state.up_to_date:
        return t._("The agent starts at login ({kind}): {path}", kind=state.kind, path=state.path)
    return t._(
        "An entry starts the agent at login ({kind}: {path}), but not this installation's "
        "command: run 'ofpra-assistant autostart enable' again.",
        kind=state.kind,
        path=state.path,
    )


def render_forgotten(forgotten: Forgotten) -> str:
    lines = [f"Forgot the profile '{forgotten.profile}':"]
    lines.append(
        "  keyring: removed the "
        + (" and ".join(forgotten.keyring_entries) if forgotten.keyring_entries else "nothing")
    )
    rows = forgotten.state_rows
    if rows:
        lines.append(
            f"  state: removed the profile, its consent, {rows.get('letters', 0)} letter "
            f"record(s) and {rows.get('checks', 0)} check record(s)"
        )
    if forgotten.captures_removed:
        lines.append("  captures: removed")
    return "\n".join(lines)


def render_demo(outcome: DemoOutcome) -> str:
    lines = [
        "",
        f"Demo: mock portal scenario '{outcome.scenario}' at {outcome.login_url}",
        render_check(outcome.result),
        "",
        f"Document views requested from the portal: {len(outcome.view_requests)} "
        "(the assistant never opens a letter).",
        f"Requests to other hosts blocked: {outcome.result.blocked_requests}; "
        f"logged out: {'yes' if outcome.result.logged_out else 'no'}.",
        "The demo profile, its keyring entries and its state were removed.",
    ]
    return "\n".join(lines)
