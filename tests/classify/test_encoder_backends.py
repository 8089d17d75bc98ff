"""The two encoder backends (ONNX export, transformers in torch) and the numpy heads.

The ONNX export is what a call runs on; these tests hold it to the transformers model it
was exported from, and check the cache that keeps it: reused when current, rebuilt when
damaged, and a call that never imports torch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from coach.classify import encoder as enc
from coach.errors import ModelError

pytestmark = pytest.mark.slow  # real encoder, both backends

TEXTS = [
    "",
    "ok",
    "i want to speak to your manager right now",
    "this damn router is useless and so is your support",
    "so what i'm hearing is the bill went up twice and nobody told you " * 12,  # > 256 tokens: truncated alike
    "ça ne marche pas du tout, je veux parler à quelqu'un",
    "\x00\x01 binary junk \ufffd\ufffd",
    "x" * 50_000,
]


@pytest.fixture(scope="module")
def torch_encoder():
    return enc.SentenceEncoder(backend="torch")


@pytest.fixture(scope="module")
def onnx_encoder():
    e = enc.SentenceEncoder(backend="onnx")
    assert e.backend == "onnx" and e.model is None
    return e


def test_onnx_vectors_equal_the_transformers_model_one_at_a_time_and_in_padded_batches(torch_encoder, onnx_encoder):
    ref = np.stack([torch_encoder.encode([t])[0] for t in TEXTS])
    batched = onnx_encoder.encode(TEXTS)  # sorted by length, padded to the longest in each batch
    single = np.stack([onnx_encoder.encode([t])[0] for t in TEXTS])
    assert np.abs(batched - ref).max() < 1e-5
    assert np.abs(single - ref).max() < 1e-5
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    # and the vectors are not all alike (a broken mask or pooling gives near-identical vectors)
    assert float(batched[2] @ batched[3]) < 0.6


def test_numpy_heads_equal_the_torch_module_on_the_shipped_weights():
    import torch
    from safetensors.torch import load_file

    from coach.classify.features import word_bags
    from coach.classify.heads import Heads
    from coach.classify.heads_np import NumpyHeads
    from coach.classify.weights import DEFAULT_DIR, WEIGHTS, verify

    config = verify(DEFAULT_DIR)
    buckets = int(config.get("word_buckets", 0))
    module = Heads(hidden=int(config.get("hidden", 128)), word_buckets=buckets)
    module.load_state_dict(load_file(str(DEFAULT_DIR / WEIGHTS)))
    module.eval()
    heads = NumpyHeads.load(DEFAULT_DIR / WEIGHTS, buckets)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, heads.shared_w.shape[1])).astype(np.float32)
    words = [[], [1, 5, 99], [buckets - 1], list(range(0, buckets, 997)), [3], [42, 43]] if buckets else None
    with torch.inference_mode():
        want = module(torch.from_numpy(x), word_bags(words) if words else None)
    got = heads(x, words)
    for name, value in want.items():
        # random rows give logits of up to ~100: float32 rounding, relative
        assert np.allclose(got[name], value.numpy(), rtol=1e-5, atol=1e-4), name


def test_a_call_with_the_onnx_encoder_never_imports_torch_or_transformers(onnx_encoder):
    # nor scikit-learn: the lexical offensive model is fitted with it but runs on numpy
    code = (
        "import sys; from coach.classify import load_classifier; c = load_classifier(); "
        "r = c.classify('you useless idiot get me your manager'); "
        "print(r.abuse, ' '.join(r.cues), 'torch' in sys.modules, 'transformers' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    abuse, *rest = out.stdout.split()
    assert abuse == "insult" and "supervisor_request" in rest
    assert rest[-3:] == ["False", "False", "False"], out.stdout


def test_the_cache_is_reused_when_current_and_rebuilt_when_damaged(onnx_encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path))
    # a fresh cache folder: `coach models prepare` (what scripts/setup runs) exports it now
    cli = subprocess.run([sys.executable, "-m", "coach", "models", "prepare"], capture_output=True, text=True, timeout=300,
                         env=os.environ.copy())
    assert cli.returncode == 0, cli.stderr
    made = enc.prepare()
    assert cli.stdout.strip() == f"sentence encoder ready: {made}"
    meta = json.loads(made.with_suffix(".json").read_text())
    assert meta["onnx_bytes"] == made.stat().st_size and len(meta["sha256"]) == 64
    stamp = made.stat().st_mtime_ns
    assert enc.prepare() == made and made.stat().st_mtime_ns == stamp  # current: not exported again

    # damaged in place, same size: onnxruntime refuses it, the encoder exports it again and works
    size = made.stat().st_size
    made.write_bytes(b"\x00" * size)
    e = enc.SentenceEncoder(backend="onnx")
    assert e.backend == "onnx"
    assert np.abs(e.encode(TEXTS[2:4]) - onnx_encoder.encode(TEXTS[2:4])).max() < 1e-6

    # cut short (a full disk, a killed copy): seen by its size, exported again
    with open(made, "r+b") as f:
        f.truncate(size // 2)
    assert enc.prepare() == made and made.stat().st_size == size


def test_a_copy_of_the_encoder_elsewhere_reuses_the_export_when_its_weights_are_the_same(onnx_encoder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("COACH_CACHE_DIR", str(cache))
    made = enc.prepare()
    stamp = made.stat().st_mtime_ns
    copy = tmp_path / "minilm"
    shutil.copytree(enc.encoder_dir(), copy)  # new path and mtime, same bytes: the sha256 says it is the same model
    assert enc.prepare(copy) == made and made.stat().st_mtime_ns == stamp


def test_an_unknown_backend_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("COACH_ENCODER_BACKEND", "tensorflow")
    with pytest.raises(ModelError, match="COACH_ENCODER_BACKEND='tensorflow'.*onnx, torch"):
        enc.SentenceEncoder()
