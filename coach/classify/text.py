"""Make written text look like speech-recognition output, and add recognizer-like noise.

Speech recognizers give lower-case words with no punctuation and some words dropped
or swapped. The classifier is trained and run on text normalised the same way, so a
tweet with "!!!" and capitals and a transcript of the same words look alike to it.
"""

from __future__ import annotations

import random
import re
import unicodedata

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_NON_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = re.compile(r"(?<!\w)'|'(?!\w)")

# Longest text we pass on: the encoder truncates to 256 tokens anyway, and the
# tokenizer's own cost grows with the raw length.
MAX_CHARS = 2000


def normalize(text: str) -> str:
    """Lower-case, drop punctuation, URLs and @mentions, collapse spaces (ASR-style text)."""
    if not isinstance(text, str):
        text = str(text)
    text = text[: MAX_CHARS * 2]
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("`", "'")
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = text.replace("#", " ").replace("_", " ")
    text = text.lower()
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = _NON_WORD.sub(" ", text)
    text = _APOSTROPHES.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:MAX_CHARS]


def asr_noise(text: str, rng: random.Random, p_drop: float = 0.1, p_swap: float = 0.05) -> str:
    """A copy of normalised ``text`` with words dropped and neighbours swapped, like recognizer errors."""
    words = text.split()
    if len(words) < 3:
        return text
    kept = [w for w in words if rng.random() >= p_drop] or words[:1]
    for i in range(len(kept) - 1):
        if rng.random() < p_swap:
            kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return " ".join(kept)
