"""The coaching panel: a small always-on-top window beside the softphone.

It shows one ``PanelState`` (``show_state``) and reports the agent's buttons as
``action(action, step)``. It never takes keyboard focus from the softphone: the
window is created with ``WindowDoesNotAcceptFocus`` and ``WA_ShowWithoutActivating``
and is never raised or activated on updates. Where it was and how big it was (and
compact or expanded) are remembered in ``<user config>/panel.json``; the first time, it
opens at the right edge of the screen, where it sits beside a softphone.

Its height follows its text: every line wraps, and the window is never shorter than
the height its lines need at its width (it grows when a banner appears; in expanded
mode the transcript gives up its room first). Nothing overlaps and nothing is cut off.
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

import json
from pathlib import Path

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from coach.paths import user_config_dir
from coach.ui.viewmodel import PanelState
from coach.ui.widgets import AbuseView, ActionBar, Banner, MoodView, StepCard, TimersView, TranscriptView, clock_text

WAYLAND_NOTICE = (
    "Wayland does not let the panel keep itself on top. Run it with QT_QPA_PLATFORM=xcb (XWayland) "
    "or add an 'always on top' rule for 'coach' in your compositor."
)
EXPANDED_SIZE = (420, 640)  # the first size of the expanded panel (it grows if its text needs more)
COMPACT_WIDTH = 340
SCREEN_GAP = 16  # px left between the panel and the right edge of the screen (the window frame's width, roughly)
ACK_SECONDS = 6.0  # how long "✔ Warned at 2:57" stays after the coach took in a button
ACK_WORDS = {"summarized": "Summarized", "hold": "On hold", "back_from_hold": "Back from hold",
             "escalated": "Escalated", "warned": "Warned", "end_call": "Ending the call",
             "dismiss": "Suggestion dismissed", "override": "Step chosen by hand"}
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
        self.phase.setWordWrap(True)  # never widens the panel: a long engine name wraps
        self.customer = QLabel()
        self.customer.setObjectName("customer")
        self.mode = QToolButton(checkable=True)
        self.mode.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mode.setToolTip("Compact: the current step only (C)")
        self.mode.toggled.connect(self.set_compact)
        self.header = QWidget()
        header = QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.phase, 1)
        header.addWidget(self.customer, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.mode, 0, Qt.AlignmentFlag.AlignTop)

        self.wayland_banner = Banner()
        self.playbook_banner = Banner()
        self.device_banner = Banner()
        self.notice_banner = Banner()  # one-off notices (no audio output, pipeline stopped)
        self.step_card = StepCard()
        self.ack = QLabel()  # "✔ Warned at 2:57": the coach took in a button or key
        self.ack.setObjectName("ack")
        self.ack.setWordWrap(True)
        self.ack.setVisible(False)
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
        # Banners come under the step card: one appearing never moves the step the agent is reading.
        self.stack = (self.header, self.step_card, self.ack, self.timers, self.wayland_banner, self.playbook_banner,
                      self.device_banner, self.notice_banner, self.mood, self.abuse, self.transcript, self.actions)
        for w in self.stack:
            layout.addWidget(w, 1 if w is self.transcript else 0)
            if w is self.transcript:
                layout.addStretch(0)  # takes the room a collapsed transcript leaves; the buttons stay at the bottom
        self.expanded_only = (self.mood, self.abuse, self.transcript, self.actions)
        self._geometry_timer = QTimer(self, singleShot=True, interval=400)
        self._geometry_timer.timeout.connect(self.save_geometry)
        self._compact = False
        self._expanded_size = QSize(*EXPANDED_SIZE)
        self._compact_width = COMPACT_WIDTH
        self._fitting = False
        self._placed = False  # True once a remembered place is restored
        self.resize(self._expanded_size)
        restored = self.restore_geometry() if self.remember else None
        if top_level and not self._placed:
            self.place_at_screen_edge()
        self.set_compact(compact if restored is None else (compact or restored))
        if top_level and is_wayland():
            self.wayland_banner.show_message("info", WAYLAND_NOTICE)
        self.show_state(self.state)

    # ------------------------------------------------------------------ modes

    @property
    def compact(self) -> bool:
        return self._compact

    def set_compact(self, compact: bool) -> None:
        was = self._compact
        if compact and not was and self.isWindow():
            self._expanded_size = self.size()  # the agent's expanded size comes back with "Expand"
        elif was and not compact and self.isWindow():
            self._compact_width = self.width()
        self._compact = bool(compact)
        if self.mode.isChecked() != self._compact:
            self.mode.setChecked(self._compact)
        self.mode.setText("⤢ Expand" if self._compact else "⤡ Compact")
        for w in self.expanded_only:
            w.setVisible(not self._compact)
        self.show_state(self.state)
        if self.isWindow() and was != self._compact:
            if self._compact:
                self.resize(self._compact_width, self.needed_height(self._compact_width))
            else:
                width = max(self._expanded_size.width(), self.minimumSizeHint().width())
                self.resize(width, max(self._expanded_size.height(), self.needed_height(width)))
        self.fit()
        self._geometry_timer.start()

    # ------------------------------------------------------------------ size

    def needed_height(self, width: int) -> int:
        """The height the panel's shown lines need at ``width``: each wrapped line at its height for that
        width, the transcript at its smallest."""
        self.ensurePolished()  # the stylesheet's fonts decide the heights
        layout = self.layout()
        m = layout.contentsMargins()
        inner = width - m.left() - m.right()
        heights = []
        for w in self.stack:
            if w.isHidden():
                continue
            h = w.heightForWidth(inner) if w.hasHeightForWidth() else -1
            heights.append(max(h, w.minimumSizeHint().height(), w.minimumHeight()))
        return sum(heights) + layout.spacing() * max(0, len(heights) - 1) + m.top() + m.bottom()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt): what adjustSize() and a parent layout ask for
        if not hasattr(self, "_expanded_size"):
            return super().sizeHint()
        if self._compact:
            return QSize(self._compact_width, self.needed_height(self._compact_width))
        width = self._expanded_size.width()
        return QSize(width, max(self._expanded_size.height(), self.needed_height(width)))

    def fit(self) -> None:
        """Keep the window at least as tall as its lines need (compact: exactly as tall); cheap when nothing changed."""
        if self._fitting:
            return
        self._fitting = True
        try:
            need = self.needed_height(self.width())
            if self.minimumHeight() != need:
                self.setMinimumHeight(need)  # the agent cannot drag it shorter and squash the step
            if self.isWindow() and (self.height() < need or (self._compact and self.height() != need)):
                self.resize(self.width(), need)
                self._keep_on_screen()
        finally:
            self._fitting = False

    def _keep_on_screen(self) -> None:
        """A window that grew past the bottom of the screen moves up (never above its top)."""
        screen = self.screen()
        if screen is None or not self.isVisible():
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry()
        if frame.bottom() > area.bottom():
            self.move(frame.x(), max(area.top(), frame.y() - (frame.bottom() - area.bottom())))

    def place_at_screen_edge(self) -> None:
        """At the right edge of the screen's free area, at its top: beside a softphone, not over it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None or screen.availableGeometry().isEmpty():
            return
        area = screen.availableGeometry()
        self.move(max(area.left(), area.right() + 1 - self.width() - SCREEN_GAP), area.top())

    def event(self, event) -> bool:  # noqa: D401 (Qt)
        done = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a line changed, a banner came or went, a hint appeared
            self.fit()
        return done

    # ------------------------------------------------------------------ state

    def show_state(self, state: PanelState) -> None:
        """Show ``state``; cheap when little changed (call it at display rate)."""
        self.state = state
        phase = state.phase_label  # agrees with the device banner: "✖ no audio" while every device is lost
        detail = state.phase_detail or (state.engine if state.phase == "listening" else state.end_reason)
        short = detail.split(" (")[0]  # "whisper tiny.en (model path)" -> "whisper tiny.en"; the tooltip has it all
        # Listening, the engine matters less than the customer's name: it goes to the tooltip when there is no room.
        show_detail = short and not (state.phase == "listening" and (self._compact or state.customer_name))
        self.phase.setText(f"{phase} · {clock_text(state.t)}" + (f" · {short}" if show_detail else ""))
        self.phase.setToolTip(detail)
        name = state.customer_name or ""
        self.customer.setText(name if self._compact or not name else f"Customer: {name}")
        self.customer.setToolTip(f"The customer: {name}" if name else "")
        step = state.step
        self.actions.current_step = step.step if step else None
        if self.step_card.show_step(step, dismissed=state.dismissed, time_in_step=state.time_in_step, compact=self._compact,
                                    alerts=state.alerts, waiting=state.waiting_text):
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
        act = state.last_action
        recent = act if act is not None and act.action in ACK_WORDS and 0.0 <= state.t - act.t < ACK_SECONDS else None
        self.ack.setText(f"✔ {ACK_WORDS[recent.action]} at {clock_text(recent.t)}" if recent else "")
        self.ack.setVisible(recent is not None)
        self.actions.acknowledge(recent.action if recent else None)
        if not self._compact:
            self.mood.show_state(state)
            self.abuse.show_state(state)
            self.transcript.show_state(state)
        self.fit()
        self.rendered.emit(state)

    def show_notice(self, level: str, text: str) -> None:
        self.notice_banner.show_message(level, text)
        self.fit()

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.actions.step_choices = list(choices)

    # ------------------------------------------------------------------ where it was

    def restore_geometry(self) -> bool | None:
        """Move to the remembered place (if it is still on a screen); returns the remembered compact mode."""
        self._placed = False
        try:
            data = json.loads(settings_path().read_text(encoding="utf-8"))
            rect = QRect(int(data["x"]), int(data["y"]), int(data["w"]), int(data["h"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        compact = bool(data.get("compact", False))
        if any(s.availableGeometry().intersects(rect) for s in QGuiApplication.screens()):
            self.setGeometry(rect)
            self._placed = True
            if compact:
                self._compact_width = rect.width()
            else:
                self._expanded_size = rect.size()
        return compact

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
        if event.size().width() != event.oldSize().width():
            QTimer.singleShot(0, self, self.fit)  # narrower: the wrapped lines need more height
        self._geometry_timer.start()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.save_geometry()
        super().closeEvent(event)
