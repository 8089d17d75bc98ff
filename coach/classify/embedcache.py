"""A disk cache of sentence vectors, so retraining does not re-encode 40k texts.

Vectors are keyed by the sha1 of the (normalised) text and stored in
``models/.cache/embeddings.npz`` (git-ignored). The cache is tied to the encoder
by the sha256 of its weights file: another encoder version starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from coach.classify.encoder import DIM, SentenceEncoder
from coach.classify.weights import sha256
from coach.paths import MODELS_DIR

CACHE_DIR = MODELS_DIR / ".cache"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, encoder: SentenceEncoder, folder: Path = CACHE_DIR):
        self.encoder = encoder
        tag = sha256(encoder.model_dir / "model.safetensors")[:12]
        self.path = Path(folder) / f"embeddings-{tag}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            try:
                data = np.load(self.path)
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError):  # a broken cache is only lost time
                self._vectors = {}
        self._dirty = False

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._vectors}.items())
        if missing:
            vecs = self.encoder.encode([t for _, t in missing])
            for (k, _), v in zip(missing, vecs):
                self._vectors[k] = v
            self._dirty = True
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = self._vectors[k]
        return out

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors.keys()))
        vectors = np.stack(list(self._vectors.values())).astype(np.float32)
        tmp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")  # two trainings at once do not share it
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self.path)
        self._dirty = False
