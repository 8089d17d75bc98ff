"""The default playbook on whole calls, end to end with real components.

Each call in ``tests/calls/`` is rendered with espeak-ng (two voices, stereo), then
run through the real pipeline in fast mode: Whisper tiny.en, the trained classifier,
the signal tracker and the default playbook. The assertions are the doctrine's:
a manager request leads to ``delegate_up``, personal attacks go through a warning to
``draw_the_line``, so does a threat (with an alert), a polite call and swearing at
the situation never get there, a long rant is met with ``vent`` then ``summarize``
or ``time_out``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.calllog import read_log
from coach.events import AgentAction, Alert, StepChanged
from coach.paths import DEFAULT_PLAYBOOK


pytestmark = pytest.mark.slow


def run_call(wav: Path, actions=()):
    """Run a call in fast mode; returns (events, log_path). ``actions``: (call time, action) pairs."""
    from coach.session import open_session_for_file

    events: list = []
    pending = sorted(actions)
    session_box: list = []

    def sink(event):
        events.append(event)
        # Press the agent's buttons at the given call times, as a panel would.
        while pending and getattr(event, "t", 0.0) >= pending[0][0] and session_box:
            session_box[0].act(pending.pop(0)[1])

    session = open_session_for_file(wav, engine="whisper", sinks=[sink])
    session_box.append(session)
    session.run()
    return events, session.log_path


def steps_of(events) -> list[str]:
    return [e.step for e in events if isinstance(e, StepChanged)]


def test_manager_request_leads_to_delegate_up(rendered):
    events, _ = run_call(rendered("manager_request"))
    steps = steps_of(events)
    assert "delegate_up" in steps, steps
    change = next(e for e in events if isinstance(e, StepChanged) and e.step == "delegate_up")
    assert change.reason, "a step change must say why"
    assert "draw_the_line" not in steps


def test_repeated_insults_go_through_a_warning_to_draw_the_line(rendered):
    events, _ = run_call(rendered("repeated_insults"))
    steps = steps_of(events)
    assert "draw_the_line" in steps, steps
    first_line = steps.index("draw_the_line")
    warning_steps = [s for s in steps[:first_line] if "warn" in s]
    assert warning_steps, f"insults must be met with a warning before the line is drawn: {steps}"


def test_a_threat_gets_a_warning_and_an_alert_and_the_next_one_draws_the_line(rendered):
    events, _ = run_call(rendered("threat"))
    steps = steps_of(events)
    assert "draw_the_line" in steps, steps
    first_line = steps.index("draw_the_line")
    assert "warn_threat" in steps[:first_line], steps
    alerts = [e for e in events if isinstance(e, Alert)]
    assert alerts and alerts[0].level == "error" and "security" in alerts[0].message


def test_polite_call_never_escalates(rendered):
    events, _ = run_call(rendered("polite"))
    steps = steps_of(events)
    assert steps, "the start step is always announced"
    for step in ("draw_the_line", "delegate_up", "time_out"):
        assert step not in steps, steps


def test_swearing_at_the_situation_is_not_abuse_of_the_agent(rendered):
    events, _ = run_call(rendered("swearing_at_situation"))
    steps = steps_of(events)
    assert "draw_the_line" not in steps, steps
    assert not [s for s in steps if "warn" in s], steps


def test_long_rant_is_met_with_vent_then_summarize_or_time_out(rendered):
    events, _ = run_call(rendered("long_rant"))
    steps = steps_of(events)
    assert "vent" in steps, steps
    after_vent = steps[steps.index("vent") + 1 :]
    assert {"summarize", "time_out"} & set(after_vent), steps


def test_agent_action_reaches_the_engine_and_the_call_log(rendered):
    events, log_path = run_call(rendered("manager_request"), actions=[(5.0, "summarized")])
    actions = [e for e in events if isinstance(e, AgentAction)]
    assert [a.action for a in actions] == ["summarized"]
    assert actions[0].t >= 5.0
    logged = read_log(log_path)
    assert logged[0]["type"] == "call_started" and logged[-1]["type"] == "call_ended"
    assert any(e["type"] == "action" and e["action"] == "summarized" for e in logged)
    assert any(e["type"] == "step" for e in logged)
    # The log holds every coaching event the session emitted, in the same order.
    emitted = [e.type for e in events if e.type in ("step", "classified", "action")]
    assert [e["type"] for e in logged if e["type"] in ("step", "classified", "action")] == emitted


def test_fast_replay_is_deterministic(rendered):
    wav = rendered("threat")
    first, _ = run_call(wav)
    second, _ = run_call(wav)
    key = lambda evs: [(e.t, e.step, e.reason) for e in evs if isinstance(e, StepChanged)]  # noqa: E731
    assert key(first) == key(second)


# The demo call (assets/demo_call.txt) is what `coach analyze demo` plays: its story is the doctrine's
# whole path, and it must hold both for the script's own words and for what Whisper makes of them.
DEMO_STORY = ["listen", "vent", "summarize", "delegate_up", "warn_abuse", "on_hold", "promise", "follow_up"]


def in_order(steps: list[str], story: list[str]) -> bool:
    it = iter(steps)
    return all(step in it for step in story)


def test_demo_script_tells_the_doctrines_story_word_for_word():
    """The script's exact words (no recognizer) through the real classifier and the default playbook."""
    from coach.demo import call_timings, demo_call_path
    from coach.playbook.loader import load_playbook
    from coach.playbook.scenario import Scenario, ScenarioSpec, run_scenario

    lines = call_timings(demo_call_path("demo_call"))
    events = [{"t": round(line["end"], 2), "speaker": line["speaker"], "text": line["text"],
               "duration": round(line["end"] - line["start"], 2)} for line in lines]
    spec = {"name": "demo call, word for word", "events": events,
            "expect": {"steps": DEMO_STORY, "never": ["draw_the_line", "time_out"]}}
    scenario = Scenario(ScenarioSpec.model_validate(spec), None, "demo_call.txt")
    result = run_scenario(load_playbook(DEFAULT_PLAYBOOK), scenario)
    assert result.passed, (result.message, [s.step for s in result.steps])


# Seed 0 is the render `coach analyze demo` plays; another seed moves the turn gaps and the line
# hiss, as a different machine's arithmetic moves what Whisper hears. The script's words were
# chosen so the story holds on ten seeds (0-9) here; one failing seed means a line of the script
# is read differently, not that a flaky test can be re-run.
@pytest.mark.parametrize("seed", [0, 3])
def test_demo_call_end_to_end_tells_the_same_story(seed, tmp_path):
    """`coach analyze demo`'s pipeline (Whisper tiny.en): the insult is warned, the swearing at the
    internet is not, the manager request is delegated, the hold is taken with permission, the promise
    is followed up."""
    from coach.demo import call_timings, demo_call_path, demo_script_path, render_call

    if seed == 0:
        wav = demo_call_path("demo_call")
    else:
        wav = tmp_path / "demo_call.wav"
        render_call(demo_script_path("demo_call"), wav, seed=seed)
    events, _ = run_call(wav)
    steps = steps_of(events)
    assert in_order(steps, DEMO_STORY), steps
    assert "draw_the_line" not in steps, steps
    line = next(t for t in call_timings(wav) if "crap internet" in t["text"].lower())
    heard = [e for e in events if e.type == "classified" and e.classification.speaker == "customer"
             and e.utterance.start < line["end"] and e.utterance.end > line["start"]]
    assert heard, line
    for e in heard:
        assert e.classification.abuse in ("none", "profanity"), (e.utterance.text, e.classification.abuse)
