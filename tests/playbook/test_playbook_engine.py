"""The engine, one condition type at a time, then priorities, cooldowns, timers, reload, determinism."""

from __future__ import annotations

import pytest

from coach.events import AgentAction, Alert, StepChanged, Tick, TimerExpired, TimerStarted
from coach.playbook import Engine

from playbook_helpers import TWO_STEPS, Call, engine_for, playbook, steps


def run(engine: Engine, events) -> list:
    out = []
    for e in events:
        out.extend(engine.handle(e))
    return out


def changes(out) -> list[StepChanged]:
    return [e for e in out if isinstance(e, StepChanged)]


# ------------------------------------------------------------------ start and rendering


def test_start_announces_the_start_step_with_rendered_phrases():
    pb = playbook(
        """
        name: p
        start: a
        steps:
          - id: a
            title: Hello
            say: ["I hear you, {name}.", "{name}, one moment."]
            final: true
        """
    )
    (first,) = Engine(pb).start(0.0)
    assert isinstance(first, StepChanged)
    assert (first.step, first.t, first.previous, first.transition) == ("a", 0.0, None, None)
    assert first.say == ("I hear you.", "One moment.")
    assert first.reason


def test_phrases_use_the_name_once_heard():
    engine = engine_for("{cue: gratitude}")
    call = Call(name="Maria")
    out = engine.handle(call.say(3, "thanks", cues=("gratitude",)))
    assert changes(out)[0].step == "b"
    pb = playbook(
        """
        name: p
        start: a
        steps:
          - id: a
            title: A
          - id: b
            title: B
            say: ["I hear you, {name}."]
            final: true
        transitions:
          - {from: a, to: b, when: {time_in_step: 1}}
        """
    )
    engine = Engine(pb)
    engine.start()
    (change,) = changes(engine.handle(call.tick(2)))
    assert change.say == ("I hear you, Maria.",)


# ------------------------------------------------------------------ one test per condition type


def test_anger_above_needs_the_level_for_the_given_seconds(call):
    engine = engine_for("{anger_above: {level: 0.6, for: 10}}")
    assert not changes(run(engine, [call.say(2, "grr", anger=0.8), call.tick(5), call.tick(11.5)]))
    (change,) = changes(engine.handle(call.tick(12)))
    assert change.step == "b"
    assert "above 0.60 for 10 s" in change.reason


def test_anger_above_restarts_its_clock_when_anger_dips(call):
    engine = engine_for("{anger_above: {level: 0.6, for: 10}}")
    out = run(engine, [call.say(2, "grr", anger=0.8), call.say(6, "ok", anger=0.3), call.say(8, "GRR", anger=0.9), call.tick(15)])
    assert not changes(out)
    assert changes(engine.handle(call.tick(18)))


def test_anger_above_without_for_fires_on_the_utterance_and_quotes_it(call):
    engine = engine_for("{anger_above: 0.5}")
    assert not changes(engine.handle(call.say(1, "fine", anger=0.5)))  # strictly above
    (change,) = changes(engine.handle(call.say(4, "this is outrageous", anger=0.7)))
    assert '"this is outrageous"' in change.reason and "00:03" in change.reason  # when it began, as transcripts list it


def test_anger_below(call):
    engine = engine_for("{anger_below: {level: 0.3, for: 5}}")
    run(engine, [call.say(1, "grr", anger=0.8), call.say(3, "ok", anger=0.2), call.tick(7)])
    assert engine.current_step == "a"
    engine.handle(call.tick(8))
    assert engine.current_step == "b"


def test_anger_falling_and_rising(call):
    engine = engine_for("{anger_falling: {by: 0.3, within: 20}}")
    run(engine, [call.say(1, "grr", anger=0.9), call.say(5, "hm", anger=0.7)])
    assert engine.current_step == "a"
    (change,) = changes(engine.handle(call.say(9, "ok", anger=0.55)))
    assert "fell from 0.90 to 0.55" in change.reason

    call = Call()
    engine = engine_for("{anger_rising: {by: 0.3, within: 20}}")
    run(engine, [call.say(1, "hm", anger=0.2), call.say(5, "hmm", anger=0.4)])
    assert engine.current_step == "a"
    engine.handle(call.say(9, "GRR", anger=0.6))
    assert engine.current_step == "b"


def test_anger_rising_only_looks_inside_the_current_step(call):
    pb = playbook(
        """
        name: p
        start: a
        steps:
          - {id: a, title: A}
          - {id: b, title: B}
          - {id: c, title: C, final: true}
        transitions:
          - {from: a, to: b, when: {cue: summary}}
          - {from: b, to: c, when: {anger_rising: {by: 0.3, within: 60}}}
        """
    )
    engine = Engine(pb)
    engine.start()
    run(engine, [call.say(1, "hm", anger=0.1), call.say(5, "GRR", anger=0.8), call.say(8, "so...", speaker="agent", cues=("summary",))])
    assert engine.current_step == "b"
    run(engine, [call.tick(9), call.tick(20)])
    assert engine.current_step == "b", "the rise happened before the step began"


def test_abuse_counts_kinds_within_a_window_since_the_step(call):
    engine = engine_for("{abuse: {kinds: [insult, threat], at_least: 2, within: 30}}")
    run(engine, [call.say(1, "damn it", abuse="profanity"), call.say(2, "idiot", abuse="insult")])
    assert engine.current_step == "a"
    engine.handle(call.say(40, "moron", abuse="insult"))  # the first one is out of the window
    assert engine.current_step == "a"
    (change,) = changes(engine.handle(call.say(45, "I will hurt you", abuse="threat")))
    assert "threat at 00:44" in change.reason and "2 times in the last 30 s" in change.reason


def test_abuse_min_score_counts_only_sentences_the_classifier_is_sure_of(call):
    engine = engine_for("{abuse: {kinds: [insult], min_score: 0.8}}")
    engine.handle(call.say(1, "hang on my white one", abuse="insult", score=0.66))
    assert engine.current_step == "a", "an insult read at 0.66 is under the floor"
    (change,) = changes(engine.handle(call.say(4, "you useless idiot", abuse="insult", score=0.93)))
    assert "insult at 00:03" in change.reason and "abuse score 0.93" in change.reason


def test_abuse_since_step_ignores_what_came_before(call):
    pb = playbook(
        """
        name: p
        start: a
        steps:
          - {id: a, title: A}
          - {id: warn, title: Warn}
          - {id: line, title: Line, final: true}
        transitions:
          - {from: a, to: warn, when: {abuse: {kinds: [insult]}}}
          - {from: warn, to: line, when: {abuse: {kinds: [insult]}}}
        """
    )
    engine = Engine(pb)
    engine.start()
    engine.handle(call.say(2, "idiot", abuse="insult"))
    assert engine.current_step == "warn"
    run(engine, [call.tick(3), call.tick(10)])
    assert engine.current_step == "warn", "the insult that led here does not count again"
    engine.handle(call.say(12, "moron", abuse="insult"))
    assert engine.current_step == "line"


def test_cue_from_the_right_speaker_since_the_step(call):
    engine = engine_for("{cue: supervisor_request}")
    engine.handle(call.say(1, "a manager?", speaker="agent", cues=("supervisor_request",)))
    assert engine.current_step == "a", "a customer cue said by the agent does not count"
    (change,) = changes(engine.handle(call.say(3, "I want your manager", cues=("supervisor_request",))))
    assert change.reason.startswith('Customer asked for a supervisor at 00:02: "I want your manager"')


def test_cue_within_a_window(call):
    engine = engine_for("{all: [{cue: {cue: gratitude, within: 5}}, {time_in_step: 10}]}")
    run(engine, [call.say(1, "thanks", cues=("gratitude",)), call.tick(10)])
    assert engine.current_step == "a"
    engine.handle(call.say(12, "thank you", cues=("gratitude",)))
    assert engine.current_step == "b"


def test_silence_counts_within_the_step(call):
    engine = engine_for("{silence: 5}")
    run(engine, [call.say(1, "hello"), call.tick(5.5)])
    assert engine.current_step == "a"
    engine.handle(call.tick(6))
    assert engine.current_step == "b"


def test_time_in_step(call):
    engine = engine_for("{time_in_step: 30}")
    engine.handle(call.tick(29.75))
    assert engine.current_step == "a"
    (change,) = changes(engine.handle(Tick(30)))
    assert "30 s in step 'a'" in change.reason


def test_sentiment(call):
    engine = engine_for("{sentiment: positive}")
    engine.handle(call.say(1, "meh", sentiment="neutral"))
    assert engine.current_step == "a"
    engine.handle(call.say(2, "lovely", sentiment="positive"))
    assert engine.current_step == "b"


def test_agent_action_fires_only_on_that_action(call):
    engine = engine_for("{action: escalated}")
    engine.handle(AgentAction(1, "hold"))
    assert engine.current_step == "a"
    (change,) = changes(engine.handle(AgentAction(2, "escalated")))
    assert "escalated to a supervisor at 00:02" in change.reason


def test_all_any_not(call):
    engine = engine_for("{all: [{time_in_step: 5}, {not: {anger_above: 0.5}}]}")
    run(engine, [call.say(1, "grr", anger=0.8), call.tick(6)])
    assert engine.current_step == "a"
    (change,) = changes(engine.handle(call.say(7, "ok", anger=0.2)))
    assert "and not (anger above 0.5)" in change.reason

    engine = engine_for("{any: [{action: hold}, {cue: hold_consent}]}")
    engine.handle(Call().say(1, "sure", cues=("hold_consent",)))
    assert engine.current_step == "b"


# ------------------------------------------------------------------ timers


TIMERS = """
name: p
start: a
steps:
  - id: a
    title: A
    timers:
      - {id: check_back, after: 30, label: Check back, alert: "Go back now."}
  - {id: b, title: B, final: true}
transitions:
  - {from: a, to: b, when: {timer: check_back}}
"""


def test_timers_start_expire_alert_and_fire_transitions():
    engine = Engine(playbook(TIMERS))
    started = engine.start(0.0)
    assert [type(e) for e in started] == [StepChanged, TimerStarted]
    assert started[1].seconds == 30 and started[1].timer == "check_back"
    assert engine.handle(Tick(29.75)) == []
    out = engine.handle(Tick(30.0))
    assert [type(e) for e in out] == [TimerExpired, Alert, StepChanged]
    assert out[1].message == "Go back now."
    assert "Timer 'check_back' (30 s) ran out at 00:30" == out[2].reason


def test_timers_are_cancelled_when_the_step_changes():
    pb = playbook(TIMERS.replace("{from: a, to: b, when: {timer: check_back}}", "{from: a, to: b, when: {action: back_from_hold}}"))
    engine = Engine(pb)
    engine.start()
    engine.handle(AgentAction(5, "back_from_hold"))
    assert not [e for e in engine.handle(Tick(40)) if isinstance(e, TimerExpired)]


# ------------------------------------------------------------------ choosing between transitions


PRIORITIES = """
name: p
start: a
defaults: {cooldown: 30}
steps:
  - {id: a, title: A}
  - {id: low, title: Low}
  - {id: high, title: High}
  - {id: tie, title: Tie}
transitions:
  - {id: to_low, from: a, to: low, when: {cue: supervisor_request}}
  - {id: to_high, from: a, to: high, priority: 10, when: {cue: supervisor_request}}
  - {id: to_tie, from: a, to: tie, priority: 10, when: {cue: supervisor_request}}
  - {id: back, from: [low, high, tie], to: a, when: {time_in_step: 1}}
"""


def test_higher_priority_wins_and_ties_go_to_the_first_written(call):
    engine = Engine(playbook(PRIORITIES))
    engine.start()
    (change,) = changes(engine.handle(call.say(2, "manager!", cues=("supervisor_request",))))
    assert change.step == "high" and change.transition == "to_high" and change.previous == "a"


def test_cooldown_stops_a_transition_from_flapping(call):
    pb = playbook(
        """
        name: p
        start: a
        steps:
          - {id: a, title: A}
          - {id: b, title: B}
        transitions:
          - {id: a_b, from: a, to: b, cooldown: 20, when: {anger_above: 0.5}}
          - {id: b_a, from: b, to: a, cooldown: 0, when: {time_in_step: 2}}
        """
    )
    engine = Engine(pb)
    engine.start()
    out = run(engine, [call.say(1, "grr", anger=0.8)] + [call.tick(1 + 0.5 * i) for i in range(1, 50)])
    assert [(c.t, c.step) for c in changes(out)] == [(1, "b"), (3, "a"), (21, "b"), (23, "a")]


def test_at_most_one_step_change_per_instant(call):
    pb = playbook(
        """
        name: p
        start: a
        steps:
          - {id: a, title: A}
          - {id: b, title: B}
          - {id: c, title: C, final: true}
        transitions:
          - {from: a, to: b, when: {anger_above: 0.5}}
          - {from: b, to: c, when: {anger_above: 0.5}}
        """
    )
    engine = Engine(pb)
    engine.start()
    out = run(engine, [call.say(1, "grr", anger=0.8), Tick(1)])
    assert steps(out) == ["b"]
    assert steps(engine.handle(Tick(1.25))) == ["c"]


def test_override_jumps_to_the_chosen_step_and_unknown_steps_alert():
    engine = engine_for("{time_in_step: 100}")
    (change,) = engine.handle(AgentAction(4, "override", "b"))
    assert change.step == "b" and change.transition == "override" and "by hand" in change.reason
    (alert,) = engine.handle(AgentAction(5, "override", "nowhere"))
    assert isinstance(alert, Alert) and "nowhere" in alert.message


def test_events_before_start_start_the_engine(call):
    engine = Engine(playbook(TIMERS))
    out = engine.handle(call.tick(1))
    assert isinstance(out[0], StepChanged) and out[0].step == "a"


# ------------------------------------------------------------------ hot reload


def test_replace_playbook_keeps_the_step_and_updates_its_text():
    engine = Engine(playbook(TIMERS))
    engine.start()
    engine.handle(Tick(10))
    new = playbook(TIMERS.replace("title: A", "title: A, reworded"))
    out = engine.replace_playbook(new, 12.0)
    assert [e.step for e in changes(out)] == ["a"] and changes(out)[0].title == "A, reworded"
    assert engine.current_step == "a"
    expired = [e for e in engine.handle(Tick(30)) if isinstance(e, TimerExpired)]
    assert expired, "a running timer survives the reload"


def test_replace_playbook_without_the_current_step_goes_back_to_start(call):
    engine = Engine(playbook(TIMERS.replace("{from: a, to: b, when: {timer: check_back}}", "{from: a, to: b, when: {action: hold}}").replace("final: true", "")
                             + "  - {from: b, to: a, when: {action: back_from_hold}}\n"))
    engine.start()
    engine.handle(AgentAction(2, "hold"))
    assert engine.current_step == "b"
    new = playbook(TIMERS.replace("  - {id: b, title: B, final: true}\n", "  - {id: z, title: Z, final: true}\n").replace("to: b", "to: z"))
    out = engine.replace_playbook(new, 5.0)
    (change,) = changes(out)
    assert change.step == "a" and "no longer exists" in change.reason


def test_unchanged_reload_emits_no_step_change():
    engine = Engine(playbook(TIMERS))
    engine.start()
    assert changes(engine.replace_playbook(playbook(TIMERS), 3.0)) == []


# ------------------------------------------------------------------ determinism


def _a_call() -> list:
    call = Call(name="Sam")
    events = []
    for i in range(200):
        t = i * 0.5
        if i % 13 == 0:
            events.append(call.say(t, f"line {i}", anger=(i % 7) / 7, abuse="insult" if i % 61 == 0 and i else None,
                                   cues=("supervisor_request",) if i == 130 else ()))
        elif i % 37 == 0:
            events.append(AgentAction(t, "hold"))
        else:
            events.append(call.tick(t))
    return events


@pytest.mark.parametrize("path", ["playbooks/default.yaml"])
def test_same_events_give_the_same_output(path):
    from coach.playbook import load_playbook

    events = _a_call()
    first, second = Engine(load_playbook(path)), Engine(load_playbook(path))
    out1 = first.start() + run(first, events)
    out2 = second.start() + run(second, events)
    assert out1 == out2
    assert len(steps(out1)) > 2


def test_call_alerts_show_when_their_condition_comes_true_not_while_it_stays_true():
    pb = playbook(TWO_STEPS.replace("{WHEN}", "{action: escalated}") + """
alerts:
  - id: loud
    when: {anger_above: 0.7}
    message: Breathe.
    cooldown: 0
    except: [b]
""")
    engine = Engine(pb)
    engine.start(0.0)
    call = Call()

    def alerts(events):
        return [e.message for e in events if isinstance(e, Alert)]

    first = alerts(engine.handle(call.say(2, "this is outrageous", anger=0.9)))
    assert len(first) == 1 and first[0].startswith("Breathe. (customer anger 0.90 is above 0.70")
    assert alerts(engine.handle(call.say(4, "still outrageous", anger=0.9))) == [], "it stays true: shown once"
    engine.handle(call.say(6, "fine", anger=0.1))
    assert len(alerts(engine.handle(call.say(8, "outrageous again", anger=0.9)))) == 1, "true again: shown again"
    engine.handle(AgentAction(9, "override", "b"))
    engine.handle(call.say(10, "fine", anger=0.1))
    assert alerts(engine.handle(call.say(12, "outrageous", anger=0.9))) == [], "not in an except step"
