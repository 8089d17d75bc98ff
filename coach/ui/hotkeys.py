"""System-wide shortcuts on X11: the agent's keys reach the panel while the softphone keeps the focus.

The panel never takes the keyboard focus (it would steal it from the softphone the
agent is typing in), so its one-key shortcuts only work after a deliberate click
with ``--keys``. What desktop tools that live beside another app do instead (OBS,
Discord, TeamSpeak push-to-talk) is a *global* hotkey with modifiers: the X server
hands ``Ctrl+Alt+S`` to whoever grabbed it, whichever window has the focus, and
every other key still goes to the focused window.

``X11Hotkeys`` grabs ``<modifiers>+<letter>`` on the root window over its own X
connection (libX11 through ctypes, no new dependency) and reads key presses on a
thread of its own; each press is emitted as the ``pressed(action)`` Qt signal, which
Qt queues to the GUI thread. A combination another program already holds is
reported (``taken``), never fought over. Wayland has no global grabs for clients;
there the panel says to use ``--keys`` (or run under XWayland).
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

import ctypes
import ctypes.util
import os
import select
import threading

from PySide6.QtCore import QObject, Signal

from coach.errors import CoachError

# X11 modifier masks (X.h)
MODIFIERS = {"shift": 1 << 0, "ctrl": 1 << 2, "control": 1 << 2, "alt": 1 << 3, "super": 1 << 6, "win": 1 << 6}
_LOCK, _NUMLOCK = 1 << 1, 1 << 4  # a grab must also cover Caps Lock and Num Lock being on
_KEY_PRESS, _GRAB_ASYNC = 2, 1

# (action, key): the panel's own letters; Esc is the window manager's, so dismiss is D here.
GLOBAL_KEYS = (
    ("summarized", "S"),
    ("hold", "H"),
    ("back_from_hold", "B"),
    ("escalated", "E"),
    ("warned", "W"),
    ("end_call", "X"),
    ("dismiss", "D"),
    ("override", "O"),
)
DEFAULT_MODIFIERS = "ctrl+alt"


def parse_modifiers(text: str) -> int:
    """``"ctrl+alt"`` -> the X modifier mask; raises ``CoachError`` naming what is wrong."""
    mask = 0
    for part in (p.strip().lower() for p in text.split("+")):
        if part not in MODIFIERS:
            raise CoachError(f"Unknown modifier '{part}' in --hotkeys {text}; combine ctrl, alt, shift and super "
                             "(e.g. --hotkeys ctrl+alt), or give --hotkeys off.")
        mask |= MODIFIERS[part]
    if not mask & (MODIFIERS["ctrl"] | MODIFIERS["alt"] | MODIFIERS["super"]):
        raise CoachError(f"--hotkeys {text} would take plain letters from every window; include ctrl, alt or super.")
    return mask


def label(modifiers: str, key: str) -> str:
    names = {"ctrl": "Ctrl", "control": "Ctrl", "alt": "Alt", "shift": "Shift", "super": "Super", "win": "Super"}
    return "+".join([names[p.strip().lower()] for p in modifiers.split("+")] + [key])


class _XKeyEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("root", ctypes.c_ulong),
        ("subwindow", ctypes.c_ulong), ("time", ctypes.c_ulong), ("x", ctypes.c_int), ("y", ctypes.c_int),
        ("x_root", ctypes.c_int), ("y_root", ctypes.c_int), ("state", ctypes.c_uint), ("keycode", ctypes.c_uint),
        ("same_screen", ctypes.c_int),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xkey", _XKeyEvent), ("pad", ctypes.c_long * 24)]


class _XErrorEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("display", ctypes.c_void_p), ("resourceid", ctypes.c_ulong),
                ("serial", ctypes.c_ulong), ("error_code", ctypes.c_ubyte), ("request_code", ctypes.c_ubyte),
                ("minor_code", ctypes.c_ubyte)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_XErrorEvent))


def _xlib():
    name = ctypes.util.find_library("X11")
    if not name:
        return None
    x = ctypes.CDLL(name)
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XStringToKeysym.restype = ctypes.c_ulong
    x.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x.XKeysymToKeycode.restype = ctypes.c_ubyte
    x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x.XGrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                           ctypes.c_int]
    x.XUngrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong]
    x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x.XPending.argtypes = [ctypes.c_void_p]
    x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XEvent)]
    x.XConnectionNumber.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    x.XSetErrorHandler.restype = ctypes.c_void_p
    x.XSetErrorHandler.argtypes = [ctypes.c_void_p]
    return x


class X11Hotkeys(QObject):
    """Grabs ``modifiers+key`` for each of ``keys`` (action, key) on an X display; emits ``pressed(action)``.

    ``start()`` returns False (with ``problem`` saying why) where it cannot work: no
    X display, no libX11. Combinations other programs hold are listed in ``taken``.
    """

    pressed = Signal(str)

    def __init__(self, modifiers: str = DEFAULT_MODIFIERS, keys=GLOBAL_KEYS, display: str | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.modifiers = modifiers
        self.mask = parse_modifiers(modifiers)
        self.keys = tuple(keys)
        self.display_name = display if display is not None else os.environ.get("DISPLAY", "")
        self.grabbed: list[str] = []  # actions whose combination this process holds
        self.taken: list[str] = []  # labels of combinations another program holds
        self.problem = ""
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = -1, -1
        self._ready = threading.Event()

    def start(self) -> bool:
        if not self.display_name:
            self.problem = "there is no X display (DISPLAY is not set)"
            return False
        x = _xlib()
        if x is None:
            self.problem = "libX11 is not installed"
            return False
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, args=(x,), name="coach-hotkeys", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return bool(self.grabbed)

    def labels(self) -> dict[str, str]:
        """action -> "Ctrl+Alt+S" for the combinations that work."""
        return {action: label(self.modifiers, key) for action, key in self.keys if action in self.grabbed}

    def stop(self) -> None:
        if self._thread is None:
            return
        os.write(self._wake_w, b"x")
        self._thread.join(5)
        os.close(self._wake_r)
        os.close(self._wake_w)
        self._thread = None

    # ------------------------------------------------------------------ the X thread

    def _run(self, x) -> None:
        display = x.XOpenDisplay(self.display_name.encode())
        if not display:
            self.problem = f"cannot open the X display {self.display_name}"
            self._ready.set()
            return
        try:
            root = x.XDefaultRootWindow(display)
            by_code = self._grab(x, display, root)
            self._ready.set()
            self._loop(x, display, by_code)
            for code in by_code:
                for extra in (0, _LOCK, _NUMLOCK, _LOCK | _NUMLOCK):
                    x.XUngrabKey(display, code, self.mask | extra, root)
            x.XSync(display, 0)
        finally:
            self._ready.set()
            x.XCloseDisplay(display)

    def _grab(self, x, display, root) -> dict[int, str]:
        """Grab each combination; one that another client holds fails with BadAccess and is left to it."""
        failed: list[int] = []

        def on_error(_display, error) -> int:  # only while grabbing: Xlib's default handler would exit
            failed.append(error.contents.serial)
            return 0

        handler = _ERROR_HANDLER(on_error)
        previous = x.XSetErrorHandler(ctypes.cast(handler, ctypes.c_void_p))
        by_code: dict[int, str] = {}
        try:
            for action, key in self.keys:
                code = x.XKeysymToKeycode(display, x.XStringToKeysym(key.lower().encode()))
                if not code:
                    continue
                del failed[:]
                for extra in (0, _LOCK, _NUMLOCK, _LOCK | _NUMLOCK):
                    x.XGrabKey(display, code, self.mask | extra, root, 1, _GRAB_ASYNC, _GRAB_ASYNC)
                x.XSync(display, 0)  # errors for these grabs arrive now
                if failed:
                    self.taken.append(label(self.modifiers, key))
                    for extra in (0, _LOCK, _NUMLOCK, _LOCK | _NUMLOCK):
                        x.XUngrabKey(display, code, self.mask | extra, root)
                    x.XSync(display, 0)
                    continue
                by_code[code] = action
                self.grabbed.append(action)
        finally:
            x.XSetErrorHandler(previous)
        return by_code

    def _loop(self, x, display, by_code: dict[int, str]) -> None:
        fd = x.XConnectionNumber(display)
        event = _XEvent()
        while True:
            while x.XPending(display):
                x.XNextEvent(display, ctypes.byref(event))
                if event.type == _KEY_PRESS and event.xkey.keycode in by_code:
                    self.pressed.emit(by_code[event.xkey.keycode])  # queued to the GUI thread
            readable, _, _ = select.select([fd, self._wake_r], [], [])
            if self._wake_r in readable:
                return


WAYLAND_KEYS = ("Wayland gives no program keys from other windows: click the buttons, or start with --keys and click "
                "the panel to use its letters (or run under XWayland: QT_QPA_PLATFORM=xcb).")


def attach(panel, modifiers: str, *, platform: str | None = None, display: str | None = None) -> X11Hotkeys | None:
    """Give ``panel`` system-wide shortcuts (``modifiers`` + its letters) where the platform allows it.

    Says in the panel, once, when they cannot work or a combination belongs to another program.
    """
    from PySide6.QtGui import QGuiApplication

    if modifiers.strip().lower() == "off":
        return None
    platform = platform if platform is not None else QGuiApplication.platformName()
    if platform.startswith("wayland"):
        panel.show_notice("info", WAYLAND_KEYS)
        return None
    if platform != "xcb":
        return None  # offscreen (tests, screenshots): no keyboard to share
    keys = X11Hotkeys(modifiers, display=display, parent=panel)
    if not keys.start():
        problem = keys.problem or f"{', '.join(keys.taken)} belong to other programs"
        panel.show_notice("info", f"Keys from any window are off ({problem}); click the buttons, or use --keys.")
        keys.stop()
        return None
    keys.pressed.connect(panel.actions.global_key)
    panel.actions.show_global_keys(keys.labels())
    if os.environ.get("WAYLAND_DISPLAY"):  # XWayland: the X server sees keys only while an X11 window has the focus
        panel.show_notice("info", "Under XWayland the Ctrl+Alt keys reach coach only while an X11 window has the focus; "
                                  "click the buttons otherwise, or use --keys.")
    if keys.taken:
        verb = "is" if len(keys.taken) == 1 else "are"
        panel.show_notice("info", f"{', '.join(keys.taken)} {verb} used by another program; click its button, or pick "
                                  "other keys with --hotkeys (e.g. super+shift).")
    return keys
