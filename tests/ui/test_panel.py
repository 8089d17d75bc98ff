"""The whole panel window: flags that keep it on top and out of focus, modes, banners, memory of place."""

from __future__ import annotations

import json

import pytest

from coach.events import DeviceStatus, PlaybookReloaded
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
