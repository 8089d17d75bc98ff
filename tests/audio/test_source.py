"""Loading recordings: every format and rate, channel mapping, frames on any clock, bad input."""

from __future__ import annotations

import subprocess
import threading

import numpy as np
import pytest
import soundfile as sf

from coach.audio.source import SAMPLE_RATE, FileSource, load_audio, resample
from coach.clock import RealClock, VirtualClock
from coach.errors import AudioError


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def _write(path, data: np.ndarray, rate: int, subtype: str | None = None, fmt: str | None = None):
    resampled = np.stack([resample(data[:, c], SAMPLE_RATE, rate) for c in range(data.shape[1])], axis=1)
    sf.write(str(path), resampled, rate, subtype=subtype, format=fmt)
    return path


@pytest.mark.parametrize(
    "suffix, subtype, rate, min_corr",
    [
        ("wav", "PCM_U8", 16000, 0.95),
        ("wav", "PCM_16", 16000, 0.999),
        ("wav", "PCM_24", 16000, 0.999),
        ("wav", "PCM_32", 16000, 0.999),
        ("wav", "FLOAT", 16000, 0.999),
        ("wav", "DOUBLE", 16000, 0.999),
        ("wav", "PCM_16", 8000, 0.9),  # the phone band is below 4 kHz, so little is lost
        ("wav", "PCM_16", 44100, 0.99),
        ("wav", "PCM_24", 48000, 0.99),
        ("flac", "PCM_16", 44100, 0.99),
        ("ogg", "VORBIS", 48000, 0.9),
        ("mp3", "MPEG_LAYER_III", 44100, 0.8),
    ],
)
def test_every_format_loads_as_16k_mono_per_channel(tmp_path, speech_16k, suffix, subtype, rate, min_corr):
    path = _write(tmp_path / f"call.{suffix}", speech_16k, rate, subtype)
    audio = load_audio(path)
    assert set(audio) == {"agent", "customer"}
    for channel, column in (("agent", 0), ("customer", 1)):
        x = audio[channel]
        assert x.dtype == np.float32 and x.ndim == 1
        # same length within a codec frame (mp3/ogg pad a little), same waveform
        assert abs(len(x) - len(speech_16k)) < 0.1 * SAMPLE_RATE
        if suffix == "mp3":  # encoder delay shifts the signal: compare energy envelopes instead
            env = lambda v: np.convolve(np.abs(v), np.ones(800) / 800, "same")[::160]  # noqa: E731
            assert _corr(env(x), env(speech_16k[:, column])) > 0.9
        else:
            assert _corr(x, speech_16k[:, column]) > min_corr


def test_sox_made_wav_loads(tmp_path, short_call):
    out = tmp_path / "sox.wav"
    subprocess.run(["sox", str(short_call), "-r", "22050", "-b", "24", str(out)], check=True)
    audio = load_audio(out)
    assert len(audio["customer"]) == pytest.approx(sf.info(str(short_call)).frames, abs=160)


def test_stereo_channels_and_swap(speech_16k, short_call):
    normal = load_audio(short_call)
    swapped = load_audio(short_call, customer_channel=0)
    assert np.array_equal(normal["agent"], swapped["customer"])
    assert np.array_equal(normal["customer"], swapped["agent"])
    assert _corr(normal["agent"], speech_16k[:, 0]) > 0.999


def test_mono_is_the_customer(tmp_path, speech_16k):
    path = tmp_path / "mono.wav"
    sf.write(str(path), speech_16k[:, 1], 16000)
    audio = load_audio(path)
    assert list(audio) == ["customer"]
    assert FileSource(path).channels == ("customer",)


def test_file_source_frames_cover_the_call(short_call):
    source = FileSource(short_call, frame_seconds=0.1)
    frames = list(source)
    assert source.channels == ("agent", "customer")
    assert frames[0].t == pytest.approx(0.1)
    assert frames[-1].t == pytest.approx(source.duration)
    assert all(b.t > a.t for a, b in zip(frames, frames[1:]))
    whole = load_audio(short_call)
    for ch in source.channels:
        assert np.array_equal(np.concatenate([f.samples[ch] for f in frames]), whole[ch])


def test_start_skips_ahead(short_call):
    frames = list(FileSource(short_call, start=1.0))
    assert frames[0].t == pytest.approx(1.1)


def test_paced_and_virtual_frames_are_identical(short_call):
    fast = list(FileSource(short_call, clock=VirtualClock()))
    clock = RealClock(speed=50.0)  # paced, but quick enough for a test
    paced = list(FileSource(short_call, clock=clock))
    assert [f.t for f in fast] == [f.t for f in paced]
    assert all(np.array_equal(a.samples["customer"], b.samples["customer"]) for a, b in zip(fast, paced))
    # pacing: a frame is never handed out before its call time
    assert clock.now() >= paced[-1].t


def test_stop_ends_a_paced_replay(short_call):
    source = FileSource(short_call, clock=RealClock(speed=1.0))
    got = []
    first = threading.Event()

    def consume():
        for frame in source:
            got.append(frame)
            first.set()

    worker = threading.Thread(target=consume)
    worker.start()
    assert first.wait(10)
    source.stop()
    worker.join(10)
    assert not worker.is_alive()
    assert len(got) < len(list(source.frames()))


# --------------------------------------------------------------------------- bad input


def _one_sentence(err: AudioError, *words: str) -> None:
    message = str(err)
    assert "\n" not in message and message.endswith((".", ")"))
    for word in words:
        assert word in message


def test_missing_file(tmp_path):
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "nope.wav")
    _one_sentence(err.value, "nope.wav", "does not exist")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "empty.wav")
    _one_sentence(err.value, "empty.wav", "empty")


def test_truncated_wav(tmp_path, short_call):
    data = short_call.read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "cut.wav")
    _one_sentence(err.value, "cut.wav", "truncated")


def test_corrupt_wav(tmp_path, short_call):
    data = bytearray(short_call.read_bytes())
    data[8:16] = b"GARBAGE!"  # destroys the WAVE/fmt header
    (tmp_path / "corrupt.wav").write_bytes(bytes(data))
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "corrupt.wav")
    _one_sentence(err.value, "corrupt.wav", "not a readable audio file")


def test_text_file_named_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("this is not audio\n" * 20)
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "notes.wav")
    _one_sentence(err.value, "notes.wav", "not a readable audio file")


def test_unsupported_format(tmp_path):
    (tmp_path / "call.m4a").write_bytes(b"\x00" * 100)
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "call.m4a")
    _one_sentence(err.value, "call.m4a", "unsupported format", "sox")


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path)
    _one_sentence(err.value, "folder")


def test_bad_customer_channel(short_call):
    with pytest.raises(AudioError):
        load_audio(short_call, customer_channel=2)
