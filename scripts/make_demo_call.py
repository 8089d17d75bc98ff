#!/usr/bin/env python3
"""Render the demo call scripts in assets/ to stereo WAVs (espeak-ng + sox).

    python3 scripts/make_demo_call.py            # assets/demo_call.wav (+ .json line timings)
    python3 scripts/make_demo_call.py --all      # also threat_call.wav and polite_call.wav
    python3 scripts/make_demo_call.py SCRIPT.txt OUT.wav
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.demo import render_call  # noqa: E402
from coach.paths import ASSETS_DIR  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", nargs="?", help="call script (default assets/demo_call.txt)")
    parser.add_argument("out", nargs="?", help="output WAV (default: the script's name with .wav)")
    parser.add_argument("--all", action="store_true", help="render every assets/*.txt call script")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scripts = sorted(ASSETS_DIR.glob("*_call.txt")) if args.all else [Path(args.script or ASSETS_DIR / "demo_call.txt")]
    for script in scripts:
        out = Path(args.out) if (args.out and not args.all) else script.with_suffix(".wav")
        timings = render_call(script, out, seed=args.seed)
        end = timings[-1]["end"] if timings else 0.0
        print(f"{out}: {len(timings)} lines, {end:.1f} s of call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
