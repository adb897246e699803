"""The first check of a profile, at once, at the end of ``setup`` (and of any command that stores
credentials): the person sees it work, or a named error with what to do, before they leave.

Its progress goes to standard error, as ``check``'s does; its result to standard output, unless
the caller prints JSON. The profile stays saved whatever the check finds: the portal may be down
for an hour, and the agent tries again on its own schedule.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.environment import Environment
    from assistant.i18n import Translator
    from assistant.results import CheckResult
    from assistant.settings import Paths


def first_check(
    paths: Paths, env: Environment, profile: str, t: Translator, *, show_result: bool = True
) -> CheckResult:
    """Check ``profile`` now, in ``t``'s language (whoever sits at the terminal), and return
    the result; with ``show_result``, print it and, on failure, that the profile is kept."""
    from assistant.agent_lock import agent_running
    from assistant.cli_context import launch_early, progress_on_stderr
    from assistant.cli_output import render_check
    from assistant.pool import EarlyPool
    from assistant.runner import CheckRunner

    print(
        t._("First check of the account, now (it takes a minute or two):"),
        file=sys.stderr,
        flush=True,
    )
    # Node.js and Chromium start while the runner reads the state and the keyring.
    browsers = EarlyPool()
    try:
        launch_early(env, [profile], browsers)
        env.progress = progress_on_stderr(t)
        env.agent_running = lambda: agent_running(paths)
        env.browser_pool = browsers.open
        result = CheckRunner(env).check_many([profile])[0]
        if show_result:
            print(render_check(result, t), flush=True)
            if result.error is not None:
                print(
                    t._(
                        "The profile '{profile}' is saved all the same. Do what the message "
                        "says, then run 'ofpra-assistant check --profile {profile}'.",
                        profile=profile,
                    ),
                    flush=True,
                )
        return result
    finally:
        browsers.close()
