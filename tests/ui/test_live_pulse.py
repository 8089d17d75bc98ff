"""`coach live` on a real PulseAudio server: the customer's speech is played into a null sink
(the 'softphone'), the panel captures its monitor and shows what was said.

Mid-call the softphone's sink vanishes (its module is unloaded) and comes back under the
same name: the panel says the customer's audio is lost, then that it is back, the speech
after the gap is transcribed and shown, and the call log holds the whole call.
(That the playbook then reaches the right step is tested on replays: test_panel_e2e.py.)
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from coach.calllog import read_log

CALLS = Path(__file__).resolve().parents[1] / "calls"

pytestmark = [pytest.mark.slow, pytest.mark.live]


def _customer_side(script: Path | list, out: Path) -> Path:
    from coach.demo import render_call

    call = out.with_suffix(".call.wav")
    render_call(script, call)
    subprocess.run(["sox", str(call), str(out), "remix", "2"], check=True)  # the customer's side only
    return out


def _sink_module(env: dict) -> str:
    out = subprocess.run(["pactl", "list", "short", "modules"], env=env, capture_output=True, text=True, check=True).stdout
    return next(line.split("\t")[0] for line in out.splitlines() if "sink_name=coach_test" in line)


def test_live_panel_follows_a_call_and_recovers_when_the_softphone_sink_vanishes(pulse_null_sink, tmp_path):
    from coach.demo import Line

    first = _customer_side([Line("customer", "My internet keeps dropping every evening.")], tmp_path / "first.wav")
    later = _customer_side(CALLS / "manager_request.txt", tmp_path / "later.wav")

    env = dict(pulse_null_sink, COACH_UI_TRACE="/dev/stdout", COACH_DATA_DIR=str(tmp_path / "data"),
               COACH_CONFIG_DIR=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    coach = subprocess.Popen(
        [sys.executable, "-m", "coach", "live", "--customer-device", "pulse", "--engine", "whisper"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    watchdog = threading.Timer(420, coach.kill)  # a hung run fails the test instead of blocking CI
    watchdog.start()
    marks: list[dict] = []
    players: list[subprocess.Popen] = []
    sink_back = True

    def play(wav: Path) -> None:
        players.append(subprocess.Popen(["paplay", "--device=coach_test", str(wav)], env=pulse_null_sink))

    try:
        stage = "wait ready"
        for line in coach.stdout:  # the panel's own trace: each mark is written when the GUI shows it
            if not line.startswith("{"):
                continue
            mark = json.loads(line)
            marks.append(mark)
            what = mark["what"]
            if stage == "wait ready" and what == "ready":
                play(first)
                stage = "wait first line"
            elif stage == "wait first line" and what == "utterance_shown" and "internet" in mark["text"].lower():
                players[-1].wait(timeout=60)
                subprocess.run(["pactl", "unload-module", _sink_module(pulse_null_sink)], env=pulse_null_sink,
                               check=True, timeout=30)  # the softphone's sink vanishes mid-call
                sink_back = False
                stage = "wait lost"
            elif stage == "wait lost" and what == "device_shown" and mark["state"] == "lost":
                subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=coach_test"], env=pulse_null_sink,
                               check=True, timeout=30)  # ... and comes back under the same name
                sink_back = True
                stage = "wait recovered"
            elif stage == "wait recovered" and what == "device_shown" and mark["state"] == "recovered":
                play(later)
                stage = "wait the manager line"
            elif stage == "wait the manager line" and what == "utterance_shown" and "manager" in mark["text"].lower():
                stage = "done"
                break
        for player in players:
            player.wait(timeout=120)
        coach.send_signal(signal.SIGINT)  # Ctrl-C: the panel closes cleanly
        _, err = coach.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if not sink_back:
            subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=coach_test"], env=pulse_null_sink)
        if coach.poll() is None:
            coach.kill()
    whats = [m["what"] for m in marks]
    assert stage == "done", (stage, whats[-10:], err[-2000:])
    assert whats[0] == "shown" and whats.index("shown") < whats.index("ready")  # the window is up before the models
    assert coach.returncode == 0, err[-2000:]

    lost = next(m for m in marks if m["what"] == "device_shown" and m["state"] == "lost")
    back = next(m for m in marks if m["what"] == "device_shown" and m["state"] == "recovered")
    assert lost["banner"].startswith("✖") and "coach_test.monitor" in lost["banner"], lost  # icon and words
    assert lost["level"] == "error"
    assert back["banner"].startswith("✔") and "is back" in back["banner"], back
    assert back["t"] > lost["t"]  # call time ran on through the gap

    logs = list((tmp_path / "data" / "calls").glob("*.jsonl"))
    assert len(logs) == 1, err[-2000:]
    events = read_log(logs[0])
    kinds = [(e["type"], e.get("state")) for e in events]
    i_lost, i_back = kinds.index(("device", "lost")), kinds.index(("device", "recovered"))
    said = [(i, e) for i, e in enumerate(events) if e["type"] == "utterance" and e["channel"] == "customer"]
    assert any(i < i_lost and "internet" in e["text"].lower() for i, e in said)  # before the loss: kept
    assert any(i > i_back and "manager" in e["text"].lower() for i, e in said)  # after: transcribed
    after = [e for i, e in said if i > i_back]
    assert all(e["start"] >= events[i_lost]["t"] for e in after)  # no time jump backwards
    assert any(e["type"] == "signals" for e in events[i_back:])  # and classified, coached on
    assert events[-1]["type"] == "call_ended"


def test_sigterm_ends_a_live_call_cleanly_and_keeps_what_was_said(pulse_null_sink, tmp_path):
    # a service manager or `kill` stops the panel with SIGTERM: it closes as on Ctrl-C, and the call log
    # keeps the utterance already shown and ends with call_ended
    from coach.demo import Line

    first = _customer_side([Line("customer", "My internet keeps dropping every evening.")], tmp_path / "first.wav")
    env = dict(pulse_null_sink, COACH_UI_TRACE="/dev/stdout", COACH_DATA_DIR=str(tmp_path / "data"),
               COACH_CONFIG_DIR=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    coach = subprocess.Popen([sys.executable, "-m", "coach", "live", "--customer-device", "pulse", "--engine", "whisper"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(300, coach.kill)
    watchdog.start()
    shown = None
    try:
        for line in coach.stdout:
            if not line.startswith("{"):
                continue
            mark = json.loads(line)
            if mark["what"] == "ready":
                subprocess.run(["paplay", "--device=coach_test", str(first)], env=pulse_null_sink, check=True, timeout=60)
            elif mark["what"] == "utterance_shown" and "internet" in mark["text"].lower():
                shown = mark
                break
        coach.send_signal(signal.SIGTERM)
        _, err = coach.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if coach.poll() is None:
            coach.kill()
    assert shown is not None, err[-2000:]
    assert coach.returncode == 0, err[-2000:]
    logs = list((tmp_path / "data" / "calls").glob("*.jsonl"))
    assert len(logs) == 1, err[-2000:]
    events = read_log(logs[0])
    assert any(e["type"] == "utterance" and "internet" in e["text"].lower() for e in events)
    assert events[-1]["type"] == "call_ended"


def test_x_ends_a_live_call_and_the_next_customer_starts_a_new_one_on_the_same_capture(pulse_null_sink, tmp_path,
                                                                                        monkeypatch):
    # a shift: an abusive customer, the agent presses X, the next customer speaks; the capture never stops
    import queue

    from coach.demo import Line
    from coach.events import CallStarted, Classified, DeviceStatus, WaitingForCall
    from coach.ui.pipeline_process import PipelineProcess

    rude = _customer_side([Line("customer", "You are a useless idiot. You people are all incompetent morons.")],
                          tmp_path / "rude.wav")
    calm = _customer_side([Line("customer", "Hello, I would like to change the date my bill is paid.")],
                          tmp_path / "calm.wav")
    for key, value in pulse_null_sink.items():  # the pipeline's child process captures from this server
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    events: queue.Queue = queue.Queue()
    seen: list = []
    pipeline = PipelineProcess("devices", ("pulse", None), {"engine": "whisper", "next_call": True},
                               deliver=events.put, on_failed=lambda message: events.put(("failed", message)))

    def wait_for(predicate, what: str, timeout: float = 120):
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                try:
                    event = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                assert not (isinstance(event, tuple) and event[0] == "failed"), event
                seen.append(event)
                if predicate(event):
                    return event
        finally:
            timer.cancel()
        said = [(type(e).__name__, e.utterance.text) for e in seen if isinstance(e, Classified)]
        marks = [e for e in seen if isinstance(e, (CallStarted, WaitingForCall, DeviceStatus))]
        raise AssertionError(f"no {what} within {timeout:.0f} s; heard {said}; calls and devices {marks}")

    def play(wav: Path) -> None:
        subprocess.run(["paplay", "--device=coach_test", str(wav)], env=pulse_null_sink, check=True, timeout=60)

    try:
        wait_for(lambda e: isinstance(e, CallStarted), "first call started", timeout=180)
        play(rude)
        wait_for(lambda e: isinstance(e, Classified) and e.classification.abuse != "none", "the abuse heard")
        pipeline.act("end_call")  # X
        waiting = wait_for(lambda e: isinstance(e, WaitingForCall), "the wait for the next call")
        play(calm)
        wait_for(lambda e: isinstance(e, CallStarted), "the second call started")
        second = wait_for(lambda e: isinstance(e, Classified) and e.utterance.channel == "customer",
                          "the next customer's words")
    finally:
        pipeline.stop()
        pipeline.join()
    assert waiting.reason == "the agent ended the call"
    assert second.classification.abuse == "none" and "like to change" in second.utterance.text.lower()
    assert not [e for e in seen if isinstance(e, DeviceStatus) and e.state in ("lost", "recovered")]  # never reopened

    assert len(pipeline.log_paths) == 2, pipeline.log_paths
    first_log, second_log = (read_log(p) for p in pipeline.log_paths)
    assert first_log[-2]["type"] == "action" and first_log[-2]["action"] == "end_call"
    assert first_log[-1]["type"] == "call_ended" and first_log[-1]["reason"] == "the agent ended the call"
    assert any(e["type"] == "signals" and e["abuse_counts"] for e in first_log)
    assert second_log[0]["type"] == "call_started" and second_log[0]["t"] == 0.0
    assert second_log[1]["type"] == "step" and second_log[1]["step"] == first_log[1]["step"]
    said = [e for e in second_log if e["type"] == "utterance"]
    assert said and said[0]["start"] < 1.5 and "like to change" in said[0]["text"].lower(), said[:1]  # all of it
    assert not any(e["type"] == "signals" and e["abuse_counts"] for e in second_log)
    assert second_log[-1]["type"] == "call_ended" and second_log[-1]["reason"] == "stopped"
