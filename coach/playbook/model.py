"""The playbook schema: pydantic models that are both the validator and the JSON Schema.

A playbook is data, never code: transitions fire on a small set of structured
conditions over the classifier's signals. Each condition is a mapping with exactly
one key naming its kind (``cue``, ``abuse``, ``anger_above``, ...), combinable with
``all``/``any``/``not``. Simple conditions have a short form (``cue: supervisor_request``,
``time_in_step: 30``) that is expanded before validation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, WithJsonSchema

from coach.events import ABUSE_KINDS, AGENT_ACTIONS, AGENT_CUES, CUSTOMER_CUES

Cue = Literal[CUSTOMER_CUES + AGENT_CUES]  # type: ignore[valid-type]
AbuseKind = Literal[tuple(k for k in ABUSE_KINDS if k != "none")]  # type: ignore[valid-type]
Action = Literal[AGENT_ACTIONS]  # type: ignore[valid-type]
Speaker = Literal["customer", "agent"]
Sentiment = Literal["negative", "neutral", "positive"]
Since = Literal["step", "call"]
AbuseSince = Literal["step", "call", "warning"]
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60, description="lower_snake_case name")]
Seconds = Annotated[float, Field(gt=0, le=24 * 3600)]
Level = Annotated[float, Field(ge=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _short(field: str, scalar_schema: dict[str, Any]):
    """A field that also accepts a bare scalar (``cue: x`` means ``cue: {cue: x}``)."""

    def expand(value: Any) -> Any:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return {field: value}
        return value

    def schema(s: dict[str, Any]) -> None:
        ref = {k: s.pop(k) for k in list(s) if k in ("$ref", "allOf", "type", "properties", "required")}
        s["anyOf"] = [scalar_schema, ref]

    return BeforeValidator(expand), schema


def _shortened(model: type, field: str, scalar_schema: dict[str, Any]) -> Any:
    validator, schema = _short(field, scalar_schema)
    return Annotated[model, validator, Field(json_schema_extra=schema)]


# ----------------------------------------------------------------------------- condition specs


class AngerLevel(Strict):
    level: Level = Field(description="smoothed customer anger, 0 (calm) to 1 (furious)")
    for_: float = Field(0.0, alias="for", ge=0, le=3600, description="seconds it must have held")


class AngerFalling(Strict):
    by: Annotated[float, Field(gt=0, le=1)] = Field(description="drop from the recent peak")
    within: Seconds = Field(30.0, description="seconds back (within the current step) to look for the peak")


class AngerRising(Strict):
    by: Annotated[float, Field(gt=0, le=1)] = Field(description="rise from the recent low")
    within: Seconds = Field(30.0, description="seconds back (within the current step) to look for the low")


class AbuseSpec(Strict):
    kinds: list[AbuseKind] = Field(min_length=1, description="profanity (at the situation), insult (at the agent), threat")
    at_least: int = Field(1, ge=1, le=100)
    within: Seconds | None = Field(None, description="only count the last N seconds")
    since: AbuseSince = Field(
        "step",
        description="count since the current step began, over the whole call, or since the agent's first warning "
        "(the warning cue or the Warned button; nothing counts before one is given)",
    )
    min_score: Level = Field(0.0, description="only count sentences the classifier is at least this sure of (its abuse score)")


class CueSpec(Strict):
    cue: Cue
    speaker: Speaker | None = Field(None, description="default: the speaker the cue belongs to")
    within: Seconds | None = None
    since: Since = "step"


class SilenceSpec(Strict):
    at_least: Seconds = Field(description="seconds no one has spoken, counted within the current step")


class TimeInStepSpec(Strict):
    at_least: Seconds


class SentimentSpec(Strict):
    sentiment: Sentiment


class ActionSpec(Strict):
    action: Action


class TimerSpec(Strict):
    timer: Id


# ----------------------------------------------------------------------------- conditions


class AngerAbove(Strict):
    anger_above: _shortened(AngerLevel, "level", {"type": "number", "minimum": 0, "maximum": 1})


class AngerBelow(Strict):
    anger_below: _shortened(AngerLevel, "level", {"type": "number", "minimum": 0, "maximum": 1})


class AngerFallingWhen(Strict):
    anger_falling: AngerFalling


class AngerRisingWhen(Strict):
    anger_rising: AngerRising


class AbuseWhen(Strict):
    abuse: AbuseSpec


class CueWhen(Strict):
    cue: _shortened(CueSpec, "cue", {"enum": list(CUSTOMER_CUES + AGENT_CUES)})


class SilenceWhen(Strict):
    silence: _shortened(SilenceSpec, "at_least", {"type": "number", "exclusiveMinimum": 0})


class TimeInStepWhen(Strict):
    time_in_step: _shortened(TimeInStepSpec, "at_least", {"type": "number", "exclusiveMinimum": 0})


class SentimentWhen(Strict):
    sentiment: _shortened(SentimentSpec, "sentiment", {"enum": ["negative", "neutral", "positive"]})


class ActionWhen(Strict):
    action: _shortened(ActionSpec, "action", {"enum": list(AGENT_ACTIONS)})


class TimerWhen(Strict):
    timer: _shortened(TimerSpec, "timer", {"type": "string"})


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(Strict):
    not_: Condition = Field(alias="not")


CONDITION_MODELS: dict[str, type[Strict]] = {
    "anger_above": AngerAbove,
    "anger_below": AngerBelow,
    "anger_falling": AngerFallingWhen,
    "anger_rising": AngerRisingWhen,
    "abuse": AbuseWhen,
    "cue": CueWhen,
    "silence": SilenceWhen,
    "time_in_step": TimeInStepWhen,
    "sentiment": SentimentWhen,
    "action": ActionWhen,
    "timer": TimerWhen,
    "all": AllOf,
    "any": AnyOf,
    "not": NotOf,
}
CONDITION_KINDS = tuple(CONDITION_MODELS)
_KIND_OF_MODEL = {model: kind for kind, model in CONDITION_MODELS.items()}


def condition_kind(value: Any) -> str | None:
    """The kind of a condition (its single key), or None when it is not one known key."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key,) = value
            return key if key in CONDITION_MODELS else None
        return None
    return _KIND_OF_MODEL.get(type(value))


Condition = Annotated[
    Union[tuple(Annotated[model, Tag(kind)] for kind, model in CONDITION_MODELS.items())],  # type: ignore[misc]
    Discriminator(
        condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with exactly one known key",
    ),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


# ----------------------------------------------------------------------------- steps and transitions


class Timer(Strict):
    id: Id
    after: Seconds = Field(description="seconds after the step begins")
    label: str = Field("", description="what the agent sees on the countdown")
    alert: str | None = Field(None, description="an alert shown when it expires")


class Step(Strict):
    id: Id
    title: str = Field(min_length=1, max_length=80, description="what the agent reads at a glance")
    say: list[str] = Field(default_factory=list, description="short phrases; {name} is the customer's name when known")
    do: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    timers: list[Timer] = Field(default_factory=list)
    final: bool = Field(False, description="the call ends here: no way out needed")
    notes: str = Field("", description="for team leads; not shown to agents")


class AlertSpec(Strict):
    level: Literal["info", "warning", "error"] = "warning"
    message: str = Field(min_length=1)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


StepList = Annotated[
    list[str],
    BeforeValidator(_as_list),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


class Transition(Strict):
    id: Id | None = Field(None, description="a name for logs; default FROM_to_TO")
    from_: StepList = Field(alias="from", min_length=1, description="step ids, or '*' for every step that is not final")
    except_: StepList = Field(default_factory=list, alias="except", description="steps excluded from '*'")
    to: str
    when: Condition
    priority: int = Field(0, ge=-1000, le=1000, description="higher wins when two fire together")
    cooldown: float | None = Field(None, ge=0, le=3600, description="seconds before it may fire again")
    because: str = Field("", description="a short why, prefixed to the reason the agent sees")
    alert: AlertSpec | None = None


class CallAlert(Strict):
    """A reminder shown to the agent whenever its condition comes true, in any step, without changing
    the step: "don't argue back" when the agent argues back, say."""

    id: Id
    when: Condition
    level: Literal["info", "warning", "error"] = "warning"
    message: str = Field(min_length=1, max_length=200, description="what the agent reads; the evidence is added")
    cooldown: float | None = Field(None, ge=0, le=3600, description="seconds before it may show again")
    except_: StepList = Field(default_factory=list, alias="except", description="steps in which it is not shown")


class Defaults(Strict):
    cooldown: float = Field(10.0, ge=0, le=3600)


class PlaybookSpec(Strict):
    """A coaching playbook: steps an agent is guided through and the transitions between them."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        frozen=True,
        title="coach playbook",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    version: Literal[1] = 1
    name: str = Field(min_length=1)
    description: str = ""
    start: str = Field(description="id of the step every call begins in")
    defaults: Defaults = Field(default_factory=Defaults)
    steps: list[Step] = Field(min_length=1)
    transitions: list[Transition] = Field(default_factory=list)
    alerts: list[CallAlert] = Field(
        default_factory=list, description="reminders shown in any step when their condition comes true; they never change the step"
    )


def json_schema() -> dict[str, Any]:
    return PlaybookSpec.model_json_schema(by_alias=True)
