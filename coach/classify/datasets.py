"""Readers for the labelled text the classifier is trained and measured on.

Training sets (only those ``/work/shared/data/README.md`` lists under "may be used to
train") and the project's own call-style corpus (``corpus/*.jsonl``) become a list of
``Example``: one text with the labels that set knows; a label a set does not know is
left missing (``None``) and masked out of that head's loss.

The corpus is split by a hash of its normalised text: ~15% is held out for tests and
never trained on (``corpus_split``), so the split is the same on every machine.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

from coach.classify.labels import ABUSE_TYPES, CUES, SENTIMENTS
from coach.classify.text import normalize
from coach.errors import ModelError
from coach.paths import REPO_ROOT

TEST_PERCENT = 15
DEFAULT_DATA_DIR = Path("/work/shared/data")

TRAINING_SETS = (
    "davidson-hate-offensive/labeled_data.csv",
    "nlupp-handoff/banking/fold*.json",
    "bitext-customer-support/Bitext_Sample_Customer_Support_Training_Dataset.csv",
    "hint3-agent-request/v2/train/*_train.csv",
    "tweeteval-emotion-sentiment/emotion/val_*.txt",
    "tweeteval-emotion-sentiment/sentiment/val_*.txt",
    "corpus/annotations/tweeteval_val_offensive.tsv (the project's offensive labels of those tweets)",
    "corpus/*.jsonl (train split)",
)


def data_dir() -> Path:
    return Path(os.environ.get("COACH_PUBLIC_DATA", DEFAULT_DATA_DIR))


def corpus_dir() -> Path:
    return Path(os.environ.get("COACH_CORPUS_DIR", REPO_ROOT / "corpus"))


@dataclass
class Example:
    text: str  # normalised
    source: str
    speaker: str = "customer"
    sentiment: int | None = None  # index in SENTIMENTS
    anger: float | None = None  # 0..1
    offensive: float | None = None  # 0..1 (soft), any abuse
    abuse_type: int | None = None  # index in ABUSE_TYPES, only when offensive
    cues: dict[str, int] = field(default_factory=dict)  # known cue labels only
    augmented: bool = False
    origin: str = ""  # the corpus line's "source" (handwritten | template)


def _need(path: Path) -> Path:
    if not path.exists():
        raise ModelError(
            f"Training data {path} is missing; put the public data sets in {data_dir()} "
            "(or set COACH_PUBLIC_DATA) and run coach train again."
        )
    return path


# --------------------------------------------------------------------------- public sets


def davidson(root: Path, rng: random.Random, max_offensive: int | None = None) -> list[Example]:
    """Offensive (and hate) vs neither, soft labels from the coders' votes.

    Hate speech is aimed at people, so it also teaches the ``insult`` type; plain
    "offensive" tweets carry no type label (Davidson does not say who is targeted).
    Most rows are "offensive"; all of them are used by default (``max_offensive`` keeps a
    seeded sample instead): measured, the full set's variety of offensive tweets was worth
    more than balance (OLID test A macro-F1 0.695 with a 6,000-row sample, 0.739 with all).
    """
    rows = list(csv.DictReader(open(_need(root / "davidson-hate-offensive/labeled_data.csv"), encoding="utf-8")))
    offensive_rows = [r for r in rows if r["class"] == "1"]
    rng.shuffle(offensive_rows)
    keep = [r for r in rows if r["class"] != "1"] + offensive_rows[:max_offensive]  # [:None] keeps all
    out = []
    for r in keep:
        count = max(int(r["count"]), 1)
        soft = (int(r["hate_speech"]) + int(r["offensive_language"])) / count
        text = normalize(r["tweet"].replace("RT ", " "))
        if not text:
            continue
        out.append(
            Example(
                text,
                "davidson",
                offensive=soft,
                abuse_type=ABUSE_TYPES.index("insult") if r["class"] == "0" else None,
            )
        )
    return out


def nlupp(root: Path, domain: str = "banking") -> list[Example]:
    """Spoken-style requests to a voice bot: ``handoff`` -> supervisor_request; all clean text."""
    out = []
    folder = _need(root / "nlupp-handoff" / domain)
    for path in sorted(folder.glob("fold*.json")):
        for item in json.load(open(path, encoding="utf-8")):
            text = normalize(item["text"])
            if text:
                handoff = int("handoff" in (item.get("intents") or []))
                out.append(Example(text, f"nlupp-{domain}", offensive=0.0, cues={"supervisor_request": handoff}))
    return out


def nlupp_raw(root: Path, domain: str) -> list[tuple[str, int]]:
    """(raw text, handoff 0/1) for measuring."""
    out = []
    for path in sorted(_need(root / "nlupp-handoff" / domain).glob("fold*.json")):
        for item in json.load(open(path, encoding="utf-8")):
            out.append((item["text"], int("handoff" in (item.get("intents") or []))))
    return out


_BITEXT_HUMAN = {"contact_human_agent"}
_BITEXT_UNSURE = {"contact_customer_service"}  # "how do I contact customer service": not clearly a handoff


def bitext(root: Path) -> list[Example]:
    """Customer-support requests: contact_human_agent -> supervisor_request; W tag -> profanity."""
    path = _need(root / "bitext-customer-support/Bitext_Sample_Customer_Support_Training_Dataset.csv")
    out = []
    for r in csv.DictReader(open(path, encoding="utf-8")):
        text = normalize(r["instruction"])
        if not text:
            continue
        offensive = "W" in (r.get("tags") or "")
        cues = {} if r["intent"] in _BITEXT_UNSURE else {"supervisor_request": int(r["intent"] in _BITEXT_HUMAN)}
        out.append(
            Example(
                text,
                "bitext",
                offensive=float(offensive),
                abuse_type=ABUSE_TYPES.index("profanity") if offensive else None,
                cues=cues,
            )
        )
    return out


def hint3(root: Path) -> list[Example]:
    """Chatbot queries; CHAT_WITH_AGENT / CHAT_WITH_AN_AGENT -> supervisor_request (noisy label)."""
    out = []
    for path in sorted(_need(root / "hint3-agent-request/v2/train").glob("*_train.csv")):
        for r in csv.DictReader(open(path, encoding="utf-8")):
            text = normalize(r["sentence"])
            if text:
                label = int(r["label"] in ("CHAT_WITH_AGENT", "CHAT_WITH_AN_AGENT"))
                out.append(Example(text, "hint3", cues={"supervisor_request": label}))
    return out


def _lines(path: Path) -> list[str]:
    return _need(path).read_text(encoding="utf-8").splitlines()


def _weak_not_offensive(text: str) -> float | None:
    """0.0 (not offensive) for a tweet with no swear, insult or harm word; unknown otherwise.

    The label TweetEval tweets had before the project annotated them (``tweet_labels="weak"``,
    design A of ``docs/classifier-protocol.md``): it calls every insult without a listed word
    "not offensive" and teaches nothing about tweets with one.
    """
    from coach.classify.lexicon import lexical_features

    f = lexical_features(text)
    return None if f[0] or f[1] or f[2] or f[3] else 0.0


def annotations_dir() -> Path:
    """The project's labels of public training text (``COACH_ANNOTATIONS_DIR`` overrides it)."""
    return Path(os.environ.get("COACH_ANNOTATIONS_DIR", REPO_ROOT / "corpus" / "annotations"))


TWEET_ANNOTATIONS = "tweeteval_val_offensive.tsv"
# project label -> abuse type (None: not offensive)
_TWEET_ABUSE = {"NOT": None, "PRF": "profanity", "INS": "insult", "THR": "threat"}
TWEET_LABELS = ("annotated", "weak")


def tweet_annotations(root: Path, path: Path | None = None) -> dict[tuple[str, int], str]:
    """The project's offensive labels of TweetEval validation tweets: ``(file, line) -> label``.

    Each row carries the sha256 prefix of the tweet it was made for; a tweet that differs
    (another copy of the data set) is one clear error, not a silently wrong label."""
    path = path or annotations_dir() / TWEET_ANNOTATIONS
    if not path.is_file():
        raise ModelError(f"The project's tweet labels {path} are missing; restore corpus/annotations/ from the repository.")
    out: dict[tuple[str, int], str] = {}
    cache: dict[str, list[str]] = {}
    for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not row.strip() or row.startswith("#"):
            continue
        parts = row.split("\t")
        if len(parts) != 4 or parts[3] not in _TWEET_ABUSE or not parts[1].isdigit():
            raise ModelError(f"{path}:{n}: expected 'file<TAB>line<TAB>sha256_16<TAB>NOT|PRF|INS|THR', got {row[:80]!r}")
        rel, line, digest, label = parts[0], int(parts[1]), parts[2], parts[3]
        lines = cache.setdefault(rel, _lines(root / rel))
        if not 1 <= line <= len(lines) or hashlib.sha256(lines[line - 1].encode("utf-8")).hexdigest()[:16] != digest:
            raise ModelError(
                f"{path}:{n}: line {line} of {root / rel} is not the tweet this label was made for (sha256 differs); "
                "the public data in COACH_PUBLIC_DATA is another copy than the one annotated."
            )
        out[(rel, line)] = label
    return out


def _tweet_offense(label: str | None) -> tuple[float | None, int | None]:
    """(offensive, abuse type index) of a project label."""
    if label is None:
        return None, None
    kind = _TWEET_ABUSE[label]
    return (0.0, None) if kind is None else (1.0, ABUSE_TYPES.index(kind))


def tweeteval(root: Path, split: str = "val", tweet_labels: str = "annotated") -> list[Example]:
    """Emotion (anger vs joy/optimism/sadness) and 3-way sentiment tweets of one split (``val`` to train).

    Validation tweets also teach offensive or not, and the abuse type, from the project's
    labels (``corpus/annotations/``); ``tweet_labels="weak"`` gives the earlier weak label
    instead (not offensive when no lexicon word, else unknown).
    """
    if tweet_labels not in TWEET_LABELS:
        raise ValueError(f"tweet_labels must be one of {TWEET_LABELS}, not {tweet_labels!r}")
    base = root / "tweeteval-emotion-sentiment"
    labels = tweet_annotations(root) if split == "val" and tweet_labels == "annotated" else {}
    out = []

    def offense(rel: str, line: int, text: str) -> tuple[float | None, int | None]:
        if tweet_labels == "weak":
            return _weak_not_offensive(text), None
        return _tweet_offense(labels.get((rel, line)))

    rel = f"tweeteval-emotion-sentiment/emotion/{split}_text.txt"
    for n, (text, label) in enumerate(zip(_lines(base / f"emotion/{split}_text.txt"), _lines(base / f"emotion/{split}_labels.txt")), 1):
        t = normalize(text)
        if t:
            # anger / sadness are negative, joy / optimism positive: a weak sentiment label too
            emotion = int(label)
            offensive, kind = offense(rel, n, t)
            out.append(
                Example(t, "tweeteval-emotion", anger=float(emotion == 0), sentiment=0 if emotion in (0, 3) else 2,
                        offensive=offensive, abuse_type=kind)
            )
    rel = f"tweeteval-emotion-sentiment/sentiment/{split}_text.txt"
    for n, (text, label) in enumerate(zip(_lines(base / f"sentiment/{split}_text.txt"), _lines(base / f"sentiment/{split}_labels.txt")), 1):
        t = normalize(text)
        if t:
            offensive, kind = offense(rel, n, t)
            out.append(Example(t, "tweeteval-sentiment", sentiment=int(label), offensive=offensive, abuse_type=kind))
    return out


def annotated_tweets(root: Path | None = None) -> dict[str, tuple[float, int | None]]:
    """Normalised tweet text -> (offensive, abuse type) from the project's labels: what the
    tweet check scores against, whatever labels a design trained on."""
    root = root or data_dir()
    return {e.text: (e.offensive, e.abuse_type) for e in tweeteval(root, "val", "annotated") if e.offensive is not None}


# --------------------------------------------------------------------------- project corpus


def corpus_split(text: str) -> str:
    """``"test"`` for ~15% of texts (by a hash of the normalised text), else ``"train"``."""
    digest = hashlib.sha256(normalize(text).encode("utf-8")).digest()
    return "test" if int.from_bytes(digest[:4], "big") % 100 < TEST_PERCENT else "train"


def read_corpus(folder: Path | None = None) -> list[dict]:
    """Every valid line of ``corpus/*.jsonl`` (bad lines are skipped, not fatal)."""
    folder = folder or corpus_dir()
    return [row for path in sorted(Path(folder).glob("*.jsonl")) for row in corpus_file_rows(path)]


def corpus_file_rows(path: Path) -> list[dict]:
    """The valid lines of one corpus-format file: JSON objects with a non-empty ``text``."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("text"), str) and row["text"].strip():
            rows.append(row)
    return rows


def corpus_example(row: dict) -> Example:
    speaker = row.get("speaker") if row.get("speaker") in ("customer", "agent") else "customer"
    sentiment = SENTIMENTS.index(row["sentiment"]) if row.get("sentiment") in SENTIMENTS else None
    anger = row.get("anger")
    anger = min(max(float(anger), 0.0), 1.0) if isinstance(anger, (int, float)) else None
    abuse = row.get("abuse", "none")
    offensive = None if abuse not in ("none", *ABUSE_TYPES) else float(abuse != "none")
    row_cues = set(row.get("cues") or [])
    return Example(
        normalize(row["text"]),
        "corpus",
        speaker=speaker,
        sentiment=sentiment,
        anger=anger,
        offensive=offensive,
        abuse_type=ABUSE_TYPES.index(abuse) if abuse in ABUSE_TYPES else None,
        cues={c: int(c in row_cues) for c in CUES},
        origin=str(row.get("source", "")),
    )


def corpus_examples(split: str, folder: Path | None = None) -> list[Example]:
    return [corpus_example(r) for r in read_corpus(folder) if corpus_split(r["text"]) == split]


SERVICE_REQUESTS = "handwritten_service_requests.jsonl"  # in corpus/unused/: not a corpus file
PERSON_LOOKALIKES = "handwritten_person_lookalikes.jsonl"  # design O: more look-alikes, across domains
SERVICE_REQUEST_FILES = (SERVICE_REQUESTS, PERSON_LOOKALIKES)  # and the look-alike check: their test splits
HANDOFF_LOOKALIKES = "handwritten_handoff_lookalikes.jsonl"  # design R: the hand-off check's six false-alarm kinds
REQUEST_SHAPES = "handwritten_request_shapes.jsonl"  # design Z: requests for a person in other shapes, and look-alikes
SERVICE_REQUEST_SOURCE = "service-requests"
NEGATIONS = "handwritten_negations.jsonl"  # in corpus/unused/: negated cue phrases and contrasting positives (design Q)
NEGATION_SOURCE = "negations"
JOB_THREATS = "handwritten_job_threats.jsonl"  # in corpus/unused/: threats to the agent's job (insult) beside threats of harm (designs S-V)
JOB_THREAT_SOURCE = "job-threats"
HARMLESS_HARM_WORDS = "handwritten_harmless_harm_words.jsonl"  # in corpus/unused/: words of harm that harm no one in a call (design V)
THREATS_OF_HARM = "handwritten_threats_of_harm.jsonl"  # in corpus/unused/: threats of harm in many shapes, and near misses (design W)
THREATS_OF_HARM_SOURCE = "threats-of-harm"


def _unused_path(name: str, folder: Path | None = None) -> Path:
    return Path(folder or corpus_dir()) / "unused" / name


def _unused_examples(names: Sequence[str], split: str, source: str, folder: Path | None = None) -> list[Example]:
    """The lines of the ``corpus/unused/`` files ``names`` that are there, in ``split`` (the corpus hash), as ``source``."""
    return [replace(corpus_example(r), source=source) for name in names if _unused_path(name, folder).is_file()
            for r in corpus_file_rows(_unused_path(name, folder)) if corpus_split(r["text"]) == split]


def service_request_examples(split: str, folder: Path | None = None, files: Sequence[str] = SERVICE_REQUEST_FILES) -> list[Example]:
    """The lines of ``corpus/unused/``'s service-request ``files`` in ``split`` (the corpus hash),
    source ``service-requests``: requests for a person and look-alikes, read only for
    ``supervisor_request`` (the n-gram model and its threshold since design N; the heads' cue row
    since design O), never by the rest of the heads. A file that is not there gives no lines."""
    return _unused_examples(files, split, SERVICE_REQUEST_SOURCE, folder)


def negation_examples(split: str, folder: Path | None = None) -> list[Example]:
    """The lines of ``corpus/unused/handwritten_negations.jsonl`` in ``split`` (the corpus hash),
    source ``negations``: read only for the cue rows design Q re-fits, never by the rest of the heads."""
    return _unused_examples((NEGATIONS,), split, NEGATION_SOURCE, folder)


def job_threat_examples(split: str, folder: Path | None = None) -> list[Example]:
    """The lines of ``corpus/unused/handwritten_job_threats.jsonl`` in ``split`` (the corpus hash),
    source ``job-threats``: read only by the opt-in designs T (as fitting lines of every head) and U, V (for the
    re-fit of the heads' abuse outputs); the shipped heads never read them."""
    return _unused_examples((JOB_THREATS,), split, JOB_THREAT_SOURCE, folder)


def harmless_harm_word_examples(split: str, folder: Path | None = None) -> list[Example]:
    """The lines of ``corpus/unused/handwritten_harmless_harm_words.jsonl`` in ``split`` (the corpus hash),
    source ``job-threats`` as the job-threat lines they join: read only by the opt-in design V (for the re-fit of the
    heads' abuse outputs); the shipped heads never read them."""
    return _unused_examples((HARMLESS_HARM_WORDS,), split, JOB_THREAT_SOURCE, folder)


def threats_of_harm_examples(split: str, folder: Path | None = None) -> list[Example]:
    """The lines of ``corpus/unused/handwritten_threats_of_harm.jsonl`` in ``split`` (the corpus hash),
    source ``threats-of-harm``: read only by the threat detector (design W), never by the heads."""
    return _unused_examples((THREATS_OF_HARM,), split, THREATS_OF_HARM_SOURCE, folder)


def service_request_files(folder: Path | None = None, files: Sequence[str] = SERVICE_REQUEST_FILES) -> list[str]:
    """Which of the service-request ``files`` are there, in ``corpus/unused/``."""
    return [name for name in files if _unused_path(name, folder).is_file()]


def training_examples(seed: int = 0, root: Path | None = None, corpus: Path | None = None, tweet_labels: str = "annotated") -> list[Example]:
    root = root or data_dir()
    rng = random.Random(seed)
    examples: list[Example] = []
    examples += davidson(root, rng)
    examples += nlupp(root, "banking")
    examples += bitext(root)
    examples += hint3(root)
    examples += tweeteval(root, "val", tweet_labels)
    examples += [e for e in corpus_examples("train", corpus) if e.text]
    return examples


def counts_by_source(examples: Iterable[Example]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in examples:
        key = e.source + (" (augmented)" if e.augmented else "")
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))
