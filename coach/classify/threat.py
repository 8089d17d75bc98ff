"""Designs W and X of docs/classifier-protocol.md: a threat detector beside the heads.

A logistic regression says whether a line threatens harm. When the weights have one, it alone
decides the abuse label ``threat`` (``decide.abuse_labels``). The heads learnt threats from a few
dozen lines through their hashed word weights, so "i'm going to set fire to that practice with all
of you in it" read as nothing, and "what did you say sorry the line cut out" could read as a threat
once they saw more. The detector is fitted on its own lines: hundreds of threats of harm in many
shapes, with job threats, harmless harm words and legitimate pressure beside them.

Its inputs (``INPUTS``): ``vector``, the encoder's sentence vector alone (design W, not shipped:
too coarse, and uncalibrated under balanced class weights), or ``words+vector``, the TF-IDF of the
line's word 1- and 2-grams beside the sentence vector (design X). Training (``fit_detector``) uses
scikit-learn; at call time it is plain numpy: sklearn's word analyzer and sublinear, L2-normalised
TF-IDF written out (``lexmodel.word_ngrams``), a dot product with the word coefficients, one with
the vector coefficients, and the intercept. ``tests/classify/test_threat.py`` checks it against
scikit-learn.

Files: ``threat.safetensors`` (vector coefficients, intercept; with words, their idf and
coefficients) and, with words, ``threat_vocab.json`` (the n-grams in coefficient order).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from coach.classify.lexmodel import tfidf_dot, word_ngrams

FILE = "threat.safetensors"
VOCAB = "threat_vocab.json"
VECTOR, WORDS_AND_VECTOR = "vector", "words+vector"
INPUTS = (VECTOR, WORDS_AND_VECTOR)
C = {VECTOR: 3.0, WORDS_AND_VECTOR: 10.0}  # chosen in the probes the protocol's designs W and X state
WORD_NGRAMS = (1, 2)
CALL_STYLE_WEIGHT = 3.0  # design X: the call-style lines weigh 3 (W: balanced class weights instead)
MIN_PRECISION = 0.9
GRID = np.round(np.arange(0.5, 0.9501, 0.025), 3)
FOLDS = 5


def files(inputs: str) -> list[str]:
    return [FILE, VOCAB] if inputs == WORDS_AND_VECTOR else [FILE]


class ThreatDetector:
    """``probabilities(vectors, texts)``: the chance that each line (its sentence vector and its
    normalised text) threatens harm."""

    def __init__(self, coef: np.ndarray, intercept: float, words: Sequence[str] = (), idf=None, word_coef=None):
        self.coef = np.ascontiguousarray(coef, dtype=np.float32).reshape(-1)
        self.intercept = float(intercept)
        self.words = list(words)
        self.index = {g: i for i, g in enumerate(self.words)}
        self.idf = np.asarray(idf if idf is not None else [], dtype=np.float64)
        self.word_coef = np.asarray(word_coef if word_coef is not None else [], dtype=np.float64)
        if not (len(self.words) == len(self.idf) == len(self.word_coef)):
            raise ValueError(f"{len(self.words)} n-grams, {len(self.idf)} idf values, {len(self.word_coef)} coefficients")

    @property
    def inputs(self) -> str:
        return WORDS_AND_VECTOR if self.words else VECTOR

    @classmethod
    def load(cls, folder: Path, dim: int, inputs: str = VECTOR) -> "ThreatDetector":
        from safetensors.numpy import load_file

        if inputs not in INPUTS:
            raise ValueError(f"unknown threat detector inputs {inputs!r} (known: {', '.join(INPUTS)})")
        arrays = load_file(str(Path(folder) / FILE))
        coef, intercept = arrays["coef"], arrays["intercept"]
        if coef.reshape(-1).shape != (dim,) or intercept.size != 1:
            raise ValueError(f"{FILE} holds {coef.size} coefficients and {intercept.size} intercepts; the encoder gives {dim} numbers")
        if inputs == VECTOR:
            return cls(coef, float(intercept.reshape(-1)[0]))
        words = json.loads((Path(folder) / VOCAB).read_text(encoding="utf-8"))["words"]
        return cls(coef, float(intercept.reshape(-1)[0]), words, arrays["word_idf"], arrays["word_coef"])

    def save(self, folder: Path) -> list[str]:
        from safetensors.numpy import save_file

        arrays = {"coef": self.coef, "intercept": np.asarray([self.intercept], np.float32)}
        if self.words:
            arrays["word_idf"] = self.idf.astype(np.float32)
            arrays["word_coef"] = self.word_coef.astype(np.float32)
            (Path(folder) / VOCAB).write_text(json.dumps({"word_ngrams": list(WORD_NGRAMS), "words": self.words},
                                                         ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        save_file(arrays, str(Path(folder) / FILE))
        return files(self.inputs)

    def _words(self, text: str) -> float:
        return tfidf_dot(word_ngrams(text, *WORD_NGRAMS), self.index, self.idf, self.word_coef)

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str] = ()) -> np.ndarray:
        z = (np.asarray(vectors, dtype=np.float32) @ self.coef).astype(np.float64) + self.intercept
        if self.words:
            z = z + np.array([self._words(t) for t in texts], dtype=np.float64)
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def choose_threshold(p: np.ndarray, truth: np.ndarray, min_precision: float = MIN_PRECISION) -> float:
    """The lowest threshold of ``GRID`` at which precision of ``p >= threshold`` is at least
    ``min_precision`` (the last of the grid when none is)."""
    truth = np.asarray(truth).astype(bool)
    for th in GRID:
        said = p >= th
        if said.any() and float((said & truth).sum()) / float(said.sum()) >= min_precision:
            return float(th)
    return float(GRID[-1])


class _Fitted:
    """A scikit-learn fit of one recipe (training only)."""

    def __init__(self, inputs: str, texts: Sequence[str], x: np.ndarray, y: np.ndarray, weight: np.ndarray | None):
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.inputs, self.vectorizer = inputs, None
        if inputs == VECTOR:
            self.model = LogisticRegression(C=C[VECTOR], max_iter=5000, class_weight="balanced").fit(x, y)
            return
        self.vectorizer = TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, min_df=2, sublinear_tf=True,
                                          token_pattern=r"\S+", dtype=np.float64)
        features = hstack([self.vectorizer.fit_transform(list(texts)), csr_matrix(x)]).tocsr()
        # liblinear shuffles with numpy's global random state unless given one: seeded, so a retrain gives the same weights
        self.model = LogisticRegression(C=C[WORDS_AND_VECTOR], max_iter=5000, solver="liblinear", random_state=0).fit(
            features, y, sample_weight=weight)

    def predict(self, texts: Sequence[str], x: np.ndarray) -> np.ndarray:
        if self.vectorizer is None:
            return self.model.predict_proba(x)[:, 1]
        from scipy.sparse import csr_matrix, hstack

        return self.model.predict_proba(hstack([self.vectorizer.transform(list(texts)), csr_matrix(x)]).tocsr())[:, 1]

    def detector(self) -> ThreatDetector:
        coef = self.model.coef_.reshape(-1)
        intercept = float(self.model.intercept_.reshape(-1)[0])
        if self.vectorizer is None:
            return ThreatDetector(coef, intercept)
        n = len(self.vectorizer.vocabulary_)
        words = [g for g, _ in sorted(self.vectorizer.vocabulary_.items(), key=lambda kv: kv[1])]
        return ThreatDetector(coef[n:], intercept, words, self.vectorizer.idf_, coef[:n])


def fit_detector(vectors: np.ndarray, texts: Sequence[str], threat: Sequence[int], call_style: Sequence[bool],
                 folds: Sequence[int], inputs: str = VECTOR) -> tuple[ThreatDetector, dict]:
    """The detector fitted on every line, and its account: its threshold from out-of-fold
    probabilities (``folds``: each line's group, 0 to ``FOLDS - 1``), chosen for precision
    ``MIN_PRECISION`` on the ``call_style`` lines. The account's ``out_of_fold`` (those
    probabilities) is for the caller, not for config.json."""
    x = np.asarray(vectors, dtype=np.float64)
    y = np.asarray(threat).astype(int)
    call = np.asarray(call_style, dtype=bool)
    weight = np.where(call, CALL_STYLE_WEIGHT, 1.0) if inputs == WORDS_AND_VECTOR else None
    texts = list(texts)
    fold = np.asarray(folds)
    oof = np.zeros(len(y), dtype=np.float64)
    for k in range(FOLDS):
        held = fold == k
        keep = np.flatnonzero(~held)
        fitted = _Fitted(inputs, [texts[i] for i in keep], x[keep], y[keep], None if weight is None else weight[keep])
        oof[held] = fitted.predict([texts[i] for i in np.flatnonzero(held)], x[held])
    threshold = choose_threshold(oof[call], y[call])
    detector = _Fitted(inputs, texts, x, y, weight).detector()
    said = oof[call] >= threshold
    truth = y[call].astype(bool)
    account = {
        "inputs": inputs,
        "threshold": threshold,
        "C": C[inputs],
        "weights": f"call-style lines {CALL_STYLE_WEIGHT:g}, others 1" if weight is not None else "balanced classes",
        **({"word_ngrams": len(detector.words)} if detector.words else {}),
        "lines": int(len(y)),
        "threats": int(y.sum()),
        "call_style_lines": int(call.sum()),
        "call_style_threats": int(truth.sum()),
        "out_of_fold_at_threshold": {
            "precision": round(float((said & truth).sum()) / max(int(said.sum()), 1), 3),
            "recall": round(float((said & truth).sum()) / max(int(truth.sum()), 1), 3),
        },
        "out_of_fold": oof,
        "rule": f"lowest threshold of {GRID[0]}..{GRID[-1]} with out-of-fold precision >= {MIN_PRECISION} on the call-style lines",
    }
    return detector, account
