"""The lexical offensive model: the call-time (plain Python + numpy) scorer gives the same
probabilities as the scikit-learn model it was exported from, the combination rule picks
from the development lines it is given, and a missing or damaged file is one clear error."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from coach.classify import lexmodel
from coach.classify.weights import DEFAULT_DIR, write_manifest
from coach.errors import ModelError

TEXTS = [
    "you are a useless idiot", "shut the fuck up", "this damn router keeps dropping", "thank you so much for your help",
    "i want to speak to a manager", "what a bunch of bullshit", "fuckin hell mate", "you stupid bitch", "my card was charged twice",
    "a a a a a", "x", "i will find you and hurt you", "good morning how are you", "shit shit shit", "the bill is wrong again",
] * 3


def test_char_and_word_ngrams_match_scikit_learn():
    from sklearn.feature_extraction.text import CountVectorizer

    for text in ["you  stupid idiot", "a", "", "i've had it with this", "fuck   off now please"]:
        chars = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()(text)
        words = CountVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+").build_analyzer()(text)
        assert lexmodel.char_wb_ngrams(text, 2, 5) == chars
        assert lexmodel.word_ngrams(text, 1, 2) == words


def test_exported_model_scores_like_scikit_learn(tmp_path, monkeypatch):
    from scipy.sparse import hstack

    monkeypatch.setattr(lexmodel, "CHAR_FEATURES", 300)
    labels = [int(any(w in t for w in ("idiot", "fuck", "bullshit", "bitch", "shit", "hurt"))) for t in TEXTS]
    chars, words, lr = lexmodel.fit(TEXTS, labels, [1.0] * len(TEXTS))
    assert lexmodel.export(chars, words, lr, tmp_path) == [lexmodel.LEX_WEIGHTS, lexmodel.LEX_VOCAB]
    model = lexmodel.LexicalModel.load(tmp_path)
    probe = TEXTS[:15] + ["an unseen line with no known words zzz", "", "you idiot you idiot you idiot"]
    expected = lr.predict_proba(hstack([chars.transform(probe), words.transform(probe)]).tocsr())[:, 1]
    np.testing.assert_allclose(model.probabilities(probe), expected, atol=1e-5)
    assert model.probabilities(["you stupid bitch"])[0] > 0.5 > model.probabilities(["thank you so much for your help"])[0]


def test_combination_is_chosen_on_the_lines_given():
    truth = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    head = np.array([0.9, 0.0, 0.8, 0.1, 0.95, 0.2, 0.3, 0.1])  # head misses lines 2 and 7, fires on 5
    lexical = np.array([0.8, 0.9, 0.7, 0.2, 0.1, 0.3, 0.9, 0.2])  # lexical alone is right everywhere
    w, th, f1 = lexmodel.choose_combination(head, lexical, truth)
    assert f1 == 1.0
    pred = (lexmodel.combine(head, lexical, w) >= th).astype(int)
    assert pred.tolist() == truth.tolist()
    assert w < 0.5  # the head alone (w = 1) and the even mix cannot reach it


def test_shipped_weights_have_no_ngram_model():
    # measured 2026-11-30: better on the development split, worse on held-out OLID: not shipped
    config = json.loads((DEFAULT_DIR / "config.json").read_text())
    assert config["offensive_lexical"]["kind"] != lexmodel.NGRAM
    assert not (DEFAULT_DIR / lexmodel.LEX_WEIGHTS).exists() and not (DEFAULT_DIR / lexmodel.LEX_VOCAB).exists()


@pytest.fixture()
def weights(tmp_path):
    """The shipped weights plus a small lexical model, as ``coach train --lexical-only`` writes them."""
    folder = tmp_path / "classifier"
    shutil.copytree(DEFAULT_DIR, folder)
    labels = [int(any(w in t for w in ("idiot", "fuck", "bullshit", "bitch", "shit", "hurt"))) for t in TEXTS]
    files = lexmodel.export(*lexmodel.fit(TEXTS, labels, [1.0] * len(TEXTS)), folder)
    config = json.loads((folder / "config.json").read_text())
    config["offensive_lexical"] = {"files": files, "head_weight": 0.5, "threshold": 0.5}
    config["offensive_threshold"] = 0.5
    (folder / "config.json").write_text(json.dumps(config))
    write_manifest(folder, ["heads.safetensors", "config.json", *files])
    return folder


def test_a_corrupted_lexical_file_is_a_checksum_error(weights):
    from coach.classify.weights import verify

    path = weights / lexmodel.LEX_VOCAB
    path.write_text(path.read_text().replace('"char"', '"chra"'))
    with pytest.raises(ModelError, match=r"lexical_vocab\.json is corrupted .*sha256.*coach train"):
        verify(weights)


@pytest.mark.slow
def test_the_classifier_averages_heads_and_lexical_model_and_keeps_threats(weights):
    from coach.classify.classifier import Classifier

    clf = Classifier(weights)
    texts = ["you stupid bitch", "thank you so much", "i'm going to burn that warehouse to the ground"]
    p = clf.probabilities(texts, ["customer"] * 3)
    want = 0.5 * p["offensive_head"] + 0.5 * p["offensive_lexical"]
    threat = lexmodel.threat_rows(p["abuse_type"])
    want = np.where(threat, np.maximum(want, p["offensive_head"]), want)
    np.testing.assert_allclose(p["offensive"], want, atol=1e-6)
    assert threat[2] and p["offensive"][2] >= p["offensive_head"][2]
    assert clf.classify("you stupid bitch").abuse != "none"


@pytest.mark.slow
def test_lexical_files_missing_from_the_manifest_and_folder_are_one_clear_error(weights):
    from coach.classify.classifier import Classifier

    manifest = json.loads((weights / "manifest.json").read_text())
    (weights / lexmodel.LEX_WEIGHTS).unlink()
    write_manifest(weights, [n for n in manifest["files"] if n != lexmodel.LEX_WEIGHTS])
    with pytest.raises(ModelError, match=r"lexical model .*lexical\.safetensors.* is missing; restore it"):
        Classifier(weights)


@pytest.mark.slow
def test_a_lexical_file_that_matches_an_edited_manifest_but_is_broken_is_refused(weights):
    from coach.classify.classifier import Classifier

    manifest = json.loads((weights / "manifest.json").read_text())
    (weights / lexmodel.LEX_VOCAB).write_text('{"char": []}')
    write_manifest(weights, list(manifest["files"]))
    with pytest.raises(ModelError, match=r"lexical model .* cannot be read; restore it"):
        Classifier(weights)
