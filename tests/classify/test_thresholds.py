"""How the recall-first cue threshold (supervisor_request) is chosen, on made-up scores:
a fixed precision floor on all lines and on the call-style lines alone, and out-of-fold
scores for every corpus line of the fitting set, with its noisy copies held out with it."""

from __future__ import annotations

import numpy as np
import pytest

from coach.classify import train
from coach.classify.datasets import Example


def test_the_lowest_threshold_that_keeps_the_floor_on_all_lines_and_on_the_corpus_lines():
    # public lines: clean, any threshold above 0.3 is precise
    pub_scores = np.array([0.9, 0.8, 0.35, 0.1, 0.1, 0.25])
    pub_truth = np.array([1, 1, 1, 0, 0, 0])
    # corpus lines: a look-alike at 0.5 and one at 0.3, five requests from 0.45 up
    cor_scores = np.array([0.95, 0.9, 0.7, 0.6, 0.45, 0.5, 0.3, 0.1])
    cor_truth = np.array([1, 1, 1, 1, 1, 0, 0, 0])
    scores = np.concatenate([pub_scores, cor_scores])
    truth = np.concatenate([pub_truth, cor_truth])
    corpus = np.array([False] * 6 + [True] * 8)
    th, how = train.recall_first_threshold(scores, truth, 0.8, groups=[corpus])
    # at 0.3 the corpus lines have 5 of 7 right (0.71); from 0.325 on, 5 of 6 (0.83)
    assert th == pytest.approx(0.325) and how.startswith("lowest threshold")
    # without the corpus group the public lines' easy negatives buy 0.275 (all lines: 8 of 10 right)
    th_all, _ = train.recall_first_threshold(scores, truth, 0.8)
    assert th_all == pytest.approx(0.275)


def test_a_group_can_be_held_to_a_higher_floor_of_its_own():
    # design P: the service-request lines must keep precision 0.9, the rest 0.8
    other_scores = np.array([0.9, 0.8, 0.7, 0.1, 0.1])
    other_truth = np.array([1, 1, 1, 0, 0])
    # service-request lines: requests from 0.5 up, look-alikes at 0.45, 0.55 and 0.6
    svc_scores = np.array([0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.5, 0.6, 0.55, 0.45])
    svc_truth = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0])
    scores = np.concatenate([other_scores, svc_scores])
    truth = np.concatenate([other_truth, svc_truth])
    svc = np.array([False] * 5 + [True] * 11)
    # at 0.8 everywhere, 0.475 keeps 8 of 10 right on the service-request lines
    assert train.recall_first_threshold(scores, truth, 0.8, groups=[svc])[0] == pytest.approx(0.475)
    assert train.recall_first_threshold(scores, truth, 0.8, groups=[svc], floors=[None])[0] == pytest.approx(0.475)
    # at 0.9 there, only from 0.625 (up to 0.6 the look-alike at 0.6 leaves 7 of 8 right, 0.875; then 7 of 7)
    th, how = train.recall_first_threshold(scores, truth, 0.8, groups=[svc], floors=[0.9])
    assert th == pytest.approx(0.625) and "0.9 on group 1" in how
    named = train.recall_first_threshold(scores, truth, 0.8, groups=[svc], floors=[0.9], names=["the service-request lines"])
    assert named == (th, "lowest threshold with precision >= 0.8 (0.9 on the service-request lines)")


def test_no_reachable_floor_falls_back_to_best_f1_on_the_corpus_lines_not_to_a_lower_floor():
    # a look-alike above every request: no threshold gives the corpus lines precision 0.8
    scores = np.array([0.99, 0.65, 0.6, 0.55, 0.2, 0.2])
    truth = np.array([0, 1, 1, 1, 0, 0])
    corpus = np.ones(6, dtype=bool)
    th, how = train.recall_first_threshold(scores, truth, 0.8, groups=[corpus])
    assert how.startswith("fallback")
    assert th == train.best_threshold(scores, truth, 0.3, 0.7)
    assert 0.3 <= th <= 0.55  # keeps the three requests


def _corpus(text: str, cue: int) -> Example:
    return Example(text, "corpus", cues={"supervisor_request": cue})


def test_out_of_fold_scores_every_corpus_line_once_by_heads_that_never_saw_it_or_its_noisy_copies(monkeypatch):
    originals = [_corpus(f"line number {i}", i % 3 == 0) for i in range(40)]
    public = [Example(f"public {i}", "bitext", cues={"supervisor_request": 0}) for i in range(10)]
    fit_set = originals + public
    parents = [e.text for e in fit_set]
    for e in originals:  # a noisy copy of each corpus line, as augment() makes them
        fit_set.append(Example(e.text.replace("number ", ""), "corpus", cues=dict(e.cues), augmented=True))
        parents.append(e.text)
    x = np.arange(len(fit_set), dtype=np.float32)[:, None]
    seen_by_fold = []

    def fake_fit(batch, seed, epochs, log=print):
        seen_by_fold.append({int(v) for v in batch.x[:, 0].tolist()})
        return object()

    def fake_predict(heads, rows, texts):
        return {"cues": np.zeros((len(texts), 1), dtype=np.float32) + rows[:, :1]}

    class FakeBatch:
        def __init__(self, examples, rows):
            self.x = rows

    monkeypatch.setattr(train, "fit", fake_fit)
    monkeypatch.setattr(train, "predict", fake_predict)
    monkeypatch.setattr(train, "Batch", FakeBatch)
    held, p = train.out_of_fold_predictions(fit_set, parents, x, seed=0, epochs=1, folds=4, log=lambda m: None)
    assert sorted(e.text for e in held) == sorted(e.text for e in originals)  # each corpus line once, no public line
    assert len(seen_by_fold) == 4  # 40 lines: every fold has some
    public_rows = set(range(40, 50))
    for e, score in zip(held, p["cues"][:, 0]):
        assert fit_set[int(score)] is e  # the score came from this line's own row
        own_rows = {i for i, t in enumerate(parents) if t == e.text}  # the line and its noisy copy
        assert len(own_rows) == 2
        fold_fit = seen_by_fold[train.threshold_fold(e.text, 4)]
        assert not own_rows & fold_fit and public_rows <= fold_fit
    # and every fit saw all the lines of the other folds
    for k, fold_fit in enumerate(seen_by_fold):
        others = {i for i, t in enumerate(parents) if i < 40 or i >= 50 if train.threshold_fold(t, 4) != k}
        assert others <= fold_fit


def test_lines_of_a_kind_the_heads_never_saw_must_keep_the_floor_too():
    cue = train.CUES.index("supervisor_request")

    def rows(scores, truth, source):
        exs = [Example(f"{source} {i}", source, cues={"supervisor_request": int(t)}) for i, t in enumerate(truth)]
        p = np.zeros((len(scores), len(train.CUES)), dtype=np.float32)
        p[:, cue] = scores
        return exs, p

    # known kinds: precise from 0.35 up
    dev, p_dev = rows([0.9, 0.85, 0.8, 0.7, 0.4, 0.35, 0.34, 0.1], [1, 1, 1, 1, 1, 0, 0, 0], "corpus")
    # a new kind: questions about overdrafts score 0.5-0.6, its real requests 0.75 and up
    new, p_new = rows([0.95, 0.9, 0.8, 0.75, 0.6, 0.55, 0.5, 0.1], [1, 1, 1, 1, 0, 0, 0, 0], "nlupp-banking")
    p = {"offensive": np.zeros(len(dev)), "cues": p_dev}
    without = train.choose_thresholds(dev, p, None)[1]["supervisor_request"]
    offensive_th, with_new, choice = train.choose_thresholds(dev, p, None, new_domain=(new, {"cues": p_new}))
    assert without == pytest.approx(0.35)  # the lowest threshold with precision 0.8 on the known kinds (5 of 6)
    assert with_new["supervisor_request"] == pytest.approx(0.575)  # the first where the new kind keeps 0.8 too (4 of 5)
    c = choice["supervisor_request"]
    assert c["new_domain_lines"] == 8 and c["new_domain_positives"] == 4 and c["new_domain_precision"] >= 0.8
