"""An abuse-score floor for the playbook's insult and threat conditions, chosen on the corpus *training* split.

    python3 benchmarks/check_abuse_floor.py [--split train|test] [--seed 0] [--save FILE] [--load FILE]
    (train: about 40 minutes on 2 cores; test: about 6 minutes per seed)

Through speech recognition a garbled calm line sometimes reads as an insult at a low abuse score
("hang on my wife wants a word with you" heard "hang on my white one, some word with you", insult
0.66; benchmarks/results/asr_abuse.md). The default playbook warns on the first insult, ends the call
on the second and on any threat, whatever the score: a false insult makes the agent warn a customer
who did not insult anyone. A floor (the abuse condition's ``min_score``) trades those away against
real insults and threats heard at a low score.

Lines: every customer line of the split, each spoken by espeak-ng (the angry voice where anger >=
0.5) as a one-line call, heard by coach's Whisper pipeline (fast mode, as shipped) and classified;
also classified as text. A line *fires* at floor f when one of its pieces is an insult or a threat
with abuse score >= f (the two kinds the default playbook acts on).

Counted at each floor of FLOORS: *invented*, non-abusive lines that fire; *kept*, insult or threat
lines that fire (as heard, and as text).

Rule, fixed before the first run: with I0 and K0 the invented and kept lines at floor 0 (as now), the
lowest floor is chosen at which (a) invented <= I0 / 3 (two thirds of the false insults and threats
gone), (b) kept as heard >= 0.9 * K0, and (c) kept as text >= 0.95 * (kept as text at floor 0). If no
floor meets all three, no floor is shipped. The chosen floor is then measured once on the test split
(``--split test``, seeds 0 and 1) and reported as it comes; nothing is chosen there.
(Result, 2026-12-03: no floor met the rule; benchmarks/results/asr_abuse.md.)

A second lever, added after that result and fixed here before its first run: the *recognizer's*
confidence (``Utterance.confidence``: Whisper's mean token probability) instead of the classifier's
score. A line fires at confidence floor c when one of its pieces is an insult or a threat (at any
score) heard with confidence >= c; typed text has confidence 1, so text keeps every line. Rule: with I0
and K0 as above, the lowest c of CONFIDENCE_FLOORS at which (a) invented <= I0 / 3 and (b) kept as heard
>= 0.9 * K0 is chosen; if none, none is shipped. A chosen c is measured once on the test split (seeds
0 and 1) and reported as it comes. (Result, same day: no confidence floor met the rule either; the
playbook condition was not given a confidence option.)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_asr_abuse import heard, render_line  # noqa: E402
from coach.classify import datasets as D  # noqa: E402
from coach.classify.classifier import get_classifier  # noqa: E402

FLOORS = (0.0, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
CONFIDENCE_FLOORS = (0.0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
SEVERE = ("insult", "threat")


SCORE, CONFIDENCE = 1, 2  # where a piece [label, abuse score, recognizer confidence] keeps each


def fires(pieces: list[list], floor: float, at: int = SCORE) -> bool:
    """A piece is an insult or threat with its score (or confidence) >= floor; text pieces have no
    confidence (they count as heard with 1)."""
    return any(p[0] in SEVERE and (p[at] if len(p) > at else 1.0) >= floor for p in pieces)


def measure(split: str, seed: int) -> list[dict]:
    rows = [r for r in D.read_corpus() if D.corpus_split(r["text"]) == split and r.get("speaker", "customer") == "customer"]
    as_text = get_classifier().classify_many([r["text"] for r in rows], "customer")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (row, tc) in enumerate(zip(rows, as_text)):
            got = heard(render_line(row, Path(tmp) / "line.wav", seed))
            out.append({
                "text": row["text"],
                "truth": row.get("abuse", "none"),
                "as_text": [[tc.abuse, round(tc.abuse_score, 4)]],
                "heard": [[g.classification.abuse, round(g.classification.abuse_score, 4), round(g.utterance.confidence, 4)]
                          for g in got],
                "heard_text": " | ".join(g.utterance.text for g in got),
            })
            print(f"\r{i + 1}/{len(rows)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return out


def table(lines: list[dict], floors=FLOORS, at: int = SCORE) -> list[dict]:
    clean = [x for x in lines if x["truth"] == "none"]
    severe = [x for x in lines if x["truth"] in SEVERE]
    return [{
        "floor": f,
        "invented": sum(fires(x["heard"], f, at) for x in clean),
        "kept": sum(fires(x["heard"], f, at) for x in severe),
        "kept_text": sum(fires(x["as_text"], f, at) for x in severe),
        "invented_text": sum(fires(x["as_text"], f, at) for x in clean),
    } for f in floors]


def choose(rows: list[dict]) -> float | None:
    base = rows[0]
    for r in rows[1:]:
        if r["invented"] <= base["invented"] / 3 and r["kept"] >= 0.9 * base["kept"] and r["kept_text"] >= 0.95 * base["kept_text"]:
            return r["floor"]
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("train", "test"), default="train")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", type=Path, help="write the per-line results here (JSON)")
    ap.add_argument("--load", type=Path, help="read per-line results written by --save instead of measuring")
    args = ap.parse_args()
    lines = json.loads(args.load.read_text()) if args.load else measure(args.split, args.seed)
    if args.save:
        args.save.write_text(json.dumps(lines, indent=0))
    n_clean = sum(x["truth"] == "none" for x in lines)
    n_severe = sum(x["truth"] in SEVERE for x in lines)
    print(f"{args.split} split, render seed {args.seed}: {n_clean} customer lines without abuse, {n_severe} insults and threats")
    tables = [("floor", "min_score", table(lines), ("invented", "kept", "kept_text", "invented_text"))]
    if all(len(p) == 3 for x in lines for p in x["heard"]):
        tables.append(("recognizer confidence floor", "min_confidence", table(lines, CONFIDENCE_FLOORS, CONFIDENCE),
                       ("invented", "kept")))
    for title, option, rows, keys in tables:
        heads = {"invented": f"invented as heard (of {n_clean})", "kept": f"kept as heard (of {n_severe})",
                 "kept_text": "kept as text", "invented_text": "invented as text"}
        print(f"\n| {title} | " + " | ".join(heads[k] for k in keys) + " |")
        print("|---:|" + "---:|" * len(keys))
        for r in rows:
            print(f"| {r['floor']:.2f} | " + " | ".join(str(r[k]) for k in keys) + " |")
        if args.split == "train":
            chosen = choose(rows)
            print(f"\nchosen by the rule: {f'no {title}' if chosen is None else f'{option} {chosen:.2f}'}")
    print("\nnon-abusive lines that fire at floor 0 as heard (score of the worst piece):")
    for x in lines:
        if x["truth"] == "none" and fires(x["heard"], 0.0):
            worst = max(p for p in x["heard"] if p[0] in SEVERE)
            print(f"- {worst[1]:.2f} (heard at {worst[2] if len(worst) > 2 else 1:.2f}) {x['text']!r} heard {x['heard_text']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
