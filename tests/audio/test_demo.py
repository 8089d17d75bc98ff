"""Call scripts and their rendering into stereo calls with known speech times."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import soundfile as sf

from coach import demo
from coach.demo import Line, call_timings, parse_call_script, render_call
from coach.errors import AudioError


def test_parse_call_script():
    lines = parse_call_script("# a call\nagent: Hello there.\n\ncustomer [angry]: Not again!\npause 1.5\n")
    assert lines == [
        Line("agent", "Hello there."),
        Line("customer", "Not again!", "angry"),
        Line(None, pause=1.5),
    ]


def test_bad_script_line_says_where(tmp_path):
    with pytest.raises(AudioError) as err:
        parse_call_script("agent: hi\nmanager: who am I\n", "call.txt")
    assert str(err.value).startswith("call.txt:2:")


@pytest.mark.parametrize("name", ["demo_call", "threat_call", "polite_call"])
def test_bundled_scripts_parse(name):
    lines = parse_call_script(demo.demo_script_path(name).read_text(), name)
    speakers = {line.speaker for line in lines if line.speaker}
    assert speakers == {"agent", "customer"}


def test_demo_script_has_the_story():
    text = demo.demo_script_path("demo_call").read_text().lower()
    for phrase in ("maria lopez", "so what i'm hearing", "third time", "cancel", "crap internet", "manager",
                   "are you stupid", "can't continue if the insults", "fine, i can hold",
                   "credit the two months", "five pm tomorrow"):
        assert phrase in text, phrase


def test_render_places_each_line_on_its_speakers_channel(short_call):
    timings = call_timings(short_call)
    data, rate = sf.read(str(short_call), always_2d=True)
    assert rate == 16000 and data.shape[1] == 2
    assert [t["speaker"] for t in timings] == ["agent", "customer"]
    assert timings[0]["end"] < timings[1]["start"]  # turns do not overlap
    for t in timings:
        own = 0 if t["speaker"] == "agent" else 1
        seg = slice(int(t["start"] * rate), int(t["end"] * rate))
        rms_own = np.sqrt(np.mean(data[seg, own] ** 2))
        rms_other = np.sqrt(np.mean(data[seg, 1 - own] ** 2))
        assert rms_own > 10 * rms_other  # speech on its channel, line hiss on the other
        # the recorded end is where the speech ends: the next 0.3 s are quiet
        after = data[int(t["end"] * rate) + 160 : int((t["end"] + 0.3) * rate), own]
        assert np.sqrt(np.mean(after**2)) < 0.1 * rms_own


def test_render_is_deterministic_and_writes_timings(tmp_path):
    lines = [Line("agent", "One moment please."), Line(None, pause=0.5), Line("customer", "Sure.")]
    a = render_call(lines, tmp_path / "a.wav", seed=3)
    b = render_call(lines, tmp_path / "b.wav", seed=3)
    assert a == b == json.loads((tmp_path / "a.wav.json").read_text())
    assert np.array_equal(sf.read(str(tmp_path / "a.wav"))[0], sf.read(str(tmp_path / "b.wav"))[0])
    assert b[1]["start"] - b[0]["end"] >= 0.5 + 0.6  # pause + turn gap


def test_demo_call_path_renders_once_and_again_when_the_script_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "ASSETS_DIR", tmp_path)
    script = tmp_path / "tiny_call.txt"
    script.write_text("agent: Hello.\ncustomer: Hi.\n")
    wav = demo.demo_call_path("tiny_call")
    first = wav.stat().st_mtime_ns
    assert demo.demo_call_path("tiny_call") == wav and wav.stat().st_mtime_ns == first  # cached
    script.write_text("agent: Hello again.\ncustomer: Hi.\n")
    later = wav.stat().st_mtime + 10
    os.utime(script, (later, later))
    demo.demo_call_path("tiny_call")
    assert call_timings(wav)[0]["text"] == "Hello again."


def test_missing_script(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "ASSETS_DIR", tmp_path)
    with pytest.raises(AudioError, match="missing"):
        demo.demo_call_path("nothing_call")
