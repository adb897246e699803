"""The documents table parser on a 1,000-row table, in process.

The baseline is the least any parser must do: normalise every cell once with
``flows.labels.normalise`` (case, accents, spaces). The target is absolute: a volunteer's long
account must not make a check wait on Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from benchmarks.harness import Figure, Target, interleave, median
from flows.labels import normalise
from flows.models import RawTable
from flows.table_parser import parse_documents_table

NAME = "parser"
ROWS = 1000
TARGET_MS = 50.0

HEADERS = [
    "Statut",
    "Document",
    "Date de mise à disposition",
    "Expéditeur",
    "Date de notification*",
    "Temps restant pour accéder au courrier",
    "Consulter",
]
# (status, document, notified?) as the portal shows them; dates are filled in per row.
KINDS = [
    ("✓ Lu le {read}", "Décision", True),
    ("Non lu", "Convocation à l'entretien", True),
    ("✓ Lu le {read}", "Courrier 6 mois", False),
    ("✓ Lu le {read}", "Annulation de convocation", False),
    ("Non lu", "Renotification de la décision", True),
    ("✓ Lu le {read}", "Introduction (courrier d'enregistrement)", False),
    ("✓ Lu le {read}", "Certificat médical", False),
    ("Non lu", "Un courrier au libellé inconnu", False),
]


def table(rows: int = ROWS) -> RawTable:
    body = []
    for number in range(rows):
        status, document, notified = KINDS[number % len(KINDS)]
        day, month, year = 1 + number % 28, 1 + (number // 28) % 12, 2020 + number // 336
        made = f"{day:02d}/{month:02d}/{year}"
        remaining = "" if not notified else ("Courrier notifié" if number % 3 else "12 jours")
        body.append(
            [
                status.format(read=made),
                document,
                made,
                "OFPRA",
                made if notified else "",
                remaining,
                "",
            ]
        )
    return RawTable(headers=HEADERS, rows=body, page_language="fr")


def _timer(work: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        work()
        return time.perf_counter() - started

    return run


def measure(rounds: int = 20, budget_seconds: float = 60) -> list[Figure]:
    raw = table()
    letters = parse_documents_table(raw)
    if len(letters) != ROWS:
        raise RuntimeError(f"the parser read {len(letters)} letters of {ROWS}")

    def normalise_all() -> None:
        for header in raw.headers:
            normalise(header)
        for row in raw.rows:
            for cell in row:
                normalise(cell)

    measured = interleave(
        _timer(normalise_all), _timer(lambda: parse_documents_table(raw)), rounds, budget_seconds
    )
    subject_ms = median(measured.subject) * 1000
    return [
        Figure(
            name=f"parser, {ROWS:,}-row table",
            subject=subject_ms,
            unit="ms",
            target=Target(TARGET_MS, "ms"),
            baseline=median(measured.baseline) * 1000,
            baseline_name="normalise every cell",
            ratio=median(measured.ratios),
            note=measured.spread(),
        )
    ]
