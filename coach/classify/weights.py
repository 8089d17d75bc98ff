"""Reading and writing the classifier weights folder, checked against its manifest.

``models/classifier/`` holds ``heads.safetensors`` (the trained heads), ``config.json``
(label order, decision thresholds, how it was trained) and ``manifest.json`` (sha256 of
each of those files). The loader refuses a folder whose files do not match the manifest:
a half-copied or edited weights file gives one clear error instead of silent nonsense.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from coach.errors import ModelError
from coach.paths import MODELS_DIR

DEFAULT_DIR = MODELS_DIR / "classifier"
WEIGHTS = "heads.safetensors"
CONFIG = "config.json"
MANIFEST = "manifest.json"
FIX = "restore it with `git checkout models/classifier` or retrain with `coach train`"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(folder: Path, files: list[str]) -> dict[str, Any]:
    manifest = {"files": {name: {"sha256": sha256(folder / name), "bytes": (folder / name).stat().st_size} for name in files}}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """Check every file in the manifest; return the parsed config. Raises ModelError."""
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        raise ModelError(f"The classifier weights folder {folder} does not exist; {FIX}.")
    if not manifest_path.is_file():
        raise ModelError(f"The classifier manifest {manifest_path} is missing; {FIX}.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise ModelError(f"The classifier manifest {manifest_path} is not valid JSON with a 'files' table; {FIX}.") from None
    for required in (WEIGHTS, CONFIG):
        if required not in files:
            raise ModelError(f"The classifier manifest {manifest_path} does not list {required}; {FIX}.")
    for name, info in files.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"The classifier file {path} is missing; {FIX}.")
        if sha256(path) != info.get("sha256"):
            raise ModelError(f"The classifier file {path} is corrupted (its sha256 does not match {MANIFEST}); {FIX}.")
    try:
        return json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    except ValueError:
        raise ModelError(f"The classifier config {folder / CONFIG} is not valid JSON; {FIX}.") from None
