"""The layout of DESIGN.md holds: the flows know the portal and nothing of the assistant."""

from __future__ import annotations

import ast
from pathlib import Path

from assistant.errors import ALL_ERRORS, EXIT_STATUSES, AssistantError, ExitStatus, exit_status_of

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_flows_import_nothing_from_the_assistant() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m == "assistant" or m.startswith("assistant.")
        )
        for path in sorted((ROOT / "flows").rglob("*.py"))
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_every_error_code_has_its_own_exit_status() -> None:
    every: tuple[type[AssistantError], ...] = (AssistantError, *ALL_ERRORS)
    codes = [error.code for error in every]
    assert len(set(codes)) == len(codes)
    statuses = [EXIT_STATUSES[code] for code in codes]
    assert len(set(statuses)) == len(statuses)
    assert ExitStatus.OK not in statuses and ExitStatus.USAGE not in statuses


def test_an_unknown_code_exits_as_an_internal_error() -> None:
    class Stranger(AssistantError):
        code = "no_such_code"

    assert exit_status_of(Stranger("x")) is ExitStatus.INTERNAL_ERROR


def test_test_files_share_helpers_through_conftest_only() -> None:
    offenders = {
        path.name: sorted(
            m for m in imported_modules(path) if m.startswith("tests.") and m != "tests.conftest"
        )
        for path in sorted((ROOT / "tests").glob("test_*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}
