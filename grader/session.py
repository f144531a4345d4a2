"""Bind a lab to the running sandbox: its account, its ``AWS`` handle, checks and reset."""

from __future__ import annotations

from grader import store
from grader.aws import AWS, REGION, Account, is_loopback_url
from grader.checks import run_checks
from grader.errors import SandboxError, UnsafeEndpointError
from grader.labs import Lab
from grader.results import LabResult
from grader.sandbox import is_alive, lab_account, running_endpoint


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


def resolve_aws(lab: Lab, endpoint: str | None, real_aws: bool = False,
                fresh: bool = False) -> AWS:
    """The handle a CLI command should use: the lab's sandbox account, another loopback
    endpoint with the caller's credentials, or (only when asked) the real account."""
    if real_aws:
        return external_aws(None)
    if endpoint and not is_loopback_url(endpoint):
        raise UnsafeEndpointError(
            f"{endpoint} is not on this machine; use --real-aws to check a real account.")
    if endpoint and not is_alive(endpoint):
        return external_aws(endpoint)
    return lab_aws(lab, require_endpoint(endpoint), fresh=fresh)


def lab_aws(lab: Lab, endpoint: str, fresh: bool = False) -> AWS:
    """The lab's handle on ``endpoint``: its own account, created and set up on first use.

    ``fresh`` (a reset) also forgets the lab's record of the learner's calls."""
    if fresh:
        store.forget_calls(lab.id)
    account = lab_account(endpoint, lab.id, lab.managed_policies, fresh=fresh,
                          setup=lambda acct: setup_account(lab, endpoint, acct))
    return AWS.for_account(endpoint, account)


def external_aws(endpoint: str | None) -> AWS:
    """A handle on something that is not a ComputeLab sandbox, with the caller's credentials.

    ``endpoint`` on loopback (LocalStack, a plain moto server) is fine; ``None`` means the real
    AWS account of the default credential chain, which the caller must ask for explicitly.
    """
    import boto3

    region = boto3.session.Session().region_name or REGION
    return AWS(endpoint=endpoint, region=region, allow_remote=endpoint is None)


def check_lab(lab: Lab, aws: AWS) -> LabResult:
    """Run the lab's checks against ``aws`` with this learner's values (the defaults unless
    ``computelab start --student`` saved a course with variants), and say how many more
    checks the instructor runs at grading, when they published that."""
    from grader.labs.course import current_learner

    learner = current_learner()
    aws.params = learner.values(lab)
    result = run_checks(lab.id, lab.checks(), aws)
    result.later = learner.course.later(lab)
    return result
