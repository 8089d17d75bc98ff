"""Helpers for playbook tests: hand-made signals, so the engine is tested without the classifier."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from coach.events import (
    AbuseEvent,
    CallSignals,
    Classification,
    Classified,
    CueEvent,
    StepChanged,
    Utterance,
)
from coach.playbook import Engine, load_playbook_text


@dataclass
class Call:
    """Builds the ``CallSignals`` a tracker would emit, utterance by utterance."""

    anger: float = 0.0
    sentiment: str = "neutral"
    name: str | None = None
    abuse: list[AbuseEvent] = field(default_factory=list)
    cues: list[CueEvent] = field(default_factory=list)
    last_speech: float = 0.0

    def say(self, t: float, text: str, *, speaker: str = "customer", anger: float | None = None,
            abuse: str | None = None, score: float = 1.0, cues: tuple[str, ...] = (),
            sentiment: str | None = None) -> CallSignals:
        if anger is not None and speaker == "customer":
            self.anger = anger
        if sentiment is not None:
            self.sentiment = sentiment
        if abuse:
            self.abuse.append(AbuseEvent(t, abuse, text, score, max(0.0, t - 1.0)))
        for cue in cues:
            self.cues.append(CueEvent(t, cue, speaker, text, max(0.0, t - 1.0)))
        self.last_speech = t
        utterance = Utterance(speaker, max(0.0, t - 1.0), t, text)
        cls = Classification(text, speaker, self.sentiment, {}, self.anger, abuse or "none", score, cues)
        return self._signals(t, Classified(utterance, cls))

    def tick(self, t: float) -> CallSignals:
        return self._signals(t, None)

    def _signals(self, t: float, last: Classified | None) -> CallSignals:
        return CallSignals(
            t=t,
            anger=self.anger,
            anger_trend=0.0,
            sentiment=self.sentiment,
            abuse=tuple(self.abuse),
            cues=tuple(self.cues),
            silence=max(0.0, t - self.last_speech),
            customer_name=self.name,
            last=last,
        )


def playbook(body: str, filename: str = "test.yaml"):
    return load_playbook_text(textwrap.dedent(body), filename)


def steps(events) -> list[str]:
    return [e.step for e in events if isinstance(e, StepChanged)]


TWO_STEPS = """
name: two steps
start: a
steps:
  - id: a
    title: Step A
  - id: b
    title: Step B
    final: true
transitions:
  - id: go
    from: a
    to: b
    when: {WHEN}
"""


def engine_for(when: str, extra_steps: str = "") -> Engine:
    """An engine over a two-step playbook whose one transition fires on ``when``."""
    engine = Engine(playbook(TWO_STEPS.replace("{WHEN}", when)))
    engine.start(0.0)
    return engine
