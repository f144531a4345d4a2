"""Challenge notebooks: built for every lab by the one build step, with no hint text, and
still complete: the solution put in their ``# Your code`` places gets full marks."""

from __future__ import annotations

import re

import nbformat
import pytest

from grader.labs import all_labs
from grader.labs.build import build_notebook
from grader.labs.challenge import YOUR_CODE, challenge_code, challenge_script
from grader.labs.files import copy_learner_data
from grader.labs.solve import run_solution
from grader.labs.source import (
    BEGIN_SOLUTION,
    BEGIN_STARTER,
    END_SOLUTION,
    END_STARTER,
    read_source,
)
from grader.session import check_lab

LABS = all_labs()


def _block_lines(text: str, begin: str, end: str) -> list[str]:
    """The meaningful lines inside ``begin``/``end`` blocks of solution.py."""
    lines, inside = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == begin:
            inside = True
        elif stripped == end:
            inside = False
        elif inside and len(stripped.lstrip("# ")) >= 12:
            lines.append(stripped.lstrip("# ") if begin == BEGIN_STARTER else stripped)
    return lines


def _task_text(lab) -> list[str]:
    """The worked text of solution.py's markdown (every line but headings), long lines."""
    cells = read_source(lab.solution_source)
    return [line.strip() for cell in cells[1:] if cell.kind == "markdown"
            for line in cell.text.splitlines()
            if len(line.strip()) >= 30 and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_challenge_notebook_has_objectives_and_facts_and_no_hint_text(lab):
    nb = build_notebook(lab, solved=False, challenge=True)
    nbformat.validate(nb)
    text = "\n".join(cell.source for cell in nb.cells)
    source = lab.solution_source.read_text(encoding="utf-8")
    assert nb.cells[0].source == (
        f'from grader import connect; lab = connect("{lab.id}", challenge=True)')
    assert nb.cells[-1].source == "lab.check()"
    for objective in lab.objectives + lab.rules:
        assert objective in text
    for spec in lab.checks():
        assert spec.hint not in text, f"hint of {spec.name} shown"
    assert not re.search(r"look at|hint:|todo", text, re.IGNORECASE)
    given = {line.strip() for cell in read_source(lab.solution_source) if cell.kind == "code"
             for line in challenge_code(cell.text).splitlines()}
    for line in _block_lines(source, BEGIN_SOLUTION, END_SOLUTION):
        if line not in given:  # a line the lab also gives outside a block (a print loop)
            assert line not in text, f"solution code shown: {line}"
    for line in _block_lines(source, BEGIN_STARTER, END_STARTER):
        assert line not in text, f"starter hint shown: {line}"
    given_code = "\n".join(given)
    for line in _task_text(lab):
        if line not in given_code:  # the task text quoting code the lab gives (user data)
            assert line not in text, f"worked instructions shown: {line}"
    assert YOUR_CODE in text


def test_given_code_stays_comments_go_and_blocks_become_one_place():
    cell = "\n".join([
        "import boto3", "# look it up with describe_images", "PRICES = {'a': 1}  # per hour",
        "TEXT = '''", "# inside a string: kept", "'''", BEGIN_SOLUTION, "ami = 'ami-1'",
        END_SOLUTION, BEGIN_STARTER, "# ami = None", END_STARTER, "", BEGIN_SOLUTION,
        "x = 2", END_SOLUTION, "print(ami)"])
    assert challenge_code(cell) == "\n".join([
        "import boto3", "PRICES = {'a': 1}  # per hour", "TEXT = '''",
        "# inside a string: kept", "'''", YOUR_CODE, "print(ami)"])
    assert challenge_code(cell, filled=True).splitlines()[-4:] == [
        "ami = 'ami-1'", "", "x = 2", "print(ami)"]


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_the_solution_in_the_challenge_places_gets_full_marks(lab, lab_account, tmp_path):
    """Validation: the challenge keeps every line of given code the solution relies on."""
    script = tmp_path / "challenge_solution.py"
    script.write_text(challenge_script(lab), encoding="utf-8")
    copy_learner_data(lab, tmp_path)
    aws = lab_account(lab.id)
    run_solution(script, aws, values=lab.defaults)
    result = check_lab(lab, aws)
    assert result.score == result.max_score, [t.output for t in result.tests if not t.passed]
