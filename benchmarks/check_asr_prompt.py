"""Which Whisper prompt lets coach hear abuse, chosen on the corpus *training* split only.

    python3 benchmarks/check_asr_prompt.py [--seed 0]     (about 35 minutes on 2 cores)

Whisper tiny.en mishears espeak-ng's swear words and insults ("damn" -> "them", "moron" -> "more
than"; benchmarks/results/asr_abuse.md), so half the spoken abuse of the corpus test split reads as
none. Whisper decodes conditioned on a "previous text" prompt (faster-whisper's initial_prompt);
naming the words a call needs heard is the usual remedy. The candidates and the rule below were
fixed before this script was first run on them; the test split is not read here.

Candidates (``coach.stt.whisper.CALL_PROMPT``):
  none   no prompt (as shipped before)
  call   a neutral call-centre prompt
  swear  the call prompt with profanity and insults, as said at agents
  long   a longer list of the same kinds of words
  beam5  no prompt, beam search with 5 beams (``BEAM_SIZE``) instead of greedy decoding; added after
         the four prompts' result, with the same rule, before it was run

Lines, all from the corpus training split, customer side: every abusive line; 150 angry lines
without abuse (anger >= 0.5) and 150 calm ones (anger < 0.5), the first by a hash of the text. Each
is spoken by espeak-ng (the angry voice where anger >= 0.5) as a one-line call, heard by coach's
Whisper pipeline in fast mode and classified. Beside it: the word error rate of the finals on the
demo call and on the Whisper test's sentences (as bench_stt), and Whisper's processing seconds.

Rule: the candidate keeping the most abusive lines at their label is chosen, if (a) it turns at most
2 more of the 300 non-abusive lines into abuse than ``none`` does, (b) no more than 1 more of them
into insult or threat, and (c) its WER on the demo call and on the test sentences is each no more
than 1 point above ``none``'s. Ties go to the shorter prompt. Otherwise ``none`` stays. The chosen
prompt is then measured once on the test split (check_asr_abuse.py, seeds 0 and 1) and reported as
it comes.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "stt"))

from check_asr_abuse import abuse_label, heard, render_line  # noqa: E402
from coach.classify import datasets as D  # noqa: E402
from coach.demo import Line, call_timings, demo_call_path, render_call  # noqa: E402
from coach.events import ABUSE_KINDS as KINDS  # noqa: E402
from coach.stt import whisper as W  # noqa: E402
from speech_helpers import SENTENCES, word_error_rate  # noqa: E402

CANDIDATES = {
    "none": "",
    "call": "Customer service phone call.",
    "swear": "Customer service call, transcribed word for word, swearing included: damn, hell, crap, shit, "
             "bloody, stupid, idiot, moron, useless.",
    "long": "Customer service phone call, transcribed word for word with every swear word and insult: damn it, "
            "what the hell, this crap, shit, bloody, freaking, screw this, you stupid idiot, moron, clown, "
            "useless, incompetent, liar, dumb, shut up, watch your back.",
    "beam5": "",
}
BEAMS = {"beam5": 5}


def first_by_hash(rows: list[dict], n: int) -> list[dict]:
    return sorted(rows, key=lambda r: hashlib.sha256(r["text"].encode()).hexdigest())[:n]


def wer(wav: Path, timings: list[dict]) -> float:
    from coach.session import open_session_for_file

    events: list = []
    open_session_for_file(wav, engine="whisper", sinks=[events.append], log=False).run()
    return word_error_rate(timings, [e for e in events if e.type == "utterance"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", nargs="*", default=list(CANDIDATES), choices=list(CANDIDATES))
    args = ap.parse_args()
    rows = [r for r in D.read_corpus() if D.corpus_split(r["text"]) == "train" and r.get("speaker", "customer") == "customer"]
    abusive = [r for r in rows if r.get("abuse", "none") != "none"]
    angry = first_by_hash([r for r in rows if r.get("abuse", "none") == "none" and (r.get("anger") or 0) >= 0.5], 150)
    calm = first_by_hash([r for r in rows if r.get("abuse", "none") == "none" and (r.get("anger") or 0) < 0.5], 150)
    lines = abusive + angry + calm
    work = Path(tempfile.mkdtemp(prefix="coach-asr-prompt-"))
    wavs = [render_line(row, work / f"{i}.wav", args.seed) for i, row in enumerate(lines)]
    demo = demo_call_path()
    demo_timings = call_timings(demo)
    sentences = work / "sentences.wav"
    sentence_timings = render_call([Line(s, t) for s, t in SENTENCES], sentences, seed=args.seed)
    print(f"{len(abusive)} abusive, {len(angry)} angry and {len(calm)} calm training-split lines, render seed {args.seed}")
    print("| prompt | abusive kept (of %d) | abusive heard as any abuse | none -> abuse (of %d) | none -> insult/threat "
          "| WER demo | WER sentences | seconds |" % (len(abusive), len(angry) + len(calm)))
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    examples: dict[str, list[str]] = {}
    for name in args.only:
        W.CALL_PROMPT = CANDIDATES[name]
        W.BEAM_SIZE = BEAMS.get(name, 1)
        t0 = time.perf_counter()
        conf = Counter()
        examples[name] = []
        for row, wav in zip(lines, wavs):
            got = heard(wav)
            label = abuse_label(got)
            truth = row.get("abuse", "none")
            conf[truth, label] += 1
            if truth == "none" and label != "none":
                examples[name].append(f"{label}: {row['text']!r} heard {' | '.join(g.utterance.text for g in got)!r}")
        seconds = time.perf_counter() - t0
        kept = sum(conf[k, k] for k in KINDS[1:])
        any_abuse = sum(conf[t, k] for t in KINDS[1:] for k in KINDS[1:])
        invented = sum(conf["none", k] for k in KINDS[1:])
        severe = conf["none", "insult"] + conf["none", "threat"]
        print(f"| {name} | {kept} | {any_abuse} | {invented} | {severe} | {wer(demo, demo_timings):.1%} "
              f"| {wer(sentences, sentence_timings):.1%} | {seconds:.0f} |", flush=True)
    for name, found in examples.items():
        print(f"\n{name}: non-abusive lines heard as abuse: {len(found)}")
        for line in found:
            print(f"- {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
