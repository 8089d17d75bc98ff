"""Replay audio: the recorded call played through the default output (sounddevice).

The display clock stays the master; the player follows play/pause/seek/speed
(speed changes the pitch, like a tape). With no output device the replay goes on
silently, and ``available`` says why once.
"""

from __future__ import annotations


import threading

import numpy as np

from coach.audio.source import SAMPLE_RATE


class AudioPlayer:
    def __init__(self, channels: dict[str, np.ndarray]):
        longest = max((len(x) for x in channels.values()), default=0)
        mix = np.zeros(longest, np.float32)
        for x in channels.values():
            mix[: len(x)] += x
        self.audio = np.clip(mix, -1.0, 1.0)
        self._pos = 0.0  # in samples
        self._speed = 1.0
        self._playing = False
        self._lock = threading.Lock()
        self._stream = None
        self.problem: str | None = None
        try:
            import sounddevice as sd

            sd.query_devices(kind="output")
            self._stream = sd.OutputStream(samplerate=SAMPLE_RATE, channels=1, dtype="float32", callback=self._callback)
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 - no device, no PortAudio, a busy device: replay silently
            self._stream = None
            self.problem = (f"No audio output device ({str(exc).strip() or type(exc).__name__}); "
                            "the replay continues silently.")

    @property
    def available(self) -> bool:
        return self._stream is not None

    def _callback(self, out, frames, _time, _status) -> None:
        with self._lock:
            if not self._playing:
                out.fill(0)
                return
            idx = self._pos + np.arange(frames) * self._speed
            self._pos += frames * self._speed
        idx = idx.astype(np.int64)
        valid = idx < len(self.audio)
        out[:, 0] = 0
        out[valid, 0] = self.audio[idx[valid]]

    def play(self, at: float) -> None:
        with self._lock:
            self._pos, self._playing = at * SAMPLE_RATE, True

    def pause(self) -> None:
        with self._lock:
            self._playing = False

    def seek(self, at: float) -> None:
        with self._lock:
            self._pos = at * SAMPLE_RATE

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._speed = speed

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # noqa: BLE001
                pass
            self._stream = None
