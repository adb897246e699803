"""The baseline of the check benchmark: a bare, hand-written Playwright script, run as its own
process, that loads the same pages as a check and does nothing else.

It launches the same browser binary with the same arguments, logs in, follows "Mes documents",
reads the table's cells, logs out and closes. It imports Playwright only, so that what it costs is
the pages and the browser, not this project. Its settings come on standard input (JSON), never on
the command line: ``{"login_url", "identifier", "password", "executable_path", "args"}``.
"""

from __future__ import annotations

import json
import sys

from playwright.sync_api import Page, sync_playwright


def bare_session(page: Page, login_url: str, identifier: str, password: str) -> int:
    """Log in, follow "Mes documents", read the cells, log out; the number of rows read."""
    page.goto(login_url, wait_until="domcontentloaded")
    page.get_by_label("Numéro de dossier Ofpra ou Numéro AGDREF").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Mes documents").click()
    table = page.get_by_role("table")
    table.wait_for()
    rows = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.innerText))"
    )
    page.get_by_role("link", name="Déconnexion").click()
    page.get_by_label("Mot de passe").wait_for()
    return len(rows)


def main() -> int:
    given = json.loads(sys.stdin.read())
    with sync_playwright() as playwright:
        # The baseline is a bare Playwright script: launched here on purpose, not by
        # flows/launch.py (tests/test_layout.py names the files allowed to).
        browser = playwright.chromium.launch(
            executable_path=given["executable_path"], headless=True, args=given["args"]
        )
        page = browser.new_context().new_page()
        rows = bare_session(page, given["login_url"], given["identifier"], given["password"])
        version = browser.version
        browser.close()
    print(json.dumps({"rows": rows, "browser_version": version}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
