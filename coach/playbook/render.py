"""Phrases with the customer's name: ``"I hear you, {name}."`` -> ``"I hear you."`` when no name is known.

A team lead writes phrases the way they would say them; when the name was not
heard, the placeholder goes away together with the comma or space that framed it,
and a sentence that began with the name starts with a capital again.
"""

from __future__ import annotations

import re

from coach.playbook.suggest import did_you_mean

PLACEHOLDERS = ("name",)
_FIELD = re.compile(r"\{([^{}]*)\}")


def placeholder_problems(text: str) -> list[str]:
    """What is wrong with the ``{...}`` placeholders in ``text`` (empty when fine)."""
    problems = []
    for match in _FIELD.finditer(text):
        word = match.group(1)
        if word not in PLACEHOLDERS:
            hint = did_you_mean(word, PLACEHOLDERS, listing=False)
            fix = "; did you mean '{name}'?" if hint != "." else "; the only placeholder is {name}."
            problems.append(f"unknown placeholder '{{{word}}}'{fix}")
    stripped = _FIELD.sub("", text)
    if "{" in stripped or "}" in stripped:
        problems.append("unbalanced '{' or '}'; write the placeholder as {name}.")
    return problems


def render(text: str, name: str | None) -> str:
    """``text`` with ``{name}`` filled in, or removed gracefully when ``name`` is unknown."""
    if "{" not in text:
        return text
    name = (name or "").strip()
    if name:
        return text.replace("{name}", name)
    out = text
    out = re.sub(r"^\s*\{name\}\s*[,:!]?\s*", "", out)  # "{name}, may I ..." -> "may I ..."
    out = re.sub(r"([.!?]\s+)\{name\}\s*[,:]?\s*", r"\1", out)  # "... . {name}, may I" -> "... . may I"
    out = re.sub(r"\s*,\s*\{name\}(?=\s*,)", "", out)  # "So, {name}, if" -> "So, if"
    out = re.sub(r"\s*,?\s*\{name\}", "", out)  # "I hear you, {name}." -> "I hear you."
    out = re.sub(r"\s+([,.!?;:])", r"\1", out)
    out = re.sub(r"\s{2,}", " ", out).strip()
    out = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out)
    return out
