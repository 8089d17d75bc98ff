"""Loading recordings: every format and rate, channel mapping, frames on any clock, streaming, bad input."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach.audio.source import BLOCK_FRAMES, SAMPLE_RATE, FileSource, StreamResampler, load_audio, resample
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


# --------------------------------------------------------------------------- streaming


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("block", [1, 7, 1000, BLOCK_FRAMES])
def test_streamed_resampling_equals_resampling_the_whole(rate, block):
    rng = np.random.default_rng(rate)
    n = 3 * rate // 2 + 17 if block > 1 else rate // 10  # block 1: every sample its own push
    t = np.arange(n) / rate
    x = (0.5 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(n)).astype(np.float32)
    r = StreamResampler(rate)
    streamed = np.concatenate([r.push(x[i:i + block]) for i in range(0, n, block)] + [r.finish()])
    whole = resample(x, rate)
    assert streamed.dtype == np.float32 and len(streamed) == len(whole)
    np.testing.assert_allclose(streamed, whole, rtol=0, atol=1e-6)


def test_block_edges_leave_no_click():
    rate, block = 44100, 4097  # edges fall anywhere in the 441:160 cycle
    x = (0.8 * np.sin(2 * np.pi * 1000 * np.arange(rate * 2) / rate)).astype(np.float32)
    r = StreamResampler(rate)
    y = np.concatenate([r.push(x[i:i + block]) for i in range(0, len(x), block)] + [r.finish()])
    steady = np.abs(np.diff(y[800:-800]))  # away from the start and the end of the signal
    assert steady.max() <= 0.8 * 2 * np.pi * 1000 / SAMPLE_RATE * 1.01  # no step steeper than the sine's own


@pytest.mark.parametrize("suffix, rate, subtype", [("wav", 48000, "PCM_24"), ("flac", 44100, "PCM_16"), ("wav", 16000, "PCM_16")])
def test_file_source_streams_what_resampling_the_whole_file_gives(tmp_path, suffix, rate, subtype):
    rng = np.random.default_rng(0)
    n = 3 * BLOCK_FRAMES + 1234  # several blocks, the last one short
    data = (0.3 * rng.standard_normal((n, 2))).astype(np.float32)
    path = tmp_path / f"call.{suffix}"
    sf.write(str(path), data, rate, subtype=subtype)
    stored, _ = sf.read(str(path), dtype="float32", always_2d=True)
    source = FileSource(path, frame_seconds=0.1)
    header_duration = source.duration
    frames = list(source)
    assert [f.t for f in frames[:3]] == pytest.approx([0.1, 0.2, 0.3])
    assert all(len(f.samples["agent"]) == 1600 for f in frames[:-1])
    for ch, column in (("agent", 0), ("customer", 1)):
        streamed = np.concatenate([f.samples[ch] for f in frames])
        np.testing.assert_allclose(streamed, resample(stored[:, column], rate), rtol=0, atol=1e-6)
    assert frames[-1].t == pytest.approx(source.duration) and source.duration == pytest.approx(header_duration)
    later = list(FileSource(path, start=2.0))  # past the first block: the same samples from there on
    assert later[0].t == pytest.approx(2.1) and later[-1].t == pytest.approx(frames[-1].t)
    np.testing.assert_array_equal(np.concatenate([f.samples["customer"] for f in later]),
                                  np.concatenate([f.samples["customer"] for f in frames])[32000:])


_PEAK_RSS = """
import resource, sys
from coach.audio.source import FileSource
frames = sum(1 for _ in FileSource(sys.argv[1], frame_seconds=1.0).frames())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _peak_rss_mb(path: Path) -> int:
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(path)], check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1])


def _noise_wav(path: Path, seconds: int, rate: int = 48000) -> Path:
    rng = np.random.default_rng(0)
    with sf.SoundFile(str(path), "w", rate, 2, subtype="PCM_16") as f:
        for _ in range(seconds // 10):
            f.write((0.003 * rng.standard_normal((10 * rate, 2))).astype(np.float32))
    return path


def test_memory_does_not_grow_with_the_call(tmp_path):
    """20 minutes at 48 kHz held whole would be ~0.9 GB (float32 + the float64 resampling); streamed, a few MB."""
    short = _peak_rss_mb(_noise_wav(tmp_path / "short.wav", 30))
    long = _peak_rss_mb(_noise_wav(tmp_path / "long.wav", 20 * 60))
    assert long < short + 40, f"peak RSS {long} MB for 20 min against {short} MB for 30 s"


def test_more_than_two_channels_uses_the_first_two_and_says_so(tmp_path, capsys):
    rng = np.random.default_rng(0)
    data = (0.3 * rng.standard_normal((16000, 4))).astype(np.float32)
    path = tmp_path / "four.wav"
    sf.write(str(path), data, 16000, subtype="FLOAT")
    source = FileSource(path)
    note = capsys.readouterr().err
    assert note.count("\n") == 1 and "four.wav" in note and "4 channels" in note and "channels 2 and 3" in note
    assert source.channels == ("agent", "customer")
    frames = list(source)
    assert capsys.readouterr().err == ""  # said once, when the source is made
    assert np.array_equal(np.concatenate([f.samples["agent"] for f in frames]), data[:, 0])
    assert np.array_equal(np.concatenate([f.samples["customer"] for f in frames]), data[:, 1])
    swapped = load_audio(path, customer_channel=0)
    assert np.array_equal(swapped["customer"], data[:, 0])
    assert "channel 1 as the agent and channel 0 as the customer" in capsys.readouterr().err
    sf.write(str(tmp_path / "three.wav"), data[:, :3], 16000)
    load_audio(tmp_path / "three.wav")
    assert "ignoring channel 2 " in capsys.readouterr().err


def test_two_channels_say_nothing(short_call, capsys):
    FileSource(short_call)
    load_audio(short_call)
    assert capsys.readouterr().err == ""


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


def _cut(path: Path, out: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out


@pytest.mark.parametrize("suffix, fmt", [("mp3", "MP3"), ("flac", "FLAC")])
def test_cut_off_mp3_and_flac_are_refused(tmp_path, speech_16k, suffix, fmt):
    """Their headers promise a length (MP3: the Xing/Info header libsndfile's encoder writes; FLAC: STREAMINFO)."""
    whole = _write(tmp_path / f"call.{suffix}", np.tile(speech_16k, (3, 1)), 44100, fmt=fmt)
    assert len(load_audio(whole)["customer"]) > 0  # complete: loads
    cut = _cut(whole, tmp_path / f"cut.{suffix}")
    for attempt in (lambda: load_audio(cut), lambda: FileSource(cut)):
        with pytest.raises(AudioError) as err:
            attempt()
        _one_sentence(err.value, f"cut.{suffix}", "truncated", "header promises")


def test_damage_mid_file_is_said_where(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "damaged.flac"
    sf.write(str(path), (0.1 * rng.standard_normal((16000 * 20, 2))).astype(np.float32), 16000)
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 20000] = bytes(20000)
    path.write_bytes(bytes(data))
    source = FileSource(path)  # its start and its end are fine
    got = []
    with pytest.raises(AudioError) as err:
        for frame in source:
            got.append(frame)
    _one_sentence(err.value, "damaged.flac", "cannot be read beyond", "damaged")
    assert 4.0 < got[-1].t < 10.5  # what came before the damage was given


def test_invalid_samples(tmp_path):
    rng = np.random.default_rng(0)
    data = (0.1 * rng.standard_normal((16000 * 10, 2))).astype(np.float32)
    data[16000 * 8, 1] = np.nan  # past the first block: found while streaming
    sf.write(str(tmp_path / "nan.wav"), data, 16000, subtype="FLOAT")
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "nan.wav")
    _one_sentence(err.value, "nan.wav", "invalid (NaN or infinite) samples", "8.0 s")
    data[100, 0] = np.inf  # in the first block: refused when the source is made
    sf.write(str(tmp_path / "inf.wav"), data, 16000, subtype="FLOAT")
    with pytest.raises(AudioError):
        FileSource(tmp_path / "inf.wav")
