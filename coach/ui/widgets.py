"""The panel's widgets. Each shows one part of a ``PanelState`` and is tested alone.

Colour never carries meaning alone: the mood has a word and an arrow, abuse has
counts and a warning mark, banners start with an icon and say what to do.
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

import html

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPainterPath, QPen, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coach.ui.theme import PAINT
from coach.ui.viewmodel import PanelState, StepView

ANNOUNCE_MS = 1500  # how long a new step is highlighted


def clock_text(seconds: float) -> str:
    m, s = divmod(int(max(0.0, seconds)), 60)
    return f"{m}:{s:02d}"


def mood_words(anger: float, trend: float) -> tuple[str, str, str]:
    """(word, arrow + trend word, colour key) for the customer's mood."""
    word, key = ("calm", "calm") if anger < 0.35 else ("tense", "tense") if anger < 0.65 else ("angry", "angry")
    if trend > 0.1:
        trend_text = "▲ heating up"
    elif trend < -0.1:
        trend_text = "▼ calming down"
    else:
        trend_text = "▶ steady"
    return word, trend_text, key


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _set_level(widget: QWidget, level: str) -> None:
    """Set the ``level`` property the stylesheets colour by; restyle only when it changes (display rate)."""
    if widget.property("level") != level:
        widget.setProperty("level", level)
        _repolish(widget)


def _label(name: str, *, wrap: bool = True, rich: bool = False) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(wrap)  # a wrapping label has a height for its width: the layouts give it that height
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


NEGATIONS = ("don't", "do not", "never", "no ", "not ", "avoid", "stop ")


def avoid_text(item: str) -> str:
    """One "avoid" item as it reads after a ✖: "Don't interrupt." stays; "Refusing outright" -> "Avoid: Refusing outright".

    The playbook's own words are kept; only a phrase that does not already say "don't" gets "Avoid:" in front
    (a label "Avoid: Don't interrupt" would be a double negative).
    """
    text = item.strip().rstrip(".")
    return text if text.lower().replace("\u2019", "'").startswith(NEGATIONS) else f"Avoid: {text}"


ROW_LABEL_PX = 34  # the "Say" / "Do" / "✖" column of the step card
BULLET_PX = 12


def _rows(label: str, items: list[str], *, bullet: str = "", every_row: bool = False) -> str:
    """Rich text: one table row per item, the label in its own column so wrapped lines hang under the text."""
    rows = []
    for i, text in enumerate(items):
        head = label if i == 0 or every_row else ""
        mark = f"<td width={BULLET_PX}>{bullet}</td>" if bullet else ""
        rows.append(f"<tr><td width={ROW_LABEL_PX}><b>{head}</b></td>{mark}<td>{html.escape(text, quote=False)}</td></tr>")
    return f"<table width='100%' cellspacing=0 cellpadding=1>{''.join(rows)}</table>"


class StepCard(QFrame):
    """The current step in large type: title, what to say, what to do and avoid, and why it was chosen.

    Every line wraps and gets the height it needs for the card's width (the panel sizes itself from
    ``heightForWidth``), so a long title never runs into the lines under it.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("stepCard")
        self.title = _label("stepTitle")
        self.say = _label("stepSay", rich=True)
        self.do = _label("stepDo", rich=True)
        self.avoid = _label("stepAvoid", rich=True)
        self.why = _label("stepWhy")
        self.meta = _label("stepMeta")
        self.alert = _label("stepAlert")  # the playbook's alert for this step ("tell security"), if any
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(5)
        for w in (self.meta, self.title, self.alert, self.say, self.do, self.avoid, self.why):
            layout.addWidget(w)
        self._shown: tuple[str, float] | None = None
        self._announce_timer = QTimer(self, singleShot=True, interval=ANNOUNCE_MS)
        self._announce_timer.timeout.connect(lambda: self._set_prop("announce", False))
        self.announcements = 0  # how many times a step change was announced (tests, benchmarks)
        self.show_step(None)

    def _set_prop(self, name: str, value: bool) -> None:
        if bool(self.property(name)) != value:
            self.setProperty(name, value)
            _repolish(self)

    def show_step(self, step: StepView | None, *, dismissed: bool = False, time_in_step: float = 0.0,
                  compact: bool = False, alerts: tuple = (), waiting: str = "") -> bool:
        """Show ``step``; returns True when it is a new step (announced once, with a brief highlight).

        Expanded: every line to say, every thing to do and to avoid. Compact: two lines to say, the first
        thing to do, two to avoid, no reason.
        ``alerts``: the playbook's alerts of the call; the latest one raised since the step began is
        shown under the title (in compact mode too: it is what the agent must not miss).
        """
        if step is None:  # before the first call, or between calls (``waiting`` says why and what starts the next)
            self.meta.setText("")
            self.title.setText("Waiting for the next call…" if waiting else "Waiting for the call…")
            for w in (self.say, self.do, self.avoid, self.why, self.alert):
                w.setVisible(False)
            self.why.setText(waiting)
            self.why.setVisible(bool(waiting))
            return False
        alert = next((a for a in reversed(alerts) if a.t >= step.since - 1e-6), None)
        self.alert.setText(f"⚠ {alert.message}" if alert else "")
        _set_level(self.alert, alert.level if alert else "none")
        self.alert.setVisible(alert is not None)
        say = list(step.say[:2] if compact else step.say)
        do = list(step.do[:1] if compact else step.do)
        avoid = [avoid_text(a) for a in (step.avoid[:2] if compact else step.avoid)]
        self.title.setText(step.title or step.step)
        self.say.setText(_rows("Say", [f"“{s}”" for s in say]) if say else "")
        self.say.setVisible(bool(say))
        self.do.setText(_rows("Do", do, bullet="•") if do else "")
        self.do.setVisible(bool(do))
        self.avoid.setText(_rows("✖", avoid, every_row=True) if avoid else "")
        self.avoid.setVisible(bool(avoid))
        self.why.setText(f"Why: {step.reason}" if step.reason else "")
        self.why.setVisible(bool(step.reason) and not compact)
        state = "  ·  dismissed" if dismissed else ""  # by Esc, Ctrl+Alt+D or a click: the same
        self.meta.setText(f"STEP  ·  {clock_text(time_in_step)} in this step{state}")
        self._set_prop("dismissed", dismissed)
        key = (step.step, step.since)
        if key == self._shown:
            return False
        first = self._shown is None and step.previous is None
        self._shown = key
        if not first:
            self.announcements += 1
            self._set_prop("announce", True)
            self._announce_timer.start()
        return not first

    def settle(self) -> None:
        """End the announcement highlight now (a still picture of a step that changed a while ago)."""
        self._announce_timer.stop()
        self._set_prop("announce", False)

    @property
    def highlighted(self) -> bool:
        return bool(self.property("announce"))


class MoodLine(QWidget):
    """The customer's anger over the last minutes, as a line (0 = calm, 1 = furious)."""

    def __init__(self, theme: str = "dark", parent: QWidget | None = None):
        super().__init__(parent)
        self.colours = PAINT[theme]
        self.points: tuple[tuple[float, float], ...] = ()
        self.now = 0.0
        self.window = 300.0
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_points(self, points: tuple[tuple[float, float], ...], now: float) -> None:
        if points != self.points or abs(now - self.now) >= 1.0:
            self.points, self.now = points, now
            self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = self.colours
        r = QRectF(self.rect()).adjusted(1, 2, -1, -2)
        p.fillRect(self.rect(), QColor(c["bg"]))
        p.setPen(QPen(QColor(c["grid"]), 1, Qt.PenStyle.DotLine))
        for level in (0.35, 0.65):
            y = r.bottom() - level * r.height()
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        if len(self.points) >= 1:
            end = max(self.now, self.points[-1][0])
            span = min(self.window, max(60.0, end - self.points[0][0]))  # grows to the window, at least a minute
            start = end - span
            path = QPainterPath()
            for i, (t, a) in enumerate(self.points):
                x = r.left() + max(0.0, (t - start) / span) * r.width()
                y = r.bottom() - min(1.0, max(0.0, a)) * r.height()
                path.moveTo(x, y) if i == 0 else path.lineTo(x, y)
            p.setPen(QPen(QColor(c["line"]), 2))
            p.drawPath(path)
        p.end()


class MoodView(QWidget):
    """Mood now (word, arrow, colour) over the trend line of the last few minutes."""

    def __init__(self, theme: str = "dark", parent: QWidget | None = None):
        super().__init__(parent)
        self.text = _label("mood")
        self.line = MoodLine(theme)
        self.theme = theme
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.text)
        layout.addWidget(self.line)

    def show_state(self, state: PanelState) -> None:
        word, trend, key = mood_words(state.anger, state.anger_trend)
        text = f"Customer mood: {word} ({state.anger:.0%} anger)  {trend}"
        if text != self.text.text():
            self.text.setText(text)
        if self.text.property("mood") != key:  # the colour comes from the theme's QLabel#mood[mood=...] rule
            self.text.setProperty("mood", key)
            _repolish(self.text)
        self.line.set_points(state.mood_history, state.t)


class AbuseView(QLabel):
    """Abuse so far, by type, and whether the agent has given a warning."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("abuse")
        self.setWordWrap(True)

    def show_state(self, state: PanelState) -> None:
        if not state.abuse_counts:
            text, level = "Abuse: none so far", "none"
        else:
            parts = ", ".join(f"{n} {kind}{'s' if n > 1 and not kind.endswith('y') else ''}" for kind, n in state.abuse_counts)
            warned = f"warning given at {clock_text(state.warned_at)} ✔" if state.warned else "no warning given yet ✖"
            threat = any(kind == "threat" for kind, _ in state.abuse_counts)
            text, level = f"⚠ Abuse: {parts} · {warned}", "error" if threat or state.warned else "warning"
        self.setText(text)
        _set_level(self, level)


class TimersView(QLabel):
    """Time in this step and any running countdown (e.g. the hold timer)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timers")
        self.setWordWrap(True)

    def show_state(self, state: PanelState) -> None:
        parts = [f"◷ {tm.label}: {clock_text(tm.remaining(state.t))} left" for tm in state.timers]
        parts += [f"⚠ {label}: time is up" for label in state.expired]
        self.setText("   ".join(parts))
        self.setVisible(bool(parts))


class TranscriptView(QWidget):
    """The live transcript, collapsible; the open partial shows in italics as it forms."""

    toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.toggle = QToolButton(text="▾ Transcript", checkable=True, checked=True)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.toggle.toggled.connect(self._set_open)
        self.browser = QTextBrowser()
        self.browser.setObjectName("transcript")
        self.browser.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.browser.setMinimumHeight(70)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.browser)
        self._key: tuple | None = None
        self.renders = 0

    def _set_open(self, open_: bool) -> None:
        self.toggle.setText(("▾" if open_ else "▸") + " Transcript")
        self.browser.setVisible(open_)
        self.toggled.emit(open_)

    @property
    def is_open(self) -> bool:
        return self.toggle.isChecked()

    def show_state(self, state: PanelState, lines: int = 12) -> None:
        key = (state.transcript[-1:] if state.transcript else (), len(state.transcript), state.partials, state.customer_name)
        if key == self._key or not self.is_open:
            return
        self._key = key
        self.renders += 1
        who = {"customer": state.customer_name or "Customer", "agent": "You"}
        rows = []
        for line in state.transcript[-lines:]:
            note = f" <span style='opacity:0.7'>[{html.escape(line.note)}]</span>" if line.note else ""
            rows.append(f"<b>{html.escape(who.get(line.channel, line.channel))}:</b> {html.escape(line.text)}{note}")
        for channel, text in state.partials:
            rows.append(f"<i>{html.escape(who.get(channel, channel))}: {html.escape(text)} …</i>")
        self.browser.setHtml("<br>".join(rows) or "<i>Nothing said yet.</i>")
        self.scroll_to_end()

    def scroll_to_end(self) -> None:
        bar = self.browser.verticalScrollBar()
        bar.setValue(bar.maximum())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt): the newest line stays in view
        super().resizeEvent(event)
        self.scroll_to_end()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        QTimer.singleShot(0, self, self.scroll_to_end)  # with a context: dropped if the widget is gone


class Banner(QLabel):
    """A one-line notice with an icon: device trouble, a failed playbook reload, Wayland, models loading."""

    ICONS = {"error": "✖", "warning": "⚠", "info": "ℹ", "ok": "✔"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)

    def show_message(self, level: str, text: str) -> None:
        text = f"{self.ICONS.get(level, '')} {text}".strip()
        if text == self.text() and self.property("level") == level and not self.isHidden():
            return  # shown at display rate: no relayout when nothing changed
        self.setText(text)
        _set_level(self, level)
        self.setVisible(True)

    def clear_message(self) -> None:
        if self.isHidden() and not self.text():
            return
        self.setVisible(False)
        self.setText("")


# (action, button text, shortcut): what the agent did, fed to the playbook as AgentAction.
ACTION_BUTTONS = (
    ("summarized", "Summarized", "S"),
    ("hold", "On hold", "H"),
    ("back_from_hold", "Back", "B"),
    ("escalated", "Escalated", "E"),
    ("warned", "Warned", "W"),
    ("end_call", "Ending call", "X"),
)
BUTTON_ROWS = (4, 2)  # buttons per row (the override button ends the second row): the panel stays narrow


class ActionBar(QWidget):
    """Buttons (with one-key shortcuts) for what the agent did; Esc dismisses, O overrides the step.

    Two rows, so the panel can be narrow. ``acknowledge(action)`` highlights the button of the action the
    coach has just taken in, whichever key or click it came from.
    """

    action = Signal(str, object)  # (action, step or None)

    def __init__(self, parent: QWidget | None = None, shortcut_host: QWidget | None = None):
        super().__init__(parent)
        host = shortcut_host or self  # shortcuts live on the window so they work in compact mode too
        self.shortcuts: list[QShortcut] = []
        self.buttons: dict[str, QPushButton] = {}
        self.step_choices: list[tuple[str, str]] = []  # (step id, title) for "override"
        self.current_step: str | None = None
        self.acknowledged: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        rows = []
        for _ in BUTTON_ROWS:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            outer.addLayout(row)
            rows.append(row)
        self.hint = _label("keysHint")  # which keys work from any window (global shortcuts), when they do
        self.hint.setVisible(False)
        outer.addWidget(self.hint)
        for i, (action, text, key) in enumerate(ACTION_BUTTONS):
            button = QPushButton(f"{text} ({key})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"Tell the coach: {text.lower()} — shortcut {key}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)  # a row fills the width
            button.clicked.connect(lambda _=False, a=action: self.trigger(a))
            rows[0 if i < BUTTON_ROWS[0] else 1].addWidget(button)
            self.buttons[action] = button
            self._shortcut(host, QKeySequence(key), lambda a=action: self.trigger(a))
        self.override = QPushButton("Other step… (O)")
        self.override.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.override.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.override.clicked.connect(self.open_override_menu)
        rows[1].addWidget(self.override)
        self._shortcut(host, QKeySequence("O"), self.open_override_menu)
        self._shortcut(host, QKeySequence(Qt.Key.Key_Escape), lambda: self.trigger("dismiss"))
        self.menu = QMenu(self)

    def acknowledge(self, action: str | None) -> None:
        """Mark the button of ``action`` (None: no mark) as taken in; cheap when nothing changes."""
        if action == self.acknowledged:
            return
        self.acknowledged = action
        for name, button in self.buttons.items():  # colour here; the panel's ack line says it in words
            on = name == action
            if bool(button.property("ack")) != on:
                button.setProperty("ack", on)
                _repolish(button)

    def _shortcut(self, host: QWidget, keys: QKeySequence, slot) -> None:
        shortcut = QShortcut(keys, host, context=Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        self.shortcuts.append(shortcut)

    def trigger(self, action: str, step: str | None = None) -> None:
        self.action.emit(action, step if action == "override" else self.current_step)

    def global_key(self, action: str) -> None:
        """A system-wide shortcut was pressed (``coach.ui.hotkeys``): the same as the button."""
        if action == "override":
            self.open_override_menu()
        else:
            self.trigger(action)

    def show_global_keys(self, labels: dict[str, str]) -> None:
        """Name the system-wide shortcuts on the buttons' tooltips and in one line under them."""
        for action, text, key in ACTION_BUTTONS:
            extra = f", or {labels[action]} from any window" if action in labels else ""
            self.buttons[action].setToolTip(f"Tell the coach: {text.lower()} — shortcut {key}{extra}")
        if not labels:
            self.hint.setVisible(False)
            return
        prefix = next(iter(labels.values())).rsplit("+", 1)[0]
        keys = " ".join(labels[a].rsplit("+", 1)[1] for a, _, _ in ACTION_BUTTONS if a in labels)
        more = [f"{labels[a].rsplit('+', 1)[1]} {word}" for a, word in (("dismiss", "dismiss"), ("override", "other step"))
                if a in labels]
        self.hint.setText(f"⌨ From any window: {prefix} + {keys}" + (" · " + " · ".join(more) if more else ""))
        self.hint.setVisible(True)

    def open_override_menu(self) -> None:
        self.menu.clear()
        for step, title in self.step_choices:
            if step != self.current_step:
                self.menu.addAction(f"{title} ({step})", lambda s=step: self.trigger("override", s))
        if not self.menu.isEmpty():
            self.menu.popup(self.override.mapToGlobal(self.override.rect().bottomLeft()))
