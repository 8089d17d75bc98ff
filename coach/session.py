"""One call, wired: audio source -> recognizers -> brain (classifier, tracker, playbook) -> sinks.

The session is the single place where the parts meet. It runs on one thread (its
own worker in the GUI, the main thread in ``coach analyze``) and handles every
event in one total order, so the playbook sees the same sequence whether the
audio comes from a live device, a real-time replay or a fast replay.

Between audio frames it also:

* stamps and handles the agent's actions (``act`` is safe to call from any thread);
* emits a ``Tick`` every ``tick_seconds`` of call time, so silence and timers advance;
* checks the playbook file and hot-reloads it (a broken edit keeps the last good
  playbook running and is reported as ``PlaybookReloaded(ok=False)``).

Every event goes to every sink in order; the first sink is always the call log,
flushed per event, so a crash loses nothing already recorded.
"""

from __future__ import annotations

import datetime as _dt
import queue
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

from coach.calllog import CallLog, new_log_path
from coach.errors import CoachError, PlaybookError
from coach.events import (
    AgentAction,
    AGENT_ACTIONS,
    CallEnded,
    CallStarted,
    DeviceStatus,
    PlaybookReloaded,
    Tick,
)

Sink = Callable[[Any], None]


class Session:
    def __init__(
        self,
        source: Any,
        recognizer: Any,
        playbook_path: str | Path | None = None,
        *,
        classifier: Any = None,
        sinks: Iterable[Sink] = (),
        log: bool = True,
        log_path: Path | None = None,
        tick_seconds: float = 0.25,
        source_name: str = "",
        watch_playbook: bool = True,
    ):
        from coach.brain import CallBrain
        from coach.classify import get_classifier
        from coach.paths import DEFAULT_PLAYBOOK
        from coach.playbook import Engine, PlaybookWatcher
        from coach.stt.pipeline import ChannelRecognizers

        self.source = source
        self.recognizer = recognizer
        self.playbook_path = Path(playbook_path) if playbook_path else DEFAULT_PLAYBOOK
        self.watcher = PlaybookWatcher(self.playbook_path)  # raises PlaybookError if invalid at start
        self.watch_playbook = watch_playbook
        self.channels = ChannelRecognizers(recognizer, getattr(source, "channels", ("agent", "customer")))
        self.brain = CallBrain(classifier or get_classifier(), Engine(self.watcher.playbook))
        self.tick_seconds = tick_seconds
        self.source_name = source_name or str(getattr(source, "path", "") or "live call")
        self.log_path = log_path or (new_log_path(self.source_name) if log else None)
        self._log = CallLog(self.log_path) if self.log_path else None
        self.sinks: list[Sink] = ([self._log] if self._log else []) + list(sinks)
        self._actions: queue.SimpleQueue[tuple[str, str | None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.now = 0.0
        self._next_tick = tick_seconds
        self.ended = threading.Event()

    # ------------------------------------------------------------------ control (any thread)

    def act(self, action: str, step: str | None = None) -> None:
        """Queue an agent action; it is stamped with call time and handled between frames."""
        if action not in AGENT_ACTIONS:
            raise ValueError(f"unknown agent action {action!r}; expected one of {', '.join(AGENT_ACTIONS)}")
        self._actions.put((action, step))

    def stop(self) -> None:
        self._stop.set()
        stop = getattr(self.source, "stop", None)
        if stop:
            stop()

    # ------------------------------------------------------------------ the loop (one thread)

    def run(self) -> None:
        """Process the whole call (until the source ends or ``stop()``); blocking."""
        reason = "end of audio"
        try:
            self._emit(
                CallStarted(
                    0.0,
                    self.source_name,
                    getattr(self.recognizer, "description", getattr(self.recognizer, "name", "")),
                    str(self.playbook_path),
                    _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                )
            )
            self._emit_all(self.brain.start(0.0))
            for item in self.source:
                if isinstance(item, DeviceStatus):
                    self._emit(item)
                    continue
                self._between_frames()
                self.now = max(self.now, item.t)
                for event in self.channels.feed(item):
                    self._handle(event)
                self._ticks_until(self.now)
                if self._stop.is_set():
                    break
            if self._stop.is_set():  # stop() may also end the source's iteration cleanly
                reason = "stopped"
            for event in self.channels.finish():
                self._handle(event)
            self._between_frames()
        except CoachError as err:
            reason = f"error: {err}"
            raise
        except BaseException as err:  # still close the log properly, then let it propagate
            reason = f"error: {type(err).__name__}: {err}"
            raise
        finally:
            try:
                self._emit(CallEnded(self.now, reason))
            finally:
                if self._log:
                    self._log.close()
                self.ended.set()

    def _handle(self, event: Any) -> None:
        self._ticks_until(event.t)
        self._emit(event)
        self._emit_all(self.brain.handle(event))

    def _ticks_until(self, t: float) -> None:
        while self._next_tick <= t + 1e-9:
            tick = Tick(round(self._next_tick, 3))
            self._next_tick += self.tick_seconds
            self._emit_all(self.brain.handle(tick))

    def _between_frames(self) -> None:
        while True:
            try:
                action, step = self._actions.get_nowait()
            except queue.Empty:
                break
            event = AgentAction(round(self.now, 3), action, step)
            self._emit(event)
            self._emit_all(self.brain.handle(event))
        if self.watch_playbook:
            try:
                new = self.watcher.poll()
            except PlaybookError as err:
                self._emit(PlaybookReloaded(self.now, str(self.playbook_path), False, err.errors))
            else:
                if new is not None:
                    self._emit(PlaybookReloaded(self.now, str(self.playbook_path), True))
                    self._emit_all(self.brain.replace_playbook(new, self.now))

    def _emit_all(self, events: Iterable[Any]) -> None:
        for event in events:
            self._emit(event)

    def _emit(self, event: Any) -> None:
        for sink in self.sinks:
            sink(event)


# ---------------------------------------------------------------------- builders


def check_playbook(playbook: str | Path | None) -> None:
    """Raise ``PlaybookError`` now if the playbook is invalid (it is cheap; models are not)."""
    from coach.paths import DEFAULT_PLAYBOOK
    from coach.playbook import load_playbook

    load_playbook(playbook or DEFAULT_PLAYBOOK)


def resolve_call(path: str | Path) -> Path:
    """A recorded call's path; the word ``demo`` means the bundled demo call (rendered on first use)."""
    if str(path) == "demo" and not Path(path).exists():
        from coach.demo import demo_call_path

        return demo_call_path()
    return Path(path)


def open_session_for_file(
    path: str | Path,
    *,
    realtime: bool = False,
    speed: float = 1.0,
    engine: str | None = None,
    vosk_model: str | None = None,
    customer_channel: int = 1,
    playbook: str | Path | None = None,
    sinks: Iterable[Sink] = (),
    endpoint_silence: float | None = None,
    log: bool = True,
    on_choice: Callable[[str], None] | None = None,
) -> Session:
    """A session over a recorded call: fast (virtual clock) or paced like a live call."""
    from coach.audio.source import FileSource
    from coach.clock import RealClock, VirtualClock
    from coach.stt import open_recognizer

    path = resolve_call(path)
    clock = RealClock(speed) if realtime else VirtualClock()
    source = FileSource(path, customer_channel=customer_channel, clock=clock)
    check_playbook(playbook)  # a bad playbook or recording fails before the models load
    recognizer, why = open_recognizer(engine, vosk_model, endpoint_silence, warm_up=realtime)
    if on_choice:
        on_choice(why)
    if realtime:  # paced like a live call: frames of the engine's length (Vosk: 32 ms blocks, see stt.base)
        from coach.stt.base import frame_seconds_for

        source.set_frame_seconds(frame_seconds_for(recognizer))
    session = Session(source, recognizer, playbook, sinks=sinks, log=log, source_name=str(path))
    session.clock = clock  # type: ignore[attr-defined]
    return session


def open_session_for_devices(
    customer_device: str | int | None,
    agent_device: str | int | None = None,
    *,
    engine: str | None = None,
    vosk_model: str | None = None,
    playbook: str | Path | None = None,
    sinks: Iterable[Sink] = (),
    endpoint_silence: float | None = None,
    log: bool = True,
    on_choice: Callable[[str], None] | None = None,
) -> Session:
    """A session over live capture: the softphone's output (customer) and the microphone (agent)."""
    from coach.audio.live import LiveSource
    from coach.stt import open_recognizer

    check_playbook(playbook)
    recognizer, why = open_recognizer(engine, vosk_model, endpoint_silence)
    if on_choice:
        on_choice(why)
    from coach.stt.base import frame_seconds_for

    source = LiveSource(customer_device, agent_device, frame_seconds=frame_seconds_for(recognizer))
    name = f"live customer={customer_device}" + (f" agent={agent_device}" if agent_device is not None else "")
    return Session(source, recognizer, playbook, sinks=sinks, log=log, source_name=name)
