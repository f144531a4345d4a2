"""Checks for lab 10: ECS on EC2 container instances, a capacity provider, task placement.

The sandbox plays the ECS agent (an instance joins a cluster only when its AMI, instance
profile and user data would make a real agent join), keeps placement strategies and rejects
a capacity provider whose group lacks scale-in protection. The checks read everything back
through boto3 and judge the pieces against each other: the container instances must be the
group's own instances, the capacity provider must use that group, the service must run on
it. Every rule is listed in lab.toml ``rules``.
"""

from __future__ import annotations

import base64
import binascii
import re

from grader import check, fail
from grader.kit import shared_reads
from grader.kit.concurrent_reads import read_concurrently
from grader.kit.ecs import active_cluster, read_cluster
from grader.kit.feedback import about
from grader.kit.lookups import ensure_default_subnets, or_none
from grader.kit.policies import allowed, open_to_everyone, role_name, trusted_services
from grader.kit.regions import absent

CLUSTER = "ec2-cluster"
ROLE = "ecsInstanceRole"
GROUP = "ecs-nodes"
FAMILY = "web-ec2"
SERVICE = "web"
INSTANCE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
ECS_AL2023 = "al2023-ami-ecs-"
CLUSTER_SETTING = re.compile(r"ECS_CLUSTER\s*=\s*[\"']?([A-Za-z0-9_-]+)")
SPREAD_AZ = {"type": "spread", "field": "attribute:ecs.availability-zone"}
BINPACK_MEMORY = {"type": "binpack", "field": "memory"}


# --- reading state, once per run -------------------------------------------------------


def _cluster(aws):
    return active_cluster(aws, CLUSTER)


def _find_group(autoscaling):
    return autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=[GROUP])["AutoScalingGroups"]


def _group(aws):
    groups = aws.once("group", lambda: _find_group(aws.client("autoscaling")))
    if not groups:
        absent(aws, f"No Auto Scaling group named '{GROUP}' yet: create it from launch "
                    f"template ecs-node with autoscaling.create_auto_scaling_group("
                    f"AutoScalingGroupName='{GROUP}', ...).", "autoscaling", _find_group,
               key="group")
    return groups[0]


def _text(user_data):
    """Launch template user data (base64) as text."""
    try:
        return base64.b64decode(user_data or "", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return user_data or ""


def _launch_data(aws, group):
    """{'ImageId', 'IamInstanceProfile', 'UserData' (text)} of what the group launches: its
    launch template version (also inside a MixedInstancesPolicy) or launch configuration."""
    def read():
        spec = (group.get("LaunchTemplate")
                or ((group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {})
                .get("LaunchTemplateSpecification"))
        if spec:
            ec2 = aws.client("ec2")
            ref = ({"LaunchTemplateId": spec["LaunchTemplateId"]} if spec.get("LaunchTemplateId")
                   else {"LaunchTemplateName": spec["LaunchTemplateName"]})
            versions = ec2.describe_launch_template_versions(
                **ref, Versions=[str(spec.get("Version") or "$Default")])
            data = versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]
            return {"ImageId": data.get("ImageId", ""),
                    "IamInstanceProfile": data.get("IamInstanceProfile") or {},
                    "UserData": _text(data.get("UserData"))}
        name = group.get("LaunchConfigurationName")
        configs = aws.client("autoscaling").describe_launch_configurations(
            LaunchConfigurationNames=[name])["LaunchConfigurations"] if name else []
        if not configs:
            return {"ImageId": "", "IamInstanceProfile": {}, "UserData": ""}
        profile = configs[0].get("IamInstanceProfile") or ""
        return {"ImageId": configs[0].get("ImageId", ""),
                "IamInstanceProfile": ({"Arn": profile} if profile.startswith("arn:")
                                       else {"Name": profile} if profile else {}),
                "UserData": _text(configs[0].get("UserData"))}

    return aws.once("launch", read)


def _image_name(aws, image_id):
    """The AMI's name ('' when unknown); resolve:ssm: ImageIds are resolved first."""
    if image_id.startswith("resolve:ssm:"):
        parameter = or_none(lambda: aws.client("ssm").get_parameter(
            Name=image_id[len("resolve:ssm:"):])["Parameter"]["Value"], "ParameterNotFound")
        image_id = parameter or ""
    if not image_id:
        return ""
    images = aws.client("ec2").describe_images(ImageIds=[image_id])["Images"]
    return images[0].get("Name", "") if images else ""


def _members(aws):
    """The cluster's ACTIVE container instances."""
    def read():
        ecs = aws.client("ecs")
        arns = [a for page in ecs.get_paginator("list_container_instances").paginate(
            cluster=CLUSTER, status="ACTIVE") for a in page["containerInstanceArns"]]
        return ecs.describe_container_instances(
            cluster=CLUSTER, containerInstances=arns)["containerInstances"] if arns else []

    return aws.once("members", read)


def _task_definition_read(aws):
    """The newest ACTIVE revision of the family (None if there is none), read once."""
    def read():
        ecs = aws.client("ecs")
        pages = ecs.get_paginator("list_task_definitions").paginate(familyPrefix=FAMILY,
                                                                     status="ACTIVE")
        revisions = {}
        for arn in (a for page in pages for a in page["taskDefinitionArns"]):
            family, revision = arn.split("task-definition/", 1)[1].rsplit(":", 1)
            if family == FAMILY:
                revisions[int(revision)] = arn
        return ecs.describe_task_definition(
            taskDefinition=revisions[max(revisions)])["taskDefinition"] if revisions else None

    return aws.once("task_definition", read)


def _newest_task_definition(aws):
    found = _task_definition_read(aws)
    if not found:
        absent(aws, f"No ACTIVE task definition in family '{FAMILY}' yet: register it with "
                    f"ecs.register_task_definition(family='{FAMILY}', ...).", "ecs",
               lambda ecs: ecs.list_task_definitions(familyPrefix=FAMILY)["taskDefinitionArns"],
               key="task_definition")
    return found


def _profile_roles(aws, profile):
    """The roles in the instance profile a launch names ({'Name'} or {'Arn'}), or None when
    the profile does not exist. Roles list the profiles they are in, so the one IAM read
    of the run answers unless the profile holds no role."""
    name = profile.get("Name") or (profile.get("Arn") or "").rsplit("/", 1)[-1]
    if not name:
        return None
    roles = [role for role, details in shared_reads.role_details(aws).items()
             if any(p["InstanceProfileName"] == name
                    for p in details.get("InstanceProfileList") or [])]
    if roles:
        return roles
    return [] if shared_reads.instance_profile(aws, name) is not None else None


def _lets_agent_register(aws, role):
    """Whether EC2 may assume ``role`` and it allows ecs:RegisterContainerInstance (the AWS
    managed instance policy does; any other policy is read)."""
    details = shared_reads.role(aws, role) or {}
    if "ec2.amazonaws.com" not in trusted_services(details.get("AssumeRolePolicyDocument")):
        return False
    if INSTANCE_POLICY in {p["PolicyArn"] for p in shared_reads.attached(aws, role)}:
        return True
    return allowed(shared_reads.role_statements(aws, role), "ecs:RegisterContainerInstance")


def _services(aws):
    return aws.once("services", lambda: aws.client("ecs").describe_services(
        cluster=CLUSTER, services=[SERVICE])["services"])


def _read_together(aws):
    """The run's independent reads at once (see grader.kit.concurrent_reads)."""
    aws.once("read-together", lambda: read_concurrently(aws, [
        lambda a: read_cluster(a, CLUSTER),
        lambda a: a.once("group", lambda: _find_group(a.client("autoscaling"))),
        shared_reads.role_details, _members, _task_definition_read, _providers, _services,
    ], services=("ecs", "autoscaling", "iam")))


# --- checks -----------------------------------------------------------------------------


@check(points=1, hint=f"ecs.create_cluster(clusterName='{CLUSTER}')")
def cluster_created(aws):
    """ECS cluster ec2-cluster exists"""
    _read_together(aws)
    _cluster(aws)


@check(points=2, hint=f"iam.create_role(RoleName='{ROLE}', AssumeRolePolicyDocument=<trust "
                      "ec2.amazonaws.com>); iam.attach_role_policy(RoleName='ecsInstanceRole', "
                      f"PolicyArn='{INSTANCE_POLICY}'); iam.create_instance_profile("
                      f"InstanceProfileName='{ROLE}'); iam.add_role_to_instance_profile("
                      f"InstanceProfileName='{ROLE}', RoleName='{ROLE}')")
def instance_role(aws):
    """Role ecsInstanceRole trusts EC2, has the ECS instance policy and is in a profile"""
    _read_together(aws)
    with about(ROLE):
        role = shared_reads.role(aws, ROLE)
        assert role, (f"No IAM role named '{ROLE}' yet. The ECS agent on each container "
                      "instance calls ECS with this role's credentials.")
        trust = role.get("AssumeRolePolicyDocument")
        assert not open_to_everyone(trust), (
            f"{ROLE}'s trust policy lets any principal ('*') assume it; trust only "
            "ec2.amazonaws.com: iam.update_assume_role_policy(RoleName=..., PolicyDocument=...).")
        services = trusted_services(trust)
        assert "ec2.amazonaws.com" in services, (
            f"{ROLE}'s trust policy must allow sts:AssumeRole for ec2.amazonaws.com (the "
            f"instances assume it); found {', '.join(sorted(services)) or 'no service'}. "
            "ecs-tasks.amazonaws.com is for task roles. Fix it with "
            "iam.update_assume_role_policy.")
        arns = {p["PolicyArn"] for p in shared_reads.attached(aws, ROLE)}
        assert INSTANCE_POLICY in arns, (
            f"{ROLE} does not have AmazonEC2ContainerServiceforEC2Role attached, so the agent "
            "could not register the instance or poll for tasks: iam.attach_role_policy("
            f"RoleName='{ROLE}', PolicyArn='{INSTANCE_POLICY}').")
        assert role.get("InstanceProfileList"), (
            f"{ROLE} is in no instance profile, and an EC2 instance gets a role only through "
            f"one: iam.create_instance_profile(InstanceProfileName='{ROLE}') then "
            f"iam.add_role_to_instance_profile(InstanceProfileName='{ROLE}', RoleName='{ROLE}').")


@check(points=3, hint="launch template ecs-node: ImageId from ssm.get_parameter(Name='"
                      f"{AMI_PARAMETER}'), IamInstanceProfile={{'Name': '{ROLE}'}}, UserData="
                      "base64('#!/bin/bash\\necho ECS_CLUSTER=ec2-cluster >> /etc/ecs/ecs.config'"
                      "); then autoscaling.create_auto_scaling_group(AutoScalingGroupName="
                      f"'{GROUP}', DesiredCapacity=2, VPCZoneIdentifier='subnet-a,subnet-b', ...)")
def container_instances_joined(aws):
    """Instances of ecs-nodes joined ec2-cluster as container instances"""
    _read_together(aws)
    _cluster(aws)
    group = _group(aws)
    with about(group["AutoScalingGroupARN"]):
        _judge_group(aws, group)


def _judge_group(aws, group):
    zones = set(group.get("AvailabilityZones") or [])  # the zones of its subnets
    assert len(zones) >= 2, (
        f"{GROUP} launches into {len(zones)} Availability Zone(s); give it subnets in two AZs "
        "(VPCZoneIdentifier='subnet-a,subnet-b') so the service can spread its tasks: "
        "autoscaling.update_auto_scaling_group(...).")
    launch = _launch_data(aws, group)
    image = _image_name(aws, launch["ImageId"])
    assert image.startswith(ECS_AL2023), (
        f"{GROUP} launches {launch['ImageId'] or 'no AMI'}"
        f"{f' ({image})' if image else ''}, not the ECS-optimized Amazon Linux 2023 AMI, so "
        f"no ECS agent runs on its instances. Read the AMI id from the SSM parameter "
        f"{AMI_PARAMETER}, put it in a new launch template version and replace the instances.")
    roles = _profile_roles(aws, launch["IamInstanceProfile"])
    what = "no instance profile" if roles is None else "an empty instance profile"
    assert roles, (
        f"{GROUP}'s instances have {what}, so the agent has no credentials to register "
        f"them: set IamInstanceProfile={{'Name': '{ROLE}'}} in the launch template.")
    assert any(_lets_agent_register(aws, r) for r in roles), (
        f"The instance profile's role ({', '.join(roles)}) does not both trust "
        "ec2.amazonaws.com and allow ecs:RegisterContainerInstance, so the agent cannot "
        f"register: use {ROLE} with AmazonEC2ContainerServiceforEC2Role.")
    named = CLUSTER_SETTING.findall(launch["UserData"])
    setting = f"sets ECS_CLUSTER={named[-1]}" if named else "does not set ECS_CLUSTER"
    assert named and named[-1] == CLUSTER, (
        f"{GROUP}'s user data {setting}, so the agent joins "
        f"'{named[-1] if named else 'default'}', not {CLUSTER}. Write "
        f"ECS_CLUSTER={CLUSTER} to /etc/ecs/ecs.config in the user data (a new launch "
        "template version), then replace the instances.")
    ours = {i["InstanceId"] for i in group.get("Instances", [])}
    joined = [m for m in _members(aws) if m["ec2InstanceId"] in ours]
    others = [m["ec2InstanceId"] for m in _members(aws) if m["ec2InstanceId"] not in ours]
    strays = f" {', '.join(others)} joined but are not in the group." if others else ""
    assert len(joined) >= 2, (
        f"{len(joined)} of {GROUP}'s instances are container instances of {CLUSTER}; it needs "
        f"2 (DesiredCapacity=2).{strays} Instances join through their agent: check the "
        "group's desired capacity.")


@check(points=3, hint="ecs.create_capacity_provider(name='ecs-nodes-cp', "
                      "autoScalingGroupProvider={'autoScalingGroupArn': group_arn, "
                      "'managedScaling': {'status': 'ENABLED', 'targetCapacity': 100}, "
                      "'managedTerminationProtection': 'ENABLED'}); ecs."
                      f"put_cluster_capacity_providers(cluster='{CLUSTER}', capacityProviders="
                      "['ecs-nodes-cp'], defaultCapacityProviderStrategy=[{'capacityProvider': "
                      "'ecs-nodes-cp', 'weight': 1}])")
def capacity_provider(aws):
    """A capacity provider with managed scaling on ecs-nodes is the cluster's default"""
    _read_together(aws)
    cluster = _cluster(aws)
    group = _group(aws)
    provider = _provider(aws, group, cluster)
    with about(provider["capacityProviderArn"]):
        _judge_provider(provider, group, cluster)


def _providers(aws):
    return aws.once("providers", lambda: aws.client("ecs").describe_capacity_providers()[
        "capacityProviders"])


def _group_providers(aws, group):
    return [p for p in _providers(aws) if p.get("status") == "ACTIVE" and (
        (p.get("autoScalingGroupProvider") or {}).get("autoScalingGroupArn")
        in (group["AutoScalingGroupARN"], GROUP))]


def _provider(aws, group, cluster):
    providers = _group_providers(aws, group)
    if not providers:
        fail(f"No capacity provider uses {GROUP} yet: ecs.create_capacity_provider(name="
             "'ecs-nodes-cp', autoScalingGroupProvider={'autoScalingGroupArn': <the group's "
             "ARN>, ...}).", group["AutoScalingGroupARN"])
    associated = [p for p in providers if p["name"] in (cluster.get("capacityProviders") or [])]
    return (associated or providers)[0]


def _judge_provider(provider, group, cluster):
    name = provider["name"]
    settings = provider.get("autoScalingGroupProvider") or {}
    scaling = settings.get("managedScaling") or {}
    assert scaling.get("status") == "ENABLED", (
        f"{name} has managed scaling {scaling.get('status') or 'DISABLED'}: without it ECS "
        f"never grows {GROUP} when tasks do not fit. ecs.update_capacity_provider(name='{name}', "
        "autoScalingGroupProvider={'managedScaling': {'status': 'ENABLED', "
        "'targetCapacity': 100}}).")
    assert 1 <= int(scaling.get("targetCapacity") or 0) <= 100, (
        f"{name}'s target capacity is {scaling.get('targetCapacity')}; it is a percentage "
        "from 1 to 100.")
    assert settings.get("managedTerminationProtection") == "ENABLED", (
        f"{name} has managed termination protection DISABLED, so a scale-in could terminate "
        "an instance that still runs tasks. Enable it (ecs.update_capacity_provider) after "
        f"turning on NewInstancesProtectedFromScaleIn for {GROUP}.")
    assert group.get("NewInstancesProtectedFromScaleIn"), (
        f"{GROUP} no longer protects new instances from scale-in, which managed termination "
        f"protection needs: autoscaling.update_auto_scaling_group(AutoScalingGroupName='{GROUP}'"
        ", NewInstancesProtectedFromScaleIn=True).")
    assert name in (cluster.get("capacityProviders") or []), (
        f"{name} is not associated with {CLUSTER}: ecs.put_cluster_capacity_providers("
        f"cluster='{CLUSTER}', capacityProviders=['{name}'], defaultCapacityProviderStrategy="
        f"[{{'capacityProvider': '{name}', 'weight': 1}}]).")
    strategy = cluster.get("defaultCapacityProviderStrategy") or []
    mine = [item for item in strategy if item["capacityProvider"] == name]
    assert mine, (
        f"{CLUSTER}'s default capacity provider strategy "
        f"{'is empty' if not strategy else 'does not include ' + name}, so a service created "
        "without a launch type would not run on your instances: set it with "
        "ecs.put_cluster_capacity_providers(..., defaultCapacityProviderStrategy=[...]).")
    assert len(strategy) == 1 or mine[0].get("weight", 0) > 0, (
        f"{name} has weight 0 in {CLUSTER}'s default strategy next to other providers, so "
        "no task is placed on it: give it a weight of at least 1.")


@check(points=3, hint=f"ecs.register_task_definition(family='{FAMILY}', requiresCompatibilities="
                      "['EC2'], networkMode='bridge', containerDefinitions=[{'name': 'web', "
                      "'image': 'nginx:1.27', 'memory': 256, 'portMappings': [{'containerPort': "
                      "80, 'hostPort': 0}]}], taskRoleArn=...)")
def bridge_task_definition(aws):
    """Task definition web-ec2 runs nginx on EC2 with bridge networking and a dynamic port"""
    _read_together(aws)
    task_definition = _newest_task_definition(aws)
    name = f"{FAMILY}:{task_definition['revision']}"
    with about(task_definition["taskDefinitionArn"]):
        _judge_task_definition(task_definition, name)


def _judge_task_definition(task_definition, name):
    assert "EC2" in (task_definition.get("requiresCompatibilities") or []), (
        f"{name} does not list EC2 in requiresCompatibilities, so ECS does not validate it "
        "for container instances.")
    mode = task_definition.get("networkMode") or "bridge"
    assert mode == "bridge", (
        f"{name} uses networkMode '{mode}'; this lab uses 'bridge', where containers share "
        "the instance's IP address through Docker's bridge and get host ports.")
    containers = task_definition.get("containerDefinitions") or []
    nginx = next((c for c in containers
                  if c.get("image", "").split("@")[0].rsplit("/", 1)[-1].startswith("nginx")),
                 None)
    assert nginx, f"{name} has no container running an nginx image (e.g. 'nginx:1.27')."
    assert (nginx.get("memory") or nginx.get("memoryReservation")
            or task_definition.get("memory")), (
        f"The nginx container in {name} sets neither memory nor memoryReservation (and the "
        "task sets no memory). On EC2, ECS must know how much of an instance's memory the "
        "task takes: AWS rejects it.")
    port_80 = [m for m in nginx.get("portMappings") or []
               if m.get("containerPort") == 80 and m.get("protocol", "tcp") == "tcp"]
    assert port_80, (f"The nginx container in {name} maps no tcp containerPort 80: add "
                     "portMappings=[{'containerPort': 80, 'hostPort': 0}].")
    fixed = [m["hostPort"] for m in port_80 if m.get("hostPort")]
    assert not fixed, (
        f"{name} maps container port 80 to fixed host port {fixed[0]}, so only one copy fits "
        "on an instance (a second would find the port taken). Use hostPort 0 (or leave it "
        "out) for a dynamic host port.")


@check(points=2, hint="iam.create_role(RoleName='webTaskRole', AssumeRolePolicyDocument=<trust "
                      "ecs-tasks.amazonaws.com>), then register web-ec2 again with "
                      "taskRoleArn=<its Arn>")
def task_role(aws):
    """web-ec2 has a task role trusted by ecs-tasks.amazonaws.com"""
    _read_together(aws)
    task_definition = _newest_task_definition(aws)
    name = f"{FAMILY}:{task_definition['revision']}"
    arn = task_definition.get("taskRoleArn")
    with about(task_definition["taskDefinitionArn"]):
        assert arn, (f"{name} has no taskRoleArn, so the application in the container would "
                     "have no AWS credentials of its own. Register it again with taskRoleArn "
                     "set to webTaskRole's Arn.")
        role = shared_reads.role_by_arn(aws, arn)
        assert role, (f"{name}'s taskRoleArn ({role_name(arn)}) is not a role in this account: "
                      "pass the Arn that iam.create_role or iam.get_role returns.")
    services = trusted_services(role.get("AssumeRolePolicyDocument"))
    instance = (" (an instance role: every container on the host could use its credentials)"
                if "ec2.amazonaws.com" in services else "")
    with about(role["Arn"]):
        assert "ecs-tasks.amazonaws.com" in services, (
            f"{name}'s task role {role['RoleName']} trusts "
            f"{', '.join(sorted(services)) or 'no service'}, not ecs-tasks.amazonaws.com"
            f"{instance}. A task role must trust ecs-tasks.amazonaws.com.")


@check(points=3, hint=f"ecs.create_service(cluster='{CLUSTER}', serviceName='{SERVICE}', "
                      f"taskDefinition='{FAMILY}', desiredCount=2, placementStrategy=["
                      "{'type': 'spread', 'field': 'attribute:ecs.availability-zone'}, "
                      "{'type': 'binpack', 'field': 'memory'}])")
def service_placement(aws):
    """Service web runs 2 web-ec2 tasks on the capacity provider, spread then bin-packed"""
    _read_together(aws)
    cluster = _cluster(aws)
    services = [s for s in _services(aws) if s.get("status") == "ACTIVE"]
    assert services, (f"No active service named '{SERVICE}' in {CLUSTER} yet: create it with "
                      "ecs.create_service.")
    service = services[0]
    with about(service["serviceArn"]):
        _judge_service(aws, cluster, service)


def _judge_service(aws, cluster, service):
    assert service.get("desiredCount") == 2, (
        f"Service {SERVICE} has desiredCount {service.get('desiredCount')}; make it 2: "
        f"ecs.update_service(cluster='{CLUSTER}', service='{SERVICE}', desiredCount=2).")
    newest = _newest_task_definition(aws)
    current = newest if service["taskDefinition"] == newest["taskDefinitionArn"] else \
        aws.client("ecs").describe_task_definition(
            taskDefinition=service["taskDefinition"])["taskDefinition"]
    running = f"{current['family']}:{current['revision']}"
    assert current["taskDefinitionArn"] == newest["taskDefinitionArn"], (
        f"Service {SERVICE} runs {running}, not the newest revision "
        f"{FAMILY}:{newest['revision']}: ecs.update_service(cluster='{CLUSTER}', service="
        f"'{SERVICE}', taskDefinition='{FAMILY}:{newest['revision']}').")
    strategy = service.get("capacityProviderStrategy") or []
    if not strategy:
        kind = service.get("launchType") or "none"
        fail(f"Service {SERVICE} uses launch type {kind}, not a capacity provider: its tasks "
             "would not make ECS scale your group. Create it without launchType (the cluster's "
             "default strategy applies) or with capacityProviderStrategy naming your provider.",
             service["serviceArn"])
    providers = {p["name"] for p in _group_providers(aws, _group(aws))}
    names = [item["capacityProvider"] for item in strategy]
    assert providers & set(names), (
        f"Service {SERVICE}'s capacity provider strategy uses {', '.join(names)}, none of which "
        f"runs on {GROUP}.")
    placement = [{"type": s.get("type"), "field": s.get("field")}
                 for s in service.get("placementStrategy") or []]
    shown = " then ".join(f"{s['type']}({s['field'] or ''})" for s in placement)
    assert placement[:2] == [SPREAD_AZ, BINPACK_MEMORY], (
        f"Service {SERVICE}'s placement strategy is {shown or 'empty'}"
        "; it must spread on attribute:ecs.availability-zone first, then binpack on memory "
        "(the order matters). A service's strategy is set when it is created or with "
        "ecs.update_service(..., placementStrategy=[...]).")


def setup(aws):
    """Make sure the default VPC has subnets in at least two Availability Zones."""
    ensure_default_subnets(aws.client("ec2"))
