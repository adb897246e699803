"""``python -m benchmarks``: run every benchmark and print the table (``make bench``)."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence

from benchmarks import (
    check,
    fence,
    harness,
    idle,
    memory,
    one_driver,
    page,
    parser,
    startup,
    volunteer,
)
from benchmarks.harness import Figure

#: Cheapest first; each is a module with a ``measure()`` that returns its figures.
BENCHMARKS: dict[str, Callable[[], list[Figure]]] = {
    startup.NAME: startup.measure,
    parser.NAME: parser.measure,
    fence.NAME: fence.measure,
    check.NAME: check.measure,
    volunteer.NAME: volunteer.measure,
    one_driver.NAME: one_driver.measure,
    page.NAME: page.measure,
    idle.NAME: idle.measure,
    memory.NAME: memory.measure,
}


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    options.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHMARKS),
        help="run only this benchmark (may be repeated)",
    )
    options.add_argument(
        "--markdown", action="store_true", help="print the table as Markdown (for the README)"
    )
    args = options.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)

    figures: list[Figure] = []
    failed = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            measured = BENCHMARKS[name]()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            figures.append(harness.not_measured(name, "the benchmark failed (see above)"))
            continue
        for figure in measured:
            print(f"  {harness.summary(figure)}", file=sys.stderr)
        figures.extend(measured)
        print(f"  ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)

    about = harness.machine(harness.chromium_executable())
    if args.markdown:
        print("\n".join(f"- {key}: {value}" for key, value in about.items()))
        print()
        print(harness.markdown_table(figures))
    else:
        print()
        print("\n".join(f"{key}: {value}" for key, value in about.items()))
        print()
        print(harness.text_table(figures))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
