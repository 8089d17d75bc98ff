"""A recorded call's events, and the panel as it stood at any call time.

The replay runs the real pipeline over the file in fast mode and appends every
event here (from the worker thread); the display clock asks ``state_at(t)``: the
fold of every event with call time ``<= t``. Seeking anywhere is therefore exact,
and cheap: a checkpoint of the fold is kept every ``CHECKPOINT_EVENTS`` events, so
a seek folds at most that many events.

Signals refreshed by a tick are kept at most one per ``TICK_KEEP`` seconds: they
only move the mood line, and keeping all of them would make long calls heavy.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from coach.events import CallEnded, CallSignals, StepChanged
from coach.ui.viewmodel import PanelState, at_time, fold, reduce

CHECKPOINT_EVENTS = 64
TICK_KEEP = 1.0


@dataclass(frozen=True, slots=True)
class Marker:
    """A point on the replay timeline a trainer can jump to."""

    t: float
    kind: str  # step | abuse | action
    label: str


class Recording:
    """Append-only (from one worker thread); read from the GUI thread. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Any] = []
        self._reach: list[float] = []  # running max of event times: monotonic, for bisect
        self._checkpoints: list[PanelState] = [PanelState()]  # fold of the first k*CHECKPOINT_EVENTS events
        self._tip = PanelState()  # fold of all events
        self._last_tick_signal = -1e9
        self._abuse_seen = 0
        self.markers: list[Marker] = []
        self.mood: list[tuple[float, float]] = []  # (t, anger) over the whole call, one point per second
        self.finished = threading.Event()
        self.error: str | None = None

    # ------------------------------------------------------------- writer (worker thread)

    def __call__(self, event: Any) -> None:
        """A session sink: record one event."""
        t = getattr(event, "t", None)
        if t is None:
            return
        if isinstance(event, CallSignals):
            if event.last is None and t - self._last_tick_signal < TICK_KEEP:
                return
            if event.last is None:
                self._last_tick_signal = t
        with self._lock:
            self._events.append(event)
            self._reach.append(max(t, self._reach[-1]) if self._reach else t)
            self._tip = reduce(self._tip, event)
            if len(self._events) % CHECKPOINT_EVENTS == 0:
                self._checkpoints.append(self._tip)
            self._index(event)
        if isinstance(event, CallEnded):
            self.finished.set()

    def _index(self, event: Any) -> None:
        if isinstance(event, StepChanged):
            self.markers.append(Marker(event.t, "step", event.title or event.step))
        elif isinstance(event, CallSignals):
            if not self.mood or event.t - self.mood[-1][0] >= 1.0:
                self.mood.append((event.t, event.anger))
            for a in event.abuse[self._abuse_seen :]:
                self.markers.append(Marker(a.t, "abuse", a.kind))
            self._abuse_seen = len(event.abuse)
        elif getattr(event, "type", "") == "action":
            self.markers.append(Marker(event.t, "action", event.action.replace("_", " ")))

    def fail(self, message: str) -> None:
        self.error = message
        self.finished.set()

    # ------------------------------------------------------------- readers (any thread)

    @property
    def analysed_until(self) -> float:
        """Call time up to which the analysis is complete (infinite once the call ended)."""
        with self._lock:
            if self.finished.is_set():
                return float("inf")
            return self._reach[-1] if self._reach else 0.0

    @property
    def duration(self) -> float:
        with self._lock:
            return self._reach[-1] if self._reach else 0.0

    def __len__(self) -> int:
        return len(self._events)

    def count_until(self, t: float) -> int:
        """How many events have call time ``<= t``."""
        with self._lock:
            return bisect_right(self._reach, t + 1e-9)

    def state_at(self, t: float, hint: tuple[int, PanelState] | None = None) -> tuple[int, PanelState]:
        """``(n, state)``: the fold of the first ``n`` events (those with time ``<= t``), read at ``t``.

        ``hint`` is a previous answer: playing forward folds only the new events.
        """
        with self._lock:
            n = bisect_right(self._reach, t + 1e-9)
            if hint is not None and hint[0] <= n and n - hint[0] <= CHECKPOINT_EVENTS:
                start, state = hint
            else:
                k = n // CHECKPOINT_EVENTS
                start, state = k * CHECKPOINT_EVENTS, self._checkpoints[k]
            events = self._events[start:n]
        state = fold(events, state)
        return n, at_time(state, max(t, state.t) if n else t)

    def snapshot_markers(self) -> tuple[list[Marker], list[tuple[float, float]]]:
        with self._lock:
            return list(self.markers), list(self.mood)

    def events(self) -> list[Any]:
        with self._lock:
            return list(self._events)
