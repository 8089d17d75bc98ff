"""The trainer's replay: the same panel, driven by a recorded call, with a transport and a timeline.

A worker runs the real pipeline over the file in fast mode and fills a
``Recording``; the display clock (play, pause, speed, seek) picks a call time and
the panel shows ``recording.state_at(position)``: exactly what the live panel
would have shown then. If the display gets ahead of the analysis, it waits there
and says "analysing…".
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

from dataclasses import replace

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPainterPath, QPen, QPolygonF, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QVBoxLayout, QWidget

from coach.ui.panel import CoachPanel
from coach.ui.playclock import SPEEDS, PlayClock
from coach.ui.recording import Marker, Recording
from coach.ui.theme import PAINT
from coach.ui.viewmodel import PanelState
from coach.ui.widgets import ANNOUNCE_MS, clock_text

FRAME_MS = 40
MARKER_HIT_PX = 7


class TimelineView(QWidget):
    """The customer's mood over the whole call, with markers where steps changed and abuse happened.

    Clicking a marker jumps to it; clicking elsewhere jumps to that time.
    """

    seek = Signal(float)

    def __init__(self, theme: str = "dark", parent: QWidget | None = None):
        super().__init__(parent)
        self.colours = PAINT[theme]
        self.duration = 1.0
        self.analysed = 0.0
        self.position = 0.0
        self.mood: list[tuple[float, float]] = []
        self.markers: list[Marker] = []
        self.setMinimumHeight(86)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMouseTracking(True)
        self.setToolTip("Customer mood over the call. ▼ step changed, ✖ abuse, ● agent action. Click to jump.")

    def set_data(self, duration: float, analysed: float, mood, markers) -> None:
        self.duration = max(duration, 1.0)
        self.analysed = analysed
        self.mood, self.markers = mood, markers
        self.update()

    def set_position(self, t: float) -> None:
        if abs(t - self.position) > 1e-3:
            self.position = t
            self.update()

    def _plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(6, 16, -6, -14)

    def x_of(self, t: float) -> float:
        r = self._plot()
        return r.left() + min(max(t / self.duration, 0.0), 1.0) * r.width()

    def time_at(self, x: float) -> float:
        r = self._plot()
        return min(max((x - r.left()) / r.width(), 0.0), 1.0) * self.duration

    def marker_near(self, x: float) -> Marker | None:
        best = min(self.markers, key=lambda m: abs(self.x_of(m.t) - x), default=None)
        return best if best is not None and abs(self.x_of(best.t) - x) <= MARKER_HIT_PX else None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt): say what a marker is
        x = event.position().x()
        marker = self.marker_near(x)
        t = marker.t if marker else self.time_at(x)
        what = f"{marker.kind}: {marker.label}" if marker else "jump here"
        self.setToolTip(f"{clock_text(t)}  {what}")

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt)
        x = event.position().x()
        marker = self.marker_near(x)
        self.seek.emit(marker.t if marker else self.time_at(x))

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt)
        c = self.colours
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(c["bg"]))
        r = self._plot()
        if self.analysed < self.duration:  # not analysed yet: shaded
            x = self.x_of(self.analysed)
            p.fillRect(QRectF(x, r.top(), r.right() - x, r.height()), QColor(c["pending"]))
        p.setPen(QPen(QColor(c["grid"]), 1, Qt.PenStyle.DotLine))
        for level in (0.35, 0.65):
            y = r.bottom() - level * r.height()
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        font = QFont(p.font())
        font.setPointSizeF(7.5)
        p.setFont(font)
        p.setPen(QColor(c["text"]))
        p.drawText(QRectF(r.right() - 220, r.top() - 1, 220, 12), Qt.AlignmentFlag.AlignRight,
                   "customer anger over the call ↑")
        if self.mood:
            path = QPainterPath()
            for i, (t, a) in enumerate(self.mood):
                pt = QPointF(self.x_of(t), r.bottom() - min(max(a, 0.0), 1.0) * r.height())
                path.moveTo(pt) if i == 0 else path.lineTo(pt)
            p.setPen(QPen(QColor(c["line"]), 2))
            p.drawPath(path)
        for m in self.markers:
            x = self.x_of(m.t)
            colour = QColor(c.get(m.kind, c["text"]))
            p.setPen(QPen(colour, 1))
            if m.kind == "step":
                p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
                p.setBrush(colour)
                p.drawPolygon(QPolygonF([QPointF(x - 5, 2), QPointF(x + 5, 2), QPointF(x, 11)]))
            elif m.kind == "abuse":
                p.setPen(QPen(colour, 2))
                y = r.bottom() + 7
                p.drawLine(QPointF(x - 4, y - 4), QPointF(x + 4, y + 4))
                p.drawLine(QPointF(x - 4, y + 4), QPointF(x + 4, y - 4))
            else:
                p.setBrush(colour)
                p.drawEllipse(QPointF(x, r.bottom() + 7), 3, 3)
        p.setPen(QColor(c["text"]))
        step = 60.0 if self.duration <= 600 else 300.0
        minute = 0.0
        while minute <= self.duration:
            x = self.x_of(minute)
            p.drawLine(QPointF(x, r.bottom() + 11), QPointF(x, r.bottom() + 13))
            left = min(max(x - 20, 0.0), self.width() - 40.0)  # keep the first and last labels inside
            p.drawText(QRectF(left, r.bottom() + 2, 40, 12), Qt.AlignmentFlag.AlignCenter, clock_text(minute))
            minute += step
        x = self.x_of(self.position)
        p.setPen(QPen(QColor(c["cursor"]), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()


class TransportBar(QWidget):
    """Play/pause (Space), speed (0.5x to 4x), a seek slider and the time."""

    play_toggled = Signal(bool)
    speed_changed = Signal(float)
    seek = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.play = QPushButton("▶ Play")
        self.play.setCheckable(True)
        self.play.toggled.connect(self._toggled)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(lambda i: self.speed_changed.emit(float(self.speed.itemData(i))))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 1000)
        self.slider.sliderMoved.connect(lambda v: self.seek.emit(v / 10.0))
        self.time = QLabel("0:00 / 0:00")
        self.status = QLabel("")
        self.status.setObjectName("phase")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.play, self.speed, self.slider, self.time, self.status):
            layout.addWidget(w, 1 if w is self.slider else 0)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.play.toggle)

    def _toggled(self, playing: bool) -> None:
        self.play.setText("❚❚ Pause" if playing else "▶ Play")
        self.play_toggled.emit(playing)

    def show_position(self, t: float, duration: float) -> None:
        self.slider.setRange(0, max(1, int(duration * 10)))
        if not self.slider.isSliderDown():
            self.slider.setValue(int(t * 10))
        self.time.setText(f"{clock_text(t)} / {clock_text(duration)}")


class ReplayWindow(QWidget):
    """Panel + timeline + transport over a ``Recording`` that a worker may still be filling."""

    position_shown = Signal(float)

    def __init__(self, recording: Recording, *, title: str = "", theme: str = "dark", compact: bool = False,
                 player=None, clock: PlayClock | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setWindowTitle(f"coach replay — {title}" if title else "coach replay")
        self.recording = recording
        self.player = player
        self.clock = clock or PlayClock()
        self.duration_hint = 0.0  # the audio's length, when known before the analysis ends
        self.panel = CoachPanel(theme=theme, compact=compact, top_level=False, remember=False)
        self.timeline = TimelineView(theme)
        self.transport = TransportBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.timeline)
        layout.addWidget(self.transport)
        self.transport.play_toggled.connect(self.set_playing)
        self.transport.speed_changed.connect(self.set_speed)
        self.transport.seek.connect(self.seek)
        self.timeline.seek.connect(self.seek)
        self._hint: tuple[int, PanelState] | None = None
        self._markers_seen = -1
        self._audio_waiting = False
        self._timer = QTimer(self, interval=FRAME_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        if player is not None and not player.available and player.problem:
            self.panel.show_notice("info", player.problem)
        self.resize(760, 820)
        self.refresh()

    # ------------------------------------------------------------------ transport

    def set_playing(self, playing: bool) -> None:
        if playing:
            if self.clock.position() >= self.duration - 0.05 and self.recording.finished.is_set():
                self.clock.seek(0.0)
            self.clock.play()
            if self.player:
                self.player.play(self.clock.position())
        else:
            self.clock.pause(self.duration)
            if self.player:
                self.player.pause()
        if self.transport.play.isChecked() != playing:
            self.transport.play.setChecked(playing)
        self.refresh()

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        if self.player:
            self.player.set_speed(speed)

    def seek(self, t: float) -> None:
        self.clock.seek(min(max(0.0, t), self.duration))
        if self.player:
            self.player.seek(self.clock.position())
        self.refresh()

    @property
    def duration(self) -> float:
        return max(self.recording.duration, self.duration_hint)

    # ------------------------------------------------------------------ display

    def refresh(self) -> None:
        analysed = self.recording.analysed_until
        pos = self.clock.position(self.duration)
        waiting = pos > analysed
        if waiting:
            self.clock.hold_at(analysed)  # the display waits for the analysis
            pos = analysed
        elif self.recording.finished.is_set() and pos >= self.duration and self.clock.playing:
            self.set_playing(False)
        if self.player is not None and self.clock.playing and waiting != self._audio_waiting:
            self.player.pause() if waiting else self.player.play(pos)  # the sound waits with the display
        self._audio_waiting = waiting
        self._hint = self.recording.state_at(pos, self._hint)
        state = self._hint[1]
        if waiting:
            state = replace(state, phase="loading", phase_detail="analysing…")
        elif state.phase == "ended" and pos < self.duration:
            state = replace(state, phase="listening")
        self.panel.show_state(state)
        if state.step is not None and state.time_in_step * 1000 > ANNOUNCE_MS:
            self.panel.step_card.settle()  # a seek into a step that stands is no new step to announce
        if self.recording.error:
            self.panel.show_notice("error", self.recording.error)
        n = len(self.recording)
        if n != self._markers_seen:
            self._markers_seen = n
            markers, mood = self.recording.snapshot_markers()
            self.timeline.set_data(self.duration, min(analysed, self.duration), mood, markers)
        self.timeline.set_position(pos)
        self.transport.show_position(pos, self.duration)
        self.transport.status.setText("analysing…" if waiting or not self.recording.finished.is_set() else "")
        self.position_shown.emit(pos)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        self._timer.stop()
        if self.player:
            self.player.close()
        super().closeEvent(event)
