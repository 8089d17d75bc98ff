"""The input row of the heads: sentence vector, lexical features, speaker bit."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from coach.classify.lexicon import lexical_matrix


def head_inputs(vectors: np.ndarray, texts: Sequence[str], speakers: Sequence[str]) -> np.ndarray:
    """``[vector | lexical | speaker is agent]`` per row, float32; ``texts`` are normalised."""
    lex = lexical_matrix(list(texts))
    agent = np.array([[1.0 if s == "agent" else 0.0] for s in speakers], dtype=np.float32).reshape(-1, 1)
    return np.concatenate([vectors.astype(np.float32), lex, agent], axis=1)
