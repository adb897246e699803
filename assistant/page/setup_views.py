"""Set up a person from the page (``/setup``): the terminal's wizard (assistant/cli_setup.py),
one question a screen, in the same order, with the same checks and words.

Every answer is checked at once, by the functions the terminal uses (profiles.py), and a
refusal says why in the page's language. The answers so far stay in this browser's page
session (``PageSession.setup``), never the password; nothing is written until the last
screen, which writes the profile, the keyring entry and the consent through ``set_up_profile``,
as ``setup`` does. A setup left half-way keeps nothing and can be started again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import quote

from flask import Blueprint, current_app, g, redirect, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from assistant.consent import consent_text, make_consent
from assistant.credentials import CredentialStore, CredentialStoreLike
from assistant.environment import utc_now
from assistant.errors import AssistantError, ConfigInvalidError
from assistant.i18n import LANGUAGES, RIGHT_TO_LEFT, Translator
from assistant.page.checks import CheckJobs
from assistant.page.language import LANGUAGE_OPTIONS, remember_language
from assistant.page.security import PageSession, csrf_token
from assistant.page.views import _frame
from assistant.page.words import HTML_LANG, Words, isolate, page_language
from assistant.profiles import (
    check_identifier,
    check_new_password,
    check_person_name,
    identifier_doubt,
    profile_name_answer,
    profiles_set_up,
    proposed_profile_name,
    set_up_profile,
)
from assistant.settings import Paths, Settings, check_portal_url, load_settings
from assistant.state import StateStore

log = logging.getLogger(__name__)
setup_blueprint = Blueprint("setup", __name__)


@dataclass
class SetupDraft:
    """The answers given so far, in the terminal's order. Never the password: it goes from the
    last form straight to the keyring."""

    #: The language of the questions (the page's, once chosen).
    ui_language: str | None = None
    profile: str | None = None
    #: The volunteer confirmed replacing the profile of that name, told whose it is.
    replace: bool = False
    #: A taken name, waiting for that confirmation.
    taken: str | None = None
    role: str | None = None
    #: The account holder's language: the alerts'.
    language: str | None = None
    given_by: str | None = None
    holder_name: str | None = None
    consented: bool = False
    portal_url: str | None = None
    identifier: str | None = None
    #: An identifier that may be mistyped, shown in full until it is confirmed.
    doubtful: str | None = None

    def step(self) -> str:
        if self.ui_language is None:
            return "language"
        if self.taken is not None:
            return "replace"
        if self.profile is None:
            return "name"
        if self.role is None:
            return "whose"
        if self.language is None:
            return "holder_language"
        if not self.consented:
            return "consent"
        if self.portal_url is None:
            return "portal"
        if self.doubtful is not None:
            return "identifier_confirm"
        if self.identifier is None:
            return "identifier"
        return "password"


@dataclass
class Choice:
    value: str
    label: Markup
    checked: bool = False
    #: The choice's own language (a language named in its own words).
    lang: str | None = None


@dataclass
class InputField:
    name: str
    label: Markup
    kind: str = "text"
    value: str = ""
    autocomplete: str = "off"


@dataclass
class ConsentBlock:
    lang: str
    direction: str
    lines: list[str]


@dataclass
class Screen:
    """One question of the setup, as the template shows it."""

    step: str
    paragraphs: list[Markup] = field(default_factory=list)
    consent: list[ConsentBlock] = field(default_factory=list)
    fields: list[InputField] = field(default_factory=list)
    legend: Markup | str | None = None
    choices: list[Choice] = field(default_factory=list)
    #: The form field the choices answer.
    choice_name: str = "answer"
    #: Why the last answer was refused, in the page's language.
    refusal: str | None = None


class Refused(Exception):
    """An answer refused, with why (already in the page's language)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _session() -> PageSession:
    session: PageSession = g.page_session
    return session


def _settings() -> Settings:
    paths: Paths = current_app.extensions["page_paths"]
    settings: Settings | None = current_app.extensions["page_settings"]
    return settings if settings is not None else load_settings(paths)


def _credentials() -> CredentialStoreLike:
    """The OS keyring of this home folder, as the terminal's setup uses it; tests may give
    another store behind the same Protocol."""
    given: CredentialStoreLike | None = current_app.extensions.get("page_credentials")
    if given is not None:
        return given
    paths: Paths = current_app.extensions["page_paths"]
    return CredentialStore(_settings().keyring_service, home=paths.data_dir)


def _existing() -> dict[str, str]:
    """The profiles set up here, each with whose account it is (read anew for each answer)."""
    paths: Paths = current_app.extensions["page_paths"]
    if not paths.state_file.exists():
        return {}
    state = StateStore.open(paths.state_file)
    try:
        return profiles_set_up(state, _credentials())
    finally:
        state.close()


def _words() -> Words:
    asked = request.args.get("lang")
    return Words(page_language(asked if asked in LANGUAGES else None))


@setup_blueprint.get("/setup")
def setup_page() -> str:
    """The current question (the first one when no setup is under way). Changes nothing."""
    draft = _session().setup or SetupDraft()
    return _render(_words(), draft)


@setup_blueprint.post("/setup")
def answer() -> Response | tuple[str, int]:
    """One answer: ``step`` names the question it answers. A refused answer shows the same
    question again with why (422); an answer to another question than the current one (an old
    tab) changes nothing."""
    session = _session()
    draft = session.setup or SetupDraft()
    step = draft.step()
    if request.form.get("step") != step:
        return redirect("/setup", code=303)
    w = _words()
    if step == "password":
        return _finish(w, draft)
    try:
        updated = ANSWERS[step](draft, w)
    except Refused as refused:
        return _render(w, draft, refused.reason), 422
    if updated is None:
        # The holder did not agree: nothing is kept, as the terminal says.
        session.setup = None
        return render_template(
            "setup_stopped.html",
            title=w.frame["setup"],
            text=w._("Nothing was stored."),
            **_frame(w, "setup", None),
        ), 200
    session.setup = updated
    return redirect("/setup", code=303)


@setup_blueprint.post("/setup/restart")
def restart() -> Response:
    """Forget the answers so far (nothing was written) and ask the first question again."""
    _session().setup = None
    return redirect("/setup", code=303)


def _language(draft: SetupDraft, w: Words) -> SetupDraft:
    code = request.form.get("language", "")
    if code not in LANGUAGES:
        raise Refused(w._("Choose one of the languages."))
    # The questions are in the page's language: choosing one chooses the page's.
    remember_language(code)
    return replace(draft, ui_language=code)


def _name(draft: SetupDraft, w: Words) -> SetupDraft:
    try:
        name, taken_by = profile_name_answer(request.form.get("profile", ""), _existing())
    except ConfigInvalidError as error:
        raise Refused(w.t.error(error)) from None
    if taken_by is not None:
        return replace(draft, taken=name, profile=None, replace=False)
    return replace(draft, profile=name, replace=False)


def _replace(draft: SetupDraft, w: Words) -> SetupDraft:
    if request.form.get("answer") == "yes":
        return replace(draft, profile=draft.taken, taken=None, replace=True)
    if request.form.get("answer") == "no":
        return replace(draft, taken=None, profile=None, replace=False)
    raise Refused(w._("Choose one of the answers."))


def _whose(draft: SetupDraft, w: Words) -> SetupDraft:
    answer = request.form.get("answer")
    if answer == "own":
        # Their own account: the alerts are in the language they chose for the questions.
        return replace(draft, role="holder", language=draft.ui_language)
    if answer == "helper":
        return replace(draft, role="helper", language=None)
    raise Refused(w._("Choose one of the answers."))


def _holder_language(draft: SetupDraft, w: Words) -> SetupDraft:
    code = request.form.get("language", "")
    if code not in LANGUAGES:
        raise Refused(w._("Choose one of the languages."))
    return replace(draft, language=code)


def _consent(draft: SetupDraft, w: Words) -> SetupDraft | None:
    answer = request.form.get("answer")
    if answer == "no":
        return None
    if answer != "yes":
        raise Refused(w._("Choose one of the answers."))
    try:
        if draft.role == "holder":
            given_by = check_person_name(request.form.get("given_by", ""))
            return replace(draft, given_by=given_by, holder_name=None, consented=True)
        holder_name = check_person_name(request.form.get("holder_name", ""))
        given_by = check_person_name(request.form.get("given_by", ""))
    except ConfigInvalidError as error:
        raise Refused(w.t.error(error)) from None
    return replace(draft, given_by=given_by, holder_name=holder_name, consented=True)


def _portal(draft: SetupDraft, w: Words) -> SetupDraft:
    typed = request.form.get("portal_url", "").strip() or _settings().default_portal_url
    try:
        return replace(draft, portal_url=check_portal_url(typed))
    except ConfigInvalidError as error:
        raise Refused(w.t.error(error)) from None


def _identifier(draft: SetupDraft, w: Words) -> SetupDraft:
    try:
        identifier = check_identifier(request.form.get("identifier", ""))
    except ConfigInvalidError as error:
        raise Refused(w.t.error(error)) from None
    if identifier_doubt(identifier) is None:
        return replace(draft, identifier=identifier, doubtful=None)
    return replace(draft, doubtful=identifier, identifier=None)


def _identifier_confirm(draft: SetupDraft, w: Words) -> SetupDraft:
    if request.form.get("answer") == "yes":
        return replace(draft, identifier=draft.doubtful, doubtful=None)
    if request.form.get("answer") == "no":
        return replace(draft, doubtful=None, identifier=None)
    raise Refused(w._("Choose one of the answers."))


ANSWERS: dict[str, Callable[[SetupDraft, Words], SetupDraft | None]] = {
    "language": _language,
    "name": _name,
    "replace": _replace,
    "whose": _whose,
    "holder_language": _holder_language,
    "consent": _consent,
    "portal": _portal,
    "identifier": _identifier,
    "identifier_confirm": _identifier_confirm,
}


def _finish(w: Words, draft: SetupDraft) -> Response | tuple[str, int]:
    """The password, checked, then everything written at once through ``set_up_profile``;
    then the first check, as the terminal's setup runs it."""
    session = _session()
    assert draft.profile and draft.role and draft.language and draft.given_by
    assert draft.portal_url and draft.identifier
    try:
        password = check_new_password(
            request.form.get("password", ""), request.form.get("password_again", "")
        )
    except ConfigInvalidError as error:
        return _render(w, draft, w.t.error(error)), 422
    if not draft.replace and draft.profile in _existing():
        # Set up meanwhile (another tab, the terminal): never replaced without asking.
        session.setup = replace(draft, taken=draft.profile, profile=None)
        return redirect("/setup", code=303)
    paths: Paths = current_app.extensions["page_paths"]
    clock: Callable[[], datetime] = current_app.extensions.get("page_clock", utc_now)
    now = clock()
    state = StateStore.open(paths.state_file)
    try:
        done = set_up_profile(
            state,
            _credentials(),
            profile=draft.profile,
            portal_url=draft.portal_url,
            language=draft.language,
            identifier=draft.identifier,
            password=password,
            consent=make_consent(
                draft.given_by, draft.role, draft.language, now, holder_name=draft.holder_name
            ),
            now=now,
            replace=draft.replace,
            paths=paths,
        )
    except AssistantError as error:
        # A keyring that is locked or missing: said, with what to do; the answers are kept.
        return _render(w, draft, w.t.error(error)), 422
    finally:
        state.close()
    session.setup = None
    log.info("the page set up the profile %s", done.profile)
    # The first check at once, as the terminal's setup runs it; its steps as they happen.
    checks: CheckJobs = current_app.extensions["page_checks"]
    checks.start([done.profile])
    # Its steps and result in the language the setup spoke (the terminal's first check speaks
    # the questions' language too); the person's own page stays in theirs.
    return redirect(f"/profiles/{quote(done.profile)}/check?lang={w.language}", code=303)


# The screens ------------------------------------------------------------------------------------


def _language_choices(selected: str) -> list[Choice]:
    return [
        Choice(
            option.code, Markup("{}").format(option.name), option.code == selected, option.html_lang
        )
        for option in LANGUAGE_OPTIONS
    ]


def _yes_no(w: Words, yes: Markup, no: Markup, default_yes: bool) -> list[Choice]:
    return [Choice("yes", yes, default_yes), Choice("no", no, not default_yes)]


def _consent_block(language: str) -> ConsentBlock:
    t = Translator(language)
    return ConsentBlock(
        HTML_LANG.get(t.language, t.language),
        "rtl" if t.language in RIGHT_TO_LEFT else "ltr",
        consent_text(t).split("\n"),
    )


def screen(w: Words, draft: SetupDraft) -> Screen:
    """The current question of ``draft``, in the words of ``w`` (the page's language)."""
    step = draft.step()
    if step == "language":
        # The terminal's own first question, in two languages for whoever reads it.
        return Screen(
            step,
            legend="Language / Langue:",
            choices=_language_choices(w.language),
            choice_name="language",
        )
    if step == "name":
        existing = _existing()
        return Screen(
            step,
            paragraphs=[
                w._(
                    "Each profile has a name. Messages to a helper name the profile, so it should "
                    "not be the person's name: the proposed one is fine. Allowed: up to 40 letters "
                    "(a to z), digits, '-', '_' or '.'."
                )
            ],
            fields=[
                InputField(
                    "profile", w._("Name of this profile"), value=proposed_profile_name(existing)
                )
            ],
        )
    if step == "replace":
        who = _existing().get(draft.taken or "", "?")
        return Screen(
            step,
            paragraphs=[
                w._(
                    "The profile '{profile}' is already set up, for {who}.",
                    profile=isolate(draft.taken),
                    who=isolate(who),
                )
            ],
            legend=w._(
                "Replace it? If the new account is another one, everything the profile knew of the "
                "old one is removed: letters, reminders, calendar, channels."
            ),
            choices=_yes_no(w, w._("Yes, replace it"), w._("No, choose another name"), False),
        )
    if step == "whose":
        return Screen(
            step,
            legend=w._("Is this your own OFPRA account?"),
            choices=[
                Choice("own", w._("Yes"), True),
                Choice("helper", w._("No, I help the account holder")),
            ],
        )
    if step == "holder_language":
        return Screen(
            step,
            legend=w._("Which language does the account holder read? The alerts will be in it."),
            choices=_language_choices(w.language),
            choice_name="language",
        )
    if step == "consent":
        own = draft.role == "holder"
        holder = draft.language or w.language
        blocks = [_consent_block(holder)]
        if holder != w.language:
            blocks.append(_consent_block(w.language))
        fields = (
            [InputField("given_by", w._("Your name:"), autocomplete="name")]
            if own
            else [
                InputField("holder_name", w._("Name of the account holder:")),
                InputField("given_by", w._("Your name (you help the account holder):")),
            ]
        )
        return Screen(
            step,
            paragraphs=[] if own else [w._("Read this to the account holder, or show it to them:")],
            consent=blocks,
            fields=fields,
            legend=w._("Do you agree?") if own else w._("Does the account holder agree?"),
            choices=_yes_no(w, w._("Yes"), w._("No"), False),
        )
    if step == "portal":
        return Screen(
            step,
            fields=[
                InputField(
                    "portal_url",
                    w._("Address of the portal's login page"),
                    kind="url",
                    value=_settings().default_portal_url,
                )
            ],
        )
    if step == "identifier":
        return Screen(
            step, fields=[InputField("identifier", w._("AGDREF number or OFPRA file number"))]
        )
    if step == "identifier_confirm":
        doubt = identifier_doubt(draft.doubtful or "") or ""
        return Screen(
            step,
            # Shown in full here only, to the person who just typed it (as the terminal does).
            paragraphs=[
                w._("You typed: {identifier}", identifier=isolate(draft.doubtful)),
                w._(doubt),
            ],
            legend=w._("Is it right?"),
            choices=_yes_no(w, w._("Yes, it is right"), w._("No, type it again"), False),
        )
    return Screen(
        step,
        paragraphs=[
            w._(
                "Nothing is stored until this last step. The password goes straight to this "
                "computer's keyring: it is never shown again."
            )
        ],
        fields=[
            InputField(
                "password", w._("Password of the OFPRA account"), "password", "", "new-password"
            ),
            InputField(
                "password_again", w._("Type the password again"), "password", "", "new-password"
            ),
        ],
    )


def _render(w: Words, draft: SetupDraft, refusal: str | None = None) -> str:
    shown = screen(w, draft)
    shown.refusal = refusal or None
    return render_template(
        "setup.html",
        title=w.frame["setup"],
        heading=w.frame["setup"],
        screen=shown,
        csrf=csrf_token(),
        started=_session().setup is not None,
        labels={"continue": w._("Continue"), "restart": w._("Start again")},
        **_frame(w, "setup", None),
    )
