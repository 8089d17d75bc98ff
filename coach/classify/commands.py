"""``coach classify``, ``coach train`` and ``coach evaluate``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.events import AGENT, CUSTOMER, Classification


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser(
        "classify",
        help="read sentiment, anger, abuse and cues in utterances",
        description="Classify each TEXT (or each line of stdin when no TEXT is given) as one utterance of a call.",
    )
    c.add_argument("text", nargs="*", metavar="TEXT", help="utterances to classify (default: one per line of stdin)")
    c.add_argument("--speaker", choices=(CUSTOMER, AGENT), default=CUSTOMER, help="who said it (default: customer)")
    c.add_argument("--json", action="store_true", help="one JSON object per line")
    c.add_argument("--weights", metavar="DIR", default=None, help="classifier weights folder (default: models/classifier)")
    c.set_defaults(func=classify_command)

    t = sub.add_parser(
        "train",
        help="train the classifier heads on the public training sets and the corpus",
        description="Train the classifier heads (seeded, deterministic) and write weights, manifest and model card.",
    )
    from coach.classify.train import add_arguments

    add_arguments(t)
    t.set_defaults(func=train_command)

    e = sub.add_parser("evaluate", help="score the classifier on the held-out corpus test split")
    e.add_argument("--weights", metavar="DIR", default=None)
    e.add_argument("--corpus", metavar="DIR", type=Path, default=None)
    e.set_defaults(func=evaluate_command)


def summary_line(c: Classification) -> str:
    """One readable line: ``negative 0.98 | anger 0.67 | abuse none | cues supervisor_request | text``."""
    score = c.sentiment_scores.get(c.sentiment, 0.0)
    abuse = c.abuse if c.abuse == "none" else f"{c.abuse} {c.abuse_score:.2f}"
    cues = ",".join(c.cues) or "-"
    text = c.text if len(c.text) <= 120 else c.text[:117] + "..."
    return f"{c.sentiment:<8} {score:.2f} | anger {c.anger:.2f} | abuse {abuse} | cues {cues} | {text}"


def _texts(args: argparse.Namespace):
    if args.text:
        yield from args.text
        return
    stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    if stream is None:
        for line in sys.stdin:
            yield line.rstrip("\r\n")
        return
    for raw in stream:
        # binary junk on stdin is read, not fatal: undecodable bytes become U+FFFD
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def classify_command(args: argparse.Namespace) -> int:
    from coach.classify import get_classifier, load_classifier

    clf = load_classifier(args.weights) if args.weights else get_classifier()
    for text in _texts(args):
        result = clf.classify(text, args.speaker)
        print(json.dumps(result.to_json(), ensure_ascii=False) if args.json else summary_line(result), flush=True)
    return 0


def train_command(args: argparse.Namespace) -> int:
    from coach.classify.train import run

    return run(args)


def evaluate_command(args: argparse.Namespace) -> int:
    from coach.classify import get_classifier, load_classifier
    from coach.classify.evaluate import evaluate_corpus

    clf = load_classifier(args.weights) if args.weights else get_classifier()
    print(json.dumps(evaluate_corpus(clf, args.corpus), indent=2))
    return 0
