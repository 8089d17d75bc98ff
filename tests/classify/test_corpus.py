"""The call-style corpus (``corpus/*.jsonl``) is well formed, covers every label, and is reproducible.

The classifier trains on these files unattended, so these checks stand in for a reviewer:
a malformed line, a cue on the wrong speaker, a thin label or a stale generated file fails here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def load_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", CORPUS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stats() -> ModuleType:
    return load_module("stats")


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return load_module("generate")


@pytest.fixture(scope="module")
def corpus(stats):
    return stats.load(CORPUS)


def good_row(**changes) -> dict:
    row = {"text": "i called twice", "speaker": "customer", "sentiment": "negative", "anger": 0.3,
           "abuse": "none", "cues": ["repeat_contact"], "source": "handwritten"}
    row.update(changes)
    return row


def test_every_line_is_well_formed_and_unique(corpus):
    assert corpus.errors == []


def test_corpus_is_large_enough_with_enough_handwritten_lines(corpus):
    assert len(corpus.rows) >= 2000
    assert sum(r["source"] == "handwritten" for r in corpus.rows) >= 800


def test_every_label_has_enough_examples_and_templates_do_not_dominate(corpus, stats):
    assert stats.label_problems(corpus.rows) == []


def test_labels_match_the_vocabulary_in_coach_events(stats):
    from coach import events

    assert stats.SENTIMENTS == events.SENTIMENTS
    assert stats.ABUSE_KINDS == events.ABUSE_KINDS
    assert stats.CUSTOMER_CUES == events.CUSTOMER_CUES
    assert stats.AGENT_CUES == events.AGENT_CUES


def test_both_speakers_short_and_long_and_noisy_lines_are_present(corpus, stats):
    numbers = dict(stats.overview(corpus.rows))
    assert numbers["speaker=agent"] >= 500
    assert numbers["short (1-3 words)"] >= 50
    assert numbers["long (30+ words)"] >= 10
    assert numbers["noisy"] >= 100


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"speaker": "agent"}, "is not a agent cue"),
        ({"text": "I called twice."}, "lowercase words"),
        ({"text": "i called  twice"}, "lowercase words"),
        ({"anger": 0.35}, "steps of 0.1"),
        ({"anger": True}, "steps of 0.1"),
        ({"abuse": "rude"}, "abuse 'rude'"),
        ({"sentiment": "angry"}, "sentiment 'angry'"),
        ({"cues": ["repeat_contact", "repeat_contact"]}, "without repeats"),
        ({"source": "scraped"}, "source 'scraped'"),
        ({"extra": 1}, "unknown key 'extra'"),
    ],
)
def test_the_validator_rejects_each_kind_of_bad_row(stats, changes, problem):
    assert stats.row_problems(good_row()) == []
    problems = stats.row_problems(good_row(**changes))
    assert any(problem in p for p in problems), problems


def test_the_validator_reports_file_and_line_of_bad_and_duplicate_lines(stats, tmp_path):
    good = json.dumps(good_row())
    (tmp_path / "a.jsonl").write_text(f"{good}\nnot json\n{good}\n", encoding="utf-8")
    errors = stats.load(tmp_path).errors
    assert [e.split(":")[:2] for e in errors] == [["a.jsonl", "2"], ["a.jsonl", "3"]]
    assert "duplicate of a.jsonl:1" in errors[1]


def test_a_thin_label_is_reported(stats):
    rows = [good_row(text=f"i called {'again ' * i}".strip()) for i in range(10)]
    problems = stats.label_problems(rows)
    assert any(p.startswith("cue=repeat_contact: only 10 examples") for p in problems)


def test_generated_file_is_what_the_generator_makes(generate):
    fresh = generate.render(generate.generate(generate.DEFAULT_SEED, generate.handwritten_keys(CORPUS)))
    assert (CORPUS / "generated.jsonl").read_text(encoding="utf-8") == fresh


def test_generator_labels_come_from_the_template_not_the_text(generate):
    rows = generate.generate(seed=7)
    assert generate.generate(seed=7) == rows
    by_text = {r["text"]: r for r in rows}
    assert len(by_text) == len(rows)
    for row in rows:
        assert generate.SLOT.search(row["text"]) is None, row["text"]


@pytest.mark.parametrize(
    "speaker, text, sentiment, abuse, cues",
    [
        ("customer", "i'm not angry i just want to know", "negative", "none", []),
        ("customer", "the manager at the store said it was fine", "neutral", "none", []),
        ("customer", "i don't need a supervisor you've been great", "positive", "none", ["gratitude"]),
        ("customer", "my son called about this last week", "neutral", "none", ["repeat_contact"]),
        ("customer", "i'm not cancelling i just want it fixed", "neutral", "none", []),
        ("customer", "this damn thing finally works thank you", "positive", "profanity", ["gratitude"]),
        ("customer", "i could kill for a coffee", "positive", "none", []),
        ("customer", "hold on let me find my account number", "neutral", "none", []),
        ("customer", "i'm going to sue you", "negative", "none", []),
        ("customer", "f you", "negative", "insult", []),
        ("customer", "thanks for nothing", "negative", "none", []),
        ("agent", "i understand", "neutral", "none", []),
        ("agent", "i'll look into it", "neutral", "none", []),
        ("agent", "i'm sorry but there's nothing i can do", "neutral", "none", ["argues_back"]),
    ],
)
def test_documented_hard_negative_decisions_are_in_the_corpus(corpus, speaker, text, sentiment, abuse, cues):
    rows = [r for r in corpus.rows if r["speaker"] == speaker and r["text"] == text]
    assert len(rows) == 1, f"{text!r} missing"
    assert (rows[0]["sentiment"], rows[0]["abuse"], rows[0]["cues"]) == (sentiment, abuse, cues)


def test_the_unused_and_check_files_are_well_formed_and_share_no_line(corpus, stats):
    # they teach supervisor_request (designs N to R) or abuse (designs T to X), or measure them (corpus/checks/): a line that is also in
    # the corpus would let the corpus test split be trained on, and one in two files would sit in both of their splits
    from coach.classify.datasets import HANDOFF_LOOKALIKES, HARMLESS_HARM_WORDS, JOB_THREATS, REQUEST_SHAPES, SERVICE_REQUEST_FILES, THREATS_OF_HARM
    from coach.classify.text import normalize

    in_corpus = {normalize(r["text"]) for r in corpus.rows}
    seen: dict[str, str] = {}
    problems = []
    # and the lines that only measure (corpus/checks/): a line in a check and a training file is no check
    checks = sorted((CORPUS / "checks").glob("*.jsonl"))
    for path in [CORPUS / "unused" / name for name in (*SERVICE_REQUEST_FILES, HANDOFF_LOOKALIKES, REQUEST_SHAPES, JOB_THREATS, HARMLESS_HARM_WORDS, THREATS_OF_HARM)] + checks:
        name = f"{path.parent.name}/{path.name}"
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) >= (30 if "harmless" in path.name else 100), name
        rows = []
        for number, line in enumerate(lines, 1):
            where = f"{name}:{number}"
            row = json.loads(line)
            rows.append(row)
            problems += [f"{where}: {p}" for p in stats.row_problems(row)]
            text = normalize(row["text"])
            if row["speaker"] != "customer":
                problems.append(f"{where}: not a customer line")
            if text in in_corpus:
                problems.append(f"{where}: also in corpus/")
            if text in seen:
                problems.append(f"{where}: duplicate of {seen[text]}")
            seen[text] = where
        if "harmless" in path.name:  # words of harm that harm no one: no line is an insult or a threat
            assert {r["abuse"] for r in rows} <= {"none", "profanity"}, name
        elif "job_threats" in path.name:  # job threats (insult), threats of harm and legitimate pressure, each well covered
            for label in ("none", "insult", "threat"):
                assert sum(r["abuse"] == label for r in rows) / len(rows) > 0.2, (name, label)
        elif "threats" in path.name:  # design W on: mostly threats of harm, with near misses of every kind beside them
            share = {label: sum(r["abuse"] == label for r in rows) / len(rows) for label in ("none", "insult", "threat")}
            assert share["threat"] > 0.3 and share["none"] > 0.15 and share["insult"] > 0.03, (name, share)
            if "check" in path.name:  # the checks carry each line's kind, and it agrees with its label
                kinds = {"harm": {"threat"}, "job": {"insult"}, "pressure": {"none"}, "harmless": {"none", "profanity"}}
                assert all(r["abuse"] in kinds[r["kind"]] for r in rows), name
        else:  # requests for a person and look-alikes, both well covered
            assert 0.25 < sum("supervisor_request" in r["cues"] for r in rows) / len(rows) < 0.45, name
    assert problems == []
