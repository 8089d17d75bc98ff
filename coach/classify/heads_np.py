"""The trained heads (``heads.Heads``) run with numpy alone, for inference.

Training needs torch; reading a call does not: with the ONNX encoder and these heads a
call never imports torch (~190 MB and ~1.6 s saved). The arithmetic is the module's own,
written out: ``Linear`` is ``x @ W.T + b``, GELU is the exact (erf) one, the word weights
are a sum over each row's hashed word ids (``nn.EmbeddingBag(mode="sum")``); dropout is
off at inference. ``tests/classify/test_heads_np.py`` checks it against the torch module.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)

_LINEAR_HEADS = ("sentiment", "anger", "offensive", "abuse_type", "cues")


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float32))).astype(np.float32)


class NumpyHeads:
    """Same inputs and logits as ``heads.Heads.forward`` (``words``: per-row lists of word ids)."""

    def __init__(self, state: dict[str, np.ndarray], word_buckets: int = 0):
        def f32(name: str) -> np.ndarray:
            return np.ascontiguousarray(state[name], dtype=np.float32)

        self.word_buckets = word_buckets
        self.shared_w, self.shared_b = f32("shared.0.weight"), f32("shared.0.bias")
        self.heads = {name: (f32(f"{name}.weight").T.copy(), f32(f"{name}.bias")) for name in _LINEAR_HEADS}
        self.words = f32("words.weight") if word_buckets else None
        if self.words is not None and self.words.shape[0] != word_buckets:
            raise ValueError(f"word weights have {self.words.shape[0]} buckets, the config says {word_buckets}")

    @classmethod
    def load(cls, path: Path, word_buckets: int = 0) -> "NumpyHeads":
        from safetensors.numpy import load_file

        return cls(load_file(str(path)), word_buckets)

    def __call__(self, x: np.ndarray, words: Sequence[Sequence[int]] | None = None) -> dict[str, np.ndarray]:
        x = np.asarray(x, dtype=np.float32)
        h = np.concatenate([_gelu(x @ self.shared_w.T + self.shared_b), x], axis=1)
        out = {name: h @ w + b for name, (w, b) in self.heads.items()}
        out["anger"] = out["anger"][:, 0]
        out["offensive"] = out["offensive"][:, 0]
        if self.words is not None:
            if words is None:
                raise ValueError("these heads read the words too: pass the word ids of each row")
            w = np.stack([self.words[list(ids)].sum(axis=0) if len(ids) else np.zeros(self.words.shape[1], np.float32) for ids in words])
            out["offensive"] = out["offensive"] + w[:, 0]
            out["abuse_type"] = out["abuse_type"] + w[:, 1:]
        return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))
