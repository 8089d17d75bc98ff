"""Design U of docs/classifier-protocol.md: the heads' two abuse outputs re-fitted on more lines.

The ``offensive`` logit reads ``[shared layer | input row]`` through one row of weights plus the
offensive column of the hashed word weights; the three ``abuse_type`` logits read the same through
three rows plus the three abuse-type columns. ``refit_abuse_outputs`` trains exactly those weights
(and their biases) again, the shared layer frozen and read without dropout, starting from the heads'
values, with the heads' own loss for those two heads (``train.Batch.loss``: binary cross-entropy on
offensive-labelled lines, cross-entropy over profanity / insult / threat on abuse-typed lines, each
line weighted by its source; the word weights' L2 as in ``train.fit``) and their recipe (AdamW,
learning rate 2e-3, weight decay 1e-3, a cosine schedule over the same epochs, batches of 256).
Sentiment, anger and every cue read other weights, which are left as they were, to the bit.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from coach.classify.cue_row import row_features
from coach.classify.datasets import Example
from coach.classify.features import word_bags, word_ids

BATCH = 256


def refit_abuse_outputs(heads, examples: Sequence[Example], x: np.ndarray, source_weight: Mapping[str, float],
                        seed: int, epochs: int = 40, word_l2: float = 0.0) -> int:
    """Re-fit, in place, the offensive and abuse-type outputs of ``heads`` on the ``examples`` (rows
    of ``x``) that carry an offensive label. Returns how many lines it was fitted on."""
    import torch
    import torch.nn.functional as F

    rows = [i for i, e in enumerate(examples) if e.offensive is not None]
    if not rows:
        return 0
    h = row_features(heads, x[rows])
    words = [word_ids(examples[i].text, heads.word_buckets) for i in rows] if heads.word_buckets else None
    offensive = torch.tensor([float(examples[i].offensive) for i in rows])
    kind = torch.tensor([examples[i].abuse_type if examples[i].abuse_type is not None else -1 for i in rows])
    w = torch.tensor([source_weight.get(examples[i].source, 1.0) for i in rows], dtype=torch.float32)

    off_w = heads.offensive.weight.detach().clone().requires_grad_(True)
    off_b = heads.offensive.bias.detach().clone().requires_grad_(True)
    type_w = heads.abuse_type.weight.detach().clone().requires_grad_(True)
    type_b = heads.abuse_type.bias.detach().clone().requires_grad_(True)
    params = [off_w, off_b, type_w, type_b]
    if words is not None:
        word_w = heads.words.weight.detach().clone().requires_grad_(True)
        params.append(word_w)
    opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    gen = torch.Generator().manual_seed(seed)

    for _ in range(epochs):
        order = torch.randperm(len(rows), generator=gen)
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad()
            off_logit = h[idx] @ off_w[0] + off_b[0]
            type_logit = h[idx] @ type_w.T + type_b
            if words is not None:
                ids, offsets = word_bags([words[int(i)] for i in idx])
                bag = F.embedding_bag(ids, word_w, offsets, mode="sum")
                off_logit, type_logit = off_logit + bag[:, 0], type_logit + bag[:, 1:]
            wi = w[idx]
            bce = F.binary_cross_entropy_with_logits(off_logit, offensive[idx], reduction="none")
            loss = (bce * wi).sum() / wi.sum()
            k = kind[idx]
            typed = k >= 0
            if bool(typed.any()):
                ce = F.cross_entropy(type_logit[typed], k[typed], reduction="none")
                loss = loss + (ce * wi[typed]).sum() / wi[typed].sum()
            if words is not None and word_l2:
                loss = loss + word_l2 * word_w.pow(2).sum()
            loss.backward()
            opt.step()
        sched.step()
    with torch.no_grad():
        heads.offensive.weight.copy_(off_w.detach())
        heads.offensive.bias.copy_(off_b.detach())
        heads.abuse_type.weight.copy_(type_w.detach())
        heads.abuse_type.bias.copy_(type_b.detach())
        if words is not None:
            heads.words.weight.copy_(word_w.detach())
    return len(rows)
