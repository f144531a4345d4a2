"""Reference solution for lab 03 (powers `computelab solve` and the tests)."""

from __future__ import annotations

import io
import json
import zipfile

FUNCTION = "order-processor"
ROLE = "order-processor-role"
SQS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
HANDLER_SOURCE = '''import json


def handler(event, context):
    """Process an SQS batch; report the messages that are not valid orders."""
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            print("order", order["order_id"])
        except (ValueError, KeyError, TypeError):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
'''
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def package(source=HANDLER_SOURCE, name="app.py"):
    """The deployment package: a .zip with the handler module at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


def solve(aws):
    iam, s3, lam = aws.client("iam"), aws.client("s3"), aws.client("lambda")
    account = aws.account_id

    # 1. Execution role: trusted by Lambda; the managed policy covers logs and SQS polling.
    role_arn = iam.create_role(RoleName=ROLE,
                               AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=SQS_POLICY)

    # 2-3. Upload the zip to S3, deploy from it, encrypt the variables with our own key.
    code_bucket = f"order-processor-code-{account}"
    s3.create_bucket(Bucket=code_bucket)
    s3.put_object(Bucket=code_bucket, Key="order-processor.zip", Body=package())
    key_arn = aws.client("kms").create_key(
        Description="order-processor environment variables")["KeyMetadata"]["Arn"]
    function_arn = lam.create_function(
        FunctionName=FUNCTION, Runtime="python3.13", Role=role_arn, Handler="app.handler",
        Code={"S3Bucket": code_bucket, "S3Key": "order-processor.zip"}, Timeout=10,
        Environment={"Variables": {"STAGE": "lab"}}, KMSKeyArn=key_arn)["FunctionArn"]

    # 4. SQS queue -> event source mapping that honours batchItemFailures.
    sqs = aws.client("sqs")
    queue_url = sqs.create_queue(QueueName="orders",
                                 Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url,
                                         AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=FUNCTION,
                                    BatchSize=5,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])

    # 5. Nightly EventBridge rule, and the permission that lets EventBridge invoke us.
    events = aws.client("events")
    rule_arn = events.put_rule(Name="order-processor-nightly",
                               ScheduleExpression="cron(0 2 * * ? *)")["RuleArn"]
    events.put_targets(Rule="order-processor-nightly",
                       Targets=[{"Id": "order-processor", "Arn": function_arn}])
    lam.add_permission(FunctionName=FUNCTION, StatementId="eventbridge-nightly",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                       SourceArn=rule_arn)

    # 6. Uploads under incoming/ invoke the function (permission first: S3 checks it).
    uploads = f"order-uploads-{account}"
    s3.create_bucket(Bucket=uploads)
    lam.add_permission(FunctionName=FUNCTION, StatementId="s3-incoming",
                       Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                       SourceArn=f"arn:aws:s3:::{uploads}", SourceAccount=account)
    s3.put_bucket_notification_configuration(Bucket=uploads, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}}]})
