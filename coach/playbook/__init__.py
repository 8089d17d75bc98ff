"""Playbooks: the YAML a team lead tunes, its checks, and the pure engine that runs it.

``load_playbook(path)`` gives a checked ``Playbook`` (or raises ``PlaybookError`` with
every ``FILE:LINE:COL`` problem); ``Engine(playbook)`` turns call signals, agent
actions and ticks into step changes; ``PlaybookWatcher`` reloads an edited file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Imported on first use (PEP 562), so that `coach --help` or `coach transcribe` do not pay for
# the schema models when they never touch a playbook.
_EXPORTS = {
    "Engine": "coach.playbook.engine",
    "load_playbook": "coach.playbook.loader",
    "load_playbook_text": "coach.playbook.loader",
    "PlaybookSpec": "coach.playbook.model",
    "Step": "coach.playbook.model",
    "Playbook": "coach.playbook.playbook",
    "Transition": "coach.playbook.playbook",
    "PlaybookWatcher": "coach.playbook.watcher",
}

if TYPE_CHECKING:  # for type checkers and editors
    from coach.playbook.engine import Engine
    from coach.playbook.loader import load_playbook, load_playbook_text
    from coach.playbook.model import PlaybookSpec, Step
    from coach.playbook.playbook import Playbook, Transition
    from coach.playbook.watcher import PlaybookWatcher


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'coach.playbook' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = sorted(_EXPORTS)
