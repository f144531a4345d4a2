"""solution.py: the one source of a lab's notebooks, as a Python script in percent format.

A lab's solution is written once. ``solution.py`` is a Jupytext percent-format script
(``# %% [markdown]`` text cells, ``# %%`` code cells) that runs top to bottom as the
reference solution. Inside a code cell, two kinds of block tell the learner's notebook apart
from the solved one (nbgrader and otter-grader mark solutions the same way)::

    # BEGIN SOLUTION
    ami_id = ssm.get_parameter(Name=param)["Parameter"]["Value"]
    # END SOLUTION
    # BEGIN STARTER
    # # TODO: look up the AMI id
    # ami_id = None
    # END STARTER

Solution lines appear only in solution.ipynb; starter lines are comments here (so the
script stays the solution) and appear, uncommented, only in lab.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.errors import LabDefinitionError

BEGIN_SOLUTION, END_SOLUTION = "# BEGIN SOLUTION", "# END SOLUTION"
BEGIN_STARTER, END_STARTER = "# BEGIN STARTER", "# END STARTER"
_MARKERS = {BEGIN_SOLUTION: END_SOLUTION, BEGIN_STARTER: END_STARTER}

CellKind = Literal["markdown", "code"]


@dataclass(frozen=True)
class SourceCell:
    """One cell of solution.py; code cells keep their markers (see ``audience_code``)."""

    kind: CellKind
    text: str

    @property
    def has_solution(self) -> bool:
        return BEGIN_SOLUTION in self.text or BEGIN_STARTER in self.text


def check_markers(path: Path, text: str) -> None:
    """Raise ``file:line`` errors for unbalanced or nested solution/starter blocks."""
    open_marker: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped in _MARKERS:
            if open_marker:
                raise LabDefinitionError(
                    f"{path}:{number}: {stripped!r} inside the {open_marker[0]!r} block opened "
                    f"on line {open_marker[1]}; close it first.")
            open_marker = (stripped, number)
        elif stripped in _MARKERS.values():
            if not open_marker or _MARKERS[open_marker[0]] != stripped:
                raise LabDefinitionError(f"{path}:{number}: {stripped!r} without its BEGIN.")
            open_marker = None
        elif open_marker and open_marker[0] == BEGIN_STARTER and stripped and \
                not stripped.startswith("#"):
            raise LabDefinitionError(
                f"{path}:{number}: starter lines must be comments ('# x = None'), so that "
                "solution.py still runs as the solution.")
        elif stripped.startswith("# %%") and open_marker:
            raise LabDefinitionError(
                f"{path}:{number}: a new cell starts inside the block opened on line "
                f"{open_marker[1]}.")
    if open_marker:
        raise LabDefinitionError(
            f"{path}:{open_marker[1]}: {open_marker[0]!r} is never closed.")


def read_source(path: Path) -> list[SourceCell]:
    """The cells of a lab's solution.py (markers checked)."""
    import jupytext

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabDefinitionError(f"{path}: cannot read it ({exc}).") from exc
    check_markers(path, text)
    notebook = jupytext.reads(text, fmt="py:percent")
    cells = [SourceCell("markdown" if c.cell_type == "markdown" else "code", c.source)
             for c in notebook.cells if c.source.strip()]
    if not cells or cells[0].kind != "markdown":
        raise LabDefinitionError(
            f"{path}:1: solution.py must start with a '# %% [markdown]' cell: the lab's intro.")
    return cells


def audience_code(text: str, solved: bool) -> str:
    """A code cell as the solved notebook (``solved``) or the learner's starter shows it."""
    out: list[str] = []
    block: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in _MARKERS:
            block = stripped
        elif stripped in _MARKERS.values():
            block = None
        elif block == BEGIN_SOLUTION:
            if solved:
                out.append(line)
        elif block == BEGIN_STARTER:
            if not solved:
                out.append(_uncomment(line))
        else:
            out.append(line)
    return "\n".join(out)


def _uncomment(line: str) -> str:
    body = line.lstrip()
    indent = line[: len(line) - len(body)]
    if body.startswith("# "):
        return indent + body[2:]
    return indent + body[1:]
