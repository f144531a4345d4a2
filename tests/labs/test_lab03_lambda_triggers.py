"""Lab 03 against a real moto server: every rule has a failing variant that loses exactly its
check's points, alternative correct solutions get full marks, and the handler only ever runs
in a separate process.

To stay fast, the rule variants share accounts: each "round" combines variants that break
different checks, so one build and one check run cover several rules at once. A round must
lose exactly the checks of its variants, which also proves the variants don't interfere."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile

import pytest
from labkit import (
    assert_passes,
    assert_untouched,
    failed,
    load_module,
    output,
    points_of,
)

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("03")
FUNCTION = "order-processor"
POINTS = points_of(LAB)
MANAGED = "arn:aws:iam::aws:policy/"
GOOD_HANDLER = '''import json


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            json.loads(record["body"])["order_id"]
        except (ValueError, KeyError, TypeError):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
'''
# Reads the function's environment variable, as Lambda provides it, and checks via a set.
ENV_HANDLER = '''import json
import os

STAGE = os.environ["STAGE"]


def is_order(body):
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and "order_id" in data


def handler(event, context):
    bad = [r["messageId"] for r in event["Records"] if not is_order(r["body"])]
    return {"batchItemFailures": [{"itemIdentifier": i} for i in bad]}
'''


def trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def policy(actions, resource="*"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": resource}]})


def package(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


def package_over_250_mb():
    """A small zip whose central directory says data.bin unzips to 251 MB, as a zip bomb's
    would: the check must refuse it from the headers, before unpacking anything."""
    data = bytearray(package({"app.py": GOOD_HANDLER, "data.bin": ""}))
    entry = data.rindex(b"PK\x01\x02")  # central directory header of the last entry
    data[entry + 24:entry + 28] = (251 * 1024 * 1024).to_bytes(4, "little")
    return bytes(data)


LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
SQS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]


def build(aws, *, role_trust="lambda.amazonaws.com", permissions="inline",
          kms="own", env=None, runtime="python3.13", deploy="s3",
          files=None, handler="app.handler", timeout=10, visibility="60",
          batch=5, window=None, report_failures=True, mapping_enabled=True,
          schedule="rule", expression="cron(0 2 * * ? *)", rule_state="ENABLED",
          events_permission="rule", scheduler_trust="scheduler.amazonaws.com",
          scheduler_invoke=True, s3_events=("s3:ObjectCreated:*",), prefix="incoming/",
          s3_permission="bucket", big=False):
    """Lab 03 done one way; each keyword introduces one mistake or one alternative."""
    iam, s3, lam = aws.client("iam"), aws.client("s3"), aws.client("lambda")
    sqs, account, region = aws.client("sqs"), aws.account_id, aws.region
    queue_url = sqs.create_queue(QueueName="orders",
                                 Attributes={"VisibilityTimeout": visibility})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url,
                                         AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    role = "order-processor-role"
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust(role_trust),
                               Path="/service-role/")["Role"]["Arn"]
    if permissions == "managed-sqs":
        iam.attach_role_policy(RoleName=role,
                               PolicyArn=MANAGED + "service-role/AWSLambdaSQSQueueExecutionRole")
    elif permissions == "inline":  # least privilege: logs anywhere, SQS on this queue only
        iam.put_role_policy(RoleName=role, PolicyName="logs", PolicyDocument=policy(LOGS))
        iam.put_role_policy(RoleName=role, PolicyName="poll", PolicyDocument=policy(SQS,
                                                                                   queue_arn))
    elif permissions == "basic+sqs-wildcards":
        iam.attach_role_policy(RoleName=role,
                               PolicyArn=MANAGED + "service-role/AWSLambdaBasicExecutionRole")
        iam.put_role_policy(RoleName=role, PolicyName="poll", PolicyDocument=policy(
            ["sqs:Receive*", "sqs:DeleteMessage", "sqs:GetQueue*"],
            f"arn:aws:sqs:{region}:{account}:ord*"))
    elif permissions == "no-logs":
        iam.put_role_policy(RoleName=role, PolicyName="poll", PolicyDocument=policy(SQS))
    elif permissions == "basic-only":
        iam.attach_role_policy(RoleName=role,
                               PolicyArn=MANAGED + "service-role/AWSLambdaBasicExecutionRole")
    elif permissions == "receive-only":
        iam.put_role_policy(RoleName=role, PolicyName="p",
                            PolicyDocument=policy(LOGS + ["sqs:ReceiveMessage"]))
    elif permissions == "other-queue":
        iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=policy(LOGS))
        iam.put_role_policy(RoleName=role, PolicyName="q", PolicyDocument=policy(
            SQS, f"arn:aws:sqs:{region}:{account}:payments"))
    elif permissions == "denied":
        iam.attach_role_policy(RoleName=role,
                               PolicyArn=MANAGED + "service-role/AWSLambdaSQSQueueExecutionRole")
        iam.put_role_policy(RoleName=role, PolicyName="deny", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "sqs:DeleteMessage", "Resource": "*"}]}))
    elif permissions == "admin":
        iam.attach_role_policy(RoleName=role, PolicyArn=MANAGED + "AdministratorAccess")

    kms_client, key_arn = aws.client("kms"), None
    if kms == "aws-managed":
        key_arn = kms_client.describe_key(KeyId="alias/aws/lambda")["KeyMetadata"]["Arn"]
    elif kms == "asymmetric":
        key_arn = kms_client.create_key(KeySpec="RSA_2048",
                                        KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    elif kms in ("own", "disabled"):
        key = kms_client.create_key(Description="env vars")["KeyMetadata"]
        key_arn = key["Arn"]
        if kms == "disabled":
            kms_client.disable_key(KeyId=key["KeyId"])

    code = package(files or {"app.py": GOOD_HANDLER})
    if big:  # claims more than 250 MB unzipped (zeros compress to almost nothing)
        code = package_over_250_mb()
    bucket = f"code-{account}"
    s3.create_bucket(Bucket=bucket)
    if deploy != "zipfile":  # "zipfile": the zip is uploaded straight to Lambda, never to S3
        s3.put_object(Bucket=bucket, Key="builds/order-processor.zip", Body=code)
    s3.put_object(Bucket=bucket, Key="notes.txt", Body=b"not the code")
    source = ({"ZipFile": code} if deploy == "zipfile"
              else {"S3Bucket": bucket, "S3Key": "builds/order-processor.zip"})
    settings = {"Environment": {"Variables": env if env is not None else {"STAGE": "lab"}}}
    if key_arn:
        settings["KMSKeyArn"] = key_arn
    function_arn = lam.create_function(
        FunctionName=FUNCTION, Runtime=runtime, Role=role_arn, Handler=handler, Code=source,
        Timeout=timeout, **settings)["FunctionArn"]
    if deploy == "overwritten":  # the object changed after the deploy: it no longer matches
        s3.put_object(Bucket=bucket, Key="builds/order-processor.zip",
                      Body=package({"app.py": GOOD_HANDLER + "\n# v2\n"}))

    mapping = {"EventSourceArn": queue_arn, "FunctionName": FUNCTION, "BatchSize": batch,
               "Enabled": mapping_enabled}
    if window is not None:
        mapping["MaximumBatchingWindowInSeconds"] = window
    if report_failures:
        mapping["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    lam.create_event_source_mapping(**mapping)

    if schedule == "rule":
        events = aws.client("events")
        rule_arn = events.put_rule(Name="nightly", ScheduleExpression=expression,
                                   State=rule_state)["RuleArn"]
        events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": function_arn}])
        source_arn = {"rule": rule_arn, "other-rule": rule_arn.replace("nightly", "hourly"),
                      "wildcard": rule_arn.replace("nightly", "night*")}.get(events_permission)
        if events_permission:
            extra = {"SourceArn": source_arn} if source_arn else {}
            lam.add_permission(FunctionName=FUNCTION, StatementId="events",
                               Action="lambda:InvokeFunction",
                               Principal="events.amazonaws.com", **extra)
    elif schedule == "scheduler":
        sched_role = iam.create_role(RoleName="scheduler-invoke",
                                     AssumeRolePolicyDocument=trust(scheduler_trust))["Role"]
        if scheduler_invoke:
            iam.put_role_policy(RoleName="scheduler-invoke", PolicyName="invoke",
                                PolicyDocument=policy("lambda:InvokeFunction",
                                                      [function_arn, function_arn + ":*"]))
        aws.client("scheduler").create_schedule(
            Name="nightly", ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": function_arn, "RoleArn": sched_role["Arn"]})

    uploads = f"uploads-{account}"
    s3.create_bucket(Bucket=uploads)
    if s3_permission:
        arn = {"bucket": f"arn:aws:s3:::{uploads}",
               "other-bucket": f"arn:aws:s3:::other-{account}"}.get(s3_permission)
        lam.add_permission(FunctionName=FUNCTION, StatementId="s3",
                           Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                           SourceAccount=account, **({"SourceArn": arn} if arn else {}))
    entry = {"LambdaFunctionArn": function_arn, "Events": list(s3_events)}
    if prefix:
        entry["Filter"] = {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}
    s3.put_bucket_notification_configuration(
        Bucket=uploads, NotificationConfiguration={"LambdaFunctionConfigurations": [entry]})


def new_aws(lab_account, managed=False):
    """A fresh, set-up account; AWS managed IAM policies only where a variant attaches one."""
    return lab_account(LAB.id, managed_policies=managed)


@pytest.mark.parametrize("alternative", [
    {"permissions": "managed-sqs", "schedule": "scheduler", "expression": "rate(1 day)",
     "s3_events": ("s3:ObjectCreated:Put", "s3:ObjectCreated:Post"),
     "files": {"app.py": ENV_HANDLER}},
    {"permissions": "basic+sqs-wildcards", "expression": "rate(5 minutes)",
     "events_permission": "wildcard", "batch": 100, "window": 5, "runtime": "python3.12",
     "files": {"orders/__init__.py": "", "orders/handler.py": GOOD_HANDLER},
     "handler": "orders.handler.handler"},
], ids=["managed-scheduler-rate-env-handler", "wildcards-batching-window-package"])
def test_alternative_correct_solutions_get_full_marks(lab_account, alternative):
    aws = new_aws(lab_account, managed=alternative.get("permissions") in MANAGED_VARIANTS)
    build(aws, **alternative)
    result = check_lab(LAB, aws)
    assert_passes(result)
    assert result.score == 15


HANDLER = "handler_reports_batch_failures"
# (rule number in lab.toml, mistake, build kwargs, checks it must fail, words in the message)
VARIANTS = [
    (1, "role trusts EC2, not Lambda", {"role_trust": "ec2.amazonaws.com"},
     ("execution_role",), "does not trust lambda.amazonaws.com"),
    (2, "no CloudWatch Logs permissions", {"permissions": "no-logs"},
     ("execution_role",), "logs:CreateLogGroup"),
    (3, "logs only, no SQS polling", {"permissions": "basic-only"},
     ("execution_role",), "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes"),
    (3, "only sqs:ReceiveMessage", {"permissions": "receive-only"},
     ("execution_role",), "sqs:DeleteMessage, sqs:GetQueueAttributes"),
    (3, "SQS allowed on another queue", {"permissions": "other-queue"},
     ("execution_role",), "on queue 'orders'"),
    (3, "an explicit Deny wins", {"permissions": "denied"},
     ("execution_role",), "does not allow sqs:DeleteMessage"),
    (4, "AdministratorAccess", {"permissions": "admin"},
     ("execution_role",), "allows every action"),
    (5, "default aws/lambda key", {"kms": None},
     ("env_encrypted_with_own_key",), "default AWS managed key"),
    (5, "AWS managed key by ARN", {"kms": "aws-managed"},
     ("env_encrypted_with_own_key",), "AWS managed key (alias aws/...)"),
    (5, "disabled key", {"kms": "disabled"},
     ("env_encrypted_with_own_key",), "is Disabled"),
    (5, "asymmetric signing key", {"kms": "asymmetric"},
     ("env_encrypted_with_own_key",), "symmetric ENCRYPT_DECRYPT"),
    (5, "no environment variables", {"env": {}},
     ("env_encrypted_with_own_key",), "no environment variables"),
    (6, "deprecated runtime", {"runtime": "python3.9"},
     ("deployed_from_s3",), "python3.9"),
    (7, "zip sent with ZipFile, never put in S3", {"deploy": "zipfile"},
     ("deployed_from_s3", HANDLER), "No object in your S3 buckets has"),
    (7, "S3 object replaced after the deploy", {"deploy": "overwritten"},
     ("deployed_from_s3", HANDLER), "or the object changed since"),
    (8, "handler file inside a folder", {"files": {"src/app.py": GOOD_HANDLER}},
     (HANDLER,), "no app.py at its root (it holds: src/app.py)"),
    (8, "handler without a function name", {"handler": "app"},
     (HANDLER,), "is not module.function"),
    (8, "package over 250 MB unzipped", {"big": True},
     (HANDLER,), "more than 250 MB"),
    (9, "handler returns nothing", {"files": {"app.py": "def handler(event, context):\n"
                                                        "    pass\n"}},
     (HANDLER,), "returned null"),
    (9, "handler raises on bad JSON", {"files": {"app.py": (
        "import json\n\ndef handler(event, context):\n    for r in event['Records']:\n"
        "        json.loads(r['body'])['order_id']\n    return {'batchItemFailures': []}\n")}},
     (HANDLER,), "raised JSONDecodeError"),
    (9, "handler fails every message", {"files": {"app.py": (
        "def handler(event, context):\n    return {'batchItemFailures': [\n"
        "        {'itemIdentifier': r['messageId']} for r in event['Records']]}\n")}},
     (HANDLER,), "three valid orders, the handler reported 3"),
    (9, "handler misses the record without order_id", {"files": {"app.py": (
        "import json\n\ndef handler(event, context):\n    bad = []\n"
        "    for r in event['Records']:\n        try:\n            json.loads(r['body'])\n"
        "        except ValueError:\n            bad.append({'itemIdentifier': r['messageId']})\n"
        "    return {'batchItemFailures': bad}\n")}},
     (HANDLER,), "reported 1 failure(s) matching 1 of the 2"),
    (9, "handler does not import", {"files": {"app.py": "import requests_not_here\n"}},
     (HANDLER,), "ModuleNotFoundError"),
    (10, "mapping disabled", {"mapping_enabled": False},
     ("sqs_event_source_mapping",), "is disabled"),
    (10, "no ReportBatchItemFailures", {"report_failures": False},
     ("sqs_event_source_mapping",), "ReportBatchItemFailures"),
    (11, "batch of 100 without a window", {"batch": 100},
     ("sqs_event_source_mapping",), "MaximumBatchingWindowInSeconds"),
    (12, "timeout above visibility timeout", {"timeout": 60, "visibility": "30"},
     ("sqs_event_source_mapping",), "visibility timeout of queue 'orders' (30 s)"),
    (13, "rate with singular unit for 5", {"expression": "rate(5 minute)"},
     ("scheduled_invocation",), "plural"),
    (13, "cron with both day fields", {"expression": "cron(0 2 * * * *)"},
     ("scheduled_invocation",), "exactly one of day-of-month and day-of-week"),
    (13, "one-time Scheduler schedule", {"schedule": "scheduler",
                                          "expression": "at(2030-01-01T02:00:00)"},
     ("scheduled_invocation",), "one-time"),
    (14, "rule disabled", {"rule_state": "DISABLED"},
     ("scheduled_invocation",), "is disabled"),
    (14, "no permission for EventBridge", {"events_permission": None},
     ("scheduled_invocation",), "no resource-based permission for events.amazonaws.com"),
    (14, "permission without SourceArn", {"events_permission": "no-source"},
     ("scheduled_invocation",), "has no SourceArn"),
    (14, "permission for another rule", {"events_permission": "other-rule"},
     ("scheduled_invocation",), "different SourceArn"),
    (15, "scheduler role trusts Lambda", {"schedule": "scheduler",
                                          "scheduler_trust": "lambda.amazonaws.com"},
     ("scheduled_invocation",), "does not trust scheduler.amazonaws.com"),
    (15, "scheduler role cannot invoke", {"schedule": "scheduler", "scheduler_invoke": False},
     ("scheduled_invocation",), "does not allow lambda:InvokeFunction"),
    (16, "notification on deletes", {"s3_events": ("s3:ObjectRemoved:*",)},
     ("s3_upload_trigger",), "s3:ObjectCreated"),
    (16, "notification without prefix", {"prefix": None},
     ("s3_upload_trigger",), "no prefix filter"),
    (17, "no permission for S3", {"s3_permission": None},
     ("s3_upload_trigger",), "no resource-based permission for s3.amazonaws.com"),
    (17, "S3 permission without SourceArn", {"s3_permission": "no-source"},
     ("s3_upload_trigger",), "has no SourceArn"),
    (17, "S3 permission for another bucket", {"s3_permission": "other-bucket"},
     ("s3_upload_trigger",), "different SourceArn"),
]
MANAGED_VARIANTS = ("managed-sqs", "basic+sqs-wildcards", "basic-only", "denied", "admin")


def _rounds(variants):
    """Put each variant in the first round where none of its checks is taken yet."""
    rounds = []
    for variant in variants:
        lost = set(variant[3])
        for members in rounds:
            if not lost & {c for v in members for c in v[3]}:
                members.append(variant)
                break
        else:
            rounds.append([variant])
    return rounds


ROUNDS = _rounds(VARIANTS)
ROUND_OF = {v[1]: n for n, members in enumerate(ROUNDS) for v in members}


@pytest.fixture(scope="module")
def round_result(lab_account):
    """Build and check each round once (lazily), then share its result between tests."""
    cache = {}

    def get(number):
        if number not in cache:
            members = ROUNDS[number]
            kwargs = {k: v for member in members for k, v in member[2].items()}
            aws = new_aws(lab_account, managed=kwargs.get("permissions") in MANAGED_VARIANTS)
            build(aws, **kwargs)
            cache[number] = (aws, check_lab(LAB, aws))
        return cache[number]

    return get


def test_every_rule_in_lab_toml_has_a_failing_variant():
    assert {v[0] for v in VARIANTS} == set(range(1, len(LAB.rules) + 1))
    assert len(ROUNDS) <= 10, "keep the file fast: variants should share accounts"


@pytest.mark.parametrize("rule, mistake, kwargs, lost, says", VARIANTS,
                         ids=[v[1] for v in VARIANTS])
def test_each_rule_has_a_failing_variant(round_result, rule, mistake, kwargs, lost, says):
    _, result = round_result(ROUND_OF[mistake])
    assert set(lost) <= set(failed(result)), mistake
    assert says in output(result, lost[0])


@pytest.mark.parametrize("number", range(len(ROUNDS)))
def test_partly_wrong_rounds_lose_exactly_their_checks(round_result, number):
    _, result = round_result(number)
    lost = sorted({c for variant in ROUNDS[number] for c in variant[3]})
    assert failed(result) == lost, [v[1] for v in ROUNDS[number]]
    assert result.score == 15 - sum(POINTS[c] for c in lost)
    for test in result.tests:
        if not test.passed:
            assert test.status == "failed" and test.output and test.hint


@pytest.mark.parametrize("mistake, kwargs, lost, expected_score", [
    ("python3.9 runtime", {"runtime": "python3.9"}, ["deployed_from_s3"], 13),
    ("code never uploaded to S3", {"deploy": "zipfile"}, ["deployed_from_s3", HANDLER], 10),
    ("role cannot poll SQS and key is disabled", {"permissions": "receive-only",
                                                  "kms": "disabled"},
     ["env_encrypted_with_own_key", "execution_role"], 11),
])
def test_partly_wrong_variants_lose_exactly_their_points(lab_account, mistake, kwargs, lost,
                                                         expected_score):
    aws = new_aws(lab_account)
    build(aws, **kwargs)
    result = check_lab(LAB, aws)
    assert failed(result) == lost, mistake
    assert result.score == expected_score


def test_slow_handler_is_stopped_at_the_function_timeout(lab_account):
    """The handler runs in a child process that is killed at the function's Timeout."""
    aws = new_aws(lab_account)
    build(aws, timeout=1, files={"app.py": "import time\n\n\ndef handler(event, context):\n"
                                           "    time.sleep(60)\n"})
    started = time.monotonic()
    result = check_lab(LAB, aws)
    assert time.monotonic() - started < 30  # the handler sleeps 60 s; we stop it at ~3 s
    assert failed(result) == [HANDLER]
    assert "within 1 s" in output(result, HANDLER)


def test_handler_never_runs_in_the_grader_process(lab_account, tmp_path):
    """The handler sees the function's variables, not the grader's, and cannot touch them.

    Also a third correct solution: weekday cron, Lambda's default file name, Timeout equal to
    the visibility timeout."""
    aws = new_aws(lab_account)
    marker = tmp_path / "ran.txt"
    handler = GOOD_HANDLER.replace(
        "def handler(event, context):\n",
        "import os\n\n\ndef handler(event, context):\n"
        f"    open({str(marker)!r}, 'w').write(str(os.getpid()) + ' ' + os.environ['STAGE'] "
        "+ ' ' + str('COMPUTELAB_HOME' in os.environ))\n"
        "    os.environ['LEAKED_FROM_HANDLER'] = '1'\n")
    build(aws, files={"lambda_function.py": handler}, handler="lambda_function.handler",
          expression="cron(0/15 8-17 ? * MON-FRI *)", timeout=30, visibility="30")
    assert_passes(check_lab(LAB, aws))
    pid, stage, saw_grader_env = marker.read_text().split()
    assert int(pid) != os.getpid() and stage == "lab" and saw_grader_env == "False"
    assert "LEAKED_FROM_HANDLER" not in os.environ


def test_untouched_scores_zero_with_a_message_per_check(lab_account):
    result = check_lab(LAB, new_aws(lab_account))
    assert_untouched(result)
    assert len({t.output for t in result.tests}) == len(result.tests)


def test_same_state_gives_identical_results(round_result):
    aws, result = round_result(0)
    again = check_lab(LAB, aws).to_dict()
    assert again == result.to_dict()
    assert aws.account_id not in json.dumps(again)


VALID = ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)",
         "rate(7 days)", "cron(0 10 * * ? *)", "cron(15 12 * * ? *)",
         "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)", "cron(0/15 * * * ? *)",
         "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)",
         "cron(0 0 L * ? *)", "cron(0 0 ? * 6L *)", "cron(0 12 15W * ? *)",
         "cron(0 0 1 JAN,JUL ? 2030)", "cron(30 6 ? * SUN *)", "cron(0 2 1-15 * ? 2026-2030)"]
INVALID = ["rate(5 minute)", "rate(1 minutes)", "rate(0 minutes)", "rate(1 week)",
           "rate(five minutes)", "rate(1.5 hours)", "rate(5)", "cron(0 10 * * * *)",
           "cron(0 10 ? * ? *)", "cron(0 10 * * ?)", "cron(0 10 * * ? * *)",
           "cron(60 10 * * ? *)", "cron(0 24 * * ? *)", "cron(0 10 32 * ? *)",
           "cron(0 10 * 13 ? *)", "cron(0 10 ? * 8 *)", "cron(0 10 * * ? 1969)",
           "cron(0 ? * * ? *)", "cron(0 10 ? * 2#1,6#3 *)", "cron(0 10 ? * 2#6 *)",
           "cron(0 10 * FOO ? *)", "cron(*/0 10 * * ? *)", "at(2030-01-01T00:00:00)",
           "every day", "", "0 10 * * ? *"]


def test_schedule_expressions_follow_eventbridge_syntax():
    """Rule 13 in detail: AWS's documented examples pass, common slips fail."""
    problem = load_module(LAB).schedule_problem
    assert [e for e in VALID if problem(e)] == []
    assert [e for e in INVALID if not problem(e)] == []
    assert "rate(1 hour)" in problem("rate(1 hours)")
    assert "has 5 fields" in problem("cron(0 2 * * ?)")
    assert "hours field '24'" in problem("cron(0 24 * * ? *)")
