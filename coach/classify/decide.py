"""The abuse decision, in one place for the classifier, its training scores and the benchmarks.

Labels are ``0`` none, then ``1 + ABUSE_TYPES.index(kind)``: ``1`` profanity, ``2`` insult,
``3`` threat. Without a threat detector the heads decide it all: offensive when the (combined)
offensive probability reaches its threshold, the kind the most likely abuse type. With one
(designs W and X of docs/classifier-protocol.md) a line is a threat when the detector says so, whatever
the offensive gate says, and otherwise the kind is chosen between profanity and insult only.
"""

from __future__ import annotations

import numpy as np

from coach.classify.labels import ABUSE_TYPES

THREAT = ABUSE_TYPES.index("threat")
NOT_THREAT = [i for i in range(len(ABUSE_TYPES)) if i != THREAT]


def abuse_kinds(abuse_type: np.ndarray, p_threat: np.ndarray | None = None, threat_th: float | None = None) -> np.ndarray:
    """The abuse type of each row, as if it were offensive (an index in ``ABUSE_TYPES``)."""
    kinds = np.asarray(abuse_type)
    if p_threat is None:
        return kinds.argmax(axis=-1)
    other = np.asarray(NOT_THREAT)[kinds[..., NOT_THREAT].argmax(axis=-1)]
    return np.where(np.asarray(p_threat) >= threat_th, THREAT, other)


def abuse_labels(p_offensive: np.ndarray, abuse_type: np.ndarray, offensive_th: float,
                 p_threat: np.ndarray | None = None, threat_th: float | None = None) -> np.ndarray:
    """The 4-way abuse label of each row (0 none, 1 + the index of its kind)."""
    offensive = np.asarray(p_offensive) >= offensive_th
    if p_threat is not None:
        offensive = offensive | (np.asarray(p_threat) >= threat_th)
    return np.where(offensive, abuse_kinds(abuse_type, p_threat, threat_th) + 1, 0)
