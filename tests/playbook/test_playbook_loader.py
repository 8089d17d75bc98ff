"""Loading: safe YAML, schema errors and graph checks, every one as FILE:LINE:COL with a fix."""

from __future__ import annotations

import re
import textwrap

import pytest

from coach.errors import PlaybookError
from coach.paths import DEFAULT_PLAYBOOK
from coach.playbook import load_playbook, load_playbook_text

ERROR_LINE = re.compile(r"^[^\n]+:\d+:\d+: \S.*$")

GOOD = """\
name: small
start: listen
steps:
  - id: listen
    title: Listen
    say: ["I hear you, {name}."]
  - id: vent
    title: Let them vent
  - id: done
    title: Done
    final: true
transitions:
  - from: listen
    to: vent
    when: {anger_above: 0.5}
  - from: vent
    to: done
    when: {cue: supervisor_request}
"""


def errors_of(text: str, filename: str = "pb.yaml") -> list[str]:
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(textwrap.dedent(text), filename)
    errs = list(info.value.errors)
    assert errs, "a PlaybookError always lists its problems"
    for err in errs:
        assert ERROR_LINE.match(err), err
    return errs


def edit(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def test_the_default_playbook_loads_with_the_doctrine_steps():
    pb = load_playbook(DEFAULT_PLAYBOOK)
    assert pb.path == DEFAULT_PLAYBOOK
    for step in ("vent", "summarize", "time_out", "delegate_up", "draw_the_line"):
        assert step in pb.steps
    assert pb.start in pb.steps
    assert pb.steps["draw_the_line"].final


def test_a_small_playbook_loads_and_resolves_transitions_per_step():
    pb = load_playbook_text(GOOD)
    assert [t.to for t in pb.transitions_from("listen")] == ["vent"]
    assert pb.transitions_from("done") == ()
    assert pb.transitions[0].id == "listen_to_vent"


def test_on_off_yes_no_stay_strings():
    text = edit('    title: Listen\n    say: ["I hear you, {name}."]\n', "    title: yes\n    say: [on, off, no, y]\n")
    pb = load_playbook_text(text)
    assert pb.steps["listen"].title == "yes"
    assert pb.steps["listen"].say == ["on", "off", "no", "y"]


def test_a_step_called_on_is_a_step_not_a_boolean():
    text = GOOD.replace("vent", "on")
    pb = load_playbook_text(text)
    assert "on" in pb.steps


def test_misspelt_cue_points_at_the_value_and_suggests_the_name():
    text = edit("{cue: supervisor_request}", "{cue: supervisor_requst}")
    (err,) = errors_of(text)
    assert err.startswith("pb.yaml:18:17: ")
    assert "unknown cue 'supervisor_requst'; did you mean 'supervisor_request'?" in err


def test_unknown_target_and_start_suggest_the_closest_step():
    text = edit("    to: done", "    to: dnoe").replace("start: listen", "start: lisen")
    errs = errors_of(text)
    assert any(e.startswith("pb.yaml:2:8: unknown start step 'lisen'; did you mean 'listen'?") for e in errs), errs
    assert any("pb.yaml:17:9: unknown target step 'dnoe'; did you mean 'done'?" in e for e in errs), errs


def test_unknown_key_and_unknown_condition_are_reported_together():
    text = edit("    title: Let them vent\n", "    tittle: Let them vent\n").replace("{anger_above: 0.5}", "{angr_above: 0.5}")
    errs = errors_of(text)
    assert any("pb.yaml:8:5: unknown key 'tittle'; did you mean 'title'?" in e for e in errs), errs
    assert any("unknown condition 'angr_above'; did you mean 'anger_above'?" in e for e in errs), errs
    assert any("missing 'title'" in e for e in errs), errs
    assert len(errs) == 3


def test_yaml_syntax_error_has_a_position():
    (err,) = errors_of("name: x\nsteps:\n  - id: a\n   title: [unclosed\n")
    assert err.startswith("pb.yaml:")
    assert "YAML syntax error" in err


def test_lead_example_unknown_start():
    errs = errors_of("start: nowhere\nsteps:\n  - id: vent\n    title: Let them vent\n", "bad.yaml")
    assert any(e.startswith("bad.yaml:") and "name" in e for e in errs)


@pytest.mark.parametrize(
    "when, words",
    [
        ("{anger_above: 1.0}", "never above 1.0"),
        ("{anger_below: 0}", "never below 0"),
        ("{abuse: {kinds: [insult], at_least: 0}}", "at_least"),
        ("{any: []}", "'any' is empty"),
        ("{all: []}", "'all' is empty"),
        ("{abuse: {kinds: []}}", "'kinds' is empty"),
        ("{timer: check_back}", "no timer 'check_back'"),
        ("{cue: {cue: summary, speaker: customer}}", "only heard from the agent"),
        ("{all: [{action: hold}, {action: escalated}]}", "one action at a time"),
        ("{all: [{anger_above: 0.7}, {anger_below: 0.5}]}", "cannot be above 0.7 and below 0.5"),
        ("{anger_falling: {by: 1.0}}", "cannot change by 1.0"),
        ("{cue: supervisor_request, anger_above: 0.5}", "exactly one key"),
        ("supervisor_request", "must be a mapping"),
    ],
)
def test_transitions_that_can_never_fire_are_errors(when, words):
    errs = errors_of(edit("{cue: supervisor_request}", when))
    assert any(words in e for e in errs), errs
    assert all(e.startswith("pb.yaml:1") for e in errs), errs  # all point into the transition (lines 16-18)


def test_unreachable_and_dead_end_steps():
    text = GOOD + "  - from: vent\n    to: listen\n    when: {time_in_step: 5}\n"
    text = text.replace("    title: Done\n    final: true\n", "    title: Done\n  - id: orphan\n    title: Nobody comes here\n    final: true\n")
    errs = errors_of(text)
    assert any("step 'orphan' can never be reached" in e for e in errs), errs
    assert any("step 'done' has no way out" in e and "final: true" in e for e in errs), errs


def test_a_final_step_cannot_be_left():
    text = GOOD + "  - from: done\n    to: listen\n    when: {time_in_step: 5}\n"
    errs = errors_of(text)
    assert any("step 'done' is final" in e for e in errs), errs


def test_duplicate_ids_and_keys():
    text = GOOD.replace("  - id: done\n", "  - id: vent\n    title: again\n  - id: done\n")
    errs = errors_of(text)
    assert any("duplicate step id 'vent'" in e for e in errs), errs
    errs = errors_of("name: a\nname: b\nstart: x\nsteps: []\n")
    assert any("pb.yaml:2:1: duplicate key 'name'" in e for e in errs), errs


def test_placeholders_other_than_name_are_errors():
    errs = errors_of(GOOD.replace("{name}", "{nmae}"))
    assert any("pb.yaml:6:11: unknown placeholder '{nmae}'; did you mean '{name}'?" in e for e in errs), errs


def test_every_error_at_once_sorted_by_line():
    text = edit("    to: done", "    to: dnoe").replace("{name}", "{x}").replace("start: listen", "start: lisen")
    errs = errors_of(text)
    assert len(errs) >= 3
    lines = [int(e.split(":")[1]) for e in errs]
    assert lines == sorted(lines)


def test_star_with_except_and_a_bad_except_name():
    text = GOOD + "  - from: '*'\n    except: [lisen]\n    to: done\n    when: {abuse: {kinds: [threat]}}\n"
    errs = errors_of(text)
    assert any("unknown step 'lisen'; did you mean 'listen'?" in e for e in errs), errs


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(PlaybookError) as info:
        load_playbook(tmp_path / "nope.yaml")
    assert str(tmp_path / "nope.yaml") + ":1:1: " in info.value.errors[0]
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"name: x\n\xff\xfe\n")
    with pytest.raises(PlaybookError) as info:
        load_playbook(binary)
    assert info.value.errors[0].startswith(f"{binary}:2:1: ")


def test_aliases_cannot_blow_up():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    errs = errors_of(bomb)
    assert any("too many values" in e for e in errs), errs


def test_a_wait_longer_than_the_step_can_last_never_fires():
    text = GOOD + (
        "  - {id: leave, from: vent, to: done, when: {time_in_step: 30}}\n"
        "  - {id: late, from: vent, to: listen, when: {all: [{time_in_step: 45}, {anger_above: 0.5}]}}\n"
    )
    errs = errors_of(text)
    assert any("this needs 45 s in step 'vent', but 'leave' always leaves it after 30 s" in e for e in errs), errs
    # a cooldown longer than the wait means 'leave' may be blocked on re-entry: then it is not an error
    pb = load_playbook_text(text.replace("when: {time_in_step: 30}}", "cooldown: 60, when: {time_in_step: 30}}"))
    assert "vent" in pb.steps


def test_a_timer_longer_than_the_step_can_last_is_an_error():
    text = GOOD.replace("    title: Let them vent\n", "    title: Let them vent\n    timers: [{id: t1, after: 90}]\n") + (
        "  - {id: leave, from: vent, to: done, when: {time_in_step: 30}}\n"
    )
    errs = errors_of(text)
    assert any("timer 't1' runs 90 s, but 'leave' always leaves step 'vent' after 30 s" in e for e in errs), errs
