"""Every text in every language: complete catalogs, matching placeholders, valid plural forms,
and alerts that render in each language (and reach a real notification daemon intact)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from assistant.alerts import letter_alerts
from assistant.deadlines import deadlines_for
from assistant.i18n import LANGUAGES, LOCALE_DIR, RLM, Translator, system_language
from assistant.notifiers import dispatcher_for
from assistant.results import LetterReport
from fixtures.desktop_session import DesktopSession
from flows.models import LetterKind, PortalLetter

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "ofpra_assistant.po").open("rb") as file:
        return read_po(file, locale=language)


def forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def messages(language: str) -> list[Message]:
    return [m for m in catalog(language) if m.id]


def test_the_template_holds_every_message_of_the_code() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "catalogs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_message_is_translated(language: str) -> None:
    with (LOCALE_DIR / "ofpra_assistant.pot").open("rb") as file:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id}
    found = messages(language)

    assert {m.id if isinstance(m.id, str) else m.id[0] for m in found} == wanted
    untranslated = [forms(m.id)[0] for m in found if m.fuzzy or not all(forms(m.string))]
    if language != "en":
        # An English copy is not a translation (patterns such as "{kind} ({label})" aside).
        untranslated += [
            forms(m.id)[0]
            for m in found
            if forms(m.string) == forms(m.id)[: len(forms(m.string))]
            and re.search("[a-z]{3}", PLACEHOLDER.sub("", forms(m.id)[0]))
        ]
    assert untranslated == []


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_placeholders_match_the_source(language: str) -> None:
    wrong = []
    for message in messages(language):
        wanted = set(PLACEHOLDER.findall(" ".join(forms(message.id))))
        for text in forms(message.string):
            if text and set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((forms(message.id)[0], text))
    assert wrong == []


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_plural_forms_are_valid_for_the_language(language: str) -> None:
    found = catalog(language)

    assert found.num_plurals == get_plural(language).num_plurals, found.plural_forms
    for message in found:
        if message.id and message.pluralizable:
            assert len(forms(message.string)) == found.num_plurals, message.id


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_catalog_asks_for_a_native_speakers_review(language: str) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "ofpra_assistant.po"

    assert "NEEDS REVIEW BY A NATIVE SPEAKER" in path.read_text(encoding="utf-8")


def unread_decision() -> LetterReport:
    letter = PortalLetter(
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
    return LetterReport(letter, deadlines_for(letter, date(2026, 11, 26)), new=True)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_an_alert_renders_in_every_language(language: str) -> None:
    t = Translator(language)
    [alert] = letter_alerts([unread_decision()], t, "default")

    assert "Décision" in alert.title, "the portal's own name stays beside the translated kind"
    assert t.date(date(2026, 12, 5)) in alert.body
    if language != "en":
        assert "New letter" not in alert.title
        assert "Open it" not in alert.body
    if t.right_to_left:
        assert alert.title.startswith(RLM)
        assert f"{RLM}{t.date(date(2026, 12, 5))}{RLM}" in alert.body
    assert not {"\u2066", "\u2067", "\u2068", "\u2069"} & set(alert.title + alert.body)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 день"), (3, "3 дня"), (5, "5 дней"), (21, "21 день")],
)
def test_russian_day_counts_use_the_right_plural(count: int, expected: str) -> None:
    t = Translator("ru")
    text = t.ngettext(
        "Open it on the OFPRA website by {date}: {count} day left.",
        "Open it on the OFPRA website by {date}: {count} days left.",
        count,
        date="5 декабря 2026 г.",
    )

    assert expected in text


def test_haitian_creole_dates_have_month_names() -> None:
    assert Translator("ht").date(date(2026, 12, 5)) == "5 desanm 2026"


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "uk_UA.UTF-8"}, "uk"),
        ({"LANG": "fa_AF.UTF-8"}, "fa_AF"),
        ({"LANGUAGE": "ps:en", "LANG": "en_US.UTF-8"}, "ps"),
        ({"LANG": "de_DE.UTF-8"}, "fr"),
        ({"LANG": "C.UTF-8"}, "fr"),
        ({}, "fr"),
    ],
)
def test_default_language_is_the_systems_when_there_is_a_catalog_else_french(
    environ: dict[str, str], language: str
) -> None:
    assert system_language(environ) == language


@pytest.mark.desktop
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_translated_alert_reaches_the_notification_daemon_intact(
    language: str, desktop: DesktopSession
) -> None:
    [alert] = letter_alerts([unread_decision()], Translator(language), "default")

    assert dispatcher_for("auto", io.StringIO()).deliver(alert) == "desktop"

    shown = desktop.notification_history()[-1]
    assert (shown["summary"], shown["body"]) == (alert.title, alert.body)


def test_a_catalog_that_was_never_compiled_is_compiled_when_loaded(tmp_path: Path) -> None:
    from assistant.i18n import _catalog

    source = LOCALE_DIR / "uk" / "LC_MESSAGES" / "ofpra_assistant.po"
    target = tmp_path / "uk" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "ofpra_assistant.po").write_bytes(source.read_bytes())

    loaded = _catalog("uk", tmp_path)

    assert not (target / "ofpra_assistant.mo").exists()
    assert loaded.gettext("Yes") != "Yes"
    assert loaded.gettext("Yes") == Translator("uk")._("Yes")


@pytest.mark.parametrize(
    ("language", "label", "name"),
    [
        ("fr", "Décision", "Décision"),
        ("en", "Décision", "Decision (Décision)"),
        ("fr", "Convocation", "Convocation à l'entretien (Convocation)"),
        ("fr", "Attestation de dépôt", "Attestation de dépôt"),
    ],
)
def test_letter_name_keeps_the_portals_label_and_never_says_it_twice(
    language: str, label: str, name: str
) -> None:
    from dataclasses import replace

    from assistant.alerts import letter_name
    from flows.table_parser import kind_of

    letter = replace(unread_decision().letter, label=label, kind=kind_of(label))

    assert letter_name(letter, Translator(language)) == name


def test_a_link_in_a_right_to_left_message_has_no_mark_glued_to_it() -> None:
    # A mark next to a link becomes part of it in a phone's or a mail reader's eyes.
    from assistant.i18n import RLM, Translator, Unmarked

    url = "https://www.usager.ofpra.gov.fr/ofpra/user/login"
    text = Translator("ar")._("Open your OFPRA account: {url}", url=Unmarked(url))

    assert text.endswith(url) and f"{RLM}{url}" not in text and f"{url}{RLM}" not in text
    assert f"{RLM}x{RLM}" in Translator("ar")._("Open your OFPRA account: {url}", url="x")
