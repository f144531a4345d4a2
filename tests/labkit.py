"""What the lab test files (tests/test_labNN_*.py) share: reading a lab's result and the
assertions every lab makes about it.

Each test file keeps its own tables (points, variants, rule coverage) and its own build();
these helpers only read results, so a file still says in full what it expects.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from grader.aws import AWS
from grader.labs import Lab
from grader.results import LabResult
from grader.session import check_lab

Undo = Callable[[], Any]


def failed(result: LabResult) -> list[str]:
    """The names of the checks that did not pass, sorted."""
    return sorted(t.name for t in result.tests if not t.passed)


def output(result: LabResult, name: str) -> str:
    """What check ``name`` told the learner."""
    return next(t.output for t in result.tests if t.name == name)


def assert_passes(result: LabResult) -> None:
    """Every check passed (on failure, their messages say why)."""
    assert failed(result) == [], [t.output for t in result.tests if not t.passed]


def assert_full_marks(result: LabResult, full: float) -> None:
    """Every check passed and the lab is worth ``full`` points."""
    assert_passes(result)
    assert result.score == result.max_score == full


def assert_untouched(result: LabResult) -> None:
    """An account nobody worked in scores 0, and every check says what to do, with a hint."""
    assert result.score == 0
    assert all(t.status == "failed" and t.output and t.hint for t in result.tests)


def points_of(lab: Lab) -> dict[str, float]:
    """Each check's points, from the lab's own ``@check(points=...)`` (never a copied table)."""
    return {spec.name: spec.points for spec in lab.checks()}


def scorer(points: dict[str, float]) -> Callable[..., float]:
    """``score_without(*lost)``: full marks (the sum of ``points``) minus the lost checks'."""
    full = sum(points.values())

    def score_without(*lost: str) -> float:
        return full - sum(points[name] for name in lost)

    return score_without


def assert_lost(result: LabResult, lost: list[str], score_without: Callable[..., float],
                why: Any = None) -> None:
    """Exactly the checks ``lost`` failed, and the score lacks exactly their points.

    ``why`` is the assertion message when the wrong checks fail (default: their outputs).
    """
    shown = [t.output for t in result.tests if not t.passed] if why is None else why
    assert failed(result) == sorted(lost), shown
    assert result.score == score_without(*lost)


def assert_failures_explained(result: LabResult, aws: AWS) -> None:
    """Every failed check failed (not errored), with a message and a hint, and the message
    names nothing of the account (so the same mistake reads the same everywhere)."""
    for test in result.tests:
        if not test.passed:
            assert test.status == "failed" and test.output and test.hint
            assert aws.account_id not in test.output, "messages must be deterministic"


def assert_broken_rule(result: LabResult, aws: AWS, lost: list[str], phrase: str,
                       score_without: Callable[..., float]) -> None:
    """A variant that breaks one rule loses exactly ``lost``; the first lost check's
    message contains ``phrase``, and every failure explains itself."""
    assert_lost(result, lost, score_without)
    first = output(result, lost[0])
    assert phrase in first, first
    assert_failures_explained(result, aws)


def load_module(lab: Lab, name: str = "checks") -> ModuleType:
    """A fresh import of the lab's ``checks.py`` or ``solution.py`` (as ``labNN_name``), to
    test its helper functions directly."""
    spec = importlib.util.spec_from_file_location(f"lab{lab.number}_{name}",
                                                  lab.path / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def undoing(aws: AWS) -> Iterator[tuple[AWS, list[Undo]]]:
    """For a fixture over a shared solved account: yield (aws, undo steps) and, after the
    test, run the steps its mutations appended, last first."""
    undo: list[Undo] = []
    yield aws, undo
    for step in reversed(undo):
        step()


def mutated(lab: Lab, solved: tuple[AWS, list[Undo]], mutate: Callable[[AWS], Undo]) -> LabResult:
    """Apply ``mutate`` to the shared solved account (its undo runs after the test), then
    check the lab."""
    aws, undo = solved
    undo.append(mutate(aws))
    return check_lab(lab, aws)
