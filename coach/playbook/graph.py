"""A picture of a playbook: steps as boxes, transitions as labelled arrows (Graphviz DOT).

Transitions from ``'*'`` (every non-final step) would draw an arrow from every box;
they are drawn once, from a small "any step" node, so the picture stays readable. A transition
from several steps writes its condition on its first arrow and only its id on the others.
Top to bottom: a playbook reads from its start step down (left to right was six times wider
than high).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from coach.errors import CoachError
from coach.playbook.conditions import describe
from coach.playbook.playbook import Playbook


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 34) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return "\n".join(lines)


def to_dot(playbook: Playbook) -> str:
    spec = playbook.spec
    out = [
        "digraph playbook {",
        f"  label={_q(spec.name)}; labelloc=t; fontname=Helvetica;",
        "  rankdir=TB; node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f6fb\", fontname=Helvetica];",
        "  edge [fontname=Helvetica, fontsize=10];",
    ]
    for step in spec.steps:
        attrs = [f"label={_q(step.id + chr(10) + _wrap(step.title, 28))}"]
        if step.id == playbook.start:
            attrs.append('fillcolor="#d9f2d9", penwidth=2')
        if step.final:
            attrs.append('shape=doubleoctagon, fillcolor="#f9dcdc"')
        out.append(f"  {_q(step.id)} [{', '.join(attrs)}];")
    any_nodes = 0
    for raw, tr in zip(spec.transitions, playbook.transitions):
        label = _wrap(f"{tr.id} [{tr.priority}]: {describe(tr.when)}" if tr.priority else f"{tr.id}: {describe(tr.when)}")
        if "*" in raw.from_:
            any_nodes += 1
            node = f"any_{any_nodes}"
            text = "any step" + (f"\nexcept {', '.join(raw.except_)}" if raw.except_ else "")
            out.append(f"  {_q(node)} [label={_q(_wrap(text, 24))}, shape=plaintext, style=\"\"];")
            out.append(f"  {_q(node)} -> {_q(tr.to)} [label={_q(label)}, style=dashed];")
        else:
            for k, source in enumerate(raw.from_):  # the condition once; the other arrows of the transition carry its id
                out.append(f"  {_q(source)} -> {_q(tr.to)} [label={_q(label if k == 0 else tr.id)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def write_graph(playbook: Playbook, output: str | Path) -> Path:
    """Write the picture; ``.dot`` is written as text, ``.svg``/``.png``/``.pdf`` are rendered with ``dot``."""
    output = Path(output)
    fmt = output.suffix.lower().lstrip(".")
    dot_text = to_dot(playbook)
    if fmt in ("dot", "gv"):
        output.write_text(dot_text, encoding="utf-8")
        return output
    if fmt not in ("svg", "png", "pdf"):
        raise CoachError(f"Cannot draw {output}: the picture must end in .svg, .png, .pdf or .dot.")
    dot = shutil.which("dot")
    if dot is None:
        raise CoachError(f"Cannot draw {output}: the Graphviz 'dot' program is not installed; install it (apt-get install graphviz) or write .dot instead.")
    result = subprocess.run([dot, f"-T{fmt}", "-o", str(output)], input=dot_text.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CoachError(f"Graphviz could not draw {output}: {message[-1] if message else 'unknown error'}.")
    return output
