"""The trained part of the classifier: small heads on a frozen sentence vector.

Input: the 384-dim sentence vector, the lexical features, and one speaker bit.
A shared hidden layer (128 units) feeds five heads:

* ``sentiment``  3-way softmax (negative / neutral / positive)
* ``anger``      one sigmoid, 0..1 (trained on "anger" emotion labels and the corpus's graded anger)
* ``offensive``  one sigmoid: any abuse at all
* ``abuse_type`` 3-way softmax among profanity / insult / threat, read only when offensive
* ``cues``       one sigmoid per cue (customer and agent cues; masked by speaker at inference)

The two abuse heads also read the words themselves: a bag of hashed words
(``features.word_ids``) with one learned weight per bucket and head, added to their
logits (a logistic regression on words beside the sentence vector). A mean-pooled
sentence vector blurs one swear word in a long sentence; a word weight does not.

About 128k parameters, half of them the word weights (~510 KB as float32 safetensors).
"""

from __future__ import annotations

import torch
from torch import nn

from coach.classify.encoder import DIM
from coach.classify.labels import ABUSE_TYPES, CUES, SENTIMENTS
from coach.classify.lexicon import N_FEATURES

N_INPUTS = DIM + N_FEATURES + 1
HIDDEN = 128


class Heads(nn.Module):
    def __init__(self, hidden: int = HIDDEN, dropout: float = 0.2, word_buckets: int = 0):
        super().__init__()
        self.word_buckets = word_buckets
        if word_buckets:
            # one weight per hashed word for the offensive logit and each abuse-type logit
            self.words = nn.EmbeddingBag(word_buckets, 1 + len(ABUSE_TYPES), mode="sum")
            nn.init.zeros_(self.words.weight)
        self.shared = nn.Sequential(nn.Linear(N_INPUTS, hidden), nn.GELU(), nn.Dropout(dropout))
        # Every head also reads the whole input row directly (a linear probe of the sentence
        # vector and the lexical features), beside the shared layer: labels with little data
        # (sentiment, anger: a few thousand tweets) are not at the mercy of a layer shaped
        # mostly by the larger abuse and cue sets, and "you" + "idiot" is not lost in the mix.
        width = hidden + N_INPUTS
        self.sentiment = nn.Linear(width, len(SENTIMENTS))
        self.anger = nn.Linear(width, 1)
        self.offensive = nn.Linear(width, 1)
        self.abuse_type = nn.Linear(width, len(ABUSE_TYPES))
        self.cues = nn.Linear(width, len(CUES))

    def forward(self, x: torch.Tensor, words: tuple[torch.Tensor, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        """Logits for every head; ``x`` is ``[sentence vector | lexical | speaker]``, ``words``
        the hashed word ids of each row as ``(flat ids, offsets)`` (``features.word_bags``)."""
        h = torch.cat([self.shared(x), x], dim=1)
        offensive, abuse_type = self.offensive(h).squeeze(-1), self.abuse_type(h)
        if self.word_buckets:
            if words is None:
                raise ValueError("these heads read the words too: pass word_bags(texts)")
            w = self.words(*words)
            offensive, abuse_type = offensive + w[:, 0], abuse_type + w[:, 1:]
        return {
            "sentiment": self.sentiment(h),
            "anger": self.anger(h).squeeze(-1),
            "offensive": offensive,
            "abuse_type": abuse_type,
            "cues": self.cues(h),
        }
