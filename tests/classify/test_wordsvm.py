"""alt-profanity-check's model converted to numpy (design K): the same probabilities as the
package, read from the weights folder, and a missing or damaged file is one clear error."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from coach.classify import lexmodel, wordsvm
from coach.classify.weights import DEFAULT_DIR, write_manifest
from coach.errors import ModelError

TEXTS = [
    "you are a useless idiot", "shut the fuck up", "this damn router keeps dropping", "thank you so much for your help",
    "i want to speak to a manager", "", "x", "THE THE THE", "a" * 5000, "naïve café résumé", "i'll find you and hurt you",
    "you you you idiot idiot", "bullshit", "what's the 2nd charge on my bill", "日本語のテキスト", "\x00\x01 junk \ufffd",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wordsvm")
    assert wordsvm.convert(folder) == [wordsvm.WEIGHTS, wordsvm.VOCAB]
    return folder


def test_the_converted_model_gives_the_packages_probabilities(converted):
    from profanity_check import predict_prob

    ours = wordsvm.WordSvmModel.load(converted).probabilities(TEXTS)
    np.testing.assert_allclose(ours, predict_prob(TEXTS), atol=1e-5)
    assert ours[0] > 0.9 and ours[3] < 0.1  # and it reads what it should
    assert ours.dtype == np.float32 and ours.shape == (len(TEXTS),)


def test_load_lexical_knows_both_kinds(converted):
    assert isinstance(lexmodel.load_lexical(converted, "alt-profanity-check"), wordsvm.WordSvmModel)
    assert lexmodel.lexical_files("alt-profanity-check") == [wordsvm.WEIGHTS, wordsvm.VOCAB]
    with pytest.raises(ValueError, match="unknown lexical model kind 'bogus'"):
        lexmodel.load_lexical(converted, "bogus")


def test_arrays_that_do_not_fit_the_words_are_refused(converted):
    from safetensors.numpy import load_file

    arrays = load_file(str(converted / wordsvm.WEIGHTS))
    words = json.loads((converted / wordsvm.VOCAB).read_text())["words"]
    with pytest.raises(ValueError, match=rf"{len(words) - 1} words, {len(words)} idf values"):
        wordsvm.WordSvmModel(words[:-1], arrays)


def test_the_shipped_weights_are_design_k():
    # docs/classifier-protocol.md, design K: E's heads, alt-profanity-check's model beside them at a fixed weight
    config = json.loads((DEFAULT_DIR / "config.json").read_text())
    section = config["offensive_lexical"]
    assert section["kind"] == "alt-profanity-check" and section["head_weight"] == 0.5
    assert section["chosen_on"] == "development lines not from Davidson"
    assert config["offensive_threshold"] == section["threshold"]
    assert set(section["files"]) <= set(json.loads((DEFAULT_DIR / "manifest.json").read_text())["files"])


@pytest.fixture()
def weights(tmp_path, converted):
    """The shipped heads with alt-profanity-check's model beside them, as design K's config names it."""
    folder = tmp_path / "classifier"
    shutil.copytree(DEFAULT_DIR, folder)
    for name in (wordsvm.WEIGHTS, wordsvm.VOCAB):
        shutil.copy(converted / name, folder / name)
    config = json.loads((folder / "config.json").read_text())
    config["offensive_lexical"] = {"kind": "alt-profanity-check", "files": [wordsvm.WEIGHTS, wordsvm.VOCAB],
                                   "head_weight": 0.5, "threshold": 0.5}
    config["offensive_threshold"] = 0.5
    (folder / "config.json").write_text(json.dumps(config))
    files = sorted({"heads.safetensors", "config.json", wordsvm.WEIGHTS, wordsvm.VOCAB})
    write_manifest(folder, files)
    return folder


@pytest.mark.slow
def test_the_classifier_averages_heads_and_the_package_model(weights):
    from profanity_check import predict_prob

    from coach.classify.classifier import Classifier
    from coach.classify.text import normalize

    clf = Classifier(weights)
    texts = ["you stupid bitch", "thank you so much", "i'm going to burn that warehouse to the ground"]
    p = clf.probabilities([normalize(t) for t in texts], ["customer"] * 3)
    np.testing.assert_allclose(p["offensive_lexical"], predict_prob([normalize(t) for t in texts]), atol=1e-5)
    want = 0.5 * p["offensive_head"] + 0.5 * p["offensive_lexical"]
    threat = lexmodel.threat_rows(p["abuse_type"])
    np.testing.assert_allclose(p["offensive"], np.where(threat, np.maximum(want, p["offensive_head"]), want), atol=1e-6)
    assert clf.classify("you stupid bitch").abuse != "none"


@pytest.mark.slow
def test_a_missing_package_model_file_is_one_clear_error(weights):
    from coach.classify.classifier import Classifier

    (weights / wordsvm.WEIGHTS).unlink()
    write_manifest(weights, ["heads.safetensors", "config.json", wordsvm.VOCAB])
    with pytest.raises(ModelError, match=r"lexical model .*profanity_check\.safetensors.* is missing; restore it"):
        Classifier(weights)


@pytest.mark.slow
def test_a_broken_package_model_file_behind_an_edited_manifest_is_refused(weights):
    from coach.classify.classifier import Classifier

    (weights / wordsvm.VOCAB).write_text('{"words": ["only", "two"]}')
    write_manifest(weights, ["heads.safetensors", "config.json", wordsvm.WEIGHTS, wordsvm.VOCAB])
    with pytest.raises(ModelError, match=r"lexical model .*alt-profanity-check.* cannot be read; restore it"):
        Classifier(weights)


def test_a_corrupted_package_model_file_is_a_checksum_error(weights):
    from coach.classify.weights import verify

    path = weights / wordsvm.VOCAB
    path.write_text(path.read_text().replace('"words"', '"wrods"'))
    with pytest.raises(ModelError, match=r"profanity_check_vocab\.json is corrupted .*sha256.*coach train"):
        verify(weights)


# The supervisor_request n-gram model beside the heads (design M) is checked like the offensive one.
@pytest.mark.slow
def test_a_missing_or_broken_handoff_model_file_is_one_clear_error(tmp_path):
    from coach.classify.classifier import Classifier

    config = json.loads((DEFAULT_DIR / "config.json").read_text())
    files = config["cue_lexical"]["files"]  # the shipped weights are design M's
    manifest = json.loads((DEFAULT_DIR / "manifest.json").read_text())
    for broken in ("missing", "unreadable"):
        folder = tmp_path / broken
        shutil.copytree(DEFAULT_DIR, folder)
        if broken == "missing":
            (folder / files[0]).unlink()
            write_manifest(folder, [n for n in manifest["files"] if n != files[0]])
            match = r"supervisor_request n-gram model .*handoff_lexical\.safetensors.* is missing; restore it"
        else:
            (folder / files[1]).write_text('{"char": []}')
            write_manifest(folder, list(manifest["files"]))
            match = r"cue n-gram model .* cannot be read; restore it"
        with pytest.raises(ModelError, match=match):
            Classifier(folder)
