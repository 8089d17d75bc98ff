"""The weights folder is checked against its manifest; damage gives one clear ModelError."""

from __future__ import annotations

import json
import shutil

import pytest

from coach.classify.weights import DEFAULT_DIR, verify, write_manifest
from coach.errors import ModelError


@pytest.fixture()
def weights(tmp_path):
    folder = tmp_path / "classifier"
    shutil.copytree(DEFAULT_DIR, folder)
    return folder


def test_shipped_weights_verify_and_are_small():
    config = verify(DEFAULT_DIR)
    assert config["labels"]["cues"]
    assert (DEFAULT_DIR / "heads.safetensors").stat().st_size < 1_000_000
    card = (DEFAULT_DIR / "MODEL_CARD.md").read_text()
    manifest = json.loads((DEFAULT_DIR / "manifest.json").read_text())
    for name, info in manifest["files"].items():
        assert info["sha256"] in card, name


def test_a_changed_byte_is_a_checksum_error(weights):
    path = weights / "heads.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"heads\.safetensors is corrupted .*sha256.*coach train"):
        verify(weights)


def test_a_missing_file_is_named(weights):
    (weights / "config.json").unlink()
    with pytest.raises(ModelError, match=r"config\.json is missing"):
        verify(weights)


def test_a_missing_or_broken_manifest_is_named(weights):
    (weights / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="manifest"):
        verify(weights)
    (weights / "manifest.json").unlink()
    with pytest.raises(ModelError, match="manifest.*missing"):
        verify(weights)


@pytest.mark.slow
def test_weights_that_match_an_edited_manifest_but_not_the_model_are_refused(weights):
    from safetensors.torch import load_file, save_file

    from coach.classify import load_classifier

    state = load_file(str(weights / "heads.safetensors"))
    state.pop("cues.weight")
    save_file(state, str(weights / "heads.safetensors"))
    write_manifest(weights, ["heads.safetensors", "config.json"])
    with pytest.raises(ModelError, match="do not fit"):
        load_classifier(weights)


def test_error_messages_are_one_sentence(weights):
    (weights / "heads.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError) as info:
        verify(weights)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    assert str(weights / "heads.safetensors") in message


def test_weights_made_for_another_set_of_lexical_features_are_refused(weights):
    from coach.classify.classifier import Classifier
    from coach.classify.lexicon import N_FEATURES

    config = json.loads((weights / "config.json").read_text())
    config["lexical_features"] = N_FEATURES - 3
    (weights / "config.json").write_text(json.dumps(config))
    write_manifest(weights, ["heads.safetensors", "config.json"])
    with pytest.raises(ModelError, match=rf"read {N_FEATURES - 3} lexical features and this version of coach makes {N_FEATURES}"):
        Classifier(weights)


@pytest.mark.slow
def test_a_missing_or_broken_threat_detector_is_named(weights):
    # the manifest is edited to match, so the loader itself must notice (a hand-assembled weights folder)
    from coach.classify.classifier import Classifier

    files = [n for n in json.loads((weights / "manifest.json").read_text())["files"] if n != "threat_vocab.json"]
    (weights / "threat_vocab.json").unlink()
    write_manifest(weights, files)
    with pytest.raises(ModelError, match=r"threat detector \(.*threat_vocab\.json\) is missing; restore it") as info:
        Classifier(weights)
    assert "\n" not in str(info.value)
    (weights / "threat.safetensors").write_bytes(b"garbage")
    write_manifest(weights, files)
    with pytest.raises(ModelError, match=r"threat detector \(.*threat\.safetensors.*\) cannot be read"):
        Classifier(weights)
