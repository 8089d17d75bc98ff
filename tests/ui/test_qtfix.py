"""The panel survives many Qt calls: PySide6 6.12 on Python 3.11 leaks a reference to None per void call."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import coach.ui.widgets  # applies coach.ui.qtfix
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for k in range(200_000):  # far more than None's natural reference count (a few thousand)
    label.setText("x")
print("survived", sys.getrefcount(None) > 0)
"""


def test_two_hundred_thousand_void_calls_do_not_crash_the_panel():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "survived True" in out.stdout
