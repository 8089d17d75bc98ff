"""The input row of the heads: sentence vector, lexical features, speaker bit; and the hashed words."""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np

from coach.classify.lexicon import lexical_matrix


def head_inputs(vectors: np.ndarray, texts: Sequence[str], speakers: Sequence[str]) -> np.ndarray:
    """``[vector | lexical | speaker is agent]`` per row, float32; ``texts`` are normalised."""
    lex = lexical_matrix(list(texts))
    agent = np.array([[1.0 if s == "agent" else 0.0] for s in speakers], dtype=np.float32).reshape(-1, 1)
    return np.concatenate([vectors.astype(np.float32), lex, agent], axis=1)


WORD_BUCKETS = 1 << 14


def word_ids(normalized: str, buckets: int = WORD_BUCKETS) -> list[int]:
    """The distinct words of a normalised text, hashed (crc32, stable across runs) into buckets."""
    return sorted({zlib.crc32(w.encode("utf-8")) % buckets for w in normalized.split()})


def word_bags(rows: Sequence[Sequence[int]]):
    """``(flat ids, offsets)`` tensors for ``nn.EmbeddingBag`` from per-row id lists."""
    import torch

    offsets, flat = [], []
    for ids in rows:
        offsets.append(len(flat))
        flat.extend(ids)
    return torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)
