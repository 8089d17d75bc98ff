"""Audio files as a stream of frames on call time.

A recording is streamed, never loaded whole: it is read in blocks, checked,
resampled block by block to 16 kHz mono float32 per channel (the same samples as
resampling the whole file at once) and cut into frames, so memory stays the same
for a two-hour call as for a 30 s one. A stereo file is two speakers (channel 0
the agent, channel 1 the customer unless swapped); a mono file is the customer
alone; of a file with more channels the first two are read, with a note naming
the channels left out.

Everything that can be checked before the call starts is checked when a
``FileSource`` is made: a missing, empty or unreadable file, a WAV cut short, and a
FLAC or MP3 whose header promises more audio than the file holds. What only
reading shows (invalid samples, damage in the middle) is raised when the stream
gets there.

How fast the frames come out depends only on the clock: with ``None`` or a
``VirtualClock`` as fast as the consumer takes them, with a ``RealClock`` paced
like a live call. The frames themselves are the same either way, so everything
downstream (VAD, endpointing, partial cadence) sees identical input.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from coach.errors import AudioError
from coach.events import AGENT, CUSTOMER

SAMPLE_RATE = 16000
SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3")
BLOCK_FRAMES = 1 << 16  # frames read from the file at a time (0.7 s at 96 kHz, 8 s at 8 kHz)
_PROBE_FRAMES = 8192  # frames read at the end a header promises, to see that they are there
_PROBE_SLACK = 2304  # two MPEG frames: what a decoder may honestly fall short of a header's length


def samples_per_frame(frame_seconds: float) -> int:
    """Samples at ``SAMPLE_RATE`` in a frame of ``frame_seconds``; ``ValueError`` unless a positive finite number."""
    try:
        seconds = float(frame_seconds)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise ValueError(f"frame_seconds must be a positive number of seconds, not {frame_seconds!r}")
    return max(1, int(round(seconds * SAMPLE_RATE)))


@dataclass(frozen=True)
class AudioFrame:
    """A slice of the call: ``t`` is the call time at the END of the frame (seconds)."""

    t: float
    samples: Mapping[str, np.ndarray]  # channel -> float32 mono 16 kHz; may hold only one channel


def _ratio(rate: int, target: int) -> tuple[int, int]:
    """The polyphase ratio (up, down) from ``rate`` to ``target``, in lowest terms."""
    g = gcd(int(rate), int(target))
    return int(target) // g, int(rate) // g


def resample(x: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling (exact ratio, no drift over a long call)."""
    if rate == target:
        return np.ascontiguousarray(x, dtype=np.float32)
    from scipy.signal import resample_poly

    y = resample_poly(np.asarray(x, dtype=np.float64), *_ratio(rate, target))
    return np.clip(y, -1.0, 1.0).astype(np.float32)


class StreamResampler:
    """``resample`` block by block: ``push`` each block, then ``finish``; the same samples as the whole at once.

    The filter is the one ``scipy.signal.resample_poly`` designs (Kaiser window, beta 5,
    ``20 * max(up, down) + 1`` taps, output centred on the input) and each output sample
    is computed once all the input it weighs has arrived, so block edges leave no mark:
    the output differs from resampling the whole signal by float rounding alone. Only
    the filter's overlap (a few dozen input samples) is kept between blocks.
    """

    def __init__(self, rate: int, target: int = SAMPLE_RATE):
        self.up, self.down = _ratio(rate, target)
        self._n_in = 0  # input samples pushed so far
        if self.up == self.down:
            return
        from scipy.signal import firwin

        max_rate = max(self.up, self.down)
        half_len = 10 * max_rate
        h = firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)) * self.up
        pre_pad = self.down - half_len % self.down
        self._h = np.concatenate([np.zeros(pre_pad), h])
        self._delay = (half_len + pre_pad) // self.down  # outputs the filter's delay puts before sample 0
        self._buf = np.zeros(0)  # the input still needed, starting at input sample _buf_start
        self._buf_start = 0  # always a multiple of ``down``: its output grid lines up with the whole signal's
        self._next = 0  # the next output sample to give

    def push(self, x: np.ndarray) -> np.ndarray:
        """The output samples that the input so far fully determines (float32, clipped like ``resample``)."""
        self._n_in += len(x)
        if self.up == self.down:
            return np.ascontiguousarray(x, dtype=np.float32)
        self._buf = np.concatenate([self._buf, x])  # float64, as _buf is: the same values, no extra copy
        # output k (counting the delay) weighs input up to floor(k * down / up): ready once that has come
        return self._give(-(-self._n_in * self.up // self.down) - self._delay, tail=0)

    def finish(self) -> np.ndarray:
        """The rest of the output (past the end the input is silence); ``ceil(n_in * up / down)`` samples in all."""
        if self.up == self.down:
            return np.zeros(0, np.float32)
        return self._give(-(-self._n_in * self.up // self.down), tail=len(self._h) // self.up + 2)

    def _give(self, end: int, tail: int) -> np.ndarray:
        if end <= self._next:
            return np.zeros(0, np.float32)
        from scipy.signal import upfirdn

        buf = np.concatenate([self._buf, np.zeros(tail)]) if tail else self._buf
        y = upfirdn(self._h, buf, self.up, self.down)  # y[j] is output j + _buf_start * up / down (delay included)
        shift = self._buf_start * self.up // self.down - self._delay
        out = y[self._next - shift:end - shift]
        assert len(out) == end - self._next
        self._next = end
        # the first input the next output weighs; keep from there, on the ``down`` grid
        first = max(0, -(-((end + self._delay) * self.down - (len(self._h) - 1)) // self.up))
        keep_from = max(self._buf_start, first // self.down * self.down)
        self._buf = self._buf[keep_from - self._buf_start:]
        self._buf_start = keep_from
        return np.clip(out, -1.0, 1.0).astype(np.float32)


def output_length(frames: int, rate: int, target: int = SAMPLE_RATE) -> int:
    """How many samples at ``target`` ``frames`` samples at ``rate`` resample to."""
    up, down = _ratio(rate, target)
    return -(-int(frames) * up // down)


@dataclass(frozen=True)
class _Header:
    """What a recording says about itself, read when it is opened."""

    rate: int
    channels: int
    frames: int  # as libsndfile reports it: the header's length, or an estimate (MP3 without a length header)
    promised: bool  # ``frames`` is a length the header promises (FLAC, MP3 with a Xing/Info/VBRI header)


def _check_path(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"The audio file {path} does not exist; check the path and try again.")
    if path.is_dir():
        raise AudioError(f"{path} is a folder, not an audio file; give the path of a WAV, FLAC, OGG or MP3 recording.")
    if path.stat().st_size == 0:
        raise AudioError(f"The audio file {path} is empty (0 bytes); record or export the call again.")
    suffix = path.suffix.lower()
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise AudioError(
            f"{path} has the unsupported format '{suffix}'; convert it to WAV, FLAC, OGG or MP3 "
            f"(e.g. `sox {path.name} call.wav`)."
        )


def _unreadable(path: Path, exc: Exception, at: float = 0.0) -> AudioError:
    if at > 0:  # damaged on the way: what came before has been given (and analysed) already
        return AudioError(
            f"{path} cannot be read beyond {at:.1f} s ({_reason(exc)}); the recording is damaged there: "
            "export it again, or convert what is readable with sox."
        )
    return AudioError(
        f"{path} is not a readable audio file ({_reason(exc)}); check that it is a complete "
        "WAV, FLAC, OGG or MP3 recording, or convert it with sox."
    )


def _open(path: Path) -> Any:
    import soundfile as sf

    try:
        return sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise _unreadable(path, exc) from None


def _read_block(f: Any, path: Path, at: int) -> np.ndarray:
    """The next block of the open file as float32 (frames, channels); empty at the end."""
    import soundfile as sf

    try:
        block = f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise _unreadable(path, exc, at / f.samplerate) from None
    finite = np.isfinite(block)
    if not finite.all():
        bad = at + int(np.argmin(finite.all(axis=1)))
        raise AudioError(
            f"{path} contains invalid (NaN or infinite) samples (the first at {bad / f.samplerate:.1f} s); "
            "export the recording again."
        )
    return block


def _inspect(path: Path) -> _Header:
    """Open the recording and check all that can be checked without reading it through; raises ``AudioError``."""
    _check_path(path)
    with _open(path) as f:
        if len(_read_block(f, path, 0)) == 0:
            raise AudioError(f"{path} contains no audio samples; record or export the call again.")
        frames = int(f.frames)
        promised = 0 < frames < 1 << 40 and _promises_length(path, f.format)  # not a streamed FLAC's unknown length
        header = _Header(int(f.samplerate), int(f.channels), frames, promised)
        if path.suffix.lower() == ".wav" or f.format == "WAV":
            _check_wav_complete(path)
        if header.promised:
            _check_end_is_there(f, path, header)
    return header


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    text = text.replace("Error opening", "cannot open").rstrip(".")
    return text[:160]


def _check_wav_complete(path: Path) -> None:
    """libsndfile quietly reads what is there of a cut-off WAV; a call cut short must be said."""
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return
            cid, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if cid == b"data":
                if head[:4] == b"RF64" or size in (0, 0xFFFFFFFF):
                    return  # streamed WAV with unknown length: accept what is there
                have = path.stat().st_size - fh.tell()
                if have < size:
                    raise AudioError(
                        f"{path} is truncated: its header promises {size} bytes of audio but only "
                        f"{have} are there; copy or export the recording again."
                    )
                return
            fh.seek(size + (size & 1), 1)


def _promises_length(path: Path, fmt: str) -> bool:
    """Whether libsndfile's length for this file is a promise of its header rather than a guess."""
    if fmt == "FLAC":
        return True  # STREAMINFO's total samples
    if fmt in ("MP3", "MPEG"):  # soundfile names the format MP3 (libsndfile: SF_FORMAT_MPEG)
        return _mp3_length_header(path)
    return False  # WAV: checked byte for byte (``_check_wav_complete``); Ogg: measured from the last page


def _mp3_length_header(path: Path) -> bool:
    """Whether the first MPEG frame carries a Xing/Info (LAME) or VBRI header with the stream's frame count.

    Without one, libsndfile (mpg123) guesses an MP3's length from its size, and a cut-off
    file looks complete; with one, the length is what the encoder wrote at the end.
    """
    with path.open("rb") as fh:
        head = fh.read(10)
        skip = 0
        if len(head) == 10 and head[:3] == b"ID3":  # ID3v2 tag: syncsafe size, plus a footer if flagged
            skip = 10 + (head[6] << 21 | head[7] << 14 | head[8] << 7 | head[9]) + (10 if head[5] & 0x10 else 0)
        fh.seek(skip)
        data = fh.read(1 << 16)
    for i in range(len(data) - 4):
        b1, b2, b3 = data[i + 1], data[i + 2], data[i + 3]
        if data[i] != 0xFF or b1 & 0xE0 != 0xE0:
            continue
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        if version == 1 or layer != 1 or b2 >> 4 in (0, 15) or (b2 >> 2) & 3 == 3:
            continue  # not a layer III frame header
        mono = b3 >> 6 == 3
        side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
        at = i + 4 + (0 if b1 & 1 else 2) + side  # protection bit 0: a 16-bit CRC follows the header
        tag = data[at:at + 8]
        if tag[:4] in (b"Xing", b"Info") and len(tag) == 8 and tag[7] & 1:
            return True
        return data[i + 36:i + 40] == b"VBRI"
    return False


def _check_end_is_there(f: Any, path: Path, header: _Header) -> None:
    """Read the last moment the header promises: a file cut off mid-way does not have it."""
    import soundfile as sf

    want = min(header.frames, _PROBE_FRAMES)
    try:
        f.seek(header.frames - want)
        got = len(f.read(want, dtype="float32"))
    except (sf.LibsndfileError, RuntimeError, ValueError):
        got = 0
    if got < want - _PROBE_SLACK:
        raise AudioError(
            f"{path} is truncated: its header promises {header.frames / header.rate:.1f} s of audio but the "
            "file holds less; copy or export the recording again."
        )


def _note_extra_channels(path: Path, header: _Header, customer_channel: int) -> None:
    if header.channels <= 2:
        return
    ignored = list(range(2, header.channels))
    names = ", ".join(str(c) for c in ignored[:-1]) + (" and " if len(ignored) > 1 else "") + str(ignored[-1])
    print(
        f"coach: note: {path} has {header.channels} channels; using channel {1 - customer_channel} as the agent "
        f"and channel {customer_channel} as the customer, ignoring channel{'s' if len(ignored) > 1 else ''} {names} "
        "(to analyse other channels, export them first, e.g. `sox IN.wav OUT.wav remix 1 3`).",
        file=sys.stderr,
    )


def _columns(header: _Header, customer_channel: int) -> dict[str, int]:
    if header.channels == 1:
        return {CUSTOMER: 0}
    return {AGENT: 1 - customer_channel, CUSTOMER: customer_channel}


def _stream(path: Path, header: _Header, customer_channel: int) -> Iterator[dict[str, np.ndarray]]:
    """The recording as consecutive pieces of ``{channel: float32 16 kHz mono}``, all channels of one length."""
    columns = _columns(header, customer_channel)
    resamplers = {ch: StreamResampler(header.rate) for ch in columns}
    decoded = 0
    with _open(path) as f:
        while True:
            block = _read_block(f, path, decoded)
            if len(block) == 0:
                break
            decoded += len(block)
            yield {ch: resamplers[ch].push(block[:, col]) for ch, col in columns.items()}
    yield {ch: r.finish() for ch, r in resamplers.items()}
    if header.promised and decoded < header.frames - _PROBE_SLACK:  # damaged on the way, though its end was there
        print(
            f"coach: note: {path} held {decoded / header.rate:.1f} s of audio but its header promises "
            f"{header.frames / header.rate:.1f} s; the file looks cut off, so the call was analysed up to there.",
            file=sys.stderr,
        )


def load_audio(path: str | Path, customer_channel: int = 1) -> dict[str, np.ndarray]:
    """The whole recording as ``{channel: float32 16 kHz mono}``; raises ``AudioError``.

    Stereo (or more channels): ``customer_channel`` (0 or 1) is the customer, the other
    of the first two the agent (more channels: a note on stderr names the ones left out).
    Mono: the customer alone. Read and resampled in blocks, so only the 16 kHz result is
    ever held whole; ``FileSource`` streams without holding even that.
    """
    if customer_channel not in (0, 1):
        raise AudioError(f"--customer-channel must be 0 or 1, not {customer_channel}.")
    path = Path(path)
    header = _inspect(path)
    _note_extra_channels(path, header, customer_channel)
    pieces: dict[str, list[np.ndarray]] = {ch: [] for ch in _columns(header, customer_channel)}
    for piece in _stream(path, header, customer_channel):
        for ch, x in piece.items():
            pieces[ch].append(x)
    return {ch: np.concatenate(xs) for ch, xs in pieces.items()}


class FileSource:
    """A recording replayed as ``AudioFrame``s (fast on a virtual clock, paced on a real one).

    The file is checked when the source is made (a bad recording fails before any model
    loads) and streamed on each iteration: memory does not grow with the call's length.
    ``n_samples`` and ``duration`` are the header's length until an iteration reaches the
    end, then what was actually read.
    """

    def __init__(
        self,
        path: str | Path,
        customer_channel: int = 1,
        clock: Any = None,
        frame_seconds: float = 0.1,
        start: float = 0.0,
    ):
        if customer_channel not in (0, 1):
            raise AudioError(f"--customer-channel must be 0 or 1, not {customer_channel}.")
        self.frame_samples = samples_per_frame(frame_seconds)
        self.path = Path(path)
        self.customer_channel = customer_channel
        self.header = _inspect(self.path)
        _note_extra_channels(self.path, self.header, customer_channel)
        self.channels: tuple[str, ...] = tuple(_columns(self.header, customer_channel))
        self.n_samples = output_length(self.header.frames, self.header.rate)
        self.duration = self.n_samples / SAMPLE_RATE
        self.clock = clock
        self.start = float(start)
        self._stop = threading.Event()

    def set_frame_seconds(self, frame_seconds: float) -> None:
        """Change the frame length, e.g. to the recognizer's (``coach.stt.base.frame_seconds_for``).

        Takes effect for the frames of the next iteration; the audio and its call times
        do not change, only how it is cut.
        """
        self.frame_samples = samples_per_frame(frame_seconds)

    def stop(self) -> None:
        self._stop.set()

    def frames(self) -> Iterator[AudioFrame]:
        """The frames alone, without waiting for any clock."""
        n = self.frame_samples
        first = max(0, int(round(self.start * SAMPLE_RATE)))
        read = 0  # 16 kHz samples the stream has given
        begin = first  # where the next frame starts
        held: dict[str, np.ndarray] = {ch: np.zeros(0, np.float32) for ch in self.channels}
        for piece in _stream(self.path, self.header, self.customer_channel):
            size = len(piece[self.channels[0]])
            skip = min(size, max(0, first - read))  # before ``start``: read through, not given
            read += size
            if skip == size:
                continue
            for ch in self.channels:
                x = piece[ch][skip:]
                held[ch] = np.concatenate([held[ch], x]) if len(held[ch]) else x
            ready = len(held[self.channels[0]]) // n * n
            for at in range(0, ready, n):
                begin += n
                yield AudioFrame(begin / SAMPLE_RATE, {ch: held[ch][at:at + n] for ch in self.channels})
            held = {ch: x[ready:] for ch, x in held.items()}
        rest = len(held[self.channels[0]])
        if rest:
            yield AudioFrame((begin + rest) / SAMPLE_RATE, held)
        self.n_samples = read
        self.duration = read / SAMPLE_RATE

    def __iter__(self) -> Iterator[AudioFrame]:
        clock = self.clock
        if clock is not None and hasattr(clock, "start") and not getattr(self, "_clock_started", False):
            clock.start(self.start)
            self._clock_started = True
        for frame in self.frames():
            if self._stop.is_set():
                return
            if clock is not None:
                if not clock.wait_until(frame.t, self._stop):
                    return
            yield frame
