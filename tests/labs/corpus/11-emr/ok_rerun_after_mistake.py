"""A first cluster runs the task nodes On-Demand; the learner launches a corrected one
(the newest cluster named nightly-spark is the one that counts) and re-runs the serverless
job after a first run whose script path was wrong."""

import json

import boto3

s3 = boto3.resource("s3")
iam = boto3.resource("iam")
emr = boto3.client("emr")
serverless = boto3.client("emr-serverless")

account_id = boto3.client("sts").get_caller_identity()["Account"]
bucket = s3.create_bucket(Bucket=f"wordcount-{account_id}")
bucket.put_object(Key="jobs/wordcount.py", Body=b"# pyspark job\n")
script_uri = f"s3://{bucket.name}/jobs/wordcount.py"


def trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


service_role = iam.create_role(RoleName="EMR_DefaultRole_V2",
                               AssumeRolePolicyDocument=trust("elasticmapreduce.amazonaws.com"))
service_role.attach_policy(PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2")
nodes = iam.create_role(RoleName="spark-nodes", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
nodes.Policy("bucket").put(PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*Object", "Resource": f"arn:aws:s3:::{bucket.name}/*"}]}))
profile = iam.create_instance_profile(InstanceProfileName="spark-nodes-profile")
profile.add_role(RoleName="spark-nodes")


def launch(task_market):
    return emr.run_job_flow(
        Name="nightly-spark", ReleaseLabel="emr-7.13.0", LogUri=f"s3://{bucket.name}/logs",
        Applications=[{"Name": "Spark"}, {"Name": "Hive"}],
        ServiceRole="EMR_DefaultRole_V2", JobFlowRole="spark-nodes-profile",
        Tags=[{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
        Instances={"InstanceGroups": [
            {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
            {"InstanceRole": "TASK", "Market": task_market, "InstanceType": "m5.xlarge",
             "InstanceCount": 2}]},
        Steps=[{"Name": "wordcount", "ActionOnFailure": "TERMINATE_CLUSTER",
                "HadoopJarStep": {"Jar": "command-runner.jar",
                                  "Args": ["spark-submit", script_uri]}}],
    )["JobFlowId"]


launch("ON_DEMAND")   # oops: the task nodes should be on Spot
launch("SPOT")

app_id = serverless.create_application(
    name="nightly-spark-serverless", type="SPARK", releaseLabel="emr-7.13.0",
    maximumCapacity={"cpu": "32 vCPU", "memory": "128 GB", "disk": "500 GB"})["applicationId"]
job_role = iam.create_role(RoleName="serverless-job",
                           AssumeRolePolicyDocument=trust("emr-serverless.amazonaws.com"))
serverless.start_job_run(applicationId=app_id, executionRoleArn=job_role.arn,
                         jobDriver={"sparkSubmit": {"entryPoint": script_uri.replace("jobs/", "")}})
serverless.start_job_run(applicationId=app_id, executionRoleArn=job_role.arn,
                         jobDriver={"sparkSubmit": {"entryPoint": script_uri}})

boto3.client("ssm").put_parameter(Name="/emr-lab/emr-on-eks-fits", Value='["a", "d"]',
                                  Type="String", Overwrite=True)
