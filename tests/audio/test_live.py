"""Live capture through a real PulseAudio server: a call played into a null sink is transcribed.

The test starts its own PulseAudio daemon (``pulse_server``) with a null sink named
``softphone``, plays a rendered customer line into it with ``paplay``, and captures
the sink's monitor through sounddevice's ``pulse`` device, as coach does on an agent's
desktop with the softphone's output.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading

import numpy as np
import pytest
import soundfile as sf

from coach.audio.live import LiveSource, list_devices, resolve_device
from coach.errors import AudioError
from coach.events import DeviceStatus, Utterance

pytestmark = pytest.mark.live


@pytest.fixture
def pulse_env(pulse_server, monkeypatch):
    import sounddevice as sd

    for key, value in pulse_server.items():
        monkeypatch.setenv(key, value)
    sd._terminate()  # PortAudio lists devices once: make it look again with this server
    sd._initialize()
    yield pulse_server
    sd._terminate()
    sd._initialize()


@pytest.fixture(scope="module")
def customer_line(short_call, tmp_path_factory) -> tuple:
    """The customer's channel of the short call, as a mono WAV with its own text."""
    from coach.demo import call_timings

    data, rate = sf.read(str(short_call), always_2d=True)
    line = next(t for t in call_timings(short_call) if t["speaker"] == "customer")
    clip = data[int((line["start"] - 0.3) * rate) : int((line["end"] + 1.2) * rate), 1]
    path = tmp_path_factory.mktemp("live") / "customer.wav"
    sf.write(str(path), clip, rate)
    return path, line["text"]


def test_devices_list_the_pulse_input(pulse_env):
    names = [d["name"] for d in list_devices()]
    assert "pulse" in names
    assert resolve_device("pulse")["name"] == "pulse"
    index = resolve_device("pulse")["index"]
    assert resolve_device(str(index))["name"] == "pulse"


def test_unknown_device_names_the_available_ones(pulse_env):
    with pytest.raises(AudioError) as err:
        resolve_device("Headset That Is Not There")
    message = str(err.value)
    assert "Headset That Is Not There" in message and "pulse" in message and "\n" not in message
    with pytest.raises(AudioError, match="no input device with index 999"):
        resolve_device("999")


@pytest.mark.slow
def test_call_played_into_the_softphone_sink_is_transcribed(pulse_env, customer_line):
    from coach.stt.pipeline import ChannelRecognizers
    from coach.stt.whisper import WhisperRecognizer

    wav, text = customer_line
    source = LiveSource("pulse", frame_seconds=0.1)
    pipeline = ChannelRecognizers(WhisperRecognizer(partials=False), source.channels)
    started = threading.Event()
    utterances: queue.Queue[Utterance] = queue.Queue()
    statuses: list[DeviceStatus] = []

    def run() -> None:
        for item in source:
            started.set()
            if isinstance(item, DeviceStatus):
                statuses.append(item)
                continue
            for event in pipeline.feed(item):
                if isinstance(event, Utterance):
                    utterances.put(event)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert started.wait(30), "no audio came from the pulse device"
        subprocess.run(["paplay", "--device=softphone", str(wav)], check=True, timeout=60)
        heard = utterances.get(timeout=60)
    finally:
        source.stop()
        worker.join(30)
    assert not worker.is_alive()
    assert heard.channel == "customer" and heard.end > heard.start > 0
    words = set(re.findall(r"[a-z]+", heard.text.lower()))
    expected = set(re.findall(r"[a-z]+", text.lower()))
    assert len(words & expected) >= len(expected) - 1, (heard.text, text)
    assert source.overflows == {"customer": 0}
    assert not [s for s in statuses if s.state == "overflow"]


def test_full_queue_drops_and_counts_without_blocking(pulse_env):
    source = LiveSource("pulse", frame_seconds=0.1, queue_seconds=0.1)  # room for 4 blocks
    callback = source._callback_for("customer")
    block = np.zeros((1600, 1), np.float32)
    for _ in range(7):
        callback(block, 1600, None, None)  # returns at once even when the queue is full
    assert source.overflows["customer"] == 3
    items = iter(source)
    try:
        first = next(items)
        assert isinstance(first, DeviceStatus) and first.state == "overflow"
        assert "3 audio block" in first.message
    finally:
        source.stop()
        items.close()


def test_live_cli_with_an_unknown_device_is_one_clear_error(pulse_env, capsys):
    from coach.cli import main

    assert main(["transcribe", "--live", "--customer-device", "nosuchdevice"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nosuchdevice" in err[0] and "Traceback" not in err[0]


@pytest.mark.slow
def test_coach_transcribe_live_until_ctrl_c(pulse_env, customer_line):
    """The command a user runs: `coach transcribe --live --customer-device pulse`, stopped with Ctrl-C."""
    import json
    import os
    import signal
    import sys

    wav, text = customer_line
    env = dict(os.environ, **pulse_env, HF_HUB_OFFLINE="1")
    # `pactl subscribe` reports when coach's recording stream appears: no guessing how long start-up takes
    watch = subprocess.Popen(["pactl", "subscribe"], env=env, stdout=subprocess.PIPE, text=True)
    coach = subprocess.Popen(
        [sys.executable, "-m", "coach", "transcribe", "--live", "--customer-device", "pulse", "--json",
         "--engine", "whisper"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    def kill_both() -> None:  # a hung run fails the test instead of blocking CI
        watch.kill()
        coach.kill()

    watchdog = threading.Timer(300, kill_both)
    watchdog.start()
    try:
        for line in watch.stdout:
            if "'new' on source-output" in line:
                break
        watch.terminate()
        subprocess.run(["paplay", "--device=softphone", str(wav)], env=env, check=True, timeout=60)
        first = json.loads(coach.stdout.readline())  # blocks until the utterance is final
        coach.send_signal(signal.SIGINT)
        rest, err = coach.communicate(timeout=60)
    finally:
        watchdog.cancel()
        watch.kill()
        if coach.poll() is None:
            coach.kill()
    assert coach.returncode == 0, err
    assert first["type"] == "utterance" and first["channel"] == "customer"
    assert "internet" in first["text"].lower(), (first, text)
    assert "speech engine whisper" in err and "Traceback" not in err


# --------------------------------------------------------------------------- device trouble


class _Capture:
    """Runs a LiveSource (and optionally a recognizer) on a thread; the test waits on what it yields."""

    def __init__(self, source, pipeline=None):
        self.source, self.pipeline = source, pipeline
        self.items: queue.Queue = queue.Queue()
        self.frame_times: list[float] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for item in self.source:
            if isinstance(item, DeviceStatus):
                self.items.put(item)
                continue
            self.frame_times.append(item.t)
            self.items.put(("frame", item.t))
            if self.pipeline is not None:
                for event in self.pipeline.feed(item):
                    if isinstance(event, Utterance):
                        self.items.put(event)

    def wait_for(self, predicate, timeout: float, what: str):
        import time

        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                item = self.items.get(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                continue
            if not isinstance(item, tuple):
                seen.append(item)
            if predicate(item):
                return item
        raise AssertionError(f"no {what} within {timeout:.0f} s; saw {seen[-5:]}")

    def close(self) -> None:
        self.source.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()


def _sink_module(env_sink: str = "softphone") -> str:
    out = subprocess.run(["pactl", "list", "short", "modules"], capture_output=True, text=True, check=True).stdout
    return next(line.split("\t")[0] for line in out.splitlines() if f"sink_name={env_sink}" in line)


def _status(state):
    return lambda item: isinstance(item, DeviceStatus) and item.state == state


@pytest.mark.slow
def test_a_vanished_source_is_reported_reopened_by_name_and_transcribed_after(pulse_env, customer_line):
    from coach.stt.pipeline import ChannelRecognizers
    from coach.stt.whisper import WhisperRecognizer

    wav, text = customer_line
    source = LiveSource("pulse", frame_seconds=0.1)
    capture = _Capture(source, ChannelRecognizers(WhisperRecognizer(partials=False), source.channels))
    reloaded = False
    try:
        capture.wait_for(lambda item: isinstance(item, tuple), 30, "audio from the pulse device")
        subprocess.run(["paplay", "--device=softphone", str(wav)], check=True, timeout=60)
        before = capture.wait_for(lambda item: isinstance(item, Utterance), 60, "utterance before the loss")

        subprocess.run(["pactl", "unload-module", _sink_module()], check=True, timeout=30)  # the softphone vanishes
        lost = capture.wait_for(_status("lost"), 30, "'lost' status")
        assert lost.message.startswith("Customer audio lost") and "softphone.monitor" in lost.message
        assert lost.t >= before.end
        # while it is away, call time runs on (silence), so timers and the transcript's clock stay continuous
        capture.wait_for(lambda item: isinstance(item, tuple) and item[1] > lost.t + 1.0, 30, "silence during the loss")

        subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=softphone"], check=True, timeout=30)
        reloaded = True
        back = capture.wait_for(_status("recovered"), 30, "'recovered' status")
        assert back.t > lost.t + 1.0 and back.message.startswith("Customer audio is back")
        subprocess.run(["paplay", "--device=softphone", str(wav)], check=True, timeout=60)
        after = capture.wait_for(lambda item: isinstance(item, Utterance), 60, "utterance after the recovery")
    finally:
        if not reloaded:
            subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=softphone"], timeout=30)
        capture.close()
    assert after.start > back.t - 0.5, (after, back)
    for heard in (before, after):
        assert "internet" in heard.text.lower(), (heard.text, text)
    times = capture.frame_times
    assert all(b > a for a, b in zip(times, times[1:])), "call time went backwards"


def test_a_pulse_source_by_name_and_silence_for_long_then_sound_again(pulse_env, customer_line, monkeypatch):
    """`--customer-device softphone.monitor` (as the README says) reads that source even when the default is another."""
    wav, _ = customer_line
    monkeypatch.delenv("PULSE_SOURCE")
    other = subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=elsewhere"], capture_output=True,
                           text=True, check=True).stdout.strip()
    subprocess.run(["pactl", "set-default-source", "elsewhere.monitor"], check=True)
    try:
        device = resolve_device("softphone.monitor")
        assert device["pulse_source"] == "softphone.monitor" and device["index"] == resolve_device("pulse")["index"]
        assert "softphone.monitor" in [d["name"] for d in list_devices()]
        capture = _Capture(LiveSource("softphone.monitor", frame_seconds=0.1, silent_seconds=1.0))
        try:
            silent = capture.wait_for(_status("silent"), 30, "'silent' status")  # a null sink's monitor is all zeros
            assert "No sound from the customer device 'softphone.monitor'" in silent.message and silent.t >= 1.0
            subprocess.run(["paplay", "--device=softphone", str(wav)], check=True, timeout=60)
            ok = capture.wait_for(_status("ok"), 30, "'ok' status once sound came")  # heard: it reads softphone.monitor
            assert ok.t > silent.t
        finally:
            capture.close()
    finally:
        subprocess.run(["pactl", "set-default-source", "softphone.monitor"], check=True)
        subprocess.run(["pactl", "unload-module", other], check=True)


def test_a_stream_that_ends_is_reported_and_reopened_without_the_sound_server_watch(pulse_env):
    """The generic path (no pactl): PortAudio ends a stream whose device failed; coach reopens it by name."""
    source = LiveSource("pulse", frame_seconds=0.1, watch_server=False)
    capture = _Capture(source)
    try:
        capture.wait_for(lambda item: isinstance(item, tuple), 30, "audio from the pulse device")
        source._captures["customer"].stream.abort()  # what PortAudio does when the device errors out
        lost = capture.wait_for(_status("lost"), 30, "'lost' status")
        assert "stopped delivering audio" in lost.message
        back = capture.wait_for(_status("recovered"), 30, "'recovered' status")
        assert back.t >= lost.t
        capture.wait_for(lambda item: isinstance(item, tuple) and item[1] > back.t + 0.5, 30, "audio after reopening")
    finally:
        capture.close()
    times = capture.frame_times
    assert all(b > a for a, b in zip(times, times[1:])), "call time went backwards"
