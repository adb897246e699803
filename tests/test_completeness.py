"""Complete or refused, as pure rules: the proof a list is whole, and the memory of the portal's
shape kept per profile (no browser here; tests/test_complete_or_refused.py runs them for real)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant.consent import make_consent
from assistant.errors import PageNotRecognisedError
from assistant.portal_memory import PortalMemory
from assistant.state import StateStore
from flows.completeness import ListReading, PagerSigns, PortalShape, prove_complete
from flows.models import LetterCounts, LetterKind, PortalLetter, RawTable
from flows.table_parser import parse_documents_table
from tests.conftest import NOW

HEADERS = ["Statut", "Document", "Date de mise à disposition"]


def letter(
    days_ago: int, kind: LetterKind = LetterKind.INTRODUCTION, read: bool = True
) -> PortalLetter:
    made = date(2026, 11, 26) - timedelta(days=days_ago)
    return PortalLetter(
        id=f"{made.isoformat()}-{kind.value}",
        kind=kind,
        label=kind.value,
        sender="OFPRA",
        made_available_on=made,
        notified_on=None,
        read=read,
        read_on=made if read else None,
        portal_remaining_days=None,
        portal_says_notified=False,
    )


def letters(count: int) -> list[PortalLetter]:
    return [letter(days) for days in range(1, count + 1)]


def reading(
    rows_per_page: tuple[int, ...],
    signs: tuple[PagerSigns, ...] | None = None,
    *,
    empty: bool = False,
) -> ListReading:
    return ListReading(
        RawTable(HEADERS, [], "fr"),
        rows_per_page,
        signs if signs is not None else tuple(PagerSigns() for _ in rows_per_page),
        says_empty=empty,
    )


# --- The proof --------------------------------------------------------------------------------


def test_matching_counters_prove_a_single_full_page_complete() -> None:
    shape = prove_complete(reading((20,)), LetterCounts(20, 0), letters(20))

    assert shape == PortalShape(
        True,
        False,
        None,
        tuple(sorted(f"{item.made_available_on.isoformat()} introduction" for item in letters(20))),
    )


@pytest.mark.parametrize("rows", [10, 20, 25, 50, 100])
def test_a_full_page_with_no_pager_and_no_counters_is_refused(rows: int) -> None:
    with pytest.raises(PageNotRecognisedError, match=f"exactly {rows} letters on one page"):
        prove_complete(reading((rows,)), None, letters(rows))


@pytest.mark.parametrize("rows", [1, 7, 19, 21])
def test_a_page_that_is_not_full_is_the_whole_list(rows: int) -> None:
    shape = prove_complete(reading((rows,)), None, letters(rows))

    assert (shape.counters_shown, shape.pager_shown, len(shape.letters)) == (False, False, rows)


def test_a_full_page_is_told_by_the_page_size_seen_before() -> None:
    before = PortalShape(False, True, 15, ())

    with pytest.raises(PageNotRecognisedError, match="exactly 15 letters on one page"):
        prove_complete(reading((15,)), None, letters(15), before)
    # 20 is a common size, but this portal's pages hold 15: 20 rows on one page is a whole list.
    assert prove_complete(reading((20,)), None, letters(20), before).page_size == 15


def test_pages_announced_by_page_numbers_must_all_be_read() -> None:
    signs = (PagerSigns(page_numbers=(1, 2, 3), current_page=1), PagerSigns(page_numbers=(1, 2, 3)))

    with pytest.raises(
        PageNotRecognisedError, match="has 3 pages, but the assistant could read only 2"
    ):
        prove_complete(reading((20, 20), signs), None, letters(40))


def test_pages_announced_by_a_page_of_text_must_all_be_read() -> None:
    signs = (PagerSigns(current_page=1, total_pages=4),)

    with pytest.raises(
        PageNotRecognisedError, match="has 4 pages, but the assistant could read only 1"
    ):
        prove_complete(reading((20,), signs), None, letters(20))


@pytest.mark.parametrize("counts", [None, LetterCounts(20, 0)], ids=["no-counters", "counters"])
def test_a_count_text_must_match_the_rows_read(counts: LetterCounts | None) -> None:
    signs = (PagerSigns(total_rows=45),)

    with pytest.raises(
        PageNotRecognisedError, match="holds 45 letters, but the assistant could read 20"
    ):
        prove_complete(reading((20,), signs), counts, letters(20))


def test_every_page_read_with_its_signs_proves_the_list_without_counters() -> None:
    signs = (
        PagerSigns(page_numbers=(1, 2, 3), current_page=1, total_rows=45),
        PagerSigns(page_numbers=(1, 2, 3), current_page=2, total_rows=45),
        PagerSigns(page_numbers=(1, 2, 3), current_page=3, total_rows=45),
    )

    shape = prove_complete(reading((20, 20, 5), signs), None, letters(45))

    assert (shape.pager_shown, shape.page_size, len(shape.letters)) == (True, 20, 45)


def test_counters_that_disagree_refuse_even_a_fully_paged_list() -> None:
    signs = (PagerSigns(next_link=True), PagerSigns())

    with pytest.raises(PageNotRecognisedError, match="counts 46 letter"):
        prove_complete(reading((20, 5), signs), LetterCounts(46, 1), letters(25))


def test_no_row_is_an_empty_list_only_with_the_portals_own_words() -> None:
    with pytest.raises(PageNotRecognisedError, match="does not say that the list is empty"):
        prove_complete(reading((0,)), None, [])
    with pytest.raises(PageNotRecognisedError, match="does not say that the list is empty"):
        prove_complete(reading((0,)), LetterCounts(0, 0), [])

    assert prove_complete(reading((0,), empty=True), None, []).letters == ()


# --- What the portal showed last time -----------------------------------------------------------


def test_counters_that_disappear_fail_the_check() -> None:
    before = prove_complete(reading((3,)), LetterCounts(3, 0), letters(3))

    with pytest.raises(PageNotRecognisedError, match="no longer shows how many letters"):
        prove_complete(reading((3,)), None, letters(3), before)


def test_letters_seen_before_that_vanish_fail_the_check_even_when_counters_match() -> None:
    before = prove_complete(reading((3,)), LetterCounts(3, 0), letters(3))
    [newest, middle, _oldest] = letters(3)

    with pytest.raises(
        PageNotRecognisedError, match=r"1 letter\(s\) seen at the last check"
    ) as error:
        prove_complete(reading((2,)), LetterCounts(2, 0), [newest, middle], before)

    assert "2026-11-23, introduction" in error.value.message


def test_new_letters_and_other_labels_are_not_letters_gone() -> None:
    before = prove_complete(reading((2,)), None, letters(2))
    relabelled = [
        PortalLetter(**{**vars(item), "label": "Introduction (lodging)"}) for item in letters(2)
    ]
    newer = letter(0, LetterKind.DECISION, read=False)

    shape = prove_complete(reading((3,)), None, [newer, *relabelled], before)

    assert len(shape.letters) == 3


def test_an_unavailable_row_is_never_the_empty_list() -> None:
    row = ["Aucun document ne peut être affiché : le service est temporairement indisponible."]

    with pytest.raises(PageNotRecognisedError, match="Row 1"):
        parse_documents_table(RawTable(HEADERS, [row], "fr"))
    assert parse_documents_table(RawTable(HEADERS, [["Vous n'avez aucun document."]], "fr")) == []


@pytest.fixture
def state(tmp_path: Path) -> StateStore:
    store = StateStore(tmp_path / "state.sqlite3")
    store.save_profile("amina", "http://127.0.0.1:1/ofpra/user/login", "fr", NOW)
    store.record_consent("amina", make_consent("Amina", "holder", "fr", NOW))
    return store


def test_memory_keeps_what_a_complete_reading_showed(state: StateStore) -> None:
    profile = state.profile("amina")
    assert profile is not None
    shape = PortalShape(True, True, 20, ("2026-11-01 decision", "2026-11-01 decision"))
    memory = PortalMemory(state, profile)
    assert memory.last_seen() is None

    memory.remember(shape, NOW)
    memory.remember(None, NOW + timedelta(hours=1))

    assert PortalMemory(StateStore(state.path), profile).last_seen() == shape


def test_running_setup_again_confirms_the_portal_changed(state: StateStore) -> None:
    before = state.profile("amina")
    assert before is not None
    PortalMemory(state, before).remember(PortalShape(True, False, None, ()), NOW)

    state.mark_credentials_updated("amina", NOW + timedelta(minutes=5))

    profile = state.profile("amina")
    assert profile is not None
    assert PortalMemory(state, profile).last_seen() is None
    PortalMemory(state, profile).remember(
        PortalShape(False, False, None, ()), NOW + timedelta(hours=1)
    )
    assert PortalMemory(state, profile).last_seen() == PortalShape(False, False, None, ())


def test_forget_removes_the_memory_with_the_profile(state: StateStore) -> None:
    profile = state.profile("amina")
    assert profile is not None
    PortalMemory(state, profile).remember(PortalShape(True, False, None, ()), NOW)

    state.remove_profile("amina")
    state.save_profile("amina", profile.portal_url, "fr", NOW)

    assert PortalMemory(state, profile).last_seen() is None
