"""Plain-numpy scores used by training, the model card, tests and benchmarks."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def precision_recall_f1(y_true: Sequence[int], y_pred: Sequence[int], positive: int = 1) -> tuple[float, float, float]:
    t = np.asarray(y_true) == positive
    p = np.asarray(y_pred) == positive
    tp = float(np.sum(t & p))
    precision = tp / max(float(np.sum(p)), 1.0)
    recall = tp / max(float(np.sum(t)), 1.0)
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def macro_f1(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[int]) -> float:
    return float(np.mean([precision_recall_f1(y_true, y_pred, c)[2] for c in labels]))


def macro_recall(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[int]) -> float:
    return float(np.mean([precision_recall_f1(y_true, y_pred, c)[1] for c in labels]))


def accuracy(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean(t == p)) if len(t) else 0.0


def best_threshold(scores: np.ndarray, y_true: np.ndarray, low: float = 0.2, high: float = 0.8, tolerance: float = 0.0,
                   macro: bool = False) -> float:
    """The threshold in [low, high] (steps of 0.025) with the best F1 of the positive class (or, with
    ``macro``, the best two-class macro-F1); among those within ``tolerance`` of the best (ties when
    0), the one nearest 0.5."""
    grid = np.round(np.arange(low, high + 1e-9, 0.025), 3)
    if macro:
        f1s = [macro_f1(list(y_true), list((scores >= th).astype(int)), (0, 1)) for th in grid]
    else:
        f1s = [precision_recall_f1(y_true, (scores >= th).astype(int))[2] for th in grid]
    top = max(f1s)
    near = [float(th) for th, f in zip(grid, f1s) if f >= top - tolerance - 1e-9]
    return min(near, key=lambda th: (abs(th - 0.5), th))


def best_macro_threshold(scores: np.ndarray, y_true: np.ndarray, low: float, high: float, tolerance: float = 0.0) -> float:
    """``best_threshold`` by two-class macro-F1: on rare positives it does not give up the negatives."""
    return best_threshold(scores, y_true, low, high, tolerance, macro=True)
