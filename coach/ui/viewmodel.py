"""What the panel shows, as a pure fold of the call's events: ``state = reduce(state, event)``.

The live panel and the replay window show the same thing because both fold the same
events with this one function: live, as the session emits them; in replay, every
event up to the display position. Nothing here imports Qt, so the whole meaning of
the panel is tested without a window.

Everything that grows with the call is bounded (transcript lines, mood history,
alerts), so a two-hour call costs the panel no more memory than a five-minute one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from coach.events import (
    ABUSE_KINDS,
    AgentAction,
    Alert,
    CallEnded,
    CallSignals,
    CallStarted,
    Classified,
    DeviceStatus,
    Partial,
    PlaybookReloaded,
    StepChanged,
    TimerExpired,
    TimerStarted,
    Utterance,
    WaitingForCall,
)

TRANSCRIPT_LINES = 80  # the transcript keeps the last N final lines
MOOD_WINDOW = 300.0  # seconds of mood history behind the trend line ("the last few minutes")
MOOD_SAMPLE = 2.0  # one point of mood history every N seconds of call time
ALERTS_KEPT = 3
DEVICE_TROUBLE = ("silent", "lost", "overflow")
DEVICE_NOTICE_SECONDS = 10.0  # a one-off device notice (blocks dropped, device back) stays this long
WAITING_DETAIL = "waiting for the next call (it starts when someone speaks)"
PHASE_LABELS = {"starting": "○ starting", "loading": "◌ loading models", "listening": "● listening",
                "ended": "■ call ended", "failed": "✖ stopped"}


@dataclass(frozen=True, slots=True)
class StepView:
    """The step the agent should be in, and why it was chosen."""

    step: str
    title: str
    say: tuple[str, ...] = ()
    do: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    reason: str = ""
    since: float = 0.0
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    channel: str
    start: float
    end: float
    text: str
    note: str = ""  # e.g. "angry", "insult" from the classifier


@dataclass(frozen=True, slots=True)
class TimerView:
    """A running countdown (e.g. the hold timer); ``remaining`` is read against ``PanelState.t``."""

    timer: str
    step: str
    started: float
    seconds: float
    label: str = ""

    def remaining(self, now: float) -> float:
        return max(0.0, self.started + self.seconds - now)


@dataclass(frozen=True, slots=True)
class DeviceView:
    channel: str
    state: str
    message: str
    t: float

    @property
    def trouble(self) -> bool:
        return self.state in DEVICE_TROUBLE

    def recent(self, now: float) -> bool:
        return now - self.t < DEVICE_NOTICE_SECONDS


@dataclass(frozen=True, slots=True)
class PanelState:
    """Everything the panel shows at one call time ``t``. Immutable: safe to hand across threads."""

    t: float = 0.0
    phase: str = "starting"  # starting | loading | listening | ended | failed
    phase_detail: str = ""  # e.g. "loading speech model…", "end of audio"
    source: str = ""
    engine: str = ""
    playbook: str = ""
    step: StepView | None = None
    dismissed: bool = False  # the agent dismissed the current suggestion (Esc)
    sentiment: str = "neutral"
    anger: float = 0.0
    anger_trend: float = 0.0  # per minute; negative: calming down
    mood_history: tuple[tuple[float, float], ...] = ()  # (t, anger), last MOOD_WINDOW seconds
    abuse_counts: tuple[tuple[str, int], ...] = ()  # (kind, count), in ABUSE_KINDS order
    last_abuse: str = ""  # the text of the latest abusive utterance
    warned: bool = False  # a warning about abuse has been given
    warned_at: float | None = None
    timers: tuple[TimerView, ...] = ()
    expired: tuple[str, ...] = ()  # labels of timers that ran out in this step
    customer_name: str | None = None
    transcript: tuple[TranscriptLine, ...] = ()
    partials: tuple[tuple[str, str], ...] = ()  # (channel, open text)
    devices: tuple[DeviceView, ...] = ()  # latest status per channel
    playbook_errors: tuple[str, ...] = ()  # non-empty: the last reload failed, the last good one runs
    alerts: tuple[Alert, ...] = ()
    last_action: AgentAction | None = None
    end_reason: str = ""
    waiting: bool = False  # between calls: the agent ended the last one (``t`` is its length); the next speech starts the next

    # ----------------------------------------------------------------- derived

    @property
    def no_audio(self) -> bool:
        """Listening, but every device is lost: nothing can be heard."""
        return bool(self.devices) and all(d.state == "lost" for d in self.devices)

    @property
    def phase_label(self) -> str:
        """The header's word for where coach is, with its icon; agrees with the device banner (no "listening" while
        every device is lost)."""
        if self.phase == "listening" and self.no_audio:
            return "✖ no audio"
        return PHASE_LABELS.get(self.phase, self.phase)

    @property
    def waiting_text(self) -> str:
        """Between calls, the sentence for the step card (empty during a call)."""
        if not self.waiting:
            return ""
        why = f" ({self.end_reason})" if self.end_reason else ""
        return f"Call ended{why}. Waiting for the next call: it starts as soon as someone speaks."

    @property
    def abuse_total(self) -> int:
        return sum(n for _, n in self.abuse_counts)

    @property
    def time_in_step(self) -> float:
        return 0.0 if self.step is None else max(0.0, self.t - self.step.since)

    @property
    def device_trouble(self) -> tuple[DeviceView, ...]:
        """Devices in trouble now: lost or silent until they recover, dropped blocks for a few seconds."""
        return tuple(d for d in self.devices if d.trouble and (d.state != "overflow" or d.recent(self.t)))

    @property
    def device_notice(self) -> tuple[str, str] | None:
        """(level, text) of the device banner: ``error`` while a device is lost, ``warning`` for silence or
        dropped blocks, ``ok`` for a few seconds after a device came back; None when all is well."""
        trouble = self.device_trouble
        if trouble:
            level = "error" if any(d.state == "lost" for d in trouble) else "warning"
            return level, " ".join(d.message for d in trouble)
        back = tuple(d for d in self.devices if d.state in ("recovered", "ok") and d.recent(self.t))
        if back:
            return "ok", " ".join(d.message for d in back)
        return None

    def partial(self, channel: str) -> str:
        return next((text for ch, text in self.partials if ch == channel), "")


# --------------------------------------------------------------------- the fold


def _later(state: PanelState, t: float) -> float:
    return t if t > state.t else state.t


def _with_partial(partials: tuple[tuple[str, str], ...], channel: str, text: str) -> tuple[tuple[str, str], ...]:
    rest = tuple(p for p in partials if p[0] != channel)
    return rest + ((channel, text),) if text else rest


def _mood_point(history: tuple[tuple[float, float], ...], t: float, anger: float) -> tuple[tuple[float, float], ...]:
    if history and t - history[-1][0] < MOOD_SAMPLE:
        return history
    history = history + ((t, anger),)
    if t - history[0][0] > MOOD_WINDOW:
        history = tuple(p for p in history if t - p[0] <= MOOD_WINDOW)
    return history


def _on_signals(state: PanelState, e: CallSignals) -> PanelState:
    counts = {kind: 0 for kind in ABUSE_KINDS if kind != "none"}
    for a in e.abuse:
        counts[a.kind] = counts.get(a.kind, 0) + 1
    warned_at = state.warned_at
    if warned_at is None:
        warned_at = next((c.t for c in e.cues if c.cue == "warning" and c.speaker == "agent"), None)
    return replace(
        state,
        t=_later(state, e.t),
        sentiment=e.sentiment,
        anger=e.anger,
        anger_trend=e.anger_trend,
        mood_history=_mood_point(state.mood_history, e.t, e.anger),
        abuse_counts=tuple((k, n) for k, n in counts.items() if n),
        last_abuse=e.abuse[-1].text if e.abuse else state.last_abuse,
        warned=warned_at is not None,
        warned_at=warned_at,
        customer_name=e.customer_name or state.customer_name,
    )


def _on_utterance(state: PanelState, u: Utterance, note: str = "") -> PanelState:
    if not u.text.strip():
        return replace(state, partials=_with_partial(state.partials, u.channel, ""))
    line = TranscriptLine(u.channel, u.start, u.end, u.text.strip(), note)
    lines = state.transcript
    if lines and lines[-1].channel == u.channel and lines[-1].start == u.start and lines[-1].end == u.end:
        lines = lines[:-1]  # the classified copy of the utterance just shown replaces it (adds its note)
    lines = (lines + (line,))[-TRANSCRIPT_LINES:]
    return replace(
        state,
        t=_later(state, u.end),
        transcript=lines,
        partials=_with_partial(state.partials, u.channel, ""),
    )


def _note(e: Classified) -> str:
    c = e.classification
    notes = []
    if c.abuse != "none":
        notes.append(c.abuse)
    if e.utterance.channel == "customer" and c.anger >= 0.6:
        notes.append("angry")
    return ", ".join(notes)


def _on_step(state: PanelState, e: StepChanged) -> PanelState:
    view = StepView(e.step, e.title, tuple(e.say), tuple(e.do), tuple(e.avoid), e.reason, e.t, e.previous)
    return replace(
        state,
        t=_later(state, e.t),
        step=view,
        dismissed=False,
        timers=tuple(tm for tm in state.timers if tm.step == e.step),
        expired=(),
    )


def _on_device(state: PanelState, e: DeviceStatus) -> PanelState:
    others = tuple(d for d in state.devices if d.channel != e.channel)
    view = DeviceView(e.channel, e.state, e.message, e.t)
    return replace(state, devices=others + (view,), t=_later(state, e.t))


def _on_action(state: PanelState, e: AgentAction) -> PanelState:
    state = replace(state, last_action=e, t=_later(state, e.t))
    if e.action == "dismiss":
        return replace(state, dismissed=True)
    if e.action == "warned" and state.warned_at is None:
        return replace(state, warned=True, warned_at=e.t)
    if e.action == "back_from_hold":
        return replace(state, timers=tuple(tm for tm in state.timers if "hold" not in tm.timer))
    return state


def _still_lost(devices: tuple[DeviceView, ...]) -> tuple[DeviceView, ...]:
    """Across calls only a lost device is kept (silence and dropped blocks were the last call's)."""
    return tuple(replace(d, t=0.0) for d in devices if d.state == "lost")


def reduce(state: PanelState, event: Any) -> PanelState:
    """The panel after ``event``; events the panel does not show return ``state`` unchanged."""
    if isinstance(event, CallSignals):
        return _on_signals(state, event)
    if isinstance(event, Partial):
        return replace(state, partials=_with_partial(state.partials, event.channel, event.text.strip()))
    if isinstance(event, Classified):
        return _on_utterance(state, event.utterance, _note(event))
    if isinstance(event, Utterance):
        return _on_utterance(state, event)
    if isinstance(event, StepChanged):
        return _on_step(state, event)
    if isinstance(event, TimerStarted):
        timers = tuple(tm for tm in state.timers if tm.timer != event.timer)
        view = TimerView(event.timer, event.step, event.t, event.seconds, event.label or event.timer)
        return replace(state, timers=timers + (view,), t=_later(state, event.t))
    if isinstance(event, TimerExpired):
        timers = tuple(tm for tm in state.timers if tm.timer != event.timer)
        return replace(state, timers=timers, expired=state.expired + (event.label or event.timer,), t=_later(state, event.t))
    if isinstance(event, AgentAction):
        return _on_action(state, event)
    if isinstance(event, DeviceStatus):
        return _on_device(state, event)
    if isinstance(event, PlaybookReloaded):
        return replace(state, playbook_errors=() if event.ok else tuple(event.errors) or ("the playbook did not load",))
    if isinstance(event, Alert):
        return replace(state, alerts=(state.alerts + (event,))[-ALERTS_KEPT:], t=_later(state, event.t))
    if isinstance(event, CallStarted):  # a new call: nothing of the last one carries over but the devices' losses
        return PanelState(phase="listening", source=event.source, engine=event.engine, playbook=event.playbook,
                          devices=_still_lost(state.devices), playbook_errors=state.playbook_errors)
    if isinstance(event, CallEnded):
        return replace(state, phase="ended", end_reason=event.reason, partials=(), t=_later(state, event.t))
    if isinstance(event, WaitingForCall):  # the ended call is cleared away; its clock stays stopped at its length
        return PanelState(t=event.t, phase="ended", phase_detail=WAITING_DETAIL, source=state.source,
                          engine=state.engine, playbook=state.playbook, devices=_still_lost(state.devices),
                          playbook_errors=state.playbook_errors, end_reason=event.reason or state.end_reason,
                          waiting=True)
    if isinstance(event, PhaseChanged):
        return replace(state, phase=event.phase, phase_detail=event.detail)
    return state


def fold(events: Any, state: PanelState | None = None) -> PanelState:
    """Fold a sequence of events from ``state`` (default: a fresh panel)."""
    state = state or PanelState()
    for event in events:
        state = reduce(state, event)
    return state


def at_time(state: PanelState, t: float) -> PanelState:
    """The same panel read at call time ``t`` (timers and time-in-step count on)."""
    return state if t == state.t else replace(state, t=t)


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    """The panel's own life (not a call event): models loading, ready, failed. Never logged."""

    type = "ui_phase"
    phase: str  # starting | loading | listening | ended | failed
    detail: str = ""
    t: float = 0.0
