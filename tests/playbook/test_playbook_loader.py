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
    assert len(errs) == 1, errs  # not also "'late' never fires: 'leave' wins" (one cause, one message)
    # a cooldown longer than the wait means 'leave' may be blocked on re-entry: then it is not an error
    # ('leave' goes back to 'listen', and 'listen_to_vent' can bring the call back to 'vent' at once)
    text = text.replace("{id: leave, from: vent, to: done, when: {time_in_step: 30}}", "{id: leave, from: vent, to: listen, cooldown: 60, when: {time_in_step: 30}}")
    pb = load_playbook_text(text)
    assert "vent" in pb.steps


def test_a_timer_longer_than_the_step_can_last_is_an_error():
    text = GOOD.replace("    title: Let them vent\n", "    title: Let them vent\n    timers: [{id: t1, after: 90}]\n") + (
        "  - {id: leave, from: vent, to: done, when: {time_in_step: 30}}\n"
    )
    errs = errors_of(text)
    assert any("timer 't1' runs 90 s, but 'leave' always leaves step 'vent' after 30 s" in e for e in errs), errs


def test_a_control_character_is_reported_at_its_line_and_column_on_one_line():
    text = GOOD.replace("    title: Let them vent\n", '    title: "Let them\avent"\n')
    (err,) = errors_of(text)
    assert err.startswith("pb.yaml:8:21: the file contains a control character (U+0007, BEL)"), err
    assert "position" not in err and "\n" not in err
    (err,) = errors_of(GOOD + "# a comment with a NUL \0 in it\n")
    assert err.startswith("pb.yaml:19:24: the file contains a control character (U+0000, NUL)"), err


def test_a_playbook_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    from coach.playbook import loader

    big = tmp_path / "big.yaml"
    big.write_text(GOOD + "# " + "x" * 1_200_000 + "\n")
    monkeypatch.setattr(loader, "read_yaml", lambda *a, **k: pytest.fail("a file over the limit must not be parsed"))
    with pytest.raises(PlaybookError) as info:
        load_playbook(big)
    (err,) = info.value.errors
    assert err.startswith(f"{big}:1:1: the playbook is 1.2 MB, over the 1.0 MB limit"), err
    assert "remove the large text" in err
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(big.read_text(), "big.yaml")
    assert "over the 1.0 MB limit" in info.value.errors[0]


def test_hot_reload_refuses_a_file_over_the_size_limit_without_reading_it(tmp_path, monkeypatch):
    import builtins
    import os

    from coach.playbook import PlaybookWatcher

    path = tmp_path / "pb.yaml"
    path.write_text(GOOD)
    watcher = PlaybookWatcher(path)
    path.write_text(GOOD + "# " + "x" * 2_000_000 + "\n")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    real_open = builtins.open

    def no_reading(file, *args, **kwargs):
        assert str(file) != str(path), "an oversized playbook must be refused from its size alone"
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_reading)
    with pytest.raises(PlaybookError) as info:
        watcher.poll()
    (err,) = info.value.errors
    assert "the playbook is 2.0 MB, over the 1.0 MB limit" in err and "the last good one keeps running" in err
    assert watcher.playbook.steps["listen"].title == "Listen"
    assert watcher.poll() is None  # reported once per change


@pytest.mark.parametrize(
    "old, new, position, words",
    [
        ("{anger_above: 0.5}", '{anger_above: {level: "0.5", for: 10}}', "pb.yaml:15:33: ", "'level' is a number, but '0.5' is text in quotes; write 0.5 without quotes."),
        ("{anger_above: 0.5}", '{anger_above: {level: 0.5, for: "45"}}', "pb.yaml:15:43: ", "'for' is a number, but '45' is text in quotes; write 45 without quotes."),
        ("{anger_above: 0.5}", '{anger_above: "0.5"}', "pb.yaml:15:25: ", "write 0.5 without quotes."),
        ("    final: true\n", "    final: yes\n", "pb.yaml:11:12: ", "'final' takes true or false; 'yes' is a word in a playbook"),
        ("    final: true\n", "    final: on\n", "pb.yaml:11:12: ", "write final: true."),
        ("    to: vent\n", "    to: vent\n    priority: 5.0\n", "pb.yaml:15:15: ", "'priority' is a whole number; write 5, without '.0'."),
        ("    to: vent\n", '    to: vent\n    cooldown: "20"\n', "pb.yaml:15:15: ", "write 20 without quotes."),
        ('    say: ["I hear you, {name}."]\n', '    say: "I hear you, {name}."\n', "pb.yaml:6:10: ", "'say' is a list"),
    ],
)
def test_values_of_the_wrong_type_are_errors_that_say_how_to_write_them(old, new, position, words):
    (err,) = errors_of(edit(old, new))
    assert err.startswith(position) and words in err, err


def test_a_list_where_one_value_goes_is_one_error():
    (err,) = errors_of(edit("{cue: supervisor_request}", "{cue: {cue: supervisor_request, since: [call]}}"))
    assert "'since' takes one value (one of step, call), not a list; write since: call." in err, err
