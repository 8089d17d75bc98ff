"""The coaching panel: a small always-on-top window beside the softphone.

It shows one ``PanelState`` (``show_state``) and reports the agent's buttons as
``action(action, step)``. It never takes keyboard focus from the softphone: the
window is created with ``WindowDoesNotAcceptFocus`` and ``WA_ShowWithoutActivating``
and is never raised or activated on updates. Where it was and how big it was (and
compact or expanded) are remembered in ``<user config>/panel.json``.
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

import json
from pathlib import Path

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from coach.paths import user_config_dir
from coach.ui.viewmodel import PanelState
from coach.ui.widgets import AbuseView, ActionBar, Banner, MoodView, StepCard, TimersView, TranscriptView, clock_text

WAYLAND_NOTICE = (
    "Wayland does not let the panel keep itself on top. Run it with QT_QPA_PLATFORM=xcb (XWayland) "
    "or add an 'always on top' rule for 'coach' in your compositor."
)
PANEL_FLAGS = Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.WindowDoesNotAcceptFocus


def settings_path() -> Path:
    return user_config_dir() / "panel.json"


def is_wayland() -> bool:
    return QGuiApplication.platformName().startswith("wayland")


class CoachPanel(QWidget):
    action = Signal(str, object)  # (agent action, step); see coach.events.AGENT_ACTIONS
    step_announced = Signal(str)  # a new step was shown (once per change)
    rendered = Signal(object)  # the PanelState just shown

    def __init__(self, *, theme: str = "dark", compact: bool = False, top_level: bool = True,
                 remember: bool = True, sound: bool = False, focusable: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setWindowTitle("coach")
        self.theme = theme
        self.sound = sound
        self.remember = remember and top_level
        self.state = PanelState()
        if top_level:
            # focusable: a click may focus the panel (so its one-key shortcuts work);
            # updates still never activate it (WA_ShowWithoutActivating, no raise_()).
            flags = PANEL_FLAGS & ~Qt.WindowType.WindowDoesNotAcceptFocus if focusable else PANEL_FLAGS
            self.setWindowFlags(flags)
            self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.phase = QLabel()
        self.phase.setObjectName("phase")
        self.phase.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the panel
        self.phase.setMinimumWidth(120)
        self.customer = QLabel()
        self.customer.setObjectName("customer")
        self.mode = QToolButton(checkable=True)
        self.mode.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mode.setToolTip("Compact: the current step only (C)")
        self.mode.toggled.connect(self.set_compact)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.phase, 1)
        header.addWidget(self.customer)
        header.addWidget(self.mode)

        self.wayland_banner = Banner()
        self.playbook_banner = Banner()
        self.device_banner = Banner()
        self.notice_banner = Banner()  # one-off notices (no audio output, pipeline stopped)
        self.step_card = StepCard()
        self.mood = MoodView(theme)
        self.abuse = AbuseView()
        self.timers = TimersView()
        self.transcript = TranscriptView()
        self.actions = ActionBar(shortcut_host=self)
        self.actions.action.connect(self.action)
        from PySide6.QtGui import QKeySequence, QShortcut

        QShortcut(QKeySequence("C"), self, context=Qt.ShortcutContext.WindowShortcut).activated.connect(self.mode.toggle)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        layout.addLayout(header)
        for w in (self.wayland_banner, self.playbook_banner, self.device_banner, self.notice_banner, self.step_card,
                  self.timers, self.mood, self.abuse, self.transcript, self.actions):
            layout.addWidget(w)
        self.expanded_only = (self.mood, self.abuse, self.transcript, self.actions)
        self._geometry_timer = QTimer(self, singleShot=True, interval=400)
        self._geometry_timer.timeout.connect(self.save_geometry)
        self._compact = False
        self.resize(420, 560)
        restored = self.restore_geometry() if self.remember else None
        self.set_compact(compact if restored is None else (compact or restored))
        if top_level and is_wayland():
            self.wayland_banner.show_message("info", WAYLAND_NOTICE)
        self.show_state(self.state)

    # ------------------------------------------------------------------ modes

    @property
    def compact(self) -> bool:
        return self._compact

    def set_compact(self, compact: bool) -> None:
        self._compact = bool(compact)
        if self.mode.isChecked() != self._compact:
            self.mode.setChecked(self._compact)
        self.mode.setText("⤢ Expand" if self._compact else "⤡ Compact")
        for w in self.expanded_only:
            w.setVisible(not self._compact)
        self.show_state(self.state)
        if self.isWindow():
            self.adjustSize() if self._compact else None
        self._geometry_timer.start()

    # ------------------------------------------------------------------ state

    def show_state(self, state: PanelState) -> None:
        """Show ``state``; cheap when little changed (call it at display rate)."""
        self.state = state
        phase = {"starting": "○ starting", "loading": "◌ loading models", "listening": "● listening",
                 "ended": "■ call ended", "failed": "✖ stopped"}.get(state.phase, state.phase)
        detail = state.phase_detail or (state.engine if state.phase == "listening" else state.end_reason)
        short = detail.split(" (")[0]  # "whisper tiny.en (model path)" -> "whisper tiny.en"; the tooltip has it all
        show_detail = short and not (self._compact and state.phase == "listening")  # compact: no room for the engine
        self.phase.setText(f"{phase} · {clock_text(state.t)}" + (f" · {short}" if show_detail else ""))
        self.phase.setToolTip(detail)
        self.customer.setText(f"Customer: {state.customer_name}" if state.customer_name else "")
        step = state.step
        self.actions.current_step = step.step if step else None
        if self.step_card.show_step(step, dismissed=state.dismissed, time_in_step=state.time_in_step, compact=self._compact,
                                    alerts=state.alerts):
            self.step_announced.emit(step.step)
            if self.sound:
                QApplication.beep()
        if state.playbook_errors:
            first = state.playbook_errors[0]
            more = f" (+{len(state.playbook_errors) - 1} more)" if len(state.playbook_errors) > 1 else ""
            self.playbook_banner.show_message(
                "error", f"The edited playbook did not load; the last good one keeps running. Fix: {first}{more}")
        else:
            self.playbook_banner.clear_message()
        notice = state.device_notice  # icon + words: lost ✖, silent/dropped ⚠, back again ✔
        if notice:
            self.device_banner.show_message(*notice)
        else:
            self.device_banner.clear_message()
        self.timers.show_state(state)
        if not self._compact:
            self.mood.show_state(state)
            self.abuse.show_state(state)
            self.transcript.show_state(state)
        self.rendered.emit(state)

    def show_notice(self, level: str, text: str) -> None:
        self.notice_banner.show_message(level, text)

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.actions.step_choices = list(choices)

    # ------------------------------------------------------------------ where it was

    def restore_geometry(self) -> bool | None:
        """Move to the remembered place (if it is still on a screen); returns the remembered compact mode."""
        try:
            data = json.loads(settings_path().read_text(encoding="utf-8"))
            rect = QRect(int(data["x"]), int(data["y"]), int(data["w"]), int(data["h"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if any(s.availableGeometry().intersects(rect) for s in QGuiApplication.screens()):
            self.setGeometry(rect)
        return bool(data.get("compact", False))

    def save_geometry(self) -> None:
        if not self.remember or not self.isVisible():
            return
        g = self.geometry()
        data = {"x": g.x(), "y": g.y(), "w": g.width(), "h": g.height(), "compact": self._compact}
        try:
            path = settings_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data), encoding="utf-8")
        except OSError:
            pass  # a read-only config folder must not stop coaching

    def moveEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().moveEvent(event)
        self._geometry_timer.start()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._geometry_timer.start()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.save_geometry()
        super().closeEvent(event)
