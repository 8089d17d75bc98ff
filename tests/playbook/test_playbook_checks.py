"""Graph checks: steps that trap the call, transitions another always beats, one message per cause."""

from __future__ import annotations

import textwrap

import pytest

from coach.errors import PlaybookError
from coach.events import AgentAction
from coach.paths import DEFAULT_PLAYBOOK
from coach.playbook import Engine, load_playbook, load_playbook_text

from playbook_helpers import Call, steps

BASE = """\
name: small
start: listen
steps:
  - id: listen
    title: Listen
  - id: ask
    title: Ask for their solution
  - id: promise
    title: Promise
  - id: refund
    title: Offer a refund
  - id: done
    title: Done
    final: true
transitions:
  - {id: angry, from: listen, to: ask, when: {anger_above: 0.5}}
  - {id: promised, from: promise, to: done, when: {cue: promise}}
  - {id: refunded, from: refund, to: done, when: {cue: promise}}
  - {id: manager, from: "*", to: done, priority: 80, cooldown: 0, when: {cue: supervisor_request}}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(textwrap.dedent(text), "pb.yaml")
    return list(info.value.errors)


def with_transitions(*lines: str, base: str = BASE) -> str:
    return base + "".join(f"  - {line}\n" for line in lines)


OFFERED = "{id: offered, from: ask, to: promise, priority: 5, when: {cue: solution_proposal}}"


def test_the_default_playbook_has_no_trap_and_no_transition_that_always_loses():
    load_playbook(DEFAULT_PLAYBOOK)  # raises with every problem if a check fires


# ---------------------------------------------------------------- 1. a step only '*' transitions leave


def test_a_step_left_only_by_the_call_wide_transitions_is_reported():
    text = with_transitions(OFFERED, "{id: wants_refund, from: ask, to: refund, when: {cue: churn_threat}}")
    text = text.replace("  - {id: refunded, from: refund, to: done, when: {cue: promise}}\n", "")
    (err,) = errors_of(text)
    assert err.startswith("pb.yaml:10:9: step 'refund' has no way out of its own: only the call-wide transitions (from: '*': 'manager') leave it")
    assert "add a transition from it, or mark it 'final: true'" in err and "\n" not in err
    # a transition of its own, or final: true, clears it
    load_playbook_text(text + "  - {from: refund, to: done, when: {time_in_step: 60}}\n")
    load_playbook_text(text.replace("    title: Offer a refund\n", "    title: Offer a refund\n    final: true\n"))


def test_a_step_with_no_transition_at_all_still_has_no_way_out():
    text = with_transitions(OFFERED, "{from: ask, to: refund, when: {cue: churn_threat}}")
    text = text.replace("  - {id: refunded, from: refund, to: done, when: {cue: promise}}\n", "")
    text = text.replace('from: "*", to: done', 'from: "*", except: [refund], to: done')
    (err,) = errors_of(text)
    assert "step 'refund' has no way out; add a transition from it" in err


# ---------------------------------------------------------------- 2. a transition another always beats


def test_a_lower_priority_twin_from_the_same_step_never_fires():
    # 'offered' has no cooldown, so it wins every time its (same) condition holds
    text = with_transitions(
        OFFERED.replace("priority: 5,", "priority: 5, cooldown: 0,"),
        "{id: wants_refund, from: ask, to: refund, when: {cue: solution_proposal}}",
    )
    (err,) = errors_of(text)
    assert err.startswith("pb.yaml:21:")
    assert "'wants_refund' never fires: 'offered' (priority 5 over 0) leaves 'ask' whenever this condition holds, and wins" in err
    assert "give 'wants_refund' a higher priority, or a condition of its own." in err
    assert "by hand" not in err


def test_on_equal_priority_the_one_written_first_wins():
    text = with_transitions(
        "{id: first, from: ask, to: promise, cooldown: 0, when: {cue: solution_proposal}}",
        "{id: second, from: ask, to: refund, when: {cue: {cue: solution_proposal, speaker: customer}}}",
    )
    (err,) = errors_of(text)
    assert "'second' never fires: 'first' (the same priority 0, written first)" in err
    # written the other way round, 'first' is the one that never fires
    swapped = with_transitions(
        "{id: second, from: ask, to: refund, cooldown: 0, when: {cue: {cue: solution_proposal, speaker: customer}}}",
        "{id: first, from: ask, to: promise, when: {cue: solution_proposal}}",
    )
    assert any("'first' never fires: 'second'" in e for e in errors_of(swapped))


def test_the_reviews_refund_rule_is_caught_when_the_call_cannot_come_back_in_time():
    # 'offered' has the default 10 s cooldown, but the only way back to 'ask' takes 45 s in 'listen'
    text = with_transitions(OFFERED, "{id: wants_refund, from: ask, to: refund, when: {cue: solution_proposal}}")
    text = text.replace("{id: angry, from: listen, to: ask, when: {anger_above: 0.5}}", "{id: angry, from: listen, to: ask, when: {time_in_step: 45}}")
    text += "  - {id: again, from: promise, to: listen, when: {anger_above: 0.5}}\n"
    (err,) = errors_of(text)
    assert "'wants_refund' never fires: 'offered' (priority 5 over 0)" in err
    assert "the call cannot be back in 'ask' within the 10 s cooldown of 'offered', unless the agent picks that step by hand" in err


def test_a_condition_that_implies_the_winners_is_caught_and_the_converse_is_not():
    stricter = "{id: angry_refund, from: ask, to: refund, when: {all: [{cue: solution_proposal}, {anger_above: 0.5}]}}"
    winner = OFFERED.replace("priority: 5,", "priority: 5, cooldown: 0,")
    assert any("'angry_refund' never fires: 'offered'" in e for e in errors_of(with_transitions(winner, stricter)))
    # the winner needing more (a cue AND anger) leaves room for the plain cue: it can fire
    looser = "{id: refund_asked, from: ask, to: refund, when: {cue: solution_proposal}}"
    strict_winner = "{id: offered, from: ask, to: promise, priority: 5, cooldown: 0, when: {all: [{cue: solution_proposal}, {anger_above: 0.5}]}}"
    load_playbook_text(with_transitions(strict_winner, looser))


@pytest.mark.parametrize(
    "winner, loser",
    [
        # the winner only looks back 10 s; the loser also takes an older proposal
        ("{cue: {cue: solution_proposal, within: 10}}", "{cue: solution_proposal}"),
        # the winner counts since the step began; the loser over the whole call
        ("{cue: solution_proposal}", "{cue: {cue: solution_proposal, since: call}}"),
        # insults only vs insults or threats
        ("{abuse: {kinds: [insult]}}", "{abuse: {kinds: [insult, threat]}}"),
        ("{abuse: {kinds: [insult], since: warning}}", "{abuse: {kinds: [insult]}}"),
        ("{abuse: {kinds: [insult], min_score: 0.8}}", "{abuse: {kinds: [insult]}}"),
        ("{anger_above: {level: 0.5, for: 30}}", "{anger_above: 0.5}"),
        ("{anger_above: 0.7}", "{anger_above: 0.5}"),
        ("{silence: 10}", "{silence: 5}"),
    ],
)
def test_differences_that_let_the_loser_fire_are_not_reported(winner, loser):
    text = with_transitions(
        f"{{id: winner, from: ask, to: promise, priority: 5, cooldown: 0, when: {winner}}}",
        f"{{id: loser, from: ask, to: refund, when: {loser}}}",
    )
    load_playbook_text(text)


def test_a_winner_that_does_not_leave_the_step_does_not_shadow_it():
    text = with_transitions(
        '{id: winner, from: "*", except: [ask], to: promise, priority: 5, cooldown: 0, when: {cue: solution_proposal}}',
        "{id: loser, from: ask, to: refund, when: {cue: solution_proposal}}",
    )
    load_playbook_text(text)
    # without the except, it leaves 'ask' too, and 'loser' never fires
    assert any("'loser' never fires: 'winner'" in e for e in errors_of(text.replace("except: [ask], ", "")))


def test_a_loser_that_waits_out_the_winners_cooldown_in_the_step_is_reported():
    text = with_transitions(
        "{id: winner, from: ask, to: promise, priority: 5, cooldown: 30, when: {cue: solution_proposal}}",
        "{id: loser, from: ask, to: refund, when: {all: [{cue: solution_proposal}, {time_in_step: 30}]}}",
        "{id: back, from: promise, to: ask, when: {anger_above: 0.5}}",
    )
    (err,) = errors_of(text)
    assert "'loser' never fires: 'winner'" in err and "by hand" not in err


def test_a_loser_shadowed_from_some_of_its_steps_names_them():
    text = with_transitions(
        OFFERED.replace("priority: 5,", "priority: 5, cooldown: 0,"),
        "{id: loser, from: [ask, promise], to: refund, when: {cue: solution_proposal}}",
    )
    (err,) = errors_of(text)
    assert "'loser' never fires from 'ask': 'offered'" in err and "remove 'ask' from its 'from'" in err


# ---------------------------------------------------------------- 7. one message per cause


DEFAULT = DEFAULT_PLAYBOOK.read_text(encoding="utf-8")


def test_a_duplicate_step_id_is_one_error_that_names_the_step_it_replaced():
    text = BASE.replace("  - id: ask\n", "  - id: promise\n")
    (err,) = errors_of(text)
    assert err.startswith("pb.yaml:8:9: duplicate step id 'promise' (the first is at line 6); give each step its own id")
    assert "the playbook also names 'ask' (line 16), which no step has: if this is that step, call it so." in err


def test_an_invalid_step_id_is_one_error_and_is_never_suggested():
    text = BASE.replace("  - id: ask\n", "  - id: Ask-Step\n")
    (err,) = errors_of(text)
    assert err.startswith("pb.yaml:6:9: id 'Ask-Step' is not a valid id; use lower_snake_case")
    assert "(e.g. 'ask_step')" in err and "the playbook also names 'ask'" in err
    assert "use one of" not in err


def test_a_typo_is_still_reported_where_it_is_even_with_a_duplicate():
    text = BASE.replace("  - id: ask\n", "  - id: promise\n").replace("from: promise, to: done", "from: promsie, to: done")
    errs = errors_of(text)
    assert any("unknown step 'promsie'; did you mean 'promise'?" in e for e in errs), errs
    assert sum("duplicate step id 'promise'" in e for e in errs) == 1, errs


def test_an_invalid_id_in_the_default_playbook_is_one_error():
    text = DEFAULT.replace("  - id: vent\n", "  - id: Vent-Step\n", 1)
    errs = errors_of(text)
    assert len(errs) == 1, errs
    assert "'Vent-Step' is not a valid id" in errs[0] and "'vent'" in errs[0] and "Vent-Step," not in errs[0]


def test_a_duplicate_id_in_the_default_playbook_is_one_error():
    text = DEFAULT.replace("  - id: vent\n", "  - id: listen\n", 1)
    errs = errors_of(text)
    assert len(errs) == 1, errs
    assert "duplicate step id 'listen'" in errs[0] and "'vent'" in errs[0]


def test_a_loser_the_check_lets_through_fires_in_the_winners_cooldown():
    """Soundness: 'offered' (20 s cooldown) goes to 'promise', and 'back' brings the call to 'ask' at
    once, so a second proposal within 20 s is taken by 'wants_refund'. The check must let it be."""
    text = with_transitions(
        OFFERED.replace("priority: 5,", "priority: 5, cooldown: 20,"),
        "{id: wants_refund, from: ask, to: refund, when: {cue: solution_proposal}}",
        "{id: back, from: promise, to: ask, when: {anger_above: 0.5}}",
    )
    engine = Engine(load_playbook_text(text))
    engine.start(0.0)
    engine.handle(AgentAction(1.0, "override", "ask"))
    call = Call()
    assert steps(engine.handle(call.say(2, "Refund me", anger=0.2, cues=("solution_proposal",)))) == ["promise"]
    assert steps(engine.handle(call.say(3, "No!", anger=0.7))) == ["ask"]
    assert steps(engine.handle(call.say(4, "Refund me now", anger=0.7, cues=("solution_proposal",)))) == ["refund"]


def test_call_wide_alerts_are_checked_like_transitions(tmp_path):
    from coach.errors import PlaybookError
    from coach.paths import DEFAULT_PLAYBOOK
    from coach.playbook import load_playbook

    text = DEFAULT_PLAYBOOK.read_text(encoding="utf-8") + """
  - id: argued_back
    when: {cue: {cue: argues_back, speaker: customer}}
    message: Again.
    except: [lisen]
"""
    path = tmp_path / "team.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path)
    message = str(err.value)
    assert "duplicate alert id 'argued_back' (the first is at line" in message
    assert "unknown step 'lisen'; did you mean 'listen'?" in message
    assert "cue 'argues_back' is only heard from the agent, never the customer" in message
