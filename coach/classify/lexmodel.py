"""A lexical offensive-language model beside the encoder heads: character and word n-gram
TF-IDF with a logistic regression (the kind of model alt-profanity-check is); and what any
lexical model shares: the combination with the heads (``combine``, ``choose_combination``) and
loading by kind (``load_lexical``: these n-grams, or alt-profanity-check's own model in
``wordsvm``, which the shipped weights use since design K).

The encoder's sentence vector blurs spelling (a swear word written three ways, a slur
split by the recognizer); n-grams keep it. The classifier's offensive probability is
``w * head + (1 - w) * lexical``; ``w`` and the threshold are chosen on the development
split of the trainable data (``choose_combination``), never on a held-out set.

Opt-in (``coach train --lexical``, or ``--lexical-only`` to add it to existing heads), not in
the shipped weights: measured 2026-11-30 with the heads of 2026-11-23, the combination chosen
on the development split (head weight 0.5, threshold 0.525) raised development macro-F1 from
0.965 to 0.970 (Davidson lines 0.912 -> 0.926) but lowered held-out OLID test A from 0.728 to
0.703 and the OLID training file from 0.692 to 0.673: the n-grams learn Davidson's vocabulary,
which the development split shares and OLID's political insults do not.

Training uses scikit-learn (``fit``); at call time the model runs here in plain Python and
numpy (no scikit-learn import): sklearn's ``char_wb`` and word analyzers written out, tf
(sublinear: ``1 + log tf``) times idf, each block L2-normalised, a dot product with the
coefficients. ``tests/classify/test_lexmodel.py`` checks it against scikit-learn.

Files (listed with their sha256 in ``manifest.json``): ``lexical.safetensors`` (idf and
coefficients per n-gram, the intercept) and ``lexical_vocab.json`` (the n-grams in
coefficient order and the analyzer settings).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Sequence

import numpy as np

LEX_WEIGHTS = "lexical.safetensors"
LEX_VOCAB = "lexical_vocab.json"

# Settings chosen on the development split (2026-11-30; C 1 / 4 / 10 compared, 4 best there).
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
CHAR_FEATURES = 30000
WORD_FEATURES = 15000
C = 4.0

_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"\S+")


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer: n-grams inside each space-padded word."""
    out = []
    for w in _SPACES.sub(" ", text).split():
        w = " " + w + " "
        n_w = len(w)
        for n in range(low, high + 1):
            offset = 0
            out.append(w[offset : offset + n])
            while offset + n < n_w:
                offset += 1
                out.append(w[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return out


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's word analyzer with ``token_pattern=r"\\S+"``."""
    tokens = _TOKEN.findall(text)
    if high == 1:
        return tokens
    out = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        out += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return out


def tfidf_dot(grams: Sequence[str], index: dict, idf: np.ndarray, coef: np.ndarray, sublinear: bool = True) -> float:
    """One block of scikit-learn's TF-IDF (``1 + log tf`` when ``sublinear``, times idf, L2-normalised)
    of the n-grams ``grams`` (those in ``index``), dotted with the coefficients ``coef``."""
    counts: dict[int, int] = {}
    for g in grams:
        j = index.get(g)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    if not counts:
        return 0.0
    ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    if sublinear:
        tf = 1.0 + np.log(tf)
    v = tf * idf[ids]
    norm = math.sqrt(float(v @ v))
    return float(v @ coef[ids]) / norm if norm else 0.0


class LexicalModel:
    """Offensive probability from n-grams of a normalised text."""

    def __init__(self, vocab: dict, arrays: dict[str, np.ndarray]):
        self.char_range = tuple(vocab["char_ngrams"])
        self.word_range = tuple(vocab["word_ngrams"])
        self.sublinear = bool(vocab.get("sublinear_tf", True))
        self.blocks = []
        for name, grams in (("char", vocab["char"]), ("word", vocab["word"])):
            idf = np.asarray(arrays[f"{name}_idf"], dtype=np.float64)
            coef = np.asarray(arrays[f"{name}_coef"], dtype=np.float64)
            if not (len(grams) == len(idf) == len(coef)):
                raise ValueError(f"{name} block: {len(grams)} n-grams, {len(idf)} idf values, {len(coef)} coefficients")
            self.blocks.append(({g: i for i, g in enumerate(grams)}, idf, coef))
        self.intercept = float(np.asarray(arrays["intercept"]).reshape(-1)[0])

    @classmethod
    def load(cls, folder: Path, prefix: str = "") -> "LexicalModel":
        from safetensors.numpy import load_file

        vocab = json.loads((Path(folder) / (prefix + LEX_VOCAB)).read_text(encoding="utf-8"))
        return cls(vocab, load_file(str(Path(folder) / (prefix + LEX_WEIGHTS))))

    def _block(self, grams: list[str], index: dict, idf: np.ndarray, coef: np.ndarray) -> float:
        return tfidf_dot(grams, index, idf, coef, self.sublinear)

    def decision(self, text: str) -> float:
        (ci, cidf, ccoef), (wi, widf, wcoef) = self.blocks
        return (self.intercept + self._block(char_wb_ngrams(text, *self.char_range), ci, cidf, ccoef)
                + self._block(word_ngrams(text, *self.word_range), wi, widf, wcoef))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        z = np.array([self.decision(t) for t in texts], dtype=np.float64)
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def fit(texts: Sequence[str], labels: Sequence[int], weights: Sequence[float]):
    """scikit-learn vectorizers and logistic regression fitted on normalised texts (training only)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=3, sublinear_tf=True,
                            max_features=CHAR_FEATURES, dtype=np.float64)
    words = TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, min_df=2, sublinear_tf=True,
                            max_features=WORD_FEATURES, token_pattern=r"\S+", dtype=np.float64)
    x = hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()
    lr = LogisticRegression(C=C, max_iter=2000, solver="liblinear")
    lr.fit(x, np.asarray(labels), sample_weight=np.asarray(weights, dtype=np.float64))
    return chars, words, lr


def predict_fitted(chars, words, lr, texts: Sequence[str]) -> np.ndarray:
    """Probabilities of a model from ``fit`` straight from scikit-learn (for models that are scored
    in training and never written, such as those fitted without one fold)."""
    from scipy.sparse import hstack

    x = hstack([chars.transform(list(texts)), words.transform(list(texts))]).tocsr()
    return lr.predict_proba(x)[:, 1].astype(np.float32)


def export(chars, words, lr, folder: Path, prefix: str = "") -> list[str]:
    """Write the fitted scikit-learn model as ``LEX_WEIGHTS`` + ``LEX_VOCAB`` (names after ``prefix``);
    returns the file names."""
    from safetensors.numpy import save_file

    coef = lr.coef_.reshape(-1)
    n_char = len(chars.vocabulary_)
    arrays, vocab = {}, {"char_ngrams": list(CHAR_NGRAMS), "word_ngrams": list(WORD_NGRAMS), "sublinear_tf": True}
    for name, vec, part in (("char", chars, coef[:n_char]), ("word", words, coef[n_char:])):
        order = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
        vocab[name] = [g for g, _ in order]
        arrays[f"{name}_idf"] = vec.idf_.astype(np.float32)
        arrays[f"{name}_coef"] = part.astype(np.float32)
    arrays["intercept"] = np.asarray(lr.intercept_, dtype=np.float32).reshape(1)
    folder = Path(folder)
    save_file(arrays, str(folder / (prefix + LEX_WEIGHTS)))
    (folder / (prefix + LEX_VOCAB)).write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return [prefix + LEX_WEIGHTS, prefix + LEX_VOCAB]


def threat_rows(abuse_type: np.ndarray) -> np.ndarray:
    """Rows whose most likely abuse type (by the heads) is a threat."""
    from coach.classify.labels import ABUSE_TYPES

    return np.asarray(abuse_type).argmax(axis=-1) == ABUSE_TYPES.index("threat")


def spared_rows(abuse_type: np.ndarray, p_head: np.ndarray, insult_floor: float | None = None) -> np.ndarray:
    """Rows the lexical model may not talk the heads down on: the heads read a threat, or (design U
    of docs/classifier-protocol.md, when ``insult_floor`` is set) an insult with the heads' own
    offensive probability at least ``insult_floor`` ("you'll be out of a job by friday" has no swear
    word either)."""
    from coach.classify.labels import ABUSE_TYPES

    rows = threat_rows(abuse_type)
    if insult_floor is not None:
        insult = np.asarray(abuse_type).argmax(axis=-1) == ABUSE_TYPES.index("insult")
        rows = rows | (insult & (np.asarray(p_head) >= insult_floor))
    return rows


def combine(p_head: np.ndarray, p_lexical: np.ndarray, head_weight: float, threat: np.ndarray | None = None) -> np.ndarray:
    """``head_weight * head + (1 - head_weight) * lexical``; on ``threat`` rows (the heads read a
    threat) never below the head's own probability: the lexical model was fitted on no threats
    (Davidson has none, the corpus a few dozen), so "i'm going to burn that warehouse to the
    ground" has no swear word for it to find and it must not talk the heads out of a threat."""
    p = head_weight * np.asarray(p_head, dtype=np.float32) + (1.0 - head_weight) * np.asarray(p_lexical, dtype=np.float32)
    if threat is not None:
        p = np.where(threat, np.maximum(p, p_head), p)
    return np.asarray(p, dtype=np.float32)


WEIGHT_GRID = np.round(np.arange(0.0, 1.0001, 0.1), 2)
THRESHOLD_GRID = np.round(np.arange(0.3, 0.7001, 0.025), 3)


def choose_combination(p_head: np.ndarray, p_lexical: np.ndarray, truth: np.ndarray, threat: np.ndarray | None = None,
                       tolerance: float = 0.002, weights: Sequence[float] = tuple(WEIGHT_GRID)) -> tuple[float, float, float]:
    """(head weight, threshold, macro-F1) with the best macro-F1 on the given (development) lines,
    the head weight one of ``weights``; macro-F1 within ``tolerance`` of the best is a tie, won by
    the weight nearest 0.5, then the threshold nearest 0.5 (the development F1 is flat near its
    top, and the middle is the least tuned answer)."""
    from coach.classify.metrics import macro_f1

    truth = np.asarray(truth).astype(int)
    rows = []
    for w in weights:
        p = combine(p_head, p_lexical, float(w), threat)
        for th in THRESHOLD_GRID:
            rows.append((float(w), float(th), macro_f1(list(truth), list((p >= th).astype(int)), (0, 1))))
    top = max(f for _, _, f in rows)
    near = [r for r in rows if r[2] >= top - tolerance - 1e-12]
    return min(near, key=lambda r: (abs(r[0] - 0.5), abs(r[1] - 0.5), r[0], r[1]))


NGRAM = "ngram"
KINDS = (NGRAM, "alt-profanity-check")


def lexical_files(kind: str) -> list[str]:
    """The weights-folder files of a lexical model of ``kind`` (one of ``KINDS``)."""
    from coach.classify import wordsvm

    return [LEX_WEIGHTS, LEX_VOCAB] if kind == NGRAM else [wordsvm.WEIGHTS, wordsvm.VOCAB]


def load_lexical(folder: Path, kind: str = NGRAM):
    """The lexical model of ``kind`` in ``folder``: this module's n-grams, or alt-profanity-check's
    model (``wordsvm``); both answer ``probabilities(texts)``."""
    if kind == NGRAM:
        return LexicalModel.load(folder)
    if kind == KINDS[1]:
        from coach.classify.wordsvm import WordSvmModel

        return WordSvmModel.load(folder)
    raise ValueError(f"unknown lexical model kind {kind!r} (known: {', '.join(KINDS)})")


# The n-gram model beside the heads for one cue (design M: ``supervisor_request``): its files
# carry this prefix (``handoff_lexical.safetensors``, ``handoff_lexical_vocab.json``).
CUE_PREFIX = "handoff_"
CUE_FILES = (CUE_PREFIX + LEX_WEIGHTS, CUE_PREFIX + LEX_VOCAB)


def combine_cue(cues: np.ndarray, column: int, p_lexical: np.ndarray, head_weight: float) -> np.ndarray:
    """The cue probabilities with ``column`` replaced by ``head_weight * heads + (1 - head_weight) * lexical``
    (a new array; the others as they are)."""
    out = np.array(cues, dtype=np.float32, copy=True)
    out[:, column] = head_weight * out[:, column] + (1.0 - head_weight) * np.asarray(p_lexical, dtype=np.float32)
    return out
