"""Fit the threat detector (designs W and X of docs/classifier-protocol.md) beside the heads in a weights
folder: ``coach train --threat-only`` on existing weights, or the last step of ``coach train``.

Its lines: the heads' fitting lines whose threat status is known, the training splits of the
``corpus/unused/`` threat files, and every line of the scored checks (``SCORED_CHECKS``: they
decided designs S to V and can decide nothing now). The corpus test split, the development split
and every held-out set are never read here. Writes ``threat.safetensors`` and rewrites
``config.json`` (its ``threat_detector`` section and the metrics), ``manifest.json`` and
``MODEL_CARD.md``; the heads and every other file are left as they are. The X check
(``DESIGN_CHECK``, never trained on) is only scored, for the model card's Limits.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from coach.classify import datasets
from coach.classify.datasets import Example
from coach.classify.decide import THREAT, abuse_labels
from coach.classify.labels import ABUSE_TYPES
from coach.classify.metrics import macro_f1
from coach.classify.text import asr_noise
from coach.classify.weights import CONFIG, MANIFEST

# The checks of designs S to V (corpus/checks/): scored, so from design W on they train the detector.
SCORED_CHECKS = ("job_threats_clean.jsonl", "job_threats_check_t.jsonl", "job_threats_check_u.jsonl",
                 "job_threats_check_v.jsonl", "harmless_harm_words_check_v.jsonl")
CHECK_SOURCE = "scored-checks"
CALL_STYLE_SOURCES = ("corpus", datasets.JOB_THREAT_SOURCE, datasets.THREATS_OF_HARM_SOURCE, CHECK_SOURCE)


# The check that decided design X (corpus/checks/): never trained on; the model card's Limits give its counts.
DESIGN_CHECK = "threats_check_x.jsonl"


def design_check(clf, corpus: Path | None = None) -> dict:
    """How ``clf`` reads the lines of ``DESIGN_CHECK``, by their kind (harm, job, pressure, harmless): the
    count of each abuse label, with the detector and with the heads alone ({} when the file is missing)."""
    path = Path(corpus or datasets.corpus_dir()) / "checks" / DESIGN_CHECK
    if not path.is_file():
        return {}
    rows = [r for r in datasets.corpus_file_rows(path) if r.get("kind")]
    p = clf.probabilities([r["text"] for r in rows], [r.get("speaker", "customer") for r in rows])
    read = {"detector": clf.abuse_labels(p), "heads": abuse_labels(p["offensive"], p["abuse_type"], clf.offensive_threshold)}
    names = ("none", *ABUSE_TYPES)  # label 0 is none, then 1 + the index of the kind
    kinds = np.array([r["kind"] for r in rows])
    out: dict = {"file": f"corpus/checks/{DESIGN_CHECK}", "lines": len(rows)}
    for kind in dict.fromkeys(kinds):
        counts = {by: np.bincount(labels[kinds == kind], minlength=len(names)) for by, labels in read.items()}
        out[str(kind)] = {"n": int((kinds == kind).sum()), **{by: dict(zip(names, map(int, c))) for by, c in counts.items()}}
    return out


def knows_threat(e: Example) -> bool:
    """Whether a line says if it is a threat: not offensive, or offensive with an abuse type."""
    return e.offensive is not None and (e.offensive < 0.5 or e.abuse_type is not None)


def is_threat(e: Example) -> int:
    return int(e.offensive is not None and e.offensive >= 0.5 and e.abuse_type == THREAT)


def scored_check_examples(corpus: Path | None = None) -> list[Example]:
    folder = Path(corpus or datasets.corpus_dir()) / "checks"
    return [replace(datasets.corpus_example(r), source=CHECK_SOURCE) for name in SCORED_CHECKS if (folder / name).is_file()
            for r in datasets.corpus_file_rows(folder / name)]


def detector_lines(fit_set: Sequence[Example], corpus: Path | None = None) -> list[Example]:
    """The detector's training lines (one per text, the first seen)."""
    from coach.classify.train import _dev

    lines = [e for e in fit_set if not e.augmented]
    lines += datasets.job_threat_examples("train", corpus) + datasets.harmless_harm_word_examples("train", corpus)
    lines += datasets.threats_of_harm_examples("train", corpus) + scored_check_examples(corpus)
    seen: set[str] = set()
    out = []
    for e in lines:
        if e.text and knows_threat(e) and e.text not in seen and not _dev(e.text):
            seen.add(e.text)
            out.append(e)
    return out


def _tweet_check(dev, p_dev, lines, oof, clf, annotations) -> dict:
    """The tweet check's offensive macro-F1 on the same lines with and without the detector: the
    development split's annotated tweets (read by neither) and the fitting set's (the heads as they
    were fitted on them; the detector out of fold)."""
    from coach.classify.train import TWEET_SOURCES

    rows = [(p_dev, i, e.text) for i, e in enumerate(dev) if e.source in TWEET_SOURCES and e.text in annotations]
    tweets = [i for i, e in enumerate(lines) if e.source in TWEET_SOURCES and e.text in annotations]
    if tweets:
        p_fit = clf.probabilities([lines[i].text for i in tweets], ["customer"] * len(tweets))
        p_fit["threat"] = oof[tweets].astype(np.float32)
        rows += [(p_fit, j, lines[i].text) for j, i in enumerate(tweets)]
    if not rows:
        return {}
    truth = [int(annotations[t][0] >= 0.5) for _, _, t in rows]

    def f1(with_detector: bool) -> float:
        pred = []
        for p, i, _ in rows:
            threat = p["threat"][i : i + 1] if with_detector else None
            pred.append(int(abuse_labels(p["offensive"][i : i + 1], p["abuse_type"][i : i + 1], clf.offensive_threshold,
                                         threat, clf.threat_threshold)[0] > 0))
        return round(macro_f1(truth, pred, (0, 1)), 3)

    return {"lines": len(rows), "offensive": int(sum(truth)), "offensive_macro_f1_heads": f1(False),
            "offensive_macro_f1_with_detector": f1(True)}


def fit_threat(out_dir: Path, seed: int = 0, data_root: Path | None = None, corpus: Path | None = None, log=print,
               inputs: str = "words+vector", cache_dir: Path | None = None) -> dict:
    """Fit the detector (on ``inputs``: ``threat.INPUTS``) for the weights in ``out_dir`` and write it
    there; returns the new config (unchanged, with no detector, when no training line is a threat)."""
    from coach.classify.card import write_card
    from coach.classify.classifier import Classifier
    from coach.classify.embedcache import EmbeddingCache
    from coach.classify.encoder import SentenceEncoder
    from coach.classify.threat import FOLDS, INPUTS, fit_detector
    from coach.classify.threat import files as detector_files
    from coach.classify.train import _dev, _metrics, threshold_fold
    from coach.classify.weights import verify, write_manifest

    started = time.monotonic()
    out_dir = Path(out_dir)
    config = verify(out_dir)
    if config.get("seed", seed) != seed:
        raise SystemExit(f"the heads in {out_dir} were trained with seed {config.get('seed')}, not {seed}: the development split would differ")
    examples = datasets.training_examples(seed, data_root, corpus)
    dev = [e for e in examples if _dev(e.text)]
    lines = detector_lines([e for e in examples if not _dev(e.text)], corpus)
    threats = sum(map(is_threat, lines))
    if not threats or threats == len(lines):
        log(f"threat detector: not fitted ({len(lines)} lines, {threats} threats: it needs both kinds); the heads decide threat")
        return config
    encoder = SentenceEncoder()
    cache = EmbeddingCache(encoder, cache_dir) if cache_dir else EmbeddingCache(encoder)
    vectors = cache.encode([e.text for e in lines])
    cache.save()
    log(f"threat detector: {len(lines)} lines ({threats} threats), encoded in {time.monotonic() - started:.0f} s")
    detector, account = fit_detector(vectors, [e.text for e in lines], [is_threat(e) for e in lines],
                                     [e.source in CALL_STYLE_SOURCES for e in lines], [threshold_fold(e.text, FOLDS) for e in lines], inputs)
    oof = account.pop("out_of_fold")
    stale = {f for kind in INPUTS for f in detector_files(kind)}  # an earlier detector's files, of either kind
    files = [name for name in json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))["files"] if name != CONFIG and name not in stale]
    for name in stale:
        (out_dir / name).unlink(missing_ok=True)
    account["files"] = detector.save(out_dir)
    account["sources"] = datasets.counts_by_source(lines)
    account["scored_checks"] = list(SCORED_CHECKS)
    config["threat_detector"] = account
    (out_dir / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    files = [*files, *account["files"]]
    write_manifest(out_dir, [*files, CONFIG])
    log(f"threat detector: threshold {account['threshold']}, out of fold on call-style lines {account['out_of_fold_at_threshold']}")

    clf = Classifier(out_dir, encoder=encoder)
    corpus_test = [e for e in datasets.corpus_examples("test", corpus) if e.text]
    noisy_test = [replace(e, text=asr_noise(e.text, random.Random(seed + i))) for i, e in enumerate(corpus_test)]

    def probs(rows):
        return clf.probabilities([e.text for e in rows], [e.speaker for e in rows])

    p_dev = probs(dev)
    cue_th = dict(clf.thresholds)
    account["tweet_check"] = _tweet_check(dev, p_dev, lines, oof, clf, datasets.annotated_tweets(data_root))
    account["design_check"] = design_check(clf, corpus)
    config["metrics"] = _metrics(dev, p_dev, corpus_test, probs(corpus_test), noisy_test, probs(noisy_test), out_dir, None,
                                 clf.offensive_threshold, cue_th, clf.threat_threshold)
    config["threat_detector"] = account
    config["threat_fitted_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    (out_dir / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    manifest = write_manifest(out_dir, [*files, CONFIG])
    write_card(out_dir, config, manifest)
    log(f"threat detector: tweet check {account['tweet_check']}; wrote {out_dir} in {time.monotonic() - started:.0f} s")
    return config
