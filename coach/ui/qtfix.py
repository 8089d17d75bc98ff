"""Keep Python's ``None`` alive under PySide6 bindings that leak a reference to it.

PySide6 6.12.0 on Python 3.11 releases one reference to ``None`` on every call of
a method that returns nothing (``setText``, ``update``, every ``QPainter.draw*``), and
leaks ``True``/``False`` on some other path.
``None`` starts with a few thousand references, so a panel redrawing a few times a
second crashed within a minute ("Fatal Python error: none_dealloc"). Python 3.12+
makes these singletons immortal; on older versions we give them a reference count so
large that no realistic run can exhaust it (2**40 leaked calls). ``pyproject.toml``
also excludes PySide6 6.12.0; this guard is for installs that have it anyway. Imported first by
every module of ``coach.ui`` that touches Qt.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40


def keep_singletons_alive() -> None:
    if sys.version_info >= (3, 12):
        return  # None, True and False are immortal
    for obj in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))
        if refcount.value < _RESERVE:
            refcount.value += _RESERVE


keep_singletons_alive()
