"""Text that the CLI prints: a check's letters and alerts, the status, what forget removed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.results import CheckResult, LetterReport

if TYPE_CHECKING:
    from assistant.captures import CaptureOutcome
    from assistant.demo import DemoOutcome
    from assistant.profiles import Forgotten
    from assistant.settings import Paths


def render_check(result: CheckResult) -> str:
    when = result.checked_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Profile '{result.profile}', checked {when}"]
    if result.error is not None:
        lines.append(f"  The check failed ({result.error.code}): {result.error.message}")
        lines.append("  Nothing can be said about your letters: check the portal yourself.")
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


def render_status(paths: Paths, statuses: list[dict[str, Any]]) -> str:
    lines = [f"Home folder: {paths.data_dir}", f"Settings file: {paths.settings_file}"]
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
        lines.append(f"  next check due: {status['next_check_due']}")
        for letter in status["letters_waiting"]:
            lines.append(
                f"  waiting: {letter['label']}: open by {letter['open_by']} "
                f"({letter['days_left']} day(s) left)"
            )
    return "\n".join(lines)


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


def render_capture(outcome: CaptureOutcome) -> str:
    lines = [f"Profile '{outcome.profile}': redacted outlines saved (no letter was opened):"]
    lines.extend(f"  {page}: {path}" for page, path in outcome.files.items())
    lines.append(
        "They hold the pages' structure and the portal's interface words only. Read them "
        "before you share them."
    )
    if outcome.error is not None:
        lines.append(f"The capture stopped early ({outcome.error.code}): {outcome.error.message}")
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
