"""The sandbox's ECS-on-EC2 corrections (grader/sandbox/fidelity/ecs_agent.py), against a real
sandbox: the agent it plays, capacity providers, placement and EC2 task definitions."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from grader.aws import AWS
from grader.sandbox import create_account

ECS_AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
PLAIN_AMI = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
JOIN = "#!/bin/bash\necho ECS_CLUSTER=nodes >> /etc/ecs/ecs.config\n"
CONTAINER = {"name": "web", "image": "nginx", "memory": 128,
             "portMappings": [{"containerPort": 80, "hostPort": 0}]}
SPREAD_THEN_BINPACK = [{"type": "spread", "field": "attribute:ecs.availability-zone"},
                       {"type": "binpack", "field": "memory"}]


@pytest.fixture
def aws(sandbox):
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))


def error_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def agent_profile(aws, name="nodes-role", actions=("ecs:RegisterContainerInstance",),
                  service="ec2.amazonaws.com"):
    """A role trusted by ``service`` allowing ``actions`` (inline), in a profile ``name``."""
    iam = aws.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    if actions:
        iam.put_role_policy(RoleName=name, PolicyName="agent", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": list(actions), "Resource": "*"}]}))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name


def image(aws, parameter=ECS_AMI):
    return aws.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]


def launch(aws, count=1, user_data=JOIN, profile="nodes-role", parameter=ECS_AMI,
           instance_type="m5.large"):
    extra = {"IamInstanceProfile": {"Name": profile}} if profile else {}
    return [i["InstanceId"] for i in aws.client("ec2").run_instances(
        ImageId=image(aws, parameter), MinCount=count, MaxCount=count,
        InstanceType=instance_type, UserData=user_data, **extra)["Instances"]]


def members(aws, cluster="nodes"):
    ecs = aws.client("ecs")
    arns = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
    return ecs.describe_container_instances(
        cluster=cluster, containerInstances=arns)["containerInstances"] if arns else []


def resources(member):
    return {r["name"]: r.get("integerValue") for r in member["registeredResources"]}


def test_instances_with_the_agent_join_their_cluster_with_their_type_resources(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/developerguide/memory-management.html:
    an m5.large-sized 8 GiB instance registers 7985 MiB; CPU is 1024 units per vCPU."""
    aws.client("ecs").create_cluster(clusterName="nodes")
    agent_profile(aws)
    launched = launch(aws, count=2)
    joined = members(aws)
    assert sorted(m["ec2InstanceId"] for m in joined) == sorted(launched)
    assert all(resources(m)["CPU"] == 2048 and resources(m)["MEMORY"] == 7985 for m in joined)
    assert all(m["agentConnected"] and m["status"] == "ACTIVE" for m in joined)
    cluster = aws.client("ecs").describe_clusters(clusters=["nodes"])["clusters"][0]
    assert cluster["registeredContainerInstancesCount"] == 2


def test_reserved_memory_in_ecs_config_is_not_offered_to_tasks(aws):
    aws.client("ecs").create_cluster(clusterName="nodes")
    agent_profile(aws)
    launch(aws, user_data=JOIN + "echo ECS_RESERVED_MEMORY=256 >> /etc/ecs/ecs.config\n")
    assert resources(members(aws)[0])["MEMORY"] == 7985 - 256


@pytest.mark.parametrize("why", ["plain AMI", "no profile", "no permission", "trusts ecs-tasks"])
def test_an_instance_the_agent_could_not_register_stays_out(aws, why):
    aws.client("ecs").create_cluster(clusterName="nodes")
    agent_profile(aws, actions=() if why == "no permission" else ("ecs:*",),
                  service="ecs-tasks.amazonaws.com" if why == "trusts ecs-tasks"
                  else "ec2.amazonaws.com")
    launch(aws, parameter=PLAIN_AMI if why == "plain AMI" else ECS_AMI,
           profile=None if why == "no profile" else "nodes-role")
    assert members(aws) == []


def test_the_agent_joins_once_its_cluster_exists(aws):
    agent_profile(aws)
    launch(aws)
    aws.client("ecs").create_cluster(clusterName="nodes")
    assert len(members(aws)) == 1


def test_without_ecs_cluster_the_agent_creates_and_joins_default(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html
    ("your account receives a default cluster when you launch your first container
    instance")."""
    agent_profile(aws, actions=("ecs:RegisterContainerInstance", "ecs:CreateCluster"))
    launch(aws, user_data="#!/bin/bash\nyum update -y\n")
    assert len(members(aws, "default")) == 1


def test_terminated_instances_leave_and_stopped_ones_disconnect(aws):
    aws.client("ecs").create_cluster(clusterName="nodes")
    agent_profile(aws)
    first, second = launch(aws, count=2)
    ec2 = aws.client("ec2")
    ec2.terminate_instances(InstanceIds=[first])
    ec2.stop_instances(InstanceIds=[second])
    joined = members(aws)
    assert [(m["ec2InstanceId"], m["agentConnected"]) for m in joined] == [(second, False)]


def test_register_container_instance_is_for_the_agent_only(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterContainerInstance.html"""
    aws.client("ecs").create_cluster(clusterName="nodes")
    instance = launch(aws, profile=None)[0]
    error = error_of(lambda: aws.client("ecs").register_container_instance(
        cluster="nodes", instanceIdentityDocument=json.dumps({"instanceId": instance})))
    assert error["Code"] == "AccessDeniedException"
    assert "ECS_CLUSTER" in error["Message"]
    assert members(aws) == []


def _group(aws, protected=True, name="nodes-asg"):
    ec2, autoscaling = aws.client("ec2"), aws.client("autoscaling")
    ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={
        "ImageId": f"resolve:ssm:{ECS_AMI}", "InstanceType": "t3.medium",
        "IamInstanceProfile": {"Name": "nodes-role"},
        "UserData": base64.b64encode(JOIN.encode()).decode()})
    subnets = sorted(ec2.describe_subnets(Filters=[{"Name": "default-for-az",
                                                    "Values": ["true"]}])["Subnets"],
                     key=lambda s: s["AvailabilityZone"])[:2]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateName": name},
        MinSize=0, MaxSize=4, DesiredCapacity=2, NewInstancesProtectedFromScaleIn=protected,
        VPCZoneIdentifier=",".join(s["SubnetId"] for s in subnets))
    return autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=[name])["AutoScalingGroups"][0]


def test_group_instances_get_the_template_profile_join_and_spread_over_zones(aws):
    """https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html
    (instances distributed evenly between the group's Availability Zones)."""
    aws.client("ecs").create_cluster(clusterName="nodes")
    agent_profile(aws)
    group = _group(aws)
    ids = [i["InstanceId"] for i in group["Instances"]]
    described = [i for r in aws.client("ec2").describe_instances(InstanceIds=ids)["Reservations"]
                 for i in r["Instances"]]
    assert all(i["IamInstanceProfile"]["Arn"].endswith("/nodes-role") for i in described)
    assert len({i["AvailabilityZone"] for i in group["Instances"]}) == 2
    zones = {a["value"] for m in members(aws) for a in m["attributes"]
             if a["name"] == "ecs.availability-zone"}
    assert len(zones) == 2 and len(members(aws)) == 2
    assert resources(members(aws)[0])["MEMORY"] == int(4096 * 7985 / 8192)


def test_capacity_provider_needs_an_existing_group(aws):
    error = error_of(lambda: aws.client("ecs").create_capacity_provider(
        name="cp", autoScalingGroupProvider={"autoScalingGroupArn": "no-such-group"}))
    assert error["Code"] == "ClientException" and "no-such-group" in error["Message"]


def test_managed_termination_protection_needs_scale_in_protection(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AutoScalingGroupProvider.html
    ("The Auto Scaling group and each instance in the Auto Scaling group must have instance
    protection from scale-in actions on as well.")"""
    agent_profile(aws)
    ecs = aws.client("ecs")
    unprotected = _group(aws, protected=False)
    settings = {"managedScaling": {"status": "ENABLED", "targetCapacity": 100},
                "managedTerminationProtection": "ENABLED"}
    error = error_of(lambda: ecs.create_capacity_provider(name="cp", autoScalingGroupProvider={
        "autoScalingGroupArn": unprotected["AutoScalingGroupARN"], **settings}))
    assert error["Code"] == "ClientException"
    assert "instance protection from scale in" in error["Message"]
    protected = _group(aws, name="protected")
    created = ecs.create_capacity_provider(name="cp", autoScalingGroupProvider={
        "autoScalingGroupArn": protected["AutoScalingGroupARN"], **settings})["capacityProvider"]
    assert created["autoScalingGroupProvider"]["managedTerminationProtection"] == "ENABLED"
    listed = ecs.describe_capacity_providers()["capacityProviders"]
    assert [p["name"] for p in listed] == ["cp"]


def _cluster_with_default_provider(aws):
    agent_profile(aws)
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="nodes")
    group = _group(aws)
    ecs.create_capacity_provider(name="cp", autoScalingGroupProvider={
        "autoScalingGroupArn": group["AutoScalingGroupARN"]})
    ecs.put_cluster_capacity_providers(
        cluster="nodes", capacityProviders=["cp"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "cp", "weight": 1, "base": 0}])
    ecs.register_task_definition(family="web", requiresCompatibilities=["EC2"],
                                 networkMode="bridge", containerDefinitions=[CONTAINER])
    return ecs


def test_service_keeps_placement_and_takes_the_cluster_default_strategy(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
    ("If no capacityProviderStrategy or launchType is specified, the
    defaultCapacityProviderStrategy for the cluster is used."); API_Service.html (launchType
    is omitted for a service that uses a capacity provider strategy)."""
    ecs = _cluster_with_default_provider(aws)
    created = ecs.create_service(cluster="nodes", serviceName="web", taskDefinition="web",
                                 desiredCount=2, placementStrategy=SPREAD_THEN_BINPACK,
                                 placementConstraints=[{"type": "distinctInstance"}])["service"]
    described = ecs.describe_services(cluster="nodes", services=["web"])["services"][0]
    for service in (created, described):
        assert service["placementStrategy"] == SPREAD_THEN_BINPACK
        assert service["placementConstraints"] == [{"type": "distinctInstance"}]
        assert service["capacityProviderStrategy"] == [
            {"capacityProvider": "cp", "weight": 1, "base": 0}]
        assert "launchType" not in service


def test_a_launch_type_still_overrides_the_default_strategy(aws):
    ecs = _cluster_with_default_provider(aws)
    service = ecs.create_service(cluster="nodes", serviceName="web", taskDefinition="web",
                                 desiredCount=1, launchType="EC2")["service"]
    assert service["launchType"] == "EC2" and not service.get("capacityProviderStrategy")


@pytest.mark.parametrize("strategy, constraints, launch_type, words", [
    ([{"type": "binpack", "field": "ram"}], [], None, "binpack field"),
    ([{"type": "spread", "field": "zone"}], [], None, "spread field"),
    ([{"type": "closest"}], [], None, "placement strategy type"),
    ([{"type": "random"}] * 6, [], None, "at most 5"),
    ([], [{"type": "memberOf"}], None, "expression"),
    (SPREAD_THEN_BINPACK, [], "FARGATE", "Fargate"),
])
def test_invalid_placement_is_rejected(aws, strategy, constraints, launch_type, words):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PlacementStrategy.html"""
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="nodes")
    ecs.register_task_definition(family="web", networkMode="bridge",
                                 containerDefinitions=[CONTAINER])
    extra = {"launchType": launch_type} if launch_type else {}
    error = error_of(lambda: ecs.create_service(
        cluster="nodes", serviceName="web", taskDefinition="web", desiredCount=1,
        placementStrategy=strategy, placementConstraints=constraints, **extra))
    assert error["Code"] == "InvalidParameterException" and words in error["Message"]
    assert ecs.list_services(cluster="nodes")["serviceArns"] == []


def test_update_service_records_the_revision_it_resolved(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html"""
    ecs = _cluster_with_default_provider(aws)
    ecs.create_service(cluster="nodes", serviceName="web", taskDefinition="web", desiredCount=1)
    second = ecs.register_task_definition(family="web", networkMode="bridge",
                                          containerDefinitions=[CONTAINER])["taskDefinition"]
    updated = ecs.update_service(cluster="nodes", service="web", taskDefinition="web")["service"]
    assert updated["taskDefinition"] == second["taskDefinitionArn"]


def test_an_ec2_container_may_set_only_a_memory_reservation(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html"""
    ecs = aws.client("ecs")
    soft = dict(CONTAINER, memoryReservation=128)
    soft.pop("memory")
    registered = ecs.register_task_definition(
        family="web", requiresCompatibilities=["EC2"], networkMode="bridge",
        containerDefinitions=[soft])["taskDefinition"]
    assert registered["containerDefinitions"][0]["memoryReservation"] == 128
    neither = {k: v for k, v in soft.items() if k != "memoryReservation"}
    error = error_of(lambda: ecs.register_task_definition(
        family="web", requiresCompatibilities=["EC2"], containerDefinitions=[neither]))
    assert error["Code"] == "ClientException"
    assert "At least one of 'memory' or 'memoryReservation'" in error["Message"]
