"""Text that the CLI prints, in the person's language: a check's letters and alerts, the status,
what forget removed, the demo, what the agent does, its autostart entry, and what doctor found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from assistant.alerts import decision_dates, letter_name
from assistant.deadlines import PARIS, LetterDeadlines
from assistant.i18n import LANGUAGES, Translator
from assistant.plausibility import warning_text
from assistant.results import CheckResult, LetterReport

if TYPE_CHECKING:
    from assistant.agent import TickReport
    from assistant.autostart import AutostartState
    from assistant.capture_command import CaptureOutcome
    from assistant.demo import DemoOutcome
    from assistant.doctor import Report
    from assistant.profiles import Forgotten
    from assistant.settings import Paths, Settings


def render_check(result: CheckResult, t: Translator, all_letters: bool = False) -> str:
    """What needs the person now comes first; the letters already opened are counted, and
    listed only with ``all_letters``: a first check of a 200-letter account is a few lines."""
    lines = [
        t._(
            "Profile '{profile}', checked {when}",
            profile=result.profile,
            when=paris_time(result.checked_at, t),
        )
    ]
    if result.error is not None:
        lines.append(
            "  "
            + t._(
                "The check failed ({code}): {message}",
                code=result.error.code,
                message=t.error(result.error),
            )
        )
        lines.append(
            "  " + t._("Nothing can be said about your letters: check the portal yourself.")
        )
        lines.extend(_ways_back(result.error.code, result.profile, t))
    elif not result.letters:
        lines.append("  " + t._("The list of letters was read: it is empty. No letter."))
    else:
        lines.extend("  " + line for line in _letters_summary(result, t, all_letters))
    if result.alerts:
        lines.append(t._("Alerts:"))
        for index, (alert, via) in enumerate(
            zip(result.alerts, result.delivered_via, strict=False)
        ):
            # Worded again in the terminal's language when it can be (those of this check);
            # one left over from earlier is shown as it was sent.
            shown = alert.in_language(t)
            lines.append(f"  [{via}] {shown.title}")
            # Every line of the body under its title (the ways back are several lines).
            lines.extend(f"      {line}" for line in shown.body.splitlines())
            if alert.language is not None and alert.language != t.language:
                lines.append("      " + _sent_in(alert.language, t))
            # And where else it went: the profile's channels, as the outbox recorded them.
            channels = [
                t._("{label}: sent", label=d["channel"])
                if d["ok"]
                else t._("{label}: not sent ({error})", label=d["channel"], error=d.get("error"))
                for d in (result.deliveries[index] if index < len(result.deliveries) else [])
                if d["channel"] != "local"
            ]
            if channels:
                lines.append("      " + "; ".join(channels))
    return "\n".join(lines)


def _sent_in(language: str, t: Translator) -> str:
    return t._("Sent in {language}.", language=LANGUAGES.get(language, language))


def _ways_back(code: str | None, profile: str, t: Translator) -> list[str]:
    """The guide's three ways back in, after the portal refused the password (or locked)."""
    from assistant.activation import WAYS_BACK_AFTER, ways_back_text

    if code not in WAYS_BACK_AFTER:
        return []
    return ["  " + line for line in ways_back_text(t, profile).splitlines()]


@dataclass(frozen=True)
class LetterGroups:
    """A check's letters as the person should see them (the CLI and the page alike)."""

    #: Unread notified letters, the soonest deadline (or one counted as received) on top; then
    #: the unread letters of a kind the assistant does not know, which may carry a deadline.
    urgent: list[LetterReport]
    #: Unread letters for information only.
    information: list[LetterReport]
    #: Opened letters on which days still run (a decision's appeal) or whose dates do not fit.
    running: list[LetterReport]
    #: The other opened letters.
    opened: list[LetterReport]


def group_letters(reports: list[LetterReport]) -> LetterGroups:
    urgent = sorted(
        (r for r in reports if r.needs_opening or r.unknown_unread),
        key=lambda r: (r.unknown_unread, r.deadlines.days_left or 0),
    )
    information = [r for r in reports if not (r.letter.read or r.needs_opening or r.unknown_unread)]
    # An opened letter still matters when days run on it (a decision's appeal) or its dates
    # do not fit: it is shown with them, never only counted.
    running = [r for r in reports if r.letter.read and _has_notes(r)]
    opened = [r for r in reports if r.letter.read and r not in running]
    return LetterGroups(urgent, information, running, opened)


def _has_notes(report: LetterReport) -> bool:
    """Whether ``_letter_notes`` says anything about the letter (in any language)."""
    deadlines = report.deadlines
    return bool(report.date_warnings) or None not in (
        deadlines.legal_aid_by,
        deadlines.legal_aid_deadline,
        deadlines.appeal_by,
        deadlines.appeal_deadline,
    )


def _letters_summary(result: CheckResult, t: Translator, all_letters: bool) -> list[str]:
    reports = result.letters
    if result.first_check:
        lines = [
            t.ngettext(
                "{count} letter on the portal. This is the first check of this account: from "
                "the next one on, the assistant says which letters are new since the last check.",
                "{count} letters on the portal. This is the first check of this account: from "
                "the next one on, the assistant says which letters are new since the last check.",
                len(reports),
            )
        ]
    else:
        lines = [
            t.ngettext(
                "{count} letter on the portal, {new} new since the last check.",
                "{count} letters on the portal, {new} new since the last check.",
                len(reports),
                new=sum(r.new for r in reports),
            )
        ]
    groups = group_letters(reports)
    urgent, information = groups.urgent, groups.information
    running, opened = groups.running, groups.opened
    flag = not result.first_check

    def listed(section: list[LetterReport]) -> list[str]:
        out = []
        for report in section:
            out.append("  " + _letter_line(report, t, flag))
            out.extend("      " + note for note in _letter_notes(report, t))
        return out

    if urgent:
        lines.append(t._("To open now, the most urgent first:"))
        lines.extend(listed(urgent))
    if information:
        lines.append(t._("Not opened yet, for information:"))
        lines.extend(listed(information))
    if running:
        lines.append(t._("Opened, with dates to keep in mind:"))
        lines.extend(listed(running))
    if not (urgent or information or running):
        lines.append(t._("Every letter is opened: nothing waits for you."))
    if opened and all_letters:
        lines.append(t._("Already opened:"))
        lines.extend(listed(opened))
    elif opened:
        lines.append(
            t.ngettext(
                "{count} letter already opened ('ofpra-assistant check --all-letters' lists it).",
                "{count} letters already opened ('ofpra-assistant check --all-letters' lists "
                "them).",
                len(opened),
            )
        )
    return lines


def paris_time(moment: datetime, t: Translator) -> str:
    """A moment as Paris tells it, said as such: "December 1, 2026, 9:00, Paris time". The
    portal, the law and the agent's schedule all count in Paris time, wherever the computer is."""
    local = moment.astimezone(PARIS)
    clock = f"{local.hour}:{local.minute:02d}"
    return t._("{date}, {time}, Paris time", date=t.date(local.date()), time=clock)


def progress_line(step: str, values: Mapping[str, object], t: Translator) -> str:
    """One short line for a step of a check (``progress.Progress``), for standard error; while
    several profiles are checked at once, each line says which one it is about."""
    line = _progress_text(step, values, t)
    profile = values.get("for_profile")
    if profile is None:
        return line
    return t._("{profile}: {step}", profile=profile, step=line)


def _progress_text(step: str, values: Mapping[str, object], t: Translator) -> str:
    if step == "starting_browser":
        return t._("Starting the browser...")
    if step == "checking_profile":
        return t._("Checking the profile '{profile}'...", profile=values.get("profile"))
    if step == "opening_portal":
        return t._("Opening the portal's login page...")
    if step == "logging_in":
        return t._("Logging in...")
    if step == "opening_activation":
        return t._("Opening the portal's activation page...")
    if step == "opening_forgotten_password":
        return t._("Opening the portal's 'I forgot my password' page...")
    if step == "sending_form":
        return t._("Sending the page's answers to the portal...")
    if step == "portal_took_password":
        return t._("The portal took the new password.")
    if step == "opening_documents":
        return t._("Opening the list of letters...")
    if step == "reading_page":
        return t._("Reading page {page} of the list of letters...", page=values.get("page"))
    if step == "logging_out":
        return t._("Logging out...")
    if step == "still_waiting":
        return t._(
            "Still waiting for the portal's page ({seconds} s)...", seconds=values.get("seconds")
        )
    if step == "portal_not_answering":
        return t._("The portal is not answering.")
    if step == "retrying":
        seconds = values.get("seconds")
        return t._(
            "Trying again in {seconds} s (attempt {attempt} of {attempts})...",
            seconds=round(seconds) if isinstance(seconds, int | float) else seconds,
            attempt=values.get("attempt"),
            attempts=values.get("attempts"),
        )
    return step


def _letter_line(report: LetterReport, t: Translator, flag_new: bool = True) -> str:
    letter, deadlines = report.letter, report.deadlines
    flag = t._("NEW") + " " if report.new and flag_new else ""
    head = flag + t._(
        "{name}, made available {date}",
        name=letter_name(letter, t),
        date=t.date(letter.made_available_on),
    )
    if letter.read:
        if letter.read_on:
            return head + t._(", opened on {date}", date=t.date(letter.read_on))
        return head + t._(", opened")
    if report.unknown_unread:
        return head + t._(
            ", NOT OPENED: a letter the assistant does not know: open it soon, it may have a "
            "deadline"
        )
    if not deadlines.notified_letter:
        return head + t._(", not opened (information letter)")
    assert deadlines.open_by is not None and deadlines.deemed_notified_on is not None
    if deadlines.deemed_notified:
        return head + t._(
            ", NOT OPENED: counts as received since {date}",
            date=t.date(deadlines.deemed_notified_on),
        )
    return head + t.ngettext(
        ", NOT OPENED: open it by {date} ({count} day left)",
        ", NOT OPENED: open it by {date} ({count} days left)",
        deadlines.days_left or 0,
        date=t.date(deadlines.open_by),
    )


def _letter_notes(report: LetterReport, t: Translator) -> list[str]:
    """Under a letter: a notified decision's days, and dates of the table that do not fit."""
    notes = [warning_text(code, report.letter, t) for code in report.date_warnings]
    dates = decision_dates(report.deadlines, t)
    if dates is not None:
        notes.append(dates)
    return notes


def render_status(
    paths: Paths,
    statuses: list[dict[str, Any]],
    t: Translator,
    agent_running: bool | None = None,
) -> str:
    lines = [
        t._("Home folder: {path}", path=paths.data_dir),
        t._("Settings file: {path}", path=paths.settings_file),
    ]
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
        lines.append(t._("No profile yet: run 'ofpra-assistant setup'."))
    for status in statuses:
        lines.append(
            t._("Profile '{profile}' ({url})", profile=status["profile"], url=status["portal_url"])
        )
        consent = status["consent"]
        if consent and consent["role"] != "holder" and consent.get("holder_name"):
            # Profiles are named person-1, person-2...: the holder tells them apart.
            lines.append(
                "  "
                + t._(
                    "consent: given by {name} ({role}) for {holder} on {when}",
                    name=consent["given_by"],
                    role=t._("helper"),
                    holder=consent["holder_name"],
                    when=_when(consent["given_at"], t),
                )
            )
        elif consent:
            lines.append(
                "  "
                + t._(
                    "consent: given by {name} ({role}) on {when}",
                    name=consent["given_by"],
                    role=t._("account holder") if consent["role"] == "holder" else t._("helper"),
                    when=_when(consent["given_at"], t),
                )
            )
        else:
            lines.append("  " + t._("consent: MISSING: no check will run until setup records it"))
        if status.get("language"):
            # The account holder's, which may not be the terminal's (the volunteer's).
            language = LANGUAGES.get(status["language"], status["language"])
            lines.append("  " + t._("alerts: in {language}", language=language))
        last = status["last_check"]
        if last is None:
            lines.append("  " + t._("last check: never"))
        elif last["ok"]:
            lines.append("  " + t._("last check: {when}, ok", when=_when(last["at"], t)))
        else:
            lines.append(
                "  "
                + t._(
                    "last check: {when}, FAILED ({code})",
                    when=_when(last["at"], t),
                    code=last["error_code"],
                )
            )
            lines.extend(_ways_back(last["error_code"], status["profile"], t))
        success = status["last_successful_check"]
        lines.append(
            "  "
            + t._(
                "last successful check: {when}",
                when=_when(success, t) if success else t._("never"),
            )
        )
        lines.append("  " + _next_check_line(status, t))
        for alarm in status.get("alarms", []):
            lines.append("  " + _alarm_line(alarm, status["profile"], t))
        for letter in status.get("decisions_notified", []):
            lines.append(
                "  "
                + t._(
                    "decision notified on {date}: {label}",
                    date=_day(letter["legally_notified_on"], t),
                    label=letter["label"],
                )
            )
            lines.append("    " + _status_decision_dates(letter, status, t))
        for letter in status["letters_waiting"]:
            if (letter["days_left"] or 0) < 0:
                # Past its window: no "-3 days left", the day it counted as received.
                waiting = t._(
                    "waiting: {label}: NOT OPENED, counts as received since {date}",
                    label=letter["label"],
                    date=_day(letter["deemed_notified_on"], t),
                )
            else:
                waiting = t.ngettext(
                    "waiting: {label}: open it by {date} ({count} day left)",
                    "waiting: {label}: open it by {date} ({count} days left)",
                    letter["days_left"] or 0,
                    label=letter["label"],
                    date=_day(letter["open_by"], t),
                )
            lines.append("  " + waiting)
            if letter.get("appeal_deadline"):
                lines.append("    " + _status_decision_dates(letter, status, t))
            if letter.get("next_reminder_on"):
                lines.append(
                    "    " + t._("next reminder: {day}", day=_day(letter["next_reminder_on"], t))
                )
        for channel in status.get("channels_failing", []):
            lines.append(
                "  "
                + (
                    t._(
                        "channel '{channel}': NOT WORKING since {when}: {error}",
                        channel=channel["channel"],
                        when=_when(channel["since"], t),
                        error=channel["last_error"] or "",
                    )
                    if channel["down"]
                    else t._(
                        "channel '{channel}': failed on {when}, tried again later: {error}",
                        channel=channel["channel"],
                        when=_when(channel["since"], t),
                        error=channel["last_error"] or "",
                    )
                )
            )
        for letter in status.get("letters_of_unknown_kind", []):
            lines.append(
                "  "
                + t._(
                    "waiting: {label} (made available {date}): a letter the assistant does not "
                    "know: open it soon, it may have a deadline",
                    label=letter["label"],
                    date=_day(letter["made_available_on"], t),
                )
            )
    return "\n".join(lines)


def _status_decision_dates(letter: dict[str, Any], status: dict[str, Any], t: Translator) -> str:
    def day(key: str, where: dict[str, Any] = letter) -> date | None:
        return date.fromisoformat(where[key]) if where.get(key) else None

    deadlines = LetterDeadlines(
        True,
        as_of=day("dates_counted_on", status),
        legal_aid_by=day("legal_aid_by"),
        legal_aid_deadline=day("legal_aid_deadline"),
        appeal_by=day("appeal_by"),
        appeal_deadline=day("appeal_deadline"),
    )
    return decision_dates(deadlines, t) or ""


def _day(iso: str | None, t: Translator) -> str:
    return t.date(date.fromisoformat(iso)) if iso else "?"


def _when(iso: str, t: Translator) -> str:
    return paris_time(datetime.fromisoformat(iso), t)


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
    line = t._(
        "next check due: {when} ({reason})",
        when=_when(due, t),
        reason=reasons.get(status["next_check_reason"], status["next_check_reason"]),
    )
    if status.get("next_check_delay_minutes"):
        line += " " + t._(
            "+ {minutes} min of random delay", minutes=status["next_check_delay_minutes"]
        )
    return line


def _alarm_line(alarm: dict[str, Any], profile: str, t: Translator) -> str:
    if alarm["kind"] == "paused":
        return t._(
            "PAUSED since {when} ({code}): run 'ofpra-assistant setup --profile {profile} "
            "--replace' again to resume the automatic checks",
            when=_when(alarm["since"], t),
            code=alarm["error_code"],
            profile=profile,
        )
    return t._(
        "ALARM: no successful check since {when}: check your account yourself or go to your SPADA",
        when=_when(alarm["since"], t),
    )


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
    when = paris_time(report.at, t)
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
        line = t._("{when} alert [{via}]: {title}", when=when, via=via, title=alert.title)
        if alert.language is not None and alert.language != t.language:
            # The title is the account holder's, read back from the outbox: said as such.
            line += " " + _sent_in(alert.language, t)
        lines.append(line)
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


def render_forgotten(forgotten: Forgotten, t: Translator) -> str:
    lines = [t._("Forgot the profile '{profile}':", profile=forgotten.profile)]
    if forgotten.keyring_entries:
        lines.append("  " + t._("keyring: removed the identifier and the password"))
    else:
        lines.append("  " + t._("keyring: nothing was stored"))
    rows = forgotten.state_rows
    if rows:
        lines.append(
            "  "
            + t._(
                "state: removed the profile, its consent, {letters} letter record(s) and "
                "{checks} check record(s)",
                letters=rows.get("letters", 0),
                checks=rows.get("checks", 0),
            )
        )
    if forgotten.captures_removed:
        lines.append("  " + t._("captures: removed"))
    if forgotten.log_lines_removed:
        lines.append(
            "  "
            + t.ngettext(
                "log: removed {count} line that named the profile",
                "log: removed {count} lines that named the profile",
                forgotten.log_lines_removed,
            )
        )
    return "\n".join(lines)


def render_capture(outcome: CaptureOutcome, t: Translator) -> str:
    lines = [
        t._(
            "Profile '{profile}': redacted outlines saved (no letter was opened):",
            profile=outcome.profile,
        )
    ]
    lines.extend(f"  {page}: {path}" for page, path in outcome.files.items())
    lines.append(
        t._(
            "They hold the pages' structure and the portal's interface words only. Read them "
            "before you share them."
        )
    )
    if outcome.error is not None:
        lines.append(
            t._(
                "The capture stopped early ({code}): {message}",
                code=outcome.error.code,
                message=t.error(outcome.error),
            )
        )
    return "\n".join(lines)


def render_demo(outcome: DemoOutcome, t: Translator) -> str:
    result = outcome.result
    return "\n".join(
        [
            "",
            t._(
                "Demo: mock portal scenario '{scenario}' at {url}",
                scenario=outcome.scenario,
                url=outcome.login_url,
            ),
            render_check(result, t, all_letters=True),
            "",
            t._(
                "Letters opened by the assistant: {count} (it never opens a letter).",
                count=len(outcome.view_requests),
            ),
            t._(
                "Requests to other hosts blocked: {blocked}; logged out: {logged_out}.",
                blocked=result.blocked_requests,
                logged_out=t._("yes") if result.logged_out else t._("no"),
            ),
            t._("The demo profile, its keyring entries and its state were removed."),
        ]
    )


def render_doctor(report: Report, t: Translator) -> str:
    """One block per finding: its mark, what it is about, what was found, how to fix it."""
    titles = {
        "home": t._("Home folder"),
        "settings": t._("Settings"),
        "browser": t._("Browser"),
        "keyring": t._("Keyring"),
        "notifications": t._("Desktop notifications"),
        "clock": t._("Clock and time zone"),
        "agent": t._("Agent"),
        "autostart": t._("Start at login"),
        "profile": t._("Profile"),
        "profiles": t._("Profiles"),
    }
    lines = [t._("What a check needs on this computer (home folder {home}):", home=report.home)]
    for finding in report.findings:
        if finding.ok:
            mark = t._("OK")
        elif finding.required:
            mark = t._("MISSING")
        else:
            mark = t._("ADVICE")
        title = titles.get(finding.name, finding.name)
        lines.append(f"[{mark}] {title}: {finding.detail}")
        if finding.fix and not finding.ok:
            lines.append("    " + t._("To fix: {fix}", fix=finding.fix))
    lines.append("")
    if report.ready:
        lines.append(t._("A check can run on this computer."))
    else:
        lines.append(t._("A check cannot run yet: fix what is marked MISSING, in that order."))
    return "\n".join(lines)
