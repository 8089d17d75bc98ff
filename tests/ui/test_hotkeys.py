"""Global shortcuts on a real X server (a private Xvfb): Ctrl+Alt+<key> reaches the panel while
another window has the keyboard focus, and the panel keeps the flags that keep it out of focus."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess

import pytest

from coach.errors import CoachError


@pytest.fixture
def xserver():
    """A private Xvfb; ``-displayfd`` tells when it is ready and which display it took."""
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "800x600x24"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()  # blocks until the server is up
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


class FakeKeyboard:
    """Types on the X server through the XTEST extension, as a real keyboard would (grabs apply)."""

    def __init__(self, display: str):
        self.x = ctypes.CDLL(ctypes.util.find_library("X11"))
        name = ctypes.util.find_library("Xtst")
        if not name:
            pytest.skip("libXtst is not installed (apt-get install libxtst6)")
        self.xtst = ctypes.CDLL(name)
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XStringToKeysym.restype = ctypes.c_ulong
        self.x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x.XFlush.argtypes = [ctypes.c_void_p]
        self.x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self.display = self.x.XOpenDisplay(display.encode())
        assert self.display, f"cannot open {display}"

    def chord(self, *keys: str) -> None:
        codes = [self.x.XKeysymToKeycode(self.display, self.x.XStringToKeysym(k.encode())) for k in keys]
        for code in codes:
            self.xtst.XTestFakeKeyEvent(self.display, code, 1, 0)
        for code in reversed(codes):
            self.xtst.XTestFakeKeyEvent(self.display, code, 0, 0)
        self.x.XFlush(self.display)

    def close(self) -> None:
        self.x.XCloseDisplay(self.display)


@pytest.fixture
def keyboard(xserver):
    kb = FakeKeyboard(xserver)
    yield kb
    kb.close()


def test_ctrl_alt_letters_reach_the_panel_actions_from_anywhere(qtbot, xserver, keyboard):
    from coach.ui.hotkeys import X11Hotkeys

    keys = X11Hotkeys("ctrl+alt", display=xserver)
    assert keys.start(), keys.problem
    try:
        assert set(keys.grabbed) >= {"summarized", "hold", "back_from_hold", "escalated", "warned", "end_call", "dismiss"}
        assert keys.labels()["warned"] == "Ctrl+Alt+W"
        with qtbot.waitSignal(keys.pressed, timeout=5000) as sig:
            keyboard.chord("Control_L", "Alt_L", "w")
        assert sig.args == ["warned"]
        with qtbot.waitSignal(keys.pressed, timeout=5000) as sig:
            keyboard.chord("Caps_Lock", "Control_L", "Alt_L", "s")  # Caps Lock on must not matter
        keyboard.chord("Caps_Lock")
        assert sig.args == ["summarized"]
        with qtbot.assertNotEmitted(keys.pressed, wait=300):
            keyboard.chord("w")  # plain letters stay with the focused window
    finally:
        keys.stop()


def test_a_combination_another_program_holds_is_reported_not_fought_over(qtbot, xserver):
    from coach.ui.hotkeys import X11Hotkeys

    other = X11Hotkeys("ctrl+alt", keys=(("hold", "H"),), display=xserver)  # another X client holds Ctrl+Alt+H
    assert other.start()
    ours = X11Hotkeys("ctrl+alt", display=xserver)
    try:
        assert ours.start()
        assert ours.taken == ["Ctrl+Alt+H"] and "hold" not in ours.grabbed and "warned" in ours.grabbed
    finally:
        ours.stop()
        other.stop()


def test_without_an_x_display_it_says_why():
    from coach.ui.hotkeys import X11Hotkeys

    keys = X11Hotkeys(display="")
    assert not keys.start() and "no X display" in keys.problem


def test_modifiers_are_checked():
    from coach.ui.hotkeys import parse_modifiers

    assert parse_modifiers("ctrl+alt") == (1 << 2) | (1 << 3)
    with pytest.raises(CoachError, match="Unknown modifier 'hyper'"):
        parse_modifiers("ctrl+hyper")
    with pytest.raises(CoachError, match="plain letters"):
        parse_modifiers("shift")


SOFTPHONE_AND_PANEL = r"""
import json, os, sys
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
app = QApplication([])
from coach.ui.hotkeys import attach
from coach.ui.panel import CoachPanel

softphone = QLineEdit()
softphone.setWindowTitle("softphone")
softphone.show()
softphone.activateWindow()
panel = CoachPanel()
panel.show()
actions = []
panel.action.connect(lambda action, step: actions.append(action))
keys = attach(panel, "ctrl+alt")
loop = QEventLoop()
def check():
    if app.focusWindow() is softphone.windowHandle() and keys is not None and not hasattr(check, "said"):
        check.said = True
        print("ready", flush=True)  # the test types now
    if actions and softphone.text():
        loop.quit()
poll = QTimer(interval=20, timeout=check)
poll.start()
QTimer.singleShot(20000, loop.quit)
loop.exec()
flags = panel.windowFlags()
print(json.dumps({
    "actions": actions, "softphone_text": softphone.text(),
    "focus": app.focusWindow().title() if app.focusWindow() else None, "panel_active": panel.isActiveWindow(),
    "no_focus_flag": bool(flags & Qt.WindowType.WindowDoesNotAcceptFocus),
    "on_top_flag": bool(flags & Qt.WindowType.WindowStaysOnTopHint),
    "hint": panel.actions.hint.text(), "hint_shown": panel.actions.hint.isVisibleTo(panel),
}), flush=True)
keys.stop()
"""


def test_the_softphone_keeps_the_focus_while_global_keys_reach_the_panel(xserver, keyboard, tmp_path):
    """Real Qt on X11: a 'softphone' window has the focus; Ctrl+Alt+W reaches the panel, a plain key the softphone."""
    import json
    import sys

    env = dict(os.environ, DISPLAY=xserver, QT_QPA_PLATFORM="xcb", COACH_CONFIG_DIR=str(tmp_path))
    app = subprocess.Popen([sys.executable, "-c", SOFTPHONE_AND_PANEL], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        first = app.stdout.readline()  # "ready" once the softphone has the focus and the keys are grabbed
        assert first.strip() == "ready", app.stderr.read()[-2000:]
        keyboard.chord("Control_L", "Alt_L", "w")
        keyboard.chord("q")
        out, err = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
    result = json.loads(out.strip().splitlines()[-1])
    assert result["actions"] == ["warned"], (result, err[-2000:])
    assert result["softphone_text"] == "q"  # the plain key went to the softphone: it kept the focus
    assert result["focus"] == "softphone" and not result["panel_active"]
    assert result["no_focus_flag"] and result["on_top_flag"]  # the flags that keep updates out of focus stay set
    assert result["hint_shown"] and "Ctrl+Alt + S H B E W X" in result["hint"], result


def test_attach_says_what_to_do_on_wayland_and_stays_quiet_offscreen(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    from coach.ui.hotkeys import attach
    from coach.ui.panel import CoachPanel

    panel = CoachPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert attach(panel, "off", platform="xcb") is None and not panel.notice_banner.isVisible()
    assert attach(panel, "ctrl+alt", platform="offscreen") is None and not panel.notice_banner.isVisible()
    assert attach(panel, "ctrl+alt", platform="wayland") is None
    assert panel.notice_banner.isVisible() and "--keys" in panel.notice_banner.text()


def test_attach_on_x11_names_the_keys_under_the_buttons(qtbot, tmp_path, monkeypatch, xserver):
    monkeypatch.setenv("COACH_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    from coach.ui.hotkeys import attach
    from coach.ui.panel import CoachPanel

    panel = CoachPanel()
    qtbot.addWidget(panel)
    panel.show()
    keys = attach(panel, "super+shift", platform="xcb", display=xserver)
    try:
        assert keys is not None
        assert panel.actions.hint.text().startswith("⌨ From any window: Super+Shift + S H B E W X")
        assert "Super+Shift+W from any window" in panel.actions.buttons["warned"].toolTip()
        panel.actions.current_step = "vent"
        with qtbot.waitSignal(panel.action) as sig:
            keys.pressed.emit("warned")  # what the X thread emits on the key press (tested above with XTEST)
        assert sig.args == ["warned", "vent"]
    finally:
        keys.stop()
