"""Scores of a loaded classifier on the corpus test split (never trained on)."""

from __future__ import annotations

from pathlib import Path

from coach.classify import datasets
from coach.classify.classifier import Classifier
from coach.classify.train import score


def evaluate_corpus(clf: Classifier, corpus: Path | None = None, origin: str | None = None) -> dict:
    """Per-head scores on the corpus test split; ``origin`` keeps only ``handwritten`` or ``template`` lines."""
    examples = [e for e in datasets.corpus_examples("test", corpus) if e.text and (origin is None or e.origin == origin)]
    p = clf.probabilities([e.text for e in examples], [e.speaker for e in examples])
    return score(examples, p, clf.offensive_threshold, clf.thresholds, clf.threat_threshold)
