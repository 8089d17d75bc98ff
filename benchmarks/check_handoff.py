"""The hand-off check of docs/classifier-protocol.md: how ``supervisor_request`` reads requests
of a kind the heads have never seen.

    python3 benchmarks/check_handoff.py [--without-person-features] [--seed 0]

The same fit ``coach train`` makes for its new-domain floor (``train.new_domain_predictions``:
the same fitting set, noisy copies, seed and epochs, without any NLU++ banking line), scoring
the fitting set's NLU++ banking lines (a trainable set: requests to a banking voice bot, 1,874
lines, 56 of them ``handoff``). Prints precision and recall at a
range of thresholds, and the banking lines that score highest without being a request.
``--without-person-features`` zeroes the three person / way-to-reach-one / "put me through"
features in every row, for the comparison the protocol made. No held-out set is read.
Takes about 3 minutes on 2 cores (the sentence vectors come from the training cache).

It scores the heads alone. Since design M the shipped ``supervisor_request`` probability also
averages an n-gram model; ``coach train`` makes the hand-off check of that combination itself
(the n-gram model fitted without NLU++ banking) and writes it to ``config.json``
(``recall_first.choice.supervisor_request.new_domain_*``) and the model card.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--without-person-features", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--show", type=int, default=10, help="how many of the highest-scoring non-requests to print")
    args = ap.parse_args(argv)

    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from coach.classify import datasets
    from coach.classify import train as T
    from coach.classify.embedcache import EmbeddingCache
    from coach.classify.encoder import DIM, SentenceEncoder
    from coach.classify.labels import CUES
    from coach.classify.lexicon import N_FEATURES
    from coach.classify.metrics import precision_recall_f1

    torch.use_deterministic_algorithms(True)
    _, fit_set, _ = T.split_and_augment(datasets.training_examples(args.seed), args.seed)
    cache = EmbeddingCache(SentenceEncoder(threads=2))
    x_fit = T.inputs(fit_set, cache)
    cache.save()
    if args.without_person_features:
        x_fit[:, DIM + N_FEATURES - 3 : DIM + N_FEATURES] = 0.0
    torch.set_num_threads(1)
    source = T.NEW_DOMAIN_SOURCE
    bank, p = T.new_domain_predictions(fit_set, x_fit, args.seed, args.epochs, source, log=lambda m: print(m, file=sys.stderr))
    scores = p["cues"][:, CUES.index("supervisor_request")]
    truth = np.array([e.cues["supervisor_request"] for e in bank])
    result = {"set": source, "lines": len(bank), "positives": int(truth.sum()),
              "person_features": not args.without_person_features, "at": {}}
    for th in THRESHOLDS:
        pr, rc, _ = precision_recall_f1(truth, (scores >= th).astype(int))
        result["at"][str(th)] = {"precision": round(pr, 3), "recall": round(rc, 3)}
    print(json.dumps(result, indent=2))
    misses = [(s, e.text) for s, t, e in zip(scores, truth, bank) if not t]
    for s, text in sorted(misses, reverse=True)[: args.show]:
        print(f"  not a request, scored {s:.3f}: {text}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
