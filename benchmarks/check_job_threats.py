"""The job-threat and threat checks of docs/classifier-protocol.md (designs S to W): the abuse label
of threats to the agent's job (`insult`), threats of harm (`threat`), legitimate pressure and
harmless harm words (`none`), on every line of ``corpus/checks/threats_check_w.jsonl`` (the W check,
which decides design W; its lines carry their kind, and the table splits `none` into pressure and
harmless lines), ``job_threats_check_v.jsonl`` and ``harmless_harm_words_check_v.jsonl`` (the V
check, which decided design V), ``job_threats_check_u.jsonl`` (the U check, which decided design U),
``job_threats_check_t.jsonl`` (the T check, which decided design T) and ``job_threats_clean.jsonl``
(the S check, which only reported), all written by sessions that opened no file, and on the test
split of ``corpus/unused/handwritten_job_threats.jsonl``. Since design W the S to V checks are
training lines of the threat detector (``train_threat.SCORED_CHECKS``): for weights that have one,
only the W check and the test split are unseen.

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
    "threats_check_x", "threats_check_w", "job_threats_check_v", "harmless_harm_words_check_v", "job_threats_check_u", "job_threats_check_t", "job_threats_clean"))
LABELS = ("none", "profanity", "insult", "threat")
ROWS = (*LABELS, "none (pressure)", "none (harmless)")


def _truth(row: dict) -> str:
    """The label a table row is kept under: the abuse label, with the W check's `none` lines split by kind."""
    kind = row.get("kind")
    return f"none ({kind})" if row["abuse"] == "none" and kind in ("pressure", "harmless") else row["abuse"]


def check_sets() -> dict:
    from coach.classify import datasets

    return {
        **{path.name: [(r["text"], _truth(r)) for r in datasets.corpus_file_rows(path)] for path in CHECKS},
        f"{datasets.JOB_THREATS} (test split)": [(e.text, LABELS[0] if not e.offensive else datasets.ABUSE_TYPES[e.abuse_type])
                                                 for e in datasets.job_threat_examples("test")],
    }


def score(classifier, lines) -> tuple[dict, list]:
    table: dict[str, Counter] = {label: Counter() for label in ROWS}
    wrong = []
    for text, truth in lines:
        c = classifier.classify(text, "customer")
        table[truth][c.abuse] += 1
        if c.abuse != truth.split(" ")[0]:
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
            for truth in ROWS:
                n = sum(table[truth].values())
                if n:
                    right = table[truth][truth.split(" ")[0]]
                    print(f"| {truth} ({n}) | " + " | ".join(str(table[truth][r]) for r in LABELS) + f" | {right / n:.0%} |")
            if args.list:
                for truth, read, s, text in wrong:
                    print(f"  {truth} read {read} ({s}): {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
