"""The wheel as a volunteer installs it: built from a clean copy of the source (no compiled
catalog, no stale build), installed into a fresh virtual environment with only its runtime
dependencies (pinned by the lock), and run from outside the checkout: ``--version``, ``doctor
--json`` and ``demo`` in a private desktop session, with the Debian Chromium.

About two minutes on two quiet cores (mostly pip installing Playwright and the rest): select it
with ``-m wheel``, leave it out with ``-m "not wheel"``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.desktop_session import DesktopSession
from tests.conftest import assistant_env

pytestmark = [pytest.mark.wheel, pytest.mark.desktop, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
#: What a checkout holds that a clean one does not: the build's leftovers and compiled catalogs.
NOT_IN_A_CLEAN_CHECKOUT = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.mo", ".*_cache", ".demo-home"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_IN_A_CLEAN_CHECKOUT)
    # Built as pip builds it for a person: its own requirements (setuptools, babel) isolated.
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
    subprocess.run(
        [*build, "-w", str(work / "dist"), str(source)],
        check=True,
        timeout=300,
    )
    (built,) = (work / "dist").glob("ofpra_assistant-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Iterator[Path]:
    """A fresh virtual environment with the wheel and its runtime dependencies only."""
    folder = wheel.parent.parent / "venv"
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--no-compile"]
    subprocess.run(
        [*pip, "-c", str(ROOT / "requirements.lock"), str(wheel)],
        check=True,
        timeout=600,
    )
    yield folder


def test_the_wheel_holds_the_program_and_no_test_code(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if ".dist-info/" not in name}

    assert top_level == {"assistant", "flows", "fixtures"}
    assert "assistant/defaults/default.toml" in names
    catalogs = sorted(n for n in names if n.endswith(".mo"))
    assert len(catalogs) == 11
    assert "assistant/locale/fa_AF/LC_MESSAGES/ofpra_assistant.mo" in catalogs
    assert "fixtures/mock_portal/app.py" in names
    assert "fixtures/mock_portal/templates/documents.html" in names
    assert "fixtures/mock_portal/scenarios/mixed.json" in names
    test_code = [
        name
        for name in names
        if name.startswith(("tests/", "fixtures/hostile_portal/"))
        or name
        in (
            "fixtures/desktop_session.py",
            "fixtures/channel_receivers.py",
            "fixtures/memory_credentials.py",
        )
    ]
    assert test_code == []


def test_the_installed_program_runs_outside_the_checkout(
    installed: Path, tmp_path: Path, desktop: DesktopSession
) -> None:
    command = str(installed / "bin" / "ofpra-assistant")
    env = assistant_env(desktop, tmp_path / "home", "ofpra-assistant-wheel")

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command, *args],
            capture_output=True,
            text=True,
            env={**env, **extra},
            cwd=tmp_path,  # not the checkout: nothing of it can be imported by accident
            timeout=180,
        )

    version = run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == "ofpra-assistant 0.1.0"

    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import assistant; print(assistant.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert where.stdout.startswith(str(installed))
    test_only = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import fixtures.desktop_session"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "No module named 'fixtures.desktop_session'" in test_only.stderr

    # The compiled catalogs are there: the help speaks French without any compile step.
    french = run("--help", LANG="fr_FR.UTF-8")
    assert "Surveille un compte en ligne de l'OFPRA" in french.stdout

    doctor = run("doctor", "--json")
    report = json.loads(doctor.stdout)
    assert doctor.returncode == 0, report
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["browser"]["ok"] and checks["keyring"]["ok"] and checks["settings"]["ok"]

    demo = run("demo")
    assert demo.returncode == 0, demo.stderr
    assert "Letters opened by the assistant: 0 (it never opens a letter)." in demo.stdout
    assert "The demo profile, its keyring entries and its state were removed." in demo.stdout
