"""Scenarios: a team lead's unit tests for a playbook.

A scenario is a short YAML call script: timed lines (speaker and text, optionally
with explicit signals) and agent actions, plus the steps expected to appear in
order and those that must never appear::

    name: Asking for a manager leads to delegate_up
    events:
      - {t: 4, speaker: customer, text: "My internet has been down since Monday."}
      - {t: 9, speaker: customer, text: "I want to speak to your manager.", anger: 0.6, cues: [supervisor_request]}
      - {t: 15, action: escalated}
    expect:
      steps: [listen, {step: delegate_up, by: 12}]   # a step id, or {step, by: call time}
      never: [draw_the_line]

A line's text goes through the real classifier; giving ``anger`` skips the classifier
for that line (then ``abuse`` and ``cues`` default to none, ``sentiment`` to negative at an anger
of 0.5 or more and to neutral below),
while ``abuse``/``cues``/``sentiment`` alone override what the classifier read.
The run drives the same ``CallBrain`` (classifier -> tracker -> engine) as a live call.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from coach.errors import PlaybookError
from coach.events import AGENT_ACTIONS, Classification, StepChanged, Tick, Utterance, AgentAction
from coach.playbook.conditions import clock
from coach.playbook.loader import _schema_errors, _sorted, read_text_file
from coach.playbook.model import AbuseKind, Action, Cue, Sentiment
from coach.playbook.playbook import Playbook
from coach.playbook.suggest import did_you_mean
from coach.playbook.yamlsource import read_yaml

WORDS_PER_SECOND = 2.5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class ScenarioEvent(_Strict):
    t: float = Field(ge=0, le=24 * 3600, description="call time (s) the line ends / the button is pressed")
    speaker: Literal["customer", "agent"] | None = None
    text: str | None = None
    duration: float | None = Field(None, gt=0, le=120, description="seconds spoken (default: from the word count)")
    anger: float | None = Field(None, ge=0, le=1)
    abuse: AbuseKind | Literal["none"] | None = None
    cues: list[Cue] | None = None
    sentiment: Sentiment | None = None
    action: Action | None = None
    step: str | None = Field(None, description="for action: override, the step chosen")

    @model_validator(mode="after")
    def _one_kind(self) -> "ScenarioEvent":
        if self.action is not None:
            if self.speaker is not None or self.text is not None:
                raise ValueError("an event is either a line (speaker and text) or an agent action, not both")
            if self.action == "override" and not self.step:
                raise ValueError("action 'override' needs 'step': the step the agent chose")
        else:
            if self.speaker is None or not (self.text or "").strip():
                raise ValueError("a line needs 'speaker' (customer or agent) and a non-empty 'text'; an agent button needs 'action'")
        return self


class ExpectedStep(_Strict):
    step: str
    by: float | None = Field(None, ge=0, description="call time (s) by which it must have appeared")


def _expected(value: Any) -> Any:
    return {"step": value} if isinstance(value, str) else value


class Expectation(_Strict):
    steps: list[Annotated[ExpectedStep, BeforeValidator(_expected)]] = Field(
        default_factory=list, description="steps that must appear, in this order: a step id or {step: id, by: seconds}"
    )
    never: list[str] = Field(default_factory=list, description="steps that must not appear")


class ScenarioSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    until: float | None = Field(None, gt=0, le=24 * 3600, description="call length (default: last event + 5 s)")
    tick: float = Field(0.25, gt=0, le=5)
    events: list[ScenarioEvent] = Field(min_length=1)
    expect: Expectation


@dataclass(frozen=True)
class Scenario:
    spec: ScenarioSpec
    path: Path | None
    filename: str
    _lines: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)  # "expect.steps.0" -> (line, col)

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class ScenarioResult:
    scenario: Scenario
    passed: bool
    steps: list[StepChanged]
    message: str
    events: list[Any] = field(default_factory=list, repr=False)


def _keys_at(loc: tuple) -> set[str]:
    """The keys a scenario may use in the mapping at ``loc`` (for "did you mean" on an unknown key)."""
    shape = tuple("#" if isinstance(x, int) else x for x in loc)
    model = {("events", "#"): ScenarioEvent, ("expect",): Expectation, ("expect", "steps", "#"): ExpectedStep}.get(shape, ScenarioSpec)
    return {info.alias or name for name, info in model.model_fields.items()}


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    return load_scenario_text(read_text_file(path, "scenario"), str(path), path=path)


def load_scenario_text(text: str, filename: str = "<string>", *, path: Path | None = None) -> Scenario:
    data, source = read_yaml(
        text, filename, what="scenario", empty="the scenario is empty; a scenario has 'name', 'events' and 'expect' (copy one from playbooks/scenarios/)."
    )
    if not isinstance(data, dict):
        raise PlaybookError([source.at((), "a scenario is a mapping with 'name', 'events' and 'expect' (copy one from playbooks/scenarios/).")])
    try:
        # strict, like a playbook: "0.6" is text, not a number
        spec = ScenarioSpec.model_validate(data, strict=True)
    except ValidationError as exc:
        raise PlaybookError(_sorted(_schema_errors(exc, source, keys=_keys_at))) from None
    errors = []
    for i, (a, b) in enumerate(zip(spec.events, spec.events[1:])):
        if b.t < a.t:
            errors.append(source.at(("events", i + 1, "t"), f"events must be in time order: t={b.t:g} comes after t={a.t:g}; reorder them."))
    if errors:
        raise PlaybookError(errors)
    marks = {}
    for key in ("steps", "never"):
        for j in range(len(getattr(spec.expect, key))):
            mark = source.where(("expect", key, j))
            marks[f"{key}.{j}"] = (mark.line, mark.col)
    for i, ev in enumerate(spec.events):
        if ev.step is not None:
            mark = source.where(("events", i, "step"))
            marks[f"events.{i}.step"] = (mark.line, mark.col)
    return Scenario(spec, path, filename, marks)


def check_against(scenario: Scenario, playbook: Playbook) -> None:
    """Steps named in ``expect`` must exist, or a typo would make ``never`` pass trivially."""
    errors = []
    for key in ("steps", "never"):
        for j, item in enumerate(getattr(scenario.spec.expect, key)):
            step = item.step if isinstance(item, ExpectedStep) else item
            if step not in playbook.steps:
                line, col = scenario._lines.get(f"{key}.{j}", (1, 1))
                errors.append(f"{scenario.filename}:{line}:{col}: the playbook has no step '{step}'" + did_you_mean(step, playbook.steps))
    for i, ev in enumerate(scenario.spec.events):
        if ev.action == "override" and ev.step not in playbook.steps:
            line, col = scenario._lines.get(f"events.{i}.step", (1, 1))
            errors.append(f"{scenario.filename}:{line}:{col}: the playbook has no step '{ev.step}' to override to" + did_you_mean(ev.step, playbook.steps))
    if errors:
        raise PlaybookError(errors)


class ScriptedClassifier:
    """Classifies the scenario's lines in order: explicit signals win, the real classifier fills in the rest."""

    def __init__(self, lines: list[ScenarioEvent], classifier: Any | None):
        self._lines = deque(lines)
        self._classifier = classifier

    def _real(self) -> Any:
        if self._classifier is None:
            from coach.classify import get_classifier

            self._classifier = get_classifier()
        return self._classifier

    def classify(self, text: str, speaker: str) -> Classification:
        line = self._lines.popleft()
        if line.anger is not None:
            anger = line.anger
            sentiment = line.sentiment or ("negative" if anger >= 0.5 else "neutral")
            abuse = line.abuse or "none"
            return Classification(text, speaker, sentiment, {sentiment: 1.0}, anger, abuse, 1.0, tuple(line.cues or ()))
        got = self._real().classify(text, speaker)
        return Classification(
            text,
            speaker,
            line.sentiment or got.sentiment,
            got.sentiment_scores,
            got.anger,
            line.abuse or got.abuse,
            1.0 if line.abuse else got.abuse_score,
            tuple(line.cues) if line.cues is not None else got.cues,
        )


def _inputs(spec: ScenarioSpec) -> list[Any]:
    """The scenario as the session would feed it: utterances, actions and ticks in call-time order."""
    out: list[Any] = []
    next_tick = spec.tick
    end = spec.until if spec.until is not None else spec.events[-1].t + 5.0

    def ticks_until(t: float) -> None:
        nonlocal next_tick
        while next_tick <= t + 1e-9:
            out.append(Tick(round(next_tick, 3)))
            next_tick += spec.tick

    for ev in spec.events:
        if ev.t > end:
            break
        ticks_until(ev.t)
        if ev.action is not None:
            out.append(AgentAction(ev.t, ev.action, ev.step))
        else:
            text = (ev.text or "").strip()
            duration = ev.duration or max(1.0, len(text.split()) / WORDS_PER_SECOND)
            out.append(Utterance(ev.speaker or "customer", max(0.0, ev.t - duration), ev.t, text))
    ticks_until(end)
    return out


def run_scenario(playbook: Playbook, scenario: Scenario, classifier: Any | None = None) -> ScenarioResult:
    """Play the scenario through a ``CallBrain`` running ``playbook``; compare the steps seen."""
    from coach.brain import CallBrain
    from coach.playbook.engine import Engine

    check_against(scenario, playbook)
    spec = scenario.spec
    lines = [ev for ev in spec.events if ev.action is None and (spec.until is None or ev.t <= spec.until)]
    brain = CallBrain(ScriptedClassifier(lines, classifier), Engine(playbook))
    events = brain.start(0.0) + brain.run(_inputs(spec))
    steps = [e for e in events if isinstance(e, StepChanged)]
    passed, message = _compare(spec.expect, steps)
    return ScenarioResult(scenario, passed, steps, message, events)


def _compare(expect: Expectation, steps: list[StepChanged]) -> tuple[bool, str]:
    seen = [s.step for s in steps]
    problems = []
    matched: list[int] = []  # index into ``steps`` of each expected step found
    position = 0
    missing_from = None
    late = []
    for k, want in enumerate(expect.steps):
        found = next((i for i in range(position, len(seen)) if seen[i] == want.step), None)
        if found is None:
            missing_from = k
            break
        matched.append(found)
        position = found + 1
        if want.by is not None and steps[found].t > want.by + 1e-9:
            late.append(f"expected '{want.step}' by {clock(want.by)}, but it came at {clock(steps[found].t)}")
    if missing_from is not None:
        want = expect.steps[missing_from]
        after = f" after '{expect.steps[missing_from - 1].step}'" if missing_from else ""
        where = " (it appears, but not in that order)" if want.step in seen else ""
        problems.append(f"expected '{want.step}'{after}, never reached{where}")
    problems += late
    for bad in expect.never:
        for s in steps:
            if s.step == bad:
                problems.append(f"'{bad}' must never appear, but it did at {clock(s.t)}: {s.reason}")
                break
    width = max([len(s) for s in seen] + [4])
    table = []
    for i, s in enumerate(steps):
        mark = "+" if i in matched else ("!" if s.step in expect.never else " ")
        table.append(f"   {mark} {clock(s.t)}  {s.step:<{width}}  {s.reason}")
    wanted = [w.step + (f" (by {clock(w.by)})" if w.by is not None else "") for w in expect.steps]
    lines = [f"  expected in order: {' -> '.join(wanted) or '(nothing)'}"]
    if expect.never:
        lines.append(f"  never: {', '.join(expect.never)}")
    lines.append("  steps seen (+ expected, ! forbidden):")
    lines += table
    if problems:
        lines = [f"  {p}" for p in problems] + lines
    return (not problems), "\n".join(lines)
