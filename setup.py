"""The wheel's two build steps that pyproject.toml cannot say: the translations compiled
(``.mo``, which git does not keep), and the test-only modules of ``fixtures`` left out.

Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Modules of the ``fixtures`` package that only tests use (the mock portal stays: ``demo``
#: runs it). ``channel_receivers`` needs the dev-only aiosmtpd.
TEST_ONLY_MODULES = frozenset(
    {
        "fixtures.desktop_session",
        "fixtures.channel_receivers",
        "fixtures.memory_credentials",
    }
)


class BuildPy(build_py):
    """setuptools' build_py, without the test-only modules, compiling the catalogs."""

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if f"{m[0]}.{m[1]}" not in TEST_ONLY_MODULES]

    def run(self) -> None:
        super().run()
        if not self.dry_run:
            self._compile_catalogs()

    def _compile_catalogs(self) -> None:
        # Babel is a build requirement (pyproject.toml); the same compile as `make` runs.
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for source in sorted(Path("assistant", "locale").glob("*/LC_MESSAGES/*.po")):
            language = source.parent.parent.name
            target = Path(self.build_lib) / source.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as file:
                catalog = read_po(file, locale=language)
            with target.open("wb") as file:
                write_mo(file, catalog)


setup(cmdclass={"build_py": BuildPy})
