"""Hot reload: a valid edit is handed over once; a broken one raises once and the last good one stays."""

from __future__ import annotations

import os

import pytest

from coach.errors import PlaybookError
from coach.playbook import PlaybookWatcher

GOOD = """\
name: p
start: a
steps:
  - {id: a, title: First title, final: true}
"""


def write(path, text: str, bump: int) -> None:
    """Write and move the mtime forward explicitly (file systems may have coarse timestamps)."""
    path.write_text(text, encoding="utf-8")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_unchanged_file_gives_none(tmp_path):
    path = tmp_path / "pb.yaml"
    path.write_text(GOOD)
    watcher = PlaybookWatcher(path)
    assert watcher.playbook.steps["a"].title == "First title"
    assert watcher.poll() is None
    assert watcher.poll() is None


def test_valid_edit_is_returned_once(tmp_path):
    path = tmp_path / "pb.yaml"
    path.write_text(GOOD)
    watcher = PlaybookWatcher(path)
    write(path, GOOD.replace("First", "Second"), 1)
    new = watcher.poll()
    assert new is not None and new.steps["a"].title == "Second title"
    assert watcher.playbook is new
    assert watcher.poll() is None


def test_broken_edit_raises_once_and_keeps_the_last_good(tmp_path):
    path = tmp_path / "pb.yaml"
    path.write_text(GOOD)
    watcher = PlaybookWatcher(path)
    good = watcher.playbook
    write(path, GOOD.replace("start: a", "start: b"), 1)
    with pytest.raises(PlaybookError) as info:
        watcher.poll()
    assert info.value.errors[0].startswith(f"{path}:2:8: unknown start step 'b'")
    assert watcher.playbook is good
    assert watcher.poll() is None, "the same broken file is reported once"
    write(path, GOOD.replace("First", "Fixed"), 2)
    assert watcher.poll().steps["a"].title == "Fixed title"


def test_touch_without_change_gives_none(tmp_path):
    path = tmp_path / "pb.yaml"
    path.write_text(GOOD)
    watcher = PlaybookWatcher(path)
    write(path, GOOD, 1)
    assert watcher.poll() is None


def test_deleted_file_is_an_error_and_the_playbook_stays(tmp_path):
    path = tmp_path / "pb.yaml"
    path.write_text(GOOD)
    watcher = PlaybookWatcher(path)
    path.unlink()
    with pytest.raises(PlaybookError):
        watcher.poll()
    assert watcher.playbook.steps["a"].title == "First title"


def test_invalid_at_start_raises(tmp_path):
    path = tmp_path / "pb.yaml"
    path.write_text("name: p\n")
    with pytest.raises(PlaybookError):
        PlaybookWatcher(path)
