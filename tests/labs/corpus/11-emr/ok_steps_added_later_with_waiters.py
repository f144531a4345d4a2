"""A long-running cluster with an auto-termination policy; the task group and the step are
added after launch, with the cluster_running and step_complete waiters."""

import json

import boto3

s3 = boto3.client("s3")
iam = boto3.client("iam")
emr = boto3.client("emr")

account_id = boto3.client("sts").get_caller_identity()["Account"]
bucket = f"emr-lab-{account_id}"
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="code/wordcount.py", Body=b"print('hello')\n")
script_uri = f"s3://{bucket}/code/wordcount.py"

ec2_trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]},
    "Action": ["sts:AssumeRole"]}]}
emr_trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "elasticmapreduce.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
service_role_arn = iam.create_role(RoleName="emr-service",
                                   AssumeRolePolicyDocument=json.dumps(emr_trust))["Role"]["Arn"]
iam.attach_role_policy(RoleName="emr-service",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2")

iam.create_role(RoleName="EMR_EC2_DefaultRole", AssumeRolePolicyDocument=json.dumps(ec2_trust))
policy_arn = iam.create_policy(PolicyName="emr-nodes-bucket", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/code/*"},
        {"Sid": "Logs", "Effect": "Allow", "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/logs/*"}]}))["Policy"]["Arn"]
iam.attach_role_policy(RoleName="EMR_EC2_DefaultRole", PolicyArn=policy_arn)
iam.create_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole")
iam.add_role_to_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole",
                                 RoleName="EMR_EC2_DefaultRole")

cluster_id = emr.run_job_flow(
    Name="nightly-spark", ReleaseLabel="emr-7.14.0", LogUri=f"s3://{bucket}/logs/",
    Applications=[{"Name": "Hive"}, {"Name": "Spark"}],
    ServiceRole=service_role_arn, JobFlowRole="EMR_EC2_DefaultRole",
    Tags=[{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
    Instances={"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
        {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
    ], "KeepJobFlowAliveWhenNoSteps": True},
    AutoTerminationPolicy={"IdleTimeout": 1800},
)["JobFlowId"]
emr.get_waiter("cluster_running").wait(ClusterId=cluster_id)
emr.add_instance_groups(JobFlowId=cluster_id, InstanceGroups=[
    {"Name": "spot-tasks", "InstanceRole": "TASK", "Market": "SPOT",
     "InstanceType": "m5.2xlarge", "InstanceCount": 3}])
step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[{
    "Name": "wordcount", "ActionOnFailure": "CANCEL_AND_WAIT",
    "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-submit", script_uri]},
}])["StepIds"][0]
emr.get_waiter("step_complete").wait(ClusterId=cluster_id, StepId=step_id)

serverless = boto3.client("emr-serverless")
app = serverless.create_application(name="nightly-spark-serverless", type="SPARK",
                                    releaseLabel="emr-7.14.0",
                                    maximumCapacity={"cpu": "8vCPU", "memory": "32GB"},
                                    autoStopConfiguration={"enabled": True,
                                                           "idleTimeoutMinutes": 5})
role_arn = iam.create_role(RoleName="job-runner", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "emr-serverless.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
serverless.start_job_run(applicationId=app["applicationId"], executionRoleArn=role_arn,
                         jobDriver={"sparkSubmit": {"entryPoint": script_uri,
                                                    "sparkSubmitParameters":
                                                    "--conf spark.executor.cores=2"}})

boto3.client("ssm").put_parameter(Name="/emr-lab/emr-on-eks-fits", Value="d, a",
                                  Type="String", Overwrite=True)
