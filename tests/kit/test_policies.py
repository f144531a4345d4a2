"""grader.policies on its own: policy documents read the way IAM reads them (table-driven),
then the role readers against a real sandbox account."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from grader import policies as p
from grader.aws import AWS
from grader.sandbox import create_account


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(principal, action="sts:AssumeRole", effect="Allow"):
    return {"Effect": effect, "Principal": principal, "Action": action}


# --- documents and statements ----------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (None, []),
    ("s3:GetObject", ["s3:GetObject"]),
    (["s3:GetObject", "s3:PutObject"], ["s3:GetObject", "s3:PutObject"]),
    (("a", "b"), ["a", "b"]),
    ([], []),
    (False, [False]),  # a JSON boolean condition value is one value, not a crash
    (3600, [3600]),
])
def test_listed(value, expected):
    assert p.listed(value) == expected


READ = doc(allow("s3:GetObject", "arn:aws:s3:::reports/%20daily/*"))


@pytest.mark.parametrize("given, expected", [
    (READ, READ),
    (json.dumps(READ), READ),  # JSON text, e.g. Lambda's get_policy
    (quote(json.dumps(READ)), READ),  # URL-encoded, as IAM's API sends documents
    (None, {}),
    ("", {}),
    ({}, {}),
], ids=["dict", "json", "url-encoded", "none", "empty text", "empty dict"])
def test_policy_document(given, expected):
    assert p.policy_document(given) == expected


def test_plain_json_keeps_a_literal_percent_sequence():
    """Decoding URL escapes in JSON that is not URL-encoded would change its values."""
    assert p.policy_document(json.dumps(READ))["Statement"][0]["Resource"] == (
        "arn:aws:s3:::reports/%20daily/*")


ONE = allow("s3:GetObject")


@pytest.mark.parametrize("document, expected", [
    ({"Statement": ONE}, [ONE]),  # one statement need not be in a list
    ({"Statement": [ONE, deny("s3:*")]}, [ONE, deny("s3:*")]),
    ({"Statement": [ONE, "junk", None, 7]}, [ONE]),  # what is not a statement is skipped
    ({"Statement": "junk"}, []),
    ({"Version": "2012-10-17"}, []),
    (quote(json.dumps({"Statement": ONE})), [ONE]),
    (None, []),
], ids=["single object", "list", "junk items", "junk statement", "no statement",
        "url-encoded", "none"])
def test_statements(document, expected):
    assert p.statements(document) == expected


def test_allow_statements_leave_out_denies():
    assert p.allow_statements(doc(ONE, deny("s3:*"), {"Action": "s3:*"})) == [ONE]


# --- matching ------------------------------------------------------------------------------

@pytest.mark.parametrize("patterns, value, ignore_case, expected", [
    ("s3:GetObject", "s3:GetObject", False, True),
    ("s3:getobject", "s3:GetObject", True, True),
    ("s3:getobject", "s3:GetObject", False, False),
    ("s3:Get*", "s3:GetObjectVersion", True, True),
    ("s3:Get*", "s3:PutObject", True, False),
    ("*", "anything:AtAll", True, True),
    ("s3:GetObjec?", "s3:GetObject", True, True),
    ("s3:GetObjec?", "s3:GetObjects", True, False),
    ("logs:[CP]*", "logs:CreateLogGroup", True, False),  # IAM has no [..] classes
    ("arn:aws:s3:::bucket.*", "arn:aws:s3:::bucketX", False, False),  # '.' is literal
    (["sqs:ReceiveMessage", "sqs:Delete*"], "sqs:DeleteMessage", True, True),
    (None, "s3:GetObject", True, False),
    ([], "s3:GetObject", True, False),
])
def test_matches_uses_iam_wildcards(patterns, value, ignore_case, expected):
    assert p.matches(patterns, value, ignore_case=ignore_case) is expected


@pytest.mark.parametrize("statement, action, expected", [
    (allow("logs:PutLogEvents"), "logs:PutLogEvents", True),
    (allow(["logs:CreateLogStream", "logs:PutLogEvents"]), "logs:putlogevents", True),
    (allow("logs:*"), "logs:PutLogEvents", True),
    (allow("s3:*"), "logs:PutLogEvents", False),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "logs:PutLogEvents", True),
    ({"Effect": "Allow", "NotAction": ["iam:*", "logs:*"]}, "logs:PutLogEvents", False),
    ({"Effect": "Allow", "Resource": "*"}, "logs:PutLogEvents", False),
])
def test_covers_action(statement, action, expected):
    assert p.covers_action(statement, action) is expected


QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"


@pytest.mark.parametrize("statement, resource, expected", [
    (allow("sqs:*", "*"), QUEUE, True),
    (allow("sqs:*", QUEUE), QUEUE, True),
    (allow("sqs:*", "arn:aws:sqs:*:*:orders*"), QUEUE, True),
    (allow("sqs:*", "arn:aws:sqs:us-east-1:123456789012:other"), QUEUE, False),
    (allow("sqs:*", QUEUE.upper()), QUEUE, False),  # ARNs compare with case
    ({"Effect": "Allow", "Action": "sqs:*", "NotResource": QUEUE}, QUEUE, False),
    ({"Effect": "Allow", "Action": "sqs:*", "NotResource": "arn:aws:s3:::*"}, QUEUE, True),
    (allow("sqs:*", QUEUE), None, True),  # no resource asked about: any will do
])
def test_covers_resource(statement, resource, expected):
    assert p.covers_resource(statement, resource) is expected


@pytest.mark.parametrize("statements, action, resource, expected", [
    ([allow("sqs:ReceiveMessage")], "sqs:ReceiveMessage", QUEUE, True),
    ([allow("sqs:*"), deny("sqs:DeleteMessage")], "sqs:DeleteMessage", QUEUE, False),
    ([allow("sqs:*"), deny("sqs:DeleteMessage")], "sqs:ReceiveMessage", QUEUE, True),
    ([allow("*"), deny("*", QUEUE)], "sqs:ReceiveMessage", QUEUE, False),
    ([allow("*"), deny("*", QUEUE)], "sqs:ReceiveMessage", QUEUE + "-dlq", True),
    ([deny("sqs:*")], "sqs:ReceiveMessage", QUEUE, False),
    ([], "sqs:ReceiveMessage", QUEUE, False),
    ([allow("sqs:ReceiveMessage", "arn:aws:sqs:*:*:other")], "sqs:ReceiveMessage", QUEUE,
     False),
    ([allow("*")], "*", "*", True),
    ([allow("logs:*")], "*", "*", False),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "sqs:ReceiveMessage",
     None, True),
], ids=["allow", "deny cancels allow", "deny elsewhere", "deny on the resource",
        "deny on another resource", "deny only", "nothing", "other resource", "admin",
        "not admin", "NotAction"])
def test_allowed_is_allow_without_deny(statements, action, resource, expected):
    assert p.allowed(statements, action, resource) is expected


@pytest.mark.parametrize("statements, expected", [
    ([allow("logs:CreateLogGroup")], True),
    ([allow(["logs:Create*", "logs:PutLogEvents"])], True),
    ([allow("logs:*"), deny("logs:CreateLogGroup")], True),  # a Deny is not read here
    ([deny("logs:CreateLogGroup")], False),
    ([{"Effect": "Allow", "NotAction": "iam:*"}], False),  # nor NotAction
])
def test_grants_reads_only_allow_actions(statements, expected):
    assert p.grants(statements, "logs:CreateLogGroup") is expected


# --- principals and trust --------------------------------------------------------------------

@pytest.mark.parametrize("principal, expected", [
    ("*", {"AWS": ["*"]}),
    ({"Service": "ecs-tasks.amazonaws.com"}, {"Service": ["ecs-tasks.amazonaws.com"]}),
    ({"Service": ["a.amazonaws.com", "b.amazonaws.com"], "AWS": "123456789012"},
     {"Service": ["a.amazonaws.com", "b.amazonaws.com"], "AWS": ["123456789012"]}),
    (None, {}),
    ("arn:aws:iam::123456789012:root", {}),  # not a valid Principal: names no one
])
def test_principals(principal, expected):
    statement = {} if principal is None else {"Principal": principal}
    assert p.principals(statement) == expected


@pytest.mark.parametrize("principal, expected", [
    ({"Service": "lambda.amazonaws.com"}, ["lambda.amazonaws.com"]),
    ({"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]},
     ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]),
    ({"AWS": "*"}, []),
    ("*", []),
])
def test_service_principals_string_or_list(principal, expected):
    assert p.service_principals({"Principal": principal}) == expected


@pytest.mark.parametrize("statement, everyone", [
    (trust("*"), True),
    (trust({"AWS": "*"}), True),
    (trust({"AWS": ["arn:aws:iam::111122223333:root", "*"]}), True),
    (trust({"AWS": "arn:aws:iam::111122223333:root"}), False),
    (trust({"Service": "*"}), False),  # only the AWS kind means "any account"
    (trust({"Federated": "*"}), False),
])
def test_names_everyone(statement, everyone):
    assert p.names_everyone(statement) is everyone


@pytest.mark.parametrize("document, expected", [
    (doc(trust({"Service": "ecs-tasks.amazonaws.com"})), False),
    (doc(trust({"Service": "ecs-tasks.amazonaws.com"}), trust({"AWS": "*"})), True),
    (doc(trust("*", effect="Deny")), False),  # denying everyone opens nothing
    (json.dumps(doc(trust("*"))), True),
])
def test_open_to_everyone(document, expected):
    assert p.open_to_everyone(document) is expected


INVOKE = "lambda:InvokeFunction"


@pytest.mark.parametrize("statement, expected", [
    (trust({"Service": "events.amazonaws.com"}, INVOKE), True),
    (trust({"Service": ["s3.amazonaws.com", "events.amazonaws.com"]}, [INVOKE]), True),
    (trust({"Service": "events.amazonaws.com"}, "lambda:*"), True),
    (trust({"Service": "s3.amazonaws.com"}, INVOKE), False),
    (trust({"Service": "events.amazonaws.com"}, INVOKE, effect="Deny"), False),
    (trust({"Service": "events.amazonaws.com"}, "lambda:GetFunction"), False),
    ({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
      "NotAction": "lambda:DeleteFunction"}, True),
])
def test_allows_service(statement, expected):
    assert p.allows_service(statement, "events.amazonaws.com", INVOKE) is expected


ECS = "ecs-tasks.amazonaws.com"


@pytest.mark.parametrize("document, allowed, trusted", [
    (doc(trust({"Service": ECS})), {ECS}, {ECS}),
    (doc(trust({"Service": [ECS, "ec2.amazonaws.com"]}, ["sts:AssumeRole"])),
     {ECS, "ec2.amazonaws.com"}, {ECS, "ec2.amazonaws.com"}),
    (doc(trust({"Service": ECS}, "sts:*")), {ECS}, {ECS}),
    (doc(trust({"Service": ECS}, "STS:ASSUMEROLE")), {ECS}, {ECS}),
    (doc(trust({"Service": ECS}), trust({"Service": ECS}, effect="Deny")), {ECS}, set()),
    (doc(trust({"Service": ECS}, "sts:AssumeRoleWithWebIdentity")), set(), set()),
    (doc(trust("*")), set(), set()),
    (doc(trust({"AWS": "arn:aws:iam::111122223333:root"})), set(), set()),
    ({"Statement": trust({"Service": ECS})}, {ECS}, {ECS}),
    (quote(json.dumps(doc(trust({"Service": ECS})))), {ECS}, {ECS}),
], ids=["string", "list", "sts:*", "case", "deny cancels allow", "web identity", "everyone",
        "account", "single statement", "url-encoded"])
def test_trusted_services(document, allowed, trusted):
    assert p.assume_role_services(document)[0] == allowed
    assert p.trusted_services(document) == trusted


@pytest.mark.parametrize("arn, name", [
    ("arn:aws:iam::123456789012:role/ecsTaskExecutionRole", "ecsTaskExecutionRole"),
    ("arn:aws:iam::123456789012:role/service-role/my-role", "my-role"),
    ("ecsTaskExecutionRole", "ecsTaskExecutionRole"),
    (None, ""),
])
def test_role_name(arn, name):
    assert p.role_name(arn) == name


@pytest.mark.parametrize("arn, managed", [
    ("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", True),
    ("arn:aws:iam::123456789012:policy/read-reports", False),
])
def test_is_aws_managed(arn, managed):
    assert p.is_aws_managed(arn) is managed


# --- reading a role through the IAM API ------------------------------------------------------

@pytest.fixture(scope="module")
def iam(sandbox):
    """An account with one role: two inline policies and one customer managed policy at
    its second version (the default), the first version granting something else."""
    account = create_account(sandbox.endpoint, managed_policies=False)
    iam = AWS.for_account(sandbox.endpoint, account).client("iam")
    iam.create_role(RoleName="worker", Path="/service-role/",
                    AssumeRolePolicyDocument=json.dumps(doc(trust({"Service": ECS}))))
    iam.put_role_policy(RoleName="worker", PolicyName="logs",
                        PolicyDocument=json.dumps(doc(allow("logs:PutLogEvents"))))
    iam.put_role_policy(RoleName="worker", PolicyName="no-delete",
                        PolicyDocument=json.dumps({"Version": "2012-10-17",
                                                   "Statement": deny("sqs:DeleteMessage")}))
    arn = iam.create_policy(PolicyName="queue", PolicyDocument=json.dumps(
        doc(allow("s3:*"))))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, SetAsDefault=True,
                              PolicyDocument=json.dumps(doc(allow("sqs:*", QUEUE))))
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    return iam


def test_get_role_answers_none_for_a_missing_role(iam):
    assert p.get_role(iam, "worker")["RoleName"] == "worker"
    assert p.get_role(iam, "ghost") is None


def test_role_from_arn_takes_the_arn_or_the_name_of_a_role_in_this_account(iam):
    arn = p.get_role(iam, "worker")["Arn"]
    assert p.role_from_arn(iam, arn)["RoleName"] == "worker"
    assert p.role_from_arn(iam, "worker")["RoleName"] == "worker"
    assert p.role_from_arn(iam, "arn:aws:iam::111122223333:role/service-role/worker") is None
    assert p.role_from_arn(iam, "arn:aws:iam::111122223333:role/ghost") is None
    assert p.role_from_arn(iam, None) is None


def test_role_policies_are_read_inline_and_attached(iam):
    assert [name for name, _ in p.inline_policies(iam, "worker")] == ["logs", "no-delete"]
    attached = p.attached_policies(iam, "worker")
    assert [a["PolicyName"] for a in attached] == ["queue"]
    assert p.attached_arns(iam, "worker") == {attached[0]["PolicyArn"]}
    assert p.managed_policy_document(iam, attached[0]["PolicyArn"]) == doc(allow("sqs:*", QUEUE))
    statements = p.role_statements(iam, "worker")
    assert statements == [allow("logs:PutLogEvents"), deny("sqs:DeleteMessage"),
                          allow("sqs:*", QUEUE)]
    assert p.allowed(statements, "sqs:ReceiveMessage", QUEUE)
    assert not p.allowed(statements, "sqs:DeleteMessage", QUEUE)
    assert not p.allowed(statements, "s3:GetObject")  # only the default version counts
    assert p.grants(statements, "logs:PutLogEvents")
