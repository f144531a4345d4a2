"""Lab 05 against a real moto server: each broken rule loses exactly its checks' points, and
alternative correct solutions (service-linked role, Fargate Spot, private subnets behind a
NAT gateway, queues fixed afterwards...) get full marks."""

from __future__ import annotations

import json

import pytest
from labkit import (
    assert_broken_rule,
    assert_full_marks,
    failed,
    load_module,
    points_of,
    scorer,
)

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("05")
POLICY = "arn:aws:iam::aws:policy/service-role/"
IMAGE = "public.ecr.aws/docker/library/busybox:latest"
POINTS = points_of(LAB)
FULL = sum(POINTS.values())
score_without = scorer(POINTS)
ROLES = {"AWSBatchServiceRole": ("batch.amazonaws.com", "AWSBatchServiceRole"),
         "ecsInstanceRole": ("ec2.amazonaws.com", "AmazonEC2ContainerServiceforEC2Role"),
         "ecsTaskExecutionRole": ("ecs-tasks.amazonaws.com", "AmazonECSTaskExecutionRolePolicy")}
JOBS = [("thumbnail-one", "ec2-queue", "thumbnail", None),
        ("thumbnails", "fargate-queue", "thumbnail-fargate", 5)]


CHECKS = load_module(LAB)


def trust(*principals, extra=()):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": list(principals)},
         "Action": "sts:AssumeRole"}, *extra]})


def merge(base, changes):
    """``base`` updated with ``changes``; a change to None removes the key."""
    merged = {**base, **(changes or {})}
    return {k: v for k, v in merged.items() if v is not None}


def build(aws, *, trusts=None, detach=(), profile="ecsInstanceRole", instance_role=None,
          service_role="AWSBatchServiceRole", spot=None, spot_top=None, ondemand=None,
          ondemand_top=None, fargate=None, ec2_order=None, ec2_queue=None, fargate_order=None,
          ec2_def=None, ec2_container=None, fargate_def=None, fargate_container=None,
          jobs=JOBS, before=None, after=None):
    """Lab 05 done one way; keyword arguments introduce one mistake or alternative each.

    Every step overwrites what an earlier build() left behind (roles, policies, profile,
    queues and compute environments are recreated, job definitions get a newer revision,
    jobs are submitted to the new queues), so the shared account can be rebuilt with
    another mistake.
    """
    iam, ec2, batch = aws.client("iam"), aws.client("ec2"), aws.client("batch")
    arns = roles(iam, trusts, detach, profile)
    for queue in ("ec2-queue", "fargate-queue"):
        if batch.describe_job_queues(jobQueues=[queue])["jobQueues"]:
            batch.delete_job_queue(jobQueue=queue)
    for env in batch.describe_compute_environments()["computeEnvironments"]:
        batch.delete_compute_environment(computeEnvironment=env["computeEnvironmentName"])

    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnets = sorted(s["SubnetId"] for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"])
    group = ec2.describe_security_groups(
        Filters=[*in_vpc, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    network = {"subnets": subnets[:2], "securityGroupIds": [group["GroupId"]]}
    on_ec2 = {"minvCpus": 0, "maxvCpus": 16, "instanceTypes": ["optimal"],
              "instanceRole": instance_role or "ecsInstanceRole", **network}
    top = {"type": "MANAGED", "state": "ENABLED", "serviceRole": arns.get(service_role) or
           iam.get_role(RoleName=service_role)["Role"]["Arn"]}
    batch.create_compute_environment(computeEnvironmentName="spot-ce", **merge(top, spot_top),
                                      computeResources=merge({
                                          "type": "SPOT", **on_ec2, "allocationStrategy":
                                          "SPOT_PRICE_CAPACITY_OPTIMIZED"}, spot))
    batch.create_compute_environment(computeEnvironmentName="ondemand-ce",
                                      **merge(top, ondemand_top), computeResources=merge({
                                          "type": "EC2", **on_ec2}, ondemand))
    batch.create_compute_environment(computeEnvironmentName="fargate-ce", **top,
                                      computeResources=merge({
                                          "type": "FARGATE", "maxvCpus": 8, **network},
                                          fargate))
    if before:
        before(aws)
    batch.create_job_queue(jobQueueName="ec2-queue", priority=10, **merge(
        {"state": "ENABLED"}, ec2_queue), computeEnvironmentOrder=ec2_order or [
        {"order": 1, "computeEnvironment": "spot-ce"},
        {"order": 2, "computeEnvironment": "ondemand-ce"}])
    batch.create_job_queue(jobQueueName="fargate-queue", priority=10, state="ENABLED",
                           computeEnvironmentOrder=fargate_order or [
                               {"order": 1, "computeEnvironment": "fargate-ce"}])

    batch.register_job_definition(**merge({
        "jobDefinitionName": "thumbnail", "type": "container", "retryStrategy": {"attempts": 3},
        "containerProperties": merge({"image": IMAGE, "resourceRequirements": [
            {"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}]},
            ec2_container)}, ec2_def))
    batch.register_job_definition(**merge({
        "jobDefinitionName": "thumbnail-fargate", "type": "container",
        "platformCapabilities": ["FARGATE"], "retryStrategy": {"attempts": 3},
        "containerProperties": merge({
            "image": IMAGE, "executionRoleArn": arns["ecsTaskExecutionRole"],
            "networkConfiguration": {"assignPublicIp": "ENABLED"},
            "resourceRequirements": [{"type": "VCPU", "value": "0.25"},
                                     {"type": "MEMORY", "value": "512"}]},
            fargate_container)}, fargate_def))
    for name, queue, definition, size in jobs:
        batch.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition,
                         **({"arrayProperties": {"size": size}} if size else {}))
    if after:
        after(aws)


def roles(iam, trusts=None, detach=(), profile="ecsInstanceRole"):
    """The lab's three roles (trust overridden or policy detached on request) and the
    instance profile ecsInstanceRole holding ``profile``; {name: arn}."""
    arns = {name: _role(iam, name, (trusts or {}).get(name) or trust(service),
                        POLICY + policy, name not in detach)
            for name, (service, policy) in ROLES.items()}
    _profile(iam, profile)
    return arns


def _role(iam, name, document, policy, attach):
    try:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=document)
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    attached = {p["PolicyArn"] for p in
                iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    if attach and policy not in attached:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    if not attach and policy in attached:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def _profile(iam, role):
    """Instance profile ecsInstanceRole holding ``role`` (None: holding no role)."""
    try:
        held = iam.get_instance_profile(InstanceProfileName="ecsInstanceRole")[
            "InstanceProfile"]["Roles"]
    except iam.exceptions.NoSuchEntityException:
        iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
        held = []
    for current in held:
        if current["RoleName"] != role:
            iam.remove_role_from_instance_profile(InstanceProfileName="ecsInstanceRole",
                                                  RoleName=current["RoleName"])
    if role and role not in {r["RoleName"] for r in held}:
        iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole", RoleName=role)


@pytest.fixture(scope="module")
def shared_aws(lab_account):
    """One set-up account that build() rewrites for each variant (fresh ones cost ~1 s)."""
    return lab_account(LAB.id)


def test_service_linked_role_fargate_spot_and_arns_get_full_marks(fresh_aws):
    """The Batch service-linked role instead of AWSBatchServiceRole, FARGATE_SPOT, the
    instance profile by ARN, SPOT_CAPACITY_OPTIMIZED, BEST_FIT by default, queue orders 10/20
    given as ARNs, deprecated vcpus/memory on EC2, 16 vCPU / 120 GiB on Fargate, evaluateOnExit,
    a job on each queue swapped round, and submissions by ARN."""
    aws = fresh_aws(LAB.id)
    iam, ec2, batch = aws.client("iam"), aws.client("ec2"), aws.client("batch")
    service = iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")["Role"]
    for name in ("ecsInstanceRole", "ecsTaskExecutionRole"):
        _role(iam, name, trust(ROLES[name][0]), POLICY + ROLES[name][1], True)
    profile = iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
    iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole",
                                     RoleName="ecsInstanceRole")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    group = ec2.create_security_group(GroupName="batch", Description="batch jobs",
                                      VpcId=vpc["VpcId"])["GroupId"]
    network = {"subnets": subnets, "securityGroupIds": [group]}
    on_ec2 = {"minvCpus": 0, "maxvCpus": 256, "instanceTypes": ["c5", "m5.large"],
              "instanceRole": profile["InstanceProfile"]["Arn"], **network}
    arns = {}
    for name, resources in [
            ("spot-ce", {"type": "SPOT", "allocationStrategy": "SPOT_CAPACITY_OPTIMIZED",
                         "bidPercentage": 60, **on_ec2}),
            ("ondemand-ce", {"type": "EC2", **on_ec2}),
            ("fargate-ce", {"type": "FARGATE_SPOT", "maxvCpus": 32, **network})]:
        arns[name] = batch.create_compute_environment(
            computeEnvironmentName=name, type="MANAGED", state="ENABLED",
            serviceRole=service["Arn"], computeResources=resources)["computeEnvironmentArn"]
    queues = {name: batch.create_job_queue(
        jobQueueName=name, state="ENABLED", priority=priority, computeEnvironmentOrder=order,
    )["jobQueueArn"] for name, priority, order in [
        ("ec2-queue", 1, [{"order": 20, "computeEnvironment": arns["ondemand-ce"]},
                          {"order": 10, "computeEnvironment": arns["spot-ce"]}]),
        ("fargate-queue", 500, [{"order": 1, "computeEnvironment": arns["fargate-ce"]}])]}
    ec2_def = batch.register_job_definition(
        jobDefinitionName="thumbnail", type="container", platformCapabilities=["EC2"],
        retryStrategy={"attempts": 10, "evaluateOnExit": [
            {"onStatusReason": "Host EC2*", "action": "RETRY"},
            {"onReason": "*", "action": "exit"}]},
        containerProperties={"image": IMAGE, "vcpus": 2, "memory": 4096})["jobDefinitionArn"]
    fargate_def = batch.register_job_definition(
        jobDefinitionName="thumbnail-fargate", type="container",
        platformCapabilities=["FARGATE"], retryStrategy={"attempts": 2},
        containerProperties={
            "image": IMAGE, "executionRoleArn": iam.get_role(
                RoleName="ecsTaskExecutionRole")["Role"]["Arn"],
            "networkConfiguration": {"assignPublicIp": "ENABLED"},
            "resourceRequirements": [{"type": "MEMORY", "value": "122880"},
                                     {"type": "VCPU", "value": "16"}]})["jobDefinitionArn"]
    batch.submit_job(jobName="one-on-fargate", jobQueue=queues["fargate-queue"],
                     jobDefinition=fargate_def)
    batch.submit_job(jobName="array-on-spot", jobQueue=queues["ec2-queue"],
                     jobDefinition=ec2_def, arrayProperties={"size": 2})
    assert_full_marks(check_lab(LAB, aws), FULL)


def test_private_subnets_behind_nat_and_later_fixes_get_full_marks(fresh_aws):
    """Fargate in private subnets whose route tables send 0.0.0.0/0 to a NAT gateway (so no
    public IP), an own VPC for everything, a queue created in the wrong order then fixed with
    update_job_queue, a compute environment created DISABLED then enabled, a broken job
    definition revision deregistered, 16 vCPU on Fargate, and a job first sent to the wrong
    queue before the right one."""
    aws = fresh_aws(LAB.id)
    iam, ec2, batch = aws.client("iam"), aws.client("ec2"), aws.client("batch")
    arns = roles(iam)
    service, execution = arns["AWSBatchServiceRole"], arns["ecsTaskExecutionRole"]

    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.0.0/24",
                              AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    private = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24",
                                 AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in [(1, "us-east-1a"), (2, "us-east-1b")]]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=address)["NatGateway"][
        "NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for subnet in private:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    group = ec2.create_security_group(GroupName="jobs", Description="jobs",
                                      VpcId=vpc)["GroupId"]
    network = {"subnets": private, "securityGroupIds": [group]}

    on_ec2 = {"minvCpus": 0, "maxvCpus": 64, "instanceTypes": ["optimal"],
              "instanceRole": "ecsInstanceRole", **network}
    arns = {}
    for name, state, resources in [
            ("spot-ce", "DISABLED", {"type": "SPOT", **on_ec2,
                                     "allocationStrategy": "SPOT_CAPACITY_OPTIMIZED_PRIORITIZED"}),
            ("ondemand-ce", "ENABLED", {"type": "EC2", **on_ec2,
                                        "allocationStrategy": "BEST_FIT_PROGRESSIVE_ORDERED"}),
            ("fargate-ce", "ENABLED", {"type": "FARGATE", "maxvCpus": 64, **network})]:
        arns[name] = batch.create_compute_environment(
            computeEnvironmentName=name, type="MANAGED", state=state, serviceRole=service,
            computeResources=resources)["computeEnvironmentArn"]
    batch.update_compute_environment(computeEnvironment="spot-ce", state="ENABLED")
    batch.create_job_queue(jobQueueName="ec2-queue", state="ENABLED", priority=1,
                           computeEnvironmentOrder=[
                               {"order": 1, "computeEnvironment": "ondemand-ce"},
                               {"order": 2, "computeEnvironment": "spot-ce"}])
    batch.update_job_queue(jobQueue="ec2-queue", computeEnvironmentOrder=[
        {"order": 1, "computeEnvironment": arns["spot-ce"]},
        {"order": 2, "computeEnvironment": arns["ondemand-ce"]}])
    batch.create_job_queue(jobQueueName="fargate-queue", state="ENABLED", priority=1,
                           computeEnvironmentOrder=[
                               {"order": 1, "computeEnvironment": "fargate-ce"}])

    def fargate(vcpu, memory):
        return batch.register_job_definition(
            jobDefinitionName="thumbnail-fargate", type="container",
            platformCapabilities=["FARGATE"], retryStrategy={"attempts": 4},
            containerProperties={
                "image": IMAGE, "executionRoleArn": execution,
                "resourceRequirements": [{"type": "VCPU", "value": vcpu},
                                         {"type": "MEMORY", "value": memory}]})

    fargate("16", "122880")
    broken = fargate("0.25", "4096")["jobDefinitionArn"]
    batch.deregister_job_definition(jobDefinition=broken)
    batch.register_job_definition(
        jobDefinitionName="thumbnail", type="container", retryStrategy={"attempts": 2},
        containerProperties={"image": IMAGE, "resourceRequirements": [
            {"type": "VCPU", "value": "4"}, {"type": "MEMORY", "value": "8192"}]})
    batch.submit_job(jobName="wrong-queue", jobQueue="ec2-queue",
                     jobDefinition="thumbnail-fargate")
    batch.submit_job(jobName="thumbnail-one", jobQueue="ec2-queue", jobDefinition="thumbnail")
    batch.submit_job(jobName="thumbnails", jobQueue="fargate-queue",
                     jobDefinition="thumbnail-fargate", arrayProperties={"size": 3})
    assert_full_marks(check_lab(LAB, aws), FULL)


def _other_vpc_group(aws):
    ec2 = aws.client("ec2")
    found = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["elsewhere"]}])["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_security_group(GroupName="elsewhere", Description="other VPC",
                                     VpcId=vpc)["GroupId"]


def _wrong_profile(aws):
    """Instance profile 'wrong-profile' holding the execution role (trusts ecs-tasks)."""
    iam = aws.client("iam")
    try:
        iam.create_instance_profile(InstanceProfileName="wrong-profile")
        iam.add_role_to_instance_profile(InstanceProfileName="wrong-profile",
                                         RoleName="ecsTaskExecutionRole")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    return "wrong-profile"


def _extra_ec2_environments(aws):
    batch = aws.client("batch")
    for name, kind in [("spot-ce-2", "SPOT"), ("ondemand-ce-2", "EC2")]:
        batch.create_compute_environment(
            computeEnvironmentName=name, type="MANAGED", state="ENABLED",
            serviceRole=aws.client("iam").get_role(RoleName="AWSBatchServiceRole")["Role"]["Arn"],
            computeResources={**batch.describe_compute_environments(
                computeEnvironments=["ondemand-ce"])["computeEnvironments"][0][
                "computeResources"], "type": kind})


def _delete_ondemand(aws):
    aws.client("batch").delete_compute_environment(computeEnvironment="ondemand-ce")


def _second_fargate_environment(aws):
    """fargate-queue re-pointed at another Fargate environment (fargate-ce stays unused)."""
    batch = aws.client("batch")
    resources = batch.describe_compute_environments(
        computeEnvironments=["fargate-ce"])["computeEnvironments"][0]
    batch.create_compute_environment(
        computeEnvironmentName="fargate-ce-2", type="MANAGED", state="ENABLED",
        serviceRole=resources["serviceRole"], computeResources=resources["computeResources"])
    batch.update_job_queue(jobQueue="fargate-queue", computeEnvironmentOrder=[{
        "order": 1, "computeEnvironment": batch.describe_compute_environments(
            computeEnvironments=["fargate-ce-2"])["computeEnvironments"][0][
            "computeEnvironmentArn"]}])


RETRY = "retryStrategy"
OPEN = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
ALL_CE = ["fargate_environment_and_queue", "ondemand_compute_environment",
          "spot_compute_environment"]
EC2_CE = ["ondemand_compute_environment", "spot_compute_environment"]

# (rule number in lab.toml `rules`, mistake, build() arguments, checks lost, message part)
VARIANTS = [
    (0, "service role without its policy", {"detach": ["AWSBatchServiceRole"]},
     ["batch_roles"], "AWSBatchServiceRole attached"),
    (0, "service role trusts ec2", {"trusts": {"AWSBatchServiceRole": trust("ec2.amazonaws.com")}},
     ["batch_roles", *ALL_CE], "batch.amazonaws.com"),
    (1, "instance role in no instance profile", {"profile": None},
     ["batch_roles", *EC2_CE], "instance profile"),
    (1, "instance role without its policy", {"detach": ["ecsInstanceRole"]}, ["batch_roles"],
     "AmazonEC2ContainerServiceforEC2Role"),
    (2, "execution role without its policy", {"detach": ["ecsTaskExecutionRole"]},
     ["batch_roles", "fargate_job_definition"], "AmazonECSTaskExecutionRolePolicy"),
    (3, "instance role open to everyone", {"trusts": {"ecsInstanceRole": trust(
        "ec2.amazonaws.com", extra=[OPEN])}}, ["batch_roles"], "any principal"),
    (4, "spot-ce disabled", {"spot_top": {"state": "DISABLED"}}, ["spot_compute_environment"],
     "DISABLED"),
    (4, "spot-ce unmanaged", {"spot_top": {"type": "UNMANAGED"}}, ["spot_compute_environment"],
     "make it MANAGED"),
    (4, "ondemand-ce with maxvCpus 0", {"ondemand": {"maxvCpus": 0}},
     ["ondemand_compute_environment"], "maxvCpus 0"),
    (5, "service role is the execution role", {"service_role": "ecsTaskExecutionRole"},
     ALL_CE, "does not trust batch.amazonaws.com"),
    (6, "security group from another VPC",
     {"spot": {"securityGroupIds": "OTHER"}}, ["spot_compute_environment"],
     "one VPC"),
    (7, "instance profile holds the wrong role", {"instance_role": "PROFILE"}, EC2_CE,
     "no role trusted by ec2.amazonaws.com"),
    (8, "spot with BEST_FIT", {"spot": {"allocationStrategy": "BEST_FIT"}},
     ["spot_compute_environment"], "Spot Fleet role"),
    (8, "spot without a strategy", {"spot": {"allocationStrategy": None}},
     ["spot_compute_environment"], "BEST_FIT (the default)"),
    (8, "spot-ce is On-Demand", {"spot": {"type": "EC2", "allocationStrategy": None}},
     ["spot_compute_environment"], "type SPOT"),
    (9, "on-demand with a Spot strategy", {"ondemand": {
        "allocationStrategy": "SPOT_CAPACITY_OPTIMIZED"}}, ["ondemand_compute_environment"],
     "only for Spot"),
    (10, "ec2-queue disabled", {"ec2_queue": {"state": "DISABLED"}}, ["ec2_queue_prefers_spot"],
     "DISABLED"),
    (10, "four environments in one queue", {"before": _extra_ec2_environments, "ec2_order": [
        {"order": 1, "computeEnvironment": "spot-ce"},
        {"order": 2, "computeEnvironment": "ondemand-ce"},
        {"order": 3, "computeEnvironment": "spot-ce-2"},
        {"order": 4, "computeEnvironment": "ondemand-ce-2"}]}, ["ec2_queue_prefers_spot"],
     "at most three"),
    (10, "on-demand environment deleted", {"after": _delete_ondemand},
     ["ec2_queue_prefers_spot", "ondemand_compute_environment"], "do not exist"),
    (11, "fargate-ce in ec2-queue", {"ec2_order": [
        {"order": 1, "computeEnvironment": "spot-ce"},
        {"order": 2, "computeEnvironment": "ondemand-ce"},
        {"order": 3, "computeEnvironment": "fargate-ce"}]},
     ["ec2_queue_prefers_spot", "job_submitted"], "does not allow that"),
    (12, "on-demand first", {"ec2_order": [
        {"order": 2, "computeEnvironment": "spot-ce"},
        {"order": 1, "computeEnvironment": "ondemand-ce"}]}, ["ec2_queue_prefers_spot"],
     "ascending order"),
    (12, "same order for both", {"ec2_order": [
        {"order": 1, "computeEnvironment": "spot-ce"},
        {"order": 1, "computeEnvironment": "ondemand-ce"}]}, ["ec2_queue_prefers_spot"],
     "lower number"),
    (13, "fargate-ce with instance types", {"fargate": {"instanceTypes": ["optimal"]}},
     ["fargate_environment_and_queue"], "instanceTypes"),
    (13, "fargate-queue on another environment", {"after": _second_fargate_environment},
     ["fargate_environment_and_queue"], "does not list fargate-ce"),
    (14, "multinode definition", {"ec2_def": {"type": "multinode"}}, ["ec2_job_definition"],
     "type 'container'"),
    (15, "eleven attempts", {"ec2_def": {RETRY: {"attempts": 11}}}, ["ec2_job_definition"],
     "1 to 10"),
    (15, "one attempt", {"fargate_def": {RETRY: {"attempts": 1}}}, ["fargate_job_definition"],
     "never retries"),
    (15, "no retry strategy", {"ec2_def": {RETRY: None}}, ["ec2_job_definition"],
     "no retryStrategy"),
    (15, "unknown exit action", {"ec2_def": {RETRY: {"attempts": 3, "evaluateOnExit": [
        {"onExitCode": "137", "action": "RESTART"}]}}}, ["ec2_job_definition"],
     "RETRY or EXIT"),
    (16, "half a vCPU on EC2", {"ec2_container": {"resourceRequirements": [
        {"type": "VCPU", "value": "0.5"}, {"type": "MEMORY", "value": "1024"}]}},
     ["ec2_job_definition"], "at least one vCPU"),
    (16, "network configuration on EC2", {"ec2_container": {
        "networkConfiguration": {"assignPublicIp": "ENABLED"}}}, ["ec2_job_definition"],
     "only for jobs on Fargate"),
    (17, "Fargate definition for EC2", {"fargate_def": {"platformCapabilities": ["EC2"]}},
     ["array_job_submitted", "fargate_job_definition"], "platformCapabilities"),
    (17, "deprecated vcpus and memory on Fargate", {"fargate_container": {
        "vcpus": 1, "memory": 2048, "resourceRequirements": None}},
     ["fargate_job_definition"], "not supported on Fargate"),
    (18, "quarter vCPU with 4 GiB", {"fargate_container": {"resourceRequirements": [
        {"type": "VCPU", "value": "0.25"}, {"type": "MEMORY", "value": "4096"}]}},
     ["fargate_job_definition"], "512, 1024, 2048"),
    (18, "8 vCPU off the 4 GiB step", {"fargate_container": {"resourceRequirements": [
        {"type": "VCPU", "value": "8"}, {"type": "MEMORY", "value": "18432"}]}},
     ["fargate_job_definition"], "16384 to 61440 in steps of 4096"),
    (18, "3 vCPU", {"fargate_container": {"resourceRequirements": [
        {"type": "VCPU", "value": "3"}, {"type": "MEMORY", "value": "6144"}]}},
     ["fargate_job_definition"], "0.25, 0.5, 1, 2, 4, 8 or 16"),
    (18, "32 vCPU and 240 GiB on Fargate", {"fargate_container": {"resourceRequirements": [
        {"type": "VCPU", "value": "32"}, {"type": "MEMORY", "value": "245760"}]}},
     ["fargate_job_definition"], "at most 16 vCPU and 120 GiB"),
    (19, "no execution role", {"fargate_container": {"executionRoleArn": None}},
     ["fargate_job_definition"], "no executionRoleArn"),
    (19, "instance role as execution role", {"fargate_container": {
        "executionRoleArn": "ROLE:ecsInstanceRole"}}, ["fargate_job_definition"],
     "does not trust ecs-tasks.amazonaws.com"),
    (20, "no public IP in a public subnet", {"fargate_container": {
        "networkConfiguration": None}}, ["fargate_job_definition"], "assignPublicIp DISABLED"),
    (21, "Fargate job on the EC2 queue", {"jobs": [
        ("thumbnail-one", "ec2-queue", "thumbnail-fargate", None), JOBS[1]]},
     ["job_submitted"], "platformCapabilities match"),
    (21, "job from another definition", {"before": lambda aws: aws.client(
        "batch").register_job_definition(
        jobDefinitionName="hello", type="container", containerProperties={
            "image": IMAGE, "vcpus": 1, "memory": 128}),
        "jobs": [("hello", "ec2-queue", "hello", None), JOBS[1]]},
     ["job_submitted"], "submit it from thumbnail or thumbnail-fargate"),
    (23, "array of one", {"jobs": [JOBS[0], ("thumbnails", "fargate-queue",
                                             "thumbnail-fargate", 1)]},
     ["array_job_submitted"], "size 1"),
]

# moto copies platformCapabilities (and an omitted retryStrategy) from a name's earlier
# revisions, so these need an account where the job definitions were never registered.
NEED_FRESH = {"Fargate definition for EC2", "no retry strategy"}


def _resolve(aws, kwargs):
    """Fill in the placeholders that need the account: other-VPC group, profile, role ARN."""
    kwargs = dict(kwargs)
    if (kwargs.get("spot") or {}).get("securityGroupIds") == "OTHER":
        kwargs["spot"] = {"securityGroupIds": [_other_vpc_group(aws)]}
    if kwargs.get("instance_role") == "PROFILE":
        kwargs["instance_role"] = _wrong_profile(aws)
    container = kwargs.get("fargate_container") or {}
    if str(container.get("executionRoleArn", "")).startswith("ROLE:"):
        name = container["executionRoleArn"].split(":", 1)[1]
        kwargs["fargate_container"] = {"executionRoleArn": aws.client("iam").get_role(
            RoleName=name)["Role"]["Arn"]}
    return kwargs


@pytest.mark.parametrize("rule, mistake, kwargs, lost, message",
                         VARIANTS, ids=[v[1] for v in VARIANTS])
def test_each_broken_rule_loses_exactly_its_checks(fresh_aws, shared_aws, rule, mistake, kwargs,
                                                   lost, message):
    aws = fresh_aws(LAB.id) if mistake in NEED_FRESH else shared_aws
    build(aws, **_resolve(aws, kwargs))
    assert_broken_rule(check_lab(LAB, aws), aws, lost, message, score_without)


def test_failed_jobs_do_not_count(shared_aws, monkeypatch):
    """Rule 22. moto's Batch (without Docker) fails every job when this is set."""
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
    build(shared_aws)
    result = check_lab(LAB, shared_aws)
    assert failed(result) == ["array_job_submitted", "job_submitted"]
    assert result.score == score_without("array_job_submitted", "job_submitted")
    outputs = {t.name: t.output for t in result.tests}
    assert "Job 'thumbnail-one' is FAILED" in outputs["job_submitted"]
    assert "Job 'thumbnails' is FAILED" in outputs["array_job_submitted"]


def test_every_rule_has_a_failing_variant():
    covered = {v[0] for v in VARIANTS} | {22}  # 22: test_failed_jobs_do_not_count
    assert covered == set(range(len(LAB.rules)))


def test_several_mistakes_lose_the_sum_of_their_points(shared_aws):
    build(shared_aws, spot={"allocationStrategy": "BEST_FIT"}, ec2_order=[
        {"order": 2, "computeEnvironment": "spot-ce"},
        {"order": 1, "computeEnvironment": "ondemand-ce"}],
        fargate_container={"resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                    {"type": "MEMORY", "value": "1024"}]})
    result = check_lab(LAB, shared_aws)
    lost = ["ec2_queue_prefers_spot", "fargate_job_definition", "spot_compute_environment"]
    assert failed(result) == lost
    assert result.score == FULL - 8 == score_without(*lost)


def test_rebuilding_the_shared_account_without_mistakes_gets_full_marks(shared_aws):
    build(shared_aws, detach=["ecsTaskExecutionRole"], spot_top={"state": "DISABLED"})
    build(shared_aws)
    assert_full_marks(check_lab(LAB, shared_aws), FULL)


def test_same_state_gives_identical_results(shared_aws):
    build(shared_aws, ondemand={"maxvCpus": 0}, jobs=[JOBS[0]])
    assert check_lab(LAB, shared_aws).to_dict() == check_lab(LAB, shared_aws).to_dict()


# The Fargate sizes Batch runs, keyed by memory (ResourceRequirement, type="MEMORY"), up to
# the 16 vCPU / 120 GiB ceiling of the Batch user guide ("When to use Fargate"): the check's
# table is keyed by vCPU, so this is an independent spelling.
BY_MEMORY = {512: [0.25], 1024: [0.25, 0.5], 2048: [0.25, 0.5, 1], 3072: [0.5, 1],
             4096: [0.5, 1, 2], **{m: [1, 2] for m in (5120, 6144, 7168)}, 8192: [1, 2, 4],
             **{m: [2, 4] for m in (9216, 10240, 11264, 12288, 13312, 14336, 15360)},
             16384: [2, 4, 8],
             **{m: [4] for m in (17408, 18432, 19456, 21504, 22528, 23552, 25600, 26624,
                                 27648, 29696, 30720)},
             **{m: [4, 8] for m in (20480, 24576, 28672)},
             **{m: [8] for m in (36864, 45056, 53248)}, 61440: [8],
             **{m: [8, 16] for m in (32768, 40960, 49152, 57344)},
             **{m: [16] for m in (65536, 73728, 81920, 90112, 98304, 106496, 114688)},
             122880: [16]}


def test_fargate_table_accepts_exactly_the_documented_pairs():
    documented = {(float(v), m) for m, vcpus in BY_MEMORY.items() for v in vcpus}
    candidates = {(v, m) for v in [0.125, *CHECKS.FARGATE_SIZES, 3.0, 32.0, 64.0]
                  for m in range(0, 250881, 512)}
    assert {pair for pair in candidates if CHECKS.fargate_pair_ok(*pair)} == documented
