"""The look-alike check of docs/classifier-protocol.md (design O): ``supervisor_request`` on the
test-split lines of the service-request files in ``corpus/unused/`` (requests for a person, and
service requests that name a person without asking for one), which no weights are fitted or
tuned on.

    python3 benchmarks/check_lookalikes.py [WEIGHTS_DIR ...] [--list] [--clean | --r-check | --z-check]

Prints, for each weights folder (default ``models/classifier``), precision, recall, false alarms
and misses at the folder's own threshold, per file and pooled; ``--list`` also prints the false
alarms and misses with the heads' and the n-gram model's scores. ``--clean`` scores instead every
line of ``corpus/checks/person_requests_clean.jsonl``: the clean look-alike check, written after
design P by sessions that opened no file, which no training reads; ``--r-check`` every line of
``corpus/checks/handoff_lookalikes_clean.jsonl``, the check that decides design R, written the same
way; ``--z-check`` every line of ``corpus/checks/request_shapes_clean.jsonl``, the check that decides
design Z (requests for a person in other shapes), written the same way. No held-out set is read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CUE = "supervisor_request"


CHECKS = ROOT / "corpus" / "checks"
CLEAN = "person_requests_clean.jsonl"  # the clean look-alike check (after design P)
R_CHECK = "handoff_lookalikes_clean.jsonl"  # design R's check: the hand-off check's six false-alarm kinds
Z_CHECK = "request_shapes_clean.jsonl"  # design Z's check: requests for a person in other shapes, and look-alikes


def look_alike_lines() -> dict:
    """The look-alike check's lines: the test split of each service-request file, by file name."""
    from coach.classify import datasets

    return {name: [e for e in datasets.service_request_examples("test", files=(name,)) if e.text] for name in datasets.SERVICE_REQUEST_FILES}


def clean_lines(folder: Path = CHECKS, name: str = CLEAN) -> dict:
    """A clean check's lines: every line of ``folder/name``, by file name."""
    from coach.classify import datasets

    path = folder / name
    return {path.name: [e for e in map(datasets.corpus_example, datasets.corpus_file_rows(path)) if e.text]}


def check(weights: Path, listing: bool = False, out=print, sets: dict | None = None) -> dict:
    from coach.classify.classifier import Classifier
    from coach.classify.labels import CUES
    from coach.classify.metrics import precision_recall_f1

    clf = Classifier(weights)
    th = clf.thresholds[CUE]
    j = CUES.index(CUE)
    results = {}
    pooled_truth, pooled_pred = [], []
    for name, lines in (look_alike_lines() if sets is None else sets).items():
        if not lines:
            continue
        p = clf.probabilities([e.text for e in lines], [e.speaker for e in lines])
        truth = np.array([e.cues[CUE] for e in lines])
        pred = (p["cues"][:, j] >= th).astype(int)
        pooled_truth.append(truth)
        pooled_pred.append(pred)
        results[name] = _row(truth, pred, precision_recall_f1)
        if listing:
            for e, t, y, s, h, lex in zip(lines, truth, pred, p["cues"][:, j], p.get("cues_head", p["cues"])[:, j],
                                          p.get("cue_lexical", np.full(len(lines), np.nan))):
                if t != y:
                    out(f"  {'false alarm' if y else 'missed':11} {s:.2f} (heads {h:.2f}, n-grams {lex:.2f})  {e.text}")
    if pooled_truth:
        results["pooled"] = _row(np.concatenate(pooled_truth), np.concatenate(pooled_pred), precision_recall_f1)
    for name, r in results.items():
        out(f"{weights} at {th}: {name}: {r['lines']} lines, {r['requests']} requests: P {r['precision']:.3f} R {r['recall']:.3f} "
            f"false alarms {r['false_alarms']}, missed {r['missed']}")
    return results


def _row(truth: np.ndarray, pred: np.ndarray, prf) -> dict:
    pr, rc, _ = prf(truth, pred)
    return {"lines": int(len(truth)), "requests": int(truth.sum()), "precision": round(pr, 3), "recall": round(rc, 3),
            "false_alarms": int(((pred == 1) & (truth == 0)).sum()), "missed": int(((pred == 0) & (truth == 1)).sum())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", nargs="*", type=Path, default=[ROOT / "models" / "classifier"])
    ap.add_argument("--list", action="store_true", help="print the false alarms and misses")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--clean", action="store_true", help=f"score corpus/checks/{CLEAN} (all lines) instead")
    which.add_argument("--r-check", action="store_true", help=f"score corpus/checks/{R_CHECK} (all lines) instead")
    which.add_argument("--z-check", action="store_true", help=f"score corpus/checks/{Z_CHECK} (all lines) instead")
    args = ap.parse_args(argv)
    named = CLEAN if args.clean else R_CHECK if args.r_check else Z_CHECK if args.z_check else None
    sets = clean_lines(name=named) if named else None
    for w in args.weights:
        check(w, args.list, sets=sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
