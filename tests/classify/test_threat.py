"""The threat detector (designs W and X): numpy inference equals scikit-learn's, files round-trip,
the threshold rule, and the abuse decision it takes part in."""

from __future__ import annotations

import random

import numpy as np
import pytest

from coach.classify.decide import abuse_kinds, abuse_labels
from coach.classify.threat import (GRID, VECTOR, WORDS_AND_VECTOR, ThreatDetector, _Fitted, choose_threshold, files,
                                   fit_detector)

HARM = ["i'll hurt you", "someone is going to get hurt", "i'll burn your van", "you'll get hurt after your shift",
        "i'll smash the shop up", "wait till i find you outside"]
OTHER = ["the line cut out", "i'll get you fired", "my router is broken", "i want a refund", "thanks for your help",
         "i'll report you to your manager", "can you shoot me an email", "the app keeps crashing"]


def _lines(n: int = 120, seed: int = 0):
    rng = random.Random(seed)
    texts, y = [], []
    for i in range(n):
        threat = i % 3 == 0
        base = rng.choice(HARM if threat else OTHER)
        texts.append(f"{base} {' '.join(rng.choice(['um', 'please', 'today', 'now', 'again']) for _ in range(i % 4))}".strip())
        y.append(int(threat))
    x = np.random.default_rng(seed).normal(size=(n, 16)).astype(np.float32)
    x[:, 0] += 1.5 * np.array(y)  # the vector carries some of the signal, the words the rest
    return texts, x, np.array(y)


@pytest.mark.parametrize("inputs", [VECTOR, WORDS_AND_VECTOR])
def test_numpy_inference_is_scikit_learns(inputs, tmp_path):
    texts, x, y = _lines()
    fitted = _Fitted(inputs, texts, x.astype(np.float64), y, np.ones(len(y)))
    detector = fitted.detector()
    np.testing.assert_allclose(detector.probabilities(x, texts), fitted.predict(texts, x.astype(np.float64)), atol=1e-5)
    assert sorted(detector.save(tmp_path)) == sorted(files(inputs))
    again = ThreatDetector.load(tmp_path, 16, inputs)
    assert again.inputs == inputs
    unseen = ["i'll hurt you badly", "a word it never saw", ""]
    np.testing.assert_allclose(again.probabilities(x[:3], unseen), fitted.predict(unseen, x[:3].astype(np.float64)), atol=1e-5)


def test_the_words_tell_a_threat_from_a_job_threat():
    texts, x, y = _lines()
    detector = _Fitted(WORDS_AND_VECTOR, texts, np.zeros_like(x, dtype=np.float64), y, np.ones(len(y))).detector()
    p = detector.probabilities(np.zeros((2, 16), np.float32), ["i'll burn your van", "i'll get you fired"])
    assert p[0] > 0.5 > p[1]


def test_a_file_for_another_encoder_is_refused(tmp_path):
    ThreatDetector(np.ones(8), 0.0).save(tmp_path)
    with pytest.raises(ValueError, match="8 coefficients"):
        ThreatDetector.load(tmp_path, 16)
    with pytest.raises(ValueError, match="unknown threat detector inputs"):
        ThreatDetector.load(tmp_path, 8, "letters")


def test_threshold_is_the_lowest_that_keeps_the_precision():
    truth = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    p = np.array([0.99, 0.9, 0.8, 0.7, 0.6, 0.55, 0.2, 0.1])
    assert choose_threshold(p, truth, 0.75) == 0.575  # at 0.55: 4 of 6 right; from 0.575 on: 4 of 5
    assert choose_threshold(p, truth, 1.0) == 0.725
    assert choose_threshold(np.zeros(4), np.ones(4), 0.9) == GRID[-1]  # nothing said: the last of the grid


def test_fit_detector_accounts_for_its_threshold_out_of_fold():
    texts, x, y = _lines(150)
    call = np.arange(len(y)) % 2 == 0
    folds = np.arange(len(y)) % 5
    detector, account = fit_detector(x, texts, y, call, folds, WORDS_AND_VECTOR)
    assert account["out_of_fold"].shape == (150,) and account["threshold"] in GRID
    assert account["lines"] == 150 and account["threats"] == int(y.sum()) and account["call_style_lines"] == 75
    said = account["out_of_fold"][call] >= account["threshold"]
    assert account["out_of_fold_at_threshold"]["precision"] == round(float(y[call][said].mean()), 3) >= 0.9
    assert account["word_ngrams"] == len(detector.words) > 0


def test_abuse_decision_with_and_without_a_detector():
    p_off = np.array([0.9, 0.9, 0.1, 0.1, 0.9])
    kinds = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
    # the heads alone: offensive at the gate, the most likely kind (threat is index 2, label 3)
    assert list(abuse_labels(p_off, kinds, 0.5)) == [3, 1, 0, 0, 3]
    # with a detector: it alone decides threat, through the gate or not; otherwise profanity or insult
    p_threat = np.array([0.1, 0.2, 0.9, 0.1, 0.3])
    assert list(abuse_labels(p_off, kinds, 0.5, p_threat, 0.5)) == [2, 1, 3, 0, 2]
    assert list(abuse_kinds(kinds, p_threat, 0.5)) == [1, 0, 2, 0, 1]
