"""``coach live`` and ``coach replay``: the coaching panel.

Nothing here imports Qt at module level, so ``coach --help`` and the headless
commands stay fast; PySide6 is imported when one of these commands runs.
"""

from __future__ import annotations

import argparse

THEME_CHOICES = ("dark", "light")


def _speed(text: str) -> float:
    from coach.ui.playclock import SPEEDS

    try:
        value = float(text.rstrip("x×"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a speed; use one of {', '.join(f'{s:g}' for s in SPEEDS)}")
    if value not in SPEEDS:
        raise argparse.ArgumentTypeError(f"use one of {', '.join(f'{s:g}' for s in SPEEDS)}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds")
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more seconds")
    return value


def _hotkeys(text: str) -> str:
    if text.strip().lower() == "off":
        return "off"
    mods = {"ctrl", "control", "alt", "shift", "super", "win"}
    parts = [p.strip().lower() for p in text.split("+")]
    if not all(p in mods for p in parts):
        raise argparse.ArgumentTypeError(f"'{text}' is not a set of modifiers; combine ctrl, alt, shift and super "
                                         "with '+' (e.g. ctrl+alt), or give 'off'")
    if not set(parts) & {"ctrl", "control", "alt", "super", "win"}:
        raise argparse.ArgumentTypeError("include ctrl, alt or super (shift alone would take letters from every window)")
    return text


def cmd_live(args: argparse.Namespace) -> int:
    from coach.ui.app import run_live

    return run_live(args)


def cmd_replay(args: argparse.Namespace) -> int:
    from coach.ui.app import run_replay

    return run_replay(args)


def _panel_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--theme", choices=THEME_CHOICES, default="dark", help="colour theme (default dark)")
    p.add_argument("--compact", action="store_true", help="start in compact mode (the current step only)")
    p.add_argument("--playbook", help="playbook YAML (default: playbooks/default.yaml)")


def register(sub: argparse._SubParsersAction) -> None:
    from coach.stt import add_recognizer_arguments

    live = sub.add_parser(
        "live",
        help="coach a live call in a small always-on-top panel",
        description="Capture the customer (the softphone's output, e.g. its PulseAudio monitor) and optionally the "
        "agent's microphone, and show the coaching panel beside the softphone. The panel stays on top and never "
        "takes keyboard focus; its buttons tell the playbook what you did, and on X11 Ctrl+Alt with a button's letter "
        "does the same from any window. If a device vanishes the panel says so, the call goes on, and coach "
        "reconnects when it is back.",
    )
    live.add_argument("--customer-device", metavar="NAME|INDEX", help="the customer's audio (see `coach devices`)")
    live.add_argument("--agent-device", metavar="NAME|INDEX", help="the agent's microphone")
    live.add_argument("--file", metavar="CALL", help="instead of devices: a recording paced like a live call ('demo' works)")
    _panel_arguments(live)
    live.add_argument("--hotkeys", metavar="MODS", type=_hotkeys, default="ctrl+alt",
                      help="on X11 the buttons' letters with these modifiers work from any window, so the softphone "
                      "keeps the focus (default ctrl+alt: Ctrl+Alt+S summarized ... Ctrl+Alt+D dismiss); 'off' to disable")
    live.add_argument("--keys", action="store_true",
                      help="let a click focus the panel so its one-key shortcuts work (updates still never take focus)")
    live.add_argument("--sound", action="store_true", help="a soft sound when the step changes")
    live.add_argument("--no-log", action="store_true", help="do not write a call log")
    live.add_argument("--quit-after-call", action="store_true", help="close the panel when the call ends")
    add_recognizer_arguments(live)
    live.set_defaults(func=cmd_live)

    replay = sub.add_parser(
        "replay",
        help="replay a recorded call in the coaching panel, with a transport and a timeline (for trainers)",
        description="Analyse a recorded call and replay it with the audio: the panel shows at every moment what the "
        "live panel would have shown. Click a marker on the timeline to jump to a step change or abuse.",
    )
    replay.add_argument("call", help="the recorded call (WAV, FLAC, OGG or MP3), or 'demo'")
    _panel_arguments(replay)
    replay.add_argument("--at", type=_seconds, metavar="SECONDS", default=0.0, help="start at (or picture) this call time")
    replay.add_argument("--speed", type=_speed, default=None, help="playback speed, 0.5 to 4 (default 1)")
    replay.add_argument("--paused", action="store_true", help="open paused")
    replay.add_argument("--no-audio", action="store_true", help="do not play the audio")
    replay.add_argument("--screenshot", metavar="OUT.png",
                        help="render the panel as it stood at --at to a PNG and exit (works headless)")
    replay.add_argument("--window", choices=("panel", "replay"), default="panel",
                        help="with --screenshot: picture the live panel (default) or the whole replay window")
    add_recognizer_arguments(replay)
    replay.set_defaults(func=cmd_replay)
