"""Evaluating conditions: each one answers "does it hold now, and why" in words a person can read.

``holds(condition, facts)`` returns ``None`` when the condition is false, and otherwise
the reason, e.g. ``customer asked for a supervisor at 01:42: "i want to speak to your
manager"``. ``describe(condition)`` says what a condition means without the facts
(used for ``not`` and for the graph's edge labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from coach.events import AGENT_CUES, AbuseEvent, AgentAction, CallSignals, CueEvent
from coach.playbook import model as m

CUE_WORDS = {
    "supervisor_request": "asked for a supervisor",
    "not_understood": "said they are not being understood",
    "repeat_contact": "said they have called about this before",
    "churn_threat": "threatened to leave",
    "solution_proposal": "proposed a solution",
    "gratitude": "said thank you",
    "hold_consent": "agreed to be put on hold",
    "summary": "summarized the problem",
    "apology": "apologized",
    "hold_request": "asked to put the customer on hold",
    "escalation_offer": "offered a supervisor",
    "warning": "warned the customer",
    "promise": "made a promise",
    "argues_back": "argued back",
}
ACTION_WORDS = {
    "summarized": "pressed 'summarized'",
    "hold": "put the customer on hold",
    "back_from_hold": "came back from hold",
    "escalated": "escalated to a supervisor",
    "warned": "warned the customer",
    "end_call": "is ending the call",
    "dismiss": "dismissed the suggestion",
    "override": "chose a step by hand",
}


def clock(t: float) -> str:
    """Call time as ``MM:SS``."""
    whole = max(0, int(t + 1e-6))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def said_at(event: Any) -> str:
    """When a heard sentence began, as ``MM:SS``: the time a transcript lists it at (its ``t`` is its end)."""
    start = getattr(event, "start", None)
    return clock(event.t if start is None else start)


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return f'"{text}"'


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a condition may look at, at one moment of the call."""

    t: float
    step: str
    step_since: float
    signals: CallSignals | None
    action: AgentAction | None  # the action being handled now, if any
    abuse_in_step: Sequence[AbuseEvent]
    cues_in_step: Sequence[CueEvent]
    anger: Sequence[tuple[float, float]]  # (t, smoothed anger), oldest first
    expired: dict[str, tuple[float, float]]  # timer id -> (expired at, seconds)
    warning: CueEvent | AgentAction | None = None  # the agent's first warning about abuse: the cue, or the Warned button


def holds(cond: Any, f: Facts) -> str | None:
    kind = m.condition_kind(cond)
    return _HANDLERS[kind](getattr(cond, kind if kind != "not" else "not_"), f)


def _customer_said(f: Facts) -> str:
    last = f.signals.last if f.signals is not None else None
    if last is not None and last.utterance.channel == "customer":
        return f' after {quote(last.utterance.text)} at {clock(last.utterance.start)}'
    return ""


def _held_since(samples: Sequence[tuple[float, float]], ok) -> float | None:
    """Start of the current run of samples satisfying ``ok`` (None when the latest does not)."""
    since = None
    for t, value in reversed(samples):
        if not ok(value):
            break
        since = t
    return since


def _anger_above(spec: m.AngerLevel, f: Facts) -> str | None:
    return _anger_level(spec, f, above=True)


def _anger_below(spec: m.AngerLevel, f: Facts) -> str | None:
    return _anger_level(spec, f, above=False)


def _anger_level(spec: m.AngerLevel, f: Facts, *, above: bool) -> str | None:
    if f.signals is None:
        return None
    now = f.signals.anger
    ok = (lambda a: a > spec.level) if above else (lambda a: a < spec.level)
    if not ok(now):
        return None
    word = "above" if above else "below"
    if spec.for_ <= 0:
        return f"customer anger {now:.2f} is {word} {spec.level:.2f}{_customer_said(f) if above else ''}"
    since = _held_since(f.anger, ok)
    if since is None or f.t - since < spec.for_ - 1e-9:
        return None
    return f"customer anger has stayed {word} {spec.level:.2f} for {f.t - since:.0f} s (now {now:.2f})"


def _levels_since(f: Facts, within: float) -> list[float]:
    """Anger levels over the last ``within`` seconds of the current step (incl. the level at its start)."""
    start = max(f.t - within, f.step_since)
    levels = []
    before = None
    for t, a in f.anger:
        if t < start - 1e-9:
            before = a
        else:
            levels.append(a)
    if before is not None:
        levels.insert(0, before)
    return levels


def _anger_falling(spec: m.AngerFalling, f: Facts) -> str | None:
    if f.signals is None:
        return None
    recent = _levels_since(f, spec.within)
    if not recent:
        return None
    peak = max(recent)
    now = f.signals.anger
    if peak - now < spec.by - 1e-9:
        return None
    return f"customer anger fell from {peak:.2f} to {now:.2f} within {spec.within:.0f} s"


def _anger_rising(spec: m.AngerRising, f: Facts) -> str | None:
    if f.signals is None:
        return None
    recent = _levels_since(f, spec.within)
    if not recent:
        return None
    low = min(recent)
    now = f.signals.anger
    if now - low < spec.by - 1e-9:
        return None
    return f"customer anger rose from {low:.2f} to {now:.2f} within {spec.within:.0f} s{_customer_said(f)}"


def _recent(events: Sequence[Any], f: Facts, within: float | None) -> list[Any]:
    if within is None:
        return list(events)
    return [e for e in events if e.t >= f.t - within - 1e-9]


def _abuse(spec: m.AbuseSpec, f: Facts) -> str | None:
    if f.signals is None:
        return None
    if spec.since == "warning":
        if f.warning is None:
            return None
        pool = [a for a in f.signals.abuse if a.t > f.warning.t + 1e-9]
    else:
        pool = f.abuse_in_step if spec.since == "step" else f.signals.abuse
    hits = [a for a in _recent(pool, f, spec.within) if a.kind in spec.kinds and a.score >= spec.min_score]
    if len(hits) < spec.at_least:
        return None
    last = hits[-1]
    text = f"customer {last.kind} at {said_at(last)}: {quote(last.text)}"
    if spec.min_score:
        text += f" (abuse score {last.score:.2f})"
    if spec.at_least > 1:
        window = f" in the last {spec.within:.0f} s" if spec.within else ""
        scope = " in this step" if spec.since == "step" else ""
        text += f" ({len(hits)} times{window}{scope})"
    if spec.since == "warning":
        text += f", after the warning at {said_at(f.warning)}"
    return text


def _cue(spec: m.CueSpec, f: Facts) -> str | None:
    if f.signals is None:
        return None
    speaker = spec.speaker or ("agent" if spec.cue in AGENT_CUES else "customer")
    pool = f.cues_in_step if spec.since == "step" else f.signals.cues
    hits = [c for c in _recent(pool, f, spec.within) if c.cue == spec.cue and c.speaker == speaker]
    if not hits:
        return None
    last = hits[-1]
    return f"{speaker} {CUE_WORDS.get(last.cue, last.cue)} at {said_at(last)}: {quote(last.text)}"


def _silence(spec: m.SilenceSpec, f: Facts) -> str | None:
    """Silence within the step: a step entered during a long pause does not fire on the old pause."""
    if f.signals is None:
        return None
    quiet = min(f.signals.silence, f.t - f.step_since)
    if quiet < spec.at_least - 1e-9:
        return None
    return f"no one has spoken for {quiet:.0f} s"


def _time_in_step(spec: m.TimeInStepSpec, f: Facts) -> str | None:
    spent = f.t - f.step_since
    if spent < spec.at_least - 1e-9:
        return None
    return f"{spent:.0f} s in step '{f.step}'"


def _sentiment(spec: m.SentimentSpec, f: Facts) -> str | None:
    if f.signals is None or f.signals.sentiment != spec.sentiment:
        return None
    return f"the customer sounds {spec.sentiment}{_customer_said(f)}"


def _action(spec: m.ActionSpec, f: Facts) -> str | None:
    if f.action is None or f.action.action != spec.action:
        return None
    return f"agent {ACTION_WORDS.get(spec.action, spec.action)} at {clock(f.action.t)}"


def _timer(spec: m.TimerSpec, f: Facts) -> str | None:
    if spec.timer not in f.expired:
        return None
    at, seconds = f.expired[spec.timer]
    return f"timer '{spec.timer}' ({seconds:.0f} s) ran out at {clock(at)}"


def _all(parts: list[Any], f: Facts) -> str | None:
    reasons = []
    for part in parts:
        reason = holds(part, f)
        if reason is None:
            return None
        reasons.append(reason)
    return " and ".join(reasons)


def _any(parts: list[Any], f: Facts) -> str | None:
    for part in parts:
        reason = holds(part, f)
        if reason is not None:
            return reason
    return None


def _not(inner: Any, f: Facts) -> str | None:
    if holds(inner, f) is not None:
        return None
    return _not_text(inner)


def _not_text(inner: Any) -> str:
    if m.condition_kind(inner) == "silence":  # "not silence" reads better the other way round
        return f"someone spoke in the last {inner.silence.at_least:g} s"
    return f"not ({describe(inner)})"


_HANDLERS = {
    "anger_above": _anger_above,
    "anger_below": _anger_below,
    "anger_falling": _anger_falling,
    "anger_rising": _anger_rising,
    "abuse": _abuse,
    "cue": _cue,
    "silence": _silence,
    "time_in_step": _time_in_step,
    "sentiment": _sentiment,
    "action": _action,
    "timer": _timer,
    "all": _all,
    "any": _any,
    "not": _not,
}


def describe(cond: Any) -> str:
    """What ``cond`` means, in a few words (no facts needed)."""
    kind = m.condition_kind(cond)
    if kind in ("anger_above", "anger_below"):
        spec = getattr(cond, kind)
        word = "above" if kind == "anger_above" else "below"
        return f"anger {word} {spec.level:g}" + (f" for {spec.for_:g} s" if spec.for_ else "")
    if kind in ("anger_falling", "anger_rising"):
        spec = getattr(cond, kind)
        verb = "falls" if kind == "anger_falling" else "rises"
        return f"anger {verb} by {spec.by:g} within {spec.within:g} s"
    if kind == "abuse":
        s = cond.abuse
        text = f"{s.at_least}x {'/'.join(s.kinds)}"
        if s.min_score:
            text += f" (score >= {s.min_score:g})"
        if s.within:
            text += f" within {s.within:g} s"
        return text + {"step": " in step", "call": " in call", "warning": " after a warning"}[s.since]
    if kind == "cue":
        s = cond.cue
        speaker = s.speaker or ("agent" if s.cue in AGENT_CUES else "customer")
        return f"{speaker} {CUE_WORDS.get(s.cue, s.cue)}"
    if kind == "silence":
        return f"silence {cond.silence.at_least:g} s"
    if kind == "time_in_step":
        return f"{cond.time_in_step.at_least:g} s in step"
    if kind == "sentiment":
        return f"sentiment {cond.sentiment.sentiment}"
    if kind == "action":
        return f"agent {ACTION_WORDS.get(cond.action.action, cond.action.action)}"
    if kind == "timer":
        return f"timer {cond.timer.timer} ran out"
    if kind == "all":
        return " and ".join(describe(p) for p in cond.all)
    if kind == "any":
        return " or ".join(describe(p) for p in cond.any)
    if kind == "not":
        return _not_text(cond.not_)
    return kind or "?"


def longest_window(conds: Sequence[Any]) -> float:
    """The longest look-back (``for``/``within``) any condition needs, in seconds."""
    best = 0.0
    stack = list(conds)
    while stack:
        cond = stack.pop()
        kind = m.condition_kind(cond)
        if kind in ("anger_above", "anger_below"):
            best = max(best, getattr(cond, kind).for_)
        elif kind in ("anger_falling", "anger_rising"):
            best = max(best, getattr(cond, kind).within)
        elif kind in ("all", "any"):
            stack.extend(getattr(cond, kind))
        elif kind == "not":
            stack.append(cond.not_)
    return best
