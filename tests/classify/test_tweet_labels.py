"""The project's offensive labels of TweetEval validation tweets (corpus/annotations/) and the
tweet check that chooses the offensive threshold (docs/classifier-protocol.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from coach.classify import datasets, train
from coach.classify.datasets import Example
from coach.classify.labels import ABUSE_TYPES
from coach.errors import ModelError

TWEETS = ["what a lovely morning", "this shit is broken again", "he is a lying clown", "i will find you and hurt you"]


def _data(root: Path, labels=("NOT", "PRF", "INS", "THR"), tamper: bool = False) -> Path:
    for task in ("emotion", "sentiment"):
        t = root / "tweeteval-emotion-sentiment" / task
        t.mkdir(parents=True)
        (t / "val_text.txt").write_text("\n".join(TWEETS) + "\n")
        (t / "val_labels.txt").write_text("0\n1\n0\n0\n" if task == "emotion" else "1\n0\n0\n0\n")
    rows = ["# file\tline\tsha256_16\tlabel"]
    for task in ("emotion", "sentiment"):
        rel = f"tweeteval-emotion-sentiment/{task}/val_text.txt"
        for n, (text, label) in enumerate(zip(TWEETS, labels), 1):
            digest = hashlib.sha256((text + ("!" if tamper and n == 3 else "")).encode()).hexdigest()[:16]
            rows.append(f"{rel}\t{n}\t{digest}\t{label}")
    path = root / "labels.tsv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_each_tweet_gets_the_projects_label_and_abuse_type(tmp_path, monkeypatch):
    path = _data(tmp_path)
    monkeypatch.setenv("COACH_ANNOTATIONS_DIR", str(tmp_path))
    path.rename(tmp_path / datasets.TWEET_ANNOTATIONS)
    got = {(e.source, e.text): (e.offensive, e.abuse_type) for e in datasets.tweeteval(tmp_path)}
    for source in ("tweeteval-emotion", "tweeteval-sentiment"):
        assert got[(source, "what a lovely morning")] == (0.0, None)
        assert got[(source, "this shit is broken again")] == (1.0, ABUSE_TYPES.index("profanity"))
        assert got[(source, "he is a lying clown")] == (1.0, ABUSE_TYPES.index("insult"))
        assert got[(source, "i will find you and hurt you")] == (1.0, ABUSE_TYPES.index("threat"))
    # the earlier weak label: unknown when a lexicon word is there, not offensive otherwise
    weak = {e.text: e.offensive for e in datasets.tweeteval(tmp_path, tweet_labels="weak")}
    assert weak["what a lovely morning"] == 0.0 and weak["this shit is broken again"] is None
    assert datasets.annotated_tweets(tmp_path)["he is a lying clown"] == (1.0, ABUSE_TYPES.index("insult"))


def test_a_label_made_for_another_tweet_is_one_error_naming_the_row(tmp_path):
    path = _data(tmp_path, tamper=True)
    with pytest.raises(ModelError) as err:
        datasets.tweet_annotations(tmp_path, path)
    message = str(err.value)
    assert f"{path}:4:" in message and "line 3" in message and "sha256 differs" in message


@pytest.mark.parametrize("row", ["tweeteval-emotion-sentiment/emotion/val_text.txt\t1\tabc\tRUDE", "just one column", "x\tone\tabc\tNOT"])
def test_a_malformed_row_is_named_with_file_and_line(tmp_path, row):
    path = _data(tmp_path)
    path.write_text(path.read_text() + row + "\n")
    with pytest.raises(ModelError, match=rf"{path.name}:10: expected"):
        datasets.tweet_annotations(tmp_path, path)


def test_missing_labels_say_where_to_get_them(tmp_path):
    with pytest.raises(ModelError, match="are missing; restore corpus/annotations/"):
        datasets.tweet_annotations(tmp_path, tmp_path / "nope.tsv")


def test_the_shipped_labels_cover_every_validation_tweet_once():
    rows = [r.split("\t") for r in (datasets.annotations_dir() / datasets.TWEET_ANNOTATIONS).read_text().splitlines()
            if r and not r.startswith("#")]
    keys = [(f, int(n)) for f, n, _, _ in rows]
    assert len(keys) == len(set(keys)) == 2374
    for name, size in (("emotion", 374), ("sentiment", 2000)):
        lines = sorted(n for f, n in keys if f == f"tweeteval-emotion-sentiment/{name}/val_text.txt")
        assert lines == list(range(1, size + 1))
    labels = [r[3] for r in rows]
    assert set(labels) == {"NOT", "PRF", "INS", "THR"}
    assert 0.05 < sum(lab != "NOT" for lab in labels) / len(labels) < 0.2  # a few insults among ordinary tweets


def test_the_best_macro_f1_threshold_is_not_the_best_positive_f1_threshold_on_rare_positives():
    # 2 offensive tweets among 10; three clean ones score in the middle
    scores = np.array([0.9, 0.6, 0.55, 0.5, 0.45, 0.2, 0.1, 0.1, 0.1, 0.1])
    truth = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    assert train.best_macro_threshold(scores, truth, 0.3, 0.9) == pytest.approx(0.575)
    # positive-class F1 ties on a lower threshold too; macro-F1 does not
    assert train.best_threshold(scores, truth, 0.3, 0.9) == pytest.approx(0.575)
    low = np.array([0.9, 0.6, 0.58, 0.2, 0.2])
    assert train.best_macro_threshold(low, np.array([1, 1, 0, 0, 0]), 0.3, 0.9) == pytest.approx(0.6)


def _tweet(text: str, source: str = "tweeteval-sentiment") -> Example:
    return Example(text, source, offensive=0.0)


def test_the_tweet_check_pools_dev_and_out_of_fold_tweets_against_the_projects_labels():
    annotations = {"a": (0.0, None), "b": (1.0, ABUSE_TYPES.index("insult")), "c": (1.0, ABUSE_TYPES.index("profanity")),
                   "d": (0.0, None)}
    dev = [_tweet("a"), _tweet("b"), Example("a corpus line", "corpus", offensive=0.0)]
    abuse = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])  # profanity, insult, threat
    p_dev = {"offensive": np.array([0.2, 0.9, 0.95]), "abuse_type": abuse}
    oof = ([_tweet("c", "tweeteval-emotion"), _tweet("d"), Example("corpus", "corpus")],
           {"offensive": np.array([0.7, 0.65, 0.1]), "abuse_type": np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [1, 0, 0]])})
    pool = train.tweet_pool(dev, p_dev, oof, annotations)
    assert list(pool.truth) == [0, 1, 1, 0]  # a, b (dev), c, d (out of fold); corpus lines left out
    assert list(pool.abuse_truth) == [-1, ABUSE_TYPES.index("insult"), ABUSE_TYPES.index("profanity"), -1]
    check = train.tweet_check(pool, 0.6)
    assert check["lines"] == 4 and check["offensive"] == 2
    assert check["precision"] == pytest.approx(2 / 3, abs=1e-3) and check["recall"] == 1.0
    assert check["targeted_macro_f1"] == 1.0  # b read as insult (targeted), c as profanity (untargeted)
    assert train.tweet_check(pool, 0.68)["offensive_macro_f1"] > check["offensive_macro_f1"]


def test_the_tweets_rule_chooses_on_the_tweet_check_and_keeps_the_corpus_precision():
    dev = [Example("x", "davidson", offensive=1.0), Example("y", "davidson", offensive=1.0),
           Example("calm complaint", "corpus", offensive=0.0), Example("you idiot", "corpus", offensive=1.0)]
    p = {"offensive": np.array([0.35, 0.4, 0.62, 0.9]), "cues": np.zeros((4, len(train.CUES)))}
    tweets = train.TweetPool(np.array([0.9, 0.6, 0.55, 0.1]), np.array([1, 0, 0, 0]), np.zeros((4, 3)), np.array([1, -1, -1, -1]))
    by_dev = train.choose_thresholds(dev, p, None, "dev", tweets)[0]
    by_tweets = train.choose_thresholds(dev, p, None, "tweets", tweets)[0]
    assert by_dev <= 0.35 + 1e-9 or by_dev >= 0.625  # best F1 on the dev lines, raised past the complaint at 0.62
    assert by_tweets >= 0.625  # 0.6 is best on the tweets, then raised past the corpus complaint
    with pytest.raises(ValueError):
        train.choose_thresholds(dev, p, None, "olid", tweets)
