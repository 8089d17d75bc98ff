"""``coach train`` end to end on a tiny copy of every training set: weights, manifest,
card, a loadable classifier, and the same bytes from the same seed."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from coach.classify.datasets import corpus_split, training_examples
from coach.classify.labels import CUES
from coach.classify.text import asr_noise, normalize

pytestmark = pytest.mark.slow


def _tiny_public_data(root: Path) -> None:
    d = root / "davidson-hate-offensive"
    d.mkdir(parents=True)
    with open(d / "labeled_data.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["", "count", "hate_speech", "offensive_language", "neither", "class", "tweet"])
        rows = [("what a lovely day", 2), ("this shit is so fucking annoying", 1), ("you stupid worthless people", 0),
                ("going to the beach", 2), ("damn this traffic", 1), ("nice game last night", 2)]
        for i, (text, cls) in enumerate(rows):
            votes = [0, 0, 0]
            votes[cls] = 3
            w.writerow([i, 3, *votes, cls, text])
    n = root / "nlupp-handoff" / "banking"
    n.mkdir(parents=True)
    json.dump([{"text": "can i talk to a person", "intents": ["handoff"]}, {"text": "what is my balance", "intents": ["balance"]},
               {"text": "put me through to a human please", "intents": ["handoff"]}, {"text": "block my card", "intents": ["block"]}],
              open(n / "fold0.json", "w"))
    b = root / "bitext-customer-support"
    b.mkdir()
    with open(b / "Bitext_Sample_Customer_Support_Training_Dataset.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["instruction", "intent", "tags"])
        w.writerows([("i need a human agent", "contact_human_agent", "B"), ("cancel my order", "cancel_order", "B"),
                     ("where the hell is my refund", "get_refund", "BW"), ("how do i contact customer service", "contact_customer_service", "B")])
    h = root / "hint3-agent-request" / "v2" / "train"
    h.mkdir(parents=True)
    with open(h / "shop_train.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sentence", "label"])
        w.writerows([("connect me to an agent", "CHAT_WITH_AN_AGENT"), ("what are your hours", "HOURS")])
    for task, texts, labels in (
        ("emotion", ["i am so angry at this", "so happy today", "feeling hopeful", "sad news"], [0, 1, 2, 3]),
        ("sentiment", ["love it", "the bus is at nine", "hate this", "ok then"], [2, 1, 0, 1]),
    ):
        t = root / "tweeteval-emotion-sentiment" / task
        t.mkdir(parents=True)
        (t / "val_text.txt").write_text("\n".join(texts) + "\n")
        (t / "val_labels.txt").write_text("\n".join(map(str, labels)) + "\n")
    # the project's offensive labels of those tweets (corpus/annotations/ for the real ones)
    a = root / "annotations"
    a.mkdir()
    rows = ["# file\tline\tsha256_16\tlabel"]
    for task in ("emotion", "sentiment"):
        rel = f"tweeteval-emotion-sentiment/{task}/val_text.txt"
        for n, line in enumerate((root / rel).read_text().splitlines(), 1):
            label = "INS" if "hate" in line else "PRF" if "angry" in line else "NOT"
            rows.append(f"{rel}\t{n}\t{hashlib.sha256(line.encode()).hexdigest()[:16]}\t{label}")
    (a / "tweeteval_val_offensive.tsv").write_text("\n".join(rows) + "\n")


def _tiny_corpus(folder: Path) -> None:
    folder.mkdir()
    rows = [
        ("i want your supervisor now", "customer", "negative", 0.6, "none", ["supervisor_request"]),
        ("thank you that's great", "customer", "positive", 0.0, "none", ["gratitude"]),
        ("you useless idiot", "customer", "negative", 0.9, "insult", []),
        ("let me put you on hold", "agent", "neutral", 0.0, "none", ["hold_request"]),
        ("i'm sorry about that", "agent", "neutral", 0.0, "none", ["apology"]),
        ("this damn router", "customer", "negative", 0.4, "profanity", []),
    ] * 3
    with open(folder / "calls.jsonl", "w") as f:
        for i, (text, speaker, sentiment, anger, abuse, cues) in enumerate(rows):
            f.write(json.dumps({"text": f"{text} {'again ' * i}".strip(), "speaker": speaker, "sentiment": sentiment,
                                "anger": anger, "abuse": abuse, "cues": cues, "source": "handwritten"}) + "\n")
        f.write("not json\n")


def test_train_writes_a_loadable_reproducible_model(tmp_path, monkeypatch):
    from coach.classify import load_classifier
    from coach.classify.train import train

    data, corpus = tmp_path / "data", tmp_path / "corpus"
    _tiny_public_data(data)
    monkeypatch.setenv("COACH_ANNOTATIONS_DIR", str(data / "annotations"))
    _tiny_corpus(corpus)
    examples = training_examples(0, data, corpus)
    assert {e.source for e in examples} >= {"davidson", "nlupp-banking", "bitext", "hint3", "tweeteval-emotion", "tweeteval-sentiment", "corpus"}

    logs: list[str] = []
    out1, out2 = tmp_path / "w1", tmp_path / "w2"
    config = train(out1, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache", lexical_model="ngram")
    train(out2, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache", lexical_model="ngram")
    assert {p.name for p in out1.iterdir()} == {"heads.safetensors", "config.json", "manifest.json", "MODEL_CARD.md",
                                                "lexical.safetensors", "lexical_vocab.json",
                                                "handoff_lexical.safetensors", "handoff_lexical_vocab.json"}
    for name in ("heads.safetensors", "lexical.safetensors", "lexical_vocab.json"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    lexical = config["offensive_lexical"]
    assert config["offensive_threshold"] == lexical["threshold"] and 0.0 <= lexical["head_weight"] <= 1.0
    assert config["seed"] == 3 and "calls.jsonl" in config["corpus_files"]
    assert config["tweet_labels"] == "annotated" and set(config["tweet_check"]) == {"tweets", "dev"}
    assert "corpus test" in (out1 / "MODEL_CARD.md").read_text()

    clf = load_classifier(out1)
    result = clf.classify("hello there", "agent")
    assert result.speaker == "agent" and result.sentiment in ("negative", "neutral", "positive")
    p = clf.probabilities(["you useless idiot"], ["customer"])
    assert {"offensive_head", "offensive_lexical"} <= set(p)

    # --lexical-only: the heads stay byte for byte, the lexical model and config are rebuilt alike
    from coach.classify.train import refit_lexical

    heads = (out1 / "heads.safetensors").read_bytes()
    refit = refit_lexical(out1, seed=3, data_root=data, corpus=corpus, log=logs.append, kind="ngram")
    assert (out1 / "heads.safetensors").read_bytes() == heads
    assert (out1 / "lexical_vocab.json").read_bytes() == (out2 / "lexical_vocab.json").read_bytes()
    assert refit["offensive_lexical"]["head_weight"] == lexical["head_weight"]
    load_classifier(out1)  # the rewritten manifest matches
    assert {"handoff_lexical.safetensors", "handoff_lexical_vocab.json"} <= set(json.loads((out1 / "manifest.json").read_text())["files"])

    # --lexical none: no lexical model, and an earlier run's files are removed
    plain = train(out2, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
                  lexical_model="none", cue_lexical_model=False)
    assert "offensive_lexical" not in plain
    assert {p.name for p in out2.iterdir()} == {"heads.safetensors", "config.json", "manifest.json", "MODEL_CARD.md"}
    assert "offensive_lexical" not in load_classifier(out2).probabilities(["you useless idiot"], ["customer"])

    # --lexical alt-profanity-check (design K): the same heads, the package's model beside them,
    # weight fixed at 0.5, threshold chosen without the Davidson lines the package was fitted on
    out3 = tmp_path / "w3"
    k = train(out3, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
              lexical_model="alt-profanity-check", cue_lexical_model=False)
    assert (out3 / "heads.safetensors").read_bytes() == (out2 / "heads.safetensors").read_bytes()
    assert {p.name for p in out3.iterdir()} == {"heads.safetensors", "config.json", "manifest.json", "MODEL_CARD.md",
                                                "profanity_check.safetensors", "profanity_check_vocab.json"}
    section = k["offensive_lexical"]
    assert section["kind"] == "alt-profanity-check" and section["head_weight"] == 0.5
    assert section["chosen_on"] == "development lines not from Davidson"
    d = section["dev_macro_f1"]
    assert section["chosen_on_lines"] == d["other_lines"] == d["lines"] - d["davidson_lines"]
    assert k["offensive_threshold"] == section["threshold"] and "offensive_macro_f1" in section["tweet_check"]
    assert load_classifier(out3).probabilities(["you useless idiot"], ["customer"])["offensive_lexical"][0] > 0.9

    # the default (design M): an n-gram model for supervisor_request beside the same heads,
    # averaged at a fixed 0.5, in the manifest, and read by the classifier
    out4 = tmp_path / "w4"
    m = train(out4, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache")
    assert (out4 / "heads.safetensors").read_bytes() == (out2 / "heads.safetensors").read_bytes()
    cue = m["cue_lexical"]
    assert cue["cue"] == "supervisor_request" and cue["head_weight"] == 0.5 and cue["positives"] > 0
    assert set(cue["files"]) == {"handoff_lexical.safetensors", "handoff_lexical_vocab.json"} <= {p.name for p in out4.iterdir()}
    assert set(cue["files"]) <= set(json.loads((out4 / "manifest.json").read_text())["files"])
    assert any("supervisor_request n-gram model" in line for line in logs)
    p = load_classifier(out4).probabilities(["let me talk to a real person"], ["customer"])
    j = CUES.index("supervisor_request")
    np.testing.assert_allclose(p["cues"][0, j], 0.5 * p["cues_head"][0, j] + 0.5 * p["cue_lexical"][0], atol=1e-6)
    assert "extra_lines" not in cue  # this corpus has no corpus/unused/ service-request file

    # design N (--no-cue-row --service-floor 0.8): corpus/unused/'s service-request lines of the training split
    # teach the n-gram model (never the heads) and form a precision group of the threshold; test-split lines are left out
    unused = corpus / "unused"
    unused.mkdir()
    service = [("can i speak to someone in billing", ["supervisor_request"]), ("can you send someone to fix my router", []),
               ("put me through to a real person", ["supervisor_request"]), ("i need an engineer to come out", [])]
    lines = [(f"{text} {'please ' * i}".strip(), cues) for i in range(8) for text, cues in service]
    with open(unused / "handwritten_service_requests.jsonl", "w") as f:
        for text, cues in lines:
            f.write(json.dumps({"text": text, "speaker": "customer", "sentiment": "neutral", "anger": 0.1, "abuse": "none",
                                "cues": cues, "source": "handwritten"}) + "\n")
        f.write("not json\n")
    in_train = sum(corpus_split(t) == "train" for t, _ in lines)
    assert 0 < in_train < len(lines)
    out5 = tmp_path / "w5"
    n = train(out5, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
              cue_row=False, service_floor=None)
    assert (out5 / "heads.safetensors").read_bytes() == (out2 / "heads.safetensors").read_bytes()  # the heads never read them
    assert n["cue_lexical"]["extra_lines"] == in_train and n["cue_lexical"]["extra_source"] == "service-requests"
    choice = n["recall_first"]["choice"]["supervisor_request"]
    assert choice["extra"] == "service-requests" and choice["extra_lines"] == in_train
    assert n["cue_lexical"]["fit_lines"] == cue["fit_lines"] + in_train
    assert "cue_row" not in n

    # designs O and P (the default): the heads' supervisor_request row is re-fitted on its lines and the
    # service-request lines (both files, weighed 3), and the threshold must keep precision 0.9 on those
    # lines; every other weight of the heads is the same to the bit
    from safetensors.numpy import load_file

    with open(unused / "handwritten_person_lookalikes.jsonl", "w") as f:
        for text, cues in lines:
            f.write(json.dumps({"text": "so " + text, "speaker": "customer", "sentiment": "neutral", "anger": 0.1, "abuse": "none",
                                "cues": cues, "source": "handwritten"}) + "\n")
    in_train_o = in_train + sum(corpus_split("so " + t) == "train" for t, _ in lines)
    n_again = train(tmp_path / "w5b", seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
                    cue_row=False, service_floor=None)
    assert n_again["cue_lexical"]["extra_lines"] == in_train  # without --cue-row the second file is not read (design N)
    assert n_again["cue_lexical"]["extra_weight"] == 1.0 and "extra_floor" not in n_again["cue_lexical"]
    out6 = tmp_path / "w6"
    o = train(out6, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache")
    before, after = load_file(str(out2 / "heads.safetensors")), load_file(str(out6 / "heads.safetensors"))
    assert before.keys() == after.keys()
    for key in before:
        if key not in ("cues.weight", "cues.bias"):
            np.testing.assert_array_equal(before[key], after[key], err_msg=key)
    assert list(np.flatnonzero((before["cues.weight"] != after["cues.weight"]).any(1))) == [j]
    assert list(np.flatnonzero(before["cues.bias"] != after["cues.bias"])) == [j]
    assert o["cue_row"]["cue"] == "supervisor_request" and o["cue_row"]["extra_lines"] == in_train_o
    assert o["cue_lexical"]["extra_lines"] == in_train_o and o["cue_lexical"]["extra_weight"] == 3.0
    assert o["cue_lexical"]["extra_floor"] == 0.9
    assert o["cue_row"]["extra_files"] == ["handwritten_service_requests.jsonl", "handwritten_person_lookalikes.jsonl"]
    assert o["cue_row"]["fit_lines"] > in_train
    assert any("row of the heads re-fitted" in line for line in logs)
    assert "supervisor_request` output of the heads" in (out6 / "MODEL_CARD.md").read_text()
    assert "negation_rows" not in o  # this corpus has no negation file

    # design Q (the default): the negation file's training lines re-fit three more cue rows, and nothing else
    negated = [("this is my first time calling", []), ("i've called about this three times", ["repeat_contact"]),
               ("no i don't want to hold", []), ("sure i can hold", ["hold_consent"])]
    with open(unused / "handwritten_negations.jsonl", "w") as f:
        for i in range(6):
            for text, cues in negated:
                f.write(json.dumps({"text": f"{'well ' * i}{text}", "speaker": "customer", "sentiment": "neutral", "anger": 0.1,
                                    "abuse": "none", "cues": cues, "source": "handwritten"}) + "\n")
    out7 = tmp_path / "w7"
    q = train(out7, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache")
    with_q = load_file(str(out7 / "heads.safetensors"))
    for key in before:
        if key not in ("cues.weight", "cues.bias"):
            np.testing.assert_array_equal(with_q[key], after[key], err_msg=key)
    rows = {CUES.index(c) for c in ("repeat_contact", "hold_consent", "promise")}
    assert set(np.flatnonzero((with_q["cues.weight"] != after["cues.weight"]).any(1))) == rows
    np.testing.assert_array_equal(with_q["cues.weight"][j], after["cues.weight"][j])  # supervisor_request stays O's
    assert q["negation_rows"]["cues"] == ["repeat_contact", "hold_consent", "promise"]
    assert 0 < q["negation_rows"]["extra_lines"] < 24 and "design Q" in (out7 / "MODEL_CARD.md").read_text()

    # design R (--handoff-lookalikes): a third file's training lines join the service-request lines, in the
    # heads' row, the n-gram model and the threshold's precision group; without the flag it is not read
    def cue_file(name: str, pairs: list[tuple[str, list[str]]], filler: str) -> int:
        """Writes six noisy copies of each (text, cues) to corpus/unused/NAME; returns how many are in the training split."""
        texts = [(f"{filler * i}{text}", cues) for i in range(6) for text, cues in pairs]
        with open(unused / name, "w") as f:
            for text, cues in texts:
                f.write(json.dumps({"text": text, "speaker": "customer", "sentiment": "neutral", "anger": 0.1,
                                    "abuse": "none", "cues": cues, "source": "handwritten"}) + "\n")
        in_train = sum(corpus_split(text) == "train" for text, _ in texts)
        assert in_train > 0
        return in_train

    in_third = cue_file("handwritten_handoff_lookalikes.jsonl", [("i want to talk about my bill", []),
                        ("i want to talk to someone about my bill", ["supervisor_request"])], "right ")
    r = train(tmp_path / "w8", seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
              handoff_lookalikes=True)
    assert r["cue_row"]["extra_lines"] == r["cue_lexical"]["extra_lines"] == in_train_o + in_third
    assert r["cue_row"]["extra_files"][-1] == "handwritten_handoff_lookalikes.jsonl"
    assert r["recall_first"]["choice"]["supervisor_request"]["extra_lines"] == in_train_o + in_third
    assert train(tmp_path / "w9", seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
                 )["cue_row"]["extra_lines"] == in_train_o

    # design Z (--request-shapes): a file of requests in other shapes joins them the same way, after R's when both are asked for
    in_fourth = cue_file("handwritten_request_shapes.jsonl", [("who's above you", ["supervisor_request"]),
                         ("who's above me in the queue", [])], "well ")
    z = train(tmp_path / "w10", seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
              request_shapes=True)
    assert z["cue_row"]["extra_lines"] == z["cue_lexical"]["extra_lines"] == in_train_o + in_fourth
    assert z["cue_row"]["extra_files"][-1] == "handwritten_request_shapes.jsonl"
    both = train(tmp_path / "w11", seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
                 handoff_lookalikes=True, request_shapes=True)
    assert both["cue_row"]["extra_files"][-2:] == ["handwritten_handoff_lookalikes.jsonl", "handwritten_request_shapes.jsonl"]
    assert both["recall_first"]["choice"]["supervisor_request"]["extra_lines"] == in_train_o + in_third + in_fourth

    # a run without it removes the earlier run's files
    train(out4, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
          cue_lexical_model=False)
    assert not (out4 / "handoff_lexical.safetensors").exists() and "cue_lexical" not in json.loads((out4 / "config.json").read_text())


def test_corpus_split_is_stable_and_near_fifteen_percent():
    texts = [f"utterance number {i}" for i in range(4000)]
    tests = [t for t in texts if corpus_split(t) == "test"]
    assert 0.12 < len(tests) / len(texts) < 0.18
    assert corpus_split("Hello, World!") == corpus_split("hello world")  # decided on the normalised text


def test_normalize_makes_text_look_like_speech_recognition_output():
    assert normalize("I want your SUPERVISOR!!! @bob http://x.y/z #fail") == "i want your supervisor fail"
    assert normalize("It\u2019s   'quoted' don't") == "it's quoted don't"
    assert normalize("\x00\x01") == ""
    assert len(normalize("a" * 50_000)) <= 2000


def test_asr_noise_is_seeded_and_only_drops_or_swaps_words():
    import random

    text = "i have called three times this week and nobody fixed my internet"
    a = asr_noise(text, random.Random(7), p_drop=0.3, p_swap=0.2)
    assert a == asr_noise(text, random.Random(7), p_drop=0.3, p_swap=0.2)
    assert set(a.split()) <= set(text.split()) and a != text


def test_the_threat_detector_is_fitted_last_and_leaves_the_heads(tmp_path, monkeypatch):
    # designs W and X: with threat lines to learn from, `coach train` fits the detector beside the heads
    # (in the manifest, read by the classifier); `--threat-only` refits it alone, to the same bytes; a run
    # without it removes the files
    from coach.classify import load_classifier
    from coach.classify.train import train
    from coach.classify import datasets
    from coach.classify.train_threat import detector_lines, fit_threat

    data, corpus = tmp_path / "data", tmp_path / "corpus"
    _tiny_public_data(data)
    monkeypatch.setenv("COACH_ANNOTATIONS_DIR", str(data / "annotations"))
    _tiny_corpus(corpus)
    (corpus / "unused").mkdir()
    lines = [("i'll burn your van", "threat"), ("someone is going to get hurt", "threat"), ("i'll get you fired", "insult"),
             ("the line cut out", "none"), ("i'll report you to your manager", "none")]
    with open(corpus / "unused" / "handwritten_threats_of_harm.jsonl", "w") as f:
        for i in range(12):
            for text, abuse in lines:
                f.write(json.dumps({"text": f"{text} {'right ' * i}".strip(), "speaker": "customer", "sentiment": "negative",
                                    "anger": 0.8, "abuse": abuse, "cues": [], "source": "handwritten"}) + "\n")
    (corpus / "checks").mkdir(exist_ok=True)
    check = [("i'll torch your shed", "threat", "harm"), ("the shed is on fire", "none", "harmless"),
             ("i'll go elsewhere", "none", "pressure"), ("i'll have you sacked", "insult", "job")]
    with open(corpus / "checks" / "threats_check_x.jsonl", "w") as f:
        for text, abuse, kind in check:
            f.write(json.dumps({"text": text, "speaker": "customer", "sentiment": "negative", "anger": 0.7, "abuse": abuse,
                                "cues": [], "source": "handwritten", "kind": kind}) + "\n")
    logs: list[str] = []
    out = tmp_path / "w"
    config = train(out, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache")
    threat = config["threat_detector"]
    # the X check is scored, never trained on, and the card's Limits quote its counts
    x = threat["design_check"]
    assert x["lines"] == 4 and {k: x[k]["n"] for k in ("harm", "harmless", "pressure", "job")} == {"harm": 1, "harmless": 1, "pressure": 1, "job": 1}
    assert sum(x["harm"]["detector"].values()) == 1 and sum(x["harm"]["heads"].values()) == 1
    assert f"{x['harm']['detector']['threat']} of 1 read *threat*" in (out / "MODEL_CARD.md").read_text()
    fitted = {e.text for e in detector_lines(datasets.training_examples(3, data, corpus), corpus)}
    assert fitted and not fitted & {text for text, _, _ in check}
    assert threat["inputs"] == "words+vector" and threat["files"] == ["threat.safetensors", "threat_vocab.json"]
    assert threat["threats"] >= 12 and threat["word_ngrams"] > 0 and "tweet_check" in threat
    assert set(threat["files"]) <= set(json.loads((out / "manifest.json").read_text())["files"])
    assert "Threat detector" in (out / "MODEL_CARD.md").read_text()
    clf = load_classifier(out)
    assert clf.threat is not None and clf.threat_threshold == threat["threshold"]
    assert "threat" in clf.probabilities(["i'll burn your van"], ["customer"])

    heads, detector = (out / "heads.safetensors").read_bytes(), (out / "threat.safetensors").read_bytes()
    again = fit_threat(out, seed=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache")
    assert (out / "heads.safetensors").read_bytes() == heads and (out / "threat.safetensors").read_bytes() == detector
    assert again["threat_detector"]["threshold"] == threat["threshold"]
    load_classifier(out)  # the rewritten manifest matches

    plain = train(out, seed=3, epochs=3, data_root=data, corpus=corpus, log=logs.append, cache_dir=tmp_path / "cache",
                  threat_detector=False)
    assert "threat_detector" not in plain and not (out / "threat.safetensors").exists()
    assert load_classifier(out).threat is None
