"""The documents table parser: every row read, or the whole table refused."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from assistant.errors import PageNotRecognisedError
from flows.labels import normalise
from flows.models import LetterKind, RawTable
from flows.table_parser import kind_of, parse_documents_table

FR_HEADERS = [
    "Statut",
    "Document",
    "Date de mise à disposition",
    "Expéditeur",
    "Date de notification*",
    "Temps restant pour accéder au courrier",
    "Consulter",
]
EN_HEADERS = [
    "Status",
    "Document",
    "Provision date",
    "Sender",
    "Notification date*",
    "Remaining time to access the account",
    "View",
]

# The four rows of the guide's screenshot (PORTAL.md), English UI.
GUIDE_ROWS = [
    ["✓ Read on 4/21/23", "Decision", "4/20/23", "OFPRA", "4/21/23", "Notified letter", ""],
    ["✓ Read on 4/21/23", "6 Months", "2/23/23", "OFPRA", "", "", ""],
    [
        "✓ Read on 10/11/22",
        "Appointment (Convocation)",
        "9/6/22",
        "OFPRA",
        "9/6/22",
        "Notified letter",
        "",
    ],
    ["✓ Read on 10/11/22", "Introduction (lodging)", "8/31/22", "OFPRA", "", "", ""],
]


def test_parser_reads_the_guides_english_table_with_us_dates() -> None:
    letters = parse_documents_table(RawTable(EN_HEADERS, GUIDE_ROWS, "en"))

    assert [(letter.kind, letter.made_available_on) for letter in letters] == [
        (LetterKind.DECISION, date(2023, 4, 20)),
        (LetterKind.SIX_MONTHS, date(2023, 2, 23)),
        (LetterKind.CONVOCATION, date(2022, 9, 6)),
        (LetterKind.INTRODUCTION, date(2022, 8, 31)),
    ]
    decision = letters[0]
    assert decision.read is True
    assert decision.read_on == date(2023, 4, 21)
    assert decision.notified_on == date(2023, 4, 21)
    assert decision.portal_says_notified is True
    assert decision.sender == "OFPRA"
    assert letters[1].notified_on is None
    assert letters[1].portal_says_notified is False
    assert [letter.id for letter in letters] == [
        "2023-04-20-decision",
        "2023-02-23-six_months",
        "2022-09-06-convocation",
        "2022-08-31-introduction",
    ]


def test_parser_reads_french_dates_day_first_and_unread_rows() -> None:
    rows = [
        ["Non lu", "Décision", "21/11/2026", "OFPRA", "21/11/2026", "10 jours", ""],
        ["", "6 mois", "02/03/2026", "OFPRA", "", "", ""],
        ["✓ Lu le 04/01/2026", "Convocation", "03/01/2026", "OFPRA", "03/01/2026", "", ""],
    ]
    letters = parse_documents_table(RawTable(FR_HEADERS, rows, "fr"))

    decision, six_months, convocation = letters
    assert decision.read is False
    assert decision.made_available_on == date(2026, 11, 21)
    assert decision.portal_remaining_days == 10
    assert six_months.read is False
    assert six_months.made_available_on == date(2026, 3, 2)
    assert convocation.read_on == date(2026, 1, 4)


# Paris is one hour ahead of UTC in winter, two in summer (written out, not computed by zoneinfo).
WINTER = timezone(timedelta(hours=1))
SUMMER = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("language", "headers", "made", "status", "made_on", "made_at", "read_on", "read_at"),
    [
        pytest.param(
            "fr",
            FR_HEADERS,
            "29/11/2026 à 11:58",
            "✓ Lu le 30/11/2026 à 09:05",
            date(2026, 11, 29),
            datetime(2026, 11, 29, 11, 58, tzinfo=WINTER),
            date(2026, 11, 30),
            datetime(2026, 11, 30, 9, 5, tzinfo=WINTER),
            id="fr-a",
        ),
        pytest.param(
            "fr",
            FR_HEADERS,
            "29/11/2026 11:58:07",
            "Lu le 29/11/2026 23:59:59",
            date(2026, 11, 29),
            datetime(2026, 11, 29, 11, 58, 7, tzinfo=WINTER),
            date(2026, 11, 29),
            datetime(2026, 11, 29, 23, 59, 59, tzinfo=WINTER),
            id="fr-seconds",
        ),
        pytest.param(
            "fr",
            FR_HEADERS,
            "29/11/2026, 11h58",
            "✓ Lu le 01/12/2026, 00h00",
            date(2026, 11, 29),
            datetime(2026, 11, 29, 11, 58, tzinfo=WINTER),
            date(2026, 12, 1),
            datetime(2026, 12, 1, 0, 0, tzinfo=WINTER),
            id="fr-comma-h",
        ),
        pytest.param(
            "en",
            EN_HEADERS,
            "4/20/23 2:32 PM",
            "✓ Read on 4/21/23 12:05 AM",
            date(2023, 4, 20),
            datetime(2023, 4, 20, 14, 32, tzinfo=SUMMER),
            date(2023, 4, 21),
            datetime(2023, 4, 21, 0, 5, tzinfo=SUMMER),
            id="en-pm",
        ),
        pytest.param(
            "en",
            EN_HEADERS,
            "4/20/23, 14:32",
            "Read on 4/21/23, 12:30 p.m.",
            date(2023, 4, 20),
            datetime(2023, 4, 20, 14, 32, tzinfo=SUMMER),
            date(2023, 4, 21),
            datetime(2023, 4, 21, 12, 30, tzinfo=SUMMER),
            id="en-comma-24h",
        ),
    ],
)
def test_parser_reads_dates_with_their_hour_in_paris_time(
    language: str,
    headers: list[str],
    made: str,
    status: str,
    made_on: date,
    made_at: datetime,
    read_on: date,
    read_at: datetime,
) -> None:
    row = [status, "Décision" if language == "fr" else "Decision", made, "OFPRA", "", "", ""]
    [letter] = parse_documents_table(RawTable(headers, [row], language))

    assert (letter.made_available_on, letter.read, letter.read_on) == (made_on, True, read_on)
    assert letter.made_available_at == made_at
    assert letter.made_available_at is not None and letter.read_at is not None
    assert letter.made_available_at.utcoffset() == made_at.utcoffset()
    assert letter.read_at == read_at
    assert letter.read_at.utcoffset() == read_at.utcoffset()
    # The id is the day's, with or without the hour: the same letter from one check to the next.
    assert letter.id == f"{made_on.isoformat()}-decision"


def test_parser_keeps_the_day_of_an_hour_late_in_the_paris_evening() -> None:
    # 23:30 in Paris is already the next day in UTC: the day counted is Paris's, the 29th.
    row = ["Non lu", "Décision", "29/11/2026 à 23:30", "OFPRA", "", "", ""]
    [letter] = parse_documents_table(RawTable(FR_HEADERS, [row], "fr"))

    assert letter.made_available_on == date(2026, 11, 29)
    assert letter.made_available_at is not None
    assert letter.made_available_at.isoformat() == "2026-11-29T23:30:00+01:00"
    assert letter.read_at is None


def test_parser_gives_no_hour_where_the_portal_shows_none() -> None:
    [letter] = parse_documents_table(
        RawTable(FR_HEADERS, [["✓ Lu le 04/01/2026", "6 mois", "03/01/2026", "", "", "", ""]], "fr")
    )

    assert (letter.made_available_at, letter.read_at) == (None, None)


@pytest.mark.parametrize(
    ("made", "status", "message"),
    [
        pytest.param(
            "29/11/2026 à 25:70", "Non lu", "does not exist: '29/11/2026 à 25:70'", id="25:70"
        ),
        pytest.param(
            "29/11/2026 11:60", "Non lu", "does not exist: '29/11/2026 11:60'", id="11:60"
        ),
        pytest.param("29/11/2026 11:58:61", "", "does not exist: '29/11/2026 11:58:61'", id="sec"),
        pytest.param("29/11/2026 13:05 PM", "", "does not exist: '29/11/2026 13:05 PM'", id="13pm"),
        pytest.param("29/11/2026 à 25h70", "", "does not exist", id="25h70"),
        pytest.param(
            "29/11/2026",
            "Lu le 30/11/2026 à 24:00",
            "does not exist: '30/11/2026 à 24:00'",
            id="read",
        ),
        pytest.param("29/11/2026 à", "", "not in a known format: '29/11/2026 à'", id="no-hour"),
        pytest.param("29/11/2026 11", "", "not in a known format: '29/11/2026 11'", id="hour-only"),
        pytest.param("29/11/2026 à midi", "", "not in a known format", id="words"),
    ],
)
def test_parser_refuses_an_hour_that_is_not_one(made: str, status: str, message: str) -> None:
    row = [status, "Décision", made, "OFPRA", "", "", ""]
    with pytest.raises(PageNotRecognisedError) as raised:
        parse_documents_table(RawTable(FR_HEADERS, [row], "fr"))

    assert raised.value.code == "page_not_recognised"
    assert message in raised.value.message


def test_parser_matches_columns_by_meaning_not_position() -> None:
    order = [4, 2, 0, 6, 1, 5, 3]
    headers = [FR_HEADERS[i] for i in order]
    row = ["Non lu", "Décision", "21/11/2026", "OFPRA", "21/11/2026", "10 jours", ""]
    letters = parse_documents_table(RawTable(headers, [[row[i] for i in order]], None))

    assert letters[0].kind is LetterKind.DECISION
    assert letters[0].notified_on == date(2026, 11, 21)
    assert letters[0].portal_remaining_days == 10


def test_parser_ignores_header_case_accents_stars_and_extra_columns() -> None:
    headers = [
        "STATUT",
        "document",
        "Date de mise a disposition",
        "Expediteur",
        "Date de notification *",
        "Colonne inconnue",
    ]
    row = ["Non\u00a0lu", "  Décision ", "21/11/2026", "OFPRA", "21/11/2026", "xyz"]
    letters = parse_documents_table(RawTable(headers, [row], None))

    assert letters[0].label == "Décision"
    assert letters[0].read is False


def test_parser_keeps_unknown_labels_as_other() -> None:
    rows = [["Non lu", "Attestation de dépôt", "21/11/2026", "OFPRA", "", "", ""]]
    letters = parse_documents_table(RawTable(FR_HEADERS, rows, "fr"))

    assert len(letters) == 1
    assert letters[0].kind is LetterKind.OTHER
    assert letters[0].label == "Attestation de dépôt"
    assert letters[0].id == "2026-11-21-other-attestation-de-depot"


def test_parser_numbers_letters_of_the_same_day_and_kind() -> None:
    row = ["Non lu", "Convocation", "21/11/2026", "OFPRA", "21/11/2026", "15 jours", ""]
    letters = parse_documents_table(RawTable(FR_HEADERS, [row, row], "fr"))

    assert [letter.id for letter in letters] == [
        "2026-11-21-convocation",
        "2026-11-21-convocation-2",
    ]


def test_parser_returns_no_letter_for_an_empty_table() -> None:
    assert parse_documents_table(RawTable(FR_HEADERS, [], "fr")) == []
    assert parse_documents_table(RawTable(FR_HEADERS, [["Aucun document"]], "fr")) == []


@pytest.mark.parametrize(
    ("kind", "labels"),
    [
        (LetterKind.ACCOUNT_CREATION, ["Création de compte", "Account creation"]),
        (LetterKind.INTRODUCTION, ["Introduction (lodging)", "Introduction"]),
        (LetterKind.CONVOCATION, ["Convocation", "Appointment (Convocation)", "Summons"]),
        (
            LetterKind.CONVOCATION_CANCELLATION,
            ["Annulation de convocation", "Summons cancellation"],
        ),
        (LetterKind.SIX_MONTHS, ["6 mois", "6 Months"]),
        (LetterKind.MEDICAL_CERTIFICATE, ["Certificat médical", "Medical certificate"]),
        (LetterKind.RECLASSIFICATION, ["Requalification", "Reclassification"]),
        (LetterKind.INTERVIEW, ["Compte rendu d'entretien", "Interview"]),
        (LetterKind.POSTAL_LETTER, ["Courrier postal", "Postal letter"]),
        (LetterKind.RENOTIFICATION, ["Renotification", "Re-notification"]),
        (LetterKind.DECISION, ["Décision", "Decision", "DECISION"]),
        (LetterKind.OTHER, ["Attestation", "Something new"]),
    ],
    ids=lambda value: value.value if isinstance(value, LetterKind) else None,
)
def test_kind_of_every_document_type_in_both_languages(kind: LetterKind, labels: list[str]) -> None:
    assert [kind_of(label) for label in labels] == [kind] * len(labels)


@pytest.mark.parametrize(
    ("headers", "rows", "message"),
    [
        pytest.param(
            ["Statut", "Date de mise à disposition", "Expéditeur"],
            [],
            "lacks the column(s) document",
            id="missing-document-column",
        ),
        pytest.param(
            ["Document", "Date de mise à disposition"],
            [],
            "lacks the column(s) status",
            id="missing-status-column",
        ),
        pytest.param(["Nom", "Taille"], [], "lacks the column(s)", id="another-table"),
        pytest.param(
            FR_HEADERS,
            [["Non lu", "Décision", "21/11/2026", "OFPRA", "", ""]],
            "Row 1 of the documents table could not be read: it has 6 cells",
            id="short-row",
        ),
        pytest.param(
            FR_HEADERS,
            [["Archivé", "Décision", "21/11/2026", "OFPRA", "", "", ""]],
            "its status 'Archivé' is not one the assistant knows",
            id="unknown-status",
        ),
        pytest.param(
            FR_HEADERS,
            [["Non lu", "Décision", "hier", "OFPRA", "", "", ""]],
            "not in a known format: 'hier'",
            id="unknown-date",
        ),
        pytest.param(
            FR_HEADERS,
            [["Non lu", "Décision", "31/02/2026", "OFPRA", "", "", ""]],
            "does not exist: '31/02/2026'",
            id="impossible-date",
        ),
        pytest.param(
            FR_HEADERS,
            [["Non lu", "", "21/11/2026", "OFPRA", "", "", ""]],
            "its document name is empty",
            id="empty-label",
        ),
        pytest.param(
            FR_HEADERS,
            [["Non lu", "Décision", "21/11/2026", "OFPRA", "", "bientôt", ""]],
            "its remaining time 'bientôt' is not in a known format",
            id="unknown-remaining-time",
        ),
        pytest.param(
            [*FR_HEADERS, "Statut"],
            [],
            "two columns that look like 'status'",
            id="duplicate-column",
        ),
    ],
)
def test_parser_refuses_what_it_cannot_read(
    headers: list[str], rows: list[list[str]], message: str
) -> None:
    with pytest.raises(PageNotRecognisedError) as raised:
        parse_documents_table(RawTable(headers, rows, "fr"))

    assert message in raised.value.message


def test_parser_refuses_a_table_whose_language_cannot_be_told() -> None:
    # One French header, one English, and no page language: 4/5/26 could be either date.
    headers = ["Document", "Statut", "Provision date"]
    with pytest.raises(PageNotRecognisedError, match="language could not be told"):
        parse_documents_table(RawTable(headers, [], None))


def test_parser_refuses_a_good_row_next_to_a_bad_one() -> None:
    rows = [
        ["Non lu", "Décision", "21/11/2026", "OFPRA", "21/11/2026", "10 jours", ""],
        ["???", "Convocation", "20/11/2026", "OFPRA", "20/11/2026", "9 jours", ""],
    ]
    with pytest.raises(PageNotRecognisedError, match="Row 2"):
        parse_documents_table(RawTable(FR_HEADERS, rows, "fr"))


@pytest.mark.parametrize("remaining", ["-3 jours", "\u2212 3 jours", "+2 days"])
def test_parser_refuses_a_signed_number_of_days_left(remaining: str) -> None:
    # Found by Hypothesis: the sign was dropped and "-3 jours" read as three days left.
    row = ["Non lu", "Convocation", "08/03/2026", "OFPRA", "08/03/2026", remaining, ""]

    with pytest.raises(PageNotRecognisedError, match="remaining time"):
        parse_documents_table(RawTable(FR_HEADERS, [row], "fr"))


def _normalise_as_written_first(text: str) -> str:
    """``normalise`` before its ASCII fast path: the definition it must keep to."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w/]+", " ", without_accents.casefold()).split())


@given(st.text())
@example("Décision")
@example("✓ Lu le 21/04/2023")
@example("ﬁ Ⅻ ½ Ǆ")  # compatibility forms that decompose to ASCII, or not
def test_normalise_is_the_same_with_its_ascii_fast_path(text: str) -> None:
    assert normalise(text) == _normalise_as_written_first(text)
