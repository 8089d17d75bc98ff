"""Events from a worker thread reach the panel through the bridge, folded and shown on the GUI thread."""

from __future__ import annotations

import threading

from coach.events import Partial


def test_worker_events_reach_the_panel_on_the_gui_thread(qtbot, call_events, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    from PySide6.QtCore import QThread
    from coach.ui.bridge import EventBridge, run_in_worker
    from coach.ui.controller import PanelController
    from coach.ui.panel import CoachPanel

    panel = CoachPanel()
    qtbot.addWidget(panel)
    controller = PanelController(panel)
    bridge = EventBridge()
    gui_thread = QThread.currentThread()
    threads = []
    bridge.event.connect(lambda e: threads.append(QThread.currentThread() is gui_thread))
    bridge.event.connect(controller.on_event)
    shown = []
    controller.step_shown.connect(shown.append)

    def work():
        assert threading.current_thread() is not threading.main_thread()
        for e in call_events:
            bridge.sink(e)

    with qtbot.waitSignal(bridge.finished, timeout=10000):
        run_in_worker(bridge, work)
    qtbot.waitUntil(lambda: controller.events_seen == len(call_events))
    assert all(threads)
    assert shown == ["delegate_up", "draw_the_line"]
    assert panel.step_card.title.text() == "Draw the line"


def test_partials_are_coalesced_at_display_rate(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    from coach.ui.controller import PanelController
    from coach.ui.panel import CoachPanel

    panel = CoachPanel()
    qtbot.addWidget(panel)
    controller = PanelController(panel)
    renders = []
    panel.rendered.connect(renders.append)
    words = "I have called three times already and nobody has fixed my internet".split()
    for k in range(1, len(words) + 1):
        controller.on_event(Partial("customer", 0.0, k * 0.1, " ".join(words[:k])))
    assert renders == []  # nothing drawn per partial
    qtbot.waitUntil(lambda: bool(renders) and renders[-1].partial("customer").endswith("internet"))
    assert len(renders) < len(words)


def test_buttons_before_the_models_are_ready_say_so(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    from coach.ui.controller import PanelController
    from coach.ui.panel import CoachPanel

    panel = CoachPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    controller = PanelController(panel)
    panel.action.emit("summarized", None)
    assert "still loading" in panel.notice_banner.text()

    class Session:
        acted = []

        def act(self, action, step=None):
            self.acted.append((action, step))

    controller.attach(Session())
    panel.action.emit("override", "draw_the_line")
    assert Session.acted == [("override", "draw_the_line")]
    panel.close()


def test_between_calls_the_panel_waits_and_buttons_say_there_is_no_call(qtbot, call_events, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    from coach.events import CallEnded, CallStarted, StepChanged, WaitingForCall
    from coach.ui.controller import NO_CALL, PanelController
    from coach.ui.panel import CoachPanel

    panel = CoachPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    controller = PanelController(panel)

    class Session:
        acted = []

        def act(self, action, step=None):
            self.acted.append((action, step))

    controller.attach(Session())
    for event in call_events[:-1]:
        controller.on_event(event)
    assert panel.step_card.title.text() == "Draw the line"
    panel.action.emit("end_call", "draw_the_line")
    assert Session.acted == [("end_call", "draw_the_line")]
    controller.on_event(CallEnded(20.0, "the agent ended the call"))
    controller.on_event(WaitingForCall(20.0, "the agent ended the call"))
    # shown at once: the call is over, coach waits; nothing of the last call is left on the panel
    assert panel.step_card.title.text() == "Waiting for the next call…"
    assert "starts as soon as someone speaks" in panel.step_card.why.text()
    assert "call ended" in panel.phase.text() and "waiting for the next call" in panel.phase.text()
    assert "0:20" in panel.phase.text()
    panel.action.emit("summarized", None)  # no call to act on: said, not sent
    assert Session.acted == [("end_call", "draw_the_line")]
    assert NO_CALL in panel.notice_banner.text()

    controller.on_event(CallStarted(0.0, "live customer=softphone.monitor", "whisper tiny.en", "default.yaml"))
    controller.on_event(StepChanged(0.0, "listen", "Listen", say=("How can I help?",), reason="start of the call"))
    assert panel.step_card.title.text() == "Listen"
    assert "listening · 0:00" in panel.phase.text()
    assert not panel.notice_banner.isVisibleTo(panel)
    panel.action.emit("summarized", "listen")
    assert Session.acted[-1] == ("summarized", "listen")
    panel.close()
