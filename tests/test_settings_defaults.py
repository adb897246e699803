"""The default settings file ships inside the package and is read, never skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

import assistant
from assistant import settings as settings_module
from assistant.errors import ConfigInvalidError
from assistant.settings import DEFAULT_SETTINGS_FILE, Paths, load_settings


def test_the_default_settings_file_is_inside_the_package() -> None:
    package = Path(assistant.__file__).parent
    assert package / "defaults" / "default.toml" == DEFAULT_SETTINGS_FILE
    assert DEFAULT_SETTINGS_FILE.is_file()


def test_the_default_settings_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = tmp_path / "default.toml"
    defaults.write_text(
        DEFAULT_SETTINGS_FILE.read_text().replace(
            "check_interval_days = 7", "check_interval_days = 5"
        )
    )
    monkeypatch.setattr(settings_module, "DEFAULT_SETTINGS_FILE", defaults)

    assert load_settings(Paths(config_dir=tmp_path, data_dir=tmp_path)).check_interval_days == 5


def test_a_missing_default_settings_file_is_a_named_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "installed" / "assistant" / "defaults" / "default.toml"
    monkeypatch.setattr(settings_module, "DEFAULT_SETTINGS_FILE", missing)

    with pytest.raises(ConfigInvalidError) as raised:
        load_settings(Paths(config_dir=tmp_path, data_dir=tmp_path))

    assert raised.value.code == "config_invalid"
    assert raised.value.message == (
        f"The program's default settings file {missing} is missing: this installation is "
        "incomplete. Install ofpra-assistant again."
    )
