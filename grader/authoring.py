"""Tools for lab authors: prove a lab is passable and that an untouched lab scores zero."""

from __future__ import annotations

from dataclasses import dataclass, field

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
