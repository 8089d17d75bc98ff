"""The view-model alone: the pure fold of call events into what the panel shows."""

from __future__ import annotations

import sys
import subprocess

from coach.events import AgentAction, CallEnded, CallSignals, DeviceStatus, Partial, PlaybookReloaded, StepChanged, Utterance
from coach.ui import viewmodel
from coach.ui.viewmodel import MOOD_WINDOW, TRANSCRIPT_LINES, PanelState, at_time, fold, reduce


def test_folding_the_call_shows_step_mood_abuse_name_and_timer(call_events):
    state = fold(call_events)
    assert state.step.step == "draw_the_line"
    assert state.step.previous == "delegate_up"
    assert "threat" in state.step.reason
    assert state.customer_name == "Dana"
    assert dict(state.abuse_counts) == {"insult": 1, "threat": 1}
    assert state.warned and state.warned_at == 12.0
    assert state.anger == 0.95
    assert [tm.timer for tm in state.timers] == ["line_timer"]
    assert state.timers[0].remaining(20.0) == 25.0
    assert state.phase == "ended"
    assert state.transcript[-1].text == "I will find you and hurt you"
    assert "threat" in state.transcript[-1].note


def test_step_after_manager_request_is_delegate_up(call_events):
    upto = [e for e in call_events if getattr(e, "t", 0) <= 9.0]
    assert fold(upto).step.step == "delegate_up"


def test_partial_shows_while_forming_and_is_replaced_by_the_final_line():
    state = reduce(PanelState(), Partial("customer", 0.0, 1.0, "I want"))
    assert state.partial("customer") == "I want"
    state = reduce(state, Partial("customer", 0.0, 1.5, "I want to speak"))
    assert state.partial("customer") == "I want to speak"
    state = reduce(state, Utterance("customer", 0.0, 2.0, "I want to speak to a manager"))
    assert state.partial("customer") == ""
    assert [l.text for l in state.transcript] == ["I want to speak to a manager"]


def test_the_classified_copy_of_an_utterance_replaces_it_instead_of_doubling(call_events):
    state = fold(call_events)
    texts = [l.text for l in state.transcript]
    assert len(texts) == len(set(texts)) == 4


def test_dismiss_marks_the_current_step_and_a_new_step_clears_it(call_events):
    state = fold(call_events[:2])
    state = reduce(state, AgentAction(1.0, "dismiss", "listen"))
    assert state.dismissed
    state = reduce(state, StepChanged(2.0, "vent", "Let them vent"))
    assert not state.dismissed and state.step.since == 2.0


def test_failed_playbook_reload_shows_errors_until_a_good_reload():
    state = reduce(PanelState(), PlaybookReloaded(5.0, "p.yaml", False, ("p.yaml:3:1: bad",)))
    assert state.playbook_errors == ("p.yaml:3:1: bad",)
    state = reduce(state, PlaybookReloaded(6.0, "p.yaml", True))
    assert state.playbook_errors == ()


def test_device_trouble_is_shown_and_cleared_on_recovery():
    state = reduce(PanelState(), DeviceStatus(3.0, "customer", "lost", "The customer device stopped."))
    assert [d.channel for d in state.device_trouble] == ["customer"]
    assert state.device_notice == ("error", "The customer device stopped.")
    assert at_time(state, 300.0).device_notice[0] == "error"  # lost stays lost until it is back
    state = reduce(state, DeviceStatus(9.0, "customer", "recovered", "The customer device is back."))
    assert state.device_trouble == ()
    assert state.device_notice == ("ok", "The customer device is back.")  # said for a few seconds
    assert at_time(state, 9.0 + viewmodel.DEVICE_NOTICE_SECONDS).device_notice is None


def test_silence_and_dropped_blocks_are_warnings_dropped_blocks_pass():
    state = reduce(PanelState(), DeviceStatus(2.0, "agent", "overflow", "3 blocks dropped."))
    assert state.device_notice == ("warning", "3 blocks dropped.")
    assert at_time(state, 2.0 + viewmodel.DEVICE_NOTICE_SECONDS).device_notice is None
    state = reduce(state, DeviceStatus(70.0, "customer", "silent", "No sound for 1:00."))
    state = reduce(state, DeviceStatus(71.0, "agent", "lost", "The agent device is gone."))
    level, text = state.device_notice
    assert level == "error" and "No sound" in text and "agent device is gone" in text  # the worst sets the level
    state = reduce(state, DeviceStatus(75.0, "customer", "ok", "Sound again."))
    assert state.device_notice == ("error", "The agent device is gone.")


def test_transcript_and_mood_history_stay_bounded_on_a_long_call():
    state = PanelState()
    for k in range(3000):
        t = k * 2.0
        state = reduce(state, Utterance("customer", t, t + 1.0, f"line {k}"))
        state = reduce(state, CallSignals(t + 1.0, 0.5, 0.0, "neutral"))
    assert len(state.transcript) == TRANSCRIPT_LINES
    assert state.transcript[-1].text == "line 2999"
    assert state.mood_history[-1][0] - state.mood_history[0][0] <= MOOD_WINDOW
    assert len(state.mood_history) <= MOOD_WINDOW / viewmodel.MOOD_SAMPLE + 1


def test_at_time_counts_time_in_step_on(call_events):
    state = fold(call_events[:2])
    assert at_time(state, 42.0).time_in_step == 42.0


def test_importing_coach_ui_does_not_import_qt():
    code = "import sys, coach.ui, coach.ui.viewmodel, coach.ui.recording, coach.ui.commands; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _second_call() -> list:
    from coach.events import CallStarted

    return [CallStarted(0.0, "live customer=softphone.monitor", "whisper tiny.en", "playbooks/default.yaml"),
            StepChanged(0.0, "listen", "Listen", say=("How can I help?",), reason="start of the call")]


def test_x_clears_the_call_and_the_next_call_starts_fresh(call_events):
    from coach.events import WaitingForCall

    ended = fold(call_events[:-1] + [AgentAction(19.0, "end_call", "draw_the_line"),
                                     DeviceStatus(19.5, "agent", "silent", "No sound from the agent device"),
                                     CallEnded(20.0, "the agent ended the call")])
    assert ended.step.step == "draw_the_line" and ended.abuse_total == 2
    waiting = reduce(ended, WaitingForCall(20.0, "the agent ended the call"))
    # nothing of the call is left to mislead: no step, mood, abuse, transcript, timers or name
    assert waiting.waiting and waiting.phase == "ended" and waiting.step is None
    assert waiting.abuse_total == 0 and waiting.anger == 0.0 and not waiting.warned and waiting.customer_name is None
    assert waiting.transcript == () and waiting.timers == () and waiting.mood_history == ()
    assert waiting.t == 20.0  # the clock stays stopped at the ended call's length
    assert waiting.device_notice is None  # the last call's silence is not carried into the wait
    assert "waiting for the next call" in waiting.phase_detail and waiting.phase_label == "■ call ended"
    assert waiting.waiting_text.startswith("Call ended (the agent ended the call). Waiting for the next call")
    assert at_time(waiting, 20.0).time_in_step == 0.0

    nxt = fold(_second_call(), waiting)
    assert not nxt.waiting and nxt.phase == "listening" and nxt.t == 0.0 and nxt.waiting_text == ""
    assert nxt.step.step == "listen" and nxt.step.since == 0.0
    assert nxt.abuse_total == 0 and nxt.transcript == () and nxt.end_reason == ""


def test_a_device_lost_at_the_end_of_a_call_is_still_shown_in_the_next(call_events):
    from coach.events import WaitingForCall

    state = fold(call_events[:-1] + [DeviceStatus(18.0, "customer", "lost", "Customer audio lost: gone"),
                                     CallEnded(20.0, "the agent ended the call"),
                                     WaitingForCall(20.0, "the agent ended the call")])
    assert state.device_notice == ("error", "Customer audio lost: gone")
    assert fold(_second_call(), state).device_notice == ("error", "Customer audio lost: gone")


def test_the_header_does_not_say_listening_while_every_device_is_lost():
    state = fold(_second_call())
    assert state.phase_label == "● listening"
    state = reduce(state, DeviceStatus(3.0, "customer", "lost", "Customer audio lost: gone"))
    assert state.phase_label == "✖ no audio"
    state = reduce(state, DeviceStatus(4.0, "customer", "recovered", "Customer audio is back"))
    assert state.phase_label == "● listening"
    state = reduce(state, DeviceStatus(5.0, "customer", "lost", "Customer audio lost: gone"))
    state = reduce(state, DeviceStatus(5.0, "agent", "ok", "Sound from the agent device again."))
    assert state.phase_label == "● listening"  # the microphone still hears the agent
    state = reduce(state, DeviceStatus(6.0, "agent", "lost", "Agent audio lost: gone"))
    assert state.phase_label == "✖ no audio"
