"""Reference solution for lab 05 (powers `computelab solve` and the tests)."""

from __future__ import annotations

import json

POLICY = "arn:aws:iam::aws:policy/service-role/"
IMAGE = "public.ecr.aws/docker/library/busybox:latest"


def trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def role(iam, name, service, policy):
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(service))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=POLICY + policy)
    return arn


def solve(aws):
    iam, ec2, batch = aws.client("iam"), aws.client("ec2"), aws.client("batch")

    # 1. Roles: Batch's service role, the instance role (+ profile), the execution role.
    service_role = role(iam, "AWSBatchServiceRole", "batch.amazonaws.com", "AWSBatchServiceRole")
    role(iam, "ecsInstanceRole", "ec2.amazonaws.com", "AmazonEC2ContainerServiceforEC2Role")
    iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
    iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole",
                                     RoleName="ecsInstanceRole")
    execution_role = role(iam, "ecsTaskExecutionRole", "ecs-tasks.amazonaws.com",
                          "AmazonECSTaskExecutionRolePolicy")

    # The default VPC's subnets (one per Availability Zone) and its default security group.
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"]]
    group = ec2.describe_security_groups(
        Filters=[*in_vpc, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    network = {"subnets": subnets, "securityGroupIds": [group["GroupId"]]}

    # 2-3. Spot and On-Demand environments, scaled to zero when idle.
    on_ec2 = {"minvCpus": 0, "instanceTypes": ["optimal"], "instanceRole": "ecsInstanceRole",
              **network}
    batch.create_compute_environment(
        computeEnvironmentName="spot-ce", type="MANAGED", state="ENABLED",
        serviceRole=service_role, computeResources={
            "type": "SPOT", "allocationStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED",
            "maxvCpus": 64, **on_ec2})
    batch.create_compute_environment(
        computeEnvironmentName="ondemand-ce", type="MANAGED", state="ENABLED",
        serviceRole=service_role, computeResources={
            "type": "EC2", "allocationStrategy": "BEST_FIT_PROGRESSIVE", "maxvCpus": 32,
            **on_ec2})

    # 4. One queue: Spot first (order 1), On-Demand as the fallback (order 2).
    batch.create_job_queue(jobQueueName="ec2-queue", state="ENABLED", priority=10,
                           computeEnvironmentOrder=[
                               {"order": 1, "computeEnvironment": "spot-ce"},
                               {"order": 2, "computeEnvironment": "ondemand-ce"}])

    # 5. Fargate gets its own environment and queue.
    batch.create_compute_environment(
        computeEnvironmentName="fargate-ce", type="MANAGED", state="ENABLED",
        serviceRole=service_role, computeResources={"type": "FARGATE", "maxvCpus": 16,
                                                    **network})
    batch.create_job_queue(jobQueueName="fargate-queue", state="ENABLED", priority=10,
                           computeEnvironmentOrder=[
                               {"order": 1, "computeEnvironment": "fargate-ce"}])

    # 6-7. Job definitions for EC2 and for Fargate.
    command = ["sh", "-c", "echo thumbnail $AWS_BATCH_JOB_ARRAY_INDEX"]
    batch.register_job_definition(
        jobDefinitionName="thumbnail", type="container", retryStrategy={"attempts": 3},
        containerProperties={"image": IMAGE, "command": command, "resourceRequirements": [
            {"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}]})
    batch.register_job_definition(
        jobDefinitionName="thumbnail-fargate", type="container",
        platformCapabilities=["FARGATE"], retryStrategy={"attempts": 3},
        containerProperties={
            "image": IMAGE, "command": command, "executionRoleArn": execution_role,
            "networkConfiguration": {"assignPublicIp": "ENABLED"},
            "resourceRequirements": [{"type": "VCPU", "value": "0.5"},
                                     {"type": "MEMORY", "value": "1024"}]})

    # 8-9. One job on the EC2/Spot queue, an array of five on Fargate.
    batch.submit_job(jobName="thumbnail-one", jobQueue="ec2-queue", jobDefinition="thumbnail")
    batch.submit_job(jobName="thumbnails", jobQueue="fargate-queue",
                     jobDefinition="thumbnail-fargate", arrayProperties={"size": 5})
