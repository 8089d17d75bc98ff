"""The call log: every event of an analysed or live call, as JSON lines, flushed per event.

A crash, a pulled plug or Ctrl-C loses nothing already written: each line is
written and flushed (and the file is opened line-buffered) the moment its event
happens. Logs live in ``coach.paths.call_log_dir()``.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, TextIO

from coach.errors import CoachError
from coach.events import to_json
from coach.paths import call_log_dir


def new_log_path(source_name: str, directory: Path | None = None) -> Path:
    directory = directory or call_log_dir()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(source_name).stem or "call").strip("-")[:40] or "call"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stamp}_{stem}.jsonl"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{stamp}_{stem}-{n}.jsonl"
    return path


class CallLog:
    """A sink: ``log(event)`` appends one JSON line and flushes it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file: TextIO | None = open(self.path, "a", encoding="utf-8", buffering=1)
        except OSError as exc:
            raise CoachError(
                f"cannot write the call log {self.path}: {exc.strerror}; "
                "set COACH_DATA_DIR to a writable folder"
            ) from exc

    def __call__(self, event: Any) -> None:
        if self._file is None:
            return
        if event.type == "signals" and event.last is None:
            return  # signals refreshed by a tick add nothing a reader needs; utterance-driven ones are kept
        self._file.write(json.dumps(to_json(event), ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.flush()
                os.fsync(self._file.fileno())
            except OSError:
                pass
            self._file.close()
            self._file = None


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The events of a call log; a last line cut short by a crash is skipped."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out
