"""grader.kit.concurrent_reads against a real sandbox: every reader's answer lands in the
run's memo, and a reader that meets an AWS error leaves it for its check to meet again."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from grader.aws import AWS
from grader.kit.concurrent_reads import read_concurrently
from grader.sandbox import Sandbox, create_account


@pytest.fixture
def aws(sandbox: Sandbox) -> AWS:
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))


def vpcs(aws):
    return aws.once("vpcs", lambda: aws.client("ec2").describe_vpcs()["Vpcs"])


def groups(aws):
    return aws.once("groups", lambda: aws.client("ec2").describe_security_groups()[
        "SecurityGroups"])


def missing_group(aws):
    return aws.once("missing", lambda: aws.client("ec2").describe_security_groups(
        GroupIds=["sg-00000000000000000"]))


def test_answers_land_in_the_memo_and_errors_wait_for_their_check(aws):
    calls = []
    aws.client("ec2").meta.events.register("before-call", lambda model, **_: calls.append(
        model.name))
    read_concurrently(aws, [vpcs, groups, missing_group], services=("ec2",))
    assert sorted(calls) == ["DescribeSecurityGroups", "DescribeSecurityGroups",
                             "DescribeVpcs"]
    assert vpcs(aws) and groups(aws)  # from the memo: no new calls
    assert len(calls) == 3
    with pytest.raises(ClientError):
        missing_group(aws)  # not memoized: the check meets the error itself
