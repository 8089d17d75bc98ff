"""The typed events that cross every boundary in coach.

Audio flows one way::

    AudioSource -> Recognizer -> (Partial | Utterance) -> Session inbox
        -> Classifier -> Classified -> SignalTracker -> CallSignals
        -> playbook Engine -> (StepChanged | TimerStarted | TimerExpired | Alert)
        -> sinks (call log, terminal, Qt panel)

Every event is a small frozen dataclass stamped with ``t``: seconds of *call
time* (audio time from the start of the call), never wall-clock time, so the
same call gives the same events live, in replay and in tests.

``to_json(event)`` turns any event into the JSON object written to call logs
and printed by ``--json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

AGENT = "agent"
CUSTOMER = "customer"
CHANNELS = (AGENT, CUSTOMER)

SENTIMENTS = ("negative", "neutral", "positive")
ABUSE_KINDS = ("none", "profanity", "insult", "threat")
CUSTOMER_CUES = (
    "supervisor_request",
    "not_understood",
    "repeat_contact",
    "churn_threat",
    "solution_proposal",
    "gratitude",
    "hold_consent",
)
AGENT_CUES = (
    "summary",
    "apology",
    "hold_request",
    "escalation_offer",
    "warning",
    "promise",
    "argues_back",
)
AGENT_ACTIONS = (
    "summarized",  # the agent summarized the customer's problem back
    "hold",  # the agent put the customer on hold
    "back_from_hold",
    "escalated",  # handed to / brought in a supervisor
    "warned",  # gave the customer a warning about abuse
    "end_call",  # is ending the call
    "dismiss",  # dismissed the current suggestion (logged for team leads)
    "override",  # chose another step by hand (``step`` names it)
)


# --------------------------------------------------------------------------- speech


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: float
    end: float
    conf: float = 1.0


@dataclass(frozen=True, slots=True)
class Partial:
    """The open, not yet final hypothesis of what a channel is saying."""

    type: ClassVar[str] = "partial"
    channel: str
    start: float
    end: float
    text: str

    @property
    def t(self) -> float:
        return self.end


@dataclass(frozen=True, slots=True)
class Utterance:
    """A final utterance: one speaker's sentence, with word timings when the engine gives them."""

    type: ClassVar[str] = "utterance"
    channel: str
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    # How sure the recognizer was of the text, 0..1: Whisper's mean token probability
    # (exp of its average log-probability), Vosk's mean word confidence; 1.0 when unknown.
    confidence: float = 1.0

    @property
    def t(self) -> float:
        return self.end


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True)
class Classification:
    """What the classifier reads in one utterance (the ``coach classify --json`` contract)."""

    type: ClassVar[str] = "classification"
    text: str
    speaker: str
    sentiment: str  # one of SENTIMENTS
    sentiment_scores: Mapping[str, float]
    anger: float  # 0..1, how heated
    abuse: str  # one of ABUSE_KINDS
    abuse_score: float  # probability of ``abuse`` (of "none" when none)
    cues: tuple[str, ...] = ()  # CUSTOMER_CUES for the customer, AGENT_CUES for the agent

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "speaker": self.speaker,
            "sentiment": {"label": self.sentiment, "scores": dict(self.sentiment_scores)},
            "anger": round(float(self.anger), 4),
            "abuse": {"label": self.abuse, "score": round(float(self.abuse_score), 4)},
            "cues": list(self.cues),
        }


@dataclass(frozen=True, slots=True)
class Classified:
    """An utterance together with its classification."""

    type: ClassVar[str] = "classified"
    utterance: Utterance
    classification: Classification

    @property
    def t(self) -> float:
        return self.utterance.end


@dataclass(frozen=True, slots=True)
class AbuseEvent:
    t: float
    kind: str  # profanity | insult | threat
    text: str
    score: float = 1.0  # the classifier's abuse score
    start: float | None = None  # when the sentence began (``t`` is when it ended and was read)


@dataclass(frozen=True, slots=True)
class CueEvent:
    t: float
    cue: str
    speaker: str
    text: str
    start: float | None = None  # when the sentence began (``t`` is when it ended and was read)


@dataclass(frozen=True, slots=True)
class CallSignals:
    """Rolling per-call signals, emitted after every classified utterance and every tick.

    This is what playbook conditions read. ``last`` is the classified utterance that
    caused this update (``None`` when the update came from a tick).
    """

    type: ClassVar[str] = "signals"
    t: float
    anger: float  # smoothed customer anger, 0..1
    anger_trend: float  # change of smoothed anger per minute (negative: calming down)
    sentiment: str  # the customer's latest sentiment label
    abuse: tuple[AbuseEvent, ...] = ()  # customer abuse so far, oldest first
    cues: tuple[CueEvent, ...] = ()  # cues so far (both speakers), oldest first
    talk_time: Mapping[str, float] = field(default_factory=dict)  # seconds spoken per channel
    speaking: str | None = None  # channel speaking now, if any
    silence: float = 0.0  # seconds since anyone last spoke
    customer_name: str | None = None
    anger_history: tuple[tuple[float, float], ...] = ()  # (t, smoothed anger), bounded window
    last: Classified | None = None


# --------------------------------------------------------------------------- time and control


@dataclass(frozen=True, slots=True)
class Tick:
    """Call time moved on (emitted a few times a second of call time by the session)."""

    type: ClassVar[str] = "tick"
    t: float


@dataclass(frozen=True, slots=True)
class AgentAction:
    """Something the agent did, from a panel button or shortcut."""

    type: ClassVar[str] = "action"
    t: float
    action: str  # one of AGENT_ACTIONS
    step: str | None = None  # the step shown when it was pressed, or the target of "override"


@dataclass(frozen=True, slots=True)
class CallStarted:
    type: ClassVar[str] = "call_started"
    t: float
    source: str  # file path or device names
    engine: str  # recognizer engine and model
    playbook: str  # playbook path
    wall_time: str = ""  # ISO 8601 time the call started, for the log
    playbook_sha256: str = ""  # of the playbook's text, so a team lead can tell later which version ran


@dataclass(frozen=True, slots=True)
class CallEnded:
    type: ClassVar[str] = "call_ended"
    t: float
    reason: str = "end of audio"


@dataclass(frozen=True, slots=True)
class WaitingForCall:
    """The agent ended the call (its log is closed); coach listens on and starts the next call at the next speech.

    Only in live device mode. ``t`` is the ended call's length (its clock stops there). Never in a call log:
    it comes after the ended call's ``CallEnded`` and before the next call's ``CallStarted``.
    """

    type: ClassVar[str] = "waiting_for_call"
    t: float
    reason: str = ""  # why the last call ended


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """Trouble (or recovery) with an audio device, shown in the panel and logged."""

    type: ClassVar[str] = "device"
    t: float
    channel: str
    state: str  # ok | silent | lost | overflow | recovered
    message: str


# --------------------------------------------------------------------------- playbook output


@dataclass(frozen=True, slots=True)
class StepChanged:
    """The playbook moved to a new step. Carries everything the panel needs to show it."""

    type: ClassVar[str] = "step"
    t: float
    step: str
    title: str
    say: tuple[str, ...] = ()
    do: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    reason: str = ""  # a sentence a person can read: which condition fired on which utterance
    previous: str | None = None
    transition: str | None = None  # id of the transition that fired (None for the start step)


@dataclass(frozen=True, slots=True)
class TimerStarted:
    type: ClassVar[str] = "timer_started"
    t: float
    timer: str
    step: str
    seconds: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class TimerExpired:
    type: ClassVar[str] = "timer_expired"
    t: float
    timer: str
    step: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class Alert:
    type: ClassVar[str] = "alert"
    t: float
    level: str  # info | warning | error
    message: str


@dataclass(frozen=True, slots=True)
class PlaybookReloaded:
    type: ClassVar[str] = "playbook_reloaded"
    t: float
    path: str
    ok: bool
    errors: tuple[str, ...] = ()
    playbook_sha256: str = ""  # of the text now running (the new one, or the last good one when ok is false)


EVENT_TYPES: dict[str, type] = {
    cls.type: cls
    for cls in (
        Partial,
        Utterance,
        Classified,
        CallSignals,
        Tick,
        AgentAction,
        CallStarted,
        CallEnded,
        WaitingForCall,
        DeviceStatus,
        StepChanged,
        TimerStarted,
        TimerExpired,
        Alert,
        PlaybookReloaded,
    )
}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, Classification):
            return value.to_json()
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


def to_json(event: Any) -> dict[str, Any]:
    """The JSON object for an event: ``{"type": ..., **fields}`` with times rounded to ms."""
    out: dict[str, Any] = {"type": event.type}
    if isinstance(event, CallSignals):
        # compact: the full history is in the log already as the events that built it
        counts: dict[str, int] = {}
        for a in event.abuse:
            counts[a.kind] = counts.get(a.kind, 0) + 1
        out.update(
            t=round(event.t, 3),
            anger=round(event.anger, 4),
            anger_trend=round(event.anger_trend, 4),
            sentiment=event.sentiment,
            abuse_counts=counts,
            cues=sorted({c.cue for c in event.cues}),
            talk_time={k: round(v, 2) for k, v in event.talk_time.items()},
            speaking=event.speaking,
            silence=round(event.silence, 2),
            customer_name=event.customer_name,
            cause=None if event.last is None else round(event.last.t, 3),
        )
        return out
    if isinstance(event, Classified):
        u = event.utterance
        out.update(_plain(u))
        out["type"] = "classified"
        out.update({k: v for k, v in event.classification.to_json().items() if k not in ("text",)})
        return out
    out.update(_plain(event))
    return out
