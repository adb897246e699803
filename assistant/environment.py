"""Everything a check touches, built in one place for the CLI, the agent and the capture command.

httpie's ``Environment``: the clock, the state, the credential store, the delivery targets, the
browser and the folders are passed in, so tests swap a fake clock and a recording notifier in,
and nothing can be forgotten on one path (the agent once built its own without ``captures_dir``,
and its checks saved no outline). ``build_environment`` is the one factory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from assistant.browser_pool import BrowserPoolSource, BrowserSource, on_this_thread
from assistant.credentials import CredentialStore, CredentialStoreLike
from assistant.errors import N_, AssistantError, PortalUnavailableError
from assistant.notifiers import AlertDispatcher, dispatcher_for
from assistant.progress import Progress, no_progress
from assistant.settings import Paths, Settings
from assistant.state import StateStore

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from assistant.i18n import Translator
    from assistant.outbox import DeliveryTarget


def utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def launch_for_hosts(settings: Settings, portal_urls: list[str]) -> Iterator[Browser]:
    """The browser a check uses: started here, closed at the end, whatever happens."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from flows.launch import launch_browser

    try:
        with sync_playwright() as playwright:
            browser = launch_browser(
                playwright,
                portal_urls,
                executable_path=settings.browser.executable_path,
                channel=settings.browser.channel,
                headless=settings.browser.headless,
            )
            try:
                yield browser
            finally:
                browser.close()
    except PlaywrightError as error:
        raise PortalUnavailableError(
            N_("The browser stopped unexpectedly ({detail})."),
            detail=str(error).strip().splitlines()[0] if str(error).strip() else "",
        ) from None


@dataclass
class Environment:
    """Everything a check touches, passed in so that tests can swap the clock and notifiers."""

    settings: Settings
    state: StateStore
    credentials: CredentialStoreLike
    #: The local delivery target: the desktop, else the terminal.
    dispatcher: AlertDispatcher
    clock: Callable[[], datetime] = field(default=utc_now)
    #: Where the browser comes from; tests hand in pytest-playwright's.
    browser_source: BrowserSource = field(default=launch_for_hosts)
    #: Worker threads sharing one Playwright driver and browser (``assistant.pool``), several
    #: profiles at a time; None: ``browser_source``'s, on this thread, a pool of one (a browser
    #: handed in belongs to its thread). Either way a check takes the same path (``pool_source``).
    browser_pool: BrowserPoolSource | None = None
    #: Waits between the attempts of a check; tests record instead of sleeping.
    sleep: Callable[[float], None] = field(default=time.sleep)
    #: Where redacted outlines of unrecognised pages go (``Paths.captures_dir``); None: nowhere.
    captures_dir: Path | None = None
    #: Where the per-profile portal-session locks live; None: a folder beside the state file.
    locks_dir: Path | None = None
    #: More delivery targets (remote channels), each recording its own delivery of each alert;
    #: one with a ``profile`` gets that profile's alerts only.
    channels: list[DeliveryTarget] = field(default_factory=list)
    #: Reads a profile's channels when its alerts first need them (``build_environment``: from
    #: the keyring). Read then, not before: most commands never deliver, and a home with no
    #: channels costs one keyring look-up per profile delivering, nothing more.
    channel_source: Callable[[str], list[DeliveryTarget]] | None = None
    #: Told each step of a check as it starts (a check by hand shows them; the agent's are quiet).
    progress: Progress = field(default=no_progress)
    #: Whether an agent runs for this home folder: who tries again after a check by hand fails.
    agent_running: Callable[[], bool] = field(default=lambda: False)
    #: Profiles whose channels could not be read, and why (the CLI says it after a check).
    channel_faults: list[tuple[str, AssistantError]] = field(default_factory=list)

    _read_channels: dict[str, list[DeliveryTarget]] = field(
        default_factory=dict, init=False, repr=False
    )
    _reading: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def targets_for(self, profile: str) -> list[DeliveryTarget]:
        """Where an alert of ``profile`` goes: the local target first, then the profile's own
        channels, never another profile's. A home-wide alert (profile "") goes to the local
        target only: it is about this computer's files, which the person at it can see to."""
        from assistant.outbox import targets_of

        own = targets_of(self.channels, profile) if profile else []
        return [self.dispatcher, *own, *self._channels_of(profile)]

    @property
    def targets(self) -> list[DeliveryTarget]:
        """Every target a delivery waiting in the outbox may need: the local one first, the
        channels given, and those of each profile with a delivery waiting for a channel."""
        waiting = set()
        try:
            for item in self.state.pending_deliveries(self.clock(), force=True):
                if item.target.startswith("channel:") and item.profile:
                    waiting.add(item.profile)
        except Exception as error:  # the outbox itself unreadable: the runner says so
            log.warning("the outbox could not be read: %s", error)
        read = [t for name in sorted(waiting) for t in self._channels_of(name)]
        return [self.dispatcher, *self.channels, *read]

    def _channels_of(self, profile: str) -> list[DeliveryTarget]:
        """The profile's channels from ``channel_source``, read once. A fault reading them
        (the keyring locked, a damaged entry) is logged and kept in ``channel_faults``: the
        alerts still go to the local target."""
        if not profile or self.channel_source is None:
            return []
        with self._reading:
            if profile not in self._read_channels:
                try:
                    self._read_channels[profile] = self.channel_source(profile)
                except Exception as error:
                    from assistant.errors import as_assistant_error

                    fault = as_assistant_error(error)
                    log.warning(
                        "the alert channels of %s could not be read: %s: %s",
                        profile,
                        fault.code,
                        fault.message,
                    )
                    self.channel_faults.append((profile, fault))
                    self._read_channels[profile] = []
            return self._read_channels[profile]

    def pool_source(self) -> BrowserPoolSource:
        """Where a run of checks gets its browsers: always a pool (``assistant.browser_pool``)."""
        return self.browser_pool or on_this_thread(self.browser_source)

    @property
    def session_locks_dir(self) -> Path:
        return self.locks_dir if self.locks_dir is not None else self.state.path.parent / "locks"


def build_environment(
    paths: Paths,
    settings: Settings,
    *,
    console: TextIO | None,
    console_reaches_someone: bool = True,
    state: StateStore | None = None,
    credentials: CredentialStoreLike | None = None,
    dispatcher: AlertDispatcher | None = None,
    clock: Callable[[], datetime] = utc_now,
    browser_source: BrowserSource = launch_for_hosts,
    sleep: Callable[[float], None] = time.sleep,
    browser_pool: BrowserPoolSource | None = None,
    terminal: Translator | None = None,
) -> Environment:
    """The one factory: every path comes from ``paths``, so no caller can leave one out.

    ``console_reaches_someone``: whether an alert printed on ``console`` is seen (a terminal, or
    the output of a check a person or a script ran); the agent in the background says no, so
    its alerts wait for the desktop instead of counting as delivered. ``terminal``: the
    language of whoever reads ``console`` (the alerts themselves keep their holder's).
    """
    env = Environment(
        settings=settings,
        state=state if state is not None else StateStore.open(paths.state_file),
        credentials=credentials
        if credentials is not None
        else CredentialStore(settings.keyring_service, home=paths.data_dir),
        dispatcher=dispatcher
        if dispatcher is not None
        else dispatcher_for(
            settings.notifier,
            console,
            console_counts=console_reaches_someone,
            terminal=terminal,
        ),
        clock=clock,
        browser_source=browser_source,
        sleep=sleep,
        captures_dir=paths.captures_dir,
        locks_dir=paths.data_dir / "locks",
        browser_pool=browser_pool or _real_pool(browser_source),
    )
    env.channel_source = _keyring_channels(env)
    if env.state.recovered_from is not None and not env.state.damage_announced:
        announce_damage(env)
    return env


def _keyring_channels(env: Environment) -> Callable[[str], list[DeliveryTarget]]:
    """A profile's channels, as the keyring keeps them (none under an older consent)."""

    def read(profile: str) -> list[DeliveryTarget]:
        # A profile without channels costs this one look-up, and no import: channels.py only
        # when there are some, Apprise only when one sends (it costs about a second).
        if env.state.profile(profile) is None or not env.credentials.load_channels(profile):
            return []  # no such profile (a typo): not even the keyring is asked
        from assistant.channels import ChannelStore, channel_targets

        return list(channel_targets(ChannelStore(env.credentials), env.state, profile, env.clock))

    return read


def _real_pool(browser_source: BrowserSource) -> BrowserPoolSource | None:
    """The real browser: one driver shared by worker threads; one handed in (a test's) stays on
    its own thread."""
    if browser_source is not launch_for_hosts:
        return None
    from assistant.pool import driver_pool

    return driver_pool


def announce_damage(env: Environment) -> None:
    """A damaged state file was kept aside: say so in an alert (through the outbox, so it goes
    out with the next delivery, and joins that check's alerts)."""
    from assistant.i18n import Translator, system_language
    from assistant.results import Alert

    t = Translator(system_language())
    alert = Alert(
        kind="state_damaged",
        title=t.paragraph(t._("The assistant's memory of your letters was damaged")),
        body=t.paragraph(
            t._(
                "The state file was damaged. It was kept as {path}, and what could be read "
                "from it was copied into a new one.",
                path=str(env.state.recovered_from),
            )
        ),
        urgent=True,
        language=t.language,
    )
    targets = env.targets_for("")
    env.state.enqueue_alerts("", [alert], [target.name for target in targets], env.clock())
    env.state.damage_announced = True
