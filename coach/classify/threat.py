"""Design W of docs/classifier-protocol.md: a threat detector beside the heads.

A logistic regression on the encoder's sentence vector alone (no hashed word weights, no lexical
features) says whether a line threatens harm. When the weights have one, it alone decides the abuse
label ``threat`` (``decide.abuse_labels``): the heads' word weights learnt threats from the words
in them, so "i'm going to set fire to that practice with all of you in it" (no word of the few
dozen threats they saw) read as nothing, and "what did you say sorry the line cut out" could read
as a threat once they saw more. A sentence vector carries what a line means more than which words
it has.

Training (``fit_detector``) uses scikit-learn; at call time it is one dot product with numpy.
The file ``threat.safetensors`` holds the coefficients and the intercept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

FILE = "threat.safetensors"
C = 3.0  # chosen in the probe the protocol's design W states
MIN_PRECISION = 0.9
GRID = np.round(np.arange(0.5, 0.9501, 0.025), 3)
FOLDS = 5


class ThreatDetector:
    """``probabilities(vectors)``: the chance that each line (its sentence vector) threatens harm."""

    def __init__(self, coef: np.ndarray, intercept: float):
        self.coef = np.ascontiguousarray(coef, dtype=np.float32).reshape(-1)
        self.intercept = float(intercept)

    @classmethod
    def load(cls, folder: Path, dim: int) -> "ThreatDetector":
        from safetensors.numpy import load_file

        arrays = load_file(str(Path(folder) / FILE))
        coef, intercept = arrays["coef"], arrays["intercept"]
        if coef.reshape(-1).shape != (dim,) or intercept.size != 1:
            raise ValueError(f"{FILE} holds {coef.size} coefficients and {intercept.size} intercepts; the encoder gives {dim} numbers")
        return cls(coef, float(intercept.reshape(-1)[0]))

    def save(self, folder: Path) -> str:
        from safetensors.numpy import save_file

        save_file({"coef": self.coef, "intercept": np.asarray([self.intercept], np.float32)}, str(Path(folder) / FILE))
        return FILE

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        z = np.asarray(vectors, dtype=np.float32) @ self.coef + self.intercept
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def _regression():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000, class_weight="balanced")


def choose_threshold(p: np.ndarray, truth: np.ndarray, min_precision: float = MIN_PRECISION) -> float:
    """The lowest threshold of ``GRID`` at which precision of ``p >= threshold`` is at least
    ``min_precision`` (the last of the grid when none is)."""
    truth = np.asarray(truth).astype(bool)
    for th in GRID:
        said = p >= th
        if said.any() and float((said & truth).sum()) / float(said.sum()) >= min_precision:
            return float(th)
    return float(GRID[-1])


def fit_detector(vectors: np.ndarray, threat: Sequence[int], call_style: Sequence[bool], folds: Sequence[int]) -> tuple[ThreatDetector, dict]:
    """The detector fitted on every line, and its account: its threshold from out-of-fold
    probabilities (``folds``: each line's group, 0 to ``FOLDS - 1``), chosen for precision
    ``MIN_PRECISION`` on the ``call_style`` lines."""
    x = np.asarray(vectors, dtype=np.float64)
    y = np.asarray(threat).astype(int)
    call = np.asarray(call_style, dtype=bool)
    fold = np.asarray(folds)
    oof = np.zeros(len(y), dtype=np.float64)
    for k in range(FOLDS):
        held = fold == k
        model = _regression().fit(x[~held], y[~held])
        oof[held] = model.predict_proba(x[held])[:, 1]
    threshold = choose_threshold(oof[call], y[call])
    model = _regression().fit(x, y)
    said = oof[call] >= threshold
    truth = y[call].astype(bool)
    account = {
        "threshold": threshold,
        "C": C,
        "lines": int(len(y)),
        "threats": int(y.sum()),
        "call_style_lines": int(call.sum()),
        "call_style_threats": int(truth.sum()),
        "out_of_fold_at_threshold": {
            "precision": round(float((said & truth).sum()) / max(int(said.sum()), 1), 3),
            "recall": round(float((said & truth).sum()) / max(int(truth.sum()), 1), 3),
        },
        "out_of_fold": oof,  # popped by the caller: not for config.json
        "rule": f"lowest threshold of {GRID[0]}..{GRID[-1]} with out-of-fold precision >= {MIN_PRECISION} on the call-style lines",
    }
    return ThreatDetector(model.coef_.reshape(-1), float(model.intercept_.reshape(-1)[0])), account
