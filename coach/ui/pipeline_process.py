"""The call's pipeline in its own process, so its models never block the panel.

Measured (benchmarks/bench_ui.py): a worker *thread* that loads the classifier and
Whisper stalls an idle Qt window for ~440 ms, and inference during the call for
~100 ms: C code holding the GIL. In a separate process the GIL is not shared.

The child runs the same ``Session`` as ``coach analyze`` and sends every event
(immutable, picklable dataclasses) back through a queue; the agent's actions and
``stop`` go the other way. In the GUI process one reader thread hands each event to
``deliver`` (the ``EventBridge`` sink, or a replay ``Recording``). No Qt here: the
child never imports PySide6.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
from typing import Any, Callable

PIPELINE_NICENESS = 5


def step_choices(session: Any) -> list[tuple[str, str]]:
    """(step id, title) of the session's playbook, for the override menu; empty if unknown."""
    known = getattr(session, "steps", None)
    if isinstance(known, list):
        return known
    playbook = getattr(getattr(session, "watcher", None), "playbook", None)
    steps = getattr(playbook, "steps", None) or {}
    items = steps.items() if isinstance(steps, dict) else ((getattr(s, "id", None), s) for s in steps)
    out = []
    for key, step in items:
        sid = getattr(step, "id", None) or key
        if sid:
            out.append((str(sid), str(getattr(step, "title", "") or sid)))
    return out


# --------------------------------------------------------------------------- child process


def _trace_sink(session_box: dict) -> Callable[[Any], None] | None:
    """With ``COACH_UI_TRACE``: note when each final line and each step is emitted, with the call clock (benchmarks)."""
    path = os.environ.get("COACH_UI_TRACE")
    if not path:
        return None
    import json

    from coach.brain import follows_customer_speech

    out = open(path, "a", encoding="utf-8", buffering=1)
    recent: list[Any] = []  # the last two events before this one

    def wall0() -> float | None:
        clock = getattr(session_box.get("session"), "clock", None)
        return clock.wall_time_of(0.0) if clock is not None and hasattr(clock, "wall_time_of") else None

    def sink(event: Any) -> None:
        kind = getattr(event, "type", "")
        if kind == "classified":  # a final utterance, classified: what the panel's transcript shows next
            u = event.utterance
            out.write(json.dumps({"what": "utterance_emitted", "mono": time.monotonic(), "channel": u.channel,
                                  "start": u.start, "end": u.end, "wall0": wall0()}) + "\n")
        elif kind == "step":
            by_speech = follows_customer_speech(recent)
            out.write(json.dumps({"what": "step_emitted", "mono": time.monotonic(), "step": event.step, "t": event.t,
                                  "wall0": wall0(), "by_speech": by_speech}) + "\n")
        recent.append(event)
        del recent[:-2]

    return sink


def step_aside() -> None:
    """The agent's panel (and softphone) come first; the pipeline takes the CPU they leave.

    A lower priority (``nice``) inside the panel's own scheduling group: on Linux the
    scheduler shares the CPU between session groups (autogroup) first, and inside the
    group the panel's thread wins over the pipeline's. Measured (benchmarks/bench_ui.py,
    GUI stalls during the call): a session of its own for the pipeline (``setsid``, its
    own group) was better only when the machine was overloaded (load ~8 on 2 cores) and
    4x worse at load ~4, so the pipeline stays in the panel's group
    (``COACH_PIPELINE_SESSION=own`` measures the other way). It ends when the panel
    says so, or when the panel's process dies (``PR_SET_PDEATHSIG``).
    """
    if os.environ.get("COACH_PIPELINE_SESSION") == "own":  # measured worse at everyday load: for benchmarks only
        try:
            os.setsid()
        except (AttributeError, OSError):
            pass
    try:
        os.nice(PIPELINE_NICENESS)
    except (AttributeError, OSError):
        pass
    _end_with_parent()


def _end_with_parent() -> None:
    """Linux: SIGTERM when the panel's process dies, so a killed panel never leaves a capture running."""
    import ctypes
    import ctypes.util
    import signal

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(spec: dict[str, Any], events: Any, commands: Any) -> None:
    from coach.errors import CoachError

    step_aside()

    box: dict[str, Any] = {}
    sinks: list[Callable[[Any], None]] = []
    trace = _trace_sink(box)
    if trace:
        sinks.append(trace)
    sinks.append(lambda event: events.put(("event", event)))

    def new_log(event: Any) -> None:  # with next_call, each call has a log of its own
        if getattr(event, "type", "") == "call_started" and getattr(box.get("session"), "log_path", None):
            events.put(("log", str(box["session"].log_path)))

    sinks.append(new_log)
    try:
        from coach.session import open_session_for_devices, open_session_for_file

        kind, target, options = spec["kind"], spec["target"], dict(spec["options"])
        options["on_choice"] = lambda why: events.put(("phase", why))
        if kind == "file":
            session = open_session_for_file(target, sinks=sinks, **options)
        else:
            session = open_session_for_devices(*target, sinks=sinks, **options)
        box["session"] = session
        log_path = str(session.log_path) if session.log_path else None
        events.put(("ready", {"log_path": log_path, "steps": step_choices(session)}))

        def listen() -> None:
            while True:
                command = commands.get()
                if command[0] == "act":
                    session.act(command[1], command[2])
                elif command[0] == "stop":
                    session.stop()
                    return

        threading.Thread(target=listen, name="coach-commands", daemon=True).start()
        session.run()
    except CoachError as err:
        events.put(("failed", str(err)))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the parent stops us properly
        pass
    except Exception as err:  # noqa: BLE001 - shown in the panel; the call log holds what happened
        events.put(("failed", f"The coaching pipeline stopped: {type(err).__name__}: {err}"))
    finally:
        events.put(("finished", None))


# --------------------------------------------------------------------------- GUI process


class PipelineProcess:
    """A running call pipeline in a child process; ``act`` and ``stop`` are safe from any thread.

    ``kind`` is ``"file"`` (``target``: the recording) or ``"devices"`` (``target``:
    ``(customer_device, agent_device)``); ``options`` are the keyword arguments of
    ``open_session_for_file`` / ``open_session_for_devices`` (no sinks). Callbacks run
    on the reader thread: give thread-safe ones (Qt signal emits, a ``Recording``).
    """

    def __init__(self, kind: str, target: Any, options: dict[str, Any], *,
                 deliver: Callable[[Any], None],
                 on_phase: Callable[[str], None] = lambda why: None,
                 on_ready: Callable[["PipelineProcess"], None] = lambda proxy: None,
                 on_failed: Callable[[str], None] = lambda message: None,
                 on_finished: Callable[[], None] = lambda: None):
        ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
        self._events = ctx.Queue()
        self._commands = ctx.Queue()
        self.log_path: str | None = None  # the first call's log
        self.log_paths: list[str] = []  # every call's log, in order
        self.steps: list[tuple[str, str]] = []
        self.ready = threading.Event()
        self.finished = threading.Event()
        self._callbacks = (deliver, on_phase, on_ready, on_failed, on_finished)
        spec = {"kind": kind, "target": target, "options": options}
        self.process = ctx.Process(target=_child, args=(spec, self._events, self._commands), name="coach-pipeline",
                                   daemon=True)
        self.process.start()
        self._reader = threading.Thread(target=self._read, name="coach-pipeline-reader", daemon=True)
        self._reader.start()

    def act(self, action: str, step: str | None = None) -> None:
        from coach.events import AGENT_ACTIONS

        if action not in AGENT_ACTIONS:
            raise ValueError(f"unknown agent action {action!r}; expected one of {', '.join(AGENT_ACTIONS)}")
        self._commands.put(("act", action, step))

    def stop(self) -> None:
        self._commands.put(("stop",))

    def join(self, timeout: float = 15.0) -> None:
        """Wait for the call to end (its log closed); a child that will not stop is terminated."""
        self.finished.wait(timeout)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)

    def _read(self) -> None:
        deliver, on_phase, on_ready, on_failed, on_finished = self._callbacks
        while True:
            try:
                kind, payload = self._events.get(timeout=0.5)
            except queue.Empty:
                if self.process.is_alive():
                    continue
                try:  # it may have ended just after our timeout: drain what it sent
                    kind, payload = self._events.get(timeout=0.5)
                except queue.Empty:
                    on_failed(f"The coaching pipeline process ended unexpectedly (exit code {self.process.exitcode}); "
                              "the call log holds everything up to then.")
                    kind, payload = "finished", None
            if kind == "event":
                deliver(payload)
            elif kind == "phase":
                on_phase(payload)
            elif kind == "ready":
                self.log_path, self.steps = payload["log_path"], payload["steps"]
                if self.log_path and self.log_path not in self.log_paths:
                    self.log_paths.append(self.log_path)
                self.ready.set()
                on_ready(self)
            elif kind == "log":
                if payload not in self.log_paths:
                    self.log_paths.append(payload)
            elif kind == "failed":
                on_failed(payload)
            elif kind == "finished":
                self.finished.set()
                on_finished()
                return
