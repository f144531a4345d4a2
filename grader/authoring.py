"""Tools for lab authors: prove a lab is passable and that an untouched lab scores zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.aws import AWS
from grader.labs import Lab
from grader.results import LabResult
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


_SCAFFOLD_TOML = '''id = "{lab_id}"
title = "TODO: a title that says what the learner builds"
topic = "{topic}"
lesson = "{lesson}"
minutes = 20
services = ["s3"]
managed_policies = false
objectives = [
    "Create an S3 bucket named {bucket}",
]
rules = [
    "TODO: one sentence per AWS rule the checks enforce.",
]
'''

_SCAFFOLD_CHECKS = '''"""Checks for lab {lab_id}.

List every rule these checks enforce in lab.toml ``rules``.
"""

from __future__ import annotations

from grader import check


@check(points=1, hint="boto3.client('s3').create_bucket(Bucket='{bucket}')")
def bucket_created(aws):
    """Bucket {bucket} exists"""
    names = [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]
    assert "{bucket}" in names, "No bucket named '{bucket}' yet."
'''

_SCAFFOLD_SOLUTION = '''"""Reference solution for lab {lab_id}.

It powers `computelab solve` and the tests.
"""

from __future__ import annotations


def solve(aws):
    aws.client("s3").create_bucket(Bucket="{bucket}")
'''

_SCAFFOLD_TEST = '''"""Lab {lab_id}.

Solved, untouched, partly wrong and alternative-correct variants.
"""

from __future__ import annotations

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("{lab_id}")


def test_solution_gets_full_marks(fresh_aws):
    aws = fresh_aws(LAB.id)
    LAB.solve_fn()(aws)
    result = check_lab(LAB, aws)
    assert result.score == result.max_score


def test_untouched_scores_zero_with_messages(fresh_aws):
    result = check_lab(LAB, fresh_aws(LAB.id))
    assert result.score == 0 and all(t.output for t in result.tests)

# TODO: >= 3 partly-wrong variants (exact score and failing checks), >= 2 alternative
# correct solutions, and one failing variant per rule in lab.toml.
'''


def scaffold_lab(labs_root: Path, lab_id: str, tests_root: Path | None = None,
                 topic: str = "ec2-instances",
                 lesson: str = "compute-basics/ec2-instances.md") -> Path:
    """Create a working lab skeleton that `computelab validate` accepts before it is edited."""
    from grader.errors import LabDefinitionError
    from grader.labs import LAB_DIR_PATTERN

    if not LAB_DIR_PATTERN.match(lab_id):
        raise LabDefinitionError(
            f"{lab_id!r} is not a lab id: use NN-slug, e.g. 10-step-functions.")
    folder = labs_root / lab_id
    if folder.exists():
        raise LabDefinitionError(f"{folder} already exists; pick another id.")
    folder.mkdir(parents=True)
    names = {"lab_id": lab_id, "bucket": f"{lab_id.lower()}-bucket", "topic": topic,
             "lesson": lesson}
    for file_name, template in (("lab.toml", _SCAFFOLD_TOML), ("checks.py", _SCAFFOLD_CHECKS),
                                ("solution.py", _SCAFFOLD_SOLUTION)):
        (folder / file_name).write_text(template.format(**names))
    task = Task(
        markdown=f"## Task 1 — Create a bucket\n\nCreate an S3 bucket named `{names['bucket']}`.",
        starter="import boto3\n\ns3 = boto3.client(\"s3\")\n# TODO: create the bucket\n",
        solution=f"import boto3\n\ns3 = boto3.client(\"s3\")\n"
                 f"s3.create_bucket(Bucket=\"{names['bucket']}\")\n",
    )
    write_lab_notebooks(folder, f"# Lab {lab_id}\n\nTODO: what this lab teaches and why.",
                        [task], "## Check my work\n\nClick **Check my work**.")
    if tests_root is not None:
        slug = lab_id.replace("-", "_")
        (tests_root / f"test_lab{slug}.py").write_text(_SCAFFOLD_TEST.format(**names))
    return folder
