"""Bind a lab to the running sandbox: its account, its ``AWS`` handle, checks and reset."""

from __future__ import annotations

from grader.aws import AWS
from grader.checks import LabResult, run_checks
from grader.errors import SandboxError
from grader.labs import Lab
from grader.sandbox import Account, lab_account, running_endpoint


def require_endpoint(endpoint: str | None = None) -> str:
    """The given endpoint, else the recorded running sandbox; a clear error when there is none."""
    found = endpoint or running_endpoint()
    if not found:
        raise SandboxError(
            "No sandbox is running. Start one with `computelab start` (or `computelab sandbox`)."
        )
    return found


def setup_account(lab: Lab, endpoint: str, account: Account) -> None:
    """Run the lab's optional ``setup(aws)`` in a new account (prerequisites the lab assumes)."""
    setup = lab.setup_fn()
    if setup is not None:
        setup(AWS.for_account(endpoint, account))


def lab_aws(lab: Lab, endpoint: str, fresh: bool = False) -> AWS:
    """The lab's handle on ``endpoint``: its own account, created and set up on first use."""
    account = lab_account(endpoint, lab.id, lab.managed_policies, fresh=fresh,
                          setup=lambda acct: setup_account(lab, endpoint, acct))
    return AWS.for_account(endpoint, account)


def check_lab(lab: Lab, aws: AWS) -> LabResult:
    """Run the lab's checks against ``aws``."""
    return run_checks(lab.id, lab.checks(), aws)
