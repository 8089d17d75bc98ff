"""Clocks: coach runs on *call time*, seconds of audio since the call started.

``VirtualClock`` is advanced by the audio itself (fast replay and tests: results do
not depend on how fast the machine is). ``RealClock`` follows the wall clock (live
calls and real-time replay), and can wait until a given call time.
"""

from __future__ import annotations

import threading
import time


class VirtualClock:
    """Call time set by whoever feeds the audio; ``wait_until`` returns at once."""

    def __init__(self, start: float = 0.0):
        self._now = start

    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> None:
        if t > self._now:
            self._now = t

    def wait_until(self, t: float, stop: threading.Event | None = None) -> bool:
        self.advance_to(t)
        return not (stop is not None and stop.is_set())


class RealClock:
    """Call time follows the wall clock from ``start()``; ``speed`` > 1 replays faster."""

    def __init__(self, speed: float = 1.0):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._t0 = time.monotonic()
        self._offset = 0.0

    def start(self, at: float = 0.0) -> None:
        self._t0 = time.monotonic()
        self._offset = at

    def now(self) -> float:
        return self._offset + (time.monotonic() - self._t0) * self.speed

    def set_speed(self, speed: float) -> None:
        now = self.now()
        self.speed = speed
        self.start(now)

    def advance_to(self, t: float) -> None:  # real time cannot be pushed
        pass

    def wall_time_of(self, t: float) -> float:
        """The ``time.monotonic()`` instant at which call time ``t`` is (or was) reached."""
        return self._t0 + (t - self._offset) / self.speed

    def wait_until(self, t: float, stop: threading.Event | None = None) -> bool:
        """Block until call time ``t``; returns False if ``stop`` was set meanwhile."""
        delay = self.wall_time_of(t) - time.monotonic()
        if delay > 0:
            if stop is not None:
                return not stop.wait(delay)
            time.sleep(delay)
        return not (stop is not None and stop.is_set())
