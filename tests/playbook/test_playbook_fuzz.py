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
