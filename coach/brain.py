"""The coaching brain of one call: classifier -> signal tracker -> playbook engine.

``CallBrain`` knows nothing about audio, threads or windows. It takes what the
recognizers heard (``Partial``, ``Utterance``), the passing of call time (``Tick``)
and what the agent did (``AgentAction``), and returns every event that follows,
in order. The session (live and replay), ``coach analyze`` and playbook scenario
tests all drive this same object, so a scenario that passes in a test behaves the
same on a live call.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from coach.events import (
    AgentAction,
    Classified,
    Partial,
    Tick,
    Utterance,
)


def follows_customer_speech(before: Sequence[Any]) -> bool:
    """Whether a step change came straight from what the customer just said.

    ``before`` are the two events emitted just before it. ``CallBrain`` answers an
    utterance with [classified, signals, *steps], a tick with [signals, *steps]: a step
    that waits for a silence, a time in step or a timer follows tick signals only.
    (Benchmarks use this to measure speech -> step latency.)
    """
    if len(before) != 2:
        return False
    first, second = before
    return (
        isinstance(first, Classified)
        and getattr(second, "type", "") == "signals"
        and first.utterance.channel == "customer"
    )


class CallBrain:
    """Single-threaded: call ``handle`` from one thread only (the session thread)."""

    def __init__(self, classifier: Any, engine: Any, tracker: Any | None = None):
        if tracker is None:
            from coach.classify.tracker import SignalTracker

            tracker = SignalTracker()
        self.classifier = classifier
        self.engine = engine
        self.tracker = tracker

    def start(self, t: float = 0.0) -> list[Any]:
        """The playbook's start step (and its timers)."""
        return list(self.engine.start(t))

    def handle(self, event: Any) -> list[Any]:
        """Every event that follows from ``event`` (not including ``event`` itself)."""
        if isinstance(event, Utterance):
            return self._utterance(event)
        if isinstance(event, Partial):
            self.tracker.on_partial(event)
            return []
        if isinstance(event, Tick):
            signals = self.tracker.on_tick(event.t)
            return [signals, *self.engine.handle(signals), *self.engine.handle(event)]
        if isinstance(event, AgentAction):
            self.tracker.on_action(event)  # a hold is a time out: it weighs the customer's next words
            return list(self.engine.handle(event))
        return []

    def replace_playbook(self, playbook: Any, t: float) -> list[Any]:
        return list(self.engine.replace_playbook(playbook, t))

    def _utterance(self, utterance: Utterance) -> list[Any]:
        if not utterance.text.strip():
            return []
        classification = self.classifier.classify(utterance.text, utterance.channel)
        classified = Classified(utterance, classification)
        signals = self.tracker.on_classified(classified)
        return [classified, signals, *self.engine.handle(signals)]

    def run(self, events: Iterable[Any]) -> list[Any]:
        """Feed a whole sequence (tests and scenarios); returns inputs and outputs interleaved."""
        out: list[Any] = []
        for event in events:
            out.append(event)
            out.extend(self.handle(event))
        return out
