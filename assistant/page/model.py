"""What each page shows, read from the home folder per request and made into words.

The dates are never computed here: the next check, the 8-day alarm and the pause come from the
schedule's own functions (``plan_check``, ``alarm_from``, ``paused_by``: what ``status`` and the
agent say), the letters' dates from ``deadlines_as_of`` over the letters the last successful
check read, grouped by ``cli_output.group_letters`` as ``check`` groups them, so the page says
what ``check --json`` said. Templates only loop over what is built here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from assistant.alerts import KIND_NAMES, decision_parts, decision_rule
from assistant.cli_output import group_letters
from assistant.credentials import CredentialStore, mask_identifier
from assistant.deadlines import LetterDeadlines, deadlines_as_of, paris_today
from assistant.errors import N_
from assistant.i18n import DEFAULT_LANGUAGE, normalise_language
from assistant.page.words import Words, isolate
from assistant.plausibility import review_dates, warning_text
from assistant.results import LetterReport
from assistant.schedule import (
    Policy,
    ProfileHistory,
    alarm_from,
    no_jitter,
    not_checked_since,
    plan_check,
)
from assistant.settings import Paths, Settings
from assistant.state import CheckRecord, Consent, Profile, SeenLetter, StateStore
from flows.models import LetterKind, PortalLetter

log = logging.getLogger(__name__)

#: What a person should do about a card, most urgent first: the rank orders the overview.
URGENT, SOON, ATTENTION, CALM = 0, 1, 2, 3
#: An open-by date this close (days) is urgent, not merely soon.
URGENT_DAYS = 3

#: One or two plain sentences per kind, only what PORTAL.md sources (OFPRA's own list of
#: documents and the Watizat guide).
KIND_TEXTS: dict[LetterKind, str] = {
    LetterKind.ACCOUNT_CREATION: N_("The letter that confirms your online account was created."),
    LetterKind.INTRODUCTION: N_(
        "The letter that says OFPRA registered your asylum application. It is for information."
    ),
    LetterKind.CONVOCATION: N_(
        "The summons to your interview at OFPRA, with its date. It counts as received 15 days "
        "after it is put online, even if you do not open it."
    ),
    LetterKind.CONVOCATION_CANCELLATION: N_("OFPRA cancelled an interview appointment."),
    LetterKind.SIX_MONTHS: N_('The "6 months" letter. It is for information.'),
    LetterKind.MEDICAL_CERTIFICATE: N_(
        "A request for a medical certificate, for a girl at risk of female genital mutilation."
    ),
    LetterKind.RECLASSIFICATION: N_("Your application moves to the normal procedure."),
    LetterKind.INTERVIEW: N_("The report of your interview, sent before the decision."),
    LetterKind.POSTAL_LETTER: N_("A letter that will come by post."),
    LetterKind.RENOTIFICATION: N_("A letter notified to you again."),
    LetterKind.DECISION: N_(
        "OFPRA's decision on your application. It counts as received on the day you open it, "
        "or 15 days after it is put online if you do not open it."
    ),
    LetterKind.OTHER: N_(
        "A letter the assistant does not know. It may have a deadline: open it on the OFPRA site."
    ),
}


@dataclass
class Line:
    """One thing to say, with a sign that says its urgency without colour (``sign``) and the
    word for it (``urgency``) for screen readers and people who do not see colours."""

    text: Markup
    level: str
    sign: str
    urgency: Markup
    #: The letter it is about, if any.
    letter: str = ""


@dataclass
class Card:
    name: str
    title: Markup
    href: str
    rank: int
    soonest: int
    urgency: Markup
    sign: str
    level: str
    todo: list[Line]
    problems: list[Line]
    last_ok: Markup
    next_check: Markup
    #: Whose account it is: a profile's name is often only "person-2" (setup advises it).
    holder: Markup


@dataclass
class LetterView:
    #: The letter's id (its date and kind, as the check's JSON names it).
    id: str
    title: Markup
    facts: list[Markup]
    notes: list[Markup]
    level: str
    sign: str
    urgency: Markup


@dataclass
class Group:
    title: Markup
    letters: list[LetterView]
    folded: bool = False


@dataclass
class CheckLine:
    when: Markup
    outcome: Markup
    ok: bool


@dataclass
class ProfileView:
    #: The words of the page: the holder's language, or the one asked for.
    words: Words
    card: Card
    holder: Markup
    identifier: Markup
    language: str
    groups: list[Group]
    nothing: Markup
    kinds: list[tuple[str, Markup]]
    checks: list[CheckLine]
    help_note: Markup


class _ReadingState(StateStore):
    """The state as a page reads it (S6: no GET changes anything): the agent's own file,
    opened without creating, migrating or checking it (the agent did that when it started),
    in WAL mode, where reading never waits for a check that writes, nor holds it up."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, reading=True)

    def set_meta_once(self, key: str, value: str) -> str:
        stored = self.meta(key)
        return value if stored is None else stored


@contextmanager
def opened_state(paths: Paths) -> Iterator[StateStore]:
    """The state, open for one request. Not ``StateStore.open``: a damaged file is the
    agent's to set aside (a page only reads), and its integrity check would cost every
    request. A home folder with no state yet gets an empty one, as any command makes it."""
    if not paths.state_file.exists():
        StateStore.open(paths.state_file).close()
    state = _ReadingState(paths.state_file)
    try:
        yield state
    finally:
        state.close()


@dataclass
class Standing:
    """Where one profile stands, as ``status`` says it (the same schedule functions, without
    what the page does not show: the random delay, the next reminder of each letter)."""

    name: str
    consent: Consent | None
    #: The refused login that pauses the automatic checks.
    paused: CheckRecord | None
    #: Set while the 8-day alarm rings: no successful check since then.
    alarm_since: datetime | None
    last_check: CheckRecord | None
    last_ok: CheckRecord | None
    next_check: datetime | None
    #: The profile's channels failing for a day or more: label, since when.
    channels_down: list[tuple[str, datetime]]
    #: The letters the last successful check read, with their deadlines counted to today.
    reports: list[LetterReport]


def standing(
    state: StateStore,
    profile: Profile,
    policy: Policy,
    now: datetime,
    failing: dict[str, tuple[datetime, str | None]],
) -> Standing:
    from assistant.channels import RetryPolicy

    history = ProfileHistory.from_state(state, profile)
    plan = plan_check(history, policy, now)
    prefix = f"channel:{profile.name}:"
    retry = RetryPolicy()
    return Standing(
        name=profile.name,
        consent=state.consent(profile.name),
        paused=history.paused_by,
        alarm_since=not_checked_since(history) if now >= alarm_from(history, policy, now) else None,
        last_check=history.last_attempt,
        last_ok=history.last_ok,
        next_check=plan.at,
        channels_down=[
            (target[len(prefix) :], since)
            for target, (since, _error) in sorted(failing.items())
            if target.startswith(prefix) and retry.is_down(since, now)
        ],
        reports=reports_of(history.letters, paris_today(now)),
    )


def letter_title(letter: PortalLetter, w: Words) -> Markup:
    """The kind in the page's language, and the portal's own label (isolated) beside it, so
    that the person finds the letter on the site (as ``alerts.letter_name`` does)."""
    if letter.kind not in KIND_NAMES:
        return isolate(letter.label)
    kind = w.text(KIND_NAMES[letter.kind])
    if kind.casefold() == letter.label.strip().casefold():
        return isolate(letter.label)
    return w._("{kind} ({label})", kind=kind, label=isolate(letter.label))


def reports_of(seen_letters: Sequence[SeenLetter], today: date) -> list[LetterReport]:
    """Letters remembered in the state with their deadlines counted to ``today``, as ``status``
    counts them (``deadlines_as_of``)."""
    # The dates of the table that do not fit together, as the check said them.
    warnings = review_dates([s.letter for s in seen_letters], today).warnings
    reports = []
    for seen in seen_letters:
        deadlines = deadlines_as_of(seen.letter, paris_today(seen.last_seen_at), today)
        reports.append(
            LetterReport(
                seen.letter, deadlines, new=False, date_warnings=warnings.get(seen.letter.id, ())
            )
        )
    return reports


def _level(days_left: int | None) -> tuple[str, str, int]:
    if days_left is None or days_left <= URGENT_DAYS:
        return "urgent", "‼", URGENT
    return "soon", "!", SOON


def _urgency_word(level: str, w: Words) -> Markup:
    if level == "urgent":
        return w._("Urgent")
    if level == "soon":
        return w._("To do")
    if level == "attention":
        return w._("Needs attention")
    return w._("Nothing to do now")


def _sign(level: str) -> str:
    return {"urgent": "‼", "soon": "!", "attention": "⚠", "info": "\u2139", "calm": "✓"}[level]


def todo_line(report: LetterReport, w: Words) -> Line:
    """What a person must do about one letter: open it on the site, by when, days left."""
    letter, deadlines = report.letter, report.deadlines
    name = letter_title(letter, w)
    if report.unknown_unread:
        text = w._(
            "Open {name} on the OFPRA site soon: the assistant does not know this kind of "
            "letter, and it may have a deadline.",
            name=name,
        )
        return Line(text, "soon", _sign("soon"), _urgency_word("soon", w), letter.id)
    if deadlines.deemed_notified:
        text = w._(
            "Open {name} on the OFPRA site now: it counts as received since {date}.",
            name=name,
            date=w.date(deadlines.deemed_notified_on),
        )
        return Line(text, "urgent", _sign("urgent"), _urgency_word("urgent", w), letter.id)
    days = deadlines.days_left or 0
    text = w.ngettext(
        "Open {name} on the OFPRA site by {date}: {count} day left.",
        "Open {name} on the OFPRA site by {date}: {count} days left.",
        days,
        name=name,
        date=w.date(deadlines.open_by),
    )
    level, sign, _rank = _level(days)
    return Line(text, level, sign, _urgency_word(level, w), letter.id)


def _problems(standing: Standing, undelivered: int, w: Words) -> list[Line]:
    """Anything that needs a person, in plain words with the next step."""
    lines = []
    urgent = ("urgent", _sign("urgent"), _urgency_word("urgent", w))
    attention = ("attention", _sign("attention"), _urgency_word("attention", w))
    if standing.paused is not None:
        lines.append(
            Line(
                w._(
                    "The portal refused the password, or the account is locked: automatic "
                    "checks are paused. Check the password on the OFPRA site, then run "
                    "'ofpra-assistant setup --profile {profile} --replace' again.",
                    profile=standing.name,
                ),
                *urgent,
            )
        )
        # The same way back without a terminal: the page's setup, same account, same name.
        lines.append(
            Line(
                w._(
                    'Or on this page: press "{button}", give the same profile name '
                    "({profile}) and the new password. The letters already seen are kept.",
                    button=w.frame["setup"],
                    profile=standing.name,
                ),
                *urgent,
            )
        )
    if standing.alarm_since is not None:
        lines.append(
            Line(
                w._(
                    "No successful check since {when}: check your account yourself on the "
                    "OFPRA site, or go to your SPADA.",
                    when=w.moment(standing.alarm_since),
                ),
                *urgent,
            )
        )
    last = standing.last_check
    if last is not None and not last.ok and not lines:
        if last.error_code == "page_not_recognised":
            text = w._(
                "The last check found a page the assistant does not recognise. Check your "
                "account yourself on the OFPRA site; the assistant tries again later."
            )
        else:
            text = w._(
                "The last check failed ({code}). The assistant tries again later; if it keeps "
                "failing, check your account yourself on the OFPRA site.",
                code=last.error_code or "",
            )
        lines.append(Line(text, *attention))
    if standing.consent is None:
        lines.append(
            Line(
                w._(
                    "No consent is recorded: no check runs. Run 'ofpra-assistant setup "
                    "--profile {profile}' with the account holder.",
                    profile=standing.name,
                ),
                *attention,
            )
        )
    for label, since in standing.channels_down:
        lines.append(
            Line(
                w._(
                    "The alert channel {channel} has not worked since {when}. Test it with "
                    "'ofpra-assistant channel test --profile {profile}'.",
                    channel=isolate(label),
                    when=w.moment(since),
                    profile=standing.name,
                ),
                *attention,
            )
        )
    if undelivered:
        lines.append(
            Line(
                w.ngettext(
                    "{count} alert is waiting to be delivered: the assistant tries again.",
                    "{count} alerts are waiting to be delivered: the assistant tries again.",
                    undelivered,
                ),
                *attention,
            )
        )
    return lines


def _card(standing: Standing, undelivered: int, w: Words) -> Card:
    name = standing.name
    groups = group_letters(standing.reports)
    todo = [todo_line(r, w) for r in groups.urgent]
    problems = _problems(standing, undelivered, w)
    days = [r.deadlines.days_left for r in groups.urgent if r.deadlines.days_left is not None]
    soonest = min(days) if days else 10_000
    if any(line.level == "urgent" for line in [*todo, *problems]):
        level, rank = "urgent", URGENT
    elif todo:
        level, rank = "soon", SOON
    elif problems:
        level, rank = "attention", ATTENTION
    else:
        level, rank = "calm", CALM
    success = standing.last_ok.finished_at if standing.last_ok else None
    due = standing.next_check
    consent = standing.consent
    holder = consent.holder_name or consent.given_by if consent is not None else None
    return Card(
        holder=w._("Account holder: {name}", name=isolate(holder)) if holder else Markup(""),
        name=name,
        title=isolate(name),
        href="/profiles/" + quote(name),
        rank=rank,
        soonest=soonest,
        urgency=_urgency_word(level, w),
        sign=_sign(level),
        level=level,
        todo=todo,
        problems=problems,
        last_ok=w._(
            "Last successful check: {when}",
            when=w.moment(success) if success else w._("never"),
        ),
        next_check=w._("Next check: {when}", when=w.moment(due))
        if due
        else w._("Next check: none, automatic checks are paused"),
    )


@dataclass
class PageData:
    """Everything read from the home folder for one request."""

    paths: Paths
    settings: Settings
    clock: Callable[[], datetime]

    def cards(self, w: Words) -> list[Card]:
        """Every profile, most urgent first, then by the soonest deadline, then by name."""
        now = self.clock()
        with opened_state(self.paths) as state:
            failing = state.failing_targets()
            undelivered = _undelivered_by_profile(state, now)
            standings = [
                standing(state, profile, self.policy, now, failing) for profile in state.profiles()
            ]
        cards = [_card(s, undelivered.get(s.name, 0), w) for s in standings]
        return sorted(cards, key=lambda c: (c.rank, c.soonest, c.name))

    @property
    def policy(self) -> Policy:
        # The due time without the agent's random delay, as ``status`` shows it.
        return Policy.from_settings(self.settings, jitter=no_jitter)

    def profile(
        self,
        name: str,
        words_for: Callable[[str], Words],
        identifier: Callable[[str], str | None],
    ) -> ProfileView | None:
        """One profile's page, in the words ``words_for`` gives for the holder's language."""
        with opened_state(self.paths) as state:
            found = state.profile(name)
            if found is None:
                return None
            w = words_for(found.language)
            now = self.clock()
            found_standing = standing(state, found, self.policy, now, state.failing_targets())
            undelivered = _undelivered_by_profile(state, now).get(name, 0)
            checks = state.checks(name, limit=10)
        reports = found_standing.reports
        consent = found_standing.consent
        card = _card(found_standing, undelivered, w)
        groups = group_letters(reports)
        sections = []
        if groups.urgent:
            sections.append(
                Group(
                    w._("To open now, the most urgent first"),
                    [_letter(r, w) for r in groups.urgent],
                )
            )
        if groups.information:
            sections.append(
                Group(
                    w._("Not opened yet, for information"),
                    [_letter(r, w) for r in groups.information],
                )
            )
        if groups.running:
            sections.append(
                Group(
                    w._("Opened, with dates to keep in mind"),
                    [_letter(r, w) for r in groups.running],
                )
            )
        if groups.opened:
            sections.append(
                Group(
                    w.ngettext(
                        "{count} letter already opened",
                        "{count} letters already opened",
                        len(groups.opened),
                    ),
                    [_letter(r, w) for r in groups.opened],
                    folded=True,
                )
            )
        kinds = sorted({r.letter.kind for r in reports}, key=lambda k: list(LetterKind).index(k))
        masked = identifier(name)
        holder = consent.holder_name or consent.given_by if consent is not None else None
        return ProfileView(
            words=w,
            card=card,
            holder=w._("Account holder: {name}", name=isolate(holder)) if holder else Markup(""),
            identifier=w._("Identifier: {identifier}", identifier=isolate(masked))
            if masked
            else Markup(""),
            language=normalise_language(found.language) or DEFAULT_LANGUAGE,
            groups=sections,
            nothing=w._("No letter yet: the list of letters on the portal is empty.")
            if not reports and checks
            else w._("Not checked yet.")
            if not checks
            else Markup(""),
            kinds=[
                (
                    w.text(KIND_NAMES[kind]) if kind in KIND_NAMES else w.text(N_("Other letter")),
                    w._(KIND_TEXTS[kind]),
                )
                for kind in kinds
            ],
            checks=[_check_line(c, w) for c in checks],
            help_note=_not_legal_advice(w),
        )


def _not_legal_advice(w: Words) -> Markup:
    return w._("This is not legal advice: ask your SPADA or a lawyer, and see watizat.org.")


def _undelivered_by_profile(state: StateStore, now: datetime) -> dict[str, int]:
    counts: dict[str, set[int]] = {}
    try:
        for item in state.pending_deliveries(now, force=True):
            counts.setdefault(item.profile, set()).add(item.alert_id)
    except Exception as error:  # the outbox unreadable: the agent's own log says so
        log.warning("the outbox could not be read: %s", error)
    return {profile: len(ids) for profile, ids in counts.items()}


def _letter(report: LetterReport, w: Words) -> LetterView:
    letter, deadlines = report.letter, report.deadlines
    facts = [w._("Put online on {date}", date=w.date(letter.made_available_on))]
    level = "info"
    if letter.read:
        facts.append(
            w._("Opened on {date}", date=w.date(letter.read_on))
            if letter.read_on
            else w._("Opened")
        )
        level = "calm"
    elif report.needs_opening and deadlines.open_by and deadlines.deemed_notified_on:
        if deadlines.deemed_notified:
            facts.append(
                w._(
                    "Not opened: counts as received since {date}",
                    date=w.date(deadlines.deemed_notified_on),
                )
            )
        else:
            facts.append(
                w.ngettext(
                    "Open it by {date}: {count} day left",
                    "Open it by {date}: {count} days left",
                    deadlines.days_left or 0,
                    date=w.date(deadlines.open_by),
                )
            )
            facts.append(
                w._(
                    "If it is not opened, it counts as received on {date}",
                    date=w.date(deadlines.deemed_notified_on),
                )
            )
        level = _level(deadlines.days_left)[0]
    elif report.unknown_unread:
        facts.append(w._("Not opened: the assistant does not know this kind of letter"))
        level = "soon"
    else:
        facts.append(w._("Not opened (for information)"))
    if letter.read and deadlines.legally_notified_on:
        facts.append(
            w._("Counts as received on {date}", date=w.date(deadlines.legally_notified_on))
        )
    notes = [Markup.escape(warning_text(code, letter, w.t)) for code in report.date_warnings]
    dates = decision_notes(deadlines, w)
    if dates:
        notes.extend(dates)
    elif letter.kind is LetterKind.DECISION and not letter.read:
        notes.append(Markup.escape(decision_rule(w.t)))
    return LetterView(
        id=letter.id,
        title=letter_title(letter, w),
        facts=facts,
        notes=notes,
        level=level,
        sign=_sign(level),
        urgency=_urgency_word(level, w) if level != "info" else w._("For information"),
    )


def decision_notes(deadlines: LetterDeadlines, w: Words) -> list[Markup]:
    """For a notified decision: the legal-aid and appeal days, advised and last, in the words
    of ``alerts.decision_dates`` (with dates a browser and a test can read); none for any
    other letter."""
    return decision_parts(deadlines, w) or []


def _check_line(check: Any, w: Words) -> CheckLine:
    if check.ok:
        outcome = w.ngettext(
            "Read the list: {count} letter, {new} new",
            "Read the list: {count} letters, {new} new",
            check.letters or 0,
            new=check.new_letters or 0,
        )
    elif check.error_code == "page_not_recognised":
        outcome = w._("Failed: a page the assistant does not recognise")
    elif check.error_code in ("login_rejected", "account_locked", "password_change_required"):
        outcome = w._("Failed: the portal refused the password or the account is locked")
    elif check.error_code == "portal_unavailable":
        outcome = w._("Failed: the portal did not answer")
    else:
        outcome = w._("Failed ({code})", code=check.error_code or "")
    return CheckLine(when=w.moment(check.finished_at), outcome=outcome, ok=check.ok)


def masked_identifiers(settings: Settings, paths: Paths) -> Callable[[str], str | None]:
    """A profile's identifier as the log masks it, read from the keyring once per profile (the
    password read with it is dropped at once); None when the keyring cannot say."""
    cache: dict[str, str | None] = {}

    def masked(profile: str) -> str | None:
        if profile not in cache:
            try:
                credentials = CredentialStore(settings.keyring_service, home=paths.data_dir)
                cache[profile] = mask_identifier(credentials.load(profile).identifier)
            except Exception as error:
                log.info("the page shows no identifier for a profile: %s", type(error).__name__)
                return None
        return cache[profile]

    return masked
