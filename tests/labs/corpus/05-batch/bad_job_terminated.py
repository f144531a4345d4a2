"""Cancels its only single job with terminate_job, so it ends FAILED."""

import json

import boto3

LOSES = ["job_submitted"]
SANDBOX_GAP = "AWS leaves a terminated job FAILED; moto has already run it to SUCCEEDED"

iam = boto3.client("iam")
ec2 = boto3.client("ec2")
batch = boto3.client("batch")
MANAGED = "arn:aws:iam::aws:policy/service-role/"


def create_role(name, service, policy):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=MANAGED + policy)
    return arn


service_role = create_role("AWSBatchServiceRole", "batch.amazonaws.com", "AWSBatchServiceRole")
create_role("ecsInstanceRole", "ec2.amazonaws.com", "AmazonEC2ContainerServiceforEC2Role")
iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole", RoleName="ecsInstanceRole")
execution_role = create_role(
    "ecsTaskExecutionRole", "ecs-tasks.amazonaws.com", "AmazonECSTaskExecutionRolePolicy"
)

vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
subnets = [
    s["SubnetId"]
    for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
]
sg = ec2.describe_security_groups(
    Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
)["SecurityGroups"][0]["GroupId"]

ec2_resources = {
    "minvCpus": 0,
    "instanceTypes": ["optimal"],
    "instanceRole": "ecsInstanceRole",
    "subnets": subnets,
    "securityGroupIds": [sg],
}
batch.create_compute_environment(
    computeEnvironmentName="spot-ce",
    type="MANAGED",
    state="ENABLED",
    serviceRole=service_role,
    computeResources={
        "type": "SPOT",
        "allocationStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED",
        "maxvCpus": 64,
        **ec2_resources,
    },
)
batch.create_compute_environment(
    computeEnvironmentName="ondemand-ce",
    type="MANAGED",
    state="ENABLED",
    serviceRole=service_role,
    computeResources={
        "type": "EC2",
        "allocationStrategy": "BEST_FIT_PROGRESSIVE",
        "maxvCpus": 32,
        **ec2_resources,
    },
)
batch.create_job_queue(
    jobQueueName="ec2-queue",
    state="ENABLED",
    priority=10,
    computeEnvironmentOrder=[
        {"order": 1, "computeEnvironment": "spot-ce"},
        {"order": 2, "computeEnvironment": "ondemand-ce"},
    ],
)
batch.create_compute_environment(
    computeEnvironmentName="fargate-ce",
    type="MANAGED",
    state="ENABLED",
    serviceRole=service_role,
    computeResources={
        "type": "FARGATE",
        "maxvCpus": 16,
        "subnets": subnets,
        "securityGroupIds": [sg],
    },
)
batch.create_job_queue(
    jobQueueName="fargate-queue",
    state="ENABLED",
    priority=10,
    computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "fargate-ce"}],
)

IMAGE = "public.ecr.aws/docker/library/busybox:latest"
batch.register_job_definition(
    jobDefinitionName="thumbnail",
    type="container",
    retryStrategy={"attempts": 3},
    containerProperties={
        "image": IMAGE,
        "command": ["echo", "thumbnail"],
        "resourceRequirements": [
            {"type": "VCPU", "value": "1"},
            {"type": "MEMORY", "value": "2048"},
        ],
    },
)
batch.register_job_definition(
    jobDefinitionName="thumbnail-fargate",
    type="container",
    platformCapabilities=["FARGATE"],
    retryStrategy={"attempts": 3},
    containerProperties={
        "image": IMAGE,
        "command": ["echo", "thumbnail"],
        "executionRoleArn": execution_role,
        "networkConfiguration": {"assignPublicIp": "ENABLED"},
        "resourceRequirements": [
            {"type": "VCPU", "value": "0.5"},
            {"type": "MEMORY", "value": "1024"},
        ],
    },
)

job = batch.submit_job(jobName="thumbnail-one", jobQueue="ec2-queue", jobDefinition="thumbnail")
print(batch.describe_jobs(jobs=[job["jobId"]])["jobs"][0]["status"])
array = batch.submit_job(
    jobName="thumbnails",
    jobQueue="fargate-queue",
    jobDefinition="thumbnail-fargate",
    arrayProperties={"size": 5},
)
print(batch.describe_jobs(jobs=[array["jobId"]])["jobs"][0]["arrayProperties"])
batch.terminate_job(jobId=job["jobId"], reason="testing cancel")
