"""The default playbook keeps the doctrine, from every step (explicit signals, no classifier)."""

from __future__ import annotations

import pytest

from coach.events import AgentAction, Alert, StepChanged, Tick
from coach.paths import DEFAULT_PLAYBOOK
from coach.playbook import Engine, load_playbook

from playbook_helpers import Call, steps

PB = load_playbook(DEFAULT_PLAYBOOK)
LIVE_STEPS = sorted(s for s, step in PB.steps.items() if not step.final)
WARNINGS = ("warn_abuse", "warn_threat")


def engine_in(step: str) -> Engine:
    engine = Engine(PB)
    engine.start(0.0)
    if step != PB.start:
        engine.handle(AgentAction(1.0, "override", step))
    assert engine.current_step == step
    return engine


def test_doctrine_steps_exist():
    for step in ("listen", "vent", "summarize", "define_problem", "ask_solution", "promise", "follow_up",
                 "time_out", "on_hold", "delegate_up", "warn_abuse", "warn_threat", "draw_the_line"):
        assert step in PB.steps, step
    assert PB.steps["draw_the_line"].final and PB.steps["follow_up"].final


@pytest.mark.parametrize("step", [s for s in LIVE_STEPS if s not in WARNINGS])
def test_a_threat_gets_a_warning_with_an_alert_then_the_line_from_every_step(step):
    engine = engine_in(step)
    call = Call()
    out = engine.handle(call.say(5, "I know where you live", anger=0.9, abuse="threat"))
    (change,) = [e for e in out if isinstance(e, StepChanged)]
    assert change.step == "warn_threat" and "threat" in change.reason
    assert [a.level for a in out if isinstance(a, Alert)] == ["error"]
    engine.handle(call.say(7, "I can't continue this call if the threats continue", speaker="agent", cues=("warning",)))
    out = engine.handle(call.say(9, "somebody is going to get hurt", anger=0.9, abuse="threat"))
    assert steps(out) == ["draw_the_line"] and "after the warning at 00:06" in out[0].reason  # the warning began at 0:06
    assert [a.level for a in out if isinstance(a, Alert)] == ["error"], "a threat after the warning alerts again"


def warn(engine: Engine, call: Call, t: float, how: str) -> None:
    """The agent warns the customer: says it (the ``warning`` cue) or presses Warned."""
    if how == "cue":
        engine.handle(call.say(t, "I can't continue this call if the insults continue", speaker="agent", cues=("warning",)))
    else:
        engine.handle(AgentAction(t, "warned"))


@pytest.mark.parametrize("how", ["cue", "button"])
@pytest.mark.parametrize("warning", WARNINGS)
@pytest.mark.parametrize("abuse", ["insult", "threat"])
def test_any_abuse_after_the_agents_warning_draws_the_line(warning, abuse, how):
    engine = engine_in(warning)
    call = Call()
    warn(engine, call, 3, how)
    assert steps(engine.handle(call.say(5, "you will regret this, idiot", anger=0.9, abuse=abuse))) == ["draw_the_line"]


@pytest.mark.parametrize("step", [s for s in LIVE_STEPS if s not in WARNINGS])
def test_an_insult_gets_a_warning_then_the_line_from_every_step(step):
    engine = engine_in(step)
    call = Call()
    assert steps(engine.handle(call.say(5, "you idiot", anger=0.9, abuse="insult"))) == ["warn_abuse"]
    warn(engine, call, 7, "cue")
    assert steps(engine.handle(call.say(9, "you moron", anger=0.9, abuse="insult"))) == ["draw_the_line"]


@pytest.mark.parametrize("abuse", ["insult", "threat"])
def test_more_abuse_before_the_agent_has_warned_keeps_the_advice_to_warn(abuse):
    # "warning, then ending the call": abuse that comes before the warning is given (the cue or the
    # Warned button) never ends the call; the step stays the warning until it is given
    engine = engine_in("define_problem")
    call = Call()
    first = steps(engine.handle(call.say(5, "you idiot", anger=0.9, abuse=abuse)))
    assert first in (["warn_abuse"], ["warn_threat"])
    for t, text in ((7, "you moron"), (9, "useless"), (15, "pathetic")):
        assert steps(engine.handle(call.say(t, text, anger=0.9, abuse="insult"))) == []
    assert engine.current_step == first[0]
    warn(engine, call, 20, "button")
    out = engine.handle(call.say(24, "you are a joke", anger=0.9, abuse="insult"))
    assert steps(out) == ["draw_the_line"] and "after the warning at 00:20" in out[0].reason


def test_a_warning_given_before_the_warning_step_holds():
    engine = engine_in("define_problem")
    call = Call()
    warn(engine, call, 4, "cue")  # the agent set the limit on a sneer the classifier let pass
    assert steps(engine.handle(call.say(8, "you idiot", anger=0.9, abuse="insult"))) == ["draw_the_line"]


@pytest.mark.parametrize("first, second", [("insult", "insult"), ("threat", "threat"), ("threat", "insult"), ("insult", "threat")])
def test_abuse_long_after_the_warning_still_draws_the_line(first, second):
    engine = engine_in("listen")
    call = Call()
    engine.handle(call.say(5, "you idiot, I know where you live", anger=0.9, abuse=first))
    warn(engine, call, 8, "cue")
    for t in range(9, 60):
        engine.handle(call.tick(t))
    assert engine.current_step not in WARNINGS + ("draw_the_line",), "30 s without abuse, the agent goes back to helping"
    for t in range(60, 600, 5):
        engine.handle(call.tick(t))
    assert steps(engine.handle(call.say(601, "you will regret this, moron", anger=0.9, abuse=second))) == ["draw_the_line"]


@pytest.mark.parametrize("step", LIVE_STEPS)
def test_swearing_at_the_situation_never_leads_to_the_warning(step):
    engine = engine_in(step)
    call = Call()
    out = []
    for i in range(6):
        out += engine.handle(call.say(5 + 6 * i, "this damn thing is broken again", anger=0.7, abuse="profanity"))
        out += engine.handle(call.tick(8 + 6 * i))
    assert not {"warn_abuse", "warn_threat", "draw_the_line"} & set(steps(out)), steps(out)


@pytest.mark.parametrize("step", [s for s in LIVE_STEPS if s != "delegate_up"])
def test_asking_for_a_supervisor_delegates_up_from_every_step(step):
    engine = engine_in(step)
    out = engine.handle(Call().say(5, "get me your manager", anger=0.5, cues=("supervisor_request",)))
    assert steps(out) == ["delegate_up"]


def test_persistent_anger_time_out_asks_permission_and_checks_back_within_30_seconds():
    engine = engine_in("define_problem")
    call = Call()
    out = []
    for t in range(2, 80, 2):
        out += engine.handle(call.say(t, "still furious", anger=0.9))
    assert "time_out" in steps(out)
    assert any("permission" in line for line in PB.steps["time_out"].do)
    out = engine.handle(AgentAction(81, "hold"))
    assert steps(out) == ["on_hold"]
    timers = [e for e in out if e.type == "timer_started"]
    assert timers and timers[0].seconds <= 30
    out = []
    for k in range(1, 31 * 4 + 1):
        out += engine.handle(Tick(81 + k * 0.25))
    assert "check_back" in steps(out)


def test_venting_is_not_cut_short_by_a_time_out():
    # venting comes first, until they run out of steam; the time out is for when summarizing did not help
    engine = engine_in("listen")
    call = Call()
    out = []
    for t in range(5, 62, 7):
        out += engine.handle(call.say(t, "and another thing", anger=0.9))
    assert steps(out) == ["vent", "summarize"]
    for t in range(64, 130, 4):
        out += engine.handle(call.say(t, "still furious", anger=0.9))
    assert steps(out)[:3] == ["vent", "summarize", "time_out"]


def test_a_rant_is_vented_then_summarized_by_name():
    engine = engine_in("listen")
    call = Call(name="Dana")
    out = []
    for t in (5, 10, 15, 20):
        out += engine.handle(call.say(t, "and another thing", anger=0.8))
    out += engine.handle(call.say(26, "so what I hear is", speaker="agent", cues=("summary",)))
    assert steps(out) == ["vent", "summarize"]
    summary = [e for e in out if isinstance(e, StepChanged)][-1]
    assert any("Dana" in phrase for phrase in summary.say)


def test_you_dont_understand_is_met_by_summarizing():
    engine = engine_in("define_problem")
    out = engine.handle(Call().say(5, "you don't seem to understand", anger=0.3, cues=("not_understood",)))
    assert steps(out) == ["summarize"]


def test_every_step_tells_the_agent_something():
    for step in PB.steps.values():
        assert step.title and (step.say or step.do), step.id


@pytest.mark.parametrize("step", LIVE_STEPS)
def test_the_escalated_button_hands_the_call_over_from_every_step(step):
    # after a hold to brief the supervisor the call is in check_back when the supervisor takes it
    engine = engine_in(step)
    out = engine.handle(AgentAction(5, "escalated"))
    assert steps(out) == ["handed_over"]


def test_a_silent_line_does_not_start_the_coaching():
    engine = engine_in("listen")
    call = Call()
    out = []
    for t in range(1, 61):
        out += engine.handle(call.tick(t))
    assert steps(out) == [], "nobody has spoken: stay listening"
    engine.handle(call.say(61, "hi, I have a question about my bill", anger=0.1))
    out = engine.handle(call.tick(63))
    assert steps(out) == ["define_problem"] and "someone spoke in the last 15 s" in out[0].reason


def test_arguing_back_raises_a_reminder_in_any_step_without_changing_it():
    engine = engine_in("summarize")
    call = Call()
    out = engine.handle(call.say(5, "that's not our fault, calm down", speaker="agent", cues=("argues_back",)))
    (alert,) = [e for e in out if isinstance(e, Alert)]
    assert steps(out) == [] and engine.current_step == "summarize"
    assert alert.level == "warning" and "Don't argue back" in alert.message and "that's not our fault" in alert.message
    later = engine.handle(call.tick(6)) + engine.handle(call.say(8, "you should have read the contract", speaker="agent", cues=("argues_back",)))
    assert not [e for e in later if isinstance(e, Alert)], "once per cooldown, not on every event"


@pytest.mark.parametrize("step", ["define_problem", "ask_solution", "promise"])
def test_a_line_gone_silent_does_not_walk_the_calm_path(step):
    engine = engine_in(step)
    call = Call()
    engine.handle(call.say(2, "let me see", anger=0.1))
    out = []
    for t in range(3, 600, 5):
        out += engine.handle(call.tick(t))
    assert steps(out) == [], "nobody has spoken for ten minutes: the step stays"
    out = engine.handle(call.say(601, "sorry, I'm back", anger=0.1))
    assert steps(out) != [] and "someone spoke in the last 40 s" in out[0].reason
