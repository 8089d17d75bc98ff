"""Settings shared by every test: offline models, a throw-away data folder, Qt offscreen."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "COACH_DATA_DIR" not in os.environ:
    os.environ["COACH_DATA_DIR"] = tempfile.mkdtemp(prefix="coach-test-data-")
if "COACH_CONFIG_DIR" not in os.environ:
    os.environ["COACH_CONFIG_DIR"] = tempfile.mkdtemp(prefix="coach-test-config-")


@pytest.fixture(scope="session")
def render_seed() -> int:
    """The seed calls are rendered with (turn gaps, line hiss). ``COACH_RENDER_SEED=N`` re-runs the
    spoken-call tests on another render, to see whether a story rests on one lucky transcription."""
    return int(os.environ.get("COACH_RENDER_SEED", "0"))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, render_seed):
    """``rendered(name)``: ``tests/calls/<name>.txt`` spoken by espeak-ng into a stereo WAV, once per run."""
    from coach.demo import render_call

    out = tmp_path_factory.mktemp("calls")
    cache: dict[str, Path] = {}

    def render(name: str) -> Path:
        if name not in cache:
            wav = out / f"{name}.wav"
            render_call(Path(__file__).parent / "calls" / f"{name}.txt", wav, seed=render_seed)
            cache[name] = wav
        return cache[name]

    return render
