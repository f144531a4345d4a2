"""Instance fleets launched with primary and core only; the Spot task fleet is added with
add_instance_fleet, the auto-termination policy with put_auto_termination_policy, and logs
go to a second bucket the nodes' role may write to."""

import json

import boto3

s3 = boto3.client("s3")
iam = boto3.client("iam")
emr = boto3.client("emr")
serverless = boto3.client("emr-serverless")
ssm = boto3.client("ssm")

suffix = boto3.client("sts").get_caller_identity()["Account"]
code_bucket, log_bucket = f"spark-code-{suffix}", f"spark-logs-{suffix}"
for name in (code_bucket, log_bucket):
    s3.create_bucket(Bucket=name)
s3.upload_fileobj(__import__("io").BytesIO(b"print('wordcount')\n"), code_bucket, "wordcount.py")
script_uri = f"s3://{code_bucket}/wordcount.py"

doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Principal": {"Service": None}}]}


def trusted_by(service):
    doc["Statement"][0]["Principal"]["Service"] = service
    return json.dumps(doc)


service_arn = iam.create_role(RoleName="EMR_DefaultRole_V2",
                              AssumeRolePolicyDocument=trusted_by("elasticmapreduce.amazonaws.com"),
                              )["Role"]["Arn"]
iam.attach_role_policy(RoleName="EMR_DefaultRole_V2",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2")
iam.create_role(RoleName="nodes", AssumeRolePolicyDocument=trusted_by("ec2.amazonaws.com"))
iam.put_role_policy(RoleName="nodes", PolicyName="code-and-logs", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{code_bucket}/*"},
        {"Effect": "Allow", "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{log_bucket}/*"}]}))
iam.create_instance_profile(InstanceProfileName="nodes")
iam.add_role_to_instance_profile(InstanceProfileName="nodes", RoleName="nodes")

cluster_id = emr.run_job_flow(
    Name="nightly-spark", ReleaseLabel="emr-7.14.0", LogUri=f"s3://{log_bucket}/",
    Applications=[{"Name": "Spark"}, {"Name": "Hive"}, {"Name": "JupyterEnterpriseGateway"}],
    ServiceRole=service_arn, JobFlowRole="nodes", VisibleToAllUsers=True,
    Tags=[{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"},
          {"Key": "project", "Value": "wordcount"}],
    Instances={"KeepJobFlowAliveWhenNoSteps": True, "InstanceFleets": [
        {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
         "InstanceTypeConfigs": [{"InstanceType": "m6g.xlarge"}]},
        {"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 2, "TargetSpotCapacity": 0,
         "InstanceTypeConfigs": [{"InstanceType": "m6g.xlarge"}]}]},
)["JobFlowId"]
emr.put_auto_termination_policy(ClusterId=cluster_id, AutoTerminationPolicy={"IdleTimeout": 600})
emr.add_instance_fleet(ClusterId=cluster_id, InstanceFleet={
    "Name": "spot-tasks", "InstanceFleetType": "TASK", "TargetSpotCapacity": 6,
    "InstanceTypeConfigs": [{"InstanceType": t} for t in ("m6g.xlarge", "m7g.xlarge",
                                                          "r6g.xlarge")]})
emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[{
    "Name": "wordcount", "ActionOnFailure": "CONTINUE",
    "HadoopJarStep": {"Jar": "command-runner.jar",
                      "Args": ["spark-submit", "--master", "yarn", script_uri]}}])

app_id = serverless.create_application(
    name="nightly-spark-serverless", type="SPARK", releaseLabel="emr-7.14.0",
    maximumCapacity={"cpu": "4 vCPU", "memory": "16 GB", "disk": "20 GB"})["applicationId"]
job_role = iam.create_role(RoleName="serverless-jobs",
                           AssumeRolePolicyDocument=trusted_by("emr-serverless.amazonaws.com"))
serverless.start_job_run(applicationId=app_id, executionRoleArn=job_role["Role"]["Arn"],
                         name="nightly", executionTimeoutMinutes=60,
                         jobDriver={"sparkSubmit": {"entryPoint": script_uri,
                                                    "entryPointArguments": ["--top", "10"]}})

ssm.put_parameter(Name="/emr-lab/emr-on-eks-fits", Value="a; d", Type="String")
