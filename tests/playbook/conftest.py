"""Playbook tests: hand-made signals (``playbook_helpers``), so the engine is tested without the classifier."""

from __future__ import annotations

import pytest

from playbook_helpers import Call


@pytest.fixture
def call() -> Call:
    return Call()
