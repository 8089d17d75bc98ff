"""Helpers shared by the speech tests: the test sentences, word error counting, stream feeding."""

from __future__ import annotations

import re

import numpy as np

# Call-style sentences for the Whisper accuracy test: both speakers, short and long,
# names, products and the heated lines the playbook reacts to (no digits: Whisper
# writes "2" for "two", which is right but not what a word match counts).
SENTENCES = [
    ("agent", "Thank you for calling customer support, my name is Alex."),
    ("customer", "Hi, I am calling about my internet connection."),
    ("customer", "It has been dropping every evening for weeks."),
    ("agent", "I am sorry to hear that, let me look at your account."),
    ("customer", "This is the third time I have called about this problem."),
    ("agent", "So what I am hearing is that the connection drops at night."),
    ("customer", "You do not seem to understand what I am saying."),
    ("customer", "I want to speak to your manager right now."),
    ("agent", "I can bring in my supervisor to help with this."),
    ("agent", "May I put you on hold for a moment?"),
    ("customer", "Fine, I can hold."),
    ("agent", "Thank you for waiting, I have good news for you."),
    ("customer", "I would like a refund for the last two months."),
    ("agent", "I will send a technician to your house tomorrow morning."),
    ("customer", "Thank you, I really appreciate your help."),
    ("agent", "You are welcome, have a nice evening."),
]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("-", " "))


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words (substitutions + deletions + insertions)."""
    row = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hypothesis, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def word_error_rate(timings: list[dict], utterances) -> float:
    """Word errors of the utterances against the rendered script, per channel, over its word count."""
    errors = total = 0
    for channel in ("agent", "customer"):
        reference = [w for t in timings if t["speaker"] == channel for w in words(t["text"])]
        hypothesis = [w for u in utterances if u.channel == channel for w in words(u.text)]
        errors += word_errors(reference, hypothesis)
        total += len(reference)
    return errors / total


def run_stream(stream, audio: np.ndarray, block: int) -> list:
    events = []
    for begin in range(0, len(audio), block):
        events.extend(stream.accept(audio[begin : begin + block]))
    events.extend(stream.finish())
    return events
