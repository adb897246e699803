"""An outcome is written whole or not at all: the check's record, its letters, the portal's shape
and its alerts in one transaction (assistant/recorder.py). No browser: a scripted reading."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import pytest

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.errors import BrowserUnavailableError
from assistant.notifiers import AlertDispatcher
from assistant.runner import CheckRunner, Environment
from assistant.settings import Settings
from assistant.state import Profile, StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from flows.check_flow import DocumentsReading
from flows.completeness import PortalShape
from flows.models import LetterKind, PortalLetter
from tests.conftest import IDENTIFIER, NOW, PASSWORD, FakeClock, RecordingNotifier

LETTER = PortalLetter(
    id="2026-11-21-decision",
    kind=LetterKind.DECISION,
    label="Décision",
    sender="OFPRA",
    made_available_on=date(2026, 11, 21),
    notified_on=date(2026, 11, 21),
    read=False,
    read_on=None,
    portal_remaining_days=10,
    portal_says_notified=False,
)
SHAPE = PortalShape(
    counters_shown=True, pager_shown=False, page_size=None, letters=("2026-11-21:decision",)
)


def read(
    browser: object, profile: Profile, credentials: Credentials, previous: object
) -> tuple[DocumentsReading, int, int]:
    return DocumentsReading([LETTER], "fr", True, shape=SHAPE), 0, 0


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Environment]:
    state = StateStore(tmp_path / "state.sqlite3")
    environment = Environment(
        settings=Settings(),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(None),  # type: ignore[arg-type]
    )
    state.save_profile("amina", "https://portal.example/ofpra/user/login", "en", NOW)
    state.record_consent("amina", make_consent("Amina", "holder", "en", NOW))
    environment.credentials.save("amina", Credentials(IDENTIFIER, PASSWORD))
    yield environment
    state.close()


def test_a_complete_reading_is_recorded_with_the_portal_shape(env: Environment) -> None:
    result = CheckRunner(env, reader=read).check("amina")

    assert result.ok, result.error
    assert [c.ok for c in env.state.checks("amina")] == [True]
    shape = env.state.portal_shape("amina")
    assert shape is not None and shape["letters"] == '["2026-11-21:decision"]'
    assert shape["seen_at"] == NOW.isoformat()


def test_the_portal_shape_not_written_leaves_nothing_of_the_check_written(
    env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(env.state, "save_portal_shape", full_disk)

    result = CheckRunner(env, reader=read).check("amina")

    # Neither the record, the letters nor the alert are in the state: the next check sees the
    # letter as new again, and the alert went out at once with the fault said.
    assert result.error is not None and result.error.code == "disk_full"
    assert env.state.checks("amina") == []
    assert env.state.last_successful_check("amina") is None
    assert [r.new for r in result.letters] == [True]
    assert [a.kind for a in result.alerts] == ["new_letter", "check_failed"]
    assert env.state.pending_deliveries(NOW, force=True) == []


def test_a_browser_handed_in_that_cannot_start_fails_each_profile_once_with_its_name(
    env: Environment,
) -> None:
    """The pool of one says a browser that did not start as the workers say it: each profile's
    check ends in the error, recorded once, and the source is asked once for the run."""
    env.state.save_profile("bilal", "https://portal.example/ofpra/user/login", "en", NOW)
    env.state.record_consent("bilal", make_consent("Bilal", "holder", "en", NOW))
    env.credentials.save("bilal", Credentials(IDENTIFIER, PASSWORD))
    asked: list[list[str]] = []

    def no_browser(settings: Settings, portals: list[str]) -> nullcontext[None]:
        asked.append(portals)
        raise BrowserUnavailableError("No browser was found.")

    env.browser_source = no_browser  # type: ignore[assignment]

    results = CheckRunner(env, reader=read).check_many(["amina", "bilal"])

    assert [r.error.code if r.error else None for r in results] == ["browser_unavailable"] * 2
    assert len(asked) == 1
    assert [c.error_code for c in env.state.checks("amina")] == ["browser_unavailable"]
    assert [c.error_code for c in env.state.checks("bilal")] == ["browser_unavailable"]
