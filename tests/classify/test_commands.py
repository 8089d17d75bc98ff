"""``coach classify``: the JSON contract, the readable line, stdin, and clear errors."""

from __future__ import annotations

import io
import json
import sys

import pytest

from coach.cli import main

pytestmark = pytest.mark.slow  # the real model


def test_json_contract(capsys):
    assert main(["classify", "--json", "put your manager on the phone now", "thanks that helped"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"text", "speaker", "sentiment", "anger", "abuse", "cues"}
    assert first["text"] == "put your manager on the phone now"
    assert first["speaker"] == "customer"
    assert first["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert set(first["sentiment"]["scores"]) == {"negative", "neutral", "positive"}
    assert 0.0 <= first["anger"] <= 1.0
    assert first["abuse"]["label"] == "none" and 0.0 <= first["abuse"]["score"] <= 1.0
    assert first["cues"] == ["supervisor_request"]
    assert json.loads(lines[1])["sentiment"]["label"] == "positive"


def test_agent_speaker(capsys):
    assert main(["classify", "--json", "--speaker", "agent", "may i place you on hold for a moment"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["speaker"] == "agent" and out["cues"] == ["hold_request"]


def test_lines_from_stdin_including_junk(capsys, monkeypatch):
    data = b"you are a useless idiot\n\xff\xfe\x00 junk\n\nthis damn printer\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["classify", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["abuse"]["label"] for r in rows] == ["insult", rows[1]["abuse"]["label"], "none", "profanity"]
    assert rows[2]["text"] == "" and rows[2]["sentiment"]["label"] == "neutral"


def test_readable_line(capsys):
    assert main(["classify", "i want to cancel and switch to another provider"]) == 0
    out = capsys.readouterr().out.strip()
    assert "\n" not in out
    assert out.startswith("negative") and "churn_threat" in out and "anger" in out


def test_missing_weights_folder_is_one_clear_line(capsys, tmp_path):
    assert main(["classify", "--weights", str(tmp_path / "nowhere"), "hello"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "nowhere" in err and "coach train" in err
