"""Dark and light themes: a stylesheet from ``assets/<theme>.qss`` and the colours widgets paint with."""

from __future__ import annotations

from coach.errors import CoachError
from coach.paths import ASSETS_DIR

THEMES = ("dark", "light")

# Colours for what widgets paint themselves (the mood line, timeline markers).
PAINT = {
    "dark": {"bg": "#16191d", "grid": "#30363d", "line": "#58a6ff", "calm": "#3fb950", "tense": "#d29922",
             "angry": "#f85149", "text": "#a9b0b8", "step": "#f5c542", "abuse": "#f85149", "action": "#58a6ff",
             "cursor": "#e8eaed", "pending": "#2a2f36"},
    "light": {"bg": "#ffffff", "grid": "#d0d7de", "line": "#0969da", "calm": "#1a7f37", "tense": "#9a6700",
              "angry": "#cf222e", "text": "#57606a", "step": "#bf8700", "abuse": "#cf222e", "action": "#0969da",
              "cursor": "#1f2328", "pending": "#eaeef2"},
}


def stylesheet(theme: str) -> str:
    if theme not in THEMES:
        raise CoachError(f"Unknown theme '{theme}'; use --theme dark or --theme light.")
    path = ASSETS_DIR / f"{theme}.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CoachError(f"Cannot read the {theme} theme stylesheet {path} ({exc.strerror}); restore it from git.") from exc
