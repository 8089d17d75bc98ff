"""``{name}`` in phrases: filled in when heard, removed gracefully when not."""

from __future__ import annotations

import pytest

from coach.playbook.render import placeholder_problems, render


@pytest.mark.parametrize(
    "text, without, with_name",
    [
        ("I hear you, {name}.", "I hear you.", "I hear you, Ann."),
        ("{name}, may I put you on a short hold?", "May I put you on a short hold?", "Ann, may I put you on a short hold?"),
        ("So, {name}, if I have this right: ...", "So, if I have this right: ...", "So, Ann, if I have this right: ..."),
        ("Thanks for calling, {name}. How can I help?", "Thanks for calling. How can I help?", "Thanks for calling, Ann. How can I help?"),
        ("Go on {name}, I'm listening.", "Go on, I'm listening.", "Go on Ann, I'm listening."),
        ("Thanks. {name}, one moment.", "Thanks. One moment.", "Thanks. Ann, one moment."),
        ("No placeholder here.", "No placeholder here.", "No placeholder here."),
    ],
)
def test_render(text, without, with_name):
    assert render(text, None) == without
    assert render(text, "  ") == without
    assert render(text, "Ann") == with_name


def test_placeholder_problems():
    assert placeholder_problems("Hi {name}") == []
    assert placeholder_problems("Hi {nmae}") == ["unknown placeholder '{nmae}'; did you mean '{name}'?"]
    assert placeholder_problems("Hi {agent}") == ["unknown placeholder '{agent}'; the only placeholder is {name}."]
    assert placeholder_problems("Hi {name") == ["unbalanced '{' or '}'; write the placeholder as {name}."]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.sampled_from(["{name}", ",", ".", " ", "Hi", "there", "!", "?", "so", "\n"]), max_size=12).map("".join))
def test_render_never_leaves_a_placeholder_behind(text):
    out = render(text, None)
    assert "{name}" not in out and "\x00" not in out
    assert render(text, "Ann").count("Ann") == text.count("{name}")
