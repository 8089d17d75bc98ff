"""Vosk (Kaldi) as a streaming recognizer: partials as words arrive, finals with word timings.

Vosk's own endpointing is fixed in each model's ``conf/model.conf`` (0.5 s and up),
so coach adds its own, the same for every model: once the open hypothesis has not
grown for ``endpoint_silence`` seconds of audio after its last word, the utterance
is finalized. Word times come from Vosk and count samples, not wall time.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from coach.events import Partial, Utterance, Word
from coach.stt.base import DEFAULT_ENDPOINT_SILENCE, as_float32
from coach.stt.models import VoskModelInfo, load_vosk_model

SR = 16000


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model: VoskModelInfo, *, endpoint_silence: float | None = None):
        self.info = model
        self.model = load_vosk_model(model.path)
        self.endpoint_silence = DEFAULT_ENDPOINT_SILENCE if endpoint_silence is None else float(endpoint_silence)
        self.description = f"vosk {model.name} ({model.language}, {model.origin}, {model.path})"

    def stream(self, channel: str, start: float = 0.0) -> "VoskStream":
        return VoskStream(self, channel, start)


class VoskStream:
    def __init__(self, recognizer: VoskRecognizer, channel: str, start: float = 0.0):
        from vosk import KaldiRecognizer

        self.r = recognizer
        self.channel = channel
        self.start = float(start)
        self.kaldi = KaldiRecognizer(recognizer.model, SR)
        self.kaldi.SetWords(True)
        self.kaldi.SetPartialWords(True)
        self._n = 0
        self._partial = ""
        self._last_word_end = 0.0  # stream seconds

    def _now(self) -> float:
        return self._n / SR

    def accept(self, samples: np.ndarray) -> list[Partial | Utterance]:
        x = as_float32(samples)
        pcm = (np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        self._n += len(x)
        events: list[Partial | Utterance] = []
        if self.kaldi.AcceptWaveform(pcm):
            events.extend(self._final(self.kaldi.Result()))
            return events
        partial = json.loads(self.kaldi.PartialResult())
        text = partial.get("partial", "").strip()
        words = partial.get("partial_result") or []
        if words:
            self._last_word_end = max(self._last_word_end, float(words[-1]["end"]))
        if text and text != self._partial:
            self._partial = text
            begin = float(words[0]["start"]) if words else self._now()
            events.append(Partial(self.channel, round(self.start + begin, 3), round(self.start + self._now(), 3), text))
        elif self._partial and self._now() - self._last_word_end >= self.r.endpoint_silence:
            events.extend(self._final(self.kaldi.FinalResult()))
        return events

    def _final(self, result_json: str) -> list[Utterance]:
        result = json.loads(result_json)
        self._partial = ""
        text = result.get("text", "").strip()
        words = tuple(
            Word(w["word"], round(self.start + w["start"], 3), round(self.start + w["end"], 3), float(w.get("conf", 1.0)))
            for w in result.get("result", [])
        )
        if not text:
            return []
        begin = words[0].start if words else round(self.start + self._now(), 3)
        end = words[-1].end if words else round(self.start + self._now(), 3)
        return [Utterance(self.channel, begin, end, text, words)]

    def finish(self) -> list[Partial | Utterance]:
        return list(self._final(self.kaldi.FinalResult()))
