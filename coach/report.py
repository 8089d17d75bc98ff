"""Trainer reports: one self-contained HTML page per call, made from its call log.

    coach report CALL_LOG.jsonl -o report.html

The page shows the customer's mood over the call (an inline SVG line, with markers
where steps changed and abuse happened), every step change with its reason, the
agent's actions and dismissals (what agents overrule), and the transcript with what
the classifier read in each utterance. It needs no network and no JavaScript, so it
can be mailed or printed as a handout.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path
from typing import Any

from coach.calllog import read_log
from coach.errors import CoachError


def _count(n: int, noun: str) -> str:
    """'1 step change', '3 step changes'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _clock(t: float) -> str:
    m, s = divmod(max(0.0, float(t)), 60.0)
    return f"{int(m):02d}:{s:04.1f}"


def _mood_svg(events: list[dict[str, Any]], width: int = 900, height: int = 160) -> str:
    points = [(e["t"], e["anger"]) for e in events if e.get("type") == "signals" and "anger" in e]
    end = max([e.get("t", 0.0) for e in events] + [1.0])
    x = lambda t: 40 + (width - 50) * float(t) / end  # noqa: E731
    y = lambda a: 10 + (height - 40) * (1.0 - float(a))  # noqa: E731
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="customer anger over the call">',
        f'<rect x="40" y="10" width="{width - 50}" height="{height - 40}" fill="#f6f7f9" stroke="#ccc"/>',
        f'<text x="2" y="{y(1) + 4}" font-size="10">1.0</text><text x="2" y="{y(0) + 4}" font-size="10">0.0</text>',
        f'<text x="2" y="{y(0.5) + 4}" font-size="10">anger</text>',
    ]
    if points:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(t):.1f},{y(a):.1f}" for i, (t, a) in enumerate(points))
        parts.append(f'<path d="{path}" fill="none" stroke="#b03a2e" stroke-width="2"/>')
    for e in events:
        if e.get("type") == "step":
            parts.append(
                f'<line x1="{x(e["t"]):.1f}" x2="{x(e["t"]):.1f}" y1="10" y2="{height - 30}" stroke="#2e86c1" '
                f'stroke-dasharray="3,2"/><text x="{x(e["t"]) + 2:.1f}" y="{height - 18}" font-size="10" '
                f'fill="#1b4f72">&#9654; {html.escape(e["step"])}</text>'
            )
        elif e.get("type") == "classified" and e.get("abuse", {}).get("label", "none") != "none":
            parts.append(
                f'<text x="{x(e["end"]) - 4:.1f}" y="{height - 2}" font-size="11" fill="#922b21">'
                f'&#9888;<title>{html.escape(e["abuse"]["label"])} at {_clock(e["end"])}</title></text>'
            )
    for t in range(0, int(end) + 1, 30):
        parts.append(f'<text x="{x(t) - 10:.1f}" y="{height - 30 + 12}" font-size="9" fill="#666">{_clock(t)[:5]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(events: list[dict[str, Any]], title: str) -> str:
    esc = html.escape
    started = next((e for e in events if e.get("type") == "call_started"), {})
    rows = []
    for e in events:
        kind = e.get("type")
        if kind == "classified":
            reading = [e["sentiment"]["label"]]
            if e["channel"] == "customer":
                reading.append(f"anger {e['anger']:.2f}")
            if e["abuse"]["label"] != "none":
                reading.append(f"<b>abuse: {esc(e['abuse']['label'])}</b>")
            if e.get("cues"):
                reading.append("cues: " + esc(", ".join(e["cues"])))
            rows.append(
                f'<tr class="{esc(e["channel"])}"><td>{_clock(e["start"])}</td><td>{esc(e["channel"])}</td>'
                f"<td>{esc(e['text'])}</td><td>{'; '.join(reading)}</td></tr>"
            )
        elif kind == "step":
            rows.append(
                f'<tr class="step"><td>{_clock(e["t"])}</td><td>&#9654; step</td>'
                f"<td><b>{esc(e['title'])}</b> ({esc(e['step'])})</td><td>why: {esc(e.get('reason', ''))}</td></tr>"
            )
        elif kind == "action":
            label = "dismissed the suggestion" if e["action"] == "dismiss" else e["action"]
            rows.append(
                f'<tr class="action"><td>{_clock(e["t"])}</td><td>agent action</td>'
                f"<td>{esc(label)}</td><td>{esc(e.get('step') or '')}</td></tr>"
            )
        elif kind in ("alert", "device", "timer_expired"):
            text = e.get("message") or e.get("label") or e.get("timer", "")
            rows.append(f'<tr class="note"><td>{_clock(e["t"])}</td><td>{esc(kind)}</td><td colspan="2">{esc(str(text))}</td></tr>')
    steps = [e for e in events if e.get("type") == "step"]
    abuse = [e for e in events if e.get("type") == "classified" and e["abuse"]["label"] != "none"]
    dismissals = [e for e in events if e.get("type") == "action" and e["action"] == "dismiss"]
    summary = (
        f"<li>{_count(len(steps), 'step change')}: {esc(' → '.join(s['step'] for s in steps))}</li>"
        f"<li>{_count(len(abuse), 'abusive utterance')}"
        + (f" ({esc(', '.join(sorted({a['abuse']['label'] for a in abuse})))})" if abuse else "")
        + f"</li><li>{_count(len(dismissals), 'suggestion')} dismissed by the agent</li>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: DejaVu Sans, Arial, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; vertical-align: top; }}
tr.step td {{ background: #eaf2f8; }} tr.action td {{ background: #fef9e7; }}
tr.customer td:nth-child(2)::before {{ content: "\\25CF  "; color: #b03a2e; }}
tr.agent td:nth-child(2)::before {{ content: "\\25CB  "; color: #1e8449; }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>Call: {esc(str(started.get('source', '')))}<br>Speech: {esc(str(started.get('engine', '')))}<br>
Playbook: {esc(str(started.get('playbook', '')))}<br>Started: {esc(str(started.get('wall_time', '')))}</p>
<h2>Summary</h2><ul>{summary}</ul>
<h2>Customer mood</h2>{_mood_svg(events)}
<h2>Timeline</h2>
<table><tr><th>time</th><th>who</th><th>what</th><th>coach read</th></tr>
{''.join(rows)}
</table></body></html>
"""


def cmd_report(args: argparse.Namespace) -> int:
    path = Path(args.log)
    if not path.is_file():
        raise CoachError(f"no call log at {path}; call logs are written by `coach analyze` and `coach live` to the calls folder of the user data directory")
    events = read_log(path)
    if not any(e.get("type") == "call_started" for e in events):
        raise CoachError(f"{path} is not a coach call log (no call_started event); pass a .jsonl file written by coach")
    out = Path(args.output) if args.output else path.with_suffix(".html")
    out.write_text(render_report(events, args.title or f"Call report: {path.stem}"), encoding="utf-8")
    print(f"coach: report written to {out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="turn a call log into an HTML report for trainers")
    p.add_argument("log", help="a call log (.jsonl) written by coach analyze or coach live")
    p.add_argument("-o", "--output", help="the HTML file to write (default: next to the log)")
    p.add_argument("--title", help="the report's title")
    p.set_defaults(func=cmd_report)
