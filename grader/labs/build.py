"""The one notebook-build step: solution.py -> lab.ipynb (learner) and solution.ipynb.

Every notebook a learner or a test sees is made here, so variants (a challenge notebook
without instructions, per-student values) are a ``Transform`` passed in, never a second
builder. Cell 0 connects to the sandbox and the last cell shows "Check my work"; both are
added here, so solution.py holds only what is particular to the lab.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.checks import resolve
from grader.labs.challenge import challenge_cells
from grader.labs.model import Lab
from grader.labs.source import SourceCell, audience_code, read_source

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
NOTEBOOKS = {"lab.ipynb": False, "solution.ipynb": True}  # file name -> solved?

Transform = Callable[[list[SourceCell]], list[SourceCell]]

# Said once in every lab, at the end of its intro: how to recover from a re-run or a mess.
START_OVER = (
    "**Re-running a cell** that creates something fails with one line such as \"already "
    "exists\": the resource is there, so keep going. **To start over**, click **Reset this "
    "lab** at the bottom (a fresh, empty sandbox account for this lab; your notebook stays), "
    "then **Run All**.")


def connect_line(lab_id: str, challenge: bool = False) -> str:
    mode = ", challenge=True" if challenge else ""
    return f'from grader import connect; lab = connect("{lab_id}"{mode})'


def with_values(values: Mapping[str, Any]) -> Transform:
    """Fill every ``{{ NAME }}`` of the lab's parameters (text and code) with ``values``."""
    return lambda cells: [SourceCell(c.kind, resolve(c.text, values)) for c in cells]


def build_notebook(lab: Lab, *, solved: bool, transforms: Sequence[Transform] = (),
                   values: Mapping[str, Any] | None = None, challenge: bool = False) -> Any:
    """The learner's (``solved=False``) or the solved notebook, after ``transforms``, with
    the parameters' ``values`` (default: lab.toml's defaults, as committed); ``challenge``:
    the lab's challenge notebook (``grader.labs.challenge``), built last."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    source = read_source(lab.solution_source)
    for transform in [*transforms, with_values(lab.defaults if values is None else values)]:
        source = transform(source)
    if challenge:
        source = challenge_cells(lab)(source)
    cells = [new_code_cell(connect_line(lab.id, challenge))]
    for number, cell in enumerate(source):
        if cell.kind == "markdown":
            text = cell.text.strip("\n")
            cells.append(new_markdown_cell(f"{text}\n\n{START_OVER}" if number == 0 else text))
        else:
            cells.append(new_code_cell(audience_code(cell.text, solved).strip("\n")))
    cells.append(new_code_cell("lab.check()"))
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                             "language_info": {"name": "python"}})
    for number, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{number:02d}"
    nbformat.validate(nb)
    return nb


def notebook_text(lab: Lab, *, solved: bool, values: Mapping[str, Any] | None = None) -> str:
    """A notebook as the file holds it (``values``: a student's; default: as committed)."""
    import nbformat

    return nbformat.writes(build_notebook(lab, solved=solved, values=values)) + "\n"


def rendered(lab: Lab) -> dict[str, str]:
    """File name -> the exact text ``computelab build-lab`` writes for it."""
    return {name: notebook_text(lab, solved=solved) for name, solved in NOTEBOOKS.items()}


def stale_notebooks(lab: Lab) -> list[str]:
    """The generated notebooks that differ from what solution.py builds today."""
    stale = []
    for name, text in rendered(lab).items():
        path = lab.path / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def write_notebooks(lab: Lab) -> list[Path]:
    """(Re)write lab.ipynb and solution.ipynb from solution.py; return the files changed."""
    changed = []
    for name, text in rendered(lab).items():
        path = lab.path / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
