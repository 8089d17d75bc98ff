"""Loading a playbook: safe YAML -> schema -> graph checks, every error as ``FILE:LINE:COL: ...``.

All problems are collected and raised together as one ``PlaybookError`` so a team
lead fixes a file in one go, not one error per run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from coach.errors import PlaybookError
from coach.playbook import model as m
from coach.playbook.checks import check_playbook
from coach.playbook.playbook import Playbook, build_playbook
from coach.playbook.suggest import did_you_mean
from coach.playbook.yamlsource import SourceMap, read_yaml

_NOUNS = {
    "cue": "cue",
    "kinds": "abuse kind",
    "action": "agent action",
    "speaker": "speaker",
    "sentiment": "sentiment",
    "since": "'since' value",
    "level": "alert level",
    "version": "playbook version",
}


def _all_keys() -> set[str]:
    """Every key a playbook may use (for "did you mean" on an unknown key)."""
    keys: set[str] = set()
    for obj in vars(m).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == m.__name__:
            keys.update(info.alias or name for name, info in obj.model_fields.items())
    return keys


_KEYS = _all_keys()


def load_playbook(path: str | Path) -> Playbook:
    """Load and check a playbook file; raises ``PlaybookError`` with every problem found."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlaybookError([f"{path}:1:1: no such playbook file; check the path (the default is playbooks/default.yaml)."]) from None
    except IsADirectoryError:
        raise PlaybookError([f"{path}:1:1: this is a folder, not a playbook file; name a .yaml file."]) from None
    except OSError as exc:
        raise PlaybookError([f"{path}:1:1: cannot read the playbook ({exc.strerror}); check its permissions."]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlaybookError([f"{path}:{line}:1: the file is not UTF-8 text; save it as UTF-8."]) from None
    return load_playbook_text(text, str(path), _path=path)


def load_playbook_text(text: str, filename: str = "<string>", *, _path: Path | None = None) -> Playbook:
    """Load and check playbook YAML given as text (``filename`` is used in messages)."""
    data, source = read_yaml(text, filename)
    if not isinstance(data, dict):
        raise PlaybookError([source.at((), "a playbook is a mapping with 'name', 'start', 'steps' and 'transitions'; start from playbooks/default.yaml.")])
    try:
        spec = m.PlaybookSpec.model_validate(data)
    except ValidationError as exc:
        errors = _schema_errors(exc, source)
        raise PlaybookError(_sorted(errors + _raw_name_errors(data, source, errors))) from None
    errors = check_playbook(spec, source)
    if errors:
        raise PlaybookError(_sorted(errors))
    return build_playbook(spec, _path, text)


def _raw_name_errors(data: dict, source: SourceMap, already: list[str]) -> list[str]:
    """Unknown step names, found even when the schema failed (so one run shows all mistakes)."""
    steps = data.get("steps")
    if not isinstance(steps, list):
        return []
    names = [s["id"] for s in steps if isinstance(s, dict) and isinstance(s.get("id"), str)]
    if not names:
        return []
    taken = {e.split(": ", 1)[0] for e in already}  # positions that already have an error
    out = []

    def check(value: Any, path: tuple, what: str, star: bool = False) -> None:
        if not isinstance(value, str) or value in names or (star and value == "*"):
            return
        message = source.at(path, f"unknown {what} '{value}'" + did_you_mean(value, names))
        if message.split(": ", 1)[0] not in taken:
            out.append(message)

    check(data.get("start"), ("start",), "start step")
    transitions = data.get("transitions")
    for i, t in enumerate(transitions if isinstance(transitions, list) else []):
        if not isinstance(t, dict):
            continue
        check(t.get("to"), ("transitions", i, "to"), "target step")
        for key in ("from", "except"):
            value = t.get(key)
            if isinstance(value, str):
                check(value, ("transitions", i, key), "step", star=True)
            elif isinstance(value, list):
                for j, item in enumerate(value):
                    check(item, ("transitions", i, key, j), "step", star=True)
    return out


def _sorted(errors: list[str]) -> list[str]:
    def key(err: str) -> tuple[int, int, str]:
        match = re.search(r":(\d+):(\d+): ", err)
        return (int(match.group(1)), int(match.group(2)), err) if match else (0, 0, err)

    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=key)


def _schema_errors(exc: ValidationError, source: SourceMap) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        value = err.get("input")
        field = next((x for x in reversed(loc) if isinstance(x, str)), "")
        if kind == "extra_forbidden":
            hint = did_you_mean(field, _KEYS, listing=False)
            fix = hint if hint != "." else "; remove it (see playbooks/README.md for the keys)."
            out.append(source.at(loc, f"unknown key '{field}'{fix}", key=True))
        elif kind == "missing":
            out.append(source.at(loc[:-1], f"missing '{field}'; add it."))
        elif kind == "literal_error":
            expected = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
            noun = _NOUNS.get(field if not isinstance(loc[-1], int) else str(loc[-2]), field)
            if isinstance(loc[-1], int) and len(loc) > 1:
                noun = _NOUNS.get(str(loc[-2]), str(loc[-2]))
            out.append(source.at(loc, f"unknown {noun} {_show(value)}" + did_you_mean(value, expected)))
        elif kind == "condition":
            out.append(_condition_error(loc, value, source))
        elif kind == "string_pattern_mismatch":
            out.append(source.at(loc, f"{field} {_show(value)} is not a valid id; use lower_snake_case letters, digits and _ (e.g. 'delegate_up')."))
        elif kind in ("too_short",) and isinstance(value, list) and not value:
            out.append(source.at(loc, f"'{field}' is empty, so it never matches; list at least one item or remove it."))
        else:
            msg = err["msg"]
            out.append(source.at(loc, f"{field}: {msg[0].lower() + msg[1:] if msg else 'invalid value'} (got {_show(value)})."))
    return out


def _condition_error(loc: tuple, value: Any, source: SourceMap) -> str:
    kinds = m.CONDITION_KINDS
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        return source.at(loc + (key,), f"unknown condition '{key}'" + did_you_mean(key, kinds), key=True)
    if isinstance(value, dict) and len(value) > 1:
        listed = ", ".join(str(k) for k in value)
        return source.at(loc, f"a condition has exactly one key but this one has {listed}; combine them with 'all: [...]' or 'any: [...]'.")
    if isinstance(value, dict):
        return source.at(loc, "this condition is empty; write one, e.g. {cue: supervisor_request}.")
    return source.at(loc, f"a condition must be a mapping such as {{cue: supervisor_request}}, not {_show(value)}; see the condition reference in playbooks/README.md.")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
