"""Assemble BENCHMARKS.md from the fragments each benchmark writes to benchmarks/results/.

    python3 benchmarks/collect.py

Each ``benchmarks/bench_*.py`` measures one area and writes ``benchmarks/results/<area>.md``;
this script only concatenates them, in a fixed order, under a common header.
"""

from __future__ import annotations

import platform
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["stt", "classifier", "asr_abuse", "engine", "session", "ui"]

HEADER = """# Benchmarks

Measured on the project's reference machine: 2 CPU cores, no GPU, Debian, Python {py}.
Every number comes from a script in `benchmarks/` (re-run it to refresh its section, then
`python3 benchmarks/collect.py`). Times are medians of several runs unless stated; ratios are
against a baseline measured in the same run. Tests never assert wall-clock times; these
numbers are what we watch instead.

"""


def main() -> None:
    parts = []
    fragments = {p.stem: p for p in (HERE / "results").glob("*.md")}
    for name in ORDER + sorted(set(fragments) - set(ORDER)):
        if name in fragments:
            parts.append(fragments[name].read_text(encoding="utf-8").strip() + "\n")
    text = HEADER.format(py=platform.python_version()) + "\n".join(parts)
    (HERE.parent / "BENCHMARKS.md").write_text(text, encoding="utf-8")
    print(f"wrote BENCHMARKS.md from {len(parts)} fragment(s)")


if __name__ == "__main__":
    main()
