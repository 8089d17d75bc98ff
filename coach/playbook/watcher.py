"""Hot reload: notice that the playbook file changed, and hand over the new one only if it is valid.

The session calls ``poll()`` between events (no thread, no file-system hooks): it
compares the file's mtime/size and, when those moved, its bytes. A valid new file is
returned once; an invalid one raises ``PlaybookError`` once per change while the last
good playbook (``watcher.playbook``) keeps running. A file over the size limit
(``loader.MAX_FILE_BYTES``) is refused from its size alone, before it is read, so a
huge save cannot stall the call.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from coach.errors import PlaybookError
from coach.playbook.loader import MAX_FILE_BYTES, load_playbook_text, size_error
from coach.playbook.playbook import Playbook


class PlaybookWatcher:
    def __init__(self, path: str | Path):
        from coach.playbook.loader import load_playbook

        self.path = Path(path)
        self.playbook: Playbook = load_playbook(self.path)  # raises PlaybookError when invalid now
        self._stamp = self._stat()
        self._digest = hashlib.sha256(self.playbook.text.encode("utf-8")).hexdigest()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def poll(self) -> Playbook | None:
        """The new playbook if the file changed and is valid; None if unchanged; raises if changed and invalid."""
        stamp = self._stat()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        if stamp is None:
            raise PlaybookError([f"{self.path}:1:1: the playbook file disappeared; restore it (the last good playbook keeps running)."])
        if stamp[1] > MAX_FILE_BYTES:
            raise PlaybookError([size_error(str(self.path), stamp[1], "playbook").rstrip(".") + "; the last good one keeps running."])
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)  # it may have grown since the stat
        except OSError as exc:
            raise PlaybookError([f"{self.path}:1:1: cannot read the playbook ({exc.strerror}); the last good one keeps running."]) from None
        if len(raw) > MAX_FILE_BYTES:
            raise PlaybookError([size_error(str(self.path), len(raw), "playbook").rstrip(".") + "; the last good one keeps running."])
        digest = hashlib.sha256(raw).hexdigest()
        if digest == self._digest:
            return None  # touched but not changed
        self._digest = digest
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PlaybookError([f"{self.path}:1:1: the file is not UTF-8 text; save it as UTF-8."]) from None
        new = load_playbook_text(text, str(self.path), _path=self.path)
        self.playbook = new
        return new
