"""The validated playbook the engine runs: steps by id and transitions resolved per step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.playbook.model import AlertSpec, CallAlert, PlaybookSpec, Step


@dataclass(frozen=True, slots=True)
class Transition:
    """A transition with ``from: '*'`` expanded and its defaults filled in."""

    id: str
    index: int  # order in the file: breaks priority ties (first written wins)
    sources: frozenset[str]
    to: str
    when: Any  # a condition model from coach.playbook.model
    priority: int
    cooldown: float
    because: str = ""
    alert: AlertSpec | None = None


@dataclass(frozen=True)
class Playbook:
    spec: PlaybookSpec
    path: Path | None
    start: str
    steps: dict[str, Step]
    transitions: tuple[Transition, ...]
    text: str = ""
    _by_step: dict[str, tuple[Transition, ...]] = field(default_factory=dict, repr=False)
    alerts: tuple[CallAlert, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    def transitions_from(self, step: str) -> tuple[Transition, ...]:
        """Transitions that may leave ``step``, best first (priority, then file order)."""
        return self._by_step.get(step, ())


def expand_sources(raw_from: list[str], raw_except: list[str], to: str, steps: dict[str, Step]) -> frozenset[str]:
    if "*" in raw_from:
        chosen = {s for s, step in steps.items() if not step.final and s != to}
    else:
        chosen = set(raw_from)
    return frozenset(chosen - set(raw_except))


def transition_name(t: Any) -> str:
    """The id the engine gives a transition (its own, or FROM_to_TO)."""
    return t.id or f"{'any' if '*' in t.from_ else '_'.join(t.from_)}_to_{t.to}"


def build_playbook(spec: PlaybookSpec, path: Path | None, text: str = "") -> Playbook:
    steps = {step.id: step for step in spec.steps}
    transitions = []
    for i, t in enumerate(spec.transitions):
        sources = expand_sources(t.from_, t.except_, t.to, steps)
        transitions.append(
            Transition(
                id=transition_name(t),
                index=i,
                sources=sources,
                to=t.to,
                when=t.when,
                priority=t.priority,
                cooldown=spec.defaults.cooldown if t.cooldown is None else t.cooldown,
                because=t.because,
                alert=t.alert,
            )
        )
    by_step: dict[str, tuple[Transition, ...]] = {}
    for step_id in steps:
        out = [t for t in transitions if step_id in t.sources]
        out.sort(key=lambda t: (-t.priority, t.index))
        by_step[step_id] = tuple(out)
    return Playbook(spec, path, spec.start, steps, tuple(transitions), text, by_step, alerts=tuple(spec.alerts))
