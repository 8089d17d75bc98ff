"""The replay recording: the panel at any call time is the fold of the events up to it."""

from __future__ import annotations

from coach.events import CallSignals
from coach.ui.recording import CHECKPOINT_EVENTS, Recording
from coach.ui.viewmodel import fold


def _record(events) -> Recording:
    rec = Recording()
    for e in events:
        rec(e)
    return rec


def test_state_at_equals_the_fold_of_events_up_to_that_time(call_events):
    rec = _record(call_events)
    for t in (0.0, 5.0, 8.0, 9.0, 12.0, 15.0, 20.0):
        _, state = rec.state_at(t)
        expected = fold([e for e in call_events if e.t <= t])
        assert state.step == expected.step, t
        assert state.transcript == expected.transcript, t
        assert state.abuse_counts == expected.abuse_counts, t
        assert state.t == t


def test_seek_back_and_forward_is_exact_with_checkpoints():
    events = [CallSignals(k * 0.3, (k % 10) / 10, 0.0, "neutral", last=None) for k in range(CHECKPOINT_EVENTS * 10)]
    rec = _record(events)
    kept = rec.events()
    n_late, late = rec.state_at(150.0)
    n_early, early = rec.state_at(20.0, hint=(n_late, late))  # a hint ahead of the target is ignored
    assert early.anger == fold([e for e in kept if e.t <= 20.0]).anger
    assert n_early < n_late
    n2, forward = rec.state_at(21.0, hint=(n_early, early))
    assert forward.anger == fold([e for e in kept if e.t <= 21.0]).anger


def test_markers_for_steps_abuse_and_actions(call_events):
    rec = _record(call_events)
    markers, mood = rec.snapshot_markers()
    kinds = [(m.kind, m.t) for m in markers]
    assert ("step", 8.0) in kinds and ("step", 15.0) in kinds
    assert ("abuse", 11.5) in kinds and ("abuse", 15.0) in kinds
    assert ("action", 12.0) in kinds
    assert mood and mood[-1][1] == 0.95
    assert rec.finished.is_set()


def test_tick_signals_are_thinned_to_one_per_second():
    rec = _record([CallSignals(k * 0.25, 0.1, 0.0, "neutral") for k in range(40)])
    assert len(rec) == 10
