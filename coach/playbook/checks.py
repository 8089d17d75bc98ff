"""Checks the schema cannot express: the playbook as a graph, and conditions that can never fire.

* every step name used (``start``, ``from``, ``except``, ``to``) exists;
* step, timer and transition ids are unique;
* every step is reachable from the start step;
* a step with no way out is marked ``final: true``, and a final step has no way out; a step
  only the call-wide ``from: "*"`` transitions leave (abuse, a supervisor request) traps the call;
* no transition can never fire (a level nobody reaches, a timer the step does not
  have, a cue said by the wrong speaker, two agent actions at once, a contradiction,
  a wait longer than the step can last, a transition that always wins on the same condition);
* phrases use only the ``{name}`` placeholder.

Each problem is one ``FILE:LINE:COL: message`` line; all of them are returned at once.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from coach.events import AGENT_CUES, CUSTOMER_CUES
from coach.playbook import model as m
from coach.playbook.playbook import expand_sources, transition_name
from coach.playbook.render import placeholder_problems
from coach.playbook.suggest import closest, did_you_mean
from coach.playbook.yamlsource import SourceMap

_EPS = 1e-6  # seconds: the engine compares times with 1e-9 slack; a path of waits adds one slack per step


def check_playbook(spec: m.PlaybookSpec, source: SourceMap) -> list[str]:
    errors: list[str] = []
    at = source.at
    steps: dict[str, m.Step] = {}
    duplicates: list[tuple[int, m.Step]] = []
    for i, step in enumerate(spec.steps):
        if step.id in steps:
            duplicates.append((i, step))
        steps.setdefault(step.id, step)
        _check_texts(step, ("steps", i), at, errors)
        seen_timers: set[str] = set()
        for j, timer in enumerate(step.timers):
            if timer.id in seen_timers:
                errors.append(at(("steps", i, "timers", j, "id"), f"duplicate timer id '{timer.id}' in step '{step.id}'."))
            seen_timers.add(timer.id)

    names = list(steps)
    unknown: list[tuple[str, tuple, str]] = []  # (name, path, message): step names no step has
    if spec.start not in steps:
        unknown.append((spec.start, ("start",), f"unknown start step '{spec.start}'" + did_you_mean(spec.start, names)))

    seen_ids: set[str] = set()
    edges: dict[str, set[str]] = {s: set() for s in steps}
    named_exits: dict[str, set[str]] = {s: set() for s in steps}  # steps a transition names in 'from' explicitly
    star_exits: dict[str, list[str]] = {s: [] for s in steps}  # the '*' transitions that leave a step
    never: set[int] = set()  # transitions already reported as never firing
    for i, t in enumerate(spec.transitions):
        base = ("transitions", i)
        if t.id is not None:
            if t.id in seen_ids:
                errors.append(at(base + ("id",), f"duplicate transition id '{t.id}'; give each transition its own id."))
            seen_ids.add(t.id)
        bad_names = _unknown_names(t.from_, base + ("from",), steps, allow_star=True) + _unknown_names(t.except_, base + ("except",), steps, allow_star=False)
        unknown += bad_names
        if t.except_ and "*" not in t.from_:
            errors.append(at(base + ("except",), "'except' only makes sense with from: '*'; list the steps in 'from' instead."))
        if t.to not in steps:
            unknown.append((t.to, base + ("to",), f"unknown target step '{t.to}'" + did_you_mean(t.to, names)))
            for s in t.from_:  # a way out, once its target is fixed: not also "no way out"
                if s in named_exits:
                    named_exits[s].add(t.to)
            continue
        sources = expand_sources(t.from_, t.except_, t.to, steps) & set(steps)
        if "*" not in t.from_:
            for j, s in enumerate(t.from_):
                if s == t.to:
                    errors.append(at(base + ("from", j), f"a transition from '{s}' to itself never changes the step; remove '{s}' from 'from'."))
                elif s in steps and steps[s].final:
                    errors.append(at(base + ("from", j), f"step '{s}' is final, so no transition may leave it; remove it from 'from' or drop 'final: true' from the step."))
        sources = {s for s in sources if s != t.to and not steps[s].final}
        if not sources and not bad_names:  # an unknown name in 'from' is reported as such
            errors.append(at(base + ("from",), "this transition leaves no step (every step in 'from' is excluded, final or the target); name the steps it should leave."))
        for s in sources:
            edges[s].add(t.to)
            if s in t.from_:
                named_exits[s].add(t.to)
            else:
                star_exits[s].append(transition_name(t))
        problems = _never_fires(t.when, base + ("when",), sources, steps)
        if problems:
            never.add(i)
        for problem_path, problem in problems:
            errors.append(at(problem_path, problem))

    outlived = _outlived(spec, steps, at)
    errors += [message for _i, message in outlived]
    errors += _shadowed(spec, steps, at, skip=never | {i for i, _m in outlived})
    errors += _fold_unknown_names(unknown, duplicates, spec, steps, source)

    if spec.start in steps and not unknown:  # with a name missing, the graph is not what the lead meant yet
        reached = _reachable(spec.start, edges)
        for i, step in enumerate(spec.steps):
            if step.id not in reached:
                errors.append(at(("steps", i, "id"), f"step '{step.id}' can never be reached from the start step '{spec.start}'; add a transition to it or remove it."))
    for i, step in enumerate(spec.steps):
        if steps.get(step.id) is not step or step.final:
            continue
        if not edges.get(step.id) and not named_exits.get(step.id):
            errors.append(at(("steps", i, "id"), f"step '{step.id}' has no way out; add a transition from it, or mark it 'final: true' if the call ends there."))
        elif not named_exits.get(step.id):
            leaving = _listing(star_exits[step.id])
            errors.append(
                at(
                    ("steps", i, "id"),
                    f"step '{step.id}' has no way out of its own: only the call-wide transitions (from: '*': {leaving}) leave it, "
                    "so on an ordinary call it would sit there; add a transition from it, or mark it 'final: true' if the call ends there.",
                )
            )
    errors += _check_alerts(spec, steps, source)
    return errors


def _check_alerts(spec: m.PlaybookSpec, steps: dict[str, m.Step], source: SourceMap) -> list[str]:
    """The call-wide alerts: unique ids, known steps in ``except``, and conditions that can fire in some step."""
    at = source.at
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, alert in enumerate(spec.alerts):
        base = ("alerts", i)
        if alert.id in seen:
            out.append(at(base + ("id",), f"duplicate alert id '{alert.id}' (the first is at line {source.where(('alerts', seen[alert.id], 'id')).line}); give each alert its own id."))
        seen.setdefault(alert.id, i)
        out += [at(path, message) for _name, path, message in _unknown_names(alert.except_, base + ("except",), steps, allow_star=False)]
        shown_in = {s for s in steps if s not in alert.except_}
        if not shown_in:
            out.append(at(base + ("except",), "this alert is excluded from every step, so it is never shown; remove some steps from 'except'."))
        for problem_path, problem in _never_fires(alert.when, base + ("when",), shown_in, steps):
            out.append(at(problem_path, problem))
    return out


def _listing(names: list[str], limit: int = 8) -> str:
    shown = [f"'{n}'" for n in names[:limit]]
    return ", ".join(shown) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _unknown_names(values: list[str], path: tuple, steps: dict, *, allow_star: bool) -> list[tuple[str, tuple, str]]:
    out = []
    for j, name in enumerate(values):
        if name == "*" and allow_star:
            continue
        if name not in steps:
            hint = did_you_mean(name, list(steps) + (["*"] if allow_star else []))
            out.append((name, path + (j,), f"unknown step '{name}'{hint}"))
    return out


def _fold_unknown_names(unknown: list[tuple[str, tuple, str]], duplicates: list[tuple[int, m.Step]], spec: m.PlaybookSpec, steps: dict, source: SourceMap) -> list[str]:
    """Unknown step names, and duplicate step ids, as few messages as their causes.

    A step whose id was copied over another (``listen`` twice) is usually a step that lost its
    name: the transitions still name it (``vent``), and each of them would be "unknown". Then
    the duplicate is the one problem reported, and it names the missing step; a name that is
    a near miss of an existing step ('lisen') is a typo and is reported where it is.
    """
    out = []
    orphans = {} if not duplicates else orphan_names(unknown, list(steps))
    for i, step in duplicates:
        first = next(j for j, other in enumerate(spec.steps) if other.id == step.id)
        mark = source.where(("steps", first, "id"))
        out.append(source.at(("steps", i, "id"), f"duplicate step id '{step.id}' (the first is at line {mark.line}); give each step its own id" + orphan_note(orphans, source)))
    out += [source.at(path, message) for name, path, message in unknown if name not in orphans]
    return out


def orphan_names(unknown: list[tuple[str, tuple, str]], names: list[str]) -> dict[str, list[tuple]]:
    """Unknown names that are no near miss of a step name, with where they are used."""
    orphans: dict[str, list[tuple]] = {}
    for name, path, _message in unknown:
        if isinstance(name, str) and name != "*" and closest(name, names) is None:
            orphans.setdefault(name, []).append(path)
    return orphans


def orphan_note(orphans: dict[str, list[tuple]], source: SourceMap) -> str:
    """``"; transitions name 'vent' (lines 12, 40), which no step has: if this is that step, call it 'vent'."``"""
    if not orphans:
        return "."
    parts = []
    for name, paths in orphans.items():
        lines = sorted({source.where(p).line for p in paths})
        where = f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines[:6]))}{', ...' if len(lines) > 6 else ''}"
        parts.append(f"'{name}' ({where})")
    named = " and ".join(parts)
    which = "that step" if len(orphans) == 1 else "one of them"
    return f"; the playbook also names {named}, which no step has: if this is {which}, call it so."


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


def _outlived(spec: m.PlaybookSpec, steps: dict[str, m.Step], at) -> list[tuple[int | None, str]]:
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
            out.append((i, at(("transitions", i, "when"), f"this needs {need:g} s in step '{source}', but '{by}' always leaves it after {limit:g} s, so it never fires from there; shorten the wait or lengthen '{by}'.")))
    for i, step in enumerate(spec.steps):
        if step.id in lifetime:
            limit, by = lifetime[step.id]
            for j, timer in enumerate(step.timers):
                if timer.after > limit:
                    out.append((None, at(("steps", i, "timers", j, "after"), f"timer '{timer.id}' runs {timer.after:g} s, but '{by}' always leaves step '{step.id}' after {limit:g} s, so it never runs out; shorten it.")))
    return out


def _shadowed(spec: m.PlaybookSpec, steps: dict[str, m.Step], at, *, skip: set[int]) -> list[str]:
    """Transitions another one always beats: the engine tries the transitions leaving a step best
    first (higher priority, then the one written first), skips those in their cooldown, and fires
    the first whose condition holds. So when B's condition implies A's and A comes first, B fires
    only while A is in its cooldown; A fired then, which left the step, and the call must be back
    in it. That is impossible when A has no cooldown, or when B itself waits in the step (time in
    step, silence, a timer) at least that long, or when every way back through the playbook takes
    that long (then only the agent's hand-picked step could bring it back in time)."""
    default_cooldown = spec.defaults.cooldown
    resolved = []
    for i, t in enumerate(spec.transitions):
        if t.to not in steps:
            continue
        sources = {x for x in expand_sources(t.from_, t.except_, t.to, steps) if x in steps and x != t.to and not steps[x].final}
        cooldown = default_cooldown if t.cooldown is None else t.cooldown
        resolved.append((i, t, sources, cooldown))
    by_step: dict[str, list] = {}
    for entry in resolved:
        for source in entry[2]:
            by_step.setdefault(source, []).append(entry)
    for entries in by_step.values():
        entries.sort(key=lambda e: (-e[1].priority, e[0]))

    back_cache: dict[tuple[str, str], float] = {}

    def back_time(start: str, goal: str) -> float:
        if (start, goal) not in back_cache:
            back_cache[(start, goal)] = _shortest_wait(start, goal, resolved, steps)
        return back_cache[(start, goal)]

    lost: dict[int, list[tuple[str, int, bool]]] = {}  # B's index -> (step, A's index, only by hand)
    for step_id, entries in by_step.items():
        for k, (i, b, _sources, _cooldown) in enumerate(entries):
            if i in skip:
                continue
            for j, a, _a_sources, a_cooldown in entries[:k]:
                if not implies(b.when, a.when, steps[step_id]):
                    continue
                wait = _least_wait(b.when, steps[step_id])
                if a_cooldown <= 0 or wait >= a_cooldown:
                    lost.setdefault(i, []).append((step_id, j, False))
                    break
                if back_time(a.to, step_id) + wait >= a_cooldown + _EPS:
                    lost.setdefault(i, []).append((step_id, j, True))
                    break
    out = []
    for i, hits in sorted(lost.items()):
        b = spec.transitions[i]
        all_sources = next(e[2] for e in resolved if e[0] == i)
        name = transition_name(b)
        parts = []
        by_winner: dict[int, list[str]] = {}
        for step_id, j, _by_hand in hits:
            by_winner.setdefault(j, []).append(step_id)
        for j, step_ids in by_winner.items():
            a = spec.transitions[j]
            rank = f"priority {a.priority} over {b.priority}" if a.priority != b.priority else f"the same priority {a.priority}, written first"
            parts.append(f"'{transition_name(a)}' ({rank}) leaves {_steps_text(step_ids)} whenever this condition holds, and wins")
        hand = sorted({step_id for step_id, _j, by_hand in hits if by_hand})
        cooldowns = sorted({spec.transitions[j].cooldown if spec.transitions[j].cooldown is not None else default_cooldown for _s, j, by_hand in hits if by_hand})
        lost_steps = sorted({step_id for step_id, _j, _h in hits})
        whole = set(lost_steps) >= all_sources
        head = f"'{name}' never fires" + ("" if whole else f" from {_steps_text(lost_steps)}")
        text = f"{head}: {'; '.join(parts)}"
        if hand:
            winners = sorted({transition_name(spec.transitions[j]) for _s, j, by_hand in hits if by_hand})
            text += (
                f" (the call cannot be back in {_steps_text(hand)} within the {'/'.join(f'{c:g}' for c in cooldowns)} s cooldown of"
                f" {_listing(winners)}, unless the agent picks that step by hand)"
            )
        fix = f"give '{name}' a higher priority, or a condition of its own" if whole else f"give '{name}' a higher priority, or remove {_steps_text(lost_steps)} from its 'from'"
        path = ("transitions", i, "priority") if b.priority else ("transitions", i, "when")
        out.append(at(path, f"{text}; {fix}."))
    return out


def _steps_text(step_ids: list[str]) -> str:
    step_ids = sorted(step_ids)
    if len(step_ids) == 1:
        return f"'{step_ids[0]}'"
    if len(step_ids) > 6:
        return f"{len(step_ids)} steps ({', '.join(map(repr, step_ids[:6]))}, ...)"
    return ", ".join(f"'{x}'" for x in step_ids[:-1]) + f" and '{step_ids[-1]}'"


def _least_wait(cond: Any, step: m.Step) -> float:
    """Seconds a condition needs the call to have been in ``step`` at the least (0: it may hold at once)."""
    kind = m.condition_kind(cond)
    if kind == "time_in_step":
        return cond.time_in_step.at_least
    if kind == "silence":  # silence is counted within the step
        return cond.silence.at_least
    if kind == "timer":
        afters = [t.after for t in step.timers if t.id == cond.timer.timer]
        return min(afters) if afters else float("inf")
    if kind == "all":
        return max((_least_wait(part, step) for part in cond.all), default=0.0)
    if kind == "any":
        return min((_least_wait(part, step) for part in cond.any), default=0.0)
    return 0.0


def _shortest_wait(start: str, goal: str, resolved: list, steps: dict[str, m.Step]) -> float:
    """The least call time from entering ``start`` to entering ``goal`` through the playbook's own
    transitions (each waits at least what its condition needs in the step it leaves)."""
    import heapq

    best = {start: 0.0}
    queue = [(0.0, start)]
    while queue:
        spent, here = heapq.heappop(queue)
        if here == goal:
            return spent
        if spent > best.get(here, float("inf")):
            continue
        for _i, t, sources, _cooldown in resolved:
            if here not in sources:
                continue
            reach = spent + max(0.0, _least_wait(t.when, steps[here]) - _EPS)
            if reach < best.get(t.to, float("inf")):
                best[t.to] = reach
                heapq.heappush(queue, (reach, t.to))
    return float("inf")


def implies(b: Any, a: Any, step: m.Step | None = None) -> bool:
    """True when condition ``b`` can only hold when ``a`` holds too, by its form alone
    (equal, a stricter level or longer wait of the same kind, a part of an ``all``, ...).
    False means "not shown", never "a may fail": it errs towards False."""
    kb, ka = m.condition_kind(b), m.condition_kind(a)
    if ka == "all":
        return all(implies(b, q, step) for q in a.all)
    if kb == "any":
        return all(implies(p, a, step) for p in b.any)
    if ka == "any" and any(implies(b, q, step) for q in a.any):
        return True
    if kb == "all" and any(implies(p, a, step) for p in b.all):
        return True
    if kb != ka:
        return False
    if kb == "not":
        return implies(a.not_, b.not_, step)
    x, y = getattr(b, kb, None), getattr(a, ka, None)
    if kb == "anger_above":
        return x.level >= y.level and x.for_ >= y.for_
    if kb == "anger_below":
        return x.level <= y.level and x.for_ >= y.for_
    if kb in ("anger_falling", "anger_rising"):
        return x.by >= y.by and x.within <= y.within
    if kb == "abuse":
        return (
            set(x.kinds) <= set(y.kinds)
            and x.at_least >= y.at_least
            and x.min_score >= y.min_score
            and (x.since == y.since or y.since == "call")
            and _narrower(x.within, y.within)
        )
    if kb == "cue":
        return (
            x.cue == y.cue
            and _speaker(x) == _speaker(y)
            and (x.since == y.since or y.since == "call")
            and _narrower(x.within, y.within)
        )
    if kb in ("silence", "time_in_step"):
        return x.at_least >= y.at_least
    return b == a  # sentiment, action, timer: the same value


def _narrower(inner: float | None, outer: float | None) -> bool:
    """A look-back of ``inner`` seconds sees only what one of ``outer`` sees (None: no limit)."""
    return outer is None or (inner is not None and inner <= outer)


def _speaker(spec: m.CueSpec) -> str:
    return spec.speaker or ("agent" if spec.cue in AGENT_CUES else "customer")


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
