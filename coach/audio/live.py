"""Live capture from sound devices (sounddevice / PortAudio), with recovery when a device vanishes.

The customer is usually a monitor of the softphone's output (PulseAudio/PipeWire
``*.monitor`` source or a loopback device), the agent the microphone. Each device
gets its own input stream whose callback does one thing: copy the block onto a
bounded queue, or drop it and count an overflow when the queue is full. It never
blocks. The consumer (the iterator) turns blocks into ``AudioFrame``s stamped with
the channel's own sample count, and reports trouble as ``DeviceStatus`` events:

* ``overflow``: blocks were dropped (the computer is too busy);
* ``lost``: the device stopped delivering audio (its stream ended, it delivered
  nothing for ``stall_seconds``, or the sound server no longer has its source).
  The stream is closed and reopened **by name** with back-off (0.5 s doubling to
  8 s, and at once when the sound server announces the source again). While it is
  away the channel is fed silence at the pace of the wall clock, so call time runs
  on: timers and the transcript's times stay continuous, an utterance cut by the
  loss is ended by the silence, and nothing jumps backwards;
* ``recovered``: audio flows again from the reopened device;
* ``silent`` / ``ok``: no sound above -60 dBFS for ``silent_seconds``, and sound again.

PulseAudio/PipeWire: through PortAudio's ALSA ``pulse``/``default`` device the
sound server *moves* a stream whose source vanished to another source (often a
silent one) instead of ending it, so the device alone cannot tell. When ``pactl``
works, coach pins the source the stream reads (``PULSE_SOURCE``, or the default
source when capture started), listens to ``pactl subscribe`` for sources coming and
going, and reopens the stream on that same source when it is back. When the sound
server itself goes away (stopped, crashed, killed: ``pactl subscribe`` ends), the
channel is ``lost`` with one sentence saying so and what to do (restart it, check
``pactl info``); nothing is reopened until ``pactl info`` answers again, then at once.

Streams are opened (and reopened) on a thread of their own, one at a time, and waited
for at most ``OPEN_WAIT``: an open that hangs (PortAudio's ALSA plugin waiting on a dead
server) never blocks the consumer, which feeds the recognizers and must see ``stop()``
and Ctrl-C; it is reported, and a stream it brings late is closed unused. Streams are
closed on threads of their own too (``_Closing``).
"""

from __future__ import annotations

import atexit
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from math import gcd
from typing import Any, Iterator

import numpy as np

from coach.audio.source import SAMPLE_RATE, AudioFrame, samples_per_frame
from coach.errors import AudioError
from coach.events import AGENT, CUSTOMER, DeviceStatus

SOUND_LEVEL = 1e-3  # peak above -60 dBFS counts as sound (a null sink's monitor gives exact zeros)
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 8.0
SILENT_HINT = {  # what to check when a device has given no sound for a minute
    CUSTOMER: "if the call is not on hold, check that the softphone plays into it.",
    AGENT: "check that the microphone is the one selected for coach and that it is not muted.",
}
PULSE_DEVICES = ("pulse", "default")  # PortAudio ALSA devices that are PulseAudio/PipeWire clients
RESTART_HINT = ("restart it (`systemctl --user restart pipewire-pulse`, or `pulseaudio --start` for PulseAudio) "
                "and check it with `pactl info`")


def _sd():
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise AudioError(f"Sound devices are unavailable ({exc}); install PortAudio (apt-get install libportaudio2).") from None
    return sd


def list_devices() -> list[dict]:
    """Every input device: ``{"index", "name", "hostapi", "channels", "default_samplerate", "default"}``.

    Where PortAudio reaches PulseAudio/PipeWire through its ALSA ``pulse`` device, the
    sound server's sources (``softphone.monitor``, the microphone) are listed too, by
    their own names, with ``"pulse_source"`` set: they are opened through ``pulse``.
    """
    sd = _sd()
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in = sd.default.device[0]
    except Exception as exc:  # PortAudio errors have no stable type
        raise AudioError(f"Cannot list sound devices ({exc}); check that the sound server is running.") from None
    out = []
    for index, dev in enumerate(devices):
        if dev["max_input_channels"] <= 0:
            continue
        out.append(
            {
                "index": index,
                "name": dev["name"],
                "hostapi": hostapis[dev["hostapi"]]["name"],
                "channels": int(dev["max_input_channels"]),
                "default_samplerate": float(dev["default_samplerate"]),
                "default": index == default_in,
            }
        )
    pulse = next((d for d in out if d["name"] == "pulse"), None)
    if pulse is not None and shutil.which("pactl"):
        out += _pulse_sources(pulse)
    return out


def _pulse_sources(pulse: dict) -> list[dict]:
    listing = PulseWatch._run("list", "short", "sources") or ""
    out = []
    for line in listing.splitlines():
        fields = line.split("\t")
        if len(fields) < 4:
            continue
        spec = fields[3].split()
        channels = next((int(x[:-2]) for x in spec if x.endswith("ch") and x[:-2].isdigit()), 2)
        rate = next((float(x[:-2]) for x in spec if x.endswith("Hz") and x[:-2].isdigit()), 48000.0)
        out.append({"index": pulse["index"], "name": fields[1], "hostapi": "PulseAudio source, through 'pulse'",
                    "channels": channels, "default_samplerate": rate, "default": False, "pulse_source": fields[1]})
    return out


def resolve_device(name_or_index: str | int) -> dict:
    """An input device by index or (exact, else unique partial, case-insensitive) name; raises ``AudioError``."""
    devices = list_devices()
    names = ", ".join(f"{d['index']}: {d['name']}" for d in devices) or "none"
    text = str(name_or_index).strip()
    if text.isdigit():
        for d in devices:
            if d["index"] == int(text):
                return d
        raise AudioError(f"There is no input device with index {text}; available inputs are {names} (see `coach devices`).")
    exact = [d for d in devices if d["name"].lower() == text.lower()]
    if exact:
        return exact[0]
    partial = [d for d in devices if text.lower() in d["name"].lower()]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise AudioError(f"The device name '{text}' matches several inputs ({', '.join(d['name'] for d in partial)}); give its index or full name.")
    if not any(d["name"] in PULSE_DEVICES for d in devices) and shutil.which("pactl") and PulseWatch._run("info") is None:
        raise AudioError(f"There is no input device named '{text}' (available inputs: {names}) because the sound "
                         f"server (PulseAudio/PipeWire) is not answering; {RESTART_HINT}.")
    raise AudioError(f"There is no input device named '{text}'; available inputs are {names} (see `coach devices`).")


class _Resampler:
    """Per-block polyphase resampling for devices that cannot open at 16 kHz."""

    def __init__(self, rate: int):
        self.rate = rate

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.rate == SAMPLE_RATE:
            return x
        from scipy.signal import resample_poly

        g = gcd(self.rate, SAMPLE_RATE)
        return resample_poly(x, SAMPLE_RATE // g, self.rate // g).astype(np.float32)


# --------------------------------------------------------------------------- the sound server


class PulseWatch:
    """Whether the PulseAudio/PipeWire server is there and which sources it has, kept fresh by ``pactl subscribe``
    on a thread of its own (the consumer only reads ``up`` and ``has()``, it never waits on ``pactl``).

    ``usable`` is False where there is no ``pactl`` or no server when capture starts: then
    loss is detected from the stream alone (it ends, or delivers nothing). When the server
    goes away (``pactl subscribe`` ends: it was stopped, or killed), ``up`` turns False, and
    the watch asks ``pactl info`` every ``RETRY`` s until it answers again.
    """

    _EVENT = re.compile(r"Event '(new|remove)' on source #")
    RETRY = 1.0

    def __init__(self) -> None:
        self.usable = bool(shutil.which("pactl")) and self._run("info") is not None
        self.up = self.usable  # False while the server is away (written by the watch's thread only)
        self._sources: frozenset[str] = frozenset(self._list()) if self.usable else frozenset()
        self._proc: subprocess.Popen | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _run(*args: str) -> str | None:
        try:
            out = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout if out.returncode == 0 else None

    def _list(self) -> set[str]:
        out = self._run("list", "short", "sources")
        return {line.split("\t")[1] for line in (out or "").splitlines() if line.count("\t") >= 1}

    def default_source(self) -> str | None:
        for line in (self._run("info") or "").splitlines():
            if line.startswith("Default Source:"):
                return line.split(":", 1)[1].strip() or None
        return None

    def start(self) -> None:
        if not self.usable or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch, name="coach-pulse-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopped.is_set():
            try:
                proc = subprocess.Popen(["pactl", "subscribe"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True)
            except OSError:
                return
            self._proc = proc
            if self._stopped.is_set():  # stop() came before the process was known to it
                proc.terminate()
            sources = self._list()  # after subscribing: nothing that changes from now on is missed
            if self._run("info") is not None:
                self._sources, self.up = frozenset(sources), True
            for line in proc.stdout:  # ends when the process is stopped, or the server goes away
                if self._EVENT.search(line):
                    self._sources = frozenset(self._list())
            proc.wait()
            if self._stopped.is_set():
                return
            self.up = False  # the server went away (or never answered this subscription)
            while not self._stopped.wait(self.RETRY) and self._run("info") is None:
                pass

    def has(self, source: str) -> bool:
        return source in self._sources

    def stop(self) -> None:
        self._stopped.set()
        proc = self._proc
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            self._proc = None


@contextmanager
def _pulse_source(source: str | None):
    """Open a PulseAudio ALSA stream on ``source`` (libpulse reads ``PULSE_SOURCE`` when a stream opens)."""
    if source is None:
        yield
        return
    before = os.environ.get("PULSE_SOURCE")
    os.environ["PULSE_SOURCE"] = source
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PULSE_SOURCE", None)
        else:
            os.environ["PULSE_SOURCE"] = before


# --------------------------------------------------------------------------- one device


class _Capture:
    """One channel's device and its stream's health (written by the audio thread: ``last_block`` only)."""

    def __init__(self, channel: str, device: dict):
        self.channel = channel
        self.device = device
        self.name = device["name"]
        self.pulse_source: str | None = device.get("pulse_source")  # a PulseAudio source opened through 'pulse'
        self.stream: Any = None
        self.opening: _Opener | None = None  # a stream being opened for it (``stream`` is None meanwhile)
        self.gen = 0  # blocks of an older stream (closed) are dropped
        self.resampler = _Resampler(SAMPLE_RATE)
        self.samples = 0
        self.opened_at = 0.0
        self.last_block: float | None = None  # monotonic time of the stream's latest block
        self.finished: float | None = None  # monotonic time its stream said it ended
        self.lost_since: float | None = None  # monotonic; None while healthy
        self.lost_samples = 0
        self.backoff = BACKOFF_FIRST
        self.next_attempt = 0.0
        self.last_sound = 0.0  # call time of the latest block with sound
        self.silent = False
        self.told_server = False  # the user was told that the sound server went away (this time)
        self.told_hung = False  # the user was told that an open hangs

    @property
    def label(self) -> str:
        src = f" ({self.pulse_source})" if self.pulse_source and self.pulse_source != self.name else ""
        return f"'{self.name}'{src}"


FINISH_GRACE = 0.5  # with the sound server watched, a stream that ended is lost only this long after (when the
# server went away, its own message comes first, instead of "stopped delivering audio")
CLOSE_WAIT = 5.0  # at most this long (from when its close began) is waited for a stream to close


def _shut(stream: Any) -> None:
    try:
        # abort, not stop: stop drains the device's buffers first, which through PulseAudio's ALSA plugin can
        # take seconds on a busy machine (Ctrl-C then seemed to hang); a capture stream has nothing to keep.
        stream.abort()
        stream.close()
    except Exception:  # noqa: BLE001 - a vanished device may refuse; it is gone either way
        pass


class _Closing:
    """Streams being closed, each on its own daemon thread, one close at a time (unless one hangs for longer than
    ``CLOSE_WAIT``): the one way coach closes a stream.

    Closing a stream whose device vanished can hang for seconds, so it never runs on the
    consumer's thread (nor on PortAudio's callback thread). The registry is process-wide
    because PortAudio is: no stream may be opened while one is closing (unless that close
    has hung for longer than the caller's patience), and PortAudio must never be
    terminated (``Pa_Terminate``: re-reading the device list, or sounddevice at exit) under
    a close. Measured with a real PulseAudio stream, terminating at a random moment of
    another thread's abort/close, 40 processes: 1 died of SIGABRT (``PaUnixMutex_Terminate``
    assertion in PortAudio), in 11 the closing thread hung for good.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.one_at_a_time = threading.Lock()  # Pa_CloseStream edits PortAudio's list of open streams unlocked
        self._threads: list[tuple[threading.Thread, float]] = []  # (closer, monotonic time its close began)
        self._opens: list[threading.Thread] = []  # streams being opened (``_Opener``), never waited for
        self._at_exit = False

    def _shut(self, stream: Any) -> None:
        # one at a time, but a close that hangs for good (seen: Pa_AbortStream never returning) must not keep
        # every later stream open: after CLOSE_WAIT the next close goes ahead anyway
        turn = self.one_at_a_time.acquire(timeout=CLOSE_WAIT)
        try:
            _shut(stream)
        finally:
            if turn:
                self.one_at_a_time.release()

    def start(self, stream: Any) -> tuple[threading.Thread, float]:
        closer = threading.Thread(target=self._shut, args=(stream,), name="coach-close-stream", daemon=True)
        entry = (closer, time.monotonic())
        with self._lock:
            self._register_exit()
            self._threads = [e for e in self._threads if e[0].is_alive()]
            self._threads.append(entry)
        closer.start()
        return entry

    def _before_exit(self) -> None:
        """At interpreter exit sounddevice calls ``Pa_Terminate``; under a close that hung (a device that never
        answers) that aborts the process (``PaUnixMutex_Terminate`` assertion) or hangs it. Give closes their
        ``CLOSE_WAIT``; if one still hangs, skip the terminate: the process is ending and the system frees it all."""
        with self._lock:
            entries = list(self._threads)
        self.wait(entries)
        if self.busy():
            sd = sys.modules.get("sounddevice")
            if sd is not None and getattr(sd, "_initialized", 0) > 0:
                sd._initialized = 0

    def _register_exit(self) -> None:
        if not self._at_exit:  # registered after sounddevice's own exit handler, so it runs before it
            atexit.register(self._before_exit)
            self._at_exit = True

    def opening(self, opener: threading.Thread) -> None:
        """``opener`` is opening a stream (``_Opener``): PortAudio must not be terminated under it either."""
        with self._lock:
            self._register_exit()
            self._opens = [t for t in self._opens if t.is_alive()]
            self._opens.append(opener)

    def busy(self, patience: float | None = None) -> bool:
        """A stream is still being closed (one whose close has hung for more than ``patience`` s does not count), or,
        when ``patience`` is None, opened by another thread."""
        now = time.monotonic()
        me = threading.current_thread()
        with self._lock:
            self._threads = [e for e in self._threads if e[0].is_alive()]
            self._opens = [t for t in self._opens if t.is_alive()]
            if patience is None and any(t is not me for t in self._opens):
                return True
            return any(patience is None or now - since < patience for _, since in self._threads)

    @staticmethod
    def wait(entries: list[tuple[threading.Thread, float]]) -> None:
        """Wait for these closes in turn, each at most ``CLOSE_WAIT`` s from when it began or its turn came."""
        turn = 0.0
        for closer, since in entries:
            closer.join(max(0.0, max(since, turn) + CLOSE_WAIT - time.monotonic()))
            turn = time.monotonic()


_CLOSING = _Closing()

OPEN_WAIT = 10.0  # an open that has not returned by then is given up on (it may hang for good)
_OPEN_LOCK = threading.Lock()  # one open at a time: PULSE_SOURCE is process-wide, and so is PortAudio


class _Opener:
    """Opens and starts one stream on a daemon thread of its own, so that an open that hangs (seen when the sound
    server was killed: PortAudio's ALSA plugin waiting for a server that will never answer) never blocks the
    consumer's thread, which feeds the recognizers and must see ``stop()`` / Ctrl-C.

    ``open`` returns ``(stream, device)`` or raises ``AudioError``. Whoever gives up on it calls
    ``abandon()``: a stream that still comes is then closed (``_CLOSING``), never used.
    """

    def __init__(self, open_: Any, what: str):
        self.what = what
        self.started = time.monotonic()
        self.done = threading.Event()
        self.result: tuple[Any, dict] | None = None
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._abandoned = False
        self.thread = threading.Thread(target=self._run, args=(open_,), name="coach-open-stream", daemon=True)
        _CLOSING.opening(self.thread)
        self.thread.start()

    def _run(self, open_: Any) -> None:
        result, error = None, None
        try:
            if not _OPEN_LOCK.acquire(timeout=OPEN_WAIT):
                raise AudioError(f"Cannot open {self.what}: opening another device has not returned for "
                                 f"{OPEN_WAIT:.0f} s; check the sound server with `pactl info`.")
            # nor while a stream is being closed (Pa_OpenStream and Pa_CloseStream edit one list, unlocked), unless
            # that close hangs: then, as for closes, go ahead after CLOSE_WAIT
            turn = _CLOSING.one_at_a_time.acquire(timeout=CLOSE_WAIT)
            try:
                result = open_()
            finally:
                if turn:
                    _CLOSING.one_at_a_time.release()
                _OPEN_LOCK.release()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            error = exc
        with self._lock:
            self.result, self.error = result, error
            abandoned = self._abandoned
            self.done.set()
        if abandoned and result is not None:
            _CLOSING.start(result[0])  # nobody waits for this stream any more

    def abandon(self) -> bool:
        """Give up on this open; False if it had already ended (then take its ``result``/``error``)."""
        with self._lock:
            if self.done.is_set():
                return False
            self._abandoned = True
            return True


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


class LiveSource:
    """Frames from one or two live input devices, until ``stop()``; also yields ``DeviceStatus``.

    ``stall_seconds``: a stream that delivers nothing for this long is lost (``start_seconds``
    before its first block: sound servers take a moment to start one). ``silent_seconds``:
    no sound for this long is reported once as ``silent``.
    """

    def __init__(self, customer_device: Any, agent_device: Any = None, frame_seconds: float = 0.1,
                 queue_seconds: float = 30.0, *, stall_seconds: float = 3.0, start_seconds: float = 6.0,
                 silent_seconds: float = 60.0, watch_server: bool = True):
        self.frame_samples = samples_per_frame(frame_seconds)
        self.queue_seconds = queue_seconds
        self.devices = {CUSTOMER: resolve_device(customer_device)}
        if agent_device is not None:
            self.devices[AGENT] = resolve_device(agent_device)
        self.channels: tuple[str, ...] = tuple(ch for ch in (AGENT, CUSTOMER) if ch in self.devices)
        self.path = " + ".join(f"{ch}: {d['name']}" for ch, d in self.devices.items())
        blocks = max(4, int(queue_seconds / frame_seconds) * len(self.devices))
        self._queue: queue.Queue[tuple[str, int, np.ndarray | None]] = queue.Queue(maxsize=blocks)
        self.overflows: dict[str, int] = {ch: 0 for ch in self.devices}
        self._reported: dict[str, int] = {ch: 0 for ch in self.devices}
        self.stall_seconds = stall_seconds
        self.start_seconds = start_seconds
        self.silent_seconds = silent_seconds
        self._captures = {ch: _Capture(ch, dev) for ch, dev in self.devices.items()}
        through_pulse = [d for d in self.devices.values() if d["name"] in PULSE_DEVICES or d.get("pulse_source")]
        self._pulse = PulseWatch() if watch_server and through_pulse else None
        if self._pulse is not None and self._pulse.usable:
            default = self._pulse.default_source()
            for cap in self._captures.values():
                if cap.name in PULSE_DEVICES:  # pin the source it reads now, to reopen that one
                    cap.pulse_source = os.environ.get("PULSE_SOURCE") or default
        self._stop = threading.Event()
        self._closes: list[tuple[threading.Thread, float]] = []  # this source's streams being closed (``_CLOSING``)

    def set_frame_seconds(self, frame_seconds: float) -> None:
        """Capture in blocks of this length (the recognizer's, ``coach.stt.base.frame_seconds_for``).

        Only before the streams open (the block size is fixed when a stream opens); the queue
        keeps holding ``queue_seconds`` of audio.
        """
        if any(cap.stream is not None for cap in self._captures.values()):
            raise RuntimeError("set_frame_seconds() after the capture started")
        self.frame_samples = samples_per_frame(frame_seconds)
        blocks = max(4, int(self.queue_seconds * SAMPLE_RATE / self.frame_samples) * len(self.devices))
        self._queue = queue.Queue(maxsize=blocks)

    # ----------------------------------------------------------------- audio thread

    def _callback_for(self, channel: str):
        q, overflows, cap = self._queue, self.overflows, self._captures[channel]
        gen = cap.gen

        def callback(indata, frames, time_info, status) -> None:  # never blocks
            if gen != cap.gen:
                return  # a stream being closed after its device was lost
            cap.last_block = time.monotonic()
            if status and status.input_overflow:
                overflows[channel] += 1
            try:
                q.put_nowait((channel, gen, indata[:, 0].copy()))
            except queue.Full:
                overflows[channel] += 1

        return callback

    def _finished_for(self, channel: str):
        gen = self._captures[channel].gen

        def finished() -> None:
            if not self._stop.is_set():
                try:
                    self._queue.put_nowait((channel, gen, None))
                except queue.Full:
                    pass

        return finished

    # ----------------------------------------------------------------- opening and closing

    def _make_stream(self, cap: _Capture, again: bool, callback: Any, finished: Any) -> tuple[Any, dict]:
        """Open and start ``cap``'s device (looked up again by name on a reopen: its index may have changed).

        Runs on an ``_Opener``'s thread: touches nothing of ``cap`` but its device description."""
        sd = _sd()
        dev = self._find_again(cap) if again else cap.device
        stream, error = None, None
        with _pulse_source(cap.pulse_source):
            for rate in (SAMPLE_RATE, int(dev["default_samplerate"])):
                try:
                    stream = sd.InputStream(
                        device=dev["index"], channels=1, samplerate=rate, dtype="float32",
                        blocksize=int(self.frame_samples * rate / SAMPLE_RATE),
                        callback=callback, finished_callback=finished,
                    )
                    break
                except Exception as exc:  # PortAudio: unsupported rate, busy or vanished device
                    error = exc
            if stream is None:
                raise AudioError(f"Cannot open the input device '{dev['name']}' for the {cap.channel} ({error}); "
                                 "check it in `coach devices`.")
            try:
                stream.start()
            except Exception as exc:  # noqa: BLE001 - PortAudio
                _CLOSING.start(stream)
                raise AudioError(f"Cannot start the input device '{dev['name']}' for the {cap.channel} ({exc}).") from None
        return stream, dev

    def _start_open(self, cap: _Capture) -> None:
        again = cap.opened_at != 0.0
        callback, finished = self._callback_for(cap.channel), self._finished_for(cap.channel)
        cap.opening = _Opener(lambda: self._make_stream(cap, again, callback, finished),
                              f"the input device {cap.label} for the {cap.channel}")

    def _opened(self, cap: _Capture, now: float) -> BaseException | None:
        """Take the stream of ``cap``'s finished open (the consumer's side); its error, if it failed."""
        opening, cap.opening = cap.opening, None
        if opening.error is not None:
            return opening.error
        stream, dev = opening.result
        cap.device = dev
        cap.resampler = _Resampler(int(stream.samplerate))
        cap.finished = None
        cap.last_block = None  # the stall clock starts now (a block the new stream already gave is in the queue)
        cap.opened_at = now
        cap.stream = stream
        return None

    def _give_up_open(self, cap: _Capture) -> None:
        """Stop waiting for ``cap``'s open; if its stream still comes, it is closed unused."""
        opening, cap.opening = cap.opening, None
        if opening is None:
            return
        cap.gen += 1  # anything its stream would queue is dropped
        if not opening.abandon():  # it ended meanwhile
            if opening.result is not None:
                self._closes.append(_CLOSING.start(opening.result[0]))

    def _find_again(self, cap: _Capture) -> dict:
        """The device by its name; PortAudio lists devices once, so look again if it is not there."""
        try:
            return resolve_device(cap.name)
        except AudioError:
            if any(c.stream is not None for c in self._captures.values()) or _CLOSING.busy():
                raise  # re-reading the list would close the other channel's stream (or one still closing) too
            sd = _sd()
            sd._terminate()
            sd._initialize()
            return resolve_device(cap.name)

    def _close_stream(self, cap: _Capture) -> None:
        """Detach ``cap``'s stream and close it on a thread of its own (``_CLOSING``); returns at once."""
        stream, cap.stream = cap.stream, None
        cap.gen += 1  # whatever the old stream still queued is dropped
        cap.last_block = None
        if stream is not None:
            self._closes = [e for e in self._closes if e[0].is_alive()]
            self._closes.append(_CLOSING.start(stream))

    def _open(self) -> None:
        """Open every device before the first frame; a bad device is one ``AudioError``, and so is an open that does
        not return within ``OPEN_WAIT`` (``stop()`` ends the wait too)."""
        if self._pulse is not None:
            self._pulse.start()
        for cap in self._captures.values():
            self._start_open(cap)
            opening = cap.opening
            deadline = opening.started + OPEN_WAIT
            while not opening.done.wait(0.1) and not self._stop.is_set() and time.monotonic() < deadline:
                pass
            if not opening.done.is_set():
                self._give_up_open(cap)
                if self._stop.is_set():
                    return
                error = AudioError(f"The input device {cap.label} for the {cap.channel} did not open within "
                                   f"{OPEN_WAIT:.0f} s; the sound server may be stuck: {RESTART_HINT}.")
            else:
                error = self._opened(cap, time.monotonic())
            if error is not None:
                self.stop()
                self._close()
                if isinstance(error, AudioError):
                    raise error
                raise AudioError(f"Cannot open the input device {cap.label} for the {cap.channel} ({error}).")

    def _close(self) -> None:
        """Close every stream, and wait for this source's closes (lost ones too) at most ``CLOSE_WAIT`` s each:
        a device that hangs on close must not keep the call (or Ctrl-C) from ending."""
        for cap in self._captures.values():
            self._give_up_open(cap)
            self._close_stream(cap)
        closes, self._closes = self._closes, []
        _CLOSING.wait(closes)
        if self._pulse is not None:
            self._pulse.stop()

    # ----------------------------------------------------------------- consumer

    def __iter__(self) -> Iterator[AudioFrame | DeviceStatus]:
        self._open()
        try:
            while not self._stop.is_set():
                try:
                    channel, gen, block = self._queue.get(timeout=0.1)
                except queue.Empty:
                    pass
                else:
                    cap = self._captures[channel]
                    if gen == cap.gen and cap.stream is not None:
                        if block is None:
                            cap.finished = time.monotonic()
                        else:
                            yield from self._blocks(cap, block)
                yield from self._check(time.monotonic())
        finally:
            self._close()

    def _t(self, cap: _Capture) -> float:
        return cap.samples / SAMPLE_RATE

    def _blocks(self, cap: _Capture, block: np.ndarray) -> Iterator[AudioFrame | DeviceStatus]:
        channel = cap.channel
        if cap.lost_since is not None:  # the reopened device delivers again
            gap = time.monotonic() - cap.lost_since
            cap.lost_since = None
            cap.backoff = BACKOFF_FIRST
            cap.last_sound = self._t(cap)
            yield DeviceStatus(self._t(cap), channel, "recovered",
                               f"{channel.capitalize()} audio is back after {_clock(gap)} (device {cap.label}); "
                               "the gap is silence in the transcript.")
        x = cap.resampler(block)
        t0 = self._t(cap)
        cap.samples += len(x)
        if self.overflows[channel] != self._reported[channel]:
            dropped = self.overflows[channel] - self._reported[channel]
            self._reported[channel] = self.overflows[channel]
            yield DeviceStatus(t0, channel, "overflow", f"{dropped} audio block(s) of the {channel} were dropped (the computer is too busy).")
        if len(x) and float(np.max(np.abs(x))) > SOUND_LEVEL:
            cap.last_sound = self._t(cap)
            if cap.silent:
                cap.silent = False
                yield DeviceStatus(t0, channel, "ok", f"Sound from the {channel} device {cap.label} again.")
        elif not cap.silent and self._t(cap) - cap.last_sound >= self.silent_seconds:
            cap.silent = True
            yield DeviceStatus(self._t(cap), channel, "silent",
                               f"No sound from the {channel} device {cap.label} for {_clock(self._t(cap) - cap.last_sound)}; "
                               + SILENT_HINT.get(channel, SILENT_HINT[CUSTOMER]))
        yield AudioFrame(self._t(cap), {channel: x})

    def restart_silence_watch(self) -> None:
        """A new call starts (``Session`` with ``next_call``): "no sound for a minute" counts from now, and a silence
        already reported is forgotten (the quiet line between calls is not a device problem).

        Call it from the thread that iterates the source, between frames."""
        for cap in self._captures.values():
            cap.last_sound = self._t(cap)
            cap.silent = False

    def _lost(self, cap: "_Capture", now: float, why: str) -> DeviceStatus:
        """The one "lost" status of a device loss; the loss starts now unless it started already."""
        if cap.lost_since is None:
            cap.lost_since, cap.lost_samples = now, cap.samples
        return DeviceStatus(self._t(cap), cap.channel, "lost", f"{cap.channel.capitalize()} audio lost: {why}")

    def _check(self, now: float) -> Iterator[AudioFrame | DeviceStatus]:
        """Loss, silence while away, reconnection: runs between blocks and at least every 0.1 s; never waits on
        PortAudio or ``pactl`` (opens run on ``_Opener`` threads, the server is watched on its own)."""
        pulse = self._pulse if self._pulse is not None and self._pulse.usable else None
        server_gone = pulse is not None and not pulse.up
        for cap in self._captures.values():
            if cap.stream is not None:
                why = None
                if server_gone:
                    why = f"the sound server went away (device {cap.label})"
                elif cap.finished is not None and (pulse is None or now - cap.finished > FINISH_GRACE):
                    why = f"the device {cap.label} stopped delivering audio"
                elif cap.pulse_source and pulse is not None and not pulse.has(cap.pulse_source):
                    why = f"the sound server no longer has the source '{cap.pulse_source}' (device {cap.label})"
                elif cap.last_block is None and now - cap.opened_at > self.start_seconds:
                    why = f"the device {cap.label} delivered no audio in {self.start_seconds:.0f} s"
                elif cap.last_block is not None and now - cap.last_block > self.stall_seconds:
                    why = f"the device {cap.label} delivered no audio for {now - cap.last_block:.0f} s"
                if why is not None:
                    self._close_stream(cap)
                    cap.next_attempt = now + cap.backoff
                    if cap.lost_since is None and not server_gone:  # a new loss (not a reopen that never delivered)
                        yield self._lost(cap, now, f"{why}. The call goes on; coach reconnects as soon as it is back.")
            if server_gone:
                self._give_up_open(cap)  # an open now can only fail, or hang
                if not cap.told_server:  # said once per outage, also when the device was already lost before
                    cap.told_server = True
                    yield self._lost(cap, now, f"the sound server (PulseAudio/PipeWire) went away (device {cap.label}); "
                                               f"the call goes on, and coach reconnects when it is back: {RESTART_HINT}.")
            elif pulse is not None:
                cap.told_server = False
            if cap.opening is not None:
                if cap.opening.done.is_set():
                    if self._opened(cap, now) is not None:
                        cap.backoff = min(cap.backoff * 2, BACKOFF_MAX)
                        cap.next_attempt = now + cap.backoff
                elif now - cap.opening.started > OPEN_WAIT and not cap.told_hung:
                    cap.told_hung = True  # keep waiting for it: a second open would queue behind it (_OPEN_LOCK)
                    yield self._lost(cap, now, f"reopening the device {cap.label} has not returned for {OPEN_WAIT:.0f} s, "
                                               f"the sound server may be stuck; the call goes on: {RESTART_HINT}.")
            if cap.lost_since is not None and cap.last_block is None:
                yield from self._silence_until(cap, now)  # call time runs on while the device is away
            if cap.stream is None and cap.opening is None and not self._stop.is_set():
                if server_gone:
                    cap.next_attempt = now  # reopen as soon as the server is back
                    continue
                pinned = cap.pulse_source is not None and pulse is not None
                if pinned and not pulse.has(cap.pulse_source):
                    cap.next_attempt = now  # not there yet: try as soon as the server announces it
                    continue
                if now >= cap.next_attempt and not _CLOSING.busy(patience=CLOSE_WAIT):
                    cap.told_hung = False
                    self._start_open(cap)

    def _silence_until(self, cap: _Capture, now: float) -> Iterator[AudioFrame]:
        target = cap.lost_samples + int((now - cap.lost_since) * SAMPLE_RATE)
        while cap.samples + self.frame_samples <= target:
            cap.samples += self.frame_samples
            yield AudioFrame(self._t(cap), {cap.channel: np.zeros(self.frame_samples, np.float32)})

    def stop(self) -> None:
        self._stop.set()
