"""The replay's display clock on an injected time source."""

from __future__ import annotations

import pytest

from coach.ui.playclock import PlayClock


class FakeTime:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_play_pause_speed_seek_and_limit():
    ft = FakeTime()
    clock = PlayClock(ft)
    ft.now += 5
    assert clock.position() == 0.0  # paused
    clock.play()
    ft.now += 2
    assert clock.position() == 2.0
    clock.set_speed(4.0)
    ft.now += 1
    assert clock.position() == 6.0
    assert clock.position(limit=5.0) == 5.0
    clock.pause()
    ft.now += 10
    assert clock.position() == 6.0
    clock.seek(30.0)
    assert clock.position() == 30.0
    clock.play()
    ft.now += 1
    clock.hold_at(31.5)
    assert clock.position() == 31.5  # within the limit: unchanged
    clock.hold_at(31.0)
    ft.now += 0.0
    assert clock.position() == 31.0


def test_speed_out_of_range_is_refused():
    with pytest.raises(ValueError):
        PlayClock().set_speed(8.0)
