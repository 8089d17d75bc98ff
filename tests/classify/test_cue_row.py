"""Design O's cue-row re-fit: it learns from the lines it is given and touches nothing but one row."""

from __future__ import annotations

import numpy as np
import pytest

from coach.classify.cue_row import refit_cue_row, row_features
from coach.classify.datasets import Example
from coach.classify.labels import CUES

torch = pytest.importorskip("torch")


def _heads():
    from coach.classify.heads import N_INPUTS, Heads

    torch.manual_seed(0)
    heads = Heads(hidden=16)
    heads.eval()
    return heads, N_INPUTS


def _lines(n_inputs: int, n: int = 1000, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = (0.05 * rng.normal(size=(n, n_inputs))).astype(np.float32)
    x[:, :2] = rng.normal(size=(n, 2))
    truth = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    examples = [Example(f"line {i}", "corpus", cues={"supervisor_request": int(t)}) for i, t in enumerate(truth)]
    # lines without the label are not fitted on, whatever their input says
    examples += [Example(f"unlabelled {i}", "corpus") for i in range(50)]
    x = np.concatenate([x, rng.normal(size=(50, n_inputs)).astype(np.float32) * 100])
    return examples, x, truth


def _logits(heads, x):
    with torch.no_grad():
        return {k: v.numpy().copy() for k, v in heads(torch.from_numpy(x)).items()}


def test_refit_learns_the_cue_and_changes_only_its_row():
    heads, n_inputs = _heads()
    examples, x, truth = _lines(n_inputs)
    j = CUES.index("supervisor_request")
    state = {k: v.clone() for k, v in heads.state_dict().items()}
    before = _logits(heads, x)

    assert refit_cue_row(heads, examples, x, "supervisor_request", {"corpus": 3.0}, seed=0, epochs=40) == len(truth)

    after = _logits(heads, x)
    labelled = slice(0, len(truth))
    # how well the cue's logit ranks the positives above the negatives (ROC AUC; positives count
    # four times in the loss, so the decision point moves and accuracy at 0 would not say it)
    auc = lambda z: float((z[labelled, j][truth == 1][:, None] > z[labelled, j][truth == 0][None, :]).mean())  # noqa: E731
    assert auc(before["cues"]) < 0.75 < 0.93 < auc(after["cues"])
    for key, value in heads.state_dict().items():
        if key in ("cues.weight", "cues.bias"):
            changed = (value != state[key]).reshape(len(CUES), -1).any(1)
            assert list(np.flatnonzero(changed.numpy())) == [j], key
        else:
            assert torch.equal(value, state[key]), key
    for head in ("sentiment", "anger", "offensive", "abuse_type"):
        np.testing.assert_array_equal(before[head], after[head])
    others = [c for c in range(len(CUES)) if c != j]
    np.testing.assert_array_equal(before["cues"][:, others], after["cues"][:, others])


def test_refit_is_deterministic_and_reads_the_shared_layer_without_dropout():
    heads, n_inputs = _heads()
    examples, x, _ = _lines(n_inputs)
    heads.train()  # dropout on: the features must still be the eval-mode ones
    f1, f2 = row_features(heads, x[:10]), row_features(heads, x[:10])
    assert torch.equal(f1, f2)
    heads.eval()
    with torch.no_grad():
        xt = torch.from_numpy(x[:10])
        assert torch.allclose(f1, torch.cat([heads.shared(xt), xt], dim=1))
    a, b = _heads()[0], _heads()[0]
    refit_cue_row(a, examples, x, "supervisor_request", {}, seed=5, epochs=3)
    refit_cue_row(b, examples, x, "supervisor_request", {}, seed=5, epochs=3)
    assert torch.equal(a.cues.weight, b.cues.weight) and torch.equal(a.cues.bias, b.cues.bias)


def test_refit_without_labelled_lines_leaves_the_heads_alone():
    heads, n_inputs = _heads()
    state = {k: v.clone() for k, v in heads.state_dict().items()}
    x = np.zeros((3, n_inputs), dtype=np.float32)
    assert refit_cue_row(heads, [Example(f"l{i}", "corpus") for i in range(3)], x, "supervisor_request", {}, seed=0) == 0
    assert all(torch.equal(v, state[k]) for k, v in heads.state_dict().items())
