"""Fuzzing the loader: any text gives a playbook or FILE:LINE:COL errors, never another exception."""

from __future__ import annotations

import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.errors import PlaybookError
from coach.paths import DEFAULT_PLAYBOOK
from coach.playbook import Playbook, load_playbook_text

ERROR_LINE = re.compile(r"^fuzz\.yaml:\d+:\d+: \S")
DEFAULT_LINES = DEFAULT_PLAYBOOK.read_text(encoding="utf-8").splitlines()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from(
    ["id", "title", "say", "from", "to", "when", "start", "steps", "transitions", "final", "timers", "cue",
     "abuse", "anger_above", "all", "any", "not", "on", "off", "yes", "no", "vent", "*", "{name}", "0.7",
     "supervisor_request", "insult", "kinds", "at_least", "for", "-", ":", "[", "]", "{", "}", "&a", "*a", "!!str"]
)


def check(text: str) -> None:
    try:
        result = load_playbook_text(text, "fuzz.yaml")
    except PlaybookError as err:
        assert err.errors, "an error lists its problems"
        for line in err.errors:
            assert ERROR_LINE.match(line), line
    else:
        assert isinstance(result, Playbook)


@FUZZ
@given(st.text(max_size=400))
def test_random_text(text):
    check(text)


@FUZZ
@given(st.lists(WORDS, max_size=60).map(" ".join))
def test_random_playbook_words(text):
    check(text.replace(" - ", "\n- ").replace(": ", ":\n  "))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, width=32) | WORDS | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(WORDS | st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(yaml_values)
def test_random_yaml_structures(value):
    check(yaml.safe_dump(value))


@FUZZ
@given(st.dictionaries(st.sampled_from(["name", "start", "steps", "transitions", "defaults", "version"]), yaml_values, max_size=6))
def test_random_top_level_mappings(value):
    check(yaml.safe_dump(value))


@st.composite
def mutated_default(draw) -> str:
    lines = list(DEFAULT_LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "replace_word", "indent", "dedent", "truncate"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "replace_word":
            words = lines[i].split(" ")
            k = draw(st.integers(0, len(words) - 1))
            words[k] = draw(WORDS | st.text(max_size=6))
            lines[i] = " ".join(words)
        elif action == "indent":
            lines[i] = "  " + lines[i]
        elif action == "dedent":
            lines[i] = lines[i][2:]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        if not lines:
            break
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_default())
def test_mutations_of_the_default_playbook(text):
    check(text)


def test_the_unmutated_default_loads():
    assert isinstance(load_playbook_text("\n".join(DEFAULT_LINES) + "\n", "fuzz.yaml"), Playbook)


# ------------------------------------------------------------------ the engine on random calls

from coach.events import ABUSE_KINDS, AGENT_CUES, CUSTOMER_CUES, AgentAction, StepChanged, Tick  # noqa: E402
from coach.playbook import Engine, load_playbook  # noqa: E402

from playbook_helpers import Call  # noqa: E402

DEFAULT = load_playbook(DEFAULT_PLAYBOOK)

event_specs = st.lists(
    st.tuples(
        st.floats(0.05, 20, allow_nan=False),
        st.sampled_from(["say", "say", "tick", "tick", "tick", "action"]),
        st.floats(0, 1, allow_nan=False),
        st.sampled_from(ABUSE_KINDS),
        st.lists(st.sampled_from(CUSTOMER_CUES + AGENT_CUES), max_size=2),
        st.sampled_from(["summarized", "hold", "back_from_hold", "escalated", "warned", "dismiss", "override"]),
        st.sampled_from(sorted(DEFAULT.steps) + ["nowhere"]),
    ),
    max_size=80,
)


def play(specs) -> list:
    call = Call(name="Ann")
    engine = Engine(DEFAULT)
    out = engine.start(0.0)
    t = 0.0
    for gap, kind, anger, abuse, cues, action, step in specs:
        t += gap
        if kind == "say":
            speaker = "agent" if any(c in AGENT_CUES for c in cues) else "customer"
            event = call.say(t, "words", speaker=speaker, anger=anger, abuse=None if abuse == "none" else abuse,
                             cues=tuple(c for c in cues if (c in AGENT_CUES) == (speaker == "agent")))
        elif kind == "tick":
            event = Tick(t)
        else:
            event = AgentAction(t, action, step if action == "override" else None)
        before = engine.current_step
        result = engine.handle(event)
        changes = [e for e in result if isinstance(e, StepChanged)]
        assert len(changes) <= 1, "at most one step change per event"
        assert engine.current_step in DEFAULT.steps
        if DEFAULT.steps[before].final and changes:
            assert changes[0].transition == "override", "only the agent leaves a final step"
        for change in changes:
            assert change.reason and change.previous == before and change.t == t
        out += result
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_specs)
def test_engine_on_random_calls_is_well_behaved_and_deterministic(specs):
    assert play(specs) == play(specs)
