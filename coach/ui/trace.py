"""Timings of a panel run, for benchmarks: ``COACH_UI_TRACE=FILE`` writes one JSON line per moment.

Times are ``time.monotonic()`` (one system-wide clock on Linux), so a benchmark that
launches ``coach live`` can compare them with its own. Off unless the variable is set.
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

import json
import os
import threading
import time
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QTimer


class Trace:
    def __init__(self, path: str | None):
        self._file = open(path, "a", encoding="utf-8", buffering=1) if path else None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> "Trace":
        return cls(os.environ.get("COACH_UI_TRACE"))

    @property
    def on(self) -> bool:
        return self._file is not None

    def mark(self, what: str, **fields: Any) -> None:
        if self._file is None:
            return
        line = json.dumps({"what": what, "mono": time.monotonic(), **fields})
        with self._lock:
            self._file.write(line + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class GuiStallMeter(QObject):
    """A 10 ms timer on the GUI thread; the longest gap between its ticks is how long the GUI was blocked."""

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.max_gap_ms = 0.0
        self.max_gap_since_mark_ms = 0.0  # since ``mark()`` (e.g. once the models are loaded)
        self.worst_at = 0.0  # monotonic time of the worst gap's end
        self.ticks = 0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._clock.start()
        self._timer.start()

    def _tick(self) -> None:
        gap = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.ticks += 1
        if self.ticks > 1:
            if gap > self.max_gap_ms:
                self.max_gap_ms = gap
                self.worst_at = time.monotonic()
            self.max_gap_since_mark_ms = max(self.max_gap_since_mark_ms, gap)

    def mark(self) -> None:
        self.max_gap_since_mark_ms = 0.0
