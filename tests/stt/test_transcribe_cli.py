"""`coach transcribe`: output formats, fast == real time, and one clear error per bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from coach.cli import main
from coach.events import Partial, Utterance
from coach.stt.pipeline import ChannelRecognizers

LINE = re.compile(r"^\[(\d\d):(\d\d\.\d)-(\d\d):(\d\d\.\d)\] (agent|customer): (.+)$")


@pytest.fixture(scope="module")
def transcript_json(short_call) -> list[dict]:
    """`coach transcribe --json --partials` of the short call, run as a user would (a process)."""
    run = subprocess.run(
        [sys.executable, "-m", "coach", "transcribe", str(short_call), "--json", "--partials", "--engine", "whisper"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    assert "coach: speech engine whisper" in run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_json_lines(transcript_json):
    utterances = [e for e in transcript_json if e["type"] == "utterance"]
    assert [u["channel"] for u in utterances] == ["agent", "customer"]
    for u in utterances:
        assert {"type", "channel", "start", "end", "text"} <= set(u)
        assert 0 < u["start"] < u["end"] and u["text"]
    assert "internet" in utterances[1]["text"].lower()
    partials = [e for e in transcript_json if e["type"] == "partial"]
    assert partials and all(p["channel"] in ("agent", "customer") for p in partials)
    first_final = {u["channel"]: transcript_json.index(u) for u in reversed(utterances)}
    assert any(transcript_json.index(p) < first_final[p["channel"]] for p in partials)


def test_readable_lines(short_call, capsys, transcript_json):
    assert main(["transcribe", str(short_call), "--engine", "whisper"]) == 0
    lines = capsys.readouterr().out.splitlines()
    finals = [e for e in transcript_json if e["type"] == "utterance"]
    assert len(lines) == len(finals)
    for line, final in zip(lines, finals):
        m = LINE.match(line)
        assert m, line
        assert int(m[1]) * 60 + float(m[2]) == pytest.approx(final["start"], abs=0.051)
        assert m[5] == final["channel"] and m[6] == final["text"]


def test_transcribe_loads_no_classifier_and_no_torch(short_call):
    """`coach transcribe` needs the speech models only: the classifier (torch + transformers) stays unloaded."""
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['coach', 'transcribe', {str(short_call)!r}, '--engine', 'whisper']\n"
        "try:\n    runpy.run_module('coach', run_name='__main__')\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "print('loaded:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True)
    loaded = run.stdout.strip().splitlines()[-1]
    assert loaded == "loaded:", f"coach transcribe imported {loaded}"


def test_customer_channel_swaps_the_speakers(short_call, capsys):
    assert main(["transcribe", str(short_call), "--json", "--customer-channel", "0"]) == 0
    channels = [json.loads(line)["channel"] for line in capsys.readouterr().out.splitlines()]
    assert channels == ["customer", "agent"]


def test_mono_file_is_all_customer(short_call, tmp_path, capsys):
    data, rate = sf.read(str(short_call))
    sf.write(str(tmp_path / "mono.flac"), data.sum(axis=1), rate)
    assert main(["transcribe", str(tmp_path / "mono.flac"), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events and {e["channel"] for e in events} == {"customer"}


@pytest.mark.slow
def test_real_time_replay_gives_the_same_events_as_fast(short_call):
    from coach.audio.source import FileSource
    from coach.clock import RealClock
    from coach.stt import open_recognizer

    recognizer, _ = open_recognizer("whisper")

    def run(clock) -> list:
        source = FileSource(short_call, clock=clock)
        pipeline = ChannelRecognizers(recognizer, source.channels)
        events = []
        for frame in source:
            events += pipeline.feed(frame)
        return events + pipeline.finish()

    fast = run(None)
    paced = run(RealClock())
    assert [e for e in fast if isinstance(e, Utterance)] == [e for e in paced if isinstance(e, Utterance)]
    assert fast == paced  # partials too: their cadence counts audio, not wall time
    assert any(isinstance(e, Partial) for e in fast)


@pytest.mark.slow
def test_vosk_fast_and_paced_replays_agree(korean_model, korean_speech, tmp_path):
    from coach.audio.source import FileSource
    from coach.clock import RealClock
    from coach.stt import open_recognizer

    wav = tmp_path / "ko.wav"
    sf.write(str(wav), korean_speech, 16000)
    recognizer, _ = open_recognizer("vosk", vosk_model=str(korean_model.path))

    def run(clock) -> list:
        source = FileSource(wav, clock=clock)
        pipeline = ChannelRecognizers(recognizer, source.channels)
        events = []
        for frame in source:
            events += pipeline.feed(frame)
        return events + pipeline.finish()

    fast = run(None)
    assert any(isinstance(e, Utterance) for e in fast)
    assert run(RealClock(speed=2.0)) == fast


# --------------------------------------------------------------------------- bad input


def _fails_with_one_sentence(capsys, argv: list[str], *words: str) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert captured.out == ""
    assert len(err) == 1 and err[0].startswith("coach: error: ") and "Traceback" not in err[0], err
    for word in words:
        assert word in err[0], err[0]


def test_missing_file(capsys, tmp_path):
    _fails_with_one_sentence(capsys, ["transcribe", str(tmp_path / "call.wav")], "call.wav", "does not exist")


def test_empty_file(capsys, tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    _fails_with_one_sentence(capsys, ["transcribe", str(tmp_path / "empty.wav")], "empty")


def test_truncated_file(capsys, tmp_path, short_call):
    (tmp_path / "cut.wav").write_bytes(short_call.read_bytes()[:30000])
    _fails_with_one_sentence(capsys, ["transcribe", str(tmp_path / "cut.wav")], "truncated")


def test_corrupt_flac(capsys, tmp_path, short_call):
    data, rate = sf.read(str(short_call))
    sf.write(str(tmp_path / "call.flac"), data, rate)
    raw = bytearray((tmp_path / "call.flac").read_bytes())
    raw[:4] = b"JUNK"
    (tmp_path / "call.flac").write_bytes(bytes(raw))
    _fails_with_one_sentence(capsys, ["transcribe", str(tmp_path / "call.flac")], "call.flac", "not a readable audio file")


def test_text_file_named_wav(capsys, tmp_path):
    (tmp_path / "notes.wav").write_text("agent: hello\n")
    _fails_with_one_sentence(capsys, ["transcribe", str(tmp_path / "notes.wav")], "notes.wav", "not a readable")


def test_unsupported_format(capsys, tmp_path):
    (tmp_path / "call.aac").write_bytes(np.zeros(100, np.uint8).tobytes())
    _fails_with_one_sentence(capsys, ["transcribe", str(tmp_path / "call.aac")], "unsupported format '.aac'")


def test_model_folder_that_is_not_a_model(capsys, tmp_path, short_call):
    _fails_with_one_sentence(capsys, ["transcribe", str(short_call), "--vosk-model", str(tmp_path)], "not a Vosk model")


def test_no_file_and_no_live(capsys):
    _fails_with_one_sentence(capsys, ["transcribe"], "Give a recording")


def test_live_without_a_customer_device(capsys):
    _fails_with_one_sentence(capsys, ["transcribe", "--live"], "--customer-device")
