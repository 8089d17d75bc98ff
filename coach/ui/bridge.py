"""The one door between the pipeline's worker thread and the GUI thread.

The session calls its sinks from its worker thread; ``EventBridge.sink`` emits each
(immutable) event through a Qt signal. The bridge lives in the GUI thread, so Qt
queues the signal and the slot runs in the GUI thread: widgets are never touched
from the worker.
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal


class EventBridge(QObject):
    event = Signal(object)  # one call event (a frozen dataclass from coach.events)
    phase = Signal(str, str)  # (phase, detail): loading, listening, failed ...
    ready = Signal(object)  # the session, once its models are loaded
    failed = Signal(str)  # a one-sentence error that stopped the pipeline
    finished = Signal()

    def sink(self, event: Any) -> None:
        """A session sink; safe to call from any thread."""
        self.event.emit(event)


def run_in_worker(bridge: EventBridge, work: Callable[[], None], name: str = "coach-session") -> threading.Thread:
    """Run ``work`` on a daemon thread; a ``CoachError`` (or crash) becomes ``bridge.failed``."""
    from coach.errors import CoachError

    def target() -> None:
        try:
            work()
        except CoachError as err:
            bridge.failed.emit(str(err))
        except Exception as err:  # noqa: BLE001 - shown in the panel, the call log already holds what happened
            bridge.failed.emit(f"The coaching pipeline stopped: {type(err).__name__}: {err}")
        finally:
            bridge.finished.emit()

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
