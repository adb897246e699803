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


def flows_module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def flows_imports(path: Path) -> list[tuple[str, bool]]:
    """The flows modules ``path`` imports, each with whether the import is tucked away: inside
    a function or under ``if TYPE_CHECKING`` (both kinds count for a circle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, tucked: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = tucked or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                inner = True
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module, inner))
                # ``from flows.pages import home`` imports the module flows.pages.home.
                found.extend((f"{child.module}.{alias.name}", inner) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def flows_graph() -> dict[str, set[str]]:
    modules = {flows_module_name(path): path for path in (ROOT / "flows").rglob("*.py")}
    return {
        name: {imported for imported, _ in flows_imports(path) if imported in modules} - {name}
        for name, path in modules.items()
    }


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle of imports, each once (from its smallest module's name)."""
    circles: set[tuple[str, ...]] = set()

    def walk(path: list[str]) -> None:
        for following in sorted(graph[path[-1]]):
            if following == path[0]:
                circles.add(tuple(path))
            elif following not in path and following > path[0]:
                walk([*path, following])

    for start in sorted(graph):
        walk([start])
    return sorted(list(circle) for circle in circles)


def test_import_circles_are_found_also_through_imports_inside_functions(tmp_path: Path) -> None:
    """The finder itself, on the circle flows/pages once had (login → home → documents → home
    for ``log_out``, that import inside a function, and home's of documents too)."""
    documents = tmp_path / "documents.py"
    documents.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from flows.pages.login import LoginPage\n"
        "class DocumentsPage:\n"
        "    def log_out(self):\n        from flows.pages import home\n",
        encoding="utf-8",
    )
    assert flows_imports(documents) == [
        ("typing", False),
        ("typing.TYPE_CHECKING", False),
        ("flows.pages.login", True),
        ("flows.pages.login.LoginPage", True),
        ("flows.pages", True),
        ("flows.pages.home", True),
    ]
    graph = {
        "pages.login": {"pages.home"},
        "pages.home": {"pages.documents"},
        "pages.documents": {"pages.home", "pages.login"},
    }
    assert import_circles(graph) == [
        ["pages.documents", "pages.home"],
        ["pages.documents", "pages.login", "pages.home"],
    ]


def test_flows_have_no_import_circle() -> None:
    assert import_circles(flows_graph()) == []


def test_no_page_module_hides_an_import_inside_a_function() -> None:
    """An import of another flows module inside a function (or only for type checking) in
    flows/pages is what hid the circle: with none left, each is at the top, where a circle
    shows."""
    hidden = {
        str(path.relative_to(ROOT)): sorted(
            name for name, tucked in flows_imports(path) if tucked and name.startswith("flows")
        )
        for path in sorted((ROOT / "flows" / "pages").glob("*.py"))
    }
    assert {path: names for path, names in hidden.items() if names} == {}


#: Files that launch or connect to a browser outside flows/launch.py, on purpose: the test that
#: proves the attacks succeed without the fence, pytest-playwright's own browser (given
#: launch_arguments by conftest's ``browser_type_launch_args``, not a call), and the bare
#: Playwright script the benchmarks measure the assistant against.
LAUNCHES_ON_PURPOSE = {"tests/test_hostile_fence.py", "benchmarks/bare_check.py"}


def browser_launches(path: Path) -> int:
    calls = 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr
            in ("launch", "launch_persistent_context", "connect", "connect_over_cdp")
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr in ("chromium", "firefox", "webkit")
        ):
            calls += 1
    return calls


def test_one_module_launches_browsers() -> None:
    launching = {
        str(path.relative_to(ROOT))
        for folder in ("assistant", "flows", "fixtures", "tests", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if browser_launches(path)
    }
    assert launching - LAUNCHES_ON_PURPOSE == {"flows/launch.py"}
