"""Checks for lab 02: a Fargate task definition run as an ECS service.

moto stores task definitions and services as given and validates almost none of the rules
below (it even turns a Fargate task definition's network mode into awsvpc without saying
so), so these checks enforce them. Every rule is listed in lab.toml ``rules``. The checks
read state through boto3 only, so they run unchanged against the sandbox or a real account.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from grader import check
from grader.kit import fargate
from grader.kit.ecs import active_cluster
from grader.kit.feedback import about
from grader.kit.lookups import ensure_default_subnets
from grader.kit.policies import (
    attached_arns,
    get_role,
    grants,
    open_to_everyone,
    role_from_arn,
    role_name,
    role_statements,
    trusted_services,
)

CLUSTER = "web-cluster"
SERVICE = "web"
FAMILY = "webserver"
ROLE = "ecsTaskExecutionRole"
TRUSTED = "ecs-tasks.amazonaws.com"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
FARGATE_PROVIDERS = {"FARGATE", "FARGATE_SPOT"}
LOG_OPTIONS = ("awslogs-group", "awslogs-region", "awslogs-stream-prefix")


# Task-level CPU units (1024 per vCPU) -> the memory sizes (MiB) Fargate accepts with them.
FARGATE_SIZES = {int(vcpu * 1024): memory for vcpu, memory in fargate.TASK_SIZES.items()}
_CPU = re.compile(r"^\s*(\d*\.?\d+)\s*(vcpu)?\s*$", re.IGNORECASE)
_MEMORY = re.compile(r"^\s*(\d*\.?\d+)\s*(gb|mib|mb)?\s*$", re.IGNORECASE)


def cpu_units(value):
    """Task-level cpu as CPU units: '256', '1024' or '1 vCPU' / '.25 vCPU' (1 vCPU = 1024)."""
    match = _CPU.match(str(value or ""))
    if not match:
        return None
    number = float(match.group(1)) * (1024 if match.group(2) else 1)
    return int(number) if number.is_integer() else None


def memory_mib(value):
    """Task-level memory in MiB: '512', '2048' or '2GB' / '2 GB' (1 GB = 1024 MiB)."""
    match = _MEMORY.match(str(value or ""))
    if not match:
        return None
    unit = (match.group(2) or "").lower()
    number = float(match.group(1)) * (1024 if unit == "gb" else 1)
    return int(number) if number.is_integer() else None


def fargate_pair_ok(cpu, memory):
    """True when (cpu units, MiB) is one of Fargate's task sizes."""
    return fargate.pair_ok(cpu, memory, FARGATE_SIZES)


def _cluster(aws):
    return active_cluster(aws, CLUSTER)


def _service(aws):
    cluster = _cluster(aws)
    services = aws.once("service", lambda: [
        s for s in aws.client("ecs").describe_services(
            cluster=CLUSTER, services=[SERVICE])["services"] if s["status"] == "ACTIVE"])
    assert services, (f"No active service named '{SERVICE}' in cluster '{CLUSTER}' yet: create "
                      "it with ecs.create_service.")
    return cluster, services[0]


def _list_revisions(ecs):
    found = {}
    for status in ("ACTIVE", "INACTIVE"):
        pages = ecs.get_paginator("list_task_definitions").paginate(familyPrefix=FAMILY,
                                                                     status=status)
        for arn in (a for page in pages for a in page["taskDefinitionArns"]):
            family, revision = arn.split("task-definition/", 1)[1].rsplit(":", 1)
            if family == FAMILY:
                found[int(revision)] = (arn, status)
    return found


def _revisions(aws):
    """{revision: (arn, status)} for every registered revision (ACTIVE or INACTIVE) of the
    family, read once per run."""
    return aws.once("revisions", lambda: _list_revisions(aws.client("ecs")))


def _describe(aws, task_definition):
    """A task definition (by ARN, family:revision or family), read once per run."""
    return aws.once(f"td:{task_definition}", lambda: aws.client("ecs").describe_task_definition(
        taskDefinition=task_definition)["taskDefinition"])


def _newest(aws):
    """The newest ACTIVE revision of the family (deregistered revisions don't count)."""
    active = {r: arn for r, (arn, status) in _revisions(aws).items() if status == "ACTIVE"}
    assert active, (f"No task definition in family '{FAMILY}' yet: register it with "
                    f"ecs.register_task_definition(family='{FAMILY}', ...).")
    return _describe(aws, active[max(active)])


def split_image(image):
    """(repository, tag or @digest) of an image reference; no tag means 'latest'."""
    if "@" in image:
        repository, digest = image.split("@", 1)
        return repository, "@" + digest
    if ":" in image.rsplit("/", 1)[-1]:
        repository, tag = image.rsplit(":", 1)
        return repository, tag
    return image, "latest"


def _is_nginx(image):
    return split_image(image or "")[0].rsplit("/", 1)[-1].startswith("nginx")


def _nginx_container(task_definition):
    containers = task_definition.get("containerDefinitions", [])
    return next((c for c in containers if _is_nginx(c.get("image"))), None)


@functools.cache
def _regions():
    import boto3

    return frozenset(boto3.session.Session().get_available_regions("logs"))


@check(points=1, hint=f"ecs.create_cluster(clusterName='{CLUSTER}')")
def cluster_created(aws):
    """ECS cluster web-cluster exists"""
    _cluster(aws)


@check(points=2, hint=f"iam.create_role(RoleName='{ROLE}', AssumeRolePolicyDocument=json.dumps("
                      "{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': "
                      f"{{'Service': '{TRUSTED}'}}, 'Action': 'sts:AssumeRole'}}]}})); "
                      f"iam.attach_role_policy(RoleName='{ROLE}', PolicyArn='{EXECUTION_POLICY}')")
def execution_role(aws):
    """Role ecsTaskExecutionRole trusts ecs-tasks.amazonaws.com and has the execution policy"""
    with about(ROLE):
        _judge_execution_role(aws.client("iam"))


def _judge_execution_role(iam):
    role = get_role(iam, ROLE)
    assert role, (f"No IAM role named '{ROLE}' yet. On Fargate, ECS starts your task with this "
                  "role: it pulls the image and sends the container's logs to CloudWatch Logs.")
    trust = role.get("AssumeRolePolicyDocument")
    assert not open_to_everyone(trust), (
        f"{ROLE}'s trust policy lets any principal ('*') assume it; trust only the service "
        f"principal {TRUSTED}: replace the policy with iam.update_assume_role_policy(RoleName="
        f"'{ROLE}', PolicyDocument=...).")
    services = trusted_services(trust)
    assert TRUSTED in services, (
        f"{ROLE}'s trust policy must allow sts:AssumeRole for the service principal {TRUSTED} "
        "(the ECS and Fargate agents that start tasks); found "
        f"{', '.join(sorted(services)) or 'no service principal'}. ecs.amazonaws.com belongs to "
        "ECS's service-linked role and ec2.amazonaws.com to container instances. Fix it with "
        f"iam.update_assume_role_policy(RoleName='{ROLE}', PolicyDocument=...).")
    assert EXECUTION_POLICY in attached_arns(iam, ROLE), (
        f"{ROLE} does not have the AWS managed policy AmazonECSTaskExecutionRolePolicy "
        "attached. Without it the agent cannot write the container's logs to CloudWatch Logs "
        "(logs:CreateLogStream, logs:PutLogEvents) or pull private images from ECR.")


@check(points=2, hint="containerDefinitions=[{'name': 'web', 'image': 'nginx:1.26', "
                      "'portMappings': [{'containerPort': 80, 'protocol': 'tcp'}], "
                      "'logConfiguration': {'logDriver': 'awslogs', 'options': {'awslogs-group': "
                      "'/ecs/webserver', 'awslogs-region': 'us-east-1', "
                      "'awslogs-stream-prefix': 'web'}}}] after logs.create_log_group("
                      "logGroupName='/ecs/webserver')")
def nginx_container_logs_to_cloudwatch(aws):
    """The webserver container runs nginx on port 80 and logs to CloudWatch Logs"""
    task_definition = _newest(aws)
    with about(f"{FAMILY}:{task_definition['revision']}"):
        _judge_container(aws, task_definition)


def _judge_container(aws, task_definition):
    container = _nginx_container(task_definition)
    assert container, (f"The newest '{FAMILY}' revision has no container running an nginx "
                       "image (for example 'nginx:1.26').")
    mappings = container.get("portMappings") or []
    port_80 = [m for m in mappings if m.get("containerPort") == 80
               and m.get("protocol", "tcp") == "tcp"]
    assert port_80, ("The nginx container maps no tcp containerPort 80, so nothing outside the "
                     "container can reach the web server: add portMappings=[{'containerPort': 80}]"
                     ".")
    assert all(m.get("hostPort") in (None, m.get("containerPort")) for m in mappings), (
        "A port mapping sets a hostPort different from its containerPort. With awsvpc "
        "networking each task has its own network interface, so AWS requires hostPort to be "
        "left out or equal to containerPort.")
    logging = container.get("logConfiguration") or {}
    assert logging.get("logDriver") == "awslogs", (
        f"The nginx container's logDriver is {logging.get('logDriver') or 'not set'}; use "
        "'awslogs' so its output goes to CloudWatch Logs (on Fargate there is no host to read "
        "logs from).")
    options = logging.get("options") or {}
    missing = [o for o in LOG_OPTIONS if not options.get(o)]
    assert not missing, (
        f"The awslogs configuration is missing {', '.join(missing)}. Fargate requires "
        "awslogs-group, awslogs-region and awslogs-stream-prefix (the prefix names each task's "
        "log stream prefix/container/task-id).")
    region = options["awslogs-region"]
    assert region in _regions(), f"awslogs-region '{region}' is not an AWS Region name."
    group = options["awslogs-group"]
    logs = (aws if region == aws.region else dataclasses.replace(aws, region=region)).client(
        "logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    if any(g["logGroupName"] == group for g in groups):
        return
    assert str(options.get("awslogs-create-group", "")).lower() == "true", (
        f"Log group '{group}' does not exist in {region}, so the task would fail to start "
        "(ResourceInitializationError). Create it with logs.create_log_group, or set "
        "awslogs-create-group to 'true' and allow logs:CreateLogGroup in the execution role.")
    name = role_name(task_definition.get("executionRoleArn"))
    iam = aws.client("iam")
    assert name and get_role(iam, name) and grants(role_statements(iam, name),
                                                   "logs:CreateLogGroup"), (
        f"Log group '{group}' does not exist yet and awslogs-create-group is 'true', but the "
        "execution role does not allow logs:CreateLogGroup (AmazonECSTaskExecutionRolePolicy "
        "does not include it), so the task would fail to start. Create the log group yourself "
        "with logs.create_log_group, or grant that action in the execution role.")


@check(points=3, hint=f"ecs.register_task_definition(family='{FAMILY}', "
                      "requiresCompatibilities=['FARGATE'], networkMode='awsvpc', cpu='256', "
                      "memory='512', executionRoleArn=role_arn, containerDefinitions=[...])")
def fargate_task_definition(aws):
    """Task definition webserver is valid for Fargate"""
    task_definition = _newest(aws)
    name = f"{FAMILY}:{task_definition['revision']}"
    with about(name):
        _judge_task_definition(aws.client("iam"), task_definition, name)


def _judge_task_definition(iam, task_definition, name):
    mode = task_definition.get("networkMode") or "bridge"
    assert mode == "awsvpc", (
        f"{name} uses networkMode '{mode}'. Fargate supports only 'awsvpc': each task gets its "
        "own elastic network interface in your VPC.")
    assert "FARGATE" in (task_definition.get("requiresCompatibilities") or []), (
        f"{name} does not list FARGATE in requiresCompatibilities, so ECS does not validate it "
        "for Fargate and a Fargate service or task rejects it.")
    cpu, memory = task_definition.get("cpu"), task_definition.get("memory")
    assert cpu and memory, (
        f"{name} has no task-level {'cpu' if not cpu else 'memory'}. Fargate requires both at "
        "task level (strings such as cpu='256', memory='512'): you pay for exactly that size. "
        "Container-level values only split it between containers.")
    units, mib = cpu_units(cpu), memory_mib(memory)
    assert units in FARGATE_SIZES, (
        f"{name} asks for cpu '{cpu}'. Fargate task sizes have 256, 512, 1024, 2048, 4096, 8192 "
        "or 16384 CPU units (1024 = 1 vCPU).")
    assert fargate_pair_ok(units, mib), (
        f"{name} pairs cpu {units} with memory '{memory}', which Fargate does not offer (AWS "
        f"answers \"Invalid 'cpu' setting for task\"). With {units} CPU units the memory (MiB) "
        f"must be {_describe_sizes(units)}.")
    role_arn = task_definition.get("executionRoleArn")
    assert role_arn, (
        f"{name} has no executionRoleArn. Fargate needs a task execution role to send the "
        "container's logs to CloudWatch Logs (and to pull private images).")
    role = role_from_arn(iam, role_arn)
    assert role, (
        f"{name}'s executionRoleArn does not name an IAM role in your account, so ECS could "
        "not start the task: pass the Arn that iam.get_role returns.")
    # ecsTaskExecutionRole's trust is judged by execution_role: one mistake, one lost check
    assert role["RoleName"] == ROLE or TRUSTED in trusted_services(
        role.get("AssumeRolePolicyDocument")), (
        f"{name}'s execution role '{role['RoleName']}' does not trust {TRUSTED}, so the agent "
        "that starts the task cannot assume it.")


def _describe_sizes(units):
    return fargate.describe_memory(units, FARGATE_SIZES)


@check(points=3, hint="ecs.create_service(cluster='web-cluster', serviceName='web', "
                      "taskDefinition='webserver', desiredCount=2, launchType='FARGATE', "
                      "networkConfiguration={'awsvpcConfiguration': {'subnets': [subnet_a, "
                      "subnet_b], 'securityGroups': [sg_id], 'assignPublicIp': 'ENABLED'}})")
def fargate_service(aws):
    """Service web asks for 2 Fargate tasks in two subnets with a security group"""
    cluster, service = _service(aws)
    vpc_config = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    with about(service.get("serviceArn", SERVICE), *vpc_config.get("subnets", []),
               *vpc_config.get("securityGroups", [])):
        _judge_service(aws.client("ec2"), cluster, service)


def _judge_service(ec2, cluster, service):
    assert service.get("desiredCount") == 2, (
        f"Service '{SERVICE}' has desiredCount {service.get('desiredCount')}; the task asks for "
        "2, so one task can fail (or one Availability Zone go down) while the other serves: "
        f"ecs.update_service(cluster='{CLUSTER}', service='{SERVICE}', desiredCount=2).")
    strategy = service.get("capacityProviderStrategy") or []
    if strategy:
        providers = {item["capacityProvider"] for item in strategy}
        assert providers <= FARGATE_PROVIDERS, (
            f"The service's capacity provider strategy uses "
            f"{', '.join(sorted(providers - FARGATE_PROVIDERS))}; on Fargate use only the "
            "FARGATE and FARGATE_SPOT providers (Auto Scaling group providers run tasks on EC2 "
            "instances you manage).")
        unassociated = providers - set(cluster.get("capacityProviders") or [])
        assert not unassociated, (
            f"The strategy uses {', '.join(sorted(unassociated))}, which is not associated "
            f"with cluster '{CLUSTER}'. A capacity provider must be associated with the cluster "
            "first: ecs.put_cluster_capacity_providers(...).")
    else:
        launch_type = service.get("launchType")
        assert launch_type != "EC2", (
            f"Service '{SERVICE}' uses the EC2 launch type: its tasks would be placed on "
            "container instances, EC2 instances running the ECS agent that you launch, patch "
            "and scale yourself. This lab is about Fargate, where AWS runs the tasks and there "
            "are no instances to manage. Recreate the service with launchType='FARGATE', or "
            "move it with update_service(capacityProviderStrategy=[{'capacityProvider': "
            "'FARGATE', 'weight': 1}], forceNewDeployment=True). (This sandbox forgets a "
            "capacityProviderStrategy given to create_service and records EC2.)")
        assert launch_type == "FARGATE", (
            f"Service '{SERVICE}' has launch type {launch_type or 'none'}; use "
            "launchType='FARGATE' or a FARGATE/FARGATE_SPOT capacity provider strategy.")
    vpc_config = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    assert vpc_config, (
        f"Service '{SERVICE}' has no networkConfiguration.awsvpcConfiguration. Fargate tasks "
        "use awsvpc networking, so the service must say which subnets and security groups "
        "their network interfaces go in.")
    subnet_ids, group_ids = vpc_config.get("subnets") or [], vpc_config.get("securityGroups") or []
    assert len(subnet_ids) >= 2, (
        f"The service's awsvpcConfiguration lists {len(subnet_ids)} subnet(s); give it two, in "
        "different Availability Zones, so ECS can spread the tasks.")
    subnets = ec2.describe_subnets(
        Filters=[{"Name": "subnet-id", "Values": subnet_ids}])["Subnets"]
    missing = len(set(subnet_ids) - {s["SubnetId"] for s in subnets})
    assert not missing, (
        f"The service names {missing} subnet(s) that do not exist (any more), so ECS cannot "
        "place tasks there: use subnets that ec2.describe_subnets() lists.")
    zones = {s["AvailabilityZone"] for s in subnets}
    assert len(zones) >= 2, (
        "All of the service's subnets are in one Availability Zone; use subnets in two AZs so "
        "the service survives the loss of one.")
    assert group_ids, ("The service's awsvpcConfiguration names no security group; give the "
                       "tasks one that allows tcp 80 in.")
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "group-id", "Values": group_ids}])["SecurityGroups"]
    missing = len(set(group_ids) - {g["GroupId"] for g in groups})
    assert not missing, (
        f"The service names {missing} security group(s) that do not exist (any more); each "
        "task's network interface needs groups that ec2.describe_security_groups() lists.")
    vpcs = {s["VpcId"] for s in subnets} | {g["VpcId"] for g in groups}
    assert len(vpcs) == 1, (
        "The service's subnets and security groups are not all in the same VPC; AWS requires "
        "every subnet and security group in an awsvpcConfiguration to come from one VPC.")
    assert any(_lets_in(rule, 80) for g in groups for rule in g.get("IpPermissions", [])), (
        f"None of the service's security groups ({', '.join(group_ids)}) allows tcp 80 in, so "
        "nothing can reach nginx: ec2.authorize_security_group_ingress(GroupId=..., "
        "IpProtocol='tcp', FromPort=80, ToPort=80, CidrIp='0.0.0.0/0').")
    if vpc_config.get("assignPublicIp") != "ENABLED":
        offline = [s for s in subnet_ids
                   if _internet_route(ec2, s, next(iter(vpcs))) in ("igw", "")]
        assert not offline, (
            f"The service gives its tasks no public IP (assignPublicIp is not ENABLED), but "
            f"subnet(s) {', '.join(offline)} reach the internet only through an internet "
            "gateway, or not at all, so a task there cannot pull nginx from Docker Hub. Set "
            "assignPublicIp='ENABLED' with ecs.update_service(..., networkConfiguration=...), "
            "or use subnets whose default route goes to a NAT gateway.")


def _lets_in(rule, port):
    """True when an ingress rule admits tcp ``port`` (from any source)."""
    if rule.get("IpProtocol") == "-1":
        return True
    return (rule.get("IpProtocol") in ("tcp", "6")
            and rule.get("FromPort", 0) <= port <= rule.get("ToPort", 65535))


def _internet_route(ec2, subnet_id, vpc_id):
    """Where the subnet's default route (its own route table, else the VPC's main one) sends
    internet traffic: 'igw' (needs a public IP), 'other' (a NAT gateway, transit gateway or
    appliance that translates for the task) or '' (nowhere)."""
    tables = ec2.describe_route_tables(Filters=[
        {"Name": "association.subnet-id", "Values": [subnet_id]}])["RouteTables"]
    if not tables:
        tables = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    for route in (r for t in tables for r in t.get("Routes", [])):
        if route.get("DestinationCidrBlock") == "0.0.0.0/0":
            return "igw" if str(route.get("GatewayId", "")).startswith("igw-") else "other"
    return ""


@check(points=2, hint="ecs.register_task_definition(...same settings, image='nginx:1.27'...) "
                      "then ecs.update_service(cluster='web-cluster', service='web', "
                      "taskDefinition='webserver:2')")
def service_runs_new_revision(aws):
    """A second webserver revision changes the image tag and the service uses it"""
    newest = _newest(aws)
    revisions = _revisions(aws)
    number = newest["revision"]
    earlier = [arn for revision, (arn, _) in sorted(revisions.items(), reverse=True)
               if revision < number]  # newest first
    assert earlier, (
        f"'{FAMILY}' has only revision {number}. ECS never edits a revision: register the "
        "changed task definition again and ECS stores it as the next revision.")
    container = _nginx_container(newest)
    assert container, f"{FAMILY}:{number} has no nginx container."
    tag = split_image(container["image"])[1]

    def earlier_tag(arn):
        old = _nginx_container(_describe(aws, arn))
        return split_image(old["image"])[1] if old else None

    # stops at the first revision with another tag: one call in the usual case
    assert any(earlier_tag(arn) != tag for arn in earlier), (
        f"{FAMILY}:{number} runs the same image tag ('{tag}') as the earlier revisions; change "
        "the tag (for example nginx:1.26 -> nginx:1.27) to roll out a new version.")
    _, service = _service(aws)
    current = _describe(aws, service["taskDefinition"])
    running = f"{current['family']}:{current['revision']}"
    assert running == f"{FAMILY}:{number}", (
        f"Service '{SERVICE}' runs {running}, but the newest revision is {FAMILY}:{number}. "
        "Registering a revision does not change running services: call ecs.update_service("
        f"cluster='{CLUSTER}', service='{SERVICE}', taskDefinition='{FAMILY}:{number}').")


def setup(aws):
    """Make sure the default VPC has subnets in at least two Availability Zones."""
    ensure_default_subnets(aws.client("ec2"))
