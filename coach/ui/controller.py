"""Keeps the panel in step with the call: folds events as they come, shows them at display rate.

Events arrive on the GUI thread through the ``EventBridge`` (queued from the
pipeline's worker). Each is folded into the ``PanelState`` at once (cheap and pure);
the panel is redrawn by a display-rate timer, so a burst of partials costs one
redraw. A new step, a device problem or a playbook error is shown immediately.
The agent's buttons go to ``session.act`` and come back as ``AgentAction`` events.

Between calls (live devices: the agent pressed X, ``WaitingForCall``) the panel is cleared
and says it waits for the next call; a button pressed then has no call to act on, and
the panel says so instead of sending it.
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from coach.events import CallEnded, CallStarted, DeviceStatus, PlaybookReloaded, StepChanged, WaitingForCall
from coach.ui.panel import CoachPanel
from coach.ui.pipeline_process import step_choices
from coach.ui.viewmodel import PanelState, PhaseChanged, reduce

DISPLAY_MS = 66  # ~15 redraws a second at most
URGENT = (StepChanged, CallEnded, CallStarted, WaitingForCall, PlaybookReloaded, DeviceStatus, PhaseChanged)
NO_CALL = "No call in progress: coach starts the next call as soon as someone speaks."


class PanelController(QObject):
    step_shown = Signal(str)  # the panel now shows this step (benchmarks measure to here)

    def __init__(self, panel: CoachPanel, display_ms: int = DISPLAY_MS):
        super().__init__(panel)
        self.panel = panel
        self.state = PanelState()
        self.session: Any = None
        self.events_seen = 0
        self._dirty = False
        self._timer = QTimer(self, interval=display_ms)
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        panel.action.connect(self.on_action)
        panel.step_announced.connect(self.step_shown)

    def on_event(self, event: Any) -> None:
        self.events_seen += 1
        if isinstance(event, CallStarted) and self.state.waiting and self.panel.notice_banner.text().endswith(NO_CALL):
            self.panel.notice_banner.clear_message()  # the call it asked for is here
        self.state = reduce(self.state, event)
        if isinstance(event, URGENT):
            self.flush(force=True)
        else:
            self._dirty = True

    def flush(self, force: bool = False) -> None:
        if self._dirty or force:
            self._dirty = False
            self.panel.show_state(self.state)

    def set_phase(self, phase: str, detail: str = "") -> None:
        self.on_event(PhaseChanged(phase, detail))

    def attach(self, session: Any) -> None:
        """The session is ready (models loaded): buttons now reach its playbook."""
        self.session = session
        self.panel.set_step_choices(step_choices(session))

    def on_action(self, action: str, step: object) -> None:
        if self.session is None:
            self.panel.show_notice("info", "The coach is still loading; press the button again once it is listening.")
            return
        if self.state.waiting:
            self.panel.show_notice("info", NO_CALL)
            return
        self.session.act(action, step if isinstance(step, str) else None)

