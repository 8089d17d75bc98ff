"""'Did you mean ...?': the closest valid name for a misspelt one."""

from __future__ import annotations

import difflib
from typing import Iterable


def closest(word: object, choices: Iterable[str]) -> str | None:
    options = [c for c in choices if isinstance(c, str)]
    if not isinstance(word, str) or not options:
        return None
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(word.lower().replace("-", "_").replace(" ", "_"), options, n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: object, choices: Iterable[str], *, listing: bool = True) -> str:
    """``"; did you mean 'x'?"``, or the list of valid names when nothing is close."""
    options = sorted({c for c in choices if isinstance(c, str)})
    best = closest(word, options)
    if best is not None:
        return f"; did you mean '{best}'?"
    if listing and options:
        shown = ", ".join(options[:20]) + (", ..." if len(options) > 20 else "")
        return f"; use one of: {shown}."
    return "."
