"""``coach report``: a call log becomes a self-contained HTML handout."""

from __future__ import annotations

from coach.calllog import CallLog
from coach.cli import main
from coach.events import (
    AgentAction,
    CallEnded,
    CallSignals,
    CallStarted,
    Classification,
    Classified,
    StepChanged,
    Utterance,
)


def write_log(path):
    log = CallLog(path)
    u = Utterance("customer", 3.0, 5.5, "you useless idiot")
    c = Classification(u.text, "customer", "negative", {"negative": 0.9, "neutral": 0.08, "positive": 0.02}, 0.85, "insult", 0.93)
    cl = Classified(u, c)
    for event in (
        CallStarted(0.0, "call.wav", "whisper tiny.en", "playbooks/default.yaml", "2026-11-23T01:00:00+00:00"),
        StepChanged(0.0, "vent", "Let them vent", say=("I'm listening.",)),
        cl,
        CallSignals(5.5, 0.7, 0.3, "negative", last=cl),
        CallSignals(6.0, 0.7, 0.3, "negative"),  # from a tick: not logged
        StepChanged(5.6, "warn", "Set a limit", reason='customer insulted you at 00:05.5: "you useless idiot"', previous="vent"),
        AgentAction(7.0, "dismiss", "warn"),
        CallEnded(9.0),
    ):
        log(event)
    log.close()


def test_report_shows_steps_reasons_abuse_and_dismissals(tmp_path, capsys):
    log = tmp_path / "call.jsonl"
    write_log(log)
    out = tmp_path / "report.html"
    assert main(["report", str(log), "-o", str(out)]) == 0
    page = out.read_text()
    assert page.startswith("<!doctype html>")
    assert "Set a limit" in page and "you useless idiot" in page
    assert "customer insulted you at 00:05.5" in page.replace("&quot;", '"')
    assert "abuse: insult" in page
    assert "dismissed the suggestion" in page
    assert "1 suggestion dismissed" in page and "1 abusive utterance (insult)" in page
    assert "<svg" in page and "<path" in page  # the mood line has the utterance-driven point


def test_tick_signals_are_not_logged(tmp_path):
    log = tmp_path / "call.jsonl"
    write_log(log)
    from coach.calllog import read_log

    signals = [e for e in read_log(log) if e["type"] == "signals"]
    assert len(signals) == 1 and signals[0]["cause"] == 5.5


def test_report_on_a_file_that_is_not_a_log(tmp_path, capsys):
    bogus = tmp_path / "notes.jsonl"
    bogus.write_text('{"hello": 1}\n')
    assert main(["report", str(bogus)]) != 0
    err = capsys.readouterr().err
    assert "not a coach call log" in err and "Traceback" not in err


def test_log_survives_a_crash_mid_line(tmp_path):
    from coach.calllog import read_log

    log = tmp_path / "call.jsonl"
    write_log(log)
    with open(log, "a") as f:
        f.write('{"type": "classified", "text": "cut sh')  # the process died while writing
    events = read_log(log)
    assert events[-1]["type"] == "call_ended"
