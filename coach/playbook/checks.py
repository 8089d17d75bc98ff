"""Checks the schema cannot express: the playbook as a graph, and conditions that can never fire.

* every step name used (``start``, ``from``, ``except``, ``to``) exists;
* step, timer and transition ids are unique;
* every step is reachable from the start step;
* a step with no way out is marked ``final: true``, and a final step has no way out;
* no transition can never fire (a level nobody reaches, a timer the step does not
  have, a cue said by the wrong speaker, two agent actions at once, a contradiction,
  a wait longer than the step can last);
* phrases use only the ``{name}`` placeholder.

Each problem is one ``FILE:LINE:COL: message`` line; all of them are returned at once.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from coach.events import AGENT_CUES, CUSTOMER_CUES
from coach.playbook import model as m
from coach.playbook.playbook import expand_sources
from coach.playbook.render import placeholder_problems
from coach.playbook.suggest import did_you_mean
from coach.playbook.yamlsource import SourceMap


def check_playbook(spec: m.PlaybookSpec, source: SourceMap) -> list[str]:
    errors: list[str] = []
    at = source.at
    steps: dict[str, m.Step] = {}
    for i, step in enumerate(spec.steps):
        if step.id in steps:
            errors.append(at(("steps", i, "id"), f"duplicate step id '{step.id}'; give each step its own id."))
        steps.setdefault(step.id, step)
        _check_texts(step, ("steps", i), at, errors)
        seen_timers: set[str] = set()
        for j, timer in enumerate(step.timers):
            if timer.id in seen_timers:
                errors.append(at(("steps", i, "timers", j, "id"), f"duplicate timer id '{timer.id}' in step '{step.id}'."))
            seen_timers.add(timer.id)

    names = list(steps)
    if spec.start not in steps:
        errors.append(at(("start",), f"unknown start step '{spec.start}'" + did_you_mean(spec.start, names)))

    seen_ids: set[str] = set()
    edges: dict[str, set[str]] = {s: set() for s in steps}
    for i, t in enumerate(spec.transitions):
        base = ("transitions", i)
        if t.id is not None:
            if t.id in seen_ids:
                errors.append(at(base + ("id",), f"duplicate transition id '{t.id}'; give each transition its own id."))
            seen_ids.add(t.id)
        _check_names(t.from_, base + ("from",), steps, at, errors, allow_star=True, what="step")
        _check_names(t.except_, base + ("except",), steps, at, errors, allow_star=False, what="step")
        if t.except_ and "*" not in t.from_:
            errors.append(at(base + ("except",), "'except' only makes sense with from: '*'; list the steps in 'from' instead."))
        if t.to not in steps:
            errors.append(at(base + ("to",), f"unknown target step '{t.to}'" + did_you_mean(t.to, names)))
            continue
        sources = expand_sources(t.from_, t.except_, t.to, steps) & set(steps)
        if "*" not in t.from_:
            for j, s in enumerate(t.from_):
                if s == t.to:
                    errors.append(at(base + ("from", j), f"a transition from '{s}' to itself never changes the step; remove '{s}' from 'from'."))
                elif s in steps and steps[s].final:
                    errors.append(at(base + ("from", j), f"step '{s}' is final, so no transition may leave it; remove it from 'from' or drop 'final: true' from the step."))
        sources = {s for s in sources if s != t.to and not steps[s].final}
        if not sources:
            errors.append(at(base + ("from",), "this transition leaves no step (every step in 'from' is excluded, final or the target); name the steps it should leave."))
        for s in sources:
            edges[s].add(t.to)
        for problem_path, problem in _never_fires(t.when, base + ("when",), sources, steps):
            errors.append(at(problem_path, problem))

    errors += _outlived(spec, steps, at)

    if spec.start in steps:
        reached = _reachable(spec.start, edges)
        for i, step in enumerate(spec.steps):
            if step.id not in reached:
                errors.append(at(("steps", i, "id"), f"step '{step.id}' can never be reached from the start step '{spec.start}'; add a transition to it or remove it."))
    for i, step in enumerate(spec.steps):
        if steps.get(step.id) is not step:
            continue
        if not step.final and not edges.get(step.id):
            errors.append(at(("steps", i, "id"), f"step '{step.id}' has no way out; add a transition from it, or mark it 'final: true' if the call ends there."))
    return errors


def _check_names(values: list[str], path: tuple, steps: dict, at, errors: list[str], *, allow_star: bool, what: str) -> None:
    for j, name in enumerate(values):
        if name == "*" and allow_star:
            continue
        if name not in steps:
            hint = did_you_mean(name, list(steps) + (["*"] if allow_star else []))
            errors.append(at(path + (j,), f"unknown {what} '{name}'{hint}"))


def _check_texts(step: m.Step, base: tuple, at, errors: list[str]) -> None:
    fields: list[tuple[tuple, str]] = [(base + ("title",), step.title)]
    for key in ("say", "do", "avoid"):
        fields += [(base + (key, j), text) for j, text in enumerate(getattr(step, key))]
    for j, timer in enumerate(step.timers):
        fields.append((base + ("timers", j, "label"), timer.label))
        if timer.alert:
            fields.append((base + ("timers", j, "alert"), timer.alert))
    for path, text in fields:
        for problem in placeholder_problems(text):
            errors.append(at(path, problem))
        if not text.strip() and path[-1] != "label":
            errors.append(at(path, "this phrase is empty; write it out or remove the line."))


def _required_time(cond: Any) -> float:
    """Seconds in the step a condition needs at the least (``time_in_step`` at its top or in an ``all``)."""
    kind = m.condition_kind(cond)
    if kind == "time_in_step":
        return cond.time_in_step.at_least
    if kind == "all":
        return max((_required_time(part) for part in cond.all), default=0.0)
    return 0.0


def _outlived(spec: m.PlaybookSpec, steps: dict[str, m.Step], at) -> list[str]:
    """Waits longer than the step can last: a plain ``time_in_step: X`` transition always leaves by X
    (once its cooldown, counted from its last firing, is no longer than X), so a transition needing
    more time in that step, or a timer running longer, can never fire."""
    default_cooldown = spec.defaults.cooldown
    lifetime: dict[str, tuple[float, str]] = {}
    resolved = []
    for i, t in enumerate(spec.transitions):
        if t.to not in steps:
            continue
        sources = {x for x in expand_sources(t.from_, t.except_, t.to, steps) if x in steps and x != t.to and not steps[x].final}
        resolved.append((i, t, sources))
        cooldown = default_cooldown if t.cooldown is None else t.cooldown
        if m.condition_kind(t.when) == "time_in_step" and cooldown <= t.when.time_in_step.at_least:
            for source in sources:
                limit = t.when.time_in_step.at_least
                if source not in lifetime or limit < lifetime[source][0]:
                    lifetime[source] = (limit, t.id or f"transitions[{i}]")
    out = []
    for i, t, sources in resolved:
        need = _required_time(t.when)
        dead = sorted(s for s in sources if s in lifetime and need > lifetime[s][0])
        for source in dead:
            limit, by = lifetime[source]
            out.append(at(("transitions", i, "when"), f"this needs {need:g} s in step '{source}', but '{by}' always leaves it after {limit:g} s, so it never fires from there; shorten the wait or lengthen '{by}'."))
    for i, step in enumerate(spec.steps):
        if step.id in lifetime:
            limit, by = lifetime[step.id]
            for j, timer in enumerate(step.timers):
                if timer.after > limit:
                    out.append(at(("steps", i, "timers", j, "after"), f"timer '{timer.id}' runs {timer.after:g} s, but '{by}' always leaves step '{step.id}' after {limit:g} s, so it never runs out; shorten it."))
    return out


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _never_fires(cond: Any, path: tuple, sources: set[str], steps: dict[str, m.Step]) -> list[tuple[tuple, str]]:
    """Reasons ``cond`` can never be true, with the path of the offending value."""
    kind = m.condition_kind(cond)
    here = path + (kind,)
    out: list[tuple[tuple, str]] = []
    if kind == "anger_above" and cond.anger_above.level >= 1.0:
        out.append((here, "anger is never above 1.0, so this never fires; use a level below 1, e.g. 0.7."))
    elif kind == "anger_below" and cond.anger_below.level <= 0.0:
        out.append((here, "anger is never below 0, so this never fires; use a level above 0, e.g. 0.3."))
    elif kind == "cue":
        spec = cond.cue
        owner = "customer" if spec.cue in CUSTOMER_CUES else "agent"
        if spec.speaker is not None and spec.speaker != owner:
            out.append((here, f"cue '{spec.cue}' is only heard from the {owner}, never the {spec.speaker}; set speaker: {owner} or drop speaker."))
    elif kind in ("anger_falling", "anger_rising") and getattr(cond, kind).by >= 1.0:
        out.append((here, f"anger ({kind}) cannot change by 1.0 or more, so this never fires; use a change such as 0.2."))
    elif kind == "timer":
        name = cond.timer.timer
        for s in sorted(sources):
            have = [t.id for t in steps[s].timers]
            if name not in have:
                hint = did_you_mean(name, have, listing=False) if have else f"; step '{s}' has no timers."
                out.append((here, f"step '{s}' has no timer '{name}', so this never fires from it{hint}"))
    elif kind in ("all", "any"):
        parts = getattr(cond, kind)
        for j, sub in enumerate(parts):
            out += _never_fires(sub, here + (j,), sources, steps)
        if kind == "all":
            out += _contradictions(parts, here)
    elif kind == "not":
        inner = cond.not_
        inner_kind = m.condition_kind(inner)
        if inner_kind == "not":
            out.append((here, "'not' of 'not' is the condition itself; remove both."))
    return out


def _contradictions(parts: list[Any], here: tuple) -> list[tuple[tuple, str]]:
    kinds = [m.condition_kind(p) for p in parts]
    actions = {p.action.action for p, k in zip(parts, kinds) if k == "action"}
    out: list[tuple[tuple, str]] = []
    if len(actions) > 1:
        out.append((here, f"the agent does one action at a time, so {' and '.join(sorted(actions))} together never fire; use 'any' instead."))
    sentiments = {p.sentiment.sentiment for p, k in zip(parts, kinds) if k == "sentiment"}
    if len(sentiments) > 1:
        out.append((here, "the sentiment has one value at a time, so 'all' of different sentiments never fires; use 'any'."))
    above = [p.anger_above.level for p, k in zip(parts, kinds) if k == "anger_above"]
    below = [p.anger_below.level for p, k in zip(parts, kinds) if k == "anger_below"]
    if above and below and max(above) >= min(below):
        out.append((here, f"anger cannot be above {max(above)} and below {min(below)} at once, so this never fires; fix one of the levels."))
    return out
