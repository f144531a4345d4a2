"""Reads shared within one check run, and the Region search for a missing resource, against
a real sandbox account."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from grader.aws import AWS
from grader.kit import shared_reads
from grader.kit.regions import found_elsewhere
from grader.sandbox import create_account

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


@pytest.fixture
def aws(sandbox) -> AWS:
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint,
                                                            managed_policies=False))


def counting(aws: AWS, service: str) -> Counter[str]:
    """A counter of the API calls ``aws``'s client for ``service`` makes from now on."""
    calls: Counter[str] = Counter()
    aws.client(service).meta.events.register(
        "before-call", lambda model, **_: calls.update([model.name]))
    return calls


def test_roles_come_from_one_call_per_run(aws):
    iam = aws.client("iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="read", PolicyDocument=READ)
    arn = iam.create_policy(PolicyName="mine", PolicyDocument=READ)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    calls = counting(aws, "iam")
    role = shared_reads.role(aws, "app")
    assert role and role["RoleName"] == "app"
    assert shared_reads.role_by_arn(aws, role["Arn"]) is role
    assert shared_reads.role_by_arn(aws, role["Arn"].replace(aws.account_id, "1" * 12)) is None
    assert shared_reads.role(aws, "missing") is None
    assert [p["PolicyArn"] for p in shared_reads.attached(aws, "app")] == [arn]
    assert [name for name, _ in shared_reads.inline(aws, "app")] == ["read"]
    assert len(shared_reads.role_statements(aws, "app")) == 2
    shared_reads.role_statements(aws, "app")
    assert calls["GetAccountAuthorizationDetails"] == 1
    assert calls["GetPolicyVersion"] == 1  # the managed document, once
    aws.forget()  # a new run reads again: state may have changed between clicks
    iam.delete_role_policy(RoleName="app", PolicyName="read")
    assert shared_reads.inline(aws, "app") == []


def test_subnets_and_groups_are_listed_once(aws):
    calls = counting(aws, "ec2")
    subnets = shared_reads.subnets(aws)
    assert subnets and all(s["SubnetId"] == key for key, s in subnets.items())
    shared_reads.subnets(aws)
    assert "default" in {g["GroupName"] for g in shared_reads.security_groups(aws).values()}
    assert calls["DescribeSubnets"] == 1
    assert shared_reads.account_id(aws) == aws.account_id


def test_a_resource_in_another_region_is_named(aws):
    def has_repo(ecr):
        return bool(ecr.describe_repositories()["repositories"])

    assert found_elsewhere(aws, "ecr", "none", has_repo, "Repository 'x'") is None
    aws.client("ecr", "eu-west-1").create_repository(repositoryName="shop/web")
    aws.forget()
    message = found_elsewhere(aws, "ecr", "shop", has_repo, "Repository 'shop/web'")
    assert message and "found in eu-west-1; the lab grades us-east-1" in message
