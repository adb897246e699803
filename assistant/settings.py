"""Where the assistant keeps things, and its one settings model, validated at start.

Settings come from, lowest first: the defaults here, ``config/default.toml`` shipped with the
program, ``settings.toml`` in the home folder, and ``OFPRA_ASSISTANT_*`` environment variables.
They hold the keyring's service name, never a password.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import N_, ConfigInvalidError, UnsafeFolderError
from flows.portal_address import PortalAddressError, parse_portal_address

APP_NAME = "ofpra-assistant"
HOME_VARIABLE = "OFPRA_ASSISTANT_HOME"
ENV_PREFIX = "OFPRA_ASSISTANT_"
DEFAULT_SETTINGS_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"
GUIDE_PORTAL_URL = "https://www.usager.ofpra.gov.fr/ofpra/user/login"


@dataclass(frozen=True)
class Paths:
    """Every path the assistant writes, under one home folder (DESIGN.md)."""

    config_dir: Path
    data_dir: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Paths:
        environ = os.environ if environ is None else environ
        home = environ.get(HOME_VARIABLE)
        if home:
            root = Path(home).expanduser().resolve()
            return cls(config_dir=root, data_dir=root)
        import platformdirs

        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        )

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "state.sqlite3"

    @property
    def captures_dir(self) -> Path:
        return self.data_dir / "captures"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "assistant.log"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "agent.lock"

    @property
    def page_file(self) -> Path:
        """Where the running agent writes its page's address (assistant/page/server.py)."""
        return self.data_dir / "page.json"

    @property
    def page_key_file(self) -> Path:
        """The page's opener key, shared by the agent and ``open`` (assistant/page/tokens.py)."""
        return self.data_dir / "page.key"

    @property
    def page_opener_file(self) -> Path:
        """The one-time file that hands a token to the browser (assistant/page/tokens.py)."""
        return self.data_dir / "page-open.html"

    def ensure(self) -> None:
        """Create the folders, readable by their owner only; check those that exist."""
        # The home folders themselves may be links (a data folder moved elsewhere); the ones
        # inside are the assistant's own and never are.
        for folder in (self.config_dir, self.data_dir):
            private_folder(folder, allow_link=True)
        private_folder(self.log_file.parent)
        if os.path.lexists(self.captures_dir):
            check_own_folder(self.captures_dir)


def private_folder(folder: Path, *, allow_link: bool = False) -> Path:
    """``folder``, created (with the parents it lacks) readable by its owner only, or checked
    when it exists: an existing folder is never chmodded (the assistant may not have made it),
    and one that is a link, another user's or writable by everyone is refused."""
    missing: list[Path] = []
    existing = folder
    while not os.path.lexists(existing):
        missing.append(existing)
        existing = existing.parent
    if not missing:
        check_own_folder(folder, allow_link=allow_link)
    for created in reversed(missing):
        try:
            created.mkdir(mode=stat.S_IRWXU)
        except FileExistsError:  # made meanwhile by another process: check it as any other
            check_own_folder(created, allow_link=allow_link)
            continue
        created.chmod(stat.S_IRWXU)  # ours: exactly 0700, whatever the umask
    return folder


def check_own_folder(folder: Path, *, allow_link: bool = False) -> None:
    """Refuse a folder the assistant must not use: a symbolic link (never followed, by
    ``forget`` above all) or not a folder, another user's, or writable by everyone."""
    if (folder.is_symlink() and not allow_link) or not folder.is_dir():
        raise UnsafeFolderError(
            N_(
                "{path} is a symbolic link or a file, where the assistant expects a folder of "
                "its own: it will not follow it or write into it. Remove it (the assistant "
                "makes a new folder), then run the command again."
            ),
            path=str(folder),
        )
    if os.name != "posix":
        return  # Windows folders have no such mode bits; the user's profile protects them
    info = folder.stat()
    if info.st_uid != os.geteuid():
        raise UnsafeFolderError(
            N_(
                "The folder {path} belongs to another user of this computer, so the assistant "
                "will not keep anything in it. Set OFPRA_ASSISTANT_HOME to a folder of your own."
            ),
            path=str(folder),
        )
    if info.st_mode & stat.S_IWOTH:
        raise UnsafeFolderError(
            N_(
                "Every user of this computer can change the folder {path}, so the assistant "
                "will not keep anything in it. Remove that right (chmod o-w {path}) or set "
                "OFPRA_ASSISTANT_HOME to a folder of your own."
            ),
            path=str(folder),
        )


class BrowserSettings(BaseModel):
    model_config = {"extra": "forbid"}

    executable_path: str | None = None
    channel: Literal["chrome", "msedge", "chromium"] | None = None
    headless: bool = True
    timeout_seconds: float = Field(default=30, gt=0, le=300)
    #: How many profiles ``check --all`` and the agent check at a time, in one browser (never
    #: two sessions of one profile; at most this many logins at once to one portal).
    concurrency: int = Field(default=3, ge=1, le=8)


class AgentSettings(BaseModel):
    """How ``ofpra-assistant run`` paces itself (config/default.toml explains each one)."""

    model_config = {"extra": "forbid"}

    #: How often the agent compares the clock with what is due. Short, because the scheduler's
    #: own wait does not count time asleep (RECIPES.md).
    tick_seconds: int = Field(default=60, ge=1, le=3600)
    #: Daily things (the daily check while a letter waits, reminders, the repeated alarm) happen
    #: from this hour on, Paris time.
    morning_hour: int = Field(default=9, ge=0, le=23)
    #: No successful check for this many days: an alarm, every day until a check succeeds.
    alarm_after_days: int = Field(default=8, ge=2, le=30)
    #: Waits after consecutive failed checks; the last one repeats.
    retry_after_hours: list[float] = Field(default=[1, 4, 12], min_length=1)
    #: At most one automated login per profile in this many hours.
    min_hours_between_logins: float = Field(default=12, ge=0, le=168)
    #: A random delay, up to this many minutes, before each automated check.
    jitter_minutes: float = Field(default=30, ge=0, le=240)

    @field_validator("retry_after_hours")
    @classmethod
    def _positive(cls, hours: list[float]) -> list[float]:
        if any(h <= 0 or h > 168 for h in hours):
            raise ValueError("each wait must be more than 0 and at most 168 hours")
        return hours


class RetrySettings(BaseModel):
    """A check whose portal is unavailable (down, slow, in maintenance) tries again at once, a
    few times, waiting longer each time. A refused password is never tried again."""

    model_config = {"extra": "forbid"}

    attempts: int = Field(default=3, ge=1, le=5)
    #: The wait before the second attempt; it doubles before each next one.
    backoff_seconds: float = Field(default=10, ge=0, le=300)

    def backoff_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (2, 3, ...)."""
        return float(self.backoff_seconds * 2 ** (attempt - 2))


class PageSettings(BaseModel):
    """Where the agent serves the page (DESIGN.md, "The page")."""

    model_config = {"extra": "forbid"}

    #: S1: the page listens on this computer only; any other address is refused at start.
    address: str = "127.0.0.1"
    #: 0: any free port, chosen at start and written to the home folder for ``open``.
    port: int = Field(default=0, ge=0, le=65535)

    @field_validator("address")
    @classmethod
    def _loopback_only(cls, address: str) -> str:
        if address != "127.0.0.1":
            raise ValueError(
                "the page listens on 127.0.0.1 only, so that no other computer can reach it"
            )
        return address


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

    default_portal_url: str = GUIDE_PORTAL_URL
    keyring_service: str = Field(default=APP_NAME, min_length=1)
    check_interval_days: int = Field(default=7, ge=1, le=14)
    notifier: Literal["auto", "console"] = "auto"
    browser: BrowserSettings = BrowserSettings()
    agent: AgentSettings = AgentSettings()
    retry: RetrySettings = RetrySettings()
    page: PageSettings = PageSettings()
    #: Save a picture of the page a check failed on (every input field masked), for debugging.
    debug_screenshot: bool = False


def load_settings(paths: Paths) -> Settings:
    """Read and validate the settings; a bad value names its file (or variable) and field."""
    files = [f for f in (DEFAULT_SETTINGS_FILE, paths.settings_file) if f.is_file()]
    parsed = {f: _read_toml(f) for f in files}

    class _FromFiles(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, files))

    try:
        return _FromFiles()
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"])
            problems.append(f"'{field}' ({_origin(field, parsed)}): {item['msg']}")
        raise ConfigInvalidError(
            N_(
                "The settings are not valid: {problems}. Fix or remove that value "
                "(config/default.toml lists every setting with its default)."
            ),
            problems="; ".join(problems),
        ) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigInvalidError(
            N_(
                "The settings file {path} is not valid TOML ({error}). Fix it, or delete it to "
                "use the defaults."
            ),
            path=str(path),
            error=str(error),
        ) from None


def _origin(field: str, parsed: dict[Path, dict[str, Any]]) -> str:
    variable = ENV_PREFIX + field.upper().replace(".", "__")
    if variable in os.environ:
        return f"environment variable {variable}"
    for path in reversed(list(parsed)):
        node: Any = parsed[path]
        for part in field.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            return f"in {path}"
    return "default"


def check_portal_url(url: str) -> str:
    """The portal is given by its login page: https, or plain http on loopback only (the mock).
    Parsed as the browser parses it (flows/portal_address.py); the normalised address is kept."""
    try:
        address = parse_portal_address(url)
    except PortalAddressError as error:
        if error.reason in ("credentials", "trick"):
            raise ConfigInvalidError(
                N_(
                    "The portal address '{url}' holds a user name, a password, a backslash or a "
                    "hidden character, which can send the browser to another site. Type the "
                    "address of the portal's login page exactly as the browser shows it."
                ),
                url=url,
            ) from None
        if error.reason == "not_a_url":
            raise ConfigInvalidError(
                N_(
                    "'{url}' is not a web address. Give the address of the portal's login page, "
                    "for instance {example}"
                ),
                url=url,
                example=GUIDE_PORTAL_URL,
            ) from None
        address = None
    if address is not None and (
        address.origin.scheme == "https"
        or (address.origin.scheme == "http" and address.is_loopback)
    ):
        return address.url
    raise ConfigInvalidError(
        N_(
            "The portal address '{url}' must start with https:// (plain http is allowed only on "
            "this computer, for the mock portal). Check the address and run setup again."
        ),
        url=url,
    )
