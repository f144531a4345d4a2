"""IAM's verdict on probe requests: the forms IAM reads alike get the same answer, and
conditions, Deny, NotAction and NotPrincipal mean what IAM says they mean."""

from __future__ import annotations

import pytest

from grader.kit.policy_probes import (
    Probe,
    allowed_probes,
    condition_values,
    conditions_hold,
    denied_probes,
    resources_named,
    sample,
    verdict,
)

EKS = ("Service", "eks.amazonaws.com")
PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
PATH = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
SUBJECT = "system:serviceaccount:reports:report-reader"


def allow(principal=None, action="sts:AssumeRole", **extra):
    statement = {"Effect": "Allow", "Action": action, **extra}
    if principal is not None:
        statement["Principal"] = principal
    return statement


@pytest.mark.parametrize("statement", [
    allow({"Service": "eks.amazonaws.com"}),
    allow({"Service": ["eks.amazonaws.com"]}, ["sts:AssumeRole"]),
    allow({"Service": "eks.amazonaws.com"}, "sts:Assume*"),
    allow({"Service": "eks.amazonaws.com"}, "STS:assumerole"),
    allow("*"),
    allow({"AWS": "*"}),
    {"Effect": "Allow", "NotPrincipal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
     "NotAction": "sts:TagSession"},
], ids=["string", "lists", "wildcard", "case", "star", "aws-star", "notprincipal", "notaction"])
def test_equivalent_forms_allow_the_same_request(statement):
    assert verdict([statement], Probe("sts:AssumeRole", EKS))


def test_a_deny_that_applies_wins_and_one_that_does_not_is_ignored():
    grant = allow({"Service": "eks.amazonaws.com"})
    deny_all = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}
    deny_other = {"Effect": "Deny", "Principal": {"Service": "ec2.amazonaws.com"},
                  "Action": "sts:AssumeRole"}
    assert not verdict([grant, deny_all], Probe("sts:AssumeRole", EKS))
    assert verdict([grant, deny_other], Probe("sts:AssumeRole", EKS))


def test_other_principals_and_actions_are_refused():
    grant = allow({"Service": "eks.amazonaws.com"})
    probes = [Probe("sts:AssumeRole", ("Service", "ec2.amazonaws.com")),
              Probe("sts:AssumeRoleWithSAML", EKS),
              Probe("sts:AssumeRole", ("AWS", "arn:aws:iam::111122223333:root"))]
    assert allowed_probes([grant], probes) == []
    assert denied_probes([grant], probes) == probes


def test_an_account_principal_matches_by_id_or_root_arn():
    root = ("AWS", "arn:aws:iam::111122223333:root")
    assert verdict([allow({"AWS": "111122223333"}, "ecr:BatchGetImage")],
                   Probe("ecr:BatchGetImage", root))
    assert not verdict([allow({"AWS": "111122223334"}, "ecr:BatchGetImage")],
                       Probe("ecr:BatchGetImage", root))


def irsa(operator, sub=SUBJECT):
    return allow({"Federated": PROVIDER}, "sts:AssumeRoleWithWebIdentity",
                 Condition={operator: {f"{PATH}:sub": sub}})


def token(sub):
    context = {} if sub is None else {f"{PATH}:sub": sub}
    return Probe("sts:AssumeRoleWithWebIdentity", ("Federated", PROVIDER), context=context)


@pytest.mark.parametrize("operator, sub, accepted", [
    ("StringEquals", SUBJECT, {SUBJECT}),
    ("StringEquals", [SUBJECT], {SUBJECT}),
    ("StringLike", SUBJECT, {SUBJECT}),
    ("StringLike", "system:serviceaccount:reports:*", {SUBJECT, "system:serviceaccount:reports:x"}),
    ("StringEqualsIgnoreCase", SUBJECT, {SUBJECT, SUBJECT.upper()}),
    ("StringEqualsIfExists", SUBJECT, {SUBJECT, None}),
    ("StringNotEquals", SUBJECT, {"system:serviceaccount:reports:x", SUBJECT.upper(), None}),
    ("ForAnyValue:StringEquals", SUBJECT, {SUBJECT}),
])
def test_string_conditions_accept_exactly_what_iam_accepts(operator, sub, accepted):
    candidates = [SUBJECT, SUBJECT.upper(), "system:serviceaccount:reports:x", None]
    got = {p.context.get(f"{PATH}:sub") for p in allowed_probes(
        [irsa(operator, sub)], [token(c) for c in candidates])}
    assert got == accepted


def test_condition_keys_compare_without_case_and_null_tests_presence():
    statement = {"Condition": {"StringEquals": {"AWS:SourceAccount": "1"}}}
    assert conditions_hold(statement, {"aws:sourceaccount": "1"}) is True
    assert conditions_hold({"Condition": {"Null": {"k": "true"}}}, {}) is True
    assert conditions_hold({"Condition": {"Null": {"k": "true"}}}, {"k": "v"}) is False


def test_an_operator_not_evaluated_makes_the_statement_not_apply():
    statement = allow("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert conditions_hold(statement, {"aws:SourceIp": "10.1.1.1"}) is None
    assert not verdict([statement], Probe("sts:AssumeRole", EKS))


def test_resources_follow_resource_and_notresource():
    bucket = "arn:aws:s3:::shop"
    grant = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{bucket}/*"}
    everything_else = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{bucket}/*"}
    assert verdict([grant], Probe("s3:GetObject", resource=f"{bucket}/a.csv"))
    assert not verdict([grant], Probe("s3:GetObject", resource=bucket))
    assert verdict([everything_else], Probe("s3:GetObject", resource="arn:aws:s3:::other/a"))


def test_probes_can_be_drawn_from_the_policy_itself():
    statements = [irsa("StringEquals", [SUBJECT, "system:serviceaccount:reports:*"]),
                  {"Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": ["arn:aws:s3:::payroll/*", "arn:aws:s3:::shop-?/*"]}]
    assert condition_values(statements, ":sub") == sorted(
        [SUBJECT, "system:serviceaccount:reports:x"])
    assert resources_named(statements) == ["arn:aws:s3:::payroll/x", "arn:aws:s3:::shop-x/x"]
    assert sample("a*b?") == "axbx"


def test_a_probe_describes_itself_for_messages():
    assert Probe("s3:GetObject", resource="arn:aws:s3:::b/k").describe() == (
        "s3:GetObject on arn:aws:s3:::b/k")
    assert Probe("sts:AssumeRole", EKS).describe() == "eks.amazonaws.com sts:AssumeRole"
