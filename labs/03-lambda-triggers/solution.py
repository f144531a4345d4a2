# %% [markdown]
# # Lab 03 — Lambda: wire event-driven triggers
#
# Lambda runs your code **only when an event arrives** (lesson: *AWS Lambda*). A Lambda application
# is function code + an **event source** + downstream resources + **CloudWatch Logs**, and every
# event is a JSON document. In this lab you build `order-processor`, a Python function that handles
# orders, and connect it to three kinds of trigger:
#
# | Trigger | Style | Who needs permission |
# |---|---|---|
# | SQS queue `orders` | **poll**: an *event source mapping* reads batches for you | the function's **execution role** (sqs:ReceiveMessage...) |
# | Nightly schedule | **push** from EventBridge | a **resource-based permission** on the function (or, for EventBridge Scheduler, a role) |
# | Uploads to S3 under `incoming/` | **push** from S3 | a **resource-based permission** on the function |
#
# You will: 1. create the execution role, 2. create a KMS key of your own, 3. upload the code to S3
# and deploy from it, with environment variables encrypted by that key, 4. write a handler that
# reports failed messages, 5.–7. wire the three triggers.
#
# **What the sandbox cannot show.** Everything runs in your local sandbox (no AWS account, no
# cost), but it never *runs* your function: sending to the queue, a schedule firing or an upload
# does not invoke your code here. The sandbox also accepts many settings real AWS rejects (bad
# schedule syntax, a role Lambda cannot assume, a missing permission), so **Check my work**
# enforces AWS's rules itself, and it tries your handler by running it in a separate Python
# process with sample SQS batches. Write plain `boto3`: the first cell (above) points it at
# the sandbox: run it first.

# %% [markdown]
# ## Task 1 — The execution role
#
# Lambda **assumes** the function's execution role each time it runs your code, so the role's
# *trust policy* must name the service principal `lambda.amazonaws.com`. Its *permissions* decide
# what the code (and the event source mapping polling for it) may do:
#
# - **CloudWatch Logs**: `logs:CreateLogGroup`, `logs:CreateLogStream`, `logs:PutLogEvents`
#   (the managed policy `AWSLambdaBasicExecutionRole`);
# - **SQS polling**: `sqs:ReceiveMessage`, `sqs:DeleteMessage`, `sqs:GetQueueAttributes`
#   (`AWSLambdaSQSQueueExecutionRole` covers these *and* the logs actions).
#
# Create role **`order-processor-role`**. Attach the managed policy
# (`arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole`) or write your own
# least-privilege inline policy with `iam.put_role_policy`. Never attach `AdministratorAccess`.
# **Look at:** `iam.get_role(RoleName=...)["Role"]["AssumeRolePolicyDocument"]` and
# `iam.list_attached_role_policies(RoleName=...)`.

# %%
import io
import json
import zipfile

import boto3

iam = boto3.client("iam")
account = boto3.client("sts").get_caller_identity()["Account"]

# BEGIN SOLUTION
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
role_arn = iam.create_role(RoleName="order-processor-role",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.attach_role_policy(
    RoleName="order-processor-role",
    PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
# END SOLUTION
# BEGIN STARTER
# # TODO: create role "order-processor-role" whose trust policy allows lambda.amazonaws.com to
# #       sts:AssumeRole, then give it the logs + SQS polling permissions.
# role_arn = None
# END STARTER
print("Role:", role_arn)


# %% [markdown]
# ## Task 2 — Your own KMS key for the environment variables
#
# Lambda **always** encrypts environment variables at rest and decrypts them for your code
# automatically; by default it uses the AWS managed key `aws/lambda`. With a **customer managed**
# key you control its key policy, rotation and who may use it. Create one with `kms.create_key`
# (the default is what Lambda needs: symmetric, `ENCRYPT_DECRYPT`). In the next task you pass its
# ARN as `KMSKeyArn` together with an environment variable such as `STAGE=lab`; your code still
# reads `os.environ["STAGE"]` as usual. A disabled or asymmetric key would stop the function from
# starting. You can also set `KMSKeyArn` later with `update_function_configuration`.
# **Look at:** `kms.describe_key(KeyId=key_arn)["KeyMetadata"]`: `KeyManager`, `KeySpec`,
# `KeyUsage`, `KeyState`.

# %%
kms = boto3.client("kms")

# BEGIN SOLUTION
key = kms.create_key(Description="order-processor environment variables")["KeyMetadata"]
key_arn = key["Arn"]
print("Key:", key_arn, key["KeyManager"], key["KeySpec"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create a KMS key (kms.create_key(Description=...)) and keep its ARN.
# key_arn = None
# print("Key:", key_arn)
# END STARTER


# %% [markdown]
# ## Task 3 — Upload the code to S3 and deploy from it
#
# A Python function is deployed as a **.zip** with the handler module **at the root** of the
# archive: for `app.py` containing `def handler(event, context)`, the handler setting is
# `app.handler`. Build the zip in memory with `zipfile`, upload it with `s3.put_object` to a bucket
# of your own (bucket names are global, so add your account id, e.g.
# `order-processor-code-<account>`), then create **`order-processor`** from it with
# `Code={"S3Bucket": ..., "S3Key": ...}`, a current Python runtime (e.g. `python3.13`; `python3.9`
# and older are deprecated), the role from task 1, `Timeout=10`, and
# `Environment={"Variables": {"STAGE": "lab"}}` with `KMSKeyArn=key_arn` from task 2.
#
# The starter handler below is a skeleton you will finish in task 4; deploy it as it is for now.
# **Look at:** the `CodeSha256` that `create_function` returns: the base64 SHA-256 of your zip.
# Compare it with `base64.b64encode(hashlib.sha256(zip_bytes).digest())` (import `base64` and
# `hashlib`): Lambda identifies code by this hash, and so does **Check my work**.

# %%
HANDLER_SOURCE = """import json


def handler(event, context):
    # Task 4: report the records whose body is not JSON with an order_id.
    return {"batchItemFailures": []}
"""


def package(source):
    """A .zip with app.py at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


s3 = boto3.client("s3")
lam = boto3.client("lambda")
code_bucket = f"order-processor-code-{account}"

# BEGIN SOLUTION
s3.create_bucket(Bucket=code_bucket)
s3.put_object(Bucket=code_bucket, Key="order-processor.zip", Body=package(HANDLER_SOURCE))
created = lam.create_function(
    FunctionName="order-processor", Runtime="python3.13", Role=role_arn, Handler="app.handler",
    Code={"S3Bucket": code_bucket, "S3Key": "order-processor.zip"}, Timeout=10,
    Environment={"Variables": {"STAGE": "lab"}}, KMSKeyArn=key_arn)
function_arn = created["FunctionArn"]
print("Function:", function_arn, "CodeSha256:", created["CodeSha256"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create code_bucket, put_object the zip (package(HANDLER_SOURCE)) as
# #       "order-processor.zip", then lam.create_function(FunctionName="order-processor", ...,
# #       Code={"S3Bucket": code_bucket, "S3Key": "order-processor.zip"},
# #       Environment={"Variables": {"STAGE": "lab"}}, KMSKeyArn=key_arn).
# function_arn = None
# print("Function:", function_arn)
# END STARTER


# %% [markdown]
# ## Task 4 — A handler that reports failed messages
#
# An SQS event source mapping invokes the function with a **batch**: `event["Records"]`, each
# record with a `messageId` and a string `body`. If the handler raises, the *whole* batch returns
# to the queue. A **partial batch response** does better: return
#
# ```python
# {"batchItemFailures": [{"itemIdentifier": record["messageId"]}, ...]}
# ```
#
# listing only the failed records (an empty list when all succeeded); Lambda deletes the rest.
#
# **The contract the check tests:** a record has failed when its body is **not a JSON object with
# an `order_id`**: not JSON at all (empty, truncated, plain text), a JSON list, or an object
# without an `order_id` key (a value that merely mentions "order_id" does not count). Finish
# `HANDLER_SOURCE`, try it on the sample batch below, then upload the new zip and deploy it with
# `lam.update_function_code(FunctionName=..., S3Bucket=..., S3Key=...)`. **Check my work** runs your deployed handler in a separate Python process with
# sample batches, within the function's `Timeout` (at most 10 s).
# **Look at:** what your handler returns for the sample, and the new `CodeSha256`.

# %%
HANDLER_SOURCE = """import json


def handler(event, context):
    failures = []
    for record in event["Records"]:
# BEGIN SOLUTION
        try:
            order = json.loads(record["body"])
            print("processing order", order["order_id"])
        except (ValueError, KeyError, TypeError):
            failures.append({"itemIdentifier": record["messageId"]})
# END SOLUTION
# BEGIN STARTER
#         # TODO: add {"itemIdentifier": record["messageId"]} to failures when record["body"]
#         #       is not JSON or has no "order_id".
#         pass
# END STARTER
    return {"batchItemFailures": failures}
"""

SAMPLE_BATCH = {"Records": [
    {"messageId": "m-1", "body": json.dumps({"order_id": "A-1", "quantity": 2})},
    {"messageId": "m-2", "body": "quantity=2"},
    {"messageId": "m-3", "body": json.dumps({"quantity": 1})},
]}
namespace = {}
exec(HANDLER_SOURCE, namespace)
print("Sample result:", namespace["handler"](SAMPLE_BATCH, None))

# BEGIN SOLUTION
s3.put_object(Bucket=code_bucket, Key="order-processor.zip", Body=package(HANDLER_SOURCE))
updated = lam.update_function_code(FunctionName="order-processor", S3Bucket=code_bucket,
                                   S3Key="order-processor.zip")
print("New CodeSha256:", updated["CodeSha256"])
# END SOLUTION
# BEGIN STARTER
# # TODO: when the sample reports m-2 and m-3, upload package(HANDLER_SOURCE) to the code bucket
# #       and call lam.update_function_code(FunctionName="order-processor", S3Bucket=..., S3Key=...).
# END STARTER


# %% [markdown]
# ## Task 5 — Poll an SQS queue with an event source mapping
#
# SQS is a **poll-based** source: Lambda runs an *event source mapping* that reads the queue with
# the function's execution role and invokes the function with batches. Create queue **`orders`**
# with a **visibility timeout of at least the function's timeout** (AWS recommends six times
# it, e.g. `"VisibilityTimeout": "60"`), then the mapping with a batch size (e.g. `BatchSize=5`;
# above 10 you must also set `MaximumBatchingWindowInSeconds`) and
# `FunctionResponseTypes=["ReportBatchItemFailures"]`, without which Lambda ignores the
# `batchItemFailures` your handler returns.
# **Look at:** `lam.list_event_source_mappings(FunctionName="order-processor")` (`BatchSize`,
# `State`). In this sandbox messages you send are consumed but your code does not run.

# %%
sqs = boto3.client("sqs")

# BEGIN SOLUTION
queue_url = sqs.create_queue(QueueName="orders",
                             Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url,
                                     AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
mapping = lam.create_event_source_mapping(
    EventSourceArn=queue_arn, FunctionName="order-processor", BatchSize=5,
    FunctionResponseTypes=["ReportBatchItemFailures"])
print("Queue:", queue_arn, "BatchSize:", mapping["BatchSize"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create queue "orders" (VisibilityTimeout >= the function's Timeout), get its QueueArn,
# #       then lam.create_event_source_mapping(EventSourceArn=..., FunctionName="order-processor",
# #       BatchSize=..., FunctionResponseTypes=["ReportBatchItemFailures"]).
# queue_arn = None
# print("Queue:", queue_arn)
# END STARTER


# %% [markdown]
# ## Task 6 — Run it on a schedule
#
# A scheduled job is a **push** trigger: EventBridge invokes the function. Two ways:
#
# - an **EventBridge rule** (`events.put_rule(Name=..., ScheduleExpression=...)` +
#   `events.put_targets`), plus a **resource-based permission** on the function:
#   `lam.add_permission(..., Principal="events.amazonaws.com", SourceArn=<the rule's ARN>)`.
#   `SourceArn` matters: without it any rule in any account could invoke your function.
# - **EventBridge Scheduler**, which AWS now recommends (`boto3.client("scheduler").create_schedule`),
#   invokes the target with an **execution role** that trusts `scheduler.amazonaws.com` and allows
#   `lambda:InvokeFunction` on the function.
#
# Expressions: `rate(1 day)`, `rate(5 minutes)` (singular unit for 1, plural above), or six-field
# `cron(minutes hours day-of-month month day-of-week year)` where exactly one of day-of-month
# and day-of-week is `?`, e.g. `cron(0 2 * * ? *)` = every night at 02:00 UTC. The sandbox accepts
# any text here, real AWS does not, and neither does the check.
# **Look at:** `events.list_targets_by_rule(Rule=...)` and `lam.get_policy(FunctionName=...)`.

# %%
events = boto3.client("events")

# BEGIN SOLUTION
rule_arn = events.put_rule(Name="order-processor-nightly",
                           ScheduleExpression="cron(0 2 * * ? *)")["RuleArn"]
events.put_targets(Rule="order-processor-nightly",
                   Targets=[{"Id": "order-processor", "Arn": function_arn}])
lam.add_permission(FunctionName="order-processor", StatementId="eventbridge-nightly",
                   Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                   SourceArn=rule_arn)
# END SOLUTION
# BEGIN STARTER
# # TODO: put_rule "order-processor-nightly" with a rate(...) or cron(...) expression, put_targets
# #       with the function's ARN, then lam.add_permission(FunctionName="order-processor",
# #       StatementId=..., Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
# #       SourceArn=<rule ARN>).
# rule_arn = None
# END STARTER
print("Rule:", rule_arn)
# BEGIN SOLUTION
print(json.loads(lam.get_policy(FunctionName="order-processor")["Policy"])["Statement"])
# END SOLUTION


# %% [markdown]
# ## Task 7 — Trigger on uploads to S3
#
# S3 **pushes** events: a *bucket notification* invokes the function asynchronously when objects
# are created. Create an uploads bucket (e.g. `order-uploads-<account>`), first add the permission
# (`Principal="s3.amazonaws.com"`, `SourceArn="arn:aws:s3:::<bucket>"`, `SourceAccount=account`;
# real S3 refuses a notification it cannot deliver), then
# `s3.put_bucket_notification_configuration` with `s3:ObjectCreated:*` and a **prefix** filter
# such as `incoming/`. A prefix keeps unrelated objects from invoking the function, and stops a
# function that writes to its own bucket from triggering itself in a loop.
# **Look at:** `s3.get_bucket_notification_configuration(Bucket=...)`. Uploading a file here does
# not run your code in the sandbox.

# %%
uploads_bucket = f"order-uploads-{account}"

# BEGIN SOLUTION
s3.create_bucket(Bucket=uploads_bucket)
lam.add_permission(FunctionName="order-processor", StatementId="s3-incoming",
                   Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                   SourceArn=f"arn:aws:s3:::{uploads_bucket}", SourceAccount=account)
s3.put_bucket_notification_configuration(Bucket=uploads_bucket, NotificationConfiguration={
    "LambdaFunctionConfigurations": [{
        "LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}}]})
notification = s3.get_bucket_notification_configuration(Bucket=uploads_bucket)
print(notification["LambdaFunctionConfigurations"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create uploads_bucket; lam.add_permission(..., Principal="s3.amazonaws.com",
# #       SourceArn=f"arn:aws:s3:::{uploads_bucket}", SourceAccount=account); then
# #       s3.put_bucket_notification_configuration with LambdaFunctionConfigurations:
# #       Events ["s3:ObjectCreated:*"] and a prefix filter "incoming/".
# END STARTER


# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint. The
# handler check downloads the zip your function was deployed from (it must match the function's
# `CodeSha256`) and runs your handler in a separate Python process with several sample SQS
# batches (all good, mixed, a single bad message, ten messages). If you uploaded a new zip but
# did not call `update_function_code`, the check says so: the function still runs the old code.
# **Reset this lab** gives this lab a fresh, empty sandbox account.
