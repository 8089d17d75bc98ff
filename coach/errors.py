"""The one exception type a user can cause.

Anything a user can get wrong (a missing file, a corrupt recording, a bad playbook,
no model, an unplugged device) is raised as a ``CoachError`` whose message is one
clear sentence: what is wrong, where, and what to do. The CLI prints it on stderr
without a traceback and exits non-zero.
"""

from __future__ import annotations


class CoachError(Exception):
    """A user-facing error: ``str(err)`` is the whole message shown to the user."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class AudioError(CoachError):
    """A recording or device that cannot be read."""


class ModelError(CoachError):
    """A speech or classifier model that is missing or broken."""


class PlaybookError(CoachError):
    """A playbook that does not load; ``errors`` holds every ``FILE:LINE:COL: message``."""

    exit_code = 1

    def __init__(self, errors: list[str] | tuple[str, ...]):
        self.errors = tuple(errors)
        super().__init__("\n".join(self.errors) if self.errors else "invalid playbook")
