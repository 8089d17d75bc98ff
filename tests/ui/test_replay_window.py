"""The replay window over a hand-made recording: seek, markers, transport, 'analysing…'."""

from __future__ import annotations

import pytest

from coach.ui.playclock import PlayClock
from coach.ui.recording import Recording


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def window(qtbot, call_events):
    from coach.ui.replay_window import ReplayWindow

    rec = Recording()
    for e in call_events:
        rec(e)
    ft = FakeTime()
    w = ReplayWindow(rec, title="test", clock=PlayClock(ft))
    w.fake_time = ft
    qtbot.addWidget(w)
    w.show()
    return w


def test_seeking_shows_what_the_live_panel_showed_then(window):
    window.seek(9.0)
    assert window.panel.step_card.title.text() == "Offer a supervisor"
    window.seek(16.0)
    assert window.panel.step_card.title.text() == "Draw the line"
    assert "1 threat" in window.panel.abuse.text()
    window.seek(2.0)  # back again: exact
    assert window.panel.step_card.title.text() == "Listen"
    assert "none" in window.panel.abuse.text()


def test_clicking_a_marker_jumps_to_it(window, qtbot):
    from PySide6.QtCore import QPoint, Qt

    window.refresh()
    tl = window.timeline
    step = next(m for m in tl.markers if m.kind == "step" and m.t == 15.0)
    x = int(round(tl.x_of(step.t))) + 3  # near, not exactly on, the marker
    with qtbot.waitSignal(window.position_shown) as sig:
        qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(x, tl.height() // 2))
    assert sig.args[0] == pytest.approx(15.0)
    assert window.panel.step_card.title.text() == "Draw the line"


def test_play_advances_with_the_clock_and_speed(window):
    window.set_playing(True)
    window.fake_time.now += 2.0
    window.refresh()
    assert window.clock.position() == pytest.approx(2.0)
    window.transport.speed.setCurrentIndex(window.transport.speed.findData(4.0))
    window.fake_time.now += 2.0
    window.refresh()
    assert window.clock.position() == pytest.approx(10.0)
    assert window.panel.step_card.title.text() == "Offer a supervisor"
    assert window.transport.time.text() == "0:10 / 0:20"
    window.fake_time.now += 100.0
    window.refresh()  # the end of the call stops playback
    assert not window.clock.playing and window.clock.position() == pytest.approx(20.0)


def test_display_waits_for_the_analysis_and_says_so(qtbot, call_events):
    from coach.ui.replay_window import ReplayWindow

    rec = Recording()
    for e in call_events[:12]:  # the worker has only got this far
        rec(e)
    ft = FakeTime()
    w = ReplayWindow(rec, clock=PlayClock(ft))
    qtbot.addWidget(w)
    w.duration_hint = 20.0
    w.seek(18.0)
    assert w.clock.position() <= rec.analysed_until
    assert "analysing" in w.panel.phase.text()
    assert w.transport.status.text() == "analysing…"
    for e in call_events[12:]:
        rec(e)
    w.seek(18.0)
    assert "analysing" not in w.panel.phase.text()
    assert w.panel.step_card.title.text() == "Draw the line"


def test_no_audio_output_is_said_once_and_replay_goes_on(qtbot, call_events):
    from coach.ui.replay_window import ReplayWindow

    class SilentPlayer:
        available = False
        problem = "No audio output device (none found); the replay continues silently."

        def play(self, at): pass
        def pause(self): pass
        def seek(self, at): pass
        def set_speed(self, s): pass
        def close(self): pass

    rec = Recording()
    for e in call_events:
        rec(e)
    w = ReplayWindow(rec, player=SilentPlayer())
    qtbot.addWidget(w)
    w.show()
    assert w.panel.notice_banner.isVisible() and "continues silently" in w.panel.notice_banner.text()
    w.seek(16.0)
    assert w.panel.step_card.title.text() == "Draw the line"


def test_audio_player_without_a_device_reports_a_problem_instead_of_failing():
    import numpy as np
    from coach.ui.audio_out import AudioPlayer

    player = AudioPlayer({"agent": np.zeros(1600, np.float32), "customer": np.zeros(800, np.float32)})
    try:
        assert player.available or (player.problem and "silently" in player.problem)
        player.play(0.0)
        player.set_speed(2.0)
        player.seek(0.05)
        player.pause()
    finally:
        player.close()
