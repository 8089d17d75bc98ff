"""``coach playbook check|test|graph|schema`` as a team lead runs them."""

from __future__ import annotations

import json
import shutil

import pytest

from coach.cli import main
from coach.paths import DEFAULT_PLAYBOOK, PLAYBOOKS_DIR
from coach.playbook.commands import schema_text

SCENARIOS = sorted((PLAYBOOKS_DIR / "scenarios").glob("*.yaml"))
BROKEN = """\
name: broken
start: lisen
steps:
  - id: listen
    title: Listen
transitions:
  - from: listen
    to: vnet
    when: {cue: supervisor_requst}
"""


def test_check_valid_file(capsys):
    assert main(["playbook", "check", str(DEFAULT_PLAYBOOK)]) == 0
    assert "ok (" in capsys.readouterr().out


def test_check_prints_every_error_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    assert main(["playbook", "check", str(DEFAULT_PLAYBOOK), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:9:17: unknown cue 'supervisor_requst'; did you mean 'supervisor_request'?" in err
    # step names are checked in the same run, even though the schema failed
    assert f"{bad}:2:8: unknown start step 'lisen'; did you mean 'listen'?" in err
    assert f"{bad}:8:9: unknown target step 'vnet'" in err
    assert "Traceback" not in err


def test_check_reports_graph_errors_after_schema_is_fixed(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN.replace("supervisor_requst", "supervisor_request"))
    assert main(["playbook", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:8: unknown start step 'lisen'; did you mean 'listen'?" in err
    assert f"{bad}:8:9: unknown target step 'vnet'" in err
    # the transition from 'listen' is its way out once its target is fixed: no "no way out" on top
    assert "no way out" not in err
    assert "2 problems" in err


def test_schema_file_is_up_to_date():
    committed = (PLAYBOOKS_DIR / "playbook.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: coach playbook schema -o playbooks/playbook.schema.json"


def test_default_playbook_has_the_schema_modeline():
    assert DEFAULT_PLAYBOOK.read_text().startswith("# yaml-language-server: $schema=playbook.schema.json")


def test_schema_accepts_the_default_playbook_and_flags_a_typo(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(schema_text())
    data = yaml.load(DEFAULT_PLAYBOOK.read_text(), Loader=__import__("coach.playbook.yamlsource", fromlist=["x"]).StrictBoolLoader)
    jsonschema.validate(data, schema)
    data["transitions"][0]["when"] = {"cue": "supervisor_requst"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_schema_command_writes_a_file(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["playbook", "schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["title"] == "coach playbook"


def test_graph_dot_and_svg(tmp_path):
    dot = tmp_path / "pb.dot"
    assert main(["playbook", "graph", str(DEFAULT_PLAYBOOK), "-o", str(dot)]) == 0
    text = dot.read_text()
    assert text.startswith("digraph playbook {")
    assert '"vent" -> "summarize"' in text and '"draw_the_line"' in text
    # a transition from several steps writes its condition once (thanked leaves three steps)
    thanked = [line for line in text.splitlines() if "-> \"follow_up\"" in line and "thanked" in line]
    assert len(thanked) == 3 and sum("customer said thank" in line for line in thanked) == 1
    assert "someone spoke in the last 15 s" in text.replace("\\n", " ")  # calm_start's 'not silence', in words
    if shutil.which("dot"):
        svg = tmp_path / "pb.svg"
        assert main(["playbook", "graph", str(DEFAULT_PLAYBOOK), "-o", str(svg)]) == 0
        assert "<svg" in svg.read_text()


def test_graph_without_dot_is_one_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["playbook", "graph", str(DEFAULT_PLAYBOOK), "-o", str(tmp_path / "pb.png")]) != 0
    err = capsys.readouterr().err
    assert "Graphviz 'dot' program is not installed" in err and len(err.strip().splitlines()) == 1


def test_graph_of_an_invalid_playbook_fails_with_positions(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    assert main(["playbook", "graph", str(bad), "-o", str(tmp_path / "x.dot")]) == 1
    assert f"{bad}:9:17:" in capsys.readouterr().err


def test_test_command_fails_with_a_readable_diff(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: expects the wrong thing\n"
        "events:\n"
        "  - {t: 3, speaker: customer, text: I want your manager, anger: 0.3, cues: [supervisor_request]}\n"
        "expect:\n"
        "  steps: [listen, draw_the_line]\n"
        "  never: [delegate_up]\n"
    )
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(scenario)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {scenario}" in out
    assert "expected 'draw_the_line' after 'listen', never reached" in out
    assert "'delegate_up' must never appear, but it did at 00:03" in out
    assert "+ 00:00  listen" in out and "! 00:03  delegate_up" in out
    assert "0 of 1 scenario passed" in out


def test_test_command_rejects_unknown_steps_in_a_scenario(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: typo\nevents:\n  - {t: 1, action: hold}\nexpect:\n  never: [draw_the_lin]\n")
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(scenario)]) == 1
    out = capsys.readouterr().out
    assert f"{scenario}:5:11: the playbook has no step 'draw_the_lin'; did you mean 'draw_the_line'?" in out


def test_explicit_signal_scenarios_pass(capsys):
    explicit = [p for p in SCENARIOS if "anger:" in p.read_text()]
    assert len(explicit) >= 3
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), *map(str, explicit)]) == 0, capsys.readouterr().out


@pytest.mark.slow
def test_every_shipped_scenario_passes_with_the_real_classifier(capsys):
    assert len(SCENARIOS) >= 6
    rc = main(["playbook", "test", str(DEFAULT_PLAYBOOK), *map(str, SCENARIOS)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert f"{len(SCENARIOS)} of {len(SCENARIOS)} scenarios passed" in out


@pytest.mark.slow
def test_every_rule_of_the_default_playbook_fires_in_a_shipped_scenario():
    """The scenarios are the default playbook's unit tests: each transition is taken in at least one."""
    from coach.playbook.loader import load_playbook
    from coach.playbook.scenario import load_scenario, run_scenario

    playbook = load_playbook(DEFAULT_PLAYBOOK)
    fired = {s.transition for path in SCENARIOS for s in run_scenario(playbook, load_scenario(path)).steps}
    assert {tr.id for tr in playbook.transitions} - fired == set()


def test_a_broken_scenario_is_reported_with_positions(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: broken\n"
        "events:\n"
        "  - {t: 5, speaker: customer, text: hello}\n"
        "  - {t: 2, speaker: custmer, text: hi}\n"
        "expect: {steps: [listen]}\n"
    )
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(scenario)]) == 1
    out = capsys.readouterr().out
    assert f"ERROR {scenario}" in out
    assert f"{scenario}:4:21: unknown speaker 'custmer'; did you mean 'customer'?" in out


def test_scenario_events_must_be_in_time_order(tmp_path):
    from coach.errors import PlaybookError
    from coach.playbook.scenario import load_scenario_text

    with pytest.raises(PlaybookError) as info:
        load_scenario_text("name: x\nevents:\n  - {t: 5, action: hold}\n  - {t: 2, action: back_from_hold}\nexpect: {}\n", "s.yaml")
    assert info.value.errors[0].startswith("s.yaml:4:9: events must be in time order")


def test_run_scenario_returns_steps_with_times_and_reasons():
    from coach.playbook import load_playbook
    from coach.playbook.scenario import load_scenario_text, run_scenario

    scenario = load_scenario_text(
        "name: x\nevents:\n  - {t: 3, speaker: customer, text: I will hurt you, anger: 0.9, abuse: threat}\n"
        "expect: {steps: [listen, warn_threat], never: [warn_abuse]}\n"
    )
    result = run_scenario(load_playbook(DEFAULT_PLAYBOOK), scenario)
    assert result.passed, result.message
    assert [(s.t, s.step) for s in result.steps] == [(0.0, "listen"), (3.0, "warn_threat")]
    assert "threat" in result.steps[1].reason


def test_a_step_that_comes_too_late_fails(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: late\nevents:\n  - {t: 40, speaker: customer, text: manager please, anger: 0.3, cues: [supervisor_request]}\n"
        "expect:\n  steps: [listen, {step: delegate_up, by: 30}]\n"
    )
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(scenario)]) == 1
    assert "expected 'delegate_up' by 00:30, but it came at 00:40" in capsys.readouterr().out
    scenario.write_text(scenario.read_text().replace("by: 30", "by: 40"))
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(scenario)]) == 0


def test_test_command_takes_a_folder_of_scenarios(tmp_path, capsys):
    for path in SCENARIOS[:2]:
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "notes.txt").write_text("not a scenario")
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 scenarios passed" in out and "notes.txt" not in out, out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(empty)]) == 1
    assert "no scenario files (*.yaml) in this folder" in capsys.readouterr().out


def scenario_errors(text: str) -> list[str]:
    from coach.errors import PlaybookError
    from coach.playbook.scenario import load_scenario_text

    with pytest.raises(PlaybookError) as info:
        load_scenario_text(text, "s.yaml")
    return list(info.value.errors)


def test_a_list_where_a_scenario_takes_one_abuse_kind_is_one_clear_error():
    (err,) = scenario_errors("name: x\nevents:\n  - {t: 8, speaker: customer, text: You idiot, anger: 0.7, abuse: [insult]}\nexpect: {}\n")
    assert err == "s.yaml:3:67: 'abuse' takes one value (one of none, profanity, insult, threat), not a list; write abuse: insult.", err
    (err,) = scenario_errors("name: x\nevents:\n  - {t: 8, speaker: customer, text: You idiot, abuse: insults}\nexpect: {}\n")
    assert err.startswith("s.yaml:3:55: unknown abuse kind 'insults'; did you mean 'insult'?"), err
    assert "literal" not in err


def test_an_empty_scenario_speaks_of_scenarios():
    (err,) = scenario_errors("# nothing yet\n")
    assert err.startswith("s.yaml:1:1: the scenario is empty;") and "playbook" not in err.split(";")[0], err
    assert "playbooks/scenarios/" in err


def test_an_unknown_key_in_a_scenario_suggests_scenario_keys():
    errs = scenario_errors("name: x\nevents:\n  - {t: 1, action: hold}\nexpect: {steps: [listen], sometimes: [x]}\ntimers: 3\n")
    assert "s.yaml:4:27: unknown key 'sometimes'; use one of: never, steps." in errs, errs
    assert "s.yaml:5:1: unknown key 'timers'; use one of: description, events, expect, name, tick, until." in errs, errs


def test_a_quoted_number_in_a_scenario_is_an_error():
    (err,) = scenario_errors('name: x\nevents:\n  - {t: "8", action: hold}\nexpect: {}\n')
    assert err == "s.yaml:3:9: 't' is a number, but '8' is text in quotes; write 8 without quotes.", err


def test_an_override_to_an_unknown_step_has_a_position(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: override\nevents:\n  - {t: 5, action: override, step: vnet}\nuntil: 10\nexpect:\n  steps: [listen]\n")
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(scenario)]) == 1
    out = capsys.readouterr().out
    assert f"{scenario}:3:36: the playbook has no step 'vnet' to override to; did you mean 'vent'?" in out, out


def test_a_scenario_over_the_size_limit_is_refused(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: big\n# " + "x" * 1_100_000 + "\nevents:\n  - {t: 1, action: hold}\nexpect: {}\n")
    assert main(["playbook", "test", str(DEFAULT_PLAYBOOK), str(scenario)]) == 1
    assert f"{scenario}:1:1: the scenario is 1.1 MB, over the 1.0 MB limit" in capsys.readouterr().out


def test_check_says_ok_only_for_a_playbook_without_traps_and_shadowed_rules(tmp_path, capsys):
    """The review's case: a new 'refund' step only the '*' transitions leave, and a refund rule
    'solution_offered' always beats (priority 5, the same cue, from the same step)."""
    text = DEFAULT_PLAYBOOK.read_text(encoding="utf-8")
    if "  - id: solution_offered\n" not in text:
        pytest.skip("the default playbook no longer has solution_offered")
    text = text.replace("\ntransitions:\n", "\n  - id: refund\n    title: Offer a refund\n\ntransitions:\n"
                        "  - {id: wants_refund, from: ask_solution, to: refund, when: {cue: solution_proposal}}\n", 1)
    team = tmp_path / "team.yaml"
    team.write_text(text)
    assert main(["playbook", "check", str(team)]) == 1
    err = capsys.readouterr().err
    assert "step 'refund' has no way out of its own: only the call-wide transitions (from: '*': " in err, err
    assert "'wants_refund' never fires: 'solution_offered' (priority 5 over 0)" in err, err
    assert "2 problems" in err
