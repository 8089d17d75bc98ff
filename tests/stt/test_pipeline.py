"""ChannelRecognizers alone: one stream per channel, events merged by time without reordering a channel."""

from __future__ import annotations

import numpy as np

from coach.audio.source import AudioFrame
from coach.events import Partial, Utterance
from coach.stt.base import Recognizer, RecognizerStream
from coach.stt.pipeline import ChannelRecognizers


class ScriptedStream:
    """Returns scripted events per accept() call and records what it was fed."""

    def __init__(self, channel: str, script: list[list]):
        self.channel, self.script, self.fed = channel, list(script), []

    def accept(self, samples):
        self.fed.append(len(samples))
        return self.script.pop(0) if self.script else []

    def finish(self):
        return [Utterance(self.channel, 9.0, 9.5, "bye")]


class ScriptedRecognizer:
    name = "scripted"
    description = "events written by the test"

    def __init__(self, scripts):
        self.scripts, self.streams = scripts, {}

    def stream(self, channel, start=0.0):
        self.streams[channel] = ScriptedStream(channel, self.scripts.get(channel, []))
        return self.streams[channel]


def test_scripted_recognizer_meets_the_protocol():
    recognizer = ScriptedRecognizer({})
    assert isinstance(recognizer, Recognizer) and isinstance(recognizer.stream("agent"), RecognizerStream)


def test_merge_by_time_keeps_each_channel_causal():
    # the customer's final is stamped at its speech end (1.0) but comes after a partial at 1.3
    customer = [Partial("customer", 0.2, 1.3, "my int"), Utterance("customer", 0.2, 1.0, "my internet")]
    agent = [Partial("agent", 0.5, 1.1, "hello")]
    pipeline = ChannelRecognizers(ScriptedRecognizer({"customer": [customer], "agent": [agent]}), ["agent", "customer"])
    frame = AudioFrame(1.4, {"agent": np.zeros(1600, np.float32), "customer": np.zeros(1600, np.float32)})
    events = pipeline.feed(frame)
    assert events == [agent[0], customer[0], customer[1]]


def test_a_frame_with_one_channel_feeds_only_that_stream():
    recognizer = ScriptedRecognizer({})
    pipeline = ChannelRecognizers(recognizer, ["agent", "customer"])
    pipeline.feed(AudioFrame(0.1, {"customer": np.zeros(1600, np.float32)}))
    assert recognizer.streams["customer"].fed == [1600] and recognizer.streams["agent"].fed == []


def test_finish_orders_ties_by_channel():
    pipeline = ChannelRecognizers(ScriptedRecognizer({}), ["agent", "customer"])
    assert [e.channel for e in pipeline.finish()] == ["agent", "customer"]


def test_a_paced_source_takes_the_engines_frame_length(short_call):
    """Vosk decides per 32 ms block, so a paced replay gives it 32 ms frames; Whisper keeps 0.1 s."""
    import pytest

    from coach.audio.source import FileSource
    from coach.stt.base import FRAME_SECONDS, frame_seconds_for
    from coach.stt.vosk_engine import VoskRecognizer
    from coach.stt.whisper import WhisperRecognizer

    assert frame_seconds_for(VoskRecognizer) == FRAME_SECONDS["vosk"] == 512 / 16000
    assert frame_seconds_for(WhisperRecognizer) == FRAME_SECONDS["whisper"] == 0.1
    assert frame_seconds_for(ScriptedRecognizer({})) == 0.1  # an engine without a preference
    source = FileSource(short_call)
    whole = np.concatenate([f.samples["customer"] for f in source])
    source.set_frame_seconds(frame_seconds_for(VoskRecognizer))
    frames = list(source)
    assert {len(f.samples["customer"]) for f in frames[:-1]} == {512}
    assert np.array_equal(np.concatenate([f.samples["customer"] for f in frames]), whole)  # same audio, cut finer
    assert frames[0].t == pytest.approx(0.032)
    for bad in (0, -0.1, float("nan"), float("inf"), "fast", None):
        with pytest.raises(ValueError, match="frame_seconds must be a positive number of seconds"):
            source.set_frame_seconds(bad)
    assert source.frame_samples == 512  # a refused value changes nothing


class _VoskSizedRecognizer(ScriptedRecognizer):
    frame_seconds = 512 / 16000  # what VoskRecognizer asks for


def test_sessions_give_the_recognizer_its_frame_length(short_call, monkeypatch):
    """coach analyze --realtime, coach replay and coach live cut the audio in the engine's frames."""
    import coach.audio.live as live
    import coach.stt
    from coach.session import open_session_for_devices, open_session_for_file

    monkeypatch.setattr(coach.stt, "open_recognizer", lambda *a, **k: (_VoskSizedRecognizer({}), "scripted"))
    paced = open_session_for_file(short_call, realtime=True, log=False)
    assert paced.source.frame_samples == 512
    fast = open_session_for_file(short_call, realtime=False, log=False)
    assert fast.source.frame_samples == 1600  # fast mode keeps its own frames: same events, fewer calls

    device = {"index": 7, "name": "softphone.monitor", "max_input_channels": 2, "default_samplerate": 16000.0}
    monkeypatch.setattr(live, "resolve_device", lambda name: dict(device))
    session = open_session_for_devices("softphone.monitor", log=False)
    assert session.source.frame_samples == 512
    assert session.source._queue.maxsize == int(30.0 / (512 / 16000))  # still 30 s of audio


def test_live_source_frame_length_is_set_before_capture(monkeypatch):
    import pytest

    import coach.audio.live as live

    device = {"index": 7, "name": "softphone.monitor", "max_input_channels": 2, "default_samplerate": 16000.0}
    monkeypatch.setattr(live, "resolve_device", lambda name: dict(device))
    source = live.LiveSource("softphone.monitor", "softphone.monitor", watch_server=False)
    assert source.frame_samples == 1600 and source._queue.maxsize == 600  # 0.1 s default, 30 s x 2 devices
    source.set_frame_seconds(512 / 16000)
    assert source.frame_samples == 512 and source._queue.maxsize == 2 * 937
    for bad in (0, -1.0, float("nan"), float("inf"), "fast", None):
        with pytest.raises(ValueError, match="frame_seconds must be a positive number of seconds"):
            source.set_frame_seconds(bad)
    source._captures["customer"].stream = object()  # a stream is open: its block size is fixed
    with pytest.raises(RuntimeError, match="after the capture started"):
        source.set_frame_seconds(0.1)
    assert source.frame_samples == 512


def test_a_session_warms_the_recognizer_only_when_paced(short_call, monkeypatch):
    import coach.stt
    from coach.session import open_session_for_file

    asked = []
    monkeypatch.setattr(coach.stt, "open_recognizer",
                        lambda *a, **k: asked.append(k.get("warm_up")) or (_VoskSizedRecognizer({}), "scripted"))
    open_session_for_file(short_call, realtime=True, log=False)
    open_session_for_file(short_call, realtime=False, log=False)
    assert asked == [True, False]
