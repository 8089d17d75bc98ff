"""Memory of a whole `coach live` over a long call: does it grow with call length?

    xvfb-run -a python3 benchmarks/bench_live_memory.py [--repeats 6] [--every 15]

bench_ui.py measures the panel alone on a synthetic hour of events (fast). This one runs the
real thing, paced like a live call: ``coach live --file LONG.wav --quit-after-call``, where
LONG.wav is the demo call played ``--repeats`` times back to back (sox), with the real
recognizer, classifier and playbook in the pipeline process and the panel in the GUI
process. Every ``--every`` seconds it notes the RSS of each process of the tree. The
baseline is the RSS at 5 minutes of call, in the same run; the result is the RSS at the
end against it. It takes as long as the call (6 repeats: ~19 minutes).

Prints a markdown table; paste it into ``benchmarks/results/ui.md`` (hand note).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def long_call(repeats: int, out: Path) -> float:
    from coach.demo import demo_call_path

    demo = str(demo_call_path())
    subprocess.run(["sox", *([demo] * repeats), str(out)], check=True)
    return float(subprocess.run(["soxi", "-D", str(out)], check=True, capture_output=True, text=True).stdout)


def role(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    return "panel (GUI process)" if "coach live" in text or text.endswith("coach") else "pipeline process"


def main() -> None:
    import psutil

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--every", type=float, default=15.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="coach-live-memory-"))
    wav = tmp / "long_call.wav"
    seconds = long_call(args.repeats, wav)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COACH_DATA_DIR=str(tmp / "data"))
    t0 = time.monotonic()
    child = subprocess.Popen(["coach", "live", "--file", str(wav), "--quit-after-call"], env=env,
                             stdout=subprocess.DEVNULL, stderr=open(tmp / "coach.err", "w"))
    top = psutil.Process(child.pid)
    samples: list[dict] = []
    while child.poll() is None:
        rss: dict[str, float] = {}
        try:
            for proc in [top] + top.children(recursive=True):
                try:
                    name = role(proc.cmdline()) if proc.pid != top.pid else "panel (GUI process)"
                    if proc.memory_info().rss > 50e6:  # the xvfb/launcher helpers are a few MB
                        rss[name] = rss.get(name, 0.0) + proc.memory_info().rss / 1e6
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        samples.append({"t": time.monotonic() - t0, "rss": rss, "load": os.getloadavg()[0]})
        time.sleep(args.every)
    (tmp / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))
    if child.returncode != 0:
        sys.exit(f"coach live exited with {child.returncode}; see {tmp / 'coach.err'}")

    def at(t: float) -> dict:
        return min(samples, key=lambda s: abs(s["t"] - t))

    base, end = at(300.0), samples[-1]
    loads = [s["load"] for s in samples]
    print(f"`coach live --file` on the demo call x{args.repeats} ({seconds / 60:.1f} min, paced), "
          f"RSS sampled every {args.every:.0f} s; load average {min(loads):.1f}-{max(loads):.1f}.\n")
    print("| process | RSS at 5 min (baseline) | RSS at the end | ratio |")
    print("|---|---|---|---|")
    for name in sorted(end["rss"]):
        if name in base["rss"]:
            print(f"| {name} at {end['t'] / 60:.1f} min | {base['rss'][name]:.0f} MB | {end['rss'][name]:.0f} MB | "
                  f"{end['rss'][name] / base['rss'][name]:.3f}x |")
    peak = {n: max(s["rss"].get(n, 0.0) for s in samples if s["t"] >= 300.0) for n in end["rss"]}
    print("\nPeak after 5 min: " + ", ".join(f"{n} {v:.0f} MB" for n, v in sorted(peak.items())))
    print(f"(samples: {tmp / 'samples.jsonl'})")


if __name__ == "__main__":
    main()
