"""Abuse labels on the corpus test split's customer lines, as text and as Whisper hears them.

    python3 benchmarks/check_asr_abuse.py [--seed N]

Each line (abuse of any kind, and the angry lines without abuse, anger >= 0.5) is spoken by
espeak-ng (the angry voice when its anger is >= 0.5), rendered as a one-line call, transcribed
by coach's Whisper tiny.en pipeline in fast mode and classified; its text is classified too.
Prints the abuse confusion for text and for speech and every line whose label changed. Nothing
is trained or tuned on this; it measures how recognition errors move the abuse label (a false
insult warns the customer and a second one ends the call in the default playbook).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.classify import datasets as D  # noqa: E402
from coach.classify.classifier import get_classifier  # noqa: E402
from coach.demo import render_call  # noqa: E402
from coach.events import ABUSE_KINDS as KINDS  # noqa: E402  (least to most severe)
from coach.session import open_session_for_file  # noqa: E402


def heard(wav: Path) -> list:
    events: list = []
    open_session_for_file(wav, engine="whisper", sinks=[events.append], log=False).run()  # no call log per line
    return [e for e in events if e.type == "classified" and e.classification.speaker == "customer"]


def render_line(row: dict, wav: Path, seed: int) -> Path:
    """A corpus line spoken by the customer after an agent's "Okay." (the angry voice where anger >= 0.5)."""
    mood = " [angry]" if (row.get("anger") or 0) >= 0.5 else ""
    script = wav.with_suffix(".txt")
    script.write_text(f"agent: Okay.\ncustomer{mood}: {row['text']}\n", encoding="utf-8")
    render_call(script, wav, seed=seed)
    return wav


def abuse_label(got: list) -> str:
    """The line's label as heard: the most severe label of its pieces (a split line counts once)."""
    return max((g.classification.abuse for g in got), key=KINDS.index, default="none")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = [r for r in D.read_corpus() if D.corpus_split(r["text"]) == "test" and r.get("speaker", "customer") == "customer"
            and (r.get("abuse", "none") != "none" or (r.get("anger") or 0) >= 0.5)]
    as_text = get_classifier().classify_many([r["text"] for r in rows], "customer")
    text_conf, asr_conf, flips = Counter(), Counter(), []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (row, tc) in enumerate(zip(rows, as_text)):
            wav = render_line(row, Path(tmp) / "line.wav", args.seed)
            got = heard(wav)
            label = abuse_label(got)
            truth = row.get("abuse", "none")
            text_conf[truth, tc.abuse] += 1
            asr_conf[truth, label] += 1
            if label != tc.abuse:
                flips.append((truth, tc.abuse, label, row["text"], " | ".join(g.utterance.text for g in got)))
            print(f"\r{i + 1}/{len(rows)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"{len(rows)} customer lines of the corpus test split (abuse, or anger >= 0.5), render seed {args.seed}")
    for name, conf in (("text", text_conf), ("speech (espeak-ng -> Whisper tiny.en)", asr_conf)):
        print(f"\n{name}: rows = corpus label, columns = classifier")
        print("| | " + " | ".join(KINDS) + " |\n|---|" + "---|" * len(KINDS))
        for truth in KINDS:
            print(f"| {truth} | " + " | ".join(str(conf[truth, k]) for k in KINDS) + " |")
    print(f"\nlines whose label changed between text and speech: {len(flips)}")
    for truth, t, s, text, said in flips:
        print(f"- corpus {truth}, text {t}, speech {s}: {text!r} heard {said!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
