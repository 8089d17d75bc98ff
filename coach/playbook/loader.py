"""Loading a playbook: safe YAML -> schema -> graph checks, every error as ``FILE:LINE:COL: ...``.

All problems are collected and raised together as one ``PlaybookError`` so a team
lead fixes a file in one go, not one error per run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from coach.errors import PlaybookError
from coach.playbook import model as m
from coach.playbook.checks import check_playbook, orphan_names, orphan_note
from coach.playbook.playbook import Playbook, build_playbook
from coach.playbook.suggest import closest, did_you_mean
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
    "cues": "cue",
    "abuse": "abuse kind",
}


def _all_keys() -> set[str]:
    """Every key a playbook may use (for "did you mean" on an unknown key)."""
    keys: set[str] = set()
    for obj in vars(m).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == m.__name__:
            keys.update(info.alias or name for name, info in obj.model_fields.items())
    return keys


_KEYS = _all_keys()

# The default playbook is about 15 kB. Hot reload reads and parses the file between two
# moments of a live call, so a huge file (a pasted log, a 50 MB comment) must be refused
# before it is read, not after seconds of parsing.
MAX_FILE_BYTES = 1_000_000


def size_error(where: str, size: int, what: str) -> str:
    return (
        f"{where}:1:1: the {what} is {_megabytes(size)}, over the {_megabytes(MAX_FILE_BYTES)} limit "
        f"(playbooks/default.yaml is about 15 kB); remove the large text (a pasted log or a long comment?) and keep notes elsewhere."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def read_text_file(path: Path, what: str = "playbook") -> str:
    """The UTF-8 text of a playbook (or scenario) file, refusing one over ``MAX_FILE_BYTES`` before reading it."""
    missing = {
        "playbook": "no such playbook file; check the path (the default is playbooks/default.yaml).",
        "scenario": "no such scenario file; check the path.",
    }
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise PlaybookError([size_error(str(path), size, what)])
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may grow after the stat
    except FileNotFoundError:
        raise PlaybookError([f"{path}:1:1: {missing.get(what, f'no such {what} file; check the path.')}"]) from None
    except IsADirectoryError:
        raise PlaybookError([f"{path}:1:1: this is a folder, not a {what} file; name a .yaml file."]) from None
    except OSError as exc:
        raise PlaybookError([f"{path}:1:1: cannot read the {what} ({exc.strerror}); check its permissions."]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise PlaybookError([size_error(str(path), len(raw), what)])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlaybookError([f"{path}:{line}:1: the file is not UTF-8 text; save it as UTF-8."]) from None


def load_playbook(path: str | Path) -> Playbook:
    """Load and check a playbook file; raises ``PlaybookError`` with every problem found."""
    path = Path(path)
    return load_playbook_text(read_text_file(path), str(path), _path=path)


def load_playbook_text(text: str, filename: str = "<string>", *, _path: Path | None = None) -> Playbook:
    """Load and check playbook YAML given as text (``filename`` is used in messages)."""
    if len(text) > MAX_FILE_BYTES // 4 and len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise PlaybookError([size_error(filename, len(text.encode("utf-8")), "playbook")])
    data, source = read_yaml(text, filename)
    if not isinstance(data, dict):
        raise PlaybookError([source.at((), "a playbook is a mapping with 'name', 'start', 'steps' and 'transitions'; start from playbooks/default.yaml.")])
    try:
        # strict: "0.6" is text, not a number, and yes/no are words, not booleans (as the guide and the JSON Schema say)
        spec = m.PlaybookSpec.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = _schema_errors(exc, source)
        raise PlaybookError(_sorted(errors + _raw_name_errors(data, source, errors))) from None
    errors = check_playbook(spec, source)
    if errors:
        raise PlaybookError(_sorted(errors))
    return build_playbook(spec, _path, text)


def _raw_name_errors(data: dict, source: SourceMap, already: list[str]) -> list[str]:
    """Unknown step names, found even when the schema failed (so one run shows all mistakes).

    Only valid ids are suggested. A name no step has and nothing comes close to ('vent') is
    most likely the step whose id is invalid ('Vent-Step'): it is named in that step's message
    instead of once per use.
    """
    steps = data.get("steps")
    if not isinstance(steps, list):
        return []
    ids = [(i, s.get("id")) for i, s in enumerate(steps) if isinstance(s, dict)]
    names = [x for _i, x in ids if isinstance(x, str) and _ID.match(x)]
    invalid = [i for i, x in ids if isinstance(x, str) and not _ID.match(x)]
    if not names and not invalid:
        return []
    known = set(names) | {x for _i, x in ids if isinstance(x, str)}  # a use of the invalid id itself is no second error
    taken = {e.split(": ", 1)[0] for e in already}  # positions that already have an error
    unknown: list[tuple[str, tuple, str]] = []

    def check(value: Any, path: tuple, what: str, star: bool = False) -> None:
        if not isinstance(value, str) or value in known or (star and value == "*"):
            return
        if source.at(path, "").split(": ", 1)[0] not in taken:
            unknown.append((value, path, f"unknown {what} '{value}'" + did_you_mean(value, names)))

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
    orphans = orphan_names(unknown, names) if invalid else {}
    if orphans:
        note = orphan_note(orphans, source)
        for i in invalid:
            prefix = source.at(("steps", i, "id"), "")
            for k, err in enumerate(already):
                if err.startswith(prefix) and "is not a valid id" in err:
                    already[k] = err.rstrip(".") + note
    return [source.at(path, message) for name, path, message in unknown if name not in orphans]


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _sorted(errors: list[str]) -> list[str]:
    def key(err: str) -> tuple[int, int, str]:
        match = re.search(r":(\d+):(\d+): ", err)
        return (int(match.group(1)), int(match.group(2)), err) if match else (0, 0, err)

    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=key)


_MEMBER = re.compile(r"^[a-z-]+\[.*\]$|^(float|int|str|bool|none)$")  # a union member pydantic adds to a location


def _clean(loc: tuple) -> tuple:
    """The location in the file: without the union members pydantic adds (``literal['none']``)."""
    return tuple(x for x in loc if not (isinstance(x, str) and _MEMBER.match(x)))


def _schema_errors(exc: ValidationError, source: SourceMap, keys: Any = None) -> list[str]:
    """One message per problem, with its position.

    ``keys``: the valid keys, for "did you mean" on an unknown one: a set, or a function of the
    location of the mapping that has the unknown key (its valid keys are then listed)."""
    keys = _KEYS if keys is None else keys
    raw = exc.errors(include_url=False)
    # A value that fails every member of a union (abuse: none | profanity | ...) is one problem, not one per member.
    merged: dict[tuple, dict] = {}
    for err in raw:
        loc = _clean(tuple(err["loc"]))
        if err["type"] == "literal_error" and loc in merged and merged[loc]["type"] == "literal_error":
            merged[loc]["expected"] += _expected(err)
            continue
        merged.setdefault(loc, {**err, "loc": loc, "expected": _expected(err) if err["type"] == "literal_error" else []})
    out = []
    for err in merged.values():
        loc = err["loc"]
        kind = err["type"]
        value = err.get("input")
        field = next((x for x in reversed(loc) if isinstance(x, str)), "")
        if kind == "extra_forbidden":
            here = keys(loc[:-1]) if callable(keys) else keys
            hint = did_you_mean(field, here, listing=callable(keys))
            fix = hint if hint != "." else "; remove it (see playbooks/README.md for the keys)."
            out.append(source.at(loc, f"unknown key '{field}'{fix}", key=True))
        elif kind == "missing":
            out.append(source.at(loc[:-1], f"missing '{field}'; add it."))
        elif kind == "literal_error":
            expected = sorted(dict.fromkeys(err["expected"]), key=lambda x: x != "none")
            noun = _NOUNS.get(str(loc[-2]) if isinstance(loc[-1], int) and len(loc) > 1 else field, field)
            if isinstance(value, (list, dict)):
                shape = "a list" if isinstance(value, list) else "a mapping"
                single = value[0] if isinstance(value, list) and len(value) == 1 else None
                best = single if single in expected else closest(single, expected)
                fix = f"write {field}: {best}" if best else "write one value alone, without [ ]"
                out.append(source.at(loc, f"'{field}' takes one value (one of {', '.join(expected)}), not {shape}; {fix}."))
            else:
                out.append(source.at(loc, f"unknown {noun} {_show(value)}" + did_you_mean(value, expected)))
        elif kind == "condition":
            out.append(_condition_error(loc, value, source))
        elif kind == "string_pattern_mismatch":
            out.append(source.at(loc, f"{field} {_show(value)} is not a valid id; use lower_snake_case letters, digits and _ (e.g. {_show(snake_case(value) or 'delegate_up')})."))
        elif kind in ("too_short",) and isinstance(value, list) and not value:
            out.append(source.at(loc, f"'{field}' is empty, so it never matches; list at least one item or remove it."))
        elif kind in ("float_type", "int_type", "bool_type", "string_type", "list_type", "model_type", "dict_type", "model_attributes_type"):
            out.append(source.at(loc, _type_problem(kind, field, value)))
        elif kind in _BOUNDS and isinstance(value, (int, float)) and not isinstance(value, bool):
            limit = next(iter((err.get("ctx") or {}).values()), None)
            out.append(source.at(loc, f"'{field}' is {value:g}, but it must be {_BOUNDS[kind]} {limit:g}; change it." if isinstance(limit, (int, float)) else f"'{field}' is out of range ({err['msg']})."))
        elif kind == "value_error" and (err.get("ctx") or {}).get("error") is not None:
            text = str(err["ctx"]["error"])
            out.append(source.at(loc, text[0].lower() + text[1:] + ("" if text.endswith(".") else ".")))
        else:
            msg = err["msg"]
            out.append(source.at(loc, f"{field}: {msg[0].lower() + msg[1:] if msg else 'invalid value'} (got {_show(value)})."))
    return out


_BOUNDS = {"greater_than_equal": "at least", "greater_than": "above", "less_than_equal": "at most", "less_than": "below"}


def _expected(err: dict) -> list[str]:
    return re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))


_WORDS_FOR_BOOLS = {"yes": "true", "on": "true", "y": "true", "no": "false", "off": "false", "n": "false"}


def _type_problem(kind: str, field: str, value: Any) -> str:
    """What is wrong with a value of the wrong type, and how to write it (the loader is strict, like the JSON Schema)."""
    name = f"'{field}'" if field else "this value"
    if isinstance(value, list) and kind not in ("list_type",):
        if len(value) == 1 and not isinstance(value[0], (list, dict)):
            return f"{name} takes one value, not a list; write {field}: {value[0]}"
        return f"{name} takes one value, not a list of {len(value)}; keep one."
    if kind in ("float_type", "int_type"):
        whole = kind == "int_type"
        number = "a whole number" if whole else "a number"
        if isinstance(value, str):
            try:
                parsed = float(value)
            except ValueError:
                return f"{name} is {number}, not the text {_show(value)}; write {number} such as {'5' if whole else '0.5'}, without quotes."
            if parsed == parsed and (not whole or parsed.is_integer()):  # not NaN
                return f"{name} is {number}, but {_show(value)} is text in quotes; write {value.strip()} without quotes."
            return f"{name} is {number}; write {round(parsed)} without quotes."
        if whole and isinstance(value, float) and value.is_integer():
            return f"{name} is a whole number; write {int(value)}, without '.0'."
        if whole and isinstance(value, float):
            return f"{name} is a whole number, not {value:g}; write e.g. {round(value)}."
        return f"{name} is {number}, not {_show(value)}."
    if kind == "bool_type":
        if isinstance(value, str) and value.strip().lower() in _WORDS_FOR_BOOLS:
            fix = _WORDS_FOR_BOOLS[value.strip().lower()]
            return f"{name} takes true or false; {_show(value)} is a word in a playbook (yes/no/on/off are not turned into true/false); write {field}: {fix}."
        return f"{name} takes true or false, not {_show(value)}; write {field}: true or {field}: false."
    if kind == "string_type":
        return f"{name} is text, not {_show(value)}; put it in quotes: {field}: \"{value}\"."
    if kind == "list_type":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return f"{name} is a list; write {field}: [{value}] (or one '- ' line per item)."
        return f"{name} is a list, not {_show(value)}; write {field}: [...] (or one '- ' line per item)."
    return f"{name} is a mapping of keys such as {{key: value}}, not {_show(value)}; see playbooks/README.md."


def snake_case(value: Any) -> str | None:
    """``'Vent-Step'`` -> ``'vent_step'`` (None when nothing valid is left)."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"[^a-z0-9_]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value.strip()).lower()).strip("_")
    text = re.sub(r"_+", "_", text).lstrip("0123456789_")
    return text[:60] or None


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
