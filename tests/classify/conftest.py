"""Classifier tests: the real shipped model (small heads on the packaged MiniLM encoder)."""

from __future__ import annotations

import pytest

from coach.events import Classification, Classified, Utterance


@pytest.fixture(scope="session")
def classifier():
    from coach.classify import get_classifier

    return get_classifier()


def classified(channel: str, start: float, end: float, text: str, *, sentiment: str = "neutral",
               anger: float = 0.0, abuse: str = "none", abuse_score: float = 0.9, cues: tuple[str, ...] = ()) -> Classified:
    """A hand-made classified utterance, for tracker tests that are about the tracker alone."""
    u = Utterance(channel, start, end, text)
    c = Classification(text, channel, sentiment, {sentiment: 1.0}, anger, abuse, abuse_score, tuple(cues))
    return Classified(u, c)
