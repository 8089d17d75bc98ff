"""Peak memory of reading a recorded call: does it grow with the call's length?

    python3 benchmarks/bench_source_memory.py [--runs 3] [--minutes 20] [--cli] [--out benchmarks/results/source_memory.md]

Makes two recordings of low noise (48 kHz, 24-bit stereo WAV, the resampling case) in a
temporary folder: a 30 s call (the baseline) and a ``--minutes`` long one. Each is replayed
through ``FileSource`` in a fresh process (1 s frames, as ``coach transcribe`` cuts a file),
once with ``coach/audio/source.py`` as committed (``git show HEAD:...``, "before") and once
with the working tree's ("after"), loaded in the child in place of ``coach.audio.source``.
The peak RSS of each child is taken with ``/usr/bin/time``; the table gives the median of
``--runs`` runs, and the ratios long / baseline (growth with length) and after / before.
``--cli`` also runs ``coach transcribe`` and ``coach analyze`` (models and all; the default engine) once per
implementation and file.

Writes a markdown report to ``--out`` (and prints it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "coach/audio/source.py"

CHILD = r"""
import importlib.util, sys
sys.path.insert(0, {root!r})
import coach.audio
spec = importlib.util.spec_from_file_location("coach.audio.source", {impl!r})
module = importlib.util.module_from_spec(spec)
sys.modules["coach.audio.source"] = module
spec.loader.exec_module(module)
if {command!r}:
    from coach.cli import main
    sys.exit(main([{command!r}, {wav!r}]))
frames = sum(1 for _ in module.FileSource({wav!r}, frame_seconds=1.0).frames())
print(frames)
"""


def noise_call(path: Path, seconds: float, rate: int = 48000) -> Path:
    """Low noise (about -50 dBFS), written a block at a time so the parent stays small."""
    import soundfile as sf

    rng = np.random.default_rng(0)
    left = int(seconds * rate)
    with sf.SoundFile(str(path), "w", rate, 2, subtype="PCM_24") as f:
        while left > 0:
            n = min(left, rate * 10)
            f.write((rng.standard_normal((n, 2)) * 0.003).astype(np.float32))
            left -= n
    return path


def peak_rss_mb(impl: Path, wav: Path, command: str, env: dict[str, str]) -> float:
    """Peak RSS of one child (MB, from /usr/bin/time's maximum resident set size in KB); ``command``: a coach command, or "" for FileSource alone."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        code = CHILD.format(root=str(ROOT), impl=str(impl), wav=str(wav), command=command)
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, sys.executable, "-c", code], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(out.read().split()[-1]) / 1024


def measure(impls: dict[str, Path], calls: dict[str, Path], command: str, runs: int,
            env: dict[str, str]) -> dict[tuple[str, str], list[float]]:
    """Peak RSS (MB) of every implementation on every call, ``runs`` times."""
    got: dict[tuple[str, str], list[float]] = {}
    for _ in range(runs):  # interleaved, so a burst of load on the shared machine hits all alike
        for iname, impl in impls.items():
            for cname, wav in calls.items():
                got.setdefault((iname, cname), []).append(peak_rss_mb(impl, wav, command, env))
    return got


def table(title: str, impls: list[str], calls: list[str], got: dict[tuple[str, str], list[float]]) -> list[str]:
    """Medians, long / baseline per implementation, and after / before on the long call."""
    med = {k: statistics.median(v) for k, v in got.items()}
    base, long = calls
    lines = [f"### {title}", "", f"| implementation | {base} | {long} | ratio long / baseline |",
             "| --- | ---: | ---: | ---: |"]
    for iname in impls:
        lines.append(f"| {iname} | {med[(iname, base)]:.0f} MB | {med[(iname, long)]:.0f} MB "
                     f"| {med[(iname, long)] / med[(iname, base)]:.2f}x |")
    runs = "; ".join(f"{i}, {c}: " + ", ".join(f"{x:.0f}" for x in v) for (i, c), v in got.items())
    lines += ["", f"After / before on the {long} call: {med[(impls[1], long)] / med[(impls[0], long)]:.2f}x.",
              f"Runs (MB): {runs}.", ""]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--cli", action="store_true", help="also measure `coach transcribe` and `coach analyze` (one run each)")
    ap.add_argument("--before", default="HEAD", metavar="REV", help="the commit whose coach/audio/source.py is 'before' (default HEAD)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "source_memory.md")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="coach-source-memory-"))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               COACH_DATA_DIR=os.environ.get("COACH_DATA_DIR", str(tmp / "data")))
    load = os.getloadavg()[0]
    try:
        before = tmp / "source_before.py"
        before.write_text(subprocess.run(["git", "-C", str(ROOT), "show", f"{args.before}:{SOURCE}"], check=True,
                                         capture_output=True, text=True).stdout)
        impls = {f"before ({args.before})": before, "after (working tree)": ROOT / SOURCE}
        calls = {"30 s (baseline)": noise_call(tmp / "short.wav", 30),
                 f"{args.minutes:g} min": noise_call(tmp / "long.wav", args.minutes * 60)}
        report = ["## Reading a recorded call: peak RSS against call length", "",
                  f"`benchmarks/bench_source_memory.py --runs {args.runs} --minutes {args.minutes:g}"
                  + (" --cli" if args.cli else "") + "`: low noise, 48 kHz 24-bit stereo WAV; peak RSS "
                  "(`/usr/bin/time`) of a fresh process, median of the runs. The baseline is the 30 s call "
                  "in the same run.", ""]
        report += table(f"`FileSource(...).frames()` alone, 1 s frames ({args.runs} runs)", list(impls), list(calls),
                        measure(impls, calls, "", args.runs, env))
        for command in ("transcribe", "analyze") if args.cli else ():
            report += table(f"`coach {command} CALL.wav`, models and all (1 run)", list(impls), list(calls),
                            measure(impls, calls, command, 1, env))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report += [f"Load average (1 min) {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on "
               f"{os.cpu_count()} cores (memory does not depend on it; times are not reported).", ""]
    text = "\n".join(report)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
