"""Design U's abuse re-fit: it learns the offensive and abuse-type labels it is given and touches
no weight that sentiment, anger or the cues read."""

from __future__ import annotations

import numpy as np
import pytest

from coach.classify.abuse_refit import refit_abuse_outputs
from coach.classify.datasets import Example
from coach.classify.labels import ABUSE_TYPES

torch = pytest.importorskip("torch")


def _heads():
    from coach.classify.heads import N_INPUTS, Heads

    torch.manual_seed(0)
    heads = Heads(hidden=16, word_buckets=64)
    heads.eval()
    return heads, N_INPUTS


def _lines(n_inputs: int, n: int = 1200, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = (0.05 * rng.normal(size=(n, n_inputs))).astype(np.float32)
    x[:, :2] = rng.normal(size=(n, 2))
    offensive = (x[:, 0] > 0).astype(int)
    kind = np.where(x[:, 1] > 0, ABUSE_TYPES.index("threat"), ABUSE_TYPES.index("insult"))
    examples = [Example(f"line {i}", "corpus", offensive=float(o), abuse_type=int(k) if o else None)
                for i, (o, k) in enumerate(zip(offensive, kind))]
    # lines with no offensive label are not fitted on, whatever their input says
    examples += [Example(f"unlabelled {i}", "corpus", sentiment=0) for i in range(50)]
    x = np.concatenate([x, rng.normal(size=(50, n_inputs)).astype(np.float32) * 100])
    return examples, x, offensive, kind


def _outputs(heads, examples, x):
    from coach.classify.features import word_bags, word_ids

    with torch.no_grad():
        bags = word_bags([word_ids(e.text, heads.word_buckets) for e in examples])
        return {k: v.numpy().copy() for k, v in heads(torch.from_numpy(x), bags).items()}


def test_refit_learns_both_abuse_outputs_and_leaves_every_other_weight():
    heads, n_inputs = _heads()
    examples, x, offensive, kind = _lines(n_inputs)
    state = {k: v.clone() for k, v in heads.state_dict().items()}
    before = _outputs(heads, examples, x)

    assert refit_abuse_outputs(heads, examples, x, {"corpus": 3.0}, seed=0, epochs=40, word_l2=3e-4) == len(offensive)

    after = _outputs(heads, examples, x)
    n = len(offensive)
    right_offensive = lambda out: float(((out["offensive"][:n] > 0) == (offensive == 1)).mean())  # noqa: E731
    hit = offensive == 1
    right_kind = lambda out: float((out["abuse_type"][:n][hit].argmax(1) == kind[hit]).mean())  # noqa: E731
    assert right_offensive(before) < 0.7 < 0.9 < right_offensive(after)
    assert right_kind(before) < 0.7 < 0.9 < right_kind(after)
    abuse_weights = {"offensive.weight", "offensive.bias", "abuse_type.weight", "abuse_type.bias", "words.weight"}
    for key, value in heads.state_dict().items():
        if key in abuse_weights:
            assert not torch.equal(value, state[key]), key
        else:
            assert torch.equal(value, state[key]), key
    for head in ("sentiment", "anger", "cues"):
        assert np.array_equal(before[head], after[head]), head


def test_refit_with_no_offensive_labels_changes_nothing():
    heads, n_inputs = _heads()
    state = {k: v.clone() for k, v in heads.state_dict().items()}
    lines = [Example("hello", "corpus", sentiment=1)]
    assert refit_abuse_outputs(heads, lines, np.zeros((1, n_inputs), dtype=np.float32), {}, seed=0) == 0
    assert all(torch.equal(v, state[k]) for k, v in heads.state_dict().items())
