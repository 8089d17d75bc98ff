"""Playbooks: the YAML a team lead tunes, its checks, and the pure engine that runs it.

``load_playbook(path)`` gives a checked ``Playbook`` (or raises ``PlaybookError`` with
every ``FILE:LINE:COL`` problem); ``Engine(playbook)`` turns call signals, agent
actions and ticks into step changes; ``PlaybookWatcher`` reloads an edited file.
"""

from __future__ import annotations

from coach.playbook.engine import Engine
from coach.playbook.loader import load_playbook, load_playbook_text
from coach.playbook.model import PlaybookSpec, Step
from coach.playbook.playbook import Playbook, Transition
from coach.playbook.watcher import PlaybookWatcher

__all__ = [
    "Engine",
    "Playbook",
    "PlaybookSpec",
    "PlaybookWatcher",
    "Step",
    "Transition",
    "load_playbook",
    "load_playbook_text",
]
