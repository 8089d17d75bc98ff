"""Hot reload: notice that the playbook file changed, and hand over the new one only if it is valid.

The session calls ``poll()`` between events (no thread, no file-system hooks): it
compares the file's mtime/size and, when those moved, its bytes. A valid new file is
returned once; an invalid one raises ``PlaybookError`` once per change while the last
good playbook (``watcher.playbook``) keeps running.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from coach.errors import PlaybookError
from coach.playbook.loader import load_playbook_text
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
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise PlaybookError([f"{self.path}:1:1: cannot read the playbook ({exc.strerror}); the last good one keeps running."]) from None
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
