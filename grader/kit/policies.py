"""IAM policy documents read the way IAM reads them, for every lab's checks.

The sandbox stores trust, permissions and resource policies without evaluating them, so
the checks read the documents themselves. The pure functions here take a document (or its
statements) as boto3 returns it; the few readers at the end take a boto3 IAM client and
read a role's policies through the API only, so they work against any endpoint.

What is deliberately left out: conditions are not evaluated (a check that cares reads
the Condition block itself), and wildcard matching follows IAM (``*`` and ``?`` only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from grader.kit.lookups import or_none

Document = dict[str, Any]
Statement = dict[str, Any]

# --- documents and statements ----------------------------------------------------------------


def listed(value: Any) -> list[Any]:
    """A policy field as a list: IAM lets Action, Resource, principals and condition values
    be one value or a list of them (absent: none)."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def policy_document(document: Any) -> Document:
    """A policy document as a dict, however boto3 handed it over.

    Most APIs give it decoded; some return JSON text (Lambda's get_policy) and IAM's own
    API sends it URL-encoded. Plain JSON is tried first so a literal '%' in a value
    survives; an absent or empty document is ``{}``.
    """
    if not document:
        return {}
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            document = json.loads(unquote(document))
    return document or {}


def statements(document: Any) -> list[Statement]:
    """The statements of a document: Statement may be one object or a list of them."""
    found = policy_document(document).get("Statement")
    return [s for s in ([found] if isinstance(found, dict) else listed(found))
            if isinstance(s, dict)]


def allow_statements(document: Any) -> list[Statement]:
    """The statements with Effect Allow (the ones that can grant anything)."""
    return [s for s in statements(document) if s.get("Effect") == "Allow"]


# --- matching actions and resources ----------------------------------------------------------


def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM wildcards: * is any run of characters, ? any one character, the rest literal."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{regex}$", re.IGNORECASE if ignore_case else 0)


def matches(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    """True when one of ``patterns`` matches ``value``. IAM compares action names without
    regard to case and resource ARNs with it, so callers say which they compare."""
    return any(_wildcard(p, ignore_case).match(value) for p in listed(patterns))


def covers_action(statement: Statement, action: str) -> bool:
    """True when the statement applies to ``action``: Action lists it, or NotAction does not."""
    if "NotAction" in statement:
        return not matches(statement["NotAction"], action, ignore_case=True)
    return matches(statement.get("Action"), action, ignore_case=True)


def covers_resource(statement: Statement, resource: str | None) -> bool:
    """True when the statement applies to ``resource`` (None: any resource will do)."""
    if resource is None:
        return True
    if "NotResource" in statement:
        return not matches(statement["NotResource"], resource)
    return matches(statement.get("Resource"), resource)


def allowed(statements: Iterable[Statement], action: str, resource: str | None = None) -> bool:
    """IAM's verdict on one request: an Allow statement covers it and no Deny does (an
    explicit Deny always wins). Conditions are not evaluated."""
    hits = [s for s in statements
            if covers_action(s, action) and covers_resource(s, resource)]
    return (any(s.get("Effect") == "Allow" for s in hits)
            and not any(s.get("Effect") == "Deny" for s in hits))


def grants(statements: Iterable[Statement], action: str) -> bool:
    """True when an Allow statement's Action names ``action``: the quick "is it granted at
    all?" (Deny, NotAction and Resource are not read; use ``allowed`` for the verdict)."""
    return any(s.get("Effect") == "Allow" and matches(s.get("Action"), action, ignore_case=True)
               for s in statements)


# --- principals and trust --------------------------------------------------------------------


def principals(statement: Statement) -> dict[str, list[Any]]:
    """{kind: [values]} of a statement's Principal; the bare '*' is {'AWS': ['*']}."""
    principal = statement.get("Principal")
    if principal == "*":
        return {"AWS": ["*"]}
    if not isinstance(principal, dict):
        return {}
    return {kind: listed(values) for kind, values in principal.items()}


def service_principals(statement: Statement) -> list[Any]:
    """The AWS service principals (ecs-tasks.amazonaws.com, ...) a statement names."""
    return principals(statement).get("Service", [])


def names_everyone(statement: Statement) -> bool:
    """True when the statement's principal is anyone at all: '*' or {'AWS': '*'}."""
    principal = statement.get("Principal")
    return principal == "*" or (isinstance(principal, dict)
                                and "*" in listed(principal.get("AWS")))


def open_to_everyone(document: Any) -> bool:
    """True when an Allow statement of the document names any principal ('*')."""
    return any(s.get("Effect") == "Allow" and names_everyone(s) for s in statements(document))


def allows_service(statement: Statement, service: str, action: str) -> bool:
    """True when the statement is an Allow that lets service principal ``service`` call
    ``action`` (NotAction read as IAM does)."""
    return (statement.get("Effect") == "Allow" and service in service_principals(statement)
            and covers_action(statement, action))


def assume_role_services(document: Any) -> tuple[set[str], set[str]]:
    """(allowed, denied): the service principals that Allow statements, and statements with
    any other Effect, name for sts:AssumeRole in a trust policy (Action only)."""
    allow: set[str] = set()
    deny: set[str] = set()
    for statement in statements(document):
        if matches(statement.get("Action"), "sts:AssumeRole", ignore_case=True):
            target = allow if statement.get("Effect") == "Allow" else deny
            target.update(service_principals(statement))
    return allow, deny


def trusted_services(document: Any) -> set[str]:
    """The service principals a trust policy lets assume the role (an explicit Deny wins)."""
    allow, deny = assume_role_services(document)
    return allow - deny


# --- reading a role's policies (boto3 IAM client) ---------------------------------------------


def role_name(arn: str | None) -> str:
    """The role name at the end of a role ARN (a bare name stays as it is; None is '')."""
    return (arn or "").rsplit("/", 1)[-1]


def get_role(iam: Any, name: str) -> dict[str, Any] | None:
    """The role called ``name``, or None when the account has none (IAM's NoSuchEntity)."""
    return or_none(lambda: iam.get_role(RoleName=name)["Role"], "NoSuchEntity")


def role_from_arn(iam: Any, arn: str | None) -> dict[str, Any] | None:
    """The role an ARN (or, as AWS also accepts, a role name) names in this account, or
    None: a role of the same name elsewhere does not count."""
    role = get_role(iam, role_name(arn)) if arn else None
    return role if role and arn in (role["Arn"], role["RoleName"]) else None


def is_aws_managed(arn: str) -> bool:
    """True for an AWS managed policy (arn:aws:iam::aws:policy/...), not one of yours."""
    return ":iam::aws:policy/" in arn


def attached_policies(iam: Any, name: str) -> list[dict[str, Any]]:
    """The managed policies attached to role ``name`` ({'PolicyName', 'PolicyArn'})."""
    pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
    return [p for page in pages for p in page["AttachedPolicies"]]


def attached_arns(iam: Any, name: str) -> set[str]:
    """The ARNs of the managed policies attached to role ``name``."""
    return {p["PolicyArn"] for p in attached_policies(iam, name)}


def inline_policies(iam: Any, name: str) -> list[tuple[str, Document]]:
    """(policy name, document) for each inline policy of role ``name``."""
    found = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy in page["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            found.append((policy, policy_document(doc)))
    return found


def managed_policy_document(iam: Any, arn: str) -> Document:
    """The document of a managed policy's default version (what IAM enforces)."""
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    return policy_document(doc["Document"])


def role_statements(iam: Any, name: str) -> list[Statement]:
    """Every statement of role ``name``'s inline and attached (customer or AWS managed)
    policies: all that the role's permissions are made of."""
    found = [s for _, doc in inline_policies(iam, name) for s in statements(doc)]
    for policy in attached_policies(iam, name):
        found += statements(managed_policy_document(iam, policy["PolicyArn"]))
    return found
