"""``coach playbook check|test|graph|schema``: the team lead's tools for a playbook."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.errors import PlaybookError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "playbook",
        help="check, test, draw a playbook, or export its JSON Schema",
        description="Tools for team leads who tune a playbook (see playbooks/README.md).",
    )
    sub = parser.add_subparsers(dest="playbook_command", metavar="ACTION")
    sub.required = True

    p = sub.add_parser("check", help="validate playbook files; prints every FILE:LINE:COL problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("test", help="run scenarios (a team lead's unit tests) against a playbook")
    p.add_argument("playbook", metavar="PLAYBOOK")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files, or folders of them (*.yaml)")
    p.add_argument("-v", "--verbose", action="store_true", help="show the steps of passing scenarios too")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("graph", help="draw the steps and transitions (.svg, .png, .pdf or .dot)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="e.g. playbook.svg")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("schema", help="print (or write) the playbook JSON Schema for editors")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.set_defaults(func=cmd_schema)


def cmd_check(args: argparse.Namespace) -> int:
    from coach.playbook.loader import load_playbook

    failed = 0
    for name in args.files:
        try:
            playbook = load_playbook(name)
        except PlaybookError as err:
            failed += 1
            for line in err.errors:
                print(line, file=sys.stderr)
            print(f"{name}: {len(err.errors)} problem{'s' if len(err.errors) != 1 else ''}", file=sys.stderr)
        else:
            print(f"{name}: ok ({len(playbook.steps)} steps, {len(playbook.transitions)} transitions)")
    return 1 if failed else 0


def cmd_test(args: argparse.Namespace) -> int:
    from coach.playbook.loader import load_playbook
    from coach.playbook.scenario import load_scenario, run_scenario

    playbook = load_playbook(args.playbook)  # a broken playbook: PlaybookError, printed by the CLI
    failures = 0
    names = _scenario_files(args.scenarios)
    for name in names:
        if Path(name).is_dir():
            failures += 1
            print(f"ERROR {name}\n  {name}: no scenario files (*.yaml) in this folder")
            continue
        try:
            scenario = load_scenario(name)
            result = run_scenario(playbook, scenario)
        except PlaybookError as err:
            failures += 1
            print(f"ERROR {name}")
            for line in err.errors:
                print(f"  {line}")
            continue
        print(f"{'PASS' if result.passed else 'FAIL'} {name}: {scenario.name}")
        if not result.passed or args.verbose:
            print(result.message)
        failures += not result.passed
    total = len(names)
    print(f"{total - failures} of {total} scenario{'s' if total != 1 else ''} passed")
    return 1 if failures else 0


def _scenario_files(names: list[str]) -> list[str]:
    """Each SCENARIO as given; a folder stands for its *.yaml and *.yml files, sorted."""
    out: list[str] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(str(f) for f in path.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
            out.extend(found or [name])  # an empty folder is reported as an error below
        else:
            out.append(name)
    return out


def cmd_graph(args: argparse.Namespace) -> int:
    from coach.playbook.graph import write_graph
    from coach.playbook.loader import load_playbook

    out = write_graph(load_playbook(args.file), args.output)
    print(f"wrote {out}")
    return 0


def schema_text() -> str:
    from coach.playbook.model import json_schema

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def cmd_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0
