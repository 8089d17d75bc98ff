"""The label sets the heads predict, in the order of their output units."""

from __future__ import annotations

from coach.events import ABUSE_KINDS, AGENT_CUES, CUSTOMER_CUES, SENTIMENTS

ABUSE_TYPES = tuple(k for k in ABUSE_KINDS if k != "none")  # profanity, insult, threat
CUES = CUSTOMER_CUES + AGENT_CUES  # one sigmoid unit each
CUE_INDEX = {c: i for i, c in enumerate(CUES)}

__all__ = ["SENTIMENTS", "ABUSE_KINDS", "ABUSE_TYPES", "CUES", "CUE_INDEX", "CUSTOMER_CUES", "AGENT_CUES"]
