"""The recognizer contract every speech engine meets.

A ``Recognizer`` is a loaded model; ``stream(channel, start)`` opens one
independent stream per channel. A stream is fed consecutive 16 kHz float32
samples and returns the ``Partial``/``Utterance`` events those samples caused,
stamped in call time (``start + samples_so_far / 16000``). Streams never look at
the wall clock, so a fast replay and a real-time replay give the same events.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from coach.events import Partial, Utterance

# Silence that ends an utterance, in seconds of audio, per engine, when the user does not
# set one. Chosen from the sweep in benchmarks/bench_stt.py (see benchmarks/results/stt.md):
# the shortest silence at which no sentence of the rendered calls was cut mid-way (the
# espeak-ng demo call pauses ~0.2-0.3 s at commas). Whisper at 0.3 s splits a few
# two-sentence lines at their full stop but cuts no sentence; Vosk's VAD-gated endpoint
# cut nothing even at 0.2 s. Longer only adds latency; natural speech with long
# hesitations may want --endpoint-silence 0.4 or more.
ENDPOINT_SILENCE = {"whisper": 0.3, "vosk": 0.2}
DEFAULT_ENDPOINT_SILENCE = ENDPOINT_SILENCE["whisper"]  # the default engine's

# Audio per frame that a paced or live source should deliver to each engine. A final can
# only leave with the frame in which its endpoint falls, so the frame adds up to its own
# length to the latency. Vosk decides per 32 ms block (one VAD chunk), so it gets 32 ms
# frames; Whisper's finals wait on a decode anyway, and it keeps 0.1 s. Fast replays
# do not need this: streams give the same events for any split of the audio.
FRAME_SECONDS = {"whisper": 0.1, "vosk": 512 / 16000}
DEFAULT_FRAME_SECONDS = 0.1


def frame_seconds_for(recognizer: object) -> float:
    """The frame length (seconds) a real-time source should use for ``recognizer``."""
    return float(getattr(recognizer, "frame_seconds", DEFAULT_FRAME_SECONDS))


@runtime_checkable
class RecognizerStream(Protocol):
    def accept(self, samples: np.ndarray) -> list[Partial | Utterance]: ...

    def finish(self) -> list[Partial | Utterance]: ...


@runtime_checkable
class Recognizer(Protocol):
    name: str
    description: str

    def stream(self, channel: str, start: float = 0.0) -> RecognizerStream: ...


def as_float32(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    if x.dtype == np.int16:
        return x.astype(np.float32) / 32768.0
    return np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
