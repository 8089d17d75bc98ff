"""The job-threat checks of docs/classifier-protocol.md (designs S to V): the abuse label of threats
to the agent's job (`insult`), threats of harm (`threat`) and legitimate pressure (`none`), on every
line of ``corpus/checks/job_threats_check_v.jsonl`` and ``harmless_harm_words_check_v.jsonl`` (the V
check, which decides design V), ``corpus/checks/job_threats_check_u.jsonl`` (the U check, which decided design U),
``corpus/checks/job_threats_check_t.jsonl`` (the T check, which decided design T and has scored P
and T), ``corpus/checks/job_threats_clean.jsonl`` (the S check: P's misses on it were read, so it
only reports), all written by sessions that opened no file and read by no training, and on the test
split of ``corpus/unused/handwritten_job_threats.jsonl``.

    python3 benchmarks/check_job_threats.py [WEIGHTS_DIR ...] [--list]

Prints, for each weights folder (default ``models/classifier``), how many lines of each label the
classifier reads as each label (a confusion table), as ``coach classify`` gives the abuse label;
``--list`` also prints every line read wrong. No held-out set is read.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHECKS = tuple(ROOT / "corpus" / "checks" / f"{name}.jsonl" for name in (
    "job_threats_check_v", "harmless_harm_words_check_v", "job_threats_check_u", "job_threats_check_t", "job_threats_clean"))
LABELS = ("none", "profanity", "insult", "threat")


def check_sets() -> dict:
    from coach.classify import datasets

    return {
        **{path.name: [(r["text"], r["abuse"]) for r in datasets.corpus_file_rows(path)] for path in CHECKS},
        f"{datasets.JOB_THREATS} (test split)": [(e.text, LABELS[0] if not e.offensive else datasets.ABUSE_TYPES[e.abuse_type])
                                                 for e in datasets.job_threat_examples("test")],
    }


def score(classifier, lines) -> tuple[dict, list]:
    table: dict[str, Counter] = {label: Counter() for label in LABELS}
    wrong = []
    for text, truth in lines:
        c = classifier.classify(text, "customer")
        table[truth][c.abuse] += 1
        if c.abuse != truth:
            wrong.append((truth, c.abuse, round(float(c.abuse_score), 2), text))
    return table, wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights", nargs="*", type=Path, help="weights folders (default: models/classifier)")
    parser.add_argument("--list", action="store_true", help="print every line read wrong")
    args = parser.parse_args()
    from coach.classify import Classifier

    sets = check_sets()
    for folder in args.weights or [None]:
        classifier = Classifier(folder) if folder else Classifier()
        print(f"## {folder or 'models/classifier'}")
        for name, lines in sets.items():
            table, wrong = score(classifier, lines)
            print(f"{name}: {len(lines)} lines")
            print("| truth \\ read | " + " | ".join(LABELS) + " | right |")
            print("|---|" + "---|" * (len(LABELS) + 1))
            for truth in LABELS:
                n = sum(table[truth].values())
                if n:
                    print(f"| {truth} ({n}) | " + " | ".join(str(table[truth][r]) for r in LABELS) + f" | {table[truth][truth] / n:.0%} |")
            if args.list:
                for truth, read, s, text in wrong:
                    print(f"  {truth} read {read} ({s}): {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
