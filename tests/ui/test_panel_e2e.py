"""End to end: calls spoken by espeak-ng, through the real pipeline (Whisper, the trained
classifier, the default playbook), shown by the real replay window and live panel offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.calllog import read_log
from coach.events import AgentAction, StepChanged
from coach.stt.vad import CHUNK

pytestmark = pytest.mark.slow


def analyse_in_worker(qtbot, wav: Path):
    """The replay's analysis: the real session in fast mode on a worker thread, into a Recording."""
    from coach.session import open_session_for_file
    from coach.ui.bridge import EventBridge, run_in_worker
    from coach.ui.recording import Recording

    recording = Recording()
    bridge = EventBridge()
    failures: list[str] = []
    bridge.failed.connect(failures.append)
    with qtbot.waitSignal(bridge.finished, timeout=240_000):
        run_in_worker(bridge, lambda: open_session_for_file(wav, engine="whisper", sinks=[recording], log=False).run())
    assert not failures, failures
    assert recording.finished.is_set()
    return recording


def _speech_end(wav: Path, words: str) -> float:
    """When the customer finished saying the line containing ``words`` (the renderer's own timings)."""
    from coach.demo import call_timings

    return next(ln["end"] for ln in call_timings(wav) if ln["speaker"] == "customer" and words in ln["text"].lower())


@pytest.mark.parametrize(
    "call, words, step",
    [("manager_request", "manager", "delegate_up"), ("threat", "hurt you", "warn_threat")],
)
def test_replay_shows_the_step_after_the_customer_says_it(qtbot, rendered, call, words, step):
    from coach.ui.replay_window import ReplayWindow

    recording = analyse_in_worker(qtbot, rendered(call))
    said_at = _speech_end(rendered(call), words)
    change = next(e for e in recording.events() if isinstance(e, StepChanged) and e.step == step)
    # The renderer's end is 10 ms past the last loud sample and the VAD ends speech on a 32 ms chunk,
    # so "after" is to within one chunk (seed 2 here: the step at 28.000 s, the render's end 28.032 s).
    assert change.t >= said_at - CHUNK / 16000
    window = ReplayWindow(recording, title=call)
    qtbot.addWidget(window)
    window.show()
    window.seek(said_at - 0.05)  # before the customer finished: not yet
    assert window.panel.state.step.step != step
    window.seek(change.t + 0.5)
    assert window.panel.state.step.step == step
    assert window.panel.step_card.title.text() == change.title
    assert window.panel.step_card.why.text().startswith("Why: ")
    assert any(m.kind == "step" and m.t == change.t for m in window.timeline.markers)
    window.close()


def test_an_agent_button_reaches_the_engine_and_the_call_log(qtbot, rendered, tmp_path, monkeypatch):
    """The live path: the pipeline in its own process, events through the bridge, a click -> session.act."""
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    from PySide6.QtCore import Qt
    from coach.ui.bridge import EventBridge
    from coach.ui.controller import PanelController
    from coach.ui.panel import CoachPanel
    from coach.ui.pipeline_process import PipelineProcess

    panel = CoachPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    controller = PanelController(panel)
    bridge = EventBridge()
    bridge.event.connect(controller.on_event)
    bridge.ready.connect(controller.attach)
    seen: list = []
    bridge.event.connect(seen.append)
    failures: list = []
    bridge.failed.connect(failures.append)
    wav = rendered("manager_request")
    with qtbot.waitSignal(bridge.ready, timeout=240_000):
        pipeline = PipelineProcess("file", str(wav), {"engine": "whisper", "realtime": True}, deliver=bridge.sink,
                                   on_ready=bridge.ready.emit, on_failed=bridge.failed.emit,
                                   on_finished=bridge.finished.emit)
    assert controller.session is pipeline
    assert ("delegate_up", next(t for s, t in pipeline.steps if s == "delegate_up")) in panel.actions.step_choices
    qtbot.waitUntil(lambda: controller.state.step is not None, timeout=60_000)
    qtbot.mouseClick(panel.actions.buttons["summarized"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(e, AgentAction) for e in seen), timeout=60_000)
    with qtbot.waitSignal(bridge.finished, timeout=60_000):
        pipeline.stop()  # the agent closes the panel mid-call: the log is closed properly
    pipeline.join()
    assert not failures, failures
    actions = [e for e in seen if isinstance(e, AgentAction)]
    assert [a.action for a in actions] == ["summarized"]
    assert actions[0].step is not None  # stamped with the step shown when pressed
    events = read_log(pipeline.log_path)
    assert [e["action"] for e in events if e["type"] == "action"] == ["summarized"]
    assert events[-1]["type"] == "call_ended"  # (the session reports a stopped file as "end of audio")
    qtbot.waitUntil(lambda: controller.state.phase == "ended")
    assert controller.state.last_action.action == "summarized"
    panel.close()


def test_replay_screenshot_renders_the_panel_at_that_moment(qtbot, rendered, tmp_path, capsys):
    from PySide6.QtGui import QImage
    from coach.cli import main
    from coach.demo import call_timings

    wav = rendered("threat")
    threat_end = next(ln["end"] for ln in call_timings(wav) if "hurt you" in ln["text"])
    out, compact = tmp_path / "panel.png", tmp_path / "compact.png"
    assert main(["replay", str(wav), "--engine", "whisper", "--at", f"{threat_end + 3:.1f}", "--screenshot", str(out)]) == 0
    assert main(["replay", str(wav), "--engine", "whisper", "--at", f"{threat_end + 3:.1f}", "--screenshot", str(compact),
                 "--compact", "--theme", "light"]) == 0
    full, small = QImage(str(out)), QImage(str(compact))
    assert not full.isNull() and not small.isNull()
    assert small.height() < full.height()
    colours = {full.pixel(x, y) for x in range(0, full.width(), 7) for y in range(0, full.height(), 7)}
    assert len(colours) > 20  # text and widgets were drawn, not an empty window
    assert "written to" in capsys.readouterr().err


def test_replay_screenshot_past_the_end_pictures_the_end_and_says_so(qtbot, rendered, tmp_path, capsys):
    from coach.cli import main

    wav = rendered("threat")
    out = tmp_path / "late.png"
    assert main(["replay", str(wav), "--engine", "whisper", "--at", "99999", "--screenshot", str(out)]) == 0
    err = capsys.readouterr().err
    assert "past the end of" in err and "picturing the end of the call" in err
    assert out.is_file()
