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
    Document,
    Statement,
    managed_policy_document,
    policy_document,
    role_name,
    statements,
)

Item = dict[str, Any]


def role_details(aws: AWS) -> dict[str, Item]:
    """{role name: details} for every role, from one get_account_authorization_details:
    each holds the role's trust policy, attached policies (AttachedManagedPolicies), inline
    policies with their documents (RolePolicyList) and instance profiles — what a dozen
    get_role/list_*_policies calls would return, in one call."""
    def read() -> dict[str, Item]:
        pages = aws.client("iam").get_paginator(
            "get_account_authorization_details").paginate(Filter=["Role"])
        return {r["RoleName"]: r for page in pages for r in page["RoleDetailList"]}

    return aws.once("iam.role_details", read)


def role(aws: AWS, name: str) -> Item | None:
    """IAM role ``name`` of this account (RoleName, Arn, AssumeRolePolicyDocument, ...),
    or None."""
    return role_details(aws).get(name)


def role_by_arn(aws: AWS, arn: str | None) -> Item | None:
    """The role an ARN (or, as AWS also accepts, a role name) names in this account, or
    None: a role of the same name in another account does not count."""
    found = role(aws, role_name(arn)) if arn else None
    return found if found and arn in (found["Arn"], found["RoleName"]) else None


def attached(aws: AWS, name: str) -> list[Item]:
    """The managed policies attached to role ``name`` ({'PolicyName', 'PolicyArn'})."""
    return list((role(aws, name) or {}).get("AttachedManagedPolicies") or [])


def inline(aws: AWS, name: str) -> list[tuple[str, Document]]:
    """(policy name, document) for each inline policy of role ``name``."""
    return [(p["PolicyName"], policy_document(p["PolicyDocument"]))
            for p in (role(aws, name) or {}).get("RolePolicyList") or []]


def role_statements(aws: AWS, name: str) -> list[Statement]:
    """Every statement of role ``name``'s inline and attached policies."""
    def read() -> list[Statement]:
        found = [s for _, doc in inline(aws, name) for s in statements(doc)]
        for policy in attached(aws, name):
            found += statements(managed_document(aws, policy["PolicyArn"]))
        return found

    return aws.once(f"iam.statements:{name}", read)


def managed_document(aws: AWS, arn: str) -> Document:
    """The default version's document of managed policy ``arn``."""
    return aws.once(f"iam.policy:{arn}",
                    lambda: managed_policy_document(aws.client("iam"), arn))


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
    if aws.account_id:  # a sandbox handle knows its account; any other asks STS
        return aws.account_id
    return aws.once("sts.account", lambda: str(
        aws.client("sts").get_caller_identity()["Account"]))
