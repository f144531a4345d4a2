"""Answers that EMR on EKS also fits the team without Kubernetes."""

import json

import boto3

LOSES = ["emr_on_eks_answer"]

s3 = boto3.client("s3")
iam = boto3.client("iam")
emr = boto3.client("emr")
serverless = boto3.client("emr-serverless")
ssm = boto3.client("ssm")

account_id = boto3.client("sts").get_caller_identity()["Account"]
bucket = f"emr-lab-{account_id}"
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="jobs/wordcount.py",
              Body=b"from pyspark.sql import SparkSession\n")
script_uri = f"s3://{bucket}/jobs/wordcount.py"


def trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


iam.create_role(RoleName="EMR_DefaultRole_V2",
                AssumeRolePolicyDocument=trust("elasticmapreduce.amazonaws.com"))
iam.attach_role_policy(RoleName="EMR_DefaultRole_V2",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2")
iam.create_role(RoleName="emr-lab-nodes", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
iam.put_role_policy(RoleName="emr-lab-nodes", PolicyName="lab-bucket-only",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
iam.create_instance_profile(InstanceProfileName="emr-lab-nodes")
iam.add_role_to_instance_profile(InstanceProfileName="emr-lab-nodes", RoleName="emr-lab-nodes")

cluster_id = emr.run_job_flow(
    Name="nightly-spark",
    ReleaseLabel="emr-7.14.0",
    Applications=[{"Name": "Spark"}, {"Name": "Hive"}],
    LogUri=f"s3://{bucket}/emr-logs/",
    ServiceRole="EMR_DefaultRole_V2",
    JobFlowRole="emr-lab-nodes",
    Tags=[{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
    Instances={
        "InstanceGroups": [
            {"Name": "primary", "InstanceRole": "MASTER", "Market": "ON_DEMAND",
             "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"Name": "core", "InstanceRole": "CORE", "Market": "ON_DEMAND",
             "InstanceType": "m5.xlarge", "InstanceCount": 2},
            {"Name": "task", "InstanceRole": "TASK", "Market": "SPOT",
             "InstanceType": "m5.xlarge", "InstanceCount": 2},
        ],
        "KeepJobFlowAliveWhenNoSteps": False,
    },
    Steps=[{
        "Name": "wordcount",
        "ActionOnFailure": "TERMINATE_CLUSTER",
        "HadoopJarStep": {"Jar": "command-runner.jar",
                          "Args": ["spark-submit", "--deploy-mode", "cluster", script_uri]},
    }],
)["JobFlowId"]
step_id = emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Id"]
print(emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"])

app_id = serverless.create_application(
    name="nightly-spark-serverless", type="SPARK", releaseLabel="emr-7.14.0",
    maximumCapacity={"cpu": "16 vCPU", "memory": "64 GB"})["applicationId"]
job_role_arn = iam.create_role(
    RoleName="emr-serverless-wordcount",
    AssumeRolePolicyDocument=trust("emr-serverless.amazonaws.com"))["Role"]["Arn"]
iam.put_role_policy(RoleName="emr-serverless-wordcount", PolicyName="read-script",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
run_id = serverless.start_job_run(
    applicationId=app_id, executionRoleArn=job_role_arn,
    jobDriver={"sparkSubmit": {"entryPoint": script_uri}},
)["jobRunId"]
print(serverless.get_job_run(applicationId=app_id, jobRunId=run_id)["jobRun"]["state"])

ssm.put_parameter(Name="/emr-lab/emr-on-eks-fits", Value="a,b,d", Type="StringList",
                  Overwrite=True)
