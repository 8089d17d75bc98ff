"""The whole panel window: flags that keep it on top and out of focus, modes, banners, memory of place."""

from __future__ import annotations

import json

import pytest

from coach.events import DeviceStatus, PlaybookReloaded, StepChanged
from coach.ui.viewmodel import PanelState, at_time, fold, reduce


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path / "config"))
    from coach.ui.panel import CoachPanel

    p = CoachPanel(theme="dark")
    qtbot.addWidget(p)
    return p


def test_window_stays_on_top_and_never_takes_focus(panel, qtbot):
    from PySide6.QtCore import Qt

    flags = panel.windowFlags()
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    assert flags & Qt.WindowType.WindowDoesNotAcceptFocus
    assert panel.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert panel.focusPolicy() == Qt.FocusPolicy.NoFocus
    panel.show()
    qtbot.waitExposed(panel)
    for button in panel.actions.buttons.values():
        assert button.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_updates_never_activate_or_raise_the_window(panel, qtbot, call_events, monkeypatch):
    calls = []
    monkeypatch.setattr(panel, "activateWindow", lambda: calls.append("activate"))
    monkeypatch.setattr(panel, "raise_", lambda: calls.append("raise"))
    panel.show()
    state = PanelState()
    for e in call_events:
        state = reduce(state, e)
        panel.show_state(state)
    assert calls == []
    assert panel.step_card.title.text() == "Draw the line"


def test_compact_mode_shows_the_current_step_only(panel, qtbot, call_events):
    panel.show()
    panel.show_state(fold(call_events))
    assert panel.transcript.isVisible() and panel.mood.isVisible()
    panel.set_compact(True)
    assert panel.step_card.isVisible()
    assert not panel.transcript.isVisible() and not panel.mood.isVisible() and not panel.actions.isVisible()
    assert panel.mode.isChecked()


def test_shortcuts_work_in_compact_mode(panel, qtbot):
    from PySide6.QtCore import Qt

    panel.show()
    panel.set_compact(True)
    panel.show_state(fold([]))
    panel.actions.current_step = "vent"
    with qtbot.waitSignal(panel.action) as sig:
        panel.actions.shortcuts[0].activated.emit()
    assert sig.args == ["summarized", "vent"]


def test_keys_reach_a_focusable_panel_once_the_agent_clicks_into_it(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from coach.ui.panel import CoachPanel

    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    panel = CoachPanel(focusable=True)
    qtbot.addWidget(panel)
    assert not panel.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    assert panel.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    panel.show()
    qtbot.waitExposed(panel)
    panel.windowHandle().requestActivate()  # what the agent's click does
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    panel.actions.current_step = "vent"
    with qtbot.waitSignal(panel.action) as sig:
        qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert sig.args == ["dismiss", "vent"]
    with qtbot.waitSignal(panel.action) as sig:
        qtbot.keyClick(panel, Qt.Key.Key_W)
    assert sig.args == ["warned", "vent"]


def test_failed_playbook_reload_and_device_trouble_show_as_banners(panel, qtbot, call_events):
    panel.show()
    state = fold(call_events[:2])
    state = reduce(state, PlaybookReloaded(3.0, "p.yaml", False, ("p.yaml:4:3: unknown step 'x'",)))
    state = reduce(state, DeviceStatus(3.0, "customer", "lost", "The customer device 'mon' stopped delivering audio."))
    panel.show_state(state)
    assert panel.playbook_banner.isVisible() and "last good one keeps running" in panel.playbook_banner.text()
    assert "p.yaml:4:3" in panel.playbook_banner.text()
    assert panel.device_banner.isVisible() and "stopped delivering audio" in panel.device_banner.text()
    assert panel.device_banner.text().startswith("✖")  # an icon and words, not colour alone
    assert panel.device_banner.property("level") == "error"
    assert panel.step_card.title.text() == "Listen"  # the last good playbook's step stays
    state = reduce(state, PlaybookReloaded(4.0, "p.yaml", True))
    state = reduce(state, DeviceStatus(4.0, "customer", "recovered", "The customer device is back."))
    panel.show_state(state)
    assert not panel.playbook_banner.isVisible()
    assert panel.device_banner.isVisible() and panel.device_banner.text() == "✔ The customer device is back."
    panel.show_state(at_time(state, 30.0))
    assert not panel.device_banner.isVisible()


def test_step_change_is_announced_once(panel, qtbot, call_events):
    panel.show()
    announced = []
    panel.step_announced.connect(announced.append)
    state = PanelState()
    for e in call_events:
        state = reduce(state, e)
        panel.show_state(state)
        panel.show_state(state)  # redraws at display rate must not re-announce
    assert announced == ["delegate_up", "draw_the_line"]


def test_panel_remembers_where_it_was(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path / "cfg"))
    from coach.ui.panel import CoachPanel, settings_path

    first = CoachPanel()
    qtbot.addWidget(first)
    first.show()
    first.setGeometry(40, 50, 380, 500)
    first.set_compact(True)
    first.close()
    saved = json.loads(settings_path().read_text())
    assert saved["compact"] is True and saved["x"] == first.geometry().x()
    second = CoachPanel()
    qtbot.addWidget(second)
    assert second.compact
    assert second.geometry().topLeft() == first.geometry().topLeft()


def test_light_theme_loads(qtbot):
    from coach.ui.theme import stylesheet

    assert "QFrame#stepCard" in stylesheet("light")
    from coach.errors import CoachError

    with pytest.raises(CoachError, match="--theme dark or --theme light"):
        stylesheet("blue")


def test_on_wayland_the_panel_says_once_how_to_stay_on_top(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    import coach.ui.panel as panel_module

    monkeypatch.setattr(panel_module, "is_wayland", lambda: True)
    panel = panel_module.CoachPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.wayland_banner.isVisible()
    assert "QT_QPA_PLATFORM=xcb" in panel.wayland_banner.text()
    panel.show_state(PanelState(t=5.0))
    assert panel.wayland_banner.isVisible()  # it stays (said once, not repeated or flashed)


# ---------------------------------------------------------------------- layout: small, nothing overlaps or is cut off

LONG_STEP = StepChanged(
    20.0, "time_out", "Ask permission for a short hold, then check their file before you promise anything",
    say=("Maria Lopez, may I put you on a short hold while I pull up your file?",
         "Would it be all right if I check something and come straight back?"),
    do=("Listen to the whole story before you answer.", "Note the customer's name and use it from the start.",
        "Make sure you are the right person for this; if not, say who is and hand over properly."),
    avoid=("Don't interrupt.", "Don't take it personally; the anger is about the situation, not you.", "Refusing outright"),
    reason="anger stayed above 0.7 for 30 s in 'This is the third time I am calling about this outage'",
    previous="listen", transition="t1")
DEVICE_LOST = DeviceStatus(25.0, "customer", "lost", "The customer device 'softphone.monitor' stopped delivering "
                                                   "audio; coach will reconnect when it is back.")


def _long_state():
    from coach.events import CallStarted, StepChanged as Step

    start = [CallStarted(0.0, "test.wav", "whisper tiny.en (models/whisper)", "playbooks/default.yaml"),
             Step(0.0, "listen", "Listen", say=("How can I help?",))]
    return at_time(fold(start + [LONG_STEP]), 25.0)


def _shown(widget):
    return [w for w in widget.findChildren(type(widget.step_card.title)) if w.isVisibleTo(widget)]


def _assert_nothing_overlaps_or_clips(panel):
    """Every shown line has the height its text needs at its width, and no two shown parts overlap."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    assert panel.height() >= panel.needed_height(panel.width())
    for label in _shown(panel):
        need = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        assert label.height() >= need, f"{label.objectName()} is cut off: {label.height()} < {need} px ({label.text()[:40]!r})"
        if not label.wordWrap():
            assert label.width() >= label.sizeHint().width(), f"{label.objectName()} is cut off on the right"
    parts = [w for w in panel.stack if w.isVisibleTo(panel)]
    card = panel.step_card
    lines = [w for w in (card.meta, card.title, card.alert, card.say, card.do, card.avoid, card.why) if w.isVisibleTo(card)]
    for group in (parts, lines):
        for i, a in enumerate(group):
            assert QRect(0, 0, a.parentWidget().width(), a.parentWidget().height()).contains(a.geometry()), a.objectName()
            for b in group[i + 1:]:
                assert not a.geometry().intersects(b.geometry()), f"{a.objectName()} overlaps {b.objectName()}"
    assert card.title.geometry().bottom() < card.say.geometry().top()


def _save(panel, name):
    """COACH_TEST_SHOTS=DIR: keep a picture of each layout checked here, to look at."""
    import os

    if os.environ.get("COACH_TEST_SHOTS"):
        panel.grab().save(os.path.join(os.environ["COACH_TEST_SHOTS"], f"{name}.png"))


def test_the_panel_is_narrow_with_the_buttons_in_two_rows(panel, qtbot):
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_state(_long_state())
    assert panel.minimumSizeHint().width() <= 420
    assert panel.width() <= 440
    rows = {b.y() for b in [*panel.actions.buttons.values(), panel.actions.override]}
    assert len(rows) == 2
    expanded_min = panel.minimumSizeHint().width()
    panel.set_compact(True)
    assert panel.minimumSizeHint().width() < expanded_min and panel.width() < 420


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("compact", [False, True])
def test_a_long_step_with_a_banner_never_overlaps_or_is_cut_off(qtbot, tmp_path, monkeypatch, theme, compact):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    from PySide6.QtGui import QFontInfo
    from PySide6.QtWidgets import QApplication
    from coach.ui.panel import CoachPanel
    from coach.ui.theme import stylesheet

    QApplication.instance().setStyleSheet(stylesheet(theme))
    try:
        p = CoachPanel(theme=theme, compact=compact)
        qtbot.addWidget(p)
        p.show()
        qtbot.waitExposed(p)
        state = _long_state()
        p.show_state(state)
        _assert_nothing_overlaps_or_clips(p)
        assert QFontInfo(p.step_card.title.font()).pixelSize() >= 20  # still large type
        assert QFontInfo(p.step_card.say.font()).pixelSize() >= 14
        p.show_state(reduce(state, DEVICE_LOST))
        p.show_notice("warning", "No audio output device: the replay runs without sound.")
        _assert_nothing_overlaps_or_clips(p)
        _save(p, f"{theme}-{'compact' if compact else 'expanded'}-banners")
        p.set_compact(not compact)  # compact -> expand (and back) keeps every line whole
        _assert_nothing_overlaps_or_clips(p)
        p.set_compact(compact)
        _assert_nothing_overlaps_or_clips(p)
    finally:
        QApplication.instance().setStyleSheet("")


def test_the_agent_cannot_squash_the_step_by_making_the_window_small(panel, qtbot):
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_state(reduce(_long_state(), DEVICE_LOST))
    panel.resize(panel.minimumSizeHint().width(), 200)  # narrower (more lines) and far too short
    qtbot.waitUntil(lambda: panel.height() >= panel.needed_height(panel.width()))
    _assert_nothing_overlaps_or_clips(panel)
    panel.set_compact(True)
    panel.resize(panel.width(), 120)
    _assert_nothing_overlaps_or_clips(panel)


def test_a_banner_does_not_move_the_step_card(panel, qtbot):
    from PySide6.QtWidgets import QApplication

    for compact in (False, True):
        panel.set_compact(compact)
        panel.show()
        state = _long_state()
        panel.show_state(state)
        QApplication.processEvents()
        before = panel.step_card.title.mapTo(panel, panel.step_card.title.rect().topLeft())
        panel.show_state(reduce(state, DEVICE_LOST))
        QApplication.processEvents()
        assert panel.device_banner.isVisible()
        assert panel.step_card.title.mapTo(panel, panel.step_card.title.rect().topLeft()) == before
        assert panel.device_banner.y() > panel.step_card.geometry().bottom()


def test_every_thing_to_do_is_shown_expanded_and_the_first_compact(panel, qtbot):
    panel.show()
    panel.show_state(_long_state())
    do = panel.step_card.do
    assert do.isVisible()
    assert all(item in do.text() for item in ("Listen to the whole story", "Note the customer's name and use it",
                                              "say who is and hand over properly"))
    assert "Refusing outright" not in panel.step_card.say.text()
    panel.set_compact(True)
    assert do.isVisible() and "Listen to the whole story" in do.text() and "Note the customer" not in do.text()


def test_what_to_avoid_reads_without_a_double_negative(panel, qtbot):
    from coach.ui.widgets import avoid_text

    panel.show()
    panel.show_state(_long_state())
    text = panel.step_card.avoid.text()
    assert "Don't interrupt" in text and "Don't take it personally" in text
    assert "Avoid: Don't" not in text and "Avoid Don't" not in text
    assert "Avoid: Refusing outright" in text  # a phrase without "don't" says "avoid", in the playbook's words
    assert avoid_text("Don’t argue back.") == "Don’t argue back"
    assert avoid_text("Never promise a date") == "Never promise a date"


def test_dismissed_names_no_key_it_may_not_have_come_from(panel, qtbot):
    from coach.events import AgentAction

    panel.show()
    state = reduce(_long_state(), AgentAction(25.0, "dismiss", "time_out"))
    panel.show_state(state)
    meta = panel.step_card.meta.text()
    assert "dismissed" in meta and "Esc" not in meta and "Ctrl" not in meta


@pytest.mark.parametrize("action, words", [("summarized", "Summarized"), ("hold", "On hold"),
                                           ("back_from_hold", "Back from hold"), ("escalated", "Escalated"),
                                           ("warned", "Warned"), ("end_call", "Ending the call")])
def test_each_button_the_coach_took_in_is_acknowledged_briefly(panel, qtbot, action, words):
    from coach.events import AgentAction
    from coach.ui.panel import ACK_SECONDS

    panel.show()
    state = at_time(reduce(_long_state(), AgentAction(177.0, action, "time_out")), 178.0)
    panel.show_state(state)
    assert panel.ack.isVisible() and panel.ack.text() == f"✔ {words} at 2:57"
    assert panel.actions.buttons[action].property("ack") is True
    assert not any(b.property("ack") for a, b in panel.actions.buttons.items() if a != action)
    assert panel.step_card.title.text().startswith("Ask permission")  # the step stands; only the line says so
    _assert_nothing_overlaps_or_clips(panel)
    panel.set_compact(True)  # the keys work in compact mode: so does the acknowledgement
    assert panel.ack.isVisible()
    panel.show_state(at_time(state, 177.0 + ACK_SECONDS + 0.1))
    assert not panel.ack.isVisible() and not panel.actions.buttons[action].property("ack")


def test_first_opens_at_the_right_edge_of_the_screen(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path / "fresh"))
    from coach.ui.panel import SCREEN_GAP, CoachPanel

    p = CoachPanel()
    qtbot.addWidget(p)
    area = p.screen().availableGeometry()
    assert p.x() == area.right() + 1 - p.width() - SCREEN_GAP and p.y() == area.top()
