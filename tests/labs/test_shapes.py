"""What every lab's tests prove, for every lab, in one place: the reference solution gets
full marks, an untouched account scores zero with a message and a hint per check, and each
corpus submission in ``tests/labs/corpus/<lab>/`` is graded as its name says.

A corpus file is a learner-style script (plain ``boto3.client(...)``, as the notebook's
instructions ask): ``ok_*.py`` must get full marks; ``bad_*.py`` declares ``LOSES = [...]``,
the checks it must fail, and must lose exactly their points. A file that AWS would grade
right but the sandbox cannot run yet declares ``SANDBOX_GAP = "what differs"``: it is an
expected failure until the sandbox is fixed, and then fails loudly so the mark is removed.
Points always come from the lab's ``@check(points=...)``, never from a table here. A lab's
own test file keeps only what is special to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from labkit import assert_failures_explained, assert_full_marks, assert_untouched, failed

from grader.labs import Lab, all_labs
from grader.labs.solve import run_solution
from grader.session import check_lab

LABS = all_labs()
CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus(lab: Lab) -> list[Path]:
    return sorted((CORPUS / lab.id).glob("*.py"))


def declared(path: Path, name: str) -> object:
    """A module-level constant of a corpus file, read without running it (None if absent)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                name]:
            return ast.literal_eval(node.value)
    return None


def declared_losses(path: Path) -> list[str]:
    """The ``LOSES = [...]`` list of a bad_*.py submission."""
    loses = declared(path, "LOSES")
    assert isinstance(loses, list) and loses, f"{path.name} must declare LOSES = ['check', ...]"
    return sorted(loses)


def _case(lab: Lab, path: Path) -> object:
    gap = declared(path, "SANDBOX_GAP")
    marks = [pytest.mark.xfail(strict=True, reason=f"sandbox: {gap}")] if gap else []
    return pytest.param(lab, path, id=f"{lab.id}/{path.stem}", marks=marks)


CASES = [_case(lab, path) for lab in LABS for path in corpus(lab)]


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_reference_solution_gets_full_marks(lab, fresh_aws):
    aws = fresh_aws(lab.id)
    lab.solve_fn()(aws)
    assert_full_marks(check_lab(lab, aws), sum(spec.points for spec in lab.checks()))


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_untouched_scores_zero_with_a_message_and_hint_per_check(lab, fresh_aws):
    assert_untouched(check_lab(lab, fresh_aws(lab.id)))


@pytest.mark.parametrize("lab, path", CASES)
def test_corpus_submission_is_graded_as_its_name_says(lab, path, fresh_aws):
    assert path.name.startswith(("ok_", "bad_")), f"{path.name}: name it ok_* or bad_*"
    names = {spec.name for spec in lab.checks()}
    loses = [] if path.name.startswith("ok_") else declared_losses(path)
    assert set(loses) <= names, f"{path.name} names checks the lab does not have"
    aws = fresh_aws(lab.id)
    try:
        run_solution(path, aws)
    except ClientError:
        # AWS refused a call (as it would): like a failed notebook cell, the submission
        # stops there and is graded on what it made before
        assert loses, f"{path.name}: a correct submission must run without AWS errors"
    result = check_lab(lab, aws)
    if not loses:
        assert_full_marks(result, result.max_score)
        return
    assert failed(result) == loses, [t.output for t in result.tests if not t.passed]
    points = {spec.name: spec.points for spec in lab.checks()}
    assert result.score == result.max_score - sum(points[name] for name in loses)
    assert_failures_explained(result, aws)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_traced_rule_has_a_check_and_a_bad_submission_that_breaks_it(lab):
    """lab.toml rules written as {text, checks}: each names real checks, every check enforces
    some rule, and some bad_*.py in the corpus loses one of the rule's checks."""
    assert lab.rule_checks, "write lab.toml rules as {text, checks} tables"
    assert len(lab.rule_checks) == len(lab.rules), "trace every rule, not some"
    names = {spec.name for spec in lab.checks()}
    enforced = {name for checks in lab.rule_checks.values() for name in checks}
    assert enforced <= names and names <= enforced, (names ^ enforced)
    lost = [set(declared_losses(path)) for path in corpus(lab) if path.name.startswith("bad_")]
    untested = [rule for rule, checks in lab.rule_checks.items()
                if not any(set(checks) & losses for losses in lost)]
    assert untested == [], "rules no bad_*.py submission breaks"
