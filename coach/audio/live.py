"""Live capture from sound devices (sounddevice / PortAudio).

The customer is usually a monitor of the softphone's output (PulseAudio/PipeWire
``*.monitor`` source or a loopback device), the agent the microphone. Each device
gets its own input stream whose callback does one thing: copy the block onto a
bounded queue, or drop it and count an overflow when the queue is full. It never
blocks. The consumer (the iterator) turns blocks into ``AudioFrame``s stamped with
the channel's own sample count, and reports overflows and lost devices as
``DeviceStatus`` events instead of losing them silently.
"""

from __future__ import annotations

import queue
import threading
from math import gcd
from typing import Any, Iterator

import numpy as np

from coach.audio.source import SAMPLE_RATE, AudioFrame
from coach.errors import AudioError
from coach.events import AGENT, CUSTOMER, DeviceStatus


def _sd():
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise AudioError(f"Sound devices are unavailable ({exc}); install PortAudio (apt-get install libportaudio2).") from None
    return sd


def list_devices() -> list[dict]:
    """Every input device: ``{"index", "name", "hostapi", "channels", "default_samplerate", "default"}``."""
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


class LiveSource:
    """Frames from one or two live input devices, until ``stop()``; also yields ``DeviceStatus``."""

    def __init__(self, customer_device: Any, agent_device: Any = None, frame_seconds: float = 0.1, queue_seconds: float = 30.0):
        self.frame_samples = max(1, int(round(frame_seconds * SAMPLE_RATE)))
        self.devices = {CUSTOMER: resolve_device(customer_device)}
        if agent_device is not None:
            self.devices[AGENT] = resolve_device(agent_device)
        self.channels: tuple[str, ...] = tuple(ch for ch in (AGENT, CUSTOMER) if ch in self.devices)
        self.path = " + ".join(f"{ch}: {d['name']}" for ch, d in self.devices.items())
        blocks = max(4, int(queue_seconds / frame_seconds) * len(self.devices))
        self._queue: queue.Queue[tuple[str, np.ndarray] | tuple[str, None]] = queue.Queue(maxsize=blocks)
        self.overflows: dict[str, int] = {ch: 0 for ch in self.devices}
        self._reported: dict[str, int] = {ch: 0 for ch in self.devices}
        self._samples: dict[str, int] = {ch: 0 for ch in self.devices}
        self._stop = threading.Event()
        self._streams: list[Any] = []
        self._resamplers: dict[str, _Resampler] = {}

    # ----------------------------------------------------------------- audio thread

    def _callback_for(self, channel: str):
        q, overflows = self._queue, self.overflows

        def callback(indata, frames, time_info, status) -> None:  # never blocks
            if status and status.input_overflow:
                overflows[channel] += 1
            try:
                q.put_nowait((channel, indata[:, 0].copy()))
            except queue.Full:
                overflows[channel] += 1

        return callback

    def _finished_for(self, channel: str):
        def finished() -> None:
            if not self._stop.is_set():
                try:
                    self._queue.put_nowait((channel, None))
                except queue.Full:
                    pass

        return finished

    # ----------------------------------------------------------------- consumer

    def _open(self) -> None:
        sd = _sd()
        for channel, dev in self.devices.items():
            stream = None
            for rate in (SAMPLE_RATE, int(dev["default_samplerate"])):
                try:
                    stream = sd.InputStream(
                        device=dev["index"],
                        channels=1,
                        samplerate=rate,
                        dtype="float32",
                        blocksize=int(self.frame_samples * rate / SAMPLE_RATE),
                        callback=self._callback_for(channel),
                        finished_callback=self._finished_for(channel),
                    )
                    break
                except Exception as exc:  # PortAudio: unsupported rate, busy or vanished device
                    error = exc
            if stream is None:
                self.stop()
                raise AudioError(f"Cannot open the input device '{dev['name']}' for the {channel} ({error}); check it in `coach devices`.")
            self._resamplers[channel] = _Resampler(int(stream.samplerate))
            self._streams.append(stream)
        for stream in self._streams:
            stream.start()

    def __iter__(self) -> Iterator[AudioFrame | DeviceStatus]:
        self._open()
        try:
            while not self._stop.is_set():
                try:
                    channel, block = self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                t = self._samples[channel] / SAMPLE_RATE
                if block is None:
                    yield DeviceStatus(t, channel, "lost", f"The {channel} device '{self.devices[channel]['name']}' stopped delivering audio.")
                    continue
                x = self._resamplers[channel](block)
                self._samples[channel] += len(x)
                if self.overflows[channel] != self._reported[channel]:
                    dropped = self.overflows[channel] - self._reported[channel]
                    self._reported[channel] = self.overflows[channel]
                    yield DeviceStatus(t, channel, "overflow", f"{dropped} audio block(s) of the {channel} were dropped (the computer is too busy).")
                yield AudioFrame(self._samples[channel] / SAMPLE_RATE, {channel: x})
        finally:
            self._close()

    def stop(self) -> None:
        self._stop.set()

    def _close(self) -> None:
        for stream in self._streams:
            try:
                stream.stop()
                stream.close()
            except Exception:
                pass
        self._streams.clear()
