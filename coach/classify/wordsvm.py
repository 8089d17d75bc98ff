"""alt-profanity-check's offensive-language model, converted to numpy (design K of
``docs/classifier-protocol.md``).

alt-profanity-check (MIT licence; Victor Zhou, Menelaos Kotoglou, Dimitrios Mistriotis) is a
word TF-IDF model with five linear SVMs, each with a sigmoid calibration, fitted by its authors
on about 200k human-labelled texts: Davidson et al.'s tweets and the Wikipedia comments of the
Jigsaw toxic-comment challenge. Its probability is the mean of the five calibrated SVMs.

``convert`` reads the installed package's scikit-learn objects once, at training time, and
writes their numbers to the weights folder; at call time ``WordSvmModel`` runs them with numpy
alone (no scikit-learn, no pickle): lowercase, scikit-learn's default token pattern, raw counts
times idf, L2 norm, five dot products, five sigmoids, their mean.
``tests/classify/test_wordsvm.py`` checks it against the package.

Files (listed with their sha256 in ``manifest.json``): ``profanity_check.safetensors``
(``idf``; ``coef`` five rows; ``intercept``, ``calibration_a``, ``calibration_b`` five each) and
``profanity_check_vocab.json`` (the words in column order, the package version).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np

WEIGHTS = "profanity_check.safetensors"
VOCAB = "profanity_check_vocab.json"
KIND = "alt-profanity-check"

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


class WordSvmModel:
    """Offensive probability from the words of a text (alt-profanity-check's model)."""

    def __init__(self, words: Sequence[str], arrays: dict[str, np.ndarray]):
        self.index = {w: i for i, w in enumerate(words)}
        self.idf = np.asarray(arrays["idf"], dtype=np.float64)
        self.coef = np.asarray(arrays["coef"], dtype=np.float64)
        self.intercept = np.asarray(arrays["intercept"], dtype=np.float64).reshape(-1)
        self.a = np.asarray(arrays["calibration_a"], dtype=np.float64).reshape(-1)
        self.b = np.asarray(arrays["calibration_b"], dtype=np.float64).reshape(-1)
        n = len(self.index)
        if not (len(self.idf) == n and self.coef.shape == (len(self.intercept), n) and len(self.a) == len(self.b) == len(self.intercept)):
            raise ValueError(f"{n} words, {len(self.idf)} idf values, coefficients {self.coef.shape}, "
                             f"{len(self.intercept)} intercepts, {len(self.a)}/{len(self.b)} calibrations")

    @classmethod
    def load(cls, folder: Path) -> "WordSvmModel":
        from safetensors.numpy import load_file

        vocab = json.loads((Path(folder) / VOCAB).read_text(encoding="utf-8"))
        return cls(vocab["words"], load_file(str(Path(folder) / WEIGHTS)))

    def probability(self, text: str) -> float:
        counts: dict[int, int] = {}
        for token in _TOKEN.findall(text.lower()):
            j = self.index.get(token)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if counts:
            ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            v = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) * self.idf[ids]
            v /= np.sqrt(v @ v)
            decision = self.coef[:, ids] @ v + self.intercept
        else:
            decision = self.intercept.copy()
        return float(np.mean(1.0 / (1.0 + np.exp(self.a * decision + self.b))))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.probability(t) for t in texts], dtype=np.float32)


def convert(folder: Path) -> list[str]:
    """Write the installed alt-profanity-check's model to ``folder``; returns the file names."""
    from importlib.metadata import version

    from safetensors.numpy import save_file

    try:
        from profanity_check import profanity_check as package
    except ImportError as exc:
        raise SystemExit(f"coach train needs alt-profanity-check for the offensive decision ({exc}); "
                         "install it with: pip install alt-profanity-check") from None
    vectorizer, model = package.vectorizer, package.model
    params = vectorizer.get_params()
    expected = {"analyzer": "word", "lowercase": True, "ngram_range": (1, 1), "norm": "l2", "use_idf": True,
                "sublinear_tf": False, "binary": False, "token_pattern": _TOKEN.pattern, "preprocessor": None,
                "tokenizer": None, "strip_accents": None}
    differs = {k: params.get(k) for k, v in expected.items() if params.get(k) != v}
    if differs or list(model.classes_) != [0, 1]:
        raise SystemExit(f"alt-profanity-check {version('alt-profanity-check')} is not the model coach converts "
                         f"(vectorizer settings {differs}, classes {list(model.classes_)}); install alt-profanity-check 1.9.1")
    order = sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])
    parts = model.calibrated_classifiers_
    if any(p.method != "sigmoid" or len(p.calibrators) != 1 for p in parts):
        raise SystemExit("alt-profanity-check's calibrations are not one sigmoid per SVM; install alt-profanity-check 1.9.1")
    arrays = {
        "idf": vectorizer.idf_.astype(np.float32),
        "coef": np.stack([p.estimator.coef_.reshape(-1) for p in parts]).astype(np.float32),
        "intercept": np.array([float(np.ravel(p.estimator.intercept_)[0]) for p in parts], dtype=np.float32),
        "calibration_a": np.array([float(p.calibrators[0].a_) for p in parts], dtype=np.float32),
        "calibration_b": np.array([float(p.calibrators[0].b_) for p in parts], dtype=np.float32),
    }
    folder = Path(folder)
    save_file(arrays, str(folder / WEIGHTS))
    vocab = {"source": f"alt-profanity-check {version('alt-profanity-check')} (MIT licence)", "words": [w for w, _ in order]}
    (folder / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return [WEIGHTS, VOCAB]
