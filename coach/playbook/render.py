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
_GONE = "\x00"  # marks where an unknown name was, while the sentence is tidied around it


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
    out = text.replace("{name}", _GONE)

    def capital(m: re.Match) -> str:
        return m.group(1) + m.group(2).upper()

    # "{name}, may I ..." -> "May I ...": a sentence that began with the name starts again
    out = re.sub(rf"^\s*{_GONE}\s*[,:!]?\s*", "", out)
    out = re.sub(r"^([^\w]*)(\w)", capital, out) if text.lstrip().startswith("{name}") else out
    out = re.sub(rf"([.!?]\s+){_GONE}\s*[,:]?\s*(\w)", capital, out)
    # "So, {name}, if" -> "So, if"
    out = re.sub(rf"\s*,\s*{_GONE}(?=\s*,)", "", out)
    # "I hear you, {name}." -> "I hear you."  and  "Go on {name}, I'm" -> "Go on, I'm"
    out = re.sub(rf"\s*,?\s*{_GONE}", "", out)
    return re.sub(r"\s{2,}", " ", out).strip()
