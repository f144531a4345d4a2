"""Checks for lab 03: wire event-driven triggers to a Lambda function.

Every rule is listed in lab.toml ``rules``. The checks read state through boto3 only, so
they run unchanged against the sandbox, LocalStack or a real account. moto validates almost
none of these rules (role trust, runtime names, schedule syntax, resource-based permissions,
batching windows), so the checks enforce them, each with a message that says why.

Code never runs inside moto here. ``handler_reports_batch_failures`` therefore takes the zip
from the S3 object the function was deployed from (the object whose SHA-256 equals the
function's ``CodeSha256``) and calls the learner's handler in a separate Python process,
with a minimal environment and a time limit; never in the grader's own process.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from pathlib import Path

from grader import check, fail
from grader.kit import handlers, probes
from grader.kit.feedback import about
from grader.kit.lookups import or_fail, or_none
from grader.kit.policies import (
    allowed,
    allows_service,
    get_role,
    listed,
    matches,
    role_name,
    role_statements,
    statements,
)
from grader.kit.regions import absent
from grader.kit.schedules import schedule_problem

FUNCTION = "order-processor"
# Python runtimes Lambda accepts for new functions (python3.9 and older are deprecated).
PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
SQS_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
INVOKE = "lambda:InvokeFunction"
MAX_HANDLER_SECONDS = 10  # never wait longer than this for a learner's handler


# --- small helpers ---------------------------------------------------------------------------


def _find_function(client):
    return or_none(lambda: client.get_function_configuration(FunctionName=FUNCTION),
                   "ResourceNotFoundException")


def _function(aws, consequence):
    """The function's configuration, read once per run; fails saying what is missing (and
    where else it was made, if it was)."""
    function = aws.once("function", lambda: _find_function(aws.client("lambda")))
    if function is None:
        absent(aws, f"No Lambda function named '{FUNCTION}' yet, so {consequence}.", "lambda",
               _find_function, key="function")
    return function


def _role(iam, role_arn):
    """The role behind ``role_arn`` in this account, or None."""
    return get_role(iam, role_name(role_arn))


def _trusts(role, service):
    """True when the role's trust policy lets ``service`` call sts:AssumeRole."""
    return any(allows_service(statement, service, "sts:AssumeRole")
               for statement in statements(role.get("AssumeRolePolicyDocument")))


def _targets_function(arn, function_arn):
    """True for the function's ARN, with or without a version or alias qualifier."""
    return arn == function_arn or arn.startswith(function_arn + ":")


def _mappings(aws, function_arn):
    """The function's SQS event source mappings (listed unfiltered, then matched by ARN),
    read once per run."""
    def read():
        pages = aws.client("lambda").get_paginator("list_event_source_mappings").paginate()
        return [m for page in pages for m in page["EventSourceMappings"]
                if _targets_function(m.get("FunctionArn", ""), function_arn)
                and m.get("EventSourceArn", "").startswith("arn:aws:sqs:")]
    return aws.once(f"mappings:{function_arn}", read)


def _resource_policy(aws, qualifier=None):
    """The statements of the function's resource-based policy (who may invoke it)."""
    kwargs = {"FunctionName": FUNCTION}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    return aws.once(f"policy:{qualifier}", lambda: statements(or_none(
        lambda: aws.client("lambda").get_policy(**kwargs)["Policy"],
        "ResourceNotFoundException")))


def _qualifier(target_arn, function_arn):
    return target_arn[len(function_arn) + 1:] if target_arn != function_arn else None


def _invoke_policy(aws, target_arn, function_arn):
    """The resource-policy statements that decide whether ``target_arn`` may be invoked: the
    function's, plus its version's or alias's when the target names one."""
    qualifier = _qualifier(target_arn, function_arn)
    return _resource_policy(aws) + (_resource_policy(aws, qualifier) if qualifier else [])


def _source_arns(statement):
    """The SourceArn values a permission's Condition pins, with whether wildcards apply."""
    found = []
    for operator, pairs in (statement.get("Condition") or {}).items():
        op = operator.lower().removesuffix("ifexists")
        for key, values in (pairs or {}).items():
            if key.lower() == "aws:sourcearn":
                found += [(v, op in ("arnlike", "stringlike")) for v in listed(values)]
    return found


def _permission_problem(policy, service, source_arn, what, kind):
    """Why ``service`` may not invoke the function for ``source_arn``, or None when it may.

    ``policy``: the statements of the function's resource-based policy."""
    granted = [s for s in policy if allows_service(s, service, INVOKE)]
    if not granted:
        return (f"order-processor has no resource-based permission for {service}, so AWS "
                f"refuses to let {what} invoke it: call lambda.add_permission with "
                f"Principal='{service}' and Action='{INVOKE}'.")
    pinned = [_source_arns(s) for s in granted]
    if not any(pinned):
        return (f"The permission for {service} has no SourceArn, so any {kind} in any "
                "account could invoke order-processor (the confused-deputy problem): pass "
                f"the ARN of {what} as SourceArn to add_permission.")
    for arns in pinned:
        for value, like in arns:
            if (matches(value, source_arn) if like else value == source_arn):
                return None
    return (f"The permission for {service} names a different SourceArn than {what}, so its "
            "invocations would be refused: use that exact ARN as SourceArn.")


# --- the sample events the handler is run on ------------------------------------------------


# (what the body is, the body, whether the handler must report it). Good orders vary the
# order_id's type and the other fields; bad ones cover every way a body can fail the
# contract, including two that fool a text search or a list-unaware lookup.
GOOD_BODIES = [
    ("an order with a string order_id", json.dumps({"order_id": "A-1", "quantity": 1})),
    ("an order with a numeric order_id", json.dumps({"order_id": 1042, "quantity": 3})),
    ("an order with non-ASCII text", json.dumps({"order_id": "Ü-7", "note": "café"})),
    ("an order with nested items", json.dumps({"quantity": 2, "order_id": "B-2",
                                               "items": [{"sku": "x-1"}]})),
]
BAD_BODIES = [
    ("not JSON ('quantity=2')", "quantity=2"),
    ("empty", ""),
    ("JSON without order_id", json.dumps({"quantity": 1})),
    ("JSON that mentions order_id only in a value", json.dumps({"note": "order_id missing"})),
    ("a JSON list, not an object", json.dumps([{"order_id": "A-9"}])),
    ("truncated JSON", '{"order_id": "A-5"'),
]
_G, _B = [(label, body, False) for label, body in GOOD_BODIES], [
    (label, body, True) for label, body in BAD_BODIES]
SAMPLE_BATCHES = [
    _G,                                                   # every message good
    [_G[0], _B[0], _G[1], _B[2], _B[3], _G[2]],           # mixed, bad ones in between
    [_B[4]],                                              # one message, and it is bad
    [_G[3], _B[1], _G[0], _B[5], _G[1], _B[2], _G[2], _B[0], _G[3], _B[4]],  # ten
]


def _record(aws, message_id, body):
    return {"messageId": message_id, "receiptHandle": "AQEB" + message_id.replace("-", ""),
            "body": body, "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {}, "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs", "awsRegion": aws.region,
            "eventSourceARN": f"arn:aws:sqs:{aws.region}:{aws.account_id}:orders"}


def _message_id(batch, position):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"computelab/03/{batch}/{position}"))


def _sample_events(aws):
    """The SQS events the handler is tried on, and per event {messageId: (label, is bad)}."""
    events, truth = [], []
    for number, batch in enumerate(SAMPLE_BATCHES):
        ids = [_message_id(number, n) for n in range(len(batch))]
        events.append({"Records": [_record(aws, mid, body)
                                   for mid, (_, body, _) in zip(ids, batch, strict=True)]})
        truth.append({mid: (label, bad) for mid, (label, _, bad) in zip(ids, batch,
                                                                         strict=True)})
    return events, truth


def _failed_ids(result):
    """The messageIds a partial batch response reports, or None when it is not one."""
    if not isinstance(result, dict) or not isinstance(result.get("batchItemFailures"), list):
        return None
    items = result["batchItemFailures"]
    if not all(isinstance(i, dict) and isinstance(i.get("itemIdentifier"), str) for i in items):
        return None
    return {i["itemIdentifier"] for i in items}


# --- the checks ----------------------------------------------------------------------------


@check(points=2, hint="iam.create_role(RoleName=..., AssumeRolePolicyDocument=<trust "
                      "lambda.amazonaws.com>); iam.attach_role_policy(RoleName=..., PolicyArn="
                      "'arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole')")
def execution_role(aws):
    """order-processor's execution role trusts Lambda and may write logs and poll SQS"""
    function = _function(aws, "there is no execution role to check: create the role, then "
                              "the function with Role=the role's ARN")
    iam = aws.client("iam")
    role = _role(iam, function["Role"])
    name = role_name(function["Role"])
    assert role, (f"order-processor's execution role '{name}' does not exist in your "
                  "account; Lambda could not assume it to run your code.")
    assert _trusts(role, "lambda.amazonaws.com"), (
        f"Role '{name}' does not trust lambda.amazonaws.com: its trust policy must allow that "
        "service principal sts:AssumeRole, or Lambda cannot take the role to run your code.")
    permissions = role_statements(iam, role["RoleName"])
    assert not allowed(permissions, "*", "*"), (
        f"Role '{name}' allows every action ('*'), e.g. through AdministratorAccess. A "
        "function should get only what it needs: logs plus the SQS polling actions.")
    missing = [a for a in LOG_ACTIONS if not allowed(permissions, a)]
    assert not missing, (
        f"Role '{name}' does not allow {', '.join(missing)}, so the function cannot send its "
        "logs to CloudWatch Logs: attach AWSLambdaBasicExecutionRole or allow those actions.")
    queues = [m["EventSourceArn"] for m in _mappings(aws, function["FunctionArn"])] or [None]
    for queue in queues:
        missing = [a for a in SQS_ACTIONS if not allowed(permissions, a, queue)]
        where = f" on queue '{queue.rsplit(':', 1)[-1]}'" if queue else ""
        assert not missing, (
            f"Role '{name}' does not allow {', '.join(missing)}{where}. The event source "
            "mapping polls the queue with the function's role, so it needs sqs:ReceiveMessage, "
            "sqs:DeleteMessage and sqs:GetQueueAttributes (AWSLambdaSQSQueueExecutionRole).")


@check(points=2, hint="key = kms.create_key(Description='order-processor env vars'); "
                      "create_function(..., Environment={'Variables': {'STAGE': 'lab'}}, "
                      "KMSKeyArn=key['KeyMetadata']['Arn'])")
def env_encrypted_with_own_key(aws):
    """order-processor's environment variables are encrypted with a KMS key you created"""
    function = _function(aws, "there are no environment variables to check: pass "
                              "Environment and KMSKeyArn to create_function")
    assert function.get("Environment", {}).get("Variables"), (
        "order-processor has no environment variables; give it one (e.g. STAGE=lab) so "
        "there is configuration to encrypt.")
    key_arn = function.get("KMSKeyArn")
    assert key_arn, (
        "order-processor's environment variables use the default AWS managed key (aws/lambda); "
        "pass KMSKeyArn with a customer managed key so you control its policy and rotation.")
    kms = aws.client("kms")
    key = or_fail(lambda: kms.describe_key(KeyId=key_arn)["KeyMetadata"], "NotFoundException",
                  "order-processor's KMSKeyArn names a key that does not exist in your account; "
                  "Lambda could not decrypt its variables.")
    aliases = kms.list_aliases(KeyId=key["KeyId"]).get("Aliases", [])
    assert key.get("KeyManager") == "CUSTOMER" and not any(
        a["AliasName"].startswith("alias/aws/") for a in aliases), (
        "order-processor's KMS key is an AWS managed key (alias aws/...); create your own key "
        "with kms.create_key so you control who may use it.")
    assert key.get("KeyState") == "Enabled", (
        f"order-processor's KMS key is {key.get('KeyState')}; Lambda cannot decrypt the "
        "variables with it, so the function would fail to start. Enable the key.")
    assert (key.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
            and key.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"), (
        "order-processor's KMS key is asymmetric or not for encryption; Lambda only uses "
        "symmetric ENCRYPT_DECRYPT keys for environment variables.")


@check(points=2, hint="s3.put_object(Bucket=code_bucket, Key='order-processor.zip', Body=zip_"
                      "bytes); lambda.create_function(FunctionName='order-processor', Runtime="
                      "'python3.13', Code={'S3Bucket': code_bucket, 'S3Key': "
                      "'order-processor.zip'}, ...)")
def deployed_from_s3(aws):
    """order-processor runs a current Python runtime, deployed from a .zip in S3"""
    # AWS keeps no record of how code was uploaded, so "deployed from S3" is checked as
    # "the deployed zip (CodeSha256) is an object in one of your buckets".
    function = _function(aws, "nothing is deployed: upload the .zip to S3, then call "
                              "lambda.create_function with Code={'S3Bucket': ..., 'S3Key': ...}")
    runtime = function.get("Runtime", "")
    with about(FUNCTION):
        assert runtime in PYTHON_RUNTIMES, (
            f"order-processor uses runtime '{runtime}'; use a current Python runtime "
            f"({PYTHON_RUNTIMES[0]} to {PYTHON_RUNTIMES[-1]}) with "
            "lambda.update_function_configuration(FunctionName='order-processor', Runtime=...). "
            "Deprecated runtimes such as python3.9 get no security patches and cannot be used "
            "for new functions.")
    _deployed_code(aws, function)


def _zip_objects(aws):
    """(bucket, key) of every .zip object in the account's buckets."""
    s3 = aws.client("s3")
    found = []
    for bucket in s3.list_buckets().get("Buckets", []):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            found += [(bucket["Name"], o["Key"]) for o in page.get("Contents", [])
                      if o["Key"].endswith(".zip")]
    return found


def _read_deployed_code(aws, function):
    """(zip bytes, '', []) or (None, why not, S3 objects it is about): the S3 object the
    function runs, or the reason, telling a zip uploaded after the last deploy (drift) from
    code that never came from S3."""
    try:
        return handlers.deployed_zip(aws, function), "", []
    except AssertionError as exc:
        zips = _zip_objects(aws)
        if not zips:
            return None, str(exc), []
        keys = ", ".join(sorted({key for _, key in zips})[:3])
        return None, (
            f"order-processor's deployed code matches no object in your buckets, but they "
            f"hold {keys}: the zip changed after the last deploy, so the function still runs "
            "older code than your notebook's. Deploy it with lambda.update_function_code("
            "FunctionName='order-processor', S3Bucket=..., S3Key=...)."), [
                f"s3://{bucket}/{key}" for bucket, key in zips]


def _deployed_code(aws, function):
    """The deployed zip (read once per run); fails naming the function when it is not in S3."""
    code, problem, objects = aws.once("code", lambda: _read_deployed_code(aws, function))
    if code is None:
        fail(problem, FUNCTION, *objects)
    return code


def _try_handler(aws, function, code, module, events, seconds):
    """Run the handler on every sample event in one separate process."""
    with tempfile.TemporaryDirectory(prefix="computelab-lambda-") as tmp:
        workdir = Path(tmp)
        code_dir = workdir / "task"
        handlers.unpack(code, code_dir, module)
        return handlers.invoke(code_dir, function, events, workdir, aws.region, seconds)


@check(points=3, hint="def handler(event, context): return {'batchItemFailures': "
                      "[{'itemIdentifier': r['messageId']} for r in event['Records'] if the "
                      "body is not a JSON object with an order_id]}, then upload the zip and "
                      "lambda.update_function_code(FunctionName='order-processor', "
                      "S3Bucket=..., S3Key=...)")
def handler_reports_batch_failures(aws):
    """The handler reports exactly the bad messages of an SQS batch"""
    function = _function(aws, "there is no handler to try on a sample SQS batch")
    with about(FUNCTION):
        _judge_handler(aws, function)


def _judge_handler(aws, function):
    assert function.get("Runtime", "").startswith("python"), (
        "order-processor is not a Python function, so its handler cannot be tried here.")
    module = handlers.handler_module(function.get("Handler"))
    try:
        code = _deployed_code(aws, function)
    except AssertionError as exc:
        raise AssertionError(f"The handler cannot be fetched to try it. {exc}") from None
    seconds = min(int(function.get("Timeout", 3)), MAX_HANDLER_SECONDS)
    events, truth = _sample_events(aws)
    settings = {"handler": function.get("Handler"), "seconds": seconds,
                "environment": function.get("Environment", {}).get("Variables", {})}
    outcome = probes.probe(function["CodeSha256"], settings, events,
                           lambda: _try_handler(aws, function, code, module, events, seconds))
    stage = outcome.get("stage")
    assert stage != "timeout", (
        f"The handler did not finish the {len(events)} sample batches within {seconds} s (the "
        "function's Timeout, at most 10 s here); Lambda would stop it and retry the batch.")
    assert stage != "import", (
        f"Importing the handler '{function['Handler']}' failed: {outcome.get('error')}. "
        "Lambda would report Runtime.ImportModuleError.")
    assert stage != "invoke", (
        f"The handler raised {outcome.get('error')} on a sample SQS batch. An unhandled error "
        "fails the whole batch, so every message would come back after the visibility "
        "timeout: catch the error per record and report that record instead.")
    assert stage != "serialize", (
        f"The handler returned a value Lambda cannot turn into JSON ({outcome.get('error')}).")
    assert stage == "done", f"The handler's process stopped early ({outcome.get('error')})."
    for number, (result, batch) in enumerate(zip(outcome["results"], truth, strict=True), 1):
        _judge_batch(number, result, batch)


def _judge_batch(number, result, batch):
    """One sample batch's response against the truth: names the first misjudged body."""
    failed = _failed_ids(result)
    size = f"{len(batch)} message{'s' if len(batch) > 1 else ''}"
    assert failed is not None, (
        f"For sample batch {number} ({size}) the handler returned {json.dumps(result)[:120]}; "
        "it must return a partial batch response: {'batchItemFailures': [{'itemIdentifier': "
        "record['messageId']}, ...]}.")
    unknown = failed - set(batch)
    assert not unknown, (
        f"For sample batch {number} ({size}) the handler reported itemIdentifier(s) that are "
        "no messageId of the batch; report record['messageId'] (not the receipt handle), or "
        "Lambda treats the whole batch as failed.")
    good_reported = [label for mid, (label, bad) in batch.items() if mid in failed and not bad]
    assert not good_reported, (
        f"For sample batch {number} ({size}) the handler reported a good message as failed "
        f"(body: {good_reported[0]}); Lambda would put it back on the queue and process it "
        "again. A body counts as good when it is a JSON object with an order_id.")
    missed = [label for mid, (label, bad) in batch.items() if bad and mid not in failed]
    assert not missed, (
        f"For sample batch {number} ({size}) the handler did not report a bad message (body: "
        f"{missed[0]}); Lambda would delete it as processed. Report every record whose body "
        "is not a JSON object with an order_id.")


@check(points=2, hint="lambda.create_event_source_mapping(EventSourceArn=queue_arn, "
                      "FunctionName='order-processor', BatchSize=5, "
                      "FunctionResponseTypes=['ReportBatchItemFailures'])")
def sqs_event_source_mapping(aws):
    """An enabled SQS event source mapping feeds the function in batches"""
    function = _function(aws, "no queue can feed it: create the function, then the event "
                              "source mapping")
    mappings = _mappings(aws, function["FunctionArn"])
    assert mappings, (
        "No SQS event source mapping feeds order-processor: create a queue and connect it "
        "with lambda.create_event_source_mapping (Lambda then polls the queue for you).")
    sqs = aws.client("sqs")
    problems = []
    for mapping in mappings:
        queue = mapping["EventSourceArn"].rsplit(":", 1)[-1]
        try:
            url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        except sqs.exceptions.QueueDoesNotExist:
            problems.append(f"The mapping's queue '{queue}' no longer exists.")
            continue
        visibility = int(sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"])
        batch, window = mapping.get("BatchSize", 10), mapping.get(
            "MaximumBatchingWindowInSeconds", 0)
        if mapping.get("State") in ("Disabled", "Disabling"):
            problems.append(f"The mapping for queue '{queue}' is disabled, so Lambda does not "
                            "poll it: update_event_source_mapping(..., Enabled=True).")
        elif batch > 10 and window < 1:
            problems.append(f"The mapping for queue '{queue}' has BatchSize {batch} without a "
                            "batching window; AWS requires MaximumBatchingWindowInSeconds of at "
                            "least 1 for batches above 10 (Lambda waits to fill them).")
        elif int(function.get("Timeout", 3)) > visibility:
            problems.append(f"order-processor's Timeout ({function.get('Timeout')} s) is "
                            f"longer than the visibility timeout of queue '{queue}' "
                            f"({visibility} s); messages would reappear while still being "
                            "processed, and AWS rejects such a mapping.")
        elif "ReportBatchItemFailures" not in mapping.get("FunctionResponseTypes", []):
            problems.append(f"The mapping for queue '{queue}' lacks FunctionResponseTypes="
                            "['ReportBatchItemFailures'], so Lambda ignores the handler's "
                            "batchItemFailures and retries or deletes the whole batch.")
        else:
            return
    raise AssertionError(problems[0])


def _rule_problem(aws, rule, target, function_arn):
    problem = schedule_problem(rule.get("ScheduleExpression"))
    if problem:
        return problem
    if rule.get("State") != "ENABLED":
        return f"EventBridge rule '{rule['Name']}' is disabled, so it never fires."
    return _permission_problem(_invoke_policy(aws, target["Arn"], function_arn),
                               "events.amazonaws.com", rule["Arn"], f"rule '{rule['Name']}'",
                               "EventBridge rule")


def _schedule_problem(aws, schedule, function_arn):
    problem = schedule_problem(schedule.get("ScheduleExpression"))
    if problem:
        return problem
    name = schedule["Name"]
    if schedule.get("State") != "ENABLED":
        return f"Schedule '{name}' is disabled, so it never fires."
    iam = aws.client("iam")
    role_arn = schedule.get("Target", {}).get("RoleArn", "")
    role = _role(iam, role_arn) if role_arn else None
    if not role:
        return (f"Schedule '{name}' has no execution role in your account; EventBridge "
                "Scheduler invokes its target with that role.")
    if not _trusts(role, "scheduler.amazonaws.com"):
        return (f"The role of schedule '{name}' ('{role['RoleName']}') does not trust "
                "scheduler.amazonaws.com, so EventBridge Scheduler cannot assume it.")
    if not allowed(role_statements(iam, role["RoleName"]), INVOKE, schedule["Target"]["Arn"]):
        return (f"The role of schedule '{name}' ('{role['RoleName']}') does not allow "
                f"{INVOKE} on order-processor, so each run would fail with AccessDenied.")
    return None


def _scheduler_schedules(aws):
    scheduler = aws.client("scheduler")
    found, token = [], None
    while True:
        page = scheduler.list_schedules(**({"NextToken": token} if token else {}))
        for summary in page.get("Schedules", []):
            found.append(scheduler.get_schedule(Name=summary["Name"],
                                                GroupName=summary.get("GroupName", "default")))
        token = page.get("NextToken")
        if not token:
            return found


@check(points=2, hint="events.put_rule(Name='order-processor-nightly', ScheduleExpression="
                      "'cron(0 2 * * ? *)'); events.put_targets(...); lambda.add_permission("
                      "..., Principal='events.amazonaws.com', SourceArn=rule_arn)")
def scheduled_invocation(aws):
    """An EventBridge schedule invokes the function, with permission to do so"""
    function = _function(aws, "no schedule can invoke it")
    function_arn = function["FunctionArn"]
    events = aws.client("events")
    problems = []
    for page in events.get_paginator("list_rules").paginate():
        for rule in page["Rules"]:
            if not rule.get("ScheduleExpression"):
                continue
            targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            for target in targets:
                if _targets_function(target["Arn"], function_arn):
                    problem = _rule_problem(aws, rule, target, function_arn)
                    if problem is None:
                        return
                    problems.append(problem)
    for schedule in _scheduler_schedules(aws):
        if _targets_function(schedule.get("Target", {}).get("Arn", ""), function_arn):
            problem = _schedule_problem(aws, schedule, function_arn)
            if problem is None:
                return
            problems.append(problem)
    assert problems, (
        "No EventBridge scheduled rule or EventBridge Scheduler schedule targets "
        "order-processor: create one with rate(...) or cron(...) and the function as target.")
    raise AssertionError(problems[0])


def _object_created(events):
    return any(e == "s3:ObjectCreated:*" or e.startswith("s3:ObjectCreated:") for e in events)


def _prefix(config):
    rules = config.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    return next((r["Value"] for r in rules if r["Name"].lower() == "prefix" and r["Value"]), "")


@check(points=2, hint="lambda.add_permission(..., Principal='s3.amazonaws.com', SourceArn="
                      "'arn:aws:s3:::' + bucket); s3.put_bucket_notification_configuration("
                      "Bucket=bucket, NotificationConfiguration={'LambdaFunctionConfigurations'"
                      ": [{'LambdaFunctionArn': fn_arn, 'Events': ['s3:ObjectCreated:*'], "
                      "'Filter': {'Key': {'FilterRules': [{'Name': 'prefix', 'Value': "
                      "'incoming/'}]}}}]})")
def s3_upload_trigger(aws):
    """New objects under a prefix in an S3 bucket invoke the function"""
    function = _function(aws, "no bucket notification can invoke it")
    function_arn = function["FunctionArn"]
    s3 = aws.client("s3")
    problems = []
    for bucket in s3.list_buckets().get("Buckets", []):
        config = s3.get_bucket_notification_configuration(Bucket=bucket["Name"])
        for entry in config.get("LambdaFunctionConfigurations", []):
            if not _targets_function(entry["LambdaFunctionArn"], function_arn):
                continue
            if not _object_created(entry.get("Events", [])):
                problems.append("A bucket notification for order-processor does not send "
                                "s3:ObjectCreated events, so new uploads would not trigger it.")
                continue
            if not _prefix(entry):
                problems.append("A bucket notification for order-processor has no prefix "
                                "filter, so every new object invokes it (and if the function "
                                "ever writes to that bucket, it triggers itself in a loop).")
                continue
            policy = _invoke_policy(aws, entry["LambdaFunctionArn"], function_arn)
            problem = _permission_problem(policy, "s3.amazonaws.com",
                                          f"arn:aws:s3:::{bucket['Name']}", "the bucket",
                                          "S3 bucket")
            if problem is None:
                return
            problems.append(problem)
    assert problems, (
        "No S3 bucket notification sends events to order-processor: add a "
        "LambdaFunctionConfigurations entry with put_bucket_notification_configuration.")
    raise AssertionError(problems[0])
