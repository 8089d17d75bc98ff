"""A shift of calls in one session (``next_call``, as ``coach live`` runs on devices).

The agent's X (``end_call``) ends the call: ``call_ended`` is logged and the log closed, the
panel is told coach waits (``WaitingForCall``), and the next speech on the same capture
starts the next call: its own log, ``call_started`` at t=0, the playbook's start step,
and nothing of the last call's anger or abuse. Real speech (espeak-ng), Whisper, the
classifier and the default playbook; the capture is the two calls in one recording.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach.calllog import read_log
from coach.events import AgentAction, CallEnded, CallStarted, DeviceStatus, StepChanged, Utterance, WaitingForCall


def _shift(first: Path, second: Path, out: Path, gap: float) -> tuple[float, float]:
    """``first``, ``gap`` s of silence, ``second``: one stereo capture; returns (end of first, start of second)."""
    a, rate = sf.read(str(first), dtype="float32", always_2d=True)
    b, rate_b = sf.read(str(second), dtype="float32", always_2d=True)
    assert rate == rate_b
    silence = np.zeros((int(gap * rate), a.shape[1]), np.float32)
    sf.write(str(out), np.concatenate([a, silence, b]), rate)
    return len(a) / rate, (len(a) + len(silence)) / rate


def _run_shift(rendered, tmp_path, *, next_call: bool):
    from coach.audio.source import FileSource
    from coach.clock import VirtualClock
    from coach.demo import call_timings
    from coach.session import Session
    from coach.stt import open_recognizer

    first, second = rendered("repeated_insults"), rendered("polite")
    capture = tmp_path / "shift.wav"
    first_end, second_start = _shift(first, second, capture, gap=6.0)
    said = max(line["end"] for line in call_timings(first))
    press_at = said + 1.5  # the agent presses X after the last words of the first call
    recognizer, _ = open_recognizer("whisper", None, None)
    events: list = []
    box: dict = {}

    def agent(event) -> None:  # the panel's X, pressed once during the first call
        events.append(event)
        if "pressed" not in box and isinstance(getattr(event, "t", None), float) and event.t >= press_at:
            box["pressed"] = True
            box["session"].act("end_call")

    source = FileSource(capture, clock=VirtualClock())
    session = Session(source, recognizer, sinks=[agent], source_name="live customer=softphone.monitor",
                      next_call=next_call)
    box["session"] = session
    session.run()
    return session, events, second_start - press_at


@pytest.mark.slow
def test_two_calls_in_one_session_give_two_whole_call_logs_each_from_its_own_start(rendered, tmp_path):
    session, events, _ = _run_shift(rendered, tmp_path, next_call=True)

    assert session.calls == 2 and len(session.log_paths) == 2 and session.log_paths[0] != session.log_paths[1]
    kinds = [type(e) for e in events if isinstance(e, (CallStarted, CallEnded, WaitingForCall))]
    assert kinds == [CallStarted, CallEnded, WaitingForCall, CallStarted, CallEnded]

    first, second = (read_log(p) for p in session.log_paths)
    start_step = first[1]["step"]
    for log in (first, second):  # each a whole call: started at 0 in the playbook's start step, ended
        assert log[0]["type"] == "call_started" and log[0]["t"] == 0.0
        assert log[1]["type"] == "step" and log[1]["step"] == start_step and log[1]["t"] == 0.0
        assert log[1]["previous"] is None
        assert log[-1]["type"] == "call_ended"
        assert not [e for e in log if e["type"] == "waiting_for_call"]
    assert first[-2]["type"] == "action" and first[-2]["action"] == "end_call"
    assert first[-1]["reason"] == "the agent ended the call"
    assert second[-1]["reason"] == "end of audio"

    # the first call was abusive and reached the line; the second owes it nothing
    first_steps = [e["step"] for e in first if e["type"] == "step"]
    assert "draw_the_line" in first_steps, first_steps
    abuse_1 = [e for e in first if e["type"] == "signals" and e["abuse_counts"]]
    assert abuse_1
    signals_2 = [e for e in second if e["type"] == "signals"]
    assert signals_2 and not any(e["abuse_counts"] for e in signals_2)
    assert max(e["anger"] for e in signals_2) < max(e["anger"] for e in abuse_1)
    assert not [e for e in second if e["type"] == "step" and e["step"] == "draw_the_line"]

    # the second call's clock runs from its own first words, which are all there
    said_2 = [e for e in second if e["type"] == "utterance"]
    assert said_2 and 0.0 <= said_2[0]["start"] < 1.0, said_2[:1]
    assert "thank you for calling" in said_2[0]["text"].lower()
    assert any("payments" in e["text"].lower() for e in said_2)
    assert not any("payments" in e["text"].lower() for e in first if e["type"] == "utterance")
    assert not any("idiot" in e["text"].lower() for e in said_2)
    length_2 = second[-1]["t"]
    assert all(e["t"] <= length_2 + 1e-6 for e in second if "t" in e)


@pytest.mark.slow
def test_without_next_call_the_agents_x_ends_the_session(rendered, tmp_path):
    # coach live --file, or --quit-after-call: X ends the call, logged, and nothing more is coached
    session, events, _ = _run_shift(rendered, tmp_path, next_call=False)
    assert session.calls == 1 and len(session.log_paths) == 1
    log = read_log(session.log_paths[0])
    assert log[-1]["type"] == "call_ended" and log[-1]["reason"] == "the agent ended the call"
    assert not any("payments" in e["text"].lower() for e in log if e["type"] == "utterance")
    assert not [e for e in events if isinstance(e, WaitingForCall)]
    assert [type(e) for e in events if isinstance(e, StepChanged)]  # the first call was coached as usual


# --------------------------------------------------------------------------- the rules of the clock, alone

RATE = 16000


class ScriptedCapture:
    """A live capture stand-in: 0.1 s frames of one channel up to ``seconds``, and device statuses at set times."""

    channels = ("customer",)

    def __init__(self, seconds: float, statuses=()):
        self.seconds, self.statuses = seconds, sorted(statuses, key=lambda s: s.t)
        self.restarts = 0

    def restart_silence_watch(self) -> None:
        self.restarts += 1

    def __iter__(self):
        from coach.audio.source import AudioFrame

        pending = list(self.statuses)
        for k in range(1, int(self.seconds * 10) + 1):
            t = k / 10
            while pending and pending[0].t <= t:
                yield pending.pop(0)
            yield AudioFrame(t, {"customer": np.zeros(RATE // 10, np.float32)})


class ScriptedRecognizer:
    """Says ``lines`` ((start, end, text) in capture time) once its stream has heard past their end; a stream hears
    only what comes after its own start."""

    description = "scripted"

    def __init__(self, lines):
        self.lines = lines

    def stream(self, channel: str, start: float = 0.0):
        lines = self.lines

        class Stream:
            def __init__(self):
                self.t, self.todo = start, [line for line in lines if line[0] >= start]

            def accept(self, samples):
                self.t += len(samples) / RATE
                done = [line for line in self.todo if line[1] <= self.t + 1e-9]
                self.todo = self.todo[len(done):]
                return [Utterance(channel, a, b, text) for a, b, text in done]

            def finish(self):
                return []

        return Stream()


def test_between_calls_no_clock_no_silence_warning_no_actions_and_the_next_call_starts_at_its_words(tmp_path):
    from coach.session import CARRY_OVER, PRE_ROLL, Session

    lines = [(2.0, 4.0, "my internet is down again"),
             (10.1, 10.4, "bye"),  # the end of the agent's goodbye, just after X: not a new call
             (20.0, 22.0, "hello I would like to change my address")]
    statuses = [DeviceStatus(15.0, "customer", "silent", "No sound from the customer device for 1:00"),
                DeviceStatus(25.0, "customer", "overflow", "3 audio block(s) of the customer were dropped")]
    capture = ScriptedCapture(30.0, statuses)
    events: list = []
    box: dict = {}

    def agent(event) -> None:
        events.append(event)
        t = getattr(event, "t", 0.0)
        if "x" not in box and t >= 10.0:
            box["x"] = True
            box["session"].act("end_call")
        if box.get("x") and isinstance(event, WaitingForCall):
            box["session"].act("summarized")  # pressed while waiting: there is no call to act on

    session = Session(capture, ScriptedRecognizer(lines), sinks=[agent], next_call=True, log_path=tmp_path / "a.jsonl",
                      watch_playbook=False)
    box["session"] = session
    session.run()

    marks = [e for e in events if isinstance(e, (CallStarted, CallEnded, WaitingForCall))]
    assert [type(e) for e in marks] == [CallStarted, CallEnded, WaitingForCall, CallStarted, CallEnded]
    ended, waiting, second = marks[1], marks[2], marks[3]
    assert 10.0 <= ended.t <= 10.3 and waiting.t == ended.t  # the first call's clock stops at X
    i_wait, i_second = (next(i for i, e in enumerate(events) if e is mark) for mark in (waiting, second))
    between = events[i_wait + 1 : i_second]
    assert not between  # no ticks, signals, silence warning, "bye" or action between the calls
    assert capture.restarts == 1  # the next call's "no sound" minute counts from its own start

    call_2 = events[i_second:]
    said = [e for e in call_2 if isinstance(e, Utterance)]
    assert [u.text for u in said] == ["hello I would like to change my address"]
    assert said[0].start == pytest.approx(PRE_ROLL) and said[0].end == pytest.approx(2.0 + PRE_ROLL)
    assert isinstance(call_2[1], StepChanged) and call_2[1].t == 0.0 and call_2[1].previous is None
    dropped = next(e for e in call_2 if isinstance(e, DeviceStatus))
    assert dropped.t == pytest.approx(25.0 - (20.0 - PRE_ROLL))  # in the call's own time
    assert call_2[-1].t == pytest.approx(30.0 - (20.0 - PRE_ROLL))
    assert not [e for e in call_2 if isinstance(e, AgentAction)]
    assert CARRY_OVER > 0.1  # (the "bye" above started within it)

    first, nxt = (read_log(p) for p in session.log_paths)
    assert session.log_paths[0] == tmp_path / "a.jsonl"
    assert [e["text"] for e in first if e["type"] == "utterance"] == ["my internet is down again"]
    assert first[-1] == {"type": "call_ended", "t": ended.t, "reason": "the agent ended the call"}
    assert nxt[0]["type"] == "call_started" and nxt[-1]["reason"] == "end of audio"
