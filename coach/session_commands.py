"""``coach analyze``: the whole pipeline on a recorded call, headless."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from coach.events import (
    AgentAction,
    Alert,
    CallEnded,
    CallStarted,
    Classified,
    DeviceStatus,
    Partial,
    PlaybookReloaded,
    StepChanged,
    TimerExpired,
    TimerStarted,
    to_json,
)


def clock_text(t: float) -> str:
    m, s = divmod(max(0.0, t), 60.0)
    return f"{int(m):02d}:{s:04.1f}"


class TimelinePrinter:
    """A sink that prints a call as a readable timeline (or JSON lines)."""

    def __init__(self, out: TextIO, *, as_json: bool = False, partials: bool = False, signals: bool = False):
        self.out = out
        self.as_json = as_json
        self.partials = partials
        self.signals = signals

    def __call__(self, event: Any) -> None:
        if self.as_json:
            if event.type == "partial" and not self.partials:
                return
            if event.type in ("signals", "tick") and not self.signals:
                return
            if event.type == "utterance":  # the classified event carries the utterance and its reading
                return
            self.out.write(json.dumps(to_json(event), ensure_ascii=False) + "\n")
            self.out.flush()
            return
        line = self.format(event)
        if line:
            self.out.write(line + "\n")
            self.out.flush()

    def format(self, e: Any) -> str | None:
        if isinstance(e, Classified):
            u, c = e.utterance, e.classification
            notes = [c.sentiment]
            if u.channel == "customer":
                notes.append(f"anger {c.anger:.2f}")
            if c.abuse != "none":
                notes.append(f"ABUSE {c.abuse}")
            if c.cues:
                notes.append("cues " + ",".join(c.cues))
            return f"[{clock_text(u.start)}-{clock_text(u.end)}] {u.channel:>8}: {u.text}    ({'; '.join(notes)})"
        if isinstance(e, StepChanged):
            return f"[{clock_text(e.t)}] >>> STEP {e.step}: {e.title}\n{'':10}why: {e.reason}"
        if isinstance(e, AgentAction):
            return f"[{clock_text(e.t)}]  agent action: {e.action}" + (f" ({e.step})" if e.step else "")
        if isinstance(e, TimerStarted):
            return f"[{clock_text(e.t)}]  timer {e.timer} started: {e.seconds:.0f} s {e.label}".rstrip()
        if isinstance(e, TimerExpired):
            return f"[{clock_text(e.t)}]  timer {e.timer} expired {e.label}".rstrip()
        if isinstance(e, Alert):
            # a playbook alert for the agent, not a program error: "ERROR:" read like a crash
            return f"[{clock_text(e.t)}]  {_ALERT_WORDS.get(e.level, 'alert')}: {e.message}"
        if isinstance(e, DeviceStatus):
            return f"[{clock_text(e.t)}]  device {e.channel}: {e.state}: {e.message}"
        if isinstance(e, PlaybookReloaded):
            if e.ok:
                return f"[{clock_text(e.t)}]  playbook reloaded: {e.path}"
            return f"[{clock_text(e.t)}]  playbook NOT reloaded, keeping the last good one:\n" + "\n".join(
                f"{'':10}{err}" for err in e.errors
            )
        if isinstance(e, CallStarted):
            return f"call: {e.source}\nspeech: {e.engine}\nplaybook: {e.playbook}\n"
        if isinstance(e, CallEnded):
            return f"[{clock_text(e.t)}]  call ended ({e.reason})"
        if isinstance(e, Partial) and self.partials:
            return f"[{clock_text(e.start)}-{clock_text(e.end)}] {e.channel:>8}~ {e.text}"
        return None


_ALERT_WORDS = {"error": "!! ALERT", "warning": "! alert", "info": "note"}


def cmd_analyze(args: argparse.Namespace) -> int:
    from coach.session import open_session_for_file

    printer = TimelinePrinter(sys.stdout, as_json=args.json, partials=args.partials, signals=args.signals)
    session = open_session_for_file(
        args.call,
        realtime=args.realtime,
        engine=args.engine,
        vosk_model=args.vosk_model,
        customer_channel=args.customer_channel,
        playbook=args.playbook,
        sinks=[printer],
        endpoint_silence=args.endpoint_silence,
        log=not args.no_log,
        on_choice=lambda why: print(f"coach: {why}", file=sys.stderr),
    )
    try:
        session.run()
    except KeyboardInterrupt:
        session.stop()
        raise
    finally:
        if session.log_path:
            print(f"coach: call log written to {session.log_path}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from coach.stt import add_recognizer_arguments

    p = sub.add_parser(
        "analyze",
        help="run the whole pipeline on a recorded call and print the coaching timeline",
        description="Transcribe a recorded call, classify every utterance and run the playbook over it. "
        "A stereo recording has the agent on channel 0 and the customer on channel 1.",
    )
    p.add_argument("call", help="the recorded call (WAV, FLAC, OGG or MP3), or 'demo' for the bundled demo call")
    p.add_argument("--playbook", help="playbook YAML (default: playbooks/default.yaml)")
    p.add_argument("--json", action="store_true", help="print one JSON event per line")
    p.add_argument("--partials", action="store_true", help="also print partial transcripts")
    p.add_argument("--signals", action="store_true", help="with --json, also print the rolling signals")
    p.add_argument("--realtime", action="store_true", help="pace the call like a live call (default: as fast as possible)")
    p.add_argument("--no-log", action="store_true", help="do not write a call log")
    add_recognizer_arguments(p)
    p.set_defaults(func=cmd_analyze)
