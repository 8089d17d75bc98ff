"""Score shipped classifier weights on the trainable checks of docs/classifier-protocol.md, so two
designs can be compared on the same lines (no held-out set is read).

    python3 benchmarks/check_design.py [--weights models/classifier] [--old-rev REV] [--json OUT]

Scores, with the weights' own thresholds, as the classifier decides at run time (with its threat
detector, when the weights have one):

- the development split (the 10% of the training lines ``coach train`` chooses thresholds on),
  all of it and only its lines from sources and corpus lines that existed at ``--old-rev``;
- the corpus test split, all of it and only its lines that existed at ``--old-rev``;
- the project's posts test split (``corpus/posts/`` on the branch ``design-h``, else ``corpus/unused/posts/``;
  read directly so that older code can run it);
- the three negated cue phrases the tests mark as a known weakness.

Run it from a checkout of the design's own code (a ``git worktree`` of an older commit, with
``COACH_CORPUS_DIR`` pointing at today's corpus) to score that design as it was shipped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEGATIONS = (
    ("this is my first time calling", "customer", "repeat_contact"),
    ("no don't put me on hold again", "customer", "hold_consent"),
    ("i don't know when that will be fixed", "agent", "promise"),
)


def old_corpus_texts(rev: str) -> set[str]:
    """Normalised texts of every corpus line at git revision ``rev``."""
    from coach.classify.text import normalize

    names = subprocess.run(["git", "ls-tree", "--name-only", rev, "corpus/"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    texts = set()
    for name in names:
        if name.endswith(".jsonl"):
            body = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
            texts |= {normalize(json.loads(line)["text"]) for line in body.splitlines() if line.strip()}
    return texts


def posts_test(corpus: Path) -> list:
    from coach.classify.datasets import Example, corpus_split
    from coach.classify.labels import ABUSE_TYPES
    from coach.classify.text import normalize

    out = []
    folder = corpus / "posts" if (corpus / "posts").is_dir() else corpus / "unused" / "posts"
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if corpus_split(row["text"]) == "test" and normalize(row["text"]):
                    kind = ABUSE_TYPES.index(row["abuse"]) if row["abuse"] in ABUSE_TYPES else None
                    out.append(Example(normalize(row["text"]), "posts", offensive=float(kind is not None), abuse_type=kind))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=ROOT / "models" / "classifier")
    ap.add_argument("--old-rev", default="759559e", help="corpus lines and sources of this commit form the 'old' subsets")
    ap.add_argument("--json", type=Path, help="also write the scores here")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from coach.classify import datasets
    from coach.classify import train as T
    from coach.classify.classifier import Classifier

    clf = Classifier(args.weights)
    config = json.loads((args.weights / "config.json").read_text())
    offensive_th, cue_th = config["offensive_threshold"], config["cue_thresholds"]
    corpus = datasets.corpus_dir()
    old = old_corpus_texts(args.old_rev)

    def scored(lines, keep=None) -> dict:
        """The scores of ``lines``, and of the subset each predicate in ``keep`` picks (one encoding)."""
        if not lines:
            return {"n": 0}
        p = clf.probabilities([e.text for e in lines], [e.speaker for e in lines])
        p = {k: v for k, v in p.items() if k in ("sentiment", "anger", "offensive", "abuse_type", "cues", "threat")}
        # the abuse decision as the classifier makes it: with its threat detector, when the weights have one
        threat_th = getattr(clf, "threat_threshold", None) if "threat" in p else None
        extra = (threat_th,) if threat_th is not None else ()  # older code's score() takes no threat threshold

        def summary(rows: list[int]) -> dict:
            s = T.score([lines[i] for i in rows], {k: v[rows] for k, v in p.items()}, offensive_th, cue_th, *extra)
            out = {k: s[k] for k in ("n", "offensive_macro_f1", "abuse_4way_macro_f1") if k in s}
            if "supervisor_request" in s.get("cues", {}):
                out["supervisor_request"] = s["cues"]["supervisor_request"]
            return out

        everything = list(range(len(lines)))
        return summary(everything) if keep is None else {
            "all": summary(everything), "old": summary([i for i in everything if keep(lines[i])])}

    dev = scored([e for e in datasets.training_examples(0) if T._dev(e.text)],
                 keep=lambda e: e.source != "posts" and (e.source != "corpus" or e.text in old))
    test = scored([e for e in datasets.corpus_examples("test") if e.text], keep=lambda e: e.text in old)
    result = {
        "weights": str(args.weights),
        "dev": dev["all"],
        "dev_old_lines": dev["old"],
        "corpus_test": test["all"],
        "corpus_test_old_lines": test["old"],
        "posts_test": scored(posts_test(corpus)),
        "negations_firing": [text for text, speaker, cue in NEGATIONS if cue in clf.classify(text, speaker).cues],
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
