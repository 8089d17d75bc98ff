"""The replay's display clock: play, pause, speed and seek over call time (no Qt).

It only says where the display is; what the panel shows there is the recording's
fold at that position. The clock never runs past ``limit`` (the end of the call,
or how far the analysis has got), so the display waits instead of guessing.
"""

from __future__ import annotations

import time
from typing import Callable

SPEEDS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)


class PlayClock:
    def __init__(self, now: Callable[[], float] = time.monotonic):
        self._now = now
        self._base = 0.0  # call time at _since
        self._since = now()
        self.playing = False
        self.speed = 1.0

    def position(self, limit: float = float("inf")) -> float:
        pos = self._base
        if self.playing:
            pos += (self._now() - self._since) * self.speed
        return min(pos, limit)

    def _rebase(self, limit: float = float("inf")) -> None:
        self._base = self.position(limit)
        self._since = self._now()

    def play(self) -> None:
        if not self.playing:
            self._since = self._now()
            self.playing = True

    def pause(self, limit: float = float("inf")) -> None:
        if self.playing:
            self._rebase(limit)
            self.playing = False

    def set_speed(self, speed: float) -> None:
        if not (SPEEDS[0] <= speed <= SPEEDS[-1]):
            raise ValueError(f"speed must be between {SPEEDS[0]}x and {SPEEDS[-1]}x")
        self._rebase()
        self.speed = speed

    def seek(self, t: float) -> None:
        self._base = max(0.0, t)
        self._since = self._now()

    def hold_at(self, limit: float) -> None:
        """The display reached ``limit`` (analysis or end): stay there, still 'playing' if it was."""
        if self.position() > limit:
            self._base = limit
            self._since = self._now()
