"""Reads that several checks of one "Check my work" run ask for, made once per run.

Each function memoizes through ``aws.once`` (emptied at the start of every run), so five
checks that need the same role, subnet list or caller account cost one AWS call between
them, and a click never sees state older than itself. Whole-account listings (every
subnet, every security group) replace one filtered call per resource: in a lab account
they are a handful of items, and one call answers every later question.
"""

from __future__ import annotations

from typing import Any

from grader.aws import AWS
from grader.kit.lookups import or_none
from grader.kit.policies import (
    Statement,
    attached_policies,
    get_role,
    inline_policies,
    managed_policy_document,
    role_name,
    statements,
)

Item = dict[str, Any]


def role(aws: AWS, name: str) -> Item | None:
    """IAM role ``name`` of this account, or None (NoSuchEntity)."""
    return aws.once(f"iam.role:{name}", lambda: get_role(aws.client("iam"), name))


def role_by_arn(aws: AWS, arn: str | None) -> Item | None:
    """The role an ARN (or, as AWS also accepts, a role name) names in this account, or
    None: a role of the same name in another account does not count."""
    found = role(aws, role_name(arn)) if arn else None
    return found if found and arn in (found["Arn"], found["RoleName"]) else None


def attached(aws: AWS, name: str) -> list[Item]:
    """The managed policies attached to role ``name`` ({'PolicyName', 'PolicyArn'})."""
    return aws.once(f"iam.attached:{name}",
                    lambda: attached_policies(aws.client("iam"), name))


def role_statements(aws: AWS, name: str) -> list[Statement]:
    """Every statement of role ``name``'s inline and attached policies."""
    def read() -> list[Statement]:
        iam = aws.client("iam")
        found = [s for _, doc in inline_policies(iam, name) for s in statements(doc)]
        for policy in attached(aws, name):
            found += statements(managed_policy_document(iam, policy["PolicyArn"]))
        return found

    return aws.once(f"iam.statements:{name}", read)


def instance_profile(aws: AWS, name: str) -> Item | None:
    """Instance profile ``name`` (with its Roles), or None."""
    iam = aws.client("iam")
    return aws.once(f"iam.profile:{name}", lambda: or_none(
        lambda: iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"],
        "NoSuchEntity"))


def _by_id(aws: AWS, paginator: str, key: str, id_key: str) -> dict[str, Item]:
    pages = aws.client("ec2").get_paginator(paginator).paginate()
    return {item[id_key]: item for page in pages for item in page[key]}


def subnets(aws: AWS) -> dict[str, Item]:
    """{subnet id: subnet} for every subnet in the lab's Region."""
    return aws.once("ec2.subnets",
                    lambda: _by_id(aws, "describe_subnets", "Subnets", "SubnetId"))


def security_groups(aws: AWS) -> dict[str, Item]:
    """{group id: security group} for every security group in the lab's Region."""
    return aws.once("ec2.security_groups", lambda: _by_id(
        aws, "describe_security_groups", "SecurityGroups", "GroupId"))


def account_id(aws: AWS) -> str:
    """The account the checks read, as STS names it (works against any endpoint)."""
    return aws.once("sts.account", lambda: str(
        aws.client("sts").get_caller_identity()["Account"]))
