"""Playbook engine: time per event (p50/p95), against baselines measured in the same run.

    python3 benchmarks/bench_engine.py [--runs 7] [--minutes 20]

A synthetic call of ``--minutes`` of call time is fed to ``Engine(default playbook)``:
a ``Tick`` and its tick ``CallSignals`` every 0.25 s (as the session does), a customer or
agent sentence every ~4 s with varying anger, some cues, abuse and agent actions. Each
event is timed on its own with ``perf_counter_ns``. Baselines, measured on the same
events in the same run:

* ``no-op handler``: calling a Python function that returns ``[]`` (the floor of any handler);
* ``build CallSignals``: constructing the frozen ``CallSignals`` the tracker emits per event.

The engine is rebuilt for every run. When the call reaches a final step (the line is drawn,
the follow-up booked), an agent ``override`` back to the start step is fed (and timed), so
the whole call keeps exercising live transitions rather than an idle final step.
Writes ``benchmarks/results/engine.md``. Target: engine p95 < 1 ms per event.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.events import (  # noqa: E402
    AbuseEvent,
    AgentAction,
    CallSignals,
    Classification,
    Classified,
    CueEvent,
    Tick,
    Utterance,
)
from coach.paths import DEFAULT_PLAYBOOK  # noqa: E402
from coach.playbook import Engine, load_playbook  # noqa: E402

CUSTOMER_LINES = [
    ("My internet has been down since Monday.", 0.5, "none", ()),
    ("This is the third time I have called.", 0.6, "none", ("repeat_contact",)),
    ("This damn router is useless.", 0.7, "profanity", ()),
    ("I want to speak to your manager.", 0.6, "none", ("supervisor_request",)),
    ("You don't seem to understand.", 0.5, "none", ("not_understood",)),
    ("Okay, that would help, thank you.", 0.1, "none", ("gratitude",)),
    ("You are an idiot.", 0.9, "insult", ()),
]
AGENT_LINES = [
    ("I'm sorry to hear that.", ("apology",)),
    ("So what I hear is the line keeps dropping.", ("summary",)),
    ("May I put you on a short hold?", ("hold_request",)),
]
ACTIONS = ["summarized", "hold", "back_from_hold", "escalated", "dismiss"]


def make_inputs(minutes: float) -> list[tuple[str, object]]:
    """(kind, payload) in call-time order. ``sig`` payloads are the tracker state at that moment,
    so building the ``CallSignals`` from it can be timed on its own (the baseline)."""
    anger, abuse, cues, last_speech, name = 0.0, [], [], 0.0, None
    items: list[tuple[str, object]] = []
    t, k = 0.0, 0
    while t < minutes * 60:
        t = round(t + 0.25, 2)
        items.append(("sig", (t, None, anger, tuple(abuse), tuple(cues), last_speech, name)))
        items.append(("tick", Tick(t)))
        if int(t * 4) % 16 == 0:  # a sentence every 4 s: two customer lines, then one agent line
            k += 1
            if k % 3:
                text, line_anger, kind, line_cues = CUSTOMER_LINES[k % len(CUSTOMER_LINES)]
                speaker = "customer"
                anger = 0.7 * anger + 0.3 * line_anger
                if kind != "none":
                    abuse.append(AbuseEvent(t, kind, text))
                if k % 11 == 0:
                    name = "Maria"
            else:
                text, line_cues = AGENT_LINES[k % len(AGENT_LINES)]
                speaker, kind, line_anger = "agent", "none", 0.0
            cues.extend(CueEvent(t, cue, speaker, text) for cue in line_cues)
            last_speech = t
            u = Utterance(speaker, t - 2, t, text)
            c = Classified(u, Classification(text, speaker, "negative", {}, line_anger, kind, 1.0, tuple(line_cues)))
            items.append(("sig", (t, c, anger, tuple(abuse), tuple(cues), last_speech, name)))
        if int(t * 4) % 100 == 0:
            items.append(("action", AgentAction(t, ACTIONS[(k // 2) % len(ACTIONS)])))
    return items


def build_signals(state) -> CallSignals:
    t, c, anger, abuse, cues, last_speech, name = state
    return CallSignals(
        t=t,
        anger=anger,
        anger_trend=0.0,
        sentiment="negative" if anger > 0.5 else "neutral",
        abuse=abuse,
        cues=cues,
        talk_time={"customer": t / 2, "agent": t / 3},
        speaking=None,
        silence=t - last_speech,
        customer_name=name,
        last=c,
    )


def counts_actions(inputs) -> int:
    return sum(1 for k, _ in inputs if k == "action")


def noop(event) -> list:
    return []


def one_run(inputs, playbook) -> dict[str, list[int]]:
    engine = Engine(playbook)
    engine.start(0.0)
    times: dict[str, list[int]] = {"engine": [], "engine_signals": [], "engine_tick": [], "engine_action": [], "noop": [], "build": []}
    clock = time.perf_counter_ns
    changes = 0
    for kind, payload in inputs:
        if kind == "sig":
            t0 = clock()
            event = build_signals(payload)
            t1 = clock()
            times["build"].append(t1 - t0)
        else:
            event = payload
        t0 = clock()
        noop(event)
        t1 = clock()
        out = engine.handle(event)
        t2 = clock()
        times["noop"].append(t1 - t0)
        times["engine"].append(t2 - t1)
        times[{"sig": "engine_signals", "tick": "engine_tick", "action": "engine_action"}[kind]].append(t2 - t1)
        changes += sum(1 for e in out if e.type == "step")
        if playbook.steps[engine.current_step].final:
            # a final step would leave nothing to evaluate: the agent picks 'listen' again, so
            # the whole call keeps exercising live transitions
            restart = AgentAction(event.t, "override", playbook.start)
            t1 = clock()
            out = engine.handle(restart)
            t2 = clock()
            times["engine"].append(t2 - t1)
            times["engine_action"].append(t2 - t1)
            changes += sum(1 for e in out if e.type == "step")
    times["changes"] = [changes]
    return times


def pct(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] / 1000.0  # microseconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--minutes", type=float, default=20.0)
    args = parser.parse_args()

    t0 = time.perf_counter()
    loads = []
    for _ in range(args.runs):
        a = time.perf_counter()
        playbook = load_playbook(DEFAULT_PLAYBOOK)
        loads.append((time.perf_counter() - a) * 1000)
    inputs = make_inputs(args.minutes)
    rows: dict[str, dict[str, list[float]]] = {}
    changes: list[int] = []
    action_counts: list[int] = []
    for run in range(args.runs):
        times = one_run(inputs, playbook)
        changes.append(times.pop("changes")[0])
        action_counts.append(len(times["engine_action"]))
        for name, values in times.items():
            r = rows.setdefault(name, {"p50": [], "p95": [], "p99": [], "max": []})
            r["p50"].append(pct(values, 0.50))
            r["p95"].append(pct(values, 0.95))
            r["p99"].append(pct(values, 0.99))
            r["max"].append(max(values) / 1000.0)
        print(f"run {run + 1}: engine p50 {rows['engine']['p50'][-1]:.1f} us, p95 {rows['engine']['p95'][-1]:.1f} us, {changes[-1]} step changes", file=sys.stderr)

    med = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in rows.items()}
    labels = {
        "engine": "engine, all events",
        "engine_signals": "engine, CallSignals",
        "engine_tick": "engine, Tick",
        "engine_action": "engine, AgentAction",
        "build": "baseline: build CallSignals",
        "noop": "baseline: no-op handler",
    }
    counts = {
        "engine": len(inputs) - counts_actions(inputs) + statistics.median(action_counts),
        "engine_signals": sum(1 for k, _ in inputs if k == "sig"),
        "engine_tick": sum(1 for k, _ in inputs if k == "tick"),
        "engine_action": statistics.median(action_counts),
        "build": sum(1 for k, _ in inputs if k == "sig"),
        "noop": len(inputs),
    }
    lines = [
        "## Playbook engine",
        "",
        f"`python3 benchmarks/bench_engine.py --runs {args.runs} --minutes {args.minutes:g}`: the default playbook "
        f"({len(playbook.steps)} steps, {len(playbook.transitions)} transitions) over a synthetic {args.minutes:g}-minute call "
        f"({counts['engine']:.0f} events: a tick and its signals every 0.25 s, a sentence every 4 s, agent actions; "
        f"{statistics.median(changes):.0f} step changes per run). Each event timed alone; medians over {args.runs} runs; "
        f"Python {platform.python_version()}.",
        "",
        "| per event | events/run | p50 (µs) | p95 (µs) | p99 (µs) | max (µs) | p95 / no-op p95 | p95 / build-signals p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("engine", "engine_signals", "engine_tick", "engine_action", "build", "noop"):
        m = med[name]
        lines.append(
            f"| {labels[name]} | {counts[name]:.0f} | {m['p50']:.1f} | {m['p95']:.1f} | {m['p99']:.1f} | {m['max']:.0f} | "
            f"{m['p95'] / med['noop']['p95']:.0f}x | {m['p95'] / med['build']['p95']:.1f}x |"
        )
    target = "meets" if med["engine"]["p95"] < 1000 else "MISSES"
    lines += [
        "",
        f"Engine p95 per event: **{med['engine']['p95']:.1f} µs** ({target} the < 1 ms target). "
        f"Loading and checking the default playbook: median {statistics.median(loads):.1f} ms.",
        "",
    ]
    out = ROOT / "benchmarks" / "results" / "engine.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
