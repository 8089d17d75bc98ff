"""Design O of docs/classifier-protocol.md: one cue's output of the heads re-fitted on more lines.

The heads' ``cues`` layer reads ``[shared layer | input row]`` and gives one logit per cue from
one row of weights. ``refit_cue_row`` trains that one row (and its bias) again, the shared layer
frozen and read without dropout, on the lines that carry the cue's label: the heads' own fitting
lines plus lines the rest of the heads never read (the service-request files: requests for a
person and their look-alikes). Every other output of the heads is left as it was, to the bit:
no other weight changes, and a cue's logit reads only its own row.

The recipe is the heads' own (``train.fit``): AdamW, learning rate 2e-3, weight decay 1e-3, a
cosine schedule over the same epochs, batches of 256, each line weighted by its source and
positives four times; it starts from the heads' row. Nothing here is chosen on a check.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from coach.classify.datasets import Example
from coach.classify.labels import CUES

POSITIVE_WEIGHT = 4.0  # as the heads' cue loss
BATCH = 256


def row_features(heads, x: np.ndarray):
    """What the cue layer reads for input rows ``x``: ``[shared(x) | x]``, without dropout."""
    import torch

    with torch.no_grad():
        xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        linear, act = heads.shared[0], heads.shared[1]  # the shared layer's Linear and GELU; its Dropout is left out
        return torch.cat([act(linear(xt)), xt], dim=1)


def refit_cue_row(heads, examples: Sequence[Example], x: np.ndarray, cue: str, source_weight: Mapping[str, float],
                  seed: int, epochs: int = 40) -> int:
    """Re-fit, in place, the ``cue`` row of ``heads.cues`` on the ``examples`` (rows of ``x``) that
    carry a ``cue`` label. Returns how many lines it was fitted on."""
    import torch
    import torch.nn.functional as F

    j = CUES.index(cue)
    rows = [i for i, e in enumerate(examples) if cue in e.cues]
    if not rows:
        return 0
    h = row_features(heads, x[rows])
    y = torch.tensor([float(examples[i].cues[cue]) for i in rows])
    w = torch.tensor([source_weight.get(examples[i].source, 1.0) for i in rows], dtype=torch.float32)
    w = w * torch.where(y > 0.5, torch.full_like(y, POSITIVE_WEIGHT), torch.ones_like(y))
    weight = heads.cues.weight[j].detach().clone().requires_grad_(True)
    bias = heads.cues.bias[j].detach().clone().requires_grad_(True)
    opt = torch.optim.AdamW([weight, bias], lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(rows), generator=gen)
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad()
            bce = F.binary_cross_entropy_with_logits(h[idx] @ weight + bias, y[idx], reduction="none")
            ((bce * w[idx]).sum() / w[idx].sum()).backward()
            opt.step()
        sched.step()
    with torch.no_grad():
        heads.cues.weight[j] = weight.detach()
        heads.cues.bias[j] = bias.detach()
    return len(rows)
