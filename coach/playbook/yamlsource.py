"""Safe YAML reading that remembers where every value came from.

Why not ``yaml.safe_load``: it turns ``on``/``off``/``yes``/``no`` into booleans (a
step called ``on`` would silently become ``True``) and forgets line numbers, so a
mistake could only be reported as "somewhere in the file". Here a ``SafeLoader``
subclass resolves booleans the YAML 1.2 way (only ``true``/``false``), the document
is *composed* into nodes, and the plain Python data is built by hand while every
value's position is recorded under its path (``("steps", 2, "say", 0)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.reader import ReaderError

from coach.errors import PlaybookError

Path_ = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Mark:
    line: int  # 1-based
    col: int  # 1-based


class StrictBoolLoader(yaml.SafeLoader):
    """A SafeLoader whose booleans are only ``true``/``false`` (YAML 1.2), never ``on``/``yes``."""


# Drop the YAML 1.1 bool resolver and add a 1.2 one.
StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass
class SourceMap:
    """Positions of values (``values``) and of mapping keys (``keys``) by path."""

    filename: str
    values: dict[Path_, Mark]
    keys: dict[Path_, Mark]
    budget: int = 50_000  # values left to build: aliases must not expand into millions

    def where(self, path: Path_, *, key: bool = False) -> Mark:
        """The position of the deepest known prefix of ``path`` (unknown elements are skipped)."""
        best: Path_ = ()
        current: Path_ = ()
        for element in path:
            candidate = current + (element,)
            if candidate in self.values:
                current = candidate
                best = current
        if key and best in self.keys and path and best[-1] == path[-1]:
            return self.keys[best]
        return self.values.get(best, Mark(1, 1))

    def at(self, path: Path_, message: str, *, key: bool = False) -> str:
        mark = self.where(path, key=key)
        return f"{self.filename}:{mark.line}:{mark.col}: {message}"


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "ESC", 0x7F: "DEL"}


def position_of(text: str, index: int) -> Mark:
    """The 1-based line and column of character ``index`` of ``text``."""
    index = max(0, min(index, len(text)))
    line_start = text.rfind("\n", 0, index) + 1
    return Mark(text.count("\n", 0, index) + 1, index - line_start + 1)


def read_yaml(text: str, filename: str, *, what: str = "playbook", empty: str | None = None) -> tuple[Any, SourceMap]:
    """Parse ``text`` into plain data plus a ``SourceMap``; YAML errors become ``PlaybookError``.

    ``what`` names the kind of file in messages ("playbook", "scenario"); ``empty`` is the
    message for a file with no content (default: start from playbooks/default.yaml).
    """
    source = SourceMap(filename, {}, {})
    try:
        loader = StrictBoolLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else f"{filename}:1:1"
        what_wrong = " ".join(str(exc.problem or exc.context or "cannot be read").split())
        raise PlaybookError([f"{where}: YAML syntax error: {what_wrong}; fix the indentation or quoting there."]) from None
    except ReaderError as exc:  # a control character (NUL, BEL, ...) YAML does not allow
        mark = position_of(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        name = _CONTROL_NAMES.get(code, "control character")
        raise PlaybookError(
            [f"{filename}:{mark.line}:{mark.col}: the file contains a control character (U+{code:04X}, {name}) that YAML does not allow; delete it (an editor that shows invisible characters helps)."]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = " ".join(str(exc).split())
        raise PlaybookError([f"{filename}:{line}:{col}: the file is not valid YAML text ({detail}); save it as plain UTF-8 text."]) from None
    if node is None:
        if empty is None:
            empty = f"the {what} is empty; start from playbooks/default.yaml."
        raise PlaybookError([f"{filename}:1:1: {empty}"])
    errors: list[str] = []
    data = _build(node, (), source, errors, StrictBoolLoader(""), depth=0, what=what)
    if errors:
        raise PlaybookError(errors)
    return data, source


_MAX_DEPTH = 60


def _build(node: yaml.Node, path: Path_, source: SourceMap, errors: list[str], constructor: yaml.SafeLoader, depth: int, what: str = "playbook") -> Any:
    source.values[path] = _mark(node)
    source.budget -= 1
    if source.budget == 0:
        errors.append(source.at(path, f"the YAML expands to too many values (aliases?); a {what} is a few hundred lines."))
    if source.budget <= 0:
        return None
    if depth > _MAX_DEPTH:
        errors.append(source.at(path, f"the YAML is nested too deeply; a {what} needs only a few levels."))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.MappingNode | yaml.SequenceNode):
                source.values[path + ("?",)] = _mark(key_node)
                errors.append(source.at(path + ("?",), "a key must be a plain word, not a list or mapping."))
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                source.values[path + ("<<",)] = _mark(key_node)
                errors.append(source.at(path + ("<<",), f"merge keys (<<) are not supported in a {what}; write the values out."))
                continue
            key = _scalar(key_node, path, source, errors, constructor)
            if not isinstance(key, str):
                key = str(key)
            child = path + (key,)
            if key in out:
                source.values[child + ("dup",)] = _mark(key_node)
                errors.append(source.at(child + ("dup",), f"duplicate key '{key}'; keep only one."))
            source.keys[child] = _mark(key_node)
            out[key] = _build(value_node, child, source, errors, constructor, depth + 1, what)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), source, errors, constructor, depth + 1, what) for i, item in enumerate(node.value)]
    return _scalar(node, path, source, errors, constructor)


def _scalar(node: yaml.Node, path: Path_, source: SourceMap, errors: list[str], constructor: yaml.SafeLoader) -> Any:
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        source.values.setdefault(path, _mark(node))
        errors.append(source.at(path, f"this value cannot be read ({getattr(exc, 'problem', exc)}); quote it."))
        return None
    except (ValueError, OverflowError, TypeError) as exc:
        source.values.setdefault(path, _mark(node))
        errors.append(source.at(path, f"this value cannot be read ({exc}); quote it."))
        return None
