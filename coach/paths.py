"""Where coach keeps things on the user's machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"
PLAYBOOKS_DIR = REPO_ROOT / "playbooks"
ASSETS_DIR = REPO_ROOT / "assets"
DEFAULT_PLAYBOOK = PLAYBOOKS_DIR / "default.yaml"


def user_data_dir() -> Path:
    """The user data folder (``COACH_DATA_DIR`` overrides it, e.g. in tests)."""
    override = os.environ.get("COACH_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir("coach", appauthor=False))
    return path


def call_log_dir() -> Path:
    return user_data_dir() / "calls"


def user_models_dir() -> Path:
    return user_data_dir() / "models"


def user_config_dir() -> Path:
    override = os.environ.get("COACH_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir("coach", appauthor=False))
