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


def _run_queue_wait() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux ``schedstat``); 0 elsewhere."""
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class GcPauses:
    """How long Python's garbage collector stopped the process (all threads), per generation; while installed."""

    def __init__(self) -> None:
        self.reset()
        self._start = 0.0

    def reset(self) -> None:
        self.max_ms = {0: 0.0, 1: 0.0, 2: 0.0}
        self.count = {0: 0, 1: 0, 2: 0}

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            gen = info.get("generation", 2)
            self.count[gen] += 1
            self.max_ms[gen] = max(self.max_ms[gen], (time.perf_counter() - self._start) * 1000)

    def install(self) -> "GcPauses":
        import gc

        gc.callbacks.append(self)
        return self

    def summary(self) -> dict:
        return {f"gen{g}": {"count": self.count[g], "max_ms": round(self.max_ms[g], 2)} for g in (0, 1, 2)}


class GuiStallMeter(QObject):
    """A 10 ms timer on the GUI thread; the longest gap between its ticks is how long the GUI was blocked.

    Each gap also records how much CPU the GUI thread itself used in it (``time.thread_time``):
    a long gap with little CPU is time the thread was not running (other processes on the
    cores, or another thread holding the GIL); a long gap with as much CPU is the panel's own work.
    """

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.max_gap_ms = 0.0
        self.max_gap_since_mark_ms = 0.0  # since ``mark()`` (e.g. once the models are loaded)
        self.worst_at = 0.0  # monotonic time of the worst gap's end
        self.worst_cpu_ms = 0.0  # the GUI thread's CPU time during the worst gap since ``mark()``
        self.worst_run_queue_ms = 0.0  # ... and its time ready to run but waiting for a core (Linux schedstat)
        self._wait = 0.0
        self.max_cpu_since_mark_ms = 0.0  # the most CPU the GUI thread spent within one gap since ``mark()``
        self.gaps_over_50_since_mark = 0
        self.ticks = 0
        self._cpu = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._clock.start()
        self._cpu = time.thread_time()
        self._wait = _run_queue_wait()
        self._timer.start()

    def _tick(self) -> None:
        gap = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        cpu_now, wait_now = time.thread_time(), _run_queue_wait()
        cpu, self._cpu = (cpu_now - self._cpu) * 1000, cpu_now
        waited, self._wait = (wait_now - self._wait) * 1000, wait_now
        self.ticks += 1
        if self.ticks > 1:
            if gap > self.max_gap_ms:
                self.max_gap_ms = gap
                self.worst_at = time.monotonic()
            if gap > self.max_gap_since_mark_ms:
                self.max_gap_since_mark_ms = gap
                self.worst_cpu_ms = cpu
                self.worst_run_queue_ms = waited
            self.max_cpu_since_mark_ms = max(self.max_cpu_since_mark_ms, cpu)
            self.gaps_over_50_since_mark += gap > 50

    def mark(self) -> None:
        self.max_gap_since_mark_ms = 0.0
        self.worst_cpu_ms = 0.0
        self.worst_run_queue_ms = 0.0
        self.max_cpu_since_mark_ms = 0.0
        self.gaps_over_50_since_mark = 0
