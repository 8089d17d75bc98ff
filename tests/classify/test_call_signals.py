"""The real classifier feeding the tracker on the project's scripted calls (tests/calls/*.txt)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.classify.tracker import SignalTracker
from coach.events import CallSignals, Classified, Utterance

pytestmark = pytest.mark.slow

CALLS = Path(__file__).resolve().parents[1] / "calls"
_LINE = re.compile(r"^(agent|customer)(?: \[[^\]]*\])?:\s*(.+)$")


def run_call(classifier, name: str) -> list[CallSignals]:
    """Each script line becomes an utterance of ~0.4 s a word with a 1 s gap, in call time."""
    tracker, t, out = SignalTracker(), 0.0, []
    for line in (CALLS / name).read_text().splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        speaker, text = m.groups()
        end = t + 0.4 * len(text.split())
        u = Utterance(speaker, t, end, text)
        out.append(tracker.on_classified(Classified(u, classifier.classify(text, speaker))))
        out.append(tracker.on_tick(end + 1.0))
        t = end + 1.0
    return out


def test_polite_call_stays_calm_and_clean(classifier):
    last = run_call(classifier, "polite.txt")[-1]
    assert last.anger < 0.3
    assert last.abuse == ()
    assert "gratitude" in {c.cue for c in last.cues}
    assert last.sentiment == "positive"


def test_repeated_insults_are_counted_and_anger_rises(classifier):
    signals = run_call(classifier, "repeated_insults.txt")
    last = signals[-1]
    kinds = [a.kind for a in last.abuse]
    assert kinds.count("insult") >= 2
    assert last.anger > 0.6
    assert max(s.anger_trend for s in signals) > 0.0
    assert "warning" in {c.cue for c in last.cues if c.speaker == "agent"}


def test_threat_call_records_a_threat(classifier):
    last = run_call(classifier, "threat.txt")[-1]
    assert "threat" in {a.kind for a in last.abuse}
    assert last.anger > 0.6


def test_manager_request_call_has_a_supervisor_request(classifier):
    last = run_call(classifier, "manager_request.txt")[-1]
    assert "supervisor_request" in {c.cue for c in last.cues if c.speaker == "customer"}
