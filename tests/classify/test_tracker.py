"""SignalTracker: anger smoothing and trend, abuse and cue events, talk time, silence, names."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from coach.classify.names import find_name
from coach.classify.tracker import SignalTracker
from coach.events import AgentAction, Partial

# this folder's conftest.py by its path: "from conftest import" finds whichever conftest module
# pytest loaded first under that name (tests/playbook's, when both folders are collected)
_spec = importlib.util.spec_from_file_location("classify_test_helpers", Path(__file__).with_name("conftest.py"))
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
classified = _helpers.classified


def test_one_furious_utterance_lifts_anger_at_once():
    tr = SignalTracker()
    s = tr.on_classified(classified("customer", 0.0, 3.0, "this is a joke", anger=0.95))
    assert s.anger >= 0.6
    assert s.last is not None and s.last.utterance.text == "this is a joke"


def test_anger_falls_slower_than_it_rises():
    tr = SignalTracker()
    up = tr.on_classified(classified("customer", 0.0, 3.0, "furious", anger=1.0)).anger
    down = tr.on_classified(classified("customer", 4.0, 7.0, "ok fine", anger=0.0)).anger
    assert up - 0.0 > up - down > 0.0  # it fell, but by less than it rose


def test_calm_speech_cools_anger_with_a_half_life_of_customer_speech():
    tr = SignalTracker(half_life=20.0)
    tr.on_classified(classified("customer", 0.0, 2.0, "furious", anger=1.0))
    start = tr.anger
    t = 2.0
    for _ in range(4):  # 4 x 5 s = one half-life of calm speech
        tr.on_classified(classified("customer", t, t + 5.0, "calm", anger=0.0))
        t += 5.0
    assert tr.anger == pytest.approx(start / 2, rel=0.01)


def _angry_then_hold(tr: SignalTracker, asked: bool = True) -> None:
    tr.on_classified(classified("customer", 0.0, 3.0, "this is a disgrace", anger=0.9))
    if asked:
        tr.on_classified(classified("agent", 3.0, 3.8, "may i put you on hold", cues=("hold_request",)))
    tr.on_classified(classified("customer", 4.0, 5.0, "fine i can hold", anger=0.7, cues=("hold_consent",)))


def test_a_hold_counts_as_cooling_time_when_the_customer_comes_back_calm():
    held, talked = SignalTracker(half_life=20.0), SignalTracker(half_life=20.0)
    _angry_then_hold(held)
    before = held.anger
    calm = held.on_classified(classified("customer", 33.0, 35.0, "okay thanks for coming back", anger=0.0)).anger
    # the same words 28 s later without a hold: silence alone cools nothing
    talked.on_classified(classified("customer", 0.0, 3.0, "this is a disgrace", anger=0.9))
    talked.on_classified(classified("customer", 4.0, 5.0, "i see", anger=0.7))
    plain = talked.on_classified(classified("customer", 33.0, 35.0, "okay thanks for coming back", anger=0.0)).anger
    # 28 s on hold + 2 s of speech = 1.5 half-lives: the level keeps 0.5 ** 1.5 of its distance to calm
    assert calm == pytest.approx(before * 0.5 ** 1.5, rel=0.01)
    assert plain > 0.6 > calm


def test_consent_words_open_a_hold_only_after_the_agent_asked_for_one():
    asked, unasked = SignalTracker(half_life=20.0), SignalTracker(half_life=20.0)
    _angry_then_hold(asked)
    _angry_then_hold(unasked, asked=False)  # "all right" read as consent, with no hold asked for
    assert asked.anger == pytest.approx(unasked.anger)
    back = asked.on_classified(classified("customer", 33.0, 35.0, "okay", anger=0.0)).anger
    not_held = unasked.on_classified(classified("customer", 33.0, 35.0, "okay", anger=0.0)).anger
    assert not_held > 0.6 > back  # the 28 s after unasked "consent" did not cool anything
    late = SignalTracker(half_life=20.0)
    late.on_classified(classified("agent", 0.0, 1.0, "may i put you on hold", cues=("hold_request",)))
    late.on_classified(classified("customer", 70.0, 73.0, "this is a disgrace", anger=0.9))
    late.on_classified(classified("customer", 74.0, 75.0, "fine i can hold", anger=0.7, cues=("hold_consent",)))
    assert late.on_classified(classified("customer", 103.0, 105.0, "okay", anger=0.0)).anger > 0.6, "asked 70 s before"


def test_coming_back_from_hold_still_angry_keeps_the_level_up():
    tr = SignalTracker()
    _angry_then_hold(tr)
    assert tr.on_classified(classified("customer", 33.0, 35.0, "you kept me waiting again", anger=0.9)).anger > 0.8


def test_the_hold_ends_when_the_agent_comes_back_and_counts_once():
    tr = SignalTracker(half_life=20.0)
    tr.on_classified(classified("customer", 0.0, 3.0, "this is a disgrace", anger=0.9))
    before = tr.anger
    tr.on_action(AgentAction(10.0, "hold"))
    tr.on_action(AgentAction(18.0, "back_from_hold"))
    # 8 s on hold (not the 40 s until the customer speaks) + 2 s of speech = half a half-life
    first = tr.on_classified(classified("customer", 50.0, 52.0, "ok", anger=0.0)).anger
    assert first == pytest.approx(before * 0.5 ** 0.5, rel=0.01)
    # the hold is spent: the next words weigh only their own 2 s
    second = tr.on_classified(classified("customer", 53.0, 55.0, "ok", anger=0.0)).anger
    assert second == pytest.approx(first * 0.5 ** 0.1, rel=0.01)


def test_agent_utterances_do_not_change_anger_or_customer_sentiment():
    tr = SignalTracker()
    tr.on_classified(classified("customer", 0.0, 2.0, "i am annoyed", anger=0.5, sentiment="negative"))
    before = tr.anger
    s = tr.on_classified(classified("agent", 2.5, 6.0, "you need to calm down", anger=0.9, sentiment="positive"))
    assert s.anger == before
    assert s.sentiment == "negative"


def test_trend_is_positive_while_heating_and_negative_while_calming():
    tr = SignalTracker()
    tr.on_classified(classified("customer", 0.0, 3.0, "hm", anger=0.1))
    heating = tr.on_classified(classified("customer", 20.0, 23.0, "now i am angry", anger=0.9))
    assert heating.anger_trend > 0.3
    t = 90.0
    for _ in range(10):
        calming = tr.on_classified(classified("customer", t, t + 5.0, "okay thanks", anger=0.0))
        t += 6.0
    assert calming.anger_trend < 0.0
    # no change at all over the last minute: flat
    flat = tr.on_tick(t + 200.0)
    assert flat.anger_trend == pytest.approx(0.0)


def test_abuse_events_are_counted_by_kind_with_their_times_for_the_customer_only():
    tr = SignalTracker()
    tr.on_classified(classified("customer", 0.0, 2.0, "this damn router", abuse="profanity"))
    tr.on_classified(classified("agent", 2.0, 3.0, "damn sorry", abuse="profanity"))
    s = tr.on_classified(classified("customer", 5.0, 7.0, "you idiot", abuse="insult", abuse_score=0.8))
    assert [(a.kind, a.t) for a in s.abuse] == [("profanity", 2.0), ("insult", 7.0)]
    assert s.abuse[1].score == pytest.approx(0.8)


def test_cues_of_both_speakers_are_kept_in_order_with_time_and_speaker():
    tr = SignalTracker()
    tr.on_classified(classified("customer", 0.0, 2.0, "get me your manager", cues=("supervisor_request",)))
    s = tr.on_classified(classified("agent", 3.0, 5.0, "let me put you on hold", cues=("hold_request",)))
    assert [(c.cue, c.speaker, c.t) for c in s.cues] == [("supervisor_request", "customer", 2.0), ("hold_request", "agent", 5.0)]


def test_talk_time_speaking_and_silence():
    tr = SignalTracker()
    tr.on_partial(Partial("customer", 1.0, 1.5, "i want"))
    s = tr.on_tick(1.6)
    assert s.speaking == "customer" and s.silence == 0.0
    s = tr.on_classified(classified("customer", 1.0, 4.0, "i want a refund"))
    assert s.speaking is None
    s = tr.on_classified(classified("agent", 4.5, 6.5, "sure"))
    assert s.talk_time == {"customer": 3.0, "agent": 2.0}
    s = tr.on_tick(10.0)
    assert s.silence == pytest.approx(3.5)
    assert s.last is None


def test_empty_partials_do_not_mark_anyone_as_speaking():
    tr = SignalTracker()
    tr.on_partial(Partial("agent", 0.0, 0.5, "  "))
    assert tr.on_tick(1.0).speaking is None


def test_history_stays_bounded_on_a_long_call():
    tr = SignalTracker(anger_window=300.0)
    t = 0.0
    for i in range(20000):  # ~5.5 hours of call time
        t += 1.0
        if i % 10 == 0:
            tr.on_classified(classified("customer", t - 0.8, t, "words", anger=(i % 7) / 7))
        else:
            tr.on_tick(t)
    s = tr.on_tick(t + 0.2)
    assert len(tr._history) <= 320
    assert all(when >= s.t - 300.0 for when, _ in s.anger_history)
    assert len(s.anger_history) > 100


def test_same_events_give_the_same_signals():
    def run():
        tr = SignalTracker()
        out = [tr.on_classified(classified("customer", 0.0, 2.0, "hey", anger=0.3))]
        out.append(tr.on_tick(5.0))
        out.append(tr.on_classified(classified("customer", 6.0, 9.0, "what", anger=0.8, abuse="insult")))
        return out

    assert run() == run()


def test_the_customer_name_is_taken_from_either_side_and_the_customer_wins():
    tr = SignalTracker()
    s = tr.on_classified(classified("agent", 0.0, 2.0, "hello am i speaking with mister jones"))
    assert s.customer_name == "Mr Jones"
    s = tr.on_classified(classified("customer", 2.0, 5.0, "yes my name is dana whitfield"))
    assert s.customer_name == "Dana Whitfield"
    s = tr.on_classified(classified("agent", 5.0, 6.0, "thank you mister smith"))
    assert s.customer_name == "Dana Whitfield"


@pytest.mark.parametrize(
    "text,speaker,name",
    [
        ("my name is dana whitfield", "customer", "Dana Whitfield"),
        ("hi this is dana", "customer", "Dana"),
        ("hello this is dana calling about my bill", "customer", "Dana"),
        ("My name is Dana, and I want a refund.", "customer", "Dana"),
        ("am i speaking with mister jones", "agent", "Mr Jones"),
        ("is this missus patel", "agent", "Mrs Patel"),
        ("this is ridiculous", "customer", None),
        ("this is the third time i call", "customer", None),
        ("my name is not important", "customer", None),
        ("i want to speak to your manager", "customer", None),
        ("this is dana", "agent", None),  # the agent introducing themself is not the customer
    ],
)
def test_find_name(text, speaker, name):
    assert find_name(text, speaker) == name
