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

Every event goes to the call log first (flushed per event, so a crash loses nothing
already recorded), then to every sink in order.

One session is one call, unless ``next_call``: then (live devices) the agent's
``end_call`` ends the call (``CallEnded``, its log closed, ``WaitingForCall``) while
the capture runs on, and the next speech heard on either device starts the next call
with everything fresh: a new call log, ``CallStarted``, the playbook's start step, a new
signal tracker and the clock from 0. Without ``next_call``, ``end_call`` ends the session.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
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
    Partial,
    PlaybookReloaded,
    Tick,
    Utterance,
    WaitingForCall,
)

Sink = Callable[[Any], None]

AGENT_ENDED = "the agent ended the call"
CARRY_OVER = 0.5  # s: speech heard this soon after the agent ended a call is its last words, not the next call
PRE_ROLL = 0.25  # s: the next call's clock starts this long before its first words (not before the last call ended)


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
        next_call: bool = False,
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
        self.classifier = classifier or get_classifier()
        self._new_brain = lambda: CallBrain(self.classifier, Engine(self.watcher.playbook))
        self.brain = self._new_brain()
        self.tick_seconds = tick_seconds
        self.source_name = source_name or str(getattr(source, "path", "") or "live call")
        self.next_call = next_call
        self._logging = log
        self.log_path = log_path or (new_log_path(self.source_name) if log else None)
        self.log_paths: list[Path] = [self.log_path] if self.log_path else []  # one per call
        self._log = CallLog(self.log_path) if self.log_path else None
        self.sinks: list[Sink] = list(sinks)  # after the call log
        self._actions: queue.SimpleQueue[tuple[str, str | None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._stop_reason = ""
        self.now = 0.0  # call time
        self._next_tick = tick_seconds
        self.calls = 0  # calls started so far
        self._in_call = False  # False between calls (``next_call``): waiting for the next speech
        self._origin = 0.0  # source time of this call's t = 0
        self._source_now = 0.0  # source time: the end of the latest frame
        self._channel_t: dict[str, float] = {}  # source time of each channel's latest frame
        self._waiting_since = 0.0  # source time the last call ended
        self._devices: dict[str, DeviceStatus] = {}  # each channel's latest status
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
        """Process the whole session (until the source ends or ``stop()``); blocking."""
        reason = "end of audio"
        try:
            self._start_call(0.0)
            for item in self.source:
                if isinstance(item, DeviceStatus):
                    self._device(item)
                    continue
                self._between_frames()
                self._source_now = max(self._source_now, item.t)
                for channel in item.samples:
                    self._channel_t[channel] = item.t
                if self._in_call:
                    self.now = max(self.now, self._source_now - self._origin)
                for event in self.channels.feed(item):
                    self._heard(event)
                if self._in_call:
                    self._ticks_until(self.now)
                if self._stop.is_set():
                    break
            if self._stop.is_set():  # stop() may also end the source's iteration cleanly
                reason = self._stop_reason or "stopped"
            if self._in_call:  # between calls, a fragment left in the recognizers starts no call
                for event in self.channels.finish():
                    self._heard(event)
                self._between_frames()
        except CoachError as err:
            reason = f"error: {err}"
            raise
        except BaseException as err:  # still close the log properly, then let it propagate
            reason = f"error: {type(err).__name__}: {err}"
            raise
        finally:
            try:
                if self._in_call:
                    self._emit(CallEnded(self.now, reason))
            finally:
                if self._log:
                    self._log.close()
                    self._log = None
                self.ended.set()

    # ------------------------------------------------------------------ calls

    def _start_call(self, origin: float) -> None:
        """A call begins at source time ``origin``: fresh playbook state, signals, clock and (after the first) log."""
        if self.calls:
            self.brain = self._new_brain()  # the playbook as last (re)loaded; a new signal tracker
            if self._logging:
                self.log_path = new_log_path(self.source_name)
                self.log_paths.append(self.log_path)
                self._log = CallLog(self.log_path)
            restart = getattr(self.source, "restart_silence_watch", None)
            if restart:  # "no sound for a minute" counts from the start of this call
                restart()
        self.calls += 1
        self._in_call = True
        self._origin = origin
        self.now = 0.0
        self._next_tick = self.tick_seconds
        self._emit(
            CallStarted(
                0.0,
                self.source_name,
                getattr(self.recognizer, "description", getattr(self.recognizer, "name", "")),
                str(self.playbook_path.resolve()),
                _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                self._playbook_digest(),
            )
        )
        self._emit_all(self.brain.start(0.0))
        if self.calls > 1:  # a device still lost is this call's trouble too (and in its log)
            for status in self._devices.values():
                if status.state == "lost":
                    self._emit(dataclasses.replace(status, t=0.0))

    def _end_call(self, reason: str) -> None:
        """The agent ended the call: its last words, ``CallEnded``, the log closed; then wait for the next call."""
        for event in self.channels.finish():  # what was still being said belongs to this call
            self._handle(self._call_time(event))
        self._ticks_until(self.now)
        self._emit(CallEnded(self.now, reason))
        if self._log:
            self._log.close()
            self._log = None
        self._in_call = False
        self._waiting_since = self._source_now
        from coach.stt.pipeline import ChannelRecognizers

        # fresh streams on the same capture: the next call's first words reach them (nothing is reopened)
        starts = {ch: self._channel_t.get(ch, self._source_now) for ch in self.channels.channels}
        self.channels = ChannelRecognizers(self.recognizer, self.channels.channels, starts)
        self._emit(WaitingForCall(self.now, reason))

    def _heard(self, event: Partial | Utterance) -> None:
        """A recognizer's event (in source time); between calls, the first words start the next call."""
        if not self._in_call:
            if not event.text.strip() or event.start < self._waiting_since + CARRY_OVER or self._stop.is_set():
                return
            self._start_call(max(self._waiting_since, event.start - PRE_ROLL))
            self.now = max(0.0, self._source_now - self._origin)
        self._handle(self._call_time(event))

    def _call_time(self, event: Any) -> Any:
        """``event`` (source time) in this call's time."""
        dt = self._origin
        if not dt:
            return event
        start, end = max(0.0, event.start - dt), max(0.0, event.end - dt)
        if isinstance(event, Utterance):
            words = tuple(dataclasses.replace(w, start=max(0.0, w.start - dt), end=max(0.0, w.end - dt)) for w in event.words)
            return dataclasses.replace(event, start=start, end=end, words=words)
        return dataclasses.replace(event, start=start, end=end)

    def _device(self, status: DeviceStatus) -> None:
        self._devices[status.channel] = status
        if self._in_call:
            self._emit(status if not self._origin else dataclasses.replace(status, t=max(0.0, status.t - self._origin)))
        elif status.state not in ("silent", "ok"):  # between calls a quiet line is expected, not a device problem
            self._emit(dataclasses.replace(status, t=self.now))

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
            if not self._in_call:
                continue  # no call to act on (the panel says so)
            event = AgentAction(round(self.now, 3), action, step)
            self._emit(event)
            self._emit_all(self.brain.handle(event))
            if action == "end_call":
                if self.next_call:
                    self._end_call(AGENT_ENDED)
                else:
                    self._stop_reason = AGENT_ENDED
                    self.stop()
        if self.watch_playbook:
            try:
                new = self.watcher.poll()
            except PlaybookError as err:
                self._emit(PlaybookReloaded(self.now, str(self.playbook_path.resolve()), False, err.errors, self._playbook_digest()))
            else:
                if new is not None:
                    self._emit(PlaybookReloaded(self.now, str(self.playbook_path.resolve()), True, (), self._playbook_digest()))
                    if self._in_call:
                        self._emit_all(self.brain.replace_playbook(new, self.now))

    def _playbook_digest(self) -> str:
        """sha256 of the text of the playbook running now (the watcher keeps the last good one)."""
        return hashlib.sha256(self.watcher.playbook.text.encode("utf-8")).hexdigest()

    def _emit_all(self, events: Iterable[Any]) -> None:
        for event in events:
            self._emit(event)

    def _emit(self, event: Any) -> None:
        if self._log is not None:
            self._log(event)
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
    next_call: bool = False,
) -> Session:
    """A session over live capture: the softphone's output (customer) and the microphone (agent).

    ``next_call``: the agent's ``end_call`` ends the call and the session waits for the next one on the same
    capture (a shift of calls); otherwise it ends the session."""
    from coach.audio.live import LiveSource
    from coach.stt import open_recognizer

    check_playbook(playbook)
    recognizer, why = open_recognizer(engine, vosk_model, endpoint_silence)
    if on_choice:
        on_choice(why)
    from coach.stt.base import frame_seconds_for

    source = LiveSource(customer_device, agent_device, frame_seconds=frame_seconds_for(recognizer))
    name = f"live customer={customer_device}" + (f" agent={agent_device}" if agent_device is not None else "")
    return Session(source, recognizer, playbook, sinks=sinks, log=log, source_name=name, next_call=next_call)
