"""Returns a plain list of failed messageIds."""

import io
import json
import zipfile

import boto3

LOSES = ["handler_reports_batch_failures"]

iam = boto3.client("iam")
kms = boto3.client("kms")
s3 = boto3.client("s3")
lam = boto3.client("lambda")
sqs = boto3.client("sqs")
events = boto3.client("events")
account = boto3.client("sts").get_caller_identity()["Account"]

trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
role_arn = iam.create_role(RoleName="order-processor-role",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.attach_role_policy(
    RoleName="order-processor-role",
    PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")

key_arn = kms.create_key(Description="order-processor env vars")["KeyMetadata"]["Arn"]

HANDLER_SOURCE = """import json


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            print("processing order", order["order_id"])
        except (ValueError, KeyError, TypeError):
            failures.append(record["messageId"])
    return failures
"""


def package(source, name="app.py"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


code_bucket = f"order-processor-code-{account}"
s3.create_bucket(Bucket=code_bucket)
s3.put_object(Bucket=code_bucket, Key="order-processor.zip", Body=package(HANDLER_SOURCE))
function_arn = lam.create_function(
    FunctionName="order-processor", Runtime="python3.13", Role=role_arn, Handler="app.handler",
    Code={"S3Bucket": code_bucket, "S3Key": "order-processor.zip"}, Timeout=10,
    Environment={"Variables": {"STAGE": "lab"}}, KMSKeyArn=key_arn)["FunctionArn"]

queue_url = sqs.create_queue(QueueName="orders",
                             Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url,
                                     AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
lam.create_event_source_mapping(
    EventSourceArn=queue_arn, FunctionName="order-processor", BatchSize=5,
    FunctionResponseTypes=["ReportBatchItemFailures"])

rule_arn = events.put_rule(Name="order-processor-nightly",
                           ScheduleExpression="cron(0 2 * * ? *)")["RuleArn"]
events.put_targets(Rule="order-processor-nightly",
                   Targets=[{"Id": "order-processor", "Arn": function_arn}])
lam.add_permission(FunctionName="order-processor", StatementId="eventbridge-nightly",
                   Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                   SourceArn=rule_arn)

uploads_bucket = f"order-uploads-{account}"
s3.create_bucket(Bucket=uploads_bucket)
lam.add_permission(FunctionName="order-processor", StatementId="s3-incoming",
                   Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                   SourceArn=f"arn:aws:s3:::{uploads_bucket}", SourceAccount=account)
s3.put_bucket_notification_configuration(Bucket=uploads_bucket, NotificationConfiguration={
    "LambdaFunctionConfigurations": [{
        "LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}}]})
