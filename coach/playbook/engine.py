"""The playbook engine: pure and deterministic, events in -> coaching events out.

No wall clock, no randomness, no I/O: time is the ``t`` of the events it is given,
so the same events give the same steps live, in replay and in tests.

Per event the engine (1) lets the current step's timers expire, (2) takes in new
signals or the agent's action, (3) fires at most ONE transition: among those that
leave the current step, are out of their cooldown and whose condition holds, the
highest priority wins (ties: the one written first). At most one transition fires
per moment of call time (a tick and an utterance can share one ``t``), which keeps a
chain of steps from flashing past the agent in a single instant.
"""

from __future__ import annotations

from typing import Any

from coach.events import (
    AbuseEvent,
    AgentAction,
    Alert,
    CallSignals,
    CueEvent,
    StepChanged,
    Tick,
    TimerExpired,
    TimerStarted,
)
from coach.playbook.conditions import Facts, clock, holds, longest_window
from coach.playbook.playbook import Playbook, Transition
from coach.playbook.render import render

_SLACK = 5.0  # seconds of anger history kept beyond the longest look-back


class Engine:
    """Runs one playbook over one call. Not thread-safe: feed it from one thread."""

    def __init__(self, playbook: Playbook):
        self.playbook = playbook
        self.current_step: str = playbook.start
        self.step_since: float = 0.0
        self.now: float = 0.0
        self._started = False
        self._signals: CallSignals | None = None
        self._anger: list[tuple[float, float]] = []
        self._timers: dict[str, tuple[float, float, str, str | None]] = {}  # id -> (deadline, seconds, label, alert)
        self._expired: dict[str, tuple[float, float]] = {}
        self._last_fired: dict[str, float] = {}
        self._changed_at: float | None = None  # call time of the last transition
        self._abuse_mark: AbuseEvent | None = None
        self._cue_mark: CueEvent | None = None
        self._alert_held: set[str] = set()  # call-wide alerts whose condition held at the last event
        self._alert_shown: dict[str, float] = {}
        self._warning: CueEvent | AgentAction | None = None  # the agent's first warning about abuse: the cue or the Warned button
        self._window = self._history_window(playbook)

    # ------------------------------------------------------------------ public API

    def start(self, t: float = 0.0) -> list[Any]:
        """Enter the start step: its ``StepChanged`` and its timers."""
        self._started = True
        self.now = t
        return self._enter(self.playbook.start, t, reason="the call started", previous=None, transition=None)

    def handle(self, event: CallSignals | AgentAction | Tick) -> list[Any]:
        """Every coaching event that follows from ``event``, in order."""
        out: list[Any] = []
        if not self._started:
            out += self.start(min(event.t, 0.0))
        t = max(self.now, float(event.t))
        self.now = t
        out += self._expire_timers(t)
        action: AgentAction | None = None
        if isinstance(event, CallSignals):
            self._take_signals(event)
        elif isinstance(event, AgentAction):
            if event.action == "override":
                return out + self._override(event, t)
            action = event
            if event.action == "warned" and self._warning is None:
                self._warning = event
        out += self._fire(t, action)
        out += self._call_alerts(t, action)
        return out

    def replace_playbook(self, playbook: Playbook, t: float) -> list[Any]:
        """Hot reload: keep the current step when it still exists, else go back to the start step."""
        old_step = self.playbook.steps.get(self.current_step)
        self.playbook = playbook
        self._window = self._history_window(playbook)
        self.now = max(self.now, t)
        known = {tr.id for tr in playbook.transitions}
        self._last_fired = {k: v for k, v in self._last_fired.items() if k in known}
        if self.current_step not in playbook.steps:
            gone = self.current_step
            self._timers.clear()
            self._expired.clear()
            return self._enter(
                playbook.start,
                self.now,
                reason=f"the playbook was reloaded and step '{gone}' no longer exists, so back to '{playbook.start}'",
                previous=gone,
                transition="reload",
            )
        new_step = playbook.steps[self.current_step]
        out: list[Any] = []
        wanted = {timer.id: timer for timer in new_step.timers}
        self._timers = {k: v for k, v in self._timers.items() if k in wanted}
        self._expired = {k: v for k, v in self._expired.items() if k in wanted}
        for timer_id, timer in wanted.items():
            if timer_id not in self._timers and timer_id not in self._expired:
                self._timers[timer_id] = (self.now + timer.after, timer.after, timer.label, timer.alert)
                out.append(TimerStarted(self.now, timer_id, new_step.id, timer.after, timer.label))
        if old_step is None or _content(old_step) != _content(new_step):
            out.insert(0, self._step_changed(new_step.id, self.now, "the playbook was reloaded with new text for this step", self.current_step, "reload"))
        return out

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _history_window(playbook: Playbook) -> float:
        return longest_window([t.when for t in playbook.transitions]) + _SLACK

    def _take_signals(self, signals: CallSignals) -> None:
        self._signals = signals
        if self._warning is None:  # the cues come in call order: the first one is the first warning
            self._warning = next((c for c in signals.cues if c.cue == "warning" and c.speaker == "agent"), None)
        self._anger.append((signals.t, float(signals.anger)))
        horizon = signals.t - self._window
        cut = 0
        while cut < len(self._anger) - 1 and self._anger[cut + 1][0] < horizon:
            cut += 1  # keep one sample from before the horizon: it says where the run began
        if cut:
            del self._anger[:cut]

    def _facts(self, t: float, action: AgentAction | None) -> Facts:
        s = self._signals
        return Facts(
            t=t,
            step=self.current_step,
            step_since=self.step_since,
            signals=s,
            action=action,
            abuse_in_step=_since_mark(s.abuse, self._abuse_mark) if s else (),
            cues_in_step=_since_mark(s.cues, self._cue_mark) if s else (),
            anger=self._anger,
            expired=self._expired,
            warning=self._warning,
        )

    def _fire(self, t: float, action: AgentAction | None) -> list[Any]:
        candidates = self.playbook.transitions_from(self.current_step)
        if not candidates or self._changed_at == t:
            return []
        facts = self._facts(t, action)
        for tr in candidates:  # best first
            last = self._last_fired.get(tr.id)
            if last is not None and t - last < tr.cooldown - 1e-9:
                continue
            reason = holds(tr.when, facts)
            if reason is not None:
                return self._take(tr, t, reason)
        return []

    def _call_alerts(self, t: float, action: AgentAction | None) -> list[Any]:
        """The playbook's call-wide alerts whose condition has just come true (not on every event it
        stays true), out of their cooldown and not in one of their ``except`` steps."""
        if not self.playbook.alerts:
            return []
        facts = self._facts(t, action)
        out: list[Any] = []
        held: set[str] = set()
        for rule in self.playbook.alerts:
            reason = holds(rule.when, facts)
            if reason is None:
                continue
            held.add(rule.id)
            if rule.id in self._alert_held or self.current_step in rule.except_:
                continue
            cooldown = self.playbook.spec.defaults.cooldown if rule.cooldown is None else rule.cooldown
            last = self._alert_shown.get(rule.id)
            if last is not None and t - last < cooldown - 1e-9:
                continue
            self._alert_shown[rule.id] = t
            out.append(Alert(t, rule.level, f"{rule.message.rstrip()} ({reason})"))
        self._alert_held = held
        return out

    def _take(self, tr: Transition, t: float, reason: str) -> list[Any]:
        self._last_fired[tr.id] = t
        self._changed_at = t
        text = f"{tr.because.rstrip('.')}: {reason}" if tr.because else reason
        text = text[0].upper() + text[1:] if text else text
        out = self._enter(tr.to, t, reason=text, previous=self.current_step, transition=tr.id)
        if tr.alert is not None:
            out.append(Alert(t, tr.alert.level, tr.alert.message))
        return out

    def _override(self, event: AgentAction, t: float) -> list[Any]:
        target = event.step
        if target not in self.playbook.steps:
            return [Alert(t, "warning", f"there is no step '{target}' in the playbook; staying in '{self.current_step}'.")]
        if target == self.current_step:
            return []
        return self._enter(target, t, reason=f"the agent chose '{target}' by hand at {clock(t)}", previous=self.current_step, transition="override")

    def _enter(self, step_id: str, t: float, *, reason: str, previous: str | None, transition: str | None) -> list[Any]:
        step = self.playbook.steps[step_id]
        self.current_step = step_id
        self.step_since = t
        s = self._signals
        self._abuse_mark = s.abuse[-1] if s and s.abuse else None
        self._cue_mark = s.cues[-1] if s and s.cues else None
        self._timers.clear()
        self._expired.clear()
        out: list[Any] = [self._step_changed(step_id, t, reason, previous, transition)]
        for timer in step.timers:
            self._timers[timer.id] = (t + timer.after, timer.after, timer.label, timer.alert)
            out.append(TimerStarted(t, timer.id, step_id, timer.after, timer.label))
        return out

    def _step_changed(self, step_id: str, t: float, reason: str, previous: str | None, transition: str | None) -> StepChanged:
        step = self.playbook.steps[step_id]
        name = self._signals.customer_name if self._signals else None
        return StepChanged(
            t=t,
            step=step_id,
            title=render(step.title, name),
            say=tuple(render(x, name) for x in step.say),
            do=tuple(render(x, name) for x in step.do),
            avoid=tuple(render(x, name) for x in step.avoid),
            reason=reason,
            previous=previous,
            transition=transition,
        )

    def _expire_timers(self, t: float) -> list[Any]:
        out: list[Any] = []
        due = sorted((deadline, timer_id) for timer_id, (deadline, *_rest) in self._timers.items() if deadline <= t + 1e-9)
        for deadline, timer_id in due:
            _, seconds, label, alert = self._timers.pop(timer_id)
            self._expired[timer_id] = (deadline, seconds)
            out.append(TimerExpired(t, timer_id, self.current_step, label))
            if alert:
                out.append(Alert(t, "warning", alert))
        return out


def _since_mark(events: tuple[Any, ...], mark: Any) -> tuple[Any, ...]:
    """The events after ``mark`` (the last one seen when the step began)."""
    if mark is None:
        return events
    for i in range(len(events) - 1, -1, -1):
        if events[i] is mark or events[i] == mark:
            return events[i + 1 :]
    return tuple(e for e in events if e.t > mark.t)


def _content(step: Any) -> tuple:
    return (step.title, tuple(step.say), tuple(step.do), tuple(step.avoid))
