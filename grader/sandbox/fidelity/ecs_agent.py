"""Sandbox corrections for ECS on EC2 (lab 10): the agent, placement, capacity providers.

On AWS an EC2 instance becomes a *container instance* because the ECS container agent on it
calls RegisterContainerInstance with the instance's signed identity document; moto runs no
agent, so an instance launched to join a cluster never appears in it. Here the sandbox plays
the agent: whenever an ECS request arrives, every running instance in that account and
Region whose AMI carries the agent, whose user data names a cluster (``ECS_CLUSTER=``, else
``default``) and whose instance profile's role may call ecs:RegisterContainerInstance, joins
that cluster with CPU and memory derived from its instance type. A terminated instance is
deregistered, a stopped one shows ``agentConnected: false``.

Register request-level corrections with ``corrections.corrects`` and moto model patches
with ``patches.applies_to``; ``layer`` imports this module so both are in place.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import functools
import json
import re
from typing import Any
from urllib.parse import unquote

from grader.sandbox.fidelity import patches
from grader.sandbox.fidelity.corrections import CORRECTIONS, Forward, corrects
from grader.sandbox.fidelity.wire import AwsRequest, Response

# AMI names of the ECS-optimized images (Amazon Linux 2023/2/1, Bottlerocket for ECS)
AGENT_AMI = re.compile(r"(^al2023-ami-ecs-|^amzn2?-ami-.*ecs|ecs-optimized|^bottlerocket-aws-ecs)")
# ... or user data that installs the agent on another Amazon Linux AMI
AGENT_INSTALL = re.compile(r"\b(ecs-init|amazon-ecs-init)\b")
CLUSTER_SETTING = re.compile(r"ECS_CLUSTER\s*=\s*[\"']?([A-Za-z0-9_-]{1,255})")
RESERVED_MEMORY = re.compile(r"ECS_RESERVED_MEMORY\s*=\s*[\"']?(\d+)")
REGISTER = "ecs:RegisterContainerInstance"
CREATE_CLUSTER = "ecs:CreateCluster"
# memory-management.html: an m4.large (8192 MiB installed) registers 7985 MiB
MEMORY_SEEN = 7985 / 8192
AGENT_ONLY = ("RegisterContainerInstance is called by the ECS container agent on the instance, "
              "with the instance's signed identity document, not by you. Launch an "
              "ECS-optimized instance whose user data sets ECS_CLUSTER=<cluster> in "
              "/etc/ecs/ecs.config and whose instance profile's role has "
              "AmazonEC2ContainerServiceforEC2Role: its agent registers it.")
STRATEGY_TYPES = ("random", "spread", "binpack")
MAX_STRATEGIES, MAX_CONSTRAINTS = 5, 10
NO_SCALE_IN_PROTECTION = (
    "The managed termination protection setting for the capacity provider is invalid. To "
    "enable managed termination protection for a capacity provider, the Auto Scaling group "
    "must have instance protection from scale in enabled.")


# --- the agent ------------------------------------------------------------------------


def user_data_text(user_data: Any) -> str:
    """The user data script as text, whether moto holds it encoded or not."""
    if user_data is None:
        return ""
    if hasattr(user_data, "decode") and not isinstance(user_data, bytes | str):
        try:
            return str(user_data.decode())
        except (UnicodeDecodeError, binascii.Error, ValueError):
            return ""
    raw = user_data.decode() if isinstance(user_data, bytes) else str(user_data)
    try:
        return base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return raw


def agent_cluster(image_name: str, user_data: str) -> str | None:
    """The cluster the instance's agent joins, or None when the instance runs no agent.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-agent-config.html
    (ECS_CLUSTER; default: default).
    """
    if not (AGENT_AMI.search(image_name or "") or AGENT_INSTALL.search(user_data)):
        return None
    named = CLUSTER_SETTING.findall(user_data)  # the last setting written wins
    return named[-1] if named else "default"


def _effects(document: Any, action: str) -> set[str]:
    """The Effects of a policy document's statements whose Action matches ``action``
    (wildcards; Resource and Condition are not judged)."""
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return set()
    statements = (document or {}).get("Statement", [])
    effects = set()
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if any(fnmatch.fnmatch(action.lower(), str(a).lower()) for a in actions):
            effects.add(str(statement.get("Effect")))
    return effects


def _role_allows(role: Any, action: str) -> bool:
    """Whether the role's inline and attached policies allow ``action`` and none deny it."""
    documents = list(role.policies.values()) + [
        version.document for policy in role.managed_policies.values()
        for version in policy.versions if version.is_default]
    effects = set().union(*(_effects(d, action) for d in documents))
    return "Allow" in effects and "Deny" not in effects


def _trusts_ec2(role: Any) -> bool:
    document = role.assume_role_policy_document
    try:
        trust = json.loads(unquote(document)) if isinstance(document, str) else document
    except ValueError:
        return False
    statements = (trust or {}).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {})
        services = services.get("Service", []) if isinstance(services, dict) else []
        services = services if isinstance(services, list) else [services]
        if statement.get("Effect") == "Allow" and "ec2.amazonaws.com" in services:
            return True
    return False


def instance_role_allows(ec2: Any, instance_id: str, action: str) -> bool:
    """Whether the instance's profile holds a role that EC2 may assume and that allows
    ``action``: what the agent's credentials would let it do."""
    association = ec2.iam_instance_profile_associations.get(instance_id)
    if association is None:
        return False
    profile = association.iam_instance_profile
    return any(_trusts_ec2(role) and _role_allows(role, action)
               for role in getattr(profile, "roles", []))


def _resources(instance: Any, user_data: str) -> tuple[int, int]:
    """(CPU units, MiB) the agent registers for the instance type.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/memory-management.html
    """
    from moto.ec2.models.instance_types import INSTANCE_TYPES

    info = INSTANCE_TYPES.get(instance.instance_type, {})
    vcpus = info.get("VCpuInfo", {}).get("DefaultVCpus", 2)
    memory = int(info.get("MemoryInfo", {}).get("SizeInMiB", 4096) * MEMORY_SEEN)
    reserved = RESERVED_MEMORY.search(user_data)
    return vcpus * 1024, max(memory - (int(reserved.group(1)) if reserved else 0), 0)


def _set_resources(container_instance: Any, cpu: int, memory: int) -> None:
    for resources in (container_instance.registered_resources,
                      container_instance.remaining_resources):
        for resource in resources:
            if resource["name"] == "CPU":
                resource["integerValue"] = cpu
            elif resource["name"] == "MEMORY":
                resource["integerValue"] = memory


def _join(ec2: Any, ecs: Any, instance: Any) -> None:
    """What the agent on a pending or running instance does at start: register, if it can."""
    image = ec2.amis.get(instance.image_id)
    text = user_data_text(instance.user_data)
    cluster = agent_cluster(getattr(image, "name", "") or "", text)
    if cluster is None or not instance_role_allows(ec2, instance.id, REGISTER):
        return
    if cluster not in ecs.clusters:
        if cluster != "default" or not instance_role_allows(
                ec2, instance.id, CREATE_CLUSTER):
            return  # the agent keeps retrying: it joins once the cluster exists
        ecs.create_cluster("default")
    if ecs.clusters[cluster].status != "ACTIVE":
        return
    container_instance = ecs.register_container_instance(cluster, instance.id)
    _set_resources(container_instance, *_resources(instance, text))


def _leave(ecs: Any, container_instance: Any) -> None:
    """A terminated instance's container instance is deregistered by ECS."""
    cluster = ecs.clusters.get(container_instance.cluster_name)
    ecs.container_instances[container_instance.cluster_name].pop(
        container_instance.container_instance_arn.split("/")[-1], None)
    if cluster is not None:
        cluster.registered_container_instances_count = max(
            cluster.registered_container_instances_count - 1, 0)


def agents_report(account_id: str, region: str) -> None:
    """Bring the account's container instances up to date with its EC2 instances."""
    from moto.ec2.models import ec2_backends
    from moto.ecs.models import ecs_backends

    if region not in ec2_backends[account_id].keys():
        return  # EC2 never used here: no instances, and no catalogue load to pay for
    ec2, ecs = ec2_backends[account_id][region], ecs_backends[account_id][region]
    joined = {ci.ec2_instance_id: ci for members in list(ecs.container_instances.values())
              for ci in list(members.values())}
    for instance in ec2.all_instances():
        state = instance._state.name
        member = joined.get(instance.id)
        if member is not None:
            if state in ("shutting-down", "terminated"):
                _leave(ecs, member)
            else:
                member.agent_connected = state in ("pending", "running")
        elif state in ("pending", "running"):
            _join(ec2, ecs, instance)


@patches.applies_to("ecs")
def _agent_reports_on_every_ecs_request() -> None:
    """Every ECS request first lets the account's agents register or leave."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.call_action

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        agents_report(self.current_account, self.region)
        return original(self)

    EC2ContainerServiceResponse.call_action = call_action  # type: ignore[method-assign]


@patches.applies_to("ec2")
def _agents_report_before_instances_stop() -> None:
    """An agent registered its instance at boot, so the account's agents report before an
    instance stops or terminates (the sandbox otherwise registers lazily, on ECS requests)."""
    from moto.ec2.models.instances import InstanceBackend

    for name in ("stop_instances", "terminate_instances"):
        original = getattr(InstanceBackend, name)

        def report_first(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            agents_report(self.account_id, self.region_name)
            return _original(self, *args, **kwargs)

        setattr(InstanceBackend, name, functools.wraps(original)(report_first))


@corrects("ecs", "RegisterContainerInstance")
def agent_only(request: AwsRequest, forward: Forward) -> Response:
    """Only the agent registers a container instance (it signs with the instance identity
    document); the sandbox plays the agent, so a learner's call is refused.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterContainerInstance.html
    ("This action is only used by the Amazon ECS agent, and it is not intended for use
    outside of the agent.")
    """
    return request.error("AccessDeniedException", AGENT_ONLY)


# --- instance profiles and Availability Zones at launch -------------------------------


def _launch_profile(ec2: Any, kwargs: dict[str, Any]) -> dict[str, str]:
    """The instance profile an instance is launched with: the request's, else its launch
    template's, else its launch configuration's."""
    if kwargs.get("iam_instance_profile_name") or kwargs.get("iam_instance_profile_arn"):
        return {"iam_instance_profile_name": kwargs.get("iam_instance_profile_name") or "",
                "iam_instance_profile_arn": kwargs.get("iam_instance_profile_arn") or ""}
    if kwargs.get("launch_template"):
        data = ec2._get_template_from_args(kwargs["launch_template"]).data
        profile = data.get("IamInstanceProfile") or {}
        return {"iam_instance_profile_name": profile.get("Name") or "",
                "iam_instance_profile_arn": profile.get("Arn") or ""}
    config = kwargs.get("launch_config")
    name = getattr(config, "iam_instance_profile_name", None) if config else None
    if name and str(name).startswith("arn:"):
        return {"iam_instance_profile_name": "", "iam_instance_profile_arn": str(name)}
    return {"iam_instance_profile_name": name or "", "iam_instance_profile_arn": ""}


@patches.applies_to("ec2", "autoscaling")
def _every_instance_gets_its_profile() -> None:
    """Every instance of a launch gets the instance profile asked for, also when it comes
    from a launch template or launch configuration (moto gave it to the first instance of a
    direct run_instances only).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html
    """
    from moto.ec2.models.instances import InstanceBackend

    original = InstanceBackend.run_instances

    @functools.wraps(original)
    def run_instances(self: Any, image_id: str, count: int, user_data: Any,
                      security_group_names: list[str], **kwargs: Any) -> Any:
        reservation = original(self, image_id, count, user_data, security_group_names,
                               **kwargs)
        profile = {k: v for k, v in _launch_profile(self, kwargs).items() if v}
        if not profile:
            return reservation
        from_request = bool(kwargs.get("iam_instance_profile_name")
                            or kwargs.get("iam_instance_profile_arn"))
        # moto's run_instances response associates the first instance of a direct call
        for instance in reservation.instances[1 if from_request else 0:]:
            if instance.id not in self.iam_instance_profile_associations:
                try:
                    self.associate_iam_instance_profile(instance_id=instance.id, **profile)
                except Exception:  # noqa: BLE001 - a template naming a missing profile:
                    break          # the instances run without one (no agent credentials)
        return reservation

    InstanceBackend.run_instances = run_instances  # type: ignore[method-assign]


@patches.applies_to("autoscaling")
def _groups_balance_zones() -> None:
    """An Auto Scaling group launches each instance in the Availability Zone of its
    subnets that has the fewest of its instances (moto put them all in the first subnet).

    AWS: https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html
    ("Amazon EC2 Auto Scaling attempts to distribute instances evenly between the
    Availability Zones that are enabled for your Auto Scaling group.")
    """
    from moto.autoscaling.models import FakeAutoScalingGroup

    original = FakeAutoScalingGroup.replace_autoscaling_group_instances

    @functools.wraps(original)
    def replace(self: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
        subnets = [s for s in (self.vpc_zone_identifier or "").split(",") if s]
        if len(subnets) < 2 or count_needed <= 0:
            return original(self, count_needed, propagated_tags)
        ec2 = self.autoscaling_backend.ec2_backend
        zone_of = {s: ec2.get_subnet(s).availability_zone for s in subnets}
        saved = self.vpc_zone_identifier
        try:
            for _ in range(count_needed):
                used = [state.instance.availability_zone for state in self.instance_states]
                first = min(subnets, key=lambda s: (used.count(zone_of[s]), subnets.index(s)))
                self.vpc_zone_identifier = ",".join([first] + [s for s in subnets
                                                                if s != first])
                original(self, 1, dict(propagated_tags))
        finally:
            self.vpc_zone_identifier = saved
        return None

    FakeAutoScalingGroup.replace_autoscaling_group_instances = replace  # type: ignore[method-assign]


# --- capacity providers ---------------------------------------------------------------


@corrects("ecs", "CreateCapacityProvider")
def capacity_provider_needs_its_group(request: AwsRequest, forward: Forward) -> Response:
    """The Auto Scaling group must exist; managed termination protection needs the group's
    instance protection from scale-in (moto accepted both).

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AutoScalingGroupProvider.html
    """
    params = request.json()
    provider = params.get("autoScalingGroupProvider") or {}
    reference = str(provider.get("autoScalingGroupArn") or "")
    from moto.autoscaling.models import autoscaling_backends

    groups = autoscaling_backends[request.account_id][request.region].autoscaling_groups
    group = next((g for g in groups.values()
                  if reference in (g.arn, g.name)), None)
    if group is None:
        return request.error("ClientException",
                             f"The specified Auto Scaling group '{reference}' was not found in "
                             "this account and Region: pass the AutoScalingGroupARN that "
                             "autoscaling.describe_auto_scaling_groups returns.")
    if (provider.get("managedTerminationProtection") == "ENABLED"
            and not group.new_instances_protected_from_scale_in):
        return request.error("ClientException", NO_SCALE_IN_PROTECTION)
    return forward()


# --- services -------------------------------------------------------------------------


def placement_problem(strategies: list[dict[str, Any]], constraints: list[dict[str, Any]],
                      launch_type: str | None) -> str:
    """What AWS would reject in a service's placement strategy and constraints, or ''.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PlacementStrategy.html
    """
    if (strategies or constraints) and launch_type == "FARGATE":
        return "Task placement strategies and constraints are not supported with Fargate."
    if len(strategies) > MAX_STRATEGIES:
        return f"A service can have at most {MAX_STRATEGIES} placement strategy rules."
    if len(constraints) > MAX_CONSTRAINTS:
        return f"A service can have at most {MAX_CONSTRAINTS} placement constraints."
    for strategy in strategies:
        kind, field = strategy.get("type"), strategy.get("field")
        if kind not in STRATEGY_TYPES:
            return (f"Invalid placement strategy type '{kind}': use random, spread or "
                    "binpack.")
        if kind == "binpack" and field not in ("cpu", "memory"):
            return f"The binpack field must be cpu or memory, not '{field}'."
        if kind == "spread" and not (field in ("instanceId", "host")
                                     or str(field or "").startswith("attribute:")):
            return (f"The spread field must be instanceId, host or attribute:<name>, not "
                    f"'{field}'.")
    for constraint in constraints:
        if constraint.get("type") not in ("distinctInstance", "memberOf"):
            return (f"Invalid placement constraint type '{constraint.get('type')}': use "
                    "distinctInstance or memberOf.")
        if constraint.get("type") == "memberOf" and not constraint.get("expression"):
            return "A memberOf placement constraint needs an expression."
    return ""


_keep_capacity_provider_strategy = CORRECTIONS[("ecs", "CreateService")]


@corrects("ecs", "CreateService")
def placement_and_default_strategy(request: AwsRequest, forward: Forward) -> Response:
    """create_service keeps placementStrategy and placementConstraints (moto dropped them),
    uses the cluster's default capacity provider strategy when the request names neither a
    launch type nor a strategy, and omits launchType for a service that uses a strategy.
    The capacity provider strategy itself is kept by ``keep_capacity_provider_strategy``.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html
    """
    params = request.json()
    strategies = params.get("placementStrategy") or []
    constraints = params.get("placementConstraints") or []
    problem = placement_problem(strategies, constraints, params.get("launchType"))
    if problem:
        return request.error("InvalidParameterException", problem)
    if not params.get("launchType") and not params.get("capacityProviderStrategy"):
        default = _cluster_default_strategy(request, params.get("cluster") or "default")
        if default:
            params["capacityProviderStrategy"] = default
            request.replace_body(json.dumps(params).encode())
    response = _keep_capacity_provider_strategy(request, forward)
    if response.status != 200:
        return response
    answer = response.json()
    service = answer.get("service", {})
    stored = _stored_service(request, service)
    uses_strategy = bool(params.get("capacityProviderStrategy"))
    if stored is not None:
        stored.placement_strategy = strategies
        stored.placement_constraints = constraints
        if uses_strategy:
            stored.launch_type = None
            for deployment in getattr(stored, "deployments", []):
                deployment.pop("launchType", None)
    service["placementStrategy"], service["placementConstraints"] = strategies, constraints
    if uses_strategy:
        service.pop("launchType", None)
        for deployment in service.get("deployments", []):
            deployment.pop("launchType", None)
    response.body = json.dumps(answer).encode()
    return response


def _cluster_default_strategy(request: AwsRequest, cluster: str) -> list[dict[str, Any]]:
    from moto.ecs.models import ecs_backends

    found = ecs_backends[request.account_id][request.region].clusters.get(
        cluster.rpartition("/")[2])
    return list(getattr(found, "default_capacity_provider_strategy", None) or [])


def _stored_service(request: AwsRequest, service: dict[str, Any]) -> Any:
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[request.account_id][request.region]
    key = f"{service.get('clusterArn', '').rpartition('/')[2]}:{service.get('serviceName')}"
    return backend.services.get(key)


@patches.applies_to("ecs")
def _describe_every_capacity_provider() -> None:
    """describe_capacity_providers without names describes the account's capacity
    providers (moto crashed on it).

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeCapacityProviders.html
    """
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.describe_capacity_providers

    @functools.wraps(original)
    def describe(self: Any, names: list[str] | None) -> Any:
        return original(self, list(self.capacity_providers) if names is None else names)

    EC2ContainerServiceBackend.describe_capacity_providers = describe  # type: ignore[method-assign]


@patches.applies_to("ecs")
def _memory_reservation_is_enough_on_ec2() -> None:
    """An EC2 container needs memory or memoryReservation (or task-level memory); moto
    demanded memory and rejected a container that sets only memoryReservation.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
    ("If using the EC2 launch type, you must specify either a task-level memory value or a
    container-level memory value.")
    """
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend._validate_container_defs

    def validate(memory: str | None, container_definitions: list[dict[str, Any]],
                 requires_compatibilities: list[str] | None) -> None:
        # moto's EC2-only rule is the general rule below once memoryReservation counts
        without_ec2 = [c for c in requires_compatibilities or [] if c != "EC2"] or None
        original(memory, container_definitions, without_ec2)

    EC2ContainerServiceBackend._validate_container_defs = staticmethod(validate)  # type: ignore[method-assign]


@patches.applies_to("ecs")
def _updated_service_names_the_revision() -> None:
    """update_service(taskDefinition='family' or 'family:3') records the revision's full ARN,
    as describe_services shows it on AWS (moto stored the string as given).

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
    ("If a revision isn't specified, the latest ACTIVE revision is used.")
    """
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.update_service

    @functools.wraps(original)
    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        service = original(self, service_properties)
        given = service.task_definition
        if given and not str(given).startswith("arn:"):
            service.task_definition = self.describe_task_definition(given).arn
        return service

    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
