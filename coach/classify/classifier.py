"""One utterance in, a ``Classification`` out: sentiment, anger, abuse, cues.

The frozen sentence encoder gives a vector; the small trained heads (``heads.py``)
read it with a few lexical features. Two word models sit beside the heads when the weights
have them (the shipped ones do): alt-profanity-check's, averaged into the offensive
probability (``wordsvm``, design K), and an n-gram model averaged into ``supervisor_request``
(``lexmodel``, design M). When the weights have a threat detector (``threat``, design X), it
alone decides the abuse label ``threat`` (``decide``). Decision thresholds come from the weights'
``config.json`` (tuned on a development split of the *training* data).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from coach.classify.decide import NOT_THREAT, THREAT, abuse_kinds, abuse_labels
from coach.classify.labels import ABUSE_TYPES, AGENT_CUES, CUES, CUSTOMER_CUES, SENTIMENTS
from coach.classify.lexicon import N_FEATURES
from coach.classify.text import normalize
from coach.classify.weights import DEFAULT_DIR, FIX, WEIGHTS, verify
from coach.errors import ModelError
from coach.events import AGENT, CUSTOMER, Classification

_SPEAKER_CUES = {CUSTOMER: set(CUSTOMER_CUES), AGENT: set(AGENT_CUES)}


def _word_model(load, folder: Path, files: Sequence[str], missing_name: str, broken_name: str):
    """A word model beside the heads (``load()``), tried once; a missing or unreadable file is one ``ModelError``."""
    try:
        model = load()
        model.probabilities(["warm up"])
        return model
    except FileNotFoundError:
        raise ModelError(f"The classifier's {missing_name} ({', '.join(str(folder / f) for f in files)}) is missing; {FIX}.") from None
    except Exception as exc:
        raise ModelError(f"The classifier's {broken_name} cannot be read; {FIX}.") from exc


class Classifier:
    """Use ``load_classifier()`` / ``get_classifier()`` rather than building one directly."""

    def __init__(self, weights_dir: str | Path | None = None, encoder=None):
        from coach.classify.encoder import SentenceEncoder
        from coach.classify.heads_np import NumpyHeads

        folder = Path(weights_dir) if weights_dir else DEFAULT_DIR
        self.weights_dir = folder
        self.config = verify(folder)
        if int(self.config.get("lexical_features", N_FEATURES)) != N_FEATURES:
            raise ModelError(f"The classifier weights in {folder} read {self.config.get('lexical_features')} lexical features and "
                             f"this version of coach makes {N_FEATURES}; {FIX}.")
        hidden = int(self.config.get("hidden", 128))
        try:
            heads = NumpyHeads.load(folder / WEIGHTS, word_buckets=int(self.config.get("word_buckets", 0)))
            if heads.shared_w.shape[0] != hidden:
                raise ValueError(f"hidden width {heads.shared_w.shape[0]}, the config says {hidden}")
            heads(np.zeros((1, heads.shared_w.shape[1]), np.float32), [[]])  # wrong shapes fail here, not mid-call
        except Exception as exc:  # wrong shapes or a broken file that still matches an edited manifest
            raise ModelError(f"The classifier weights {folder / WEIGHTS} do not fit this version of coach; {FIX}.") from exc
        self.heads = heads
        self.thresholds: dict[str, float] = {c: 0.5 for c in CUES}
        self.thresholds.update(self.config.get("cue_thresholds", {}))
        self.offensive_threshold = float(self.config.get("offensive_threshold", 0.5))
        # The offensive probability is the heads' combined with a lexical model's when the weights
        # have one: alt-profanity-check's model (``wordsvm``, design K) or the n-gram model
        # (``lexmodel``, opt-in); its files are checked by the manifest above.
        self.lexical, self.head_weight, self.insult_floor = None, 1.0, None
        lexical = self.config.get("offensive_lexical")
        if lexical is not None:
            from coach.classify.lexmodel import lexical_files, load_lexical

            kind = lexical.get("kind", "ngram")

            def load_offensive():
                self.head_weight = float(lexical["head_weight"])
                self.insult_floor = lexical.get("spare_insults_above")
                return load_lexical(folder, kind)

            self.lexical = _word_model(load_offensive, folder, lexical_files(kind),
                                       "lexical model", f"lexical model in {folder} ({kind})")
        # An n-gram model beside the heads for one cue (design M), when the weights have one.
        self.cue_lexical, self.cue_weight, self.cue_column = None, 1.0, None
        cue_lexical = self.config.get("cue_lexical")
        if cue_lexical is not None:
            from coach.classify.lexmodel import CUE_PREFIX, LexicalModel

            files = cue_lexical.get("files", [])

            def load_cue():
                self.cue_column = CUES.index(cue_lexical["cue"])
                self.cue_weight = float(cue_lexical["head_weight"])
                return LexicalModel.load(folder, CUE_PREFIX)

            self.cue_lexical = _word_model(load_cue, folder, files,
                                           f"{cue_lexical.get('cue')} n-gram model",
                                           f"cue n-gram model in {folder} ({', '.join(str(folder / f) for f in files)})")
        # Designs W and X: a threat detector (word n-grams and the sentence vector) decides `threat`, when the weights have one.
        self.threat, self.threat_threshold = None, None
        threat = self.config.get("threat_detector")
        if threat is not None:
            from coach.classify.encoder import DIM
            from coach.classify.threat import VECTOR, ThreatDetector, files

            inputs = threat.get("inputs", VECTOR)
            where = ", ".join(str(folder / f) for f in files(inputs))
            try:
                self.threat = ThreatDetector.load(folder, DIM, inputs)
                self.threat_threshold = float(threat["threshold"])
            except FileNotFoundError:
                raise ModelError(f"The classifier's threat detector ({where}) is missing; {FIX}.") from None
            except Exception as exc:
                raise ModelError(f"The classifier's threat detector ({where}) cannot be read; {FIX}.") from exc
        self.encoder = encoder or SentenceEncoder()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ public

    def classify(self, text: str, speaker: str = CUSTOMER) -> Classification:
        return self.classify_many([text], speaker)[0]

    def classify_many(self, texts: Sequence[str], speaker: str = CUSTOMER) -> list[Classification]:
        if speaker not in _SPEAKER_CUES:
            raise ValueError(f"speaker must be 'customer' or 'agent', not {speaker!r}")
        raw = [t if isinstance(t, str) else str(t) for t in texts]
        norm = [normalize(t) for t in raw]
        probs = self.probabilities(norm, [speaker] * len(norm))
        return [self._decide(raw[i], norm[i], speaker, {k: v[i] for k, v in probs.items()}) for i in range(len(raw))]

    def probabilities(self, normalized: Sequence[str], speakers: Sequence[str]) -> dict[str, np.ndarray]:
        """Raw head outputs as probabilities, for already-normalised texts (used by evaluation)."""
        from coach.classify.features import head_inputs, word_ids
        from coach.classify.heads_np import sigmoid, softmax

        with self._lock:
            vectors = self.encoder.encode(list(normalized))
            x = head_inputs(vectors, normalized, speakers)
            buckets = self.heads.word_buckets
            words = [word_ids(t, buckets) for t in normalized] if buckets else None
            out = self.heads(x, words)
            p_threat = self.threat.probabilities(vectors, normalized) if self.threat is not None else None
        probs = {
            "sentiment": softmax(out["sentiment"]),
            "anger": sigmoid(out["anger"]),
            "offensive": sigmoid(out["offensive"]),
            "abuse_type": softmax(out["abuse_type"]),
            "cues": sigmoid(out["cues"]),
        }
        if p_threat is not None:
            probs["threat"] = p_threat
        if self.lexical is not None:
            from coach.classify.lexmodel import combine, spared_rows

            probs["offensive_head"] = probs["offensive"]
            probs["offensive_lexical"] = self.lexical.probabilities(normalized)
            probs["offensive"] = combine(probs["offensive_head"], probs["offensive_lexical"], self.head_weight,
                                         spared_rows(probs["abuse_type"], probs["offensive_head"], self.insult_floor))
        if self.cue_lexical is not None:
            from coach.classify.lexmodel import combine_cue

            probs["cues_head"] = probs["cues"]
            probs["cue_lexical"] = self.cue_lexical.probabilities(normalized)
            probs["cues"] = combine_cue(probs["cues"], self.cue_column, probs["cue_lexical"], self.cue_weight)
        return probs

    # ------------------------------------------------------------------ decisions

    def abuse_labels(self, p: dict[str, np.ndarray]) -> np.ndarray:
        """The 4-way abuse label of each row of ``probabilities()`` (``decide.abuse_labels``)."""
        return abuse_labels(p["offensive"], p["abuse_type"], self.offensive_threshold, p.get("threat"), self.threat_threshold)

    def abuse_kinds(self, p: dict[str, np.ndarray]) -> np.ndarray:
        """The abuse type of each row as if it were offensive (an index in ``ABUSE_TYPES``)."""
        return abuse_kinds(p["abuse_type"], p.get("threat"), self.threat_threshold)

    def _decide(self, raw: str, norm: str, speaker: str, p: dict[str, np.ndarray]) -> Classification:
        if not norm:
            # Guard: nothing to read (silence, noise, only punctuation) is neutral, calm and clean.
            return Classification(raw, speaker, "neutral", {s: (1.0 if s == "neutral" else 0.0) for s in SENTIMENTS}, 0.0, "none", 1.0, ())
        sent = p["sentiment"]
        p_off = float(p["offensive"])
        kinds = p["abuse_type"]
        label = int(self.abuse_labels({k: np.asarray([v]) for k, v in p.items()})[0])
        if label == 0:
            abuse, score = "none", 1.0 - p_off
        elif label - 1 == THREAT and self.threat is not None:
            abuse, score = "threat", float(p["threat"])
        else:
            k = label - 1
            considered = kinds if self.threat is None else kinds[NOT_THREAT]
            abuse, score = ABUSE_TYPES[k], p_off * float(kinds[k]) / float(considered.max() or 1.0)
        allowed = _SPEAKER_CUES[speaker]
        cues = tuple(c for i, c in enumerate(CUES) if c in allowed and float(p["cues"][i]) >= self.thresholds[c])
        return Classification(
            text=raw,
            speaker=speaker,
            sentiment=SENTIMENTS[int(np.argmax(sent))],
            sentiment_scores={s: round(float(sent[i]), 4) for i, s in enumerate(SENTIMENTS)},
            anger=float(p["anger"]),
            abuse=abuse,
            abuse_score=float(score),
            cues=cues,
        )


_instance: Classifier | None = None
_instance_lock = threading.Lock()


def load_classifier(weights_dir: str | Path | None = None) -> Classifier:
    """A new classifier from ``weights_dir`` (default ``models/classifier``); raises ModelError."""
    global _instance
    clf = Classifier(weights_dir)
    with _instance_lock:
        if _instance is None and weights_dir is None:
            _instance = clf
    return clf


def get_classifier() -> Classifier:
    """The process-wide classifier with the default weights, loaded on first use."""
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = Classifier()
        return _instance
