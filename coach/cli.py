"""The ``coach`` command: the composition root.

Each part of coach registers its own sub-commands (``register(subparsers)`` in its
``commands`` module); this file only builds the parser, runs the command, and turns
a ``CoachError`` into one clear line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from coach.errors import CoachError

# Modules that add sub-commands, in the order they appear in ``coach --help``.
COMMAND_MODULES = (
    "coach.stt.commands",  # transcribe, devices, models
    "coach.classify.commands",  # classify, train, evaluate
    "coach.playbook.commands",  # playbook check|test|graph|schema
    "coach.session_commands",  # analyze
    "coach.ui.commands",  # live, replay
    "coach.report",  # report
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Real-time, local call coaching: transcribes a call, reads the customer, "
        "and suggests the next de-escalation step.",
    )
    parser.add_argument("--version", action="version", version="coach 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a part not built yet must not break the others
            if exc.name and exc.name.startswith("coach"):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except CoachError as err:
        print(f"coach: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
