"""Settings shared by every test: offline models, a throw-away data folder, Qt offscreen."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "COACH_DATA_DIR" not in os.environ:
    os.environ["COACH_DATA_DIR"] = tempfile.mkdtemp(prefix="coach-test-data-")
if "COACH_CONFIG_DIR" not in os.environ:
    os.environ["COACH_CONFIG_DIR"] = tempfile.mkdtemp(prefix="coach-test-config-")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def render_seed() -> int:
    """The seed calls are rendered with (turn gaps, line hiss). ``COACH_RENDER_SEED=N`` re-runs the
    spoken-call tests on another render, to see whether a story rests on one lucky transcription."""
    return int(os.environ.get("COACH_RENDER_SEED", "0"))
