"""Streaming voice-activity detection with the Silero VAD shipped in faster-whisper.

faster-whisper only runs Silero over a whole file; a live call needs it chunk by
chunk. ``StreamingVad`` keeps the model's recurrent state (h, c) and the 64-sample
context between calls, so feeding a recording in any split gives the same
per-chunk speech probabilities as feeding it at once.
"""

from __future__ import annotations

import functools

import numpy as np

CHUNK = 512  # samples per VAD decision (32 ms at 16 kHz)
CONTEXT = 64


@functools.lru_cache(maxsize=1)
def _session():
    from faster_whisper.vad import get_vad_model

    return get_vad_model().session


class StreamingVad:
    """Feed samples, get one speech probability per complete 512-sample chunk."""

    def __init__(self) -> None:
        self.session = _session()
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT, np.float32)
        self._pending = np.zeros(0, np.float32)

    def accept(self, samples: np.ndarray) -> np.ndarray:
        x = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        n = len(x) // CHUNK
        self._pending = x[n * CHUNK :].copy()
        if n == 0:
            return np.zeros(0, np.float32)
        chunks = x[: n * CHUNK].reshape(n, CHUNK)
        contexts = np.concatenate([self._context[None, :], chunks[:-1, -CONTEXT:]], axis=0)
        batch = np.ascontiguousarray(np.concatenate([contexts, chunks], axis=1), dtype=np.float32)
        self._context = chunks[-1, -CONTEXT:].copy()
        probs, self._h, self._c = self.session.run(None, {"input": batch, "h": self._h, "c": self._c})
        return np.asarray(probs, np.float32).reshape(-1)
