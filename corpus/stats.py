"""Check and count coach's call-style corpus (``corpus/*.jsonl``).

Why: the classifier trains on these files without a human looking at them, so a malformed
line, a cue on the wrong speaker or a label with too few examples must fail loudly here
(and in ``tests/classify/test_corpus.py``) rather than quietly weaken the model.

Run ``python3 corpus/stats.py`` to print counts per label and per source; it exits with
status 1 when a line is malformed, a text is duplicated, a label has fewer than
``MIN_PER_LABEL`` examples, or templates make up more than ``MAX_TEMPLATE_SHARE`` of a label.
``--markdown`` prints the same counts as the table used in ``corpus/README.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from coach.events import ABUSE_KINDS, AGENT_CUES, CHANNELS, CUSTOMER_CUES, SENTIMENTS

CORPUS_DIR = Path(__file__).resolve().parent

# The label sets are the classifier's own (one definition, in coach/events.py).
SPEAKERS = tuple(reversed(CHANNELS))  # ("customer", "agent")
SOURCES = ("handwritten", "template")
REQUIRED_KEYS = ("text", "speaker", "sentiment", "anger", "abuse", "cues", "source")
# "kind": which sort of line a check line is (the threat checks of designs W and X: harm, job, pressure, harmless)
OPTIONAL_KEYS = ("noisy", "kind")

MIN_PER_LABEL = 60
MAX_TEMPLATE_SHARE = 0.70
TEXT_PATTERN = re.compile(r"[a-z']+( [a-z']+)*")


def row_problems(row: object) -> list[str]:
    """Every way ``row`` breaks the corpus format (empty when it is valid)."""
    if not isinstance(row, dict):
        return ["line is not a JSON object"]
    problems = [f"missing key {k!r}" for k in REQUIRED_KEYS if k not in row]
    problems += [f"unknown key {k!r}" for k in row if k not in REQUIRED_KEYS + OPTIONAL_KEYS]
    if problems:
        return problems
    text = row["text"]
    if not isinstance(text, str) or not TEXT_PATTERN.fullmatch(text):
        problems.append("text must be lowercase words and apostrophes separated by single spaces")
    if row["speaker"] not in SPEAKERS:
        problems.append(f"speaker {row['speaker']!r} is not one of {SPEAKERS}")
    if row["sentiment"] not in SENTIMENTS:
        problems.append(f"sentiment {row['sentiment']!r} is not one of {SENTIMENTS}")
    anger = row["anger"]
    if (
        isinstance(anger, bool)
        or not isinstance(anger, (int, float))
        or not 0.0 <= anger <= 1.0
        or abs(anger * 10 - round(anger * 10)) > 1e-9
    ):
        problems.append(f"anger {anger!r} is not 0.0..1.0 in steps of 0.1")
    if row["abuse"] not in ABUSE_KINDS:
        problems.append(f"abuse {row['abuse']!r} is not one of {ABUSE_KINDS}")
    cues = row["cues"]
    if not isinstance(cues, list) or len(set(map(str, cues))) != len(cues):
        problems.append("cues must be a list without repeats")
    else:
        allowed = CUSTOMER_CUES if row["speaker"] == "customer" else AGENT_CUES
        problems += [f"cue {c!r} is not a {row['speaker']} cue" for c in cues if c not in allowed]
    if row["source"] not in SOURCES:
        problems.append(f"source {row['source']!r} is not one of {SOURCES}")
    if "noisy" in row and not isinstance(row["noisy"], bool):
        problems.append("noisy must be true or false")
    return problems


@dataclass
class Corpus:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load(folder: Path = CORPUS_DIR) -> Corpus:
    """All rows of ``folder/*.jsonl`` plus a message for every bad or duplicated line."""
    corpus = Corpus()
    first_seen: dict[tuple[str, str], str] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{number}"
            if not line.strip():
                corpus.errors.append(f"{where}: empty line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                corpus.errors.append(f"{where}: not JSON ({error.msg})")
                continue
            problems = row_problems(row)
            if problems:
                corpus.errors += [f"{where}: {p}" for p in problems]
                continue
            key = (row["speaker"], row["text"])
            if key in first_seen:
                corpus.errors.append(f"{where}: duplicate of {first_seen[key]} ({row['text']!r})")
                continue
            first_seen[key] = where
            corpus.rows.append(row)
    return corpus


def labels_of(row: dict) -> list[str]:
    """The countable labels of a row: its sentiment, its abuse kind and each cue."""
    return [f"sentiment={row['sentiment']}", f"abuse={row['abuse']}", *(f"cue={c}" for c in row["cues"])]


def all_labels() -> list[str]:
    return (
        [f"sentiment={s}" for s in SENTIMENTS]
        + [f"abuse={a}" for a in ABUSE_KINDS]
        + [f"cue={c}" for c in CUSTOMER_CUES + AGENT_CUES]
    )


def count(rows: list[dict]) -> dict[str, Counter]:
    """label -> Counter of sources (plus a ``total`` entry)."""
    table: dict[str, Counter] = {label: Counter() for label in all_labels()}
    for row in rows:
        for label in labels_of(row):
            table[label][row["source"]] += 1
            table[label]["total"] += 1
    return table


def label_problems(rows: list[dict]) -> list[str]:
    """Labels with too few examples or too large a share of template lines."""
    problems = []
    for label, counts in count(rows).items():
        if counts["total"] < MIN_PER_LABEL:
            problems.append(f"{label}: only {counts['total']} examples (need {MIN_PER_LABEL})")
        elif counts["template"] / counts["total"] > MAX_TEMPLATE_SHARE:
            share = counts["template"] / counts["total"]
            problems.append(f"{label}: {share:.0%} template lines (at most {MAX_TEMPLATE_SHARE:.0%})")
    return problems


def overview(rows: list[dict]) -> list[tuple[str, int]]:
    """Totals that are not labels: sources, speakers, noise, length and anger bands."""
    words = [len(r["text"].split()) for r in rows]
    return [
        ("lines", len(rows)),
        *((f"source={s}", sum(r["source"] == s for r in rows)) for s in SOURCES),
        *((f"speaker={s}", sum(r["speaker"] == s for r in rows)) for s in SPEAKERS),
        ("noisy", sum(bool(r.get("noisy")) for r in rows)),
        ("short (1-3 words)", sum(w <= 3 for w in words)),
        ("long (30+ words)", sum(w >= 30 for w in words)),
        ("anger >= 0.6", sum(r["anger"] >= 0.6 - 1e-9 for r in rows)),
        ("no cue", sum(not r["cues"] for r in rows)),
    ]


def render_text(rows: list[dict]) -> str:
    lines = [f"{name:<22}{value:>6}" for name, value in overview(rows)]
    lines.append("")
    lines.append(f"{'label':<28}{'total':>6}{'hand':>6}{'tmpl':>6}{'tmpl%':>7}")
    for label, c in count(rows).items():
        share = c["template"] / c["total"] if c["total"] else 0.0
        lines.append(f"{label:<28}{c['total']:>6}{c['handwritten']:>6}{c['template']:>6}{share:>7.0%}")
    return "\n".join(lines)


def render_markdown(rows: list[dict]) -> str:
    lines = ["| | count |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in overview(rows)]
    lines += ["", "| label | total | handwritten | template | template share |", "|---|---:|---:|---:|---:|"]
    for label, c in count(rows).items():
        share = c["template"] / c["total"] if c["total"] else 0.0
        lines.append(f"| {label} | {c['total']} | {c['handwritten']} | {c['template']} | {share:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the counts as Markdown tables")
    parser.add_argument("--folder", type=Path, default=CORPUS_DIR, help="folder holding the *.jsonl files")
    args = parser.parse_args(argv)
    corpus = load(args.folder)
    print(render_markdown(corpus.rows) if args.markdown else render_text(corpus.rows))
    problems = corpus.errors + label_problems(corpus.rows)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
