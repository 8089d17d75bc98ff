"""End-to-end latency of coaching: from the end of a customer's speech to the step change.

    python3 benchmarks/bench_session.py [--runs 3] [--engine whisper]

Calls from ``tests/calls/`` are rendered with espeak-ng (the renderer records when each
line's speech really ends) and played through the whole pipeline in real-time mode
(``coach analyze --realtime``: a paced FileSource, exactly as a live call arrives). For
every customer line we take the wall-clock moment its speech ended on the paced clock and
measure, in the same run:

* the baseline: how long until the recognizer's final utterance for it was emitted;
* the result: how long until the step change it caused was emitted (classifier,
  tracker and playbook engine included).

Writes ``benchmarks/results/session.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALLS = ["manager_request", "repeated_insults", "threat", "long_rant"]


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run_one(wav: Path, lines: list[dict], engine: str):
    from coach.brain import follows_customer_speech
    from coach.events import StepChanged, Utterance
    from coach.session import open_session_for_file

    stamps: list[tuple[float, object]] = []

    def sink(event):
        stamps.append((time.monotonic(), event))

    session = open_session_for_file(wav, realtime=True, engine=engine, sinks=[sink], log=False)
    clock = session.clock
    clock.start(0.0)
    session.run()
    ends = [ln["end"] for ln in lines if ln["speaker"] == "customer"]
    utt_lat, step_lat = [], []
    for end in ends:
        spoken = clock.wall_time_of(end)
        utt = next(
            (w for w, e in stamps if isinstance(e, Utterance) and e.channel == "customer" and w >= spoken - 0.05),
            None,
        )
        if utt is not None and utt - spoken < 5.0:
            utt_lat.append(utt - spoken)
    for i, (wall, event) in enumerate(stamps):
        if isinstance(event, StepChanged) and event.previous is not None:
            # only step changes caused by a customer utterance (steps that wait for a silence, a time in
            # step or a timer are late by design)
            if not follows_customer_speech([e for _, e in stamps[max(0, i - 2) : i]]):
                continue
            spoken_before = [clock.wall_time_of(e) for e in ends if clock.wall_time_of(e) <= wall]
            if spoken_before:
                lat = wall - spoken_before[-1]
                if lat < 5.0:
                    step_lat.append(lat)
    return utt_lat, step_lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engine", default="whisper")
    args = ap.parse_args()

    from coach.classify import get_classifier
    from coach.demo import render_call
    from coach.stt import open_recognizer

    get_classifier()
    open_recognizer(args.engine)  # warm the model cache so loading is not counted
    tmp = Path(tempfile.mkdtemp(prefix="coach-bench-"))
    import os

    load_before = os.getloadavg()
    utt_all, step_all, per_run_p50 = [], [], []
    for run in range(args.runs):
        run_steps = []
        for name in CALLS:
            wav = tmp / f"{name}.wav"
            if not wav.exists():
                render_call(ROOT / "tests" / "calls" / f"{name}.txt", wav)
            lines = json.loads(Path(str(wav) + ".json").read_text())
            if isinstance(lines, dict):
                lines = lines.get("lines", [])
            u, s = run_one(wav, lines, args.engine)
            utt_all += u
            step_all += s
            run_steps += s
        per_run_p50.append(statistics.median(run_steps) if run_steps else float("nan"))
        print(f"run {run + 1}: {len(run_steps)} step changes, median {per_run_p50[-1]:.3f} s", file=sys.stderr)

    load_after = os.getloadavg()
    u50, u95 = pct(utt_all, 0.5), pct(utt_all, 0.95)
    s50, s95 = pct(step_all, 0.5), pct(step_all, 0.95)
    md = f"""## End to end: end of customer speech -> step change (`coach analyze --realtime`)

`benchmarks/bench_session.py --runs {args.runs} --engine {args.engine}`: the calls {', '.join(CALLS)} from
`tests/calls/`, rendered with espeak-ng and played through the whole pipeline paced like a live call.
The baseline is the recognizer alone (end of speech -> final utterance) in the same runs.

| measured | samples | p50 | p95 |
| --- | ---: | ---: | ---: |
| baseline: end of speech -> final utterance ({args.engine}) | {len(utt_all)} | {u50:.3f} s | {u95:.3f} s |
| end of speech -> step change (recognizer + classifier + tracker + engine) | {len(step_all)} | {s50:.3f} s | {s95:.3f} s |
| ratio step / utterance (what coaching adds on top of recognition) | | {s50 / u50 if u50 else float('nan'):.2f}x | {s95 / u95 if u95 else float('nan'):.2f}x |

Median of the per-run medians: {statistics.median(per_run_p50):.3f} s (runs: {', '.join(f'{v:.3f}' for v in per_run_p50)}).
Machine load average (1 min / 5 min) {load_before[0]:.1f} / {load_before[1]:.1f} before and {load_after[0]:.1f} / {load_after[1]:.1f} after,
on 2 cores (above 2, other work was sharing the CPU and the latencies are inflated by it).
"""
    out = ROOT / "benchmarks" / "results" / "session.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    print(md)


if __name__ == "__main__":
    main()
