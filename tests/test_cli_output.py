"""What a check prints: what needs the person now first, the rest counted; right-to-left text
that reads right where bidi is done, with no marks that show as boxes."""

from __future__ import annotations

import ctypes
import ctypes.util
from datetime import UTC, date, datetime, timedelta

import pytest

from assistant.alerts import letter_alerts
from assistant.cli_output import paris_time, render_check
from assistant.deadlines import deadlines_for
from assistant.i18n import Translator
from assistant.results import CheckResult, LetterReport
from flows.models import LetterKind, PortalLetter

TODAY = date(2026, 11, 26)
CHECKED_AT = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)  # noon in Paris
ISOLATES = {"\u2066", "\u2067", "\u2068", "\u2069"}


def report(
    kind: LetterKind,
    label: str,
    days_ago: int,
    *,
    notified: bool = False,
    read_days_ago: int | None = None,
    new: bool = False,
    number: int = 0,
) -> LetterReport:
    made_available = TODAY - timedelta(days=days_ago)
    letter = PortalLetter(
        id=f"{made_available.isoformat()}-{kind.value}-{number}",
        kind=kind,
        label=label,
        sender="OFPRA",
        made_available_on=made_available,
        notified_on=made_available if notified else None,
        read=read_days_ago is not None,
        read_on=None if read_days_ago is None else TODAY - timedelta(days=read_days_ago),
        portal_remaining_days=None,
        portal_says_notified=False,
    )
    return LetterReport(letter, deadlines_for(letter, TODAY), new)


def many_letters(first_check: bool) -> CheckResult:
    """The many_letters account: 197 opened long ago, a summons, a request the assistant does
    not know, a six-months letter."""
    opened = [
        report(
            LetterKind.INTRODUCTION, "Introduction", 100 + 2 * n, read_days_ago=99 + 2 * n, number=n
        )
        for n in range(197)
    ]
    waiting = [
        report(LetterKind.SIX_MONTHS, "6 mois", 40, new=True),
        report(LetterKind.OTHER, "Demande de pièces complémentaires", 90, new=True),
        report(LetterKind.CONVOCATION, "Convocation", 6, notified=True, new=True),
    ]
    return CheckResult(
        profile="default",
        checked_at=CHECKED_AT,
        letters=[*opened[:100], *waiting, *opened[100:]],
        first_check=first_check,
    )


def test_a_first_check_of_a_many_letter_account_is_a_short_summary() -> None:
    text = render_check(many_letters(first_check=True), Translator("en"))

    assert text.splitlines() == [
        "Profile 'default', checked November 26, 2026, 12:00, Paris time",
        "  200 letters on the portal. This is the first check of this account: from the next "
        "one on, the assistant says which letters are new since the last check.",
        "  To open now, the most urgent first:",
        "    Interview appointment (Convocation), made available November 20, 2026, NOT "
        "OPENED: open it by December 4, 2026 (8 days left)",
        "    Demande de pièces complémentaires, made available August 28, 2026, NOT OPENED: a "
        "letter the assistant does not know: open it soon, it may have a deadline",
        "  Not opened yet, for information:",
        "    Six months letter (6 mois), made available October 17, 2026, not opened "
        "(information letter)",
        "  197 letters already opened ('ofpra-assistant check --all-letters' lists them).",
    ]
    assert "NEW" not in text


def test_all_letters_lists_the_opened_ones_too() -> None:
    text = render_check(many_letters(first_check=True), Translator("en"), all_letters=True)

    assert "  Already opened:" in text.splitlines()
    assert sum(", opened on " in line for line in text.splitlines()) == 197
    assert "--all-letters" not in text


def test_a_later_check_tags_what_is_new_since_the_last_one() -> None:
    result = CheckResult(
        profile="default",
        checked_at=CHECKED_AT,
        letters=[
            report(LetterKind.DECISION, "Décision", 1, notified=True, new=True),
            report(LetterKind.SIX_MONTHS, "6 mois", 40),
            report(LetterKind.INTRODUCTION, "Introduction", 400, read_days_ago=399),
        ],
    )

    lines = render_check(result, Translator("en")).splitlines()

    assert lines[1] == "  3 letters on the portal, 1 new since the last check."
    assert lines[3].startswith("    NEW Decision (Décision), made available November 25, 2026")
    assert lines[5] == (
        "    Six months letter (6 mois), made available October 17, 2026, not opened "
        "(information letter)"
    )
    assert lines[6] == "  1 letter already opened ('ofpra-assistant check --all-letters' lists it)."


@pytest.mark.parametrize(
    ("moment", "language", "said"),
    [
        pytest.param(
            datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
            "en",
            "December 1, 2026, 9:00, Paris time",
            id="winter",
        ),
        pytest.param(
            datetime(2026, 7, 1, 7, 0, tzinfo=UTC),
            "en",
            "July 1, 2026, 9:00, Paris time",
            id="summer",
        ),
        pytest.param(
            datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
            "fr",
            "1er décembre 2026, 9:00, heure de Paris",
            id="fr",
        ),
    ],
)
def test_times_are_said_in_paris_time(moment: datetime, language: str, said: str) -> None:
    assert paris_time(moment, Translator(language)) == said


# -- Right to left ---------------------------------------------------------------------------


def left_to_right_positions(text: str) -> list[int]:
    """Where each character of the text lands, counted from the left, once a bidi-aware display
    lays it out (GNU FriBidi, which mlterm and Pango use), the paragraph's direction taken from
    its first strong letter."""
    name = ctypes.util.find_library("fribidi")
    if name is None:
        pytest.skip("GNU FriBidi (libfribidi0) is not installed")
    fribidi = ctypes.CDLL(name)
    fribidi.fribidi_log2vis.restype = ctypes.c_int
    fribidi.fribidi_log2vis.argtypes = [
        ctypes.POINTER(ctypes.c_uint32),
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_uint32),
        ctypes.POINTER(ctypes.c_uint32),
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    size = len(text)
    logical = (ctypes.c_uint32 * size)(*map(ord, text))
    shown = (ctypes.c_uint32 * size)()
    positions = (ctypes.c_int * size)()
    direction = ctypes.c_uint32(0x40)  # FRIBIDI_PAR_ON: from the first strong letter
    assert fribidi.fribidi_log2vis(
        logical, size, ctypes.byref(direction), shown, positions, None, None
    )
    return list(positions)


def reads_first_from_the_right(text: str, first: str, then: str) -> bool:
    """Whether ``first`` is laid out to the right of ``then``."""
    at = left_to_right_positions(text)
    return at[text.index(first)] > at[text.index(then)]


@pytest.mark.parametrize("language", ["fa_AF", "ps", "ar"])
def test_a_right_to_left_title_reads_the_persons_language_first(language: str) -> None:
    t = Translator(language)
    decision = report(LetterKind.DECISION, "Décision", 1, notified=True, new=True)
    [alert] = letter_alerts([decision], t, "default")
    kind = t._("Decision")

    # Read from the right: the translated kind, then the portal's own label beside it.
    assert reads_first_from_the_right(alert.title, kind, "Décision")
    assert not ISOLATES & set(alert.title + alert.body)


@pytest.mark.parametrize("language", ["fa_AF", "ps", "ar"])
def test_right_to_left_terminal_output_has_no_isolation_marks(language: str) -> None:
    text = render_check(many_letters(first_check=False), Translator(language), all_letters=True)

    assert not ISOLATES & set(text)
    line = next(line for line in text.splitlines() if "Convocation" in line).strip()
    kind = Translator(language)._("Interview appointment")
    assert reads_first_from_the_right(line, kind, "Convocation")


def test_the_agents_lines_say_their_time_in_paris_time() -> None:
    from assistant.agent import TickReport
    from assistant.cli_output import render_tick

    result = many_letters(first_check=False)
    text = render_tick(
        TickReport(at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC), checks=[result]), Translator("en")
    )

    assert text == "December 1, 2026, 9:00, Paris time checked 'default': 200 letter(s), 3 new"


def test_an_opened_decision_whose_appeal_time_runs_is_shown_not_only_counted() -> None:
    decision = report(LetterKind.DECISION, "Décision", 6, notified=True, read_days_ago=5)
    assert decision.deadlines.appeal_deadline is not None  # its days still run
    result = CheckResult(
        profile="default",
        checked_at=CHECKED_AT,
        letters=[decision, report(LetterKind.INTRODUCTION, "Introduction", 400, read_days_ago=399)],
    )

    lines = render_check(result, Translator("en")).splitlines()

    assert lines[2] == "  Opened, with dates to keep in mind:"
    assert lines[3].startswith(
        "    Decision (Décision), made available November 20, 2026, opened on"
    )
    assert lines[4].startswith("        ")  # its legal-aid and appeal days, under it
    assert lines[5] == "  1 letter already opened ('ofpra-assistant check --all-letters' lists it)."
    assert "nothing waits for you" not in "\n".join(lines)
