"""Tools for lab authors: prove a lab is passable and that an untouched lab scores zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.aws import AWS
from grader.checks import LabResult
from grader.labs import Lab
from grader.sandbox import Sandbox, create_account
from grader.session import check_lab, setup_account


@dataclass
class ValidationReport:
    lab: str
    solved: LabResult
    untouched: LabResult
    problems: list[str] = field(default_factory=list)


def validate_lab(lab: Lab) -> ValidationReport:
    """Solve in one fresh account, leave another untouched; both checked on a private sandbox."""
    with Sandbox() as sandbox:
        accounts = []
        for _ in range(2):
            account = create_account(sandbox.endpoint, managed_policies=lab.managed_policies)
            setup_account(lab, sandbox.endpoint, account)
            accounts.append(AWS.for_account(sandbox.endpoint, account))
        lab.solve_fn()(accounts[0])
        solved, untouched = check_lab(lab, accounts[0]), check_lab(lab, accounts[1])
    problems = [f"solution fails {t.name}: {t.output}" for t in solved.tests if not t.passed]
    problems += [f"untouched passes {t.name}" for t in untouched.tests if t.score > 0]
    problems += [f"{t.name} has no hint" for t in solved.tests if not t.hint]
    return ValidationReport(lab.id, solved, untouched, problems)


KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass(frozen=True)
class Task:
    """One task of a lab notebook: its explanation, the learner's starter and the solution."""

    markdown: str
    starter: str
    solution: str


def lab_notebooks(lab_id: str, intro: str, tasks: list[Task], outro: str) -> tuple[Any, Any]:
    """Build (lab.ipynb, solution.ipynb) with the same cells apart from the task code.

    Cell 1 connects to the sandbox; the last cell shows "Check my work". Starters must run
    cleanly untouched, so "Run All" in JupyterLab reaches the check cell.
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def build(codes: list[str]) -> Any:
        cells = [new_code_cell(f'from grader import connect; lab = connect("{lab_id}")'),
                 new_markdown_cell(intro)]
        for task, code in zip(tasks, codes, strict=True):
            cells += [new_markdown_cell(task.markdown), new_code_cell(code)]
        cells += [new_markdown_cell(outro), new_code_cell("lab.check()")]
        nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                                 "language_info": {"name": "python"}})
        for number, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{number:02d}"
        nbformat.validate(nb)
        return nb

    return build([t.starter for t in tasks]), build([t.solution for t in tasks])


def write_lab_notebooks(lab_dir: Path, intro: str, tasks: list[Task], outro: str) -> None:
    """Write lab.ipynb and solution.ipynb into ``lab_dir`` (the folder name is the lab id)."""
    import nbformat

    lab_nb, solution_nb = lab_notebooks(lab_dir.name, intro, tasks, outro)
    nbformat.write(lab_nb, lab_dir / "lab.ipynb")
    nbformat.write(solution_nb, lab_dir / "solution.ipynb")
