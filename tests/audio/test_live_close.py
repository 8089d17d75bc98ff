"""How coach closes capture streams (``coach.audio.live._Closing``), with streams that can be made to hang.

No sound device is needed: the streams are stand-ins whose ``abort`` blocks until the test
lets it go, as a vanished device's does. The exit test runs in a child process, since it
is about what happens when the interpreter ends.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from coach.audio import live

ROOT = Path(__file__).resolve().parents[2]


class _Stream:
    """Records abort/close; ``abort`` blocks until ``release`` is set (a device that does not answer)."""

    def __init__(self, name: str, log: list, release: threading.Event | None = None):
        self.name, self.log, self.release = name, log, release
        self.aborting = threading.Event()

    def abort(self) -> None:
        self.aborting.set()
        self.log.append(("abort", self.name))
        if self.release is not None:
            assert self.release.wait(30), "the test never released the stream"

    def close(self) -> None:
        self.log.append(("close", self.name))


def test_streams_are_aborted_then_closed_one_at_a_time(monkeypatch):
    monkeypatch.setattr(live, "CLOSE_WAIT", 60.0)  # the second close must wait for the first, not time out
    closing, log, release = live._Closing(), [], threading.Event()
    first = _Stream("first", log, release)
    second = _Stream("second", log)
    a = closing.start(first)
    assert first.aborting.wait(10)
    b = closing.start(second)
    assert closing.busy()
    b[0].join(0.2)  # the second close waits for the first: no two PortAudio closes at once
    assert log == [("abort", "first")] and b[0].is_alive()
    release.set()
    for closer, _ in (a, b):
        closer.join(10)
    assert log == [("abort", "first"), ("close", "first"), ("abort", "second"), ("close", "second")]
    assert not closing.busy()


def test_a_close_that_hangs_for_good_holds_later_closes_only_so_long(monkeypatch):
    monkeypatch.setattr(live, "CLOSE_WAIT", 0.2)
    closing, log, release = live._Closing(), [], threading.Event()
    hung = _Stream("hung", log, release)
    closing.start(hung)
    assert hung.aborting.wait(10)
    later = closing.start(_Stream("later", log))
    try:
        later[0].join(30)  # goes ahead once the hung close has had its CLOSE_WAIT
        assert not later[0].is_alive()
        assert log == [("abort", "hung"), ("abort", "later"), ("close", "later")]
    finally:
        release.set()


def test_a_hung_close_is_waited_for_only_so_long_and_then_no_longer_blocks_reopening(monkeypatch):
    monkeypatch.setattr(live, "CLOSE_WAIT", 0.1)
    closing, release = live._Closing(), threading.Event()
    stream = _Stream("hung", [], release)
    entry = closing.start(stream)
    try:
        assert stream.aborting.wait(10)
        closing.wait([entry])  # returns although the close still hangs
        assert entry[0].is_alive()
        assert closing.busy()  # PortAudio must not be re-initialised under it ...
        assert not closing.busy(patience=0.0)  # ... but a reopen need not wait for it for ever
    finally:
        release.set()
        entry[0].join(10)
    assert not closing.busy()


_EXIT_SCRIPT = """
import sys, threading
import sounddevice as sd
from coach.audio import live

live.CLOSE_WAIT = 0.1
real_terminate = sd._terminate
def terminate():
    print("Pa_Terminate", file=sys.stderr, flush=True)
    real_terminate()
sd._terminate = terminate

class Stream:
    def __init__(self, hang):
        self.hang = hang
    def abort(self):
        if self.hang:
            threading.Event().wait()  # never answers
    def close(self):
        pass

live._CLOSING.start(Stream(hang=sys.argv[1] == "hang"))
"""


def _exit_with(close: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "faulthandler", "-c", _EXIT_SCRIPT, close], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_portaudio_is_not_terminated_at_exit_under_a_close_that_hangs():
    # Pa_Terminate under a stream being closed aborts the process (PaUnixMutex_Terminate assertion) or hangs it
    hung = _exit_with("hang")
    assert hung.returncode == 0, hung.stderr
    assert "Pa_Terminate" not in hung.stderr
    done = _exit_with("done")  # a close that finished: sounddevice terminates PortAudio as usual
    assert done.returncode == 0, done.stderr
    assert "Pa_Terminate" in done.stderr


def test_an_open_that_hangs_is_given_up_and_the_stream_it_brings_later_is_closed_unused():
    log, release = [], threading.Event()
    stream = _Stream("late", log)

    def open_():
        assert release.wait(30), "the test never released the open"
        return stream, {"name": "late"}

    opener = live._Opener(open_, "the test device")
    try:
        assert not opener.done.wait(0.2)
        assert live._CLOSING.busy()  # PortAudio is not terminated under an open either
        assert opener.abandon()
    finally:
        release.set()
    opener.thread.join(10)
    assert opener.done.is_set() and opener.result[0] is stream
    for _ in range(100):  # the closer thread it started
        if ("close", "late") in log:
            break
        threading.Event().wait(0.05)
    assert log == [("abort", "late"), ("close", "late")]


def test_an_open_queued_behind_one_that_hangs_gives_up_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(live, "OPEN_WAIT", 0.2)
    release = threading.Event()
    hung = live._Opener(lambda: release.wait(30), "the first device")
    try:
        second = live._Opener(lambda: (_Stream("never", []), {}), "the input device 'pulse' for the customer")
        assert second.done.wait(30)
        assert isinstance(second.error, live.AudioError) and second.result is None
        message = str(second.error)
        assert message.startswith("Cannot open the input device 'pulse' for the customer: opening another device")
        assert "pactl info" in message
        assert not hung.done.is_set()
    finally:
        release.set()
        hung.thread.join(10)
