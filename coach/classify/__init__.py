"""Reads each utterance: sentiment, anger, abuse and call cues (``Classifier``), and
keeps the rolling per-call signals the playbook reads (``tracker.SignalTracker``)."""

from __future__ import annotations

from coach.classify.classifier import Classifier, get_classifier, load_classifier

__all__ = ["Classifier", "get_classifier", "load_classifier"]
