"""Audio files as a stream of frames on call time.

A recording is read whole (it is at most a call long), checked, resampled to
16 kHz mono float32 per channel and cut into frames. A stereo file is two
speakers (channel 0 the agent, channel 1 the customer unless swapped); a mono
file is the customer alone.

How fast the frames come out depends only on the clock: with ``None`` or a
``VirtualClock`` as fast as the consumer takes them, with a ``RealClock`` paced
like a live call. The frames themselves are the same either way, so everything
downstream (VAD, endpointing, partial cadence) sees identical input.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from coach.errors import AudioError
from coach.events import AGENT, CUSTOMER

SAMPLE_RATE = 16000
SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3")


def samples_per_frame(frame_seconds: float) -> int:
    """Samples at ``SAMPLE_RATE`` in a frame of ``frame_seconds``; ``ValueError`` unless a positive finite number."""
    try:
        seconds = float(frame_seconds)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise ValueError(f"frame_seconds must be a positive number of seconds, not {frame_seconds!r}")
    return max(1, int(round(seconds * SAMPLE_RATE)))


@dataclass(frozen=True)
class AudioFrame:
    """A slice of the call: ``t`` is the call time at the END of the frame (seconds)."""

    t: float
    samples: Mapping[str, np.ndarray]  # channel -> float32 mono 16 kHz; may hold only one channel


def resample(x: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling (exact ratio, no drift over a long call)."""
    if rate == target:
        return np.ascontiguousarray(x, dtype=np.float32)
    from scipy.signal import resample_poly

    g = gcd(int(rate), int(target))
    y = resample_poly(np.asarray(x, dtype=np.float64), target // g, int(rate) // g)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


def _read(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    if not path.exists():
        raise AudioError(f"The audio file {path} does not exist; check the path and try again.")
    if path.is_dir():
        raise AudioError(f"{path} is a folder, not an audio file; give the path of a WAV, FLAC, OGG or MP3 recording.")
    if path.stat().st_size == 0:
        raise AudioError(f"The audio file {path} is empty (0 bytes); record or export the call again.")
    suffix = path.suffix.lower()
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise AudioError(
            f"{path} has the unsupported format '{suffix}'; convert it to WAV, FLAC, OGG or MP3 "
            f"(e.g. `sox {path.name} call.wav`)."
        )
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(
            f"{path} is not a readable audio file ({_reason(exc)}); check that it is a complete "
            "WAV, FLAC, OGG or MP3 recording, or convert it with sox."
        ) from None
    if data.shape[0] == 0:
        raise AudioError(f"{path} contains no audio samples; record or export the call again.")
    if suffix == ".wav":
        _check_wav_complete(path)
    if not np.all(np.isfinite(data)):
        raise AudioError(f"{path} contains invalid (NaN or infinite) samples; export the recording again.")
    return data, int(rate)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    text = text.replace("Error opening", "cannot open").rstrip(".")
    return text[:160]


def _check_wav_complete(path: Path) -> None:
    """libsndfile quietly reads what is there of a cut-off WAV; a call cut short must be said."""
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return
            cid, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if cid == b"data":
                if head[:4] == b"RF64" or size in (0, 0xFFFFFFFF):
                    return  # streamed WAV with unknown length: accept what is there
                have = path.stat().st_size - fh.tell()
                if have < size:
                    raise AudioError(
                        f"{path} is truncated: its header promises {size} bytes of audio but only "
                        f"{have} are there; copy or export the recording again."
                    )
                return
            fh.seek(size + (size & 1), 1)


def load_audio(path: str | Path, customer_channel: int = 1) -> dict[str, np.ndarray]:
    """The whole recording as ``{channel: float32 16 kHz mono}``; raises ``AudioError``.

    Stereo (or more channels): ``customer_channel`` (0 or 1) is the customer, the other
    of the first two the agent. Mono: the customer alone.
    """
    if customer_channel not in (0, 1):
        raise AudioError(f"--customer-channel must be 0 or 1, not {customer_channel}.")
    path = Path(path)
    data, rate = _read(path)
    if data.shape[1] == 1:
        return {CUSTOMER: resample(data[:, 0], rate)}
    agent_channel = 1 - customer_channel
    return {
        AGENT: resample(data[:, agent_channel], rate),
        CUSTOMER: resample(data[:, customer_channel], rate),
    }


class FileSource:
    """A recording replayed as ``AudioFrame``s (fast on a virtual clock, paced on a real one)."""

    def __init__(
        self,
        path: str | Path,
        customer_channel: int = 1,
        clock: Any = None,
        frame_seconds: float = 0.1,
        start: float = 0.0,
    ):
        self.frame_samples = samples_per_frame(frame_seconds)
        self.path = Path(path)
        self.audio = load_audio(self.path, customer_channel)
        self.channels: tuple[str, ...] = tuple(ch for ch in (AGENT, CUSTOMER) if ch in self.audio)
        self.n_samples = max(len(x) for x in self.audio.values())
        self.duration = self.n_samples / SAMPLE_RATE
        self.clock = clock
        self.start = float(start)
        self._stop = threading.Event()

    def set_frame_seconds(self, frame_seconds: float) -> None:
        """Change the frame length, e.g. to the recognizer's (``coach.stt.base.frame_seconds_for``).

        Takes effect for the frames of the next iteration; the audio and its call times
        do not change, only how it is cut.
        """
        self.frame_samples = samples_per_frame(frame_seconds)

    def stop(self) -> None:
        self._stop.set()

    def frames(self) -> Iterator[AudioFrame]:
        """The frames alone, without waiting for any clock."""
        n = self.frame_samples
        first = int(round(self.start * SAMPLE_RATE))
        for begin in range(max(0, first), self.n_samples, n):
            end = min(begin + n, self.n_samples)
            samples = {}
            for ch in self.channels:
                x = self.audio[ch][begin:end]
                if len(x) < end - begin:  # channels of unequal length: pad the shorter with silence
                    x = np.concatenate([x, np.zeros(end - begin - len(x), np.float32)])
                samples[ch] = x
            yield AudioFrame(end / SAMPLE_RATE, samples)

    def __iter__(self) -> Iterator[AudioFrame]:
        clock = self.clock
        if clock is not None and hasattr(clock, "start") and not getattr(self, "_clock_started", False):
            clock.start(self.start)
            self._clock_started = True
        for frame in self.frames():
            if self._stop.is_set():
                return
            if clock is not None:
                if not clock.wait_until(frame.t, self._stop):
                    return
            yield frame
