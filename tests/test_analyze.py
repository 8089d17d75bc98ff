"""``coach analyze``: the JSON contract, the call log, hot reload during a call, bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from coach.calllog import read_log
from coach.cli import main
from coach.events import PlaybookReloaded, StepChanged
from coach.paths import DEFAULT_PLAYBOOK

CALLS = Path(__file__).parent / "calls"


@pytest.fixture(scope="module")
def manager_call(tmp_path_factory) -> Path:
    from coach.demo import render_call

    wav = tmp_path_factory.mktemp("analyze") / "manager.wav"
    render_call(CALLS / "manager_request.txt", wav)
    return wav


@pytest.mark.slow
def test_analyze_json_prints_steps_and_writes_the_call_log(manager_call, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    assert main(["analyze", str(manager_call), "--json", "--engine", "whisper"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    steps = [e for e in events if e["type"] == "step"]
    assert steps and all({"t", "step", "reason"} <= e.keys() for e in steps)
    assert any(e["step"] == "delegate_up" for e in steps)
    said = [e for e in events if e["type"] == "classified"]
    assert {e["channel"] for e in said} == {"agent", "customer"}
    assert all(isinstance(e["text"], str) and e["end"] >= e["start"] for e in said)
    logs = list((tmp_path / "calls").glob("*.jsonl"))
    assert len(logs) == 1
    logged = read_log(logs[0])
    assert [e for e in logged if e["type"] == "step"] == steps
    assert "call log written to" in captured.err


@pytest.mark.slow
def test_readable_timeline(manager_call, capsys):
    assert main(["analyze", str(manager_call), "--engine", "whisper", "--no-log"]) == 0
    out = capsys.readouterr().out
    assert ">>> STEP delegate_up" in out
    assert "customer:" in out and "why:" in out


@pytest.mark.slow
def test_broken_playbook_edit_mid_call_keeps_the_last_good_one(manager_call, tmp_path):
    from coach.session import open_session_for_file

    playbook = tmp_path / "team.yaml"
    shutil.copy(DEFAULT_PLAYBOOK, playbook)
    events: list = []
    broken = {"done": False}

    def sink(event):
        events.append(event)
        if not broken["done"] and getattr(event, "t", 0) > 3.0:
            playbook.write_text(playbook.read_text() + "\nsteps: [this is: not valid\n")
            broken["done"] = True

    session = open_session_for_file(manager_call, engine="whisper", playbook=playbook, sinks=[sink], log=False)
    session.run()
    reloads = [e for e in events if isinstance(e, PlaybookReloaded)]
    assert reloads and not reloads[0].ok
    assert all(":" in err for err in reloads[0].errors)
    assert str(playbook) in reloads[0].errors[0]
    # the call went on under the last good playbook
    assert any(isinstance(e, StepChanged) and e.step == "delegate_up" for e in events)


@pytest.mark.slow
def test_a_call_stopped_mid_way_is_logged_as_stopped_with_what_came_before(manager_call, tmp_path, monkeypatch):
    from coach.session import open_session_for_file

    box: list = []

    def sink(event):
        if getattr(event, "t", 0) > 6.0 and box:
            box[0].stop()  # the agent closes the panel mid-call

    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    session = open_session_for_file(manager_call, engine="whisper", sinks=[sink])
    box.append(session)
    session.run()
    logged = read_log(session.log_path)
    assert logged[0]["type"] == "call_started"
    # which playbook ran, so a team lead can tell later: its full path and the sha256 of its text
    from coach.paths import DEFAULT_PLAYBOOK

    assert logged[0]["playbook"] == str(DEFAULT_PLAYBOOK.resolve())
    assert logged[0]["playbook_sha256"] == hashlib.sha256(DEFAULT_PLAYBOOK.read_text(encoding="utf-8").encode("utf-8")).hexdigest()
    assert logged[-1]["type"] == "call_ended" and logged[-1]["reason"] == "stopped"
    assert logged[-1]["t"] < 20.0  # it did not run on to the end of the call
    assert any(e["type"] == "utterance" or e["type"] == "classified" for e in logged)


def test_missing_call_is_one_clear_error(capsys, tmp_path):
    rc = main(["analyze", str(tmp_path / "nope.wav"), "--no-log"])
    err = capsys.readouterr().err
    assert rc != 0
    assert "nope.wav" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_invalid_playbook_is_reported_with_file_line_col(capsys, tmp_path, manager_call):
    bad = tmp_path / "bad.yaml"
    bad.write_text("start: nowhere\nsteps:\n  - id: vent\n    title: Let them vent\n")
    rc = main(["analyze", str(manager_call), "--playbook", str(bad), "--no-log", "--engine", "whisper"])
    err = capsys.readouterr().err
    assert rc != 0
    assert f"{bad}:" in err and "Traceback" not in err
