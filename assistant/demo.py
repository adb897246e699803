"""``ofpra-assistant demo``: a real check, in a real browser, against the bundled mock portal.

It uses a throwaway home folder and keyring service, so it never touches the person's own
profiles, and removes both when it ends.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from assistant.consent import make_consent
from assistant.credentials import CredentialStore
from assistant.environment import build_environment, utc_now
from assistant.i18n import Translator
from assistant.notifiers import dispatcher_for
from assistant.profiles import forget_profile, set_up_profile
from assistant.results import CheckResult
from assistant.runner import CheckRunner
from assistant.settings import Paths, load_settings
from assistant.state import StateStore

DEMO_PROFILE = "demo"
DEMO_KEYRING_SERVICE = "ofpra-assistant-demo"


@dataclass(frozen=True)
class DemoOutcome:
    scenario: str
    login_url: str
    result: CheckResult
    view_requests: list[dict[str, Any]]


def run_demo(
    scenario: str, language: str, console: TextIO, terminal: Translator | None = None
) -> DemoOutcome:
    """``language``: the throwaway account holder's, the alerts'; ``terminal``: the language
    of the lines around an alert printed on ``console``."""
    from fixtures.mock_portal import MockPortalServer

    home = Path(tempfile.mkdtemp(prefix="ofpra-assistant-demo-"))
    paths = Paths(config_dir=home, data_dir=home)
    paths.ensure()
    credentials = CredentialStore(DEMO_KEYRING_SERVICE)
    state = StateStore(paths.state_file)
    try:
        with MockPortalServer(scenario) as portal:
            account = portal.state.scenario
            env = build_environment(
                paths,
                load_settings(paths),
                console=console,
                state=state,
                credentials=credentials,
                dispatcher=dispatcher_for("auto", console, terminal=terminal),
            )
            now = utc_now()
            set_up_profile(
                state,
                credentials,
                profile=DEMO_PROFILE,
                portal_url=portal.login_url,
                language=language,
                identifier=account.identifier,
                password=account.password,
                consent=make_consent("Demo (mock portal)", "helper", language, now),
                now=now,
            )
            try:
                result = CheckRunner(env).check(DEMO_PROFILE)
            finally:
                forget_profile(state, credentials, paths, DEMO_PROFILE)
            view_requests = list(portal.log()["view_requests"])
            return DemoOutcome(scenario, portal.login_url, result, view_requests)
    finally:
        state.close()
        shutil.rmtree(home, ignore_errors=True)
