"""Live capture in a child process, so a native crash in PortAudio/PulseAudio fails one test, not the run.

The tests never open PortAudio in the pytest process. ``LiveChild`` starts this file as
``python -X faulthandler live_child.py capture '<json options>'``: the child runs a
``LiveSource`` (and, if asked, a recognizer) and writes what it yields as JSON lines;
the test waits on them with timeouts. ``call_in_child`` runs device look-ups the same way.
If the child dies (a fatal signal, or any unexpected exit), the test fails with the
signal's name and the child's stderr, where faulthandler prints the Python stack.

Protocol: the child writes JSON lines on its original stdout (fd 1 is then pointed at
stderr, so nothing a library prints can break a line), and reads commands on stdin:
``stop`` (end the capture, as Ctrl-C does) and ``abort`` (abort the customer stream from
outside, as PortAudio does when a device errors out). A closed stdin also stops it.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository, so the child imports this checkout's coach


class ChildDied(AssertionError):
    pass


def _describe_exit(proc: subprocess.Popen, stderr: str) -> str:
    code = proc.returncode
    if code is None:
        how = "is still running"
    elif code < 0:
        how = f"died of signal {-code} ({signal.Signals(-code).name})"
    else:
        how = f"exited with status {code}"
    text = stderr.strip()
    fatal = text.rfind("Fatal Python error")  # faulthandler's report of a native crash, with every thread's stack
    tail = (text[fatal:] if fatal >= 0 else text)[-8000:] or "(nothing)"
    return f"the live-capture child process {how}; its stderr:\n{tail}"


def _child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-X", "faulthandler", str(Path(__file__).resolve()), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_child_env(), cwd=ROOT,
    )


def call_in_child(*calls: list, timeout: float = 60) -> list:
    """Run ``[function, *args]`` calls of ``coach.audio.live`` in a child; each result is ``{"ok": value}`` or
    ``{"error": [exception type, message]}``."""
    proc = _spawn("call", json.dumps(calls))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise ChildDied(f"device look-ups took more than {timeout:.0f} s; " + _describe_exit(proc, err)) from None
    if proc.returncode != 0:
        raise ChildDied(_describe_exit(proc, err))
    return json.loads(out.strip().splitlines()[-1])


class LiveChild:
    """A ``LiveSource`` running in a child process; the test waits on what it yields.

    Items: ``("frame", t)`` for every frame, ``DeviceStatus`` and ``Utterance`` as coach makes them.
    ``prefill``: blocks handed to the stream's callback before reading starts; ``crash_after``: the child
    kills itself with a segmentation fault after that many frames (to test this harness); ``hang_reopen``: every
    reopen of a lost stream hangs for good, and ``OPEN_WAIT`` is that many seconds; ``session``: run a whole live
    call as coach does (``open_session_for_devices`` with ``recognizer`` as the engine, writing its call log), which
    sends statuses and utterances only.
    """

    def __init__(self, device: str, *, recognizer: str | None = None, prefill: int = 0, crash_after: int = 0,
                 hang_reopen: float = 0, session: bool = False, **source_options):
        from coach.events import DeviceStatus, Utterance

        self._types = {"status": DeviceStatus, "utterance": Utterance}
        options = {"device": device, "recognizer": recognizer, "prefill": prefill, "crash_after": crash_after,
                   "hang_reopen": hang_reopen, "source": source_options}
        self.proc = _spawn("session" if session else "capture", json.dumps(options))
        self.items: queue.Queue = queue.Queue()
        self.frame_times: list[float] = []
        self.statuses: list = []  # every DeviceStatus, in order
        self.overflows: dict | None = None  # as the source counted them when it ended
        self.prefilled: dict | None = None  # overflows after ``prefill`` blocks were given to the callback
        self.log_path: str | None = None  # the call log, for ``session=True``
        self._stderr: deque[str] = deque(maxlen=2000)  # the end of it: PortAudio can print the same line for ever
        self._eof = object()
        threading.Thread(target=self._read, daemon=True).start()
        self._stderr_reader = threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr), daemon=True)
        self._stderr_reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            item = json.loads(line)
            kind = item.pop("type")
            if kind == "frame":
                self.frame_times.append(item["t"])
                self.items.put(("frame", item["t"]))
            elif kind in self._types:
                event = self._types[kind](**item)
                if kind == "status":
                    self.statuses.append(event)
                self.items.put(event)
            elif kind == "prefilled":
                self.prefilled = item["overflows"]
            elif kind == "end":
                self.overflows = item["overflows"]
                self.log_path = item.get("log")
            elif kind == "error":
                self.items.put(ChildDied(f"the capture failed in the child:\n{item['traceback']}"))
        self.items.put(self._eof)

    def stderr(self) -> str:
        return "".join(self._stderr)

    def _died(self, what: str) -> ChildDied:
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._stderr_reader.join(5)  # it ends with the process's stderr
        return ChildDied(f"while waiting for {what}: " + _describe_exit(self.proc, self.stderr()))

    def wait_for(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                item = self.items.get(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                continue
            if item is self._eof:
                raise self._died(what)
            if isinstance(item, ChildDied):
                raise item
            if not isinstance(item, tuple):
                seen.append(item)
            if predicate(item):
                return item
        raise AssertionError(f"no {what} within {timeout:.0f} s; saw {seen[-5:]}")

    def send(self, command: str) -> None:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self, timeout: float = 30) -> None:
        """Stop the capture; fails if the child does not end cleanly (a crash while closing is caught here)."""
        try:
            self.send("stop")
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)  # faulthandler prints where every thread hangs, then it dies
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._stderr_reader.join(5)
            raise ChildDied(f"the capture did not end within {timeout:.0f} s of stop; "
                            + _describe_exit(self.proc, self.stderr())) from None
        if self.proc.returncode != 0 or self.overflows is None:
            raise self._died("the capture to end")


# --------------------------------------------------------------------------- the child's side


def _child_capture(options: dict, out) -> None:
    from coach.audio.live import LiveSource
    from coach.events import DeviceStatus, Utterance

    def send(**item) -> None:
        out.write(json.dumps(item) + "\n")
        out.flush()

    from coach.audio import live

    source = LiveSource(options["device"], **options["source"])
    if options.get("hang_reopen"):  # a stand-in for a reopen that never returns (PortAudio waiting on a dead server)
        live.OPEN_WAIT = options["hang_reopen"]
        make_stream = source._make_stream

        def hanging(cap, again, *args):
            if again:
                threading.Event().wait()
            return make_stream(cap, again, *args)

        source._make_stream = hanging
    pipeline = None
    if options["recognizer"] == "whisper":
        from coach.stt.pipeline import ChannelRecognizers
        from coach.stt.whisper import WhisperRecognizer

        pipeline = ChannelRecognizers(WhisperRecognizer(partials=False), source.channels)
    if options["prefill"]:
        callback = source._callback_for("customer")
        block = __import__("numpy").zeros((source.frame_samples, 1), "float32")
        for _ in range(options["prefill"]):
            callback(block, len(block), None, None)  # must return at once even when the queue is full
        send(type="prefilled", overflows=dict(source.overflows))

    def commands() -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                break
            if line.strip() == "abort":  # on a thread of its own: PortAudio's abort has been seen never to return
                stream = source._captures["customer"].stream
                threading.Thread(target=stream.abort, name="test-abort", daemon=True).start()
        source.stop()

    threading.Thread(target=commands, daemon=True).start()
    frames = 0
    for item in source:
        if isinstance(item, DeviceStatus):
            send(type="status", t=item.t, channel=item.channel, state=item.state, message=item.message)
            continue
        send(type="frame", t=item.t)
        frames += 1
        if frames == options["crash_after"]:  # the harness's own test: a real segmentation fault, streams open
            import faulthandler

            faulthandler._sigsegv()
        if pipeline is not None:
            for event in pipeline.feed(item):
                if isinstance(event, Utterance):
                    send(type="utterance", channel=event.channel, start=event.start, end=event.end, text=event.text)
    send(type="end", overflows=dict(source.overflows))


def _child_session(options: dict, out) -> None:
    """A whole live call as coach runs it (``open_session_for_devices``: capture, recognizer, playbook, call log)."""
    from coach.events import DeviceStatus, Utterance
    from coach.session import open_session_for_devices

    def send(**item) -> None:
        out.write(json.dumps(item) + "\n")
        out.flush()

    def sink(event) -> None:
        if isinstance(event, DeviceStatus):
            send(type="status", t=event.t, channel=event.channel, state=event.state, message=event.message)
        elif isinstance(event, Utterance):
            send(type="utterance", channel=event.channel, start=event.start, end=event.end, text=event.text)

    session = open_session_for_devices(options["device"], engine=options["recognizer"], sinks=[sink])

    def commands() -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        session.stop()

    threading.Thread(target=commands, daemon=True).start()
    session.run()
    send(type="end", overflows=dict(session.source.overflows), log=str(session.log_path))


def _child_calls(calls: list, out) -> None:
    from coach.audio import live

    results = []
    for name, *args in calls:
        try:
            results.append({"ok": getattr(live, name)(*args)})
        except Exception as exc:  # noqa: BLE001 - the parent asserts on the type and message
            results.append({"error": [type(exc).__name__, str(exc)]})
    out.write(json.dumps(results) + "\n")
    out.flush()


def _child_main(mode: str, argument: str) -> None:
    out = os.fdopen(os.dup(1), "w")  # the protocol's channel; fd 1 itself now goes to stderr
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    try:
        if mode == "capture":
            _child_capture(json.loads(argument), out)
        elif mode == "session":
            _child_session(json.loads(argument), out)
        else:
            _child_calls(json.loads(argument), out)
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test with it
        import traceback

        out.write(json.dumps({"type": "error", "traceback": traceback.format_exc()}) + "\n")
        out.flush()
        raise


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2])
