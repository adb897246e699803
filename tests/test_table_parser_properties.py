"""The documents table parser against generated tables (Hypothesis).

Well-formed tables, however their columns are ordered, named, spaced or accented, are read
whole and exactly; broken ones are refused with ``PageNotRecognisedError``; and whatever the
table, the parser never returns fewer letters than it has rows (a partial list presented as
complete would be a false "all clear").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import PageNotRecognisedError
from fixtures.mock_portal.scenarios import KIND_LABELS
from flows.labels import normalise
from flows.models import LetterKind, PortalLetter, RawTable
from flows.table_parser import _match_header, kind_of, parse_documents_table

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Header texts each column may carry, per language (the portal's French ones are unverified).
HEADERS: dict[str, dict[str, list[str]]] = {
    "status": {"fr": ["Statut", "État"], "en": ["Status"]},
    "document": {"fr": ["Document", "Type de document"], "en": ["Document", "Document type"]},
    "made_available_on": {
        "fr": ["Date de mise à disposition", "Mise à disposition", "Déposé le"],
        "en": ["Provision date", "Made available on"],
    },
    "sender": {"fr": ["Expéditeur", "Émetteur"], "en": ["Sender", "Sent by"]},
    "notified_on": {
        "fr": ["Date de notification*", "Notifié le"],
        "en": ["Notification date*", "Notified on"],
    },
    "remaining": {
        "fr": ["Temps restant pour accéder au courrier", "Délai restant"],
        "en": ["Remaining time to access the account", "Days left"],
    },
    "view": {"fr": ["Consulter", "Voir"], "en": ["View", "Open"]},
}
REQUIRED = ("status", "document", "made_available_on")
OPTIONAL = ("sender", "notified_on", "remaining", "view")
# Columns the parser does not know, and must ignore.
EXTRA_HEADERS = ["Référence", "Taille", "Pièce jointe", "Size", "Reference", "Catégorie"]
UNKNOWN_LABELS = [
    label
    for label in [
        "Attestation de dépôt",
        "Filing receipt",
        "Avis d'audience",
        "Hearing notice",
        "Demande de pièces complémentaires",
        "Courrier d'information générale",
        "Pièce n° 3",
    ]
    if kind_of(label) is LetterKind.OTHER
]
SPACES = [" ", "\u00a0", "  ", "\t", "\u202f", "\n"]


# How a portal may write a date with its hour (R531-17: it records both), per language.
HOUR_STYLES = {
    "fr": ["{date} à {H}:{M}", "{date} {H}:{M}:{S}", "{date}, {H}h{M}", "{date} {H}:{M}"],
    "en": ["{date} {h}:{M} {ampm}", "{date}, {H}:{M}", "{date} {h}:{M}:{S} {ampm}"],
}
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Letter:
    kind: LetterKind
    label: str
    made_available_on: date
    notified_on: date | None
    read_on: date | None
    read: bool
    remaining_days: int | None
    says_notified: bool
    sender: str
    #: The hours the cells show (None: the date alone), and how they are written (an index
    #: into HOUR_STYLES).
    made_available_time: time | None = None
    read_time: time | None = None
    hour_style: int = 0


def fmt_moment(day: date, at: time | None, language: str, style_index: int) -> str:
    """The date, and the hour when there is one, as the portal may write them."""
    if at is None:
        return fmt(day, language)
    styles = HOUR_STYLES[language]
    style = styles[style_index % len(styles)]
    return style.format(
        date=fmt(day, language),
        H=f"{at.hour:02d}",
        M=f"{at.minute:02d}",
        S=f"{at.second:02d}",
        h=str(at.hour % 12 or 12),
        ampm="PM" if at.hour >= 12 else "AM",
    )


def expected_moment(day: date, at: time | None, language: str, style_index: int) -> datetime | None:
    if at is None:
        return None
    styles = HOUR_STYLES[language]
    second = at.second if "{S}" in styles[style_index % len(styles)] else 0
    return datetime(day.year, day.month, day.day, at.hour, at.minute, second, tzinfo=PARIS)


@dataclass(frozen=True)
class Table:
    raw: RawTable
    letters: list[Letter]
    columns: list[str]  # each column's role, or "extra"
    language: str


def fmt(day: date, language: str) -> str:
    return f"{day.month}/{day.day}/{day:%y}" if language == "en" else f"{day:%d/%m/%Y}"


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@st.composite
def odd_spacing(draw: st.DrawFn, text: str) -> str:
    """The same text with other spaces: leading, trailing, doubled, non-breaking."""
    if not text:
        return draw(st.sampled_from(["", " ", "\u00a0", "\n  "]))
    words = text.split(" ")
    glue = [draw(st.sampled_from(SPACES[:3] + SPACES[4:5])) for _ in words[1:]]
    spaced = words[0] + "".join(g + w for g, w in zip(glue, words[1:], strict=True))
    before = draw(st.sampled_from(["", " ", "\u00a0", "\n\t"]))
    after = draw(st.sampled_from(["", " ", "\u00a0", " \n"]))
    return before + spaced + after


@st.composite
def header_text(draw: st.DrawFn, role: str, language: str) -> str:
    text = draw(st.sampled_from(HEADERS[role][language]))
    if draw(st.booleans()):
        text = strip_accents(text)
    text = draw(st.sampled_from([text, text.upper(), text.lower(), text.title()]))
    if draw(st.booleans()) and not text.endswith("*"):
        text += draw(st.sampled_from([" *", "*", " (*)"]))
    return draw(odd_spacing(text))


@st.composite
def letters(draw: st.DrawFn) -> Letter:
    made = draw(st.dates(min_value=date(2022, 5, 2), max_value=date(2026, 12, 31)))
    known = draw(st.booleans())
    if known or not UNKNOWN_LABELS:
        kind_name = draw(st.sampled_from(sorted(KIND_LABELS)))
        kind = LetterKind(kind_name)
        labels = KIND_LABELS[kind_name]
        label = draw(st.sampled_from(labels))
    else:
        kind = LetterKind.OTHER
        label = draw(st.sampled_from(UNKNOWN_LABELS))
    notified = draw(st.sampled_from([None, made, made + timedelta(days=1)]))
    read_on = draw(st.one_of(st.none(), st.integers(0, 30).map(lambda d: made + timedelta(d))))
    remaining_days: int | None = None
    says_notified = False
    if notified is not None:
        if read_on is None and draw(st.booleans()):
            remaining_days = draw(st.integers(1, 15))
        else:
            says_notified = draw(st.booleans())
    hours = st.one_of(st.none(), st.times().map(lambda at: at.replace(microsecond=0)))
    return Letter(
        kind=kind,
        label=label,
        made_available_on=made,
        notified_on=notified,
        read_on=read_on,
        read=read_on is not None,
        remaining_days=remaining_days,
        says_notified=says_notified,
        sender=draw(st.sampled_from(["OFPRA", "Ofpra", ""])),
        made_available_time=draw(hours),
        read_time=draw(hours) if read_on is not None else None,
        hour_style=draw(st.integers(0, 11)),
    )


@st.composite
def cell(draw: st.DrawFn, role: str, letter: Letter, language: str) -> str:
    """What a portal could put in the cell of this column for this letter."""
    if role == "status":
        if letter.read_on is not None:
            prefix = draw(
                st.sampled_from(
                    ["✓ Lu le", "Lu le", "Lue le", "✓ Consulté le"]
                    if language == "fr"
                    else ["✓ Read on", "Read on", "Opened on"]
                )
            )
            moment = fmt_moment(letter.read_on, letter.read_time, language, letter.hour_style)
            text = f"{prefix} {moment}"
        else:
            text = draw(
                st.sampled_from(
                    ["Non lu", "NON LU", "Non lue", ""] if language == "fr" else ["Unread", ""]
                )
            )
    elif role == "document":
        text = letter.label
        if draw(st.booleans()):
            text = strip_accents(text)
    elif role == "made_available_on":
        text = fmt_moment(
            letter.made_available_on, letter.made_available_time, language, letter.hour_style
        )
    elif role == "sender":
        text = letter.sender
    elif role == "notified_on":
        text = fmt(letter.notified_on, language) if letter.notified_on else ""
    elif role == "remaining":
        if letter.remaining_days is not None:
            n = letter.remaining_days
            word = (
                ("jour" if n == 1 else "jours")
                if language == "fr"
                else ("day" if n == 1 else "days")
            )
            text = f"{n} {word}"
        elif letter.says_notified:
            text = "Courrier notifié" if language == "fr" else "Notified letter"
        else:
            text = ""
    elif role == "view":
        text = ""
    else:
        text = draw(st.sampled_from(["", "12 Ko", "A-1", "PDF"]))
    return draw(odd_spacing(text))


@st.composite
def tables(draw: st.DrawFn) -> Table:
    language = draw(st.sampled_from(["fr", "en"]))
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    extras = draw(st.lists(st.sampled_from(EXTRA_HEADERS), unique=True, max_size=2))
    columns = draw(st.permutations([*REQUIRED, *optional, *(["extra"] * len(extras))]))
    extra_names = iter(extras)
    headers = [
        next(extra_names) if role == "extra" else draw(header_text(role, language))
        for role in columns
    ]
    rows_letters = draw(st.lists(letters(), min_size=1, max_size=8))
    rows = [[draw(cell(role, letter, language)) for role in columns] for letter in rows_letters]
    page_language = draw(st.sampled_from([language, f"{language}-FR", None]))
    return Table(RawTable(headers, rows, page_language), rows_letters, columns, language)


def expected(table: Table, letter: Letter) -> tuple[object, ...]:
    has = set(table.columns)
    return (
        letter.kind,
        " ".join(letter.label.split()),
        letter.made_available_on,
        letter.notified_on if "notified_on" in has else None,
        letter.read,
        letter.read_on,
        letter.remaining_days if "remaining" in has else None,
        letter.says_notified if "remaining" in has else False,
        expected_moment(
            letter.made_available_on, letter.made_available_time, table.language, letter.hour_style
        ),
        expected_moment(letter.read_on, letter.read_time, table.language, letter.hour_style)
        if letter.read_on is not None and "status" in has
        else None,
    )


def got(letter: PortalLetter) -> tuple[object, ...]:
    return (
        letter.kind,
        letter.label,
        letter.made_available_on,
        letter.notified_on,
        letter.read,
        letter.read_on,
        letter.portal_remaining_days,
        letter.portal_says_notified,
        letter.made_available_at,
        letter.read_at,
    )


def same_label(a: str, b: str) -> bool:
    return normalise(a) == normalise(b)


def test_generated_extra_headers_and_unknown_labels_are_really_unknown() -> None:
    assert all(_match_header(normalise(header)) is None for header in EXTRA_HEADERS)
    assert len(UNKNOWN_LABELS) >= 5


@SETTINGS
@given(tables())
def test_parser_reads_any_well_formed_table_whole_and_exactly(table: Table) -> None:
    letters_read = parse_documents_table(table.raw)

    assert len(letters_read) == len(table.letters)
    for read, letter in zip(letters_read, table.letters, strict=True):
        want, have = expected(table, letter), got(read)
        assert same_label(str(have[1]), str(want[1]))
        assert have[:1] + have[2:] == want[:1] + want[2:]
    assert len({letter.id for letter in letters_read}) == len(letters_read)


def _without_column(table: Table, index: int) -> RawTable:
    return RawTable(
        [h for i, h in enumerate(table.raw.headers) if i != index],
        [[c for i, c in enumerate(row) if i != index] for row in table.raw.rows],
        table.raw.page_language,
    )


def _with_cell(table: Table, row: int, role: str, text: str) -> RawTable:
    index = table.columns.index(role)
    rows = [list(r) for r in table.raw.rows]
    rows[row][index] = text
    return RawTable(list(table.raw.headers), rows, table.raw.page_language)


@st.composite
def broken_tables(draw: st.DrawFn) -> tuple[str, RawTable]:
    table = draw(tables())
    row = draw(st.integers(0, len(table.raw.rows) - 1))
    mutation = draw(
        st.sampled_from(
            [
                "drop_required_column",
                "rename_document_header",
                "empty_label",
                "empty_made_available",
                "impossible_date",
                "impossible_hour",
                "not_a_date",
                "unknown_status",
                "unknown_remaining",
                "missing_cell",
                "extra_cell",
                "duplicate_column",
            ]
        )
    )
    if mutation == "drop_required_column":
        role = draw(st.sampled_from(REQUIRED))
        return mutation, _without_column(table, table.columns.index(role))
    if mutation == "rename_document_header":
        headers = list(table.raw.headers)
        headers[table.columns.index("document")] = draw(
            st.sampled_from(["Pièce", "Item", "Intitulé"])
        )
        return mutation, RawTable(headers, table.raw.rows, table.raw.page_language)
    if mutation == "empty_label":
        return mutation, _with_cell(
            table, row, "document", draw(st.sampled_from(["", " ", "\u00a0"]))
        )
    if mutation == "empty_made_available":
        return mutation, _with_cell(table, row, "made_available_on", "")
    if mutation == "impossible_date":
        text = "2/31/23" if table.language == "en" else "31/02/2023"
        return mutation, _with_cell(table, row, "made_available_on", text)
    if mutation == "impossible_hour":
        day = fmt(table.letters[row].made_available_on, table.language)
        hour = draw(
            st.sampled_from(["à 25:70", "24:00", "11:60", "10:30:60", "13:05 PM", "0:30 AM"])
        )
        return mutation, _with_cell(table, row, "made_available_on", f"{day} {hour}")
    if mutation == "not_a_date":
        text = draw(st.sampled_from(["hier", "yesterday", "21 avril", "—"]))
        return mutation, _with_cell(table, row, "made_available_on", text)
    if mutation == "unknown_status":
        return mutation, _with_cell(
            table, row, "status", draw(st.sampled_from(["Archivé", "?", "✓", "En cours"]))
        )
    if mutation == "unknown_remaining" and "remaining" in table.columns:
        return mutation, _with_cell(
            table, row, "remaining", draw(st.sampled_from(["bientôt", "soon", "-3 jours"]))
        )
    if mutation in ("missing_cell", "extra_cell", "unknown_remaining"):
        rows = [list(r) for r in table.raw.rows]
        if mutation == "missing_cell" or len(rows[row]) > 3:
            rows[row].pop()
        else:
            rows[row].append("")
        return "missing_or_extra_cell", RawTable(
            list(table.raw.headers), rows, table.raw.page_language
        )
    # duplicate_column: a second column that looks like the status one.
    headers = [*table.raw.headers, HEADERS["status"][table.language][0]]
    rows = [[*r, ""] for r in table.raw.rows]
    return mutation, RawTable(headers, rows, table.raw.page_language)


@SETTINGS
@given(broken_tables())
def test_parser_refuses_a_broken_table_whole(case: tuple[str, RawTable]) -> None:
    mutation, raw = case
    with pytest.raises(PageNotRecognisedError):
        parse_documents_table(raw)
    del mutation  # shown by Hypothesis in the falsifying example


@SETTINGS
@given(
    tables(),
    st.lists(
        st.tuples(
            st.integers(0, 50),
            st.integers(0, 50),
            st.text(
                alphabet=st.sampled_from(list("aeioulnrstéèçÉ0123456789/ -.✓*\u00a0")),
                max_size=18,
            ),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_parser_never_returns_fewer_letters_than_rows(
    table: Table, edits: list[tuple[int, int, str]]
) -> None:
    rows = [list(row) for row in table.raw.rows]
    for row, column, text in edits:
        rows[row % len(rows)][column % len(rows[0])] = text
    raw = RawTable(list(table.raw.headers), rows, table.raw.page_language)
    try:
        letters_read = parse_documents_table(raw)
    except PageNotRecognisedError:
        return
    assert len(letters_read) == len(rows)
