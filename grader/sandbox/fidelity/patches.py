"""Corrections inside moto's models, where the state itself is wrong (not just one answer).

Each patch wraps one moto 5.2.5 internal and keeps moto's behaviour for everything else;
re-check them when moto is upgraded (the inventory test fails on a new moto version).
``install(service)`` is idempotent: every sandbox in a process shares the one set of patches.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

SSM_PREFIX = "resolve:ssm:"
NOT_IN_ZONE = "Target is in an Availability Zone that is not enabled for the load balancer"
_LOCK = threading.Lock()
_DONE: set[str] = set()
EXTRA_PATCHES: dict[str, list[Callable[[], None]]] = {}


def install(signing_name: str) -> None:
    """Put the patches for one service in place, the first time a request for it arrives:
    importing every moto model up front would cost a sandbox seconds it may never use."""
    if signing_name in _DONE:
        return
    with _LOCK:
        if signing_name not in _DONE:
            for patch in (*PATCHES.get(signing_name, ()), *EXTRA_PATCHES.get(signing_name, [])):
                patch()
            _DONE.add(signing_name)


def applies_to(*signing_names: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a patch from a lab's own fidelity module (``fidelity/<topic>.py``) for the
    services whose first request should put it in place; applied at most once."""
    def register(patch: Callable[[], None]) -> Callable[[], None]:
        applied = _once(patch)
        for name in signing_names:
            EXTRA_PATCHES.setdefault(name, []).append(applied)
        return applied
    return register


def _once(patch: Callable[[], None]) -> Callable[[], None]:
    """Apply ``patch`` at most once per process (several services may need it)."""
    done: list[bool] = []

    @functools.wraps(patch)
    def apply() -> None:
        if not done:
            done.append(True)
            patch()
    return apply


def resolve_image_id(ec2_backend: Any, image_id: str) -> str:
    """``resolve:ssm:/name[:version]`` -> the AMI id in that SSM parameter of the account.

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/finding-an-ami-parameter-store.html
    """
    if not image_id or not image_id.startswith(SSM_PREFIX):
        return image_id
    from moto.ec2.exceptions import EC2ClientError
    from moto.ssm.models import ssm_backends

    name = image_id[len(SSM_PREFIX):]
    ssm = ssm_backends[ec2_backend.account_id][ec2_backend.region_name]
    parameter = ssm.get_parameter(name) if name else None
    if parameter is None:
        raise EC2ClientError("InvalidParameterValue",
                             f"The SSM parameter '{name}' in ImageId '{image_id}' does not "
                             "exist in this Region: check the name (ssm.get_parameter).")
    return str(parameter.value)


@_once
def _resolve_ssm_image_ids() -> None:
    """run_instances (direct, from a launch template, or for an Auto Scaling group)."""
    from moto.ec2.models.instances import InstanceBackend

    original = InstanceBackend.run_instances

    @functools.wraps(original)
    def run_instances(self: Any, image_id: str, count: int, user_data: Any,
                      security_group_names: list[str], **kwargs: Any) -> Any:
        if not image_id and kwargs.get("launch_template"):
            image_id = self._get_template_from_args(kwargs["launch_template"]).image_id
        return original(self, resolve_image_id(self, image_id), count, user_data,
                        security_group_names, **kwargs)

    InstanceBackend.run_instances = run_instances  # type: ignore[method-assign]


@_once
def _launch_template_source_version() -> None:
    """create_launch_template_version(SourceVersion=n): the new version inherits n's data;
    what the request gives overrides it (top-level keys).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html
    """
    from moto.ec2.responses.launch_templates import LaunchTemplates

    original = LaunchTemplates.create_launch_template_version

    @functools.wraps(original)
    def create_launch_template_version(self: Any) -> Any:
        source = self._get_param("SourceVersion")
        if source:
            name, template_id = (self._get_param("LaunchTemplateName"),
                                 self._get_param("LaunchTemplateId"))
            template = (self.ec2_backend.get_launch_template(template_id) if template_id
                        else self.ec2_backend.get_launch_template_by_name(name))
            base = dict(template.get_version(source).data)
            merged = {**base, **self._get_param("LaunchTemplateData", {})}
            get_param = self._get_param

            def param(key: str, default: Any = None, *args: Any, **kw: Any) -> Any:
                if key == "LaunchTemplateData":
                    return merged
                return get_param(key, default, *args, **kw)

            self._get_param = param
        return original(self)

    LaunchTemplates.create_launch_template_version = create_launch_template_version  # type: ignore[method-assign]


@_once
def _mixed_instances_override_type() -> None:
    """A MixedInstancesPolicy's Overrides[].InstanceType replace the template's type; with
    the default 'prioritized' strategy the first override is launched first.

    AWS: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateOverrides.html
    """
    from moto.autoscaling.models import FakeAutoScalingGroup

    template_type: Any = FakeAutoScalingGroup.instance_type

    def instance_type(self: Any) -> str:
        policy = self.mixed_instances_policy or {}
        overrides = policy.get("LaunchTemplate", {}).get("Overrides") or []
        typed = [o["InstanceType"] for o in overrides if o.get("InstanceType")]
        return typed[0] if typed else str(template_type.fget(self))

    FakeAutoScalingGroup.instance_type = property(instance_type)  # type: ignore[method-assign,assignment]


@_once
def _batch_service_linked_role_name() -> None:
    """batch.amazonaws.com's service-linked role is AWSServiceRoleForBatch.

    AWS: https://docs.aws.amazon.com/batch/latest/userguide/using-service-linked-roles.html
    """
    from moto.iam import models

    models.SERVICE_NAME_CONVERSION.setdefault("batch", "Batch")


@_once
def _target_health_in_load_balancer_zones() -> None:
    """An instance in a zone none of the target group's load balancers serves is 'unused'
    (Target.NotInUse), not healthy.

    AWS: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
    """
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup, elbv2_backends

    original = FakeTargetGroup.health_for

    @functools.wraps(original)
    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        health = original(self, target, ec2_backend)
        if health.status != "healthy" or not str(target.get("Id", "")).startswith("i-"):
            return health
        balancers = elbv2_backends[self.account_id][self.region_name].load_balancers
        zones = {subnet.availability_zone for arn in self.load_balancer_arns
                 if arn in balancers for subnet in balancers[arn].subnets}
        instance = ec2_backend.get_instance_by_id(target["Id"])
        if zones and instance is not None and instance.availability_zone not in zones:
            return FakeHealthStatus(health.instance_id, health.port,
                                    health.health_check_port, "unused",
                                    "Target.NotInUse", NOT_IN_ZONE)
        return health

    FakeTargetGroup.health_for = health_for  # type: ignore[method-assign]


@_once
def _snapshot_owner_ids() -> None:
    """describe_snapshots(OwnerIds=[...]): only snapshots of those owners ('self' is the
    caller's account, 'amazon' the catalogue's); moto ignored OwnerIds and listed 1,300
    public snapshots for 'self'.

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshots.html
    """
    from moto.core.responses import ActionResult
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    original = ElasticBlockStore.describe_snapshots

    @functools.wraps(original)
    def describe_snapshots(self: Any) -> Any:
        owners = set(self._get_param("OwnerIds", []))
        if not owners:
            return original(self)
        account = self.current_account
        snapshots = self.ec2_backend.describe_snapshots(
            snapshot_ids=self._get_param("SnapshotIds", []),
            filters=self._filters_from_querystring())
        wanted = [s for s in snapshots
                  if s.owner_id in owners or ("self" in owners and s.owner_id == account)
                  or ("amazon" in owners and s.owner_id != account)]
        return ActionResult({"Snapshots": wanted})

    ElasticBlockStore.describe_snapshots = describe_snapshots  # type: ignore[method-assign]


@_once
def _service_without_security_groups() -> None:
    """An awsvpcConfiguration without securityGroups is valid (the VPC's default group is
    used); moto crashed on it. The configuration is kept as given.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html
    """
    from moto.ecs.models import Service

    original = Service._validate_network

    @functools.wraps(original)
    def validate_network(self: Any, nc: dict[str, Any]) -> Any:
        config = nc.get("awsvpcConfiguration", {})
        if "securityGroups" in config:
            return original(self, nc)
        original(self, {**nc, "awsvpcConfiguration": {**config, "securityGroups": []}})
        return nc

    Service._validate_network = validate_network  # type: ignore[method-assign]


@_once
def _run_instances_keeps_options() -> None:
    """run_instances keeps Placement.Tenancy, EnclaveOptions and, for InstanceMarketOptions
    MarketType spot, a one-time Spot request with the SpotOptions, as AWS does (moto dropped
    all three).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SpotMarketOptions.html
    """
    from moto.ec2.responses.instances import InstanceResponse

    original = InstanceResponse.run_instances

    @functools.wraps(original)
    def run_instances(self: Any) -> Any:
        result = original(self)
        tenancy = self._get_param("Placement.Tenancy")
        enclave = self._get_param("EnclaveOptions.Enabled")
        market = self._get_param("InstanceMarketOptions", {}) or {}
        reservation: Any = result.result
        for instance in reservation.instances:
            if tenancy:
                instance.placement.tenancy = tenancy
            if enclave is not None:
                instance.enclave_options = {"Enabled": str(enclave).lower() == "true"}
            if market.get("MarketType") == "spot":
                _adopt_spot_request(self.ec2_backend, instance, market.get("SpotOptions") or {})
        return result

    InstanceResponse.run_instances = run_instances  # type: ignore[method-assign]


def _adopt_spot_request(ec2_backend: Any, instance: Any, options: dict[str, Any]) -> None:
    """Record the Spot request AWS makes for a Spot launch, fulfilled by ``instance``."""
    from moto.ec2.models.spot_requests import SpotInstanceRequest
    from moto.ec2.utils import random_spot_request_id

    class Adopted(SpotInstanceRequest):
        def launch_instance(self) -> Any:  # fulfilled by the instance just launched
            return instance

    price: Any = options.get("MaxPrice")  # None: the On-Demand price caps it, as on AWS
    request = Adopted(
        ec2_backend, random_spot_request_id(), price, instance.image_id,
        options.get("SpotInstanceType", "one-time"), None, options.get("ValidUntil"), None,
        None, instance.key_name, [], None, instance.instance_type, instance.placement.zone,
        None, None, False, instance.subnet_id, {}, None,
        options.get("InstanceInterruptionBehavior"))
    ec2_backend.spot_instance_requests[request.id] = request
    instance.lifecycle = "spot"
    instance.spot_instance_request_id = request.id


@_once
def _lambda_kms_key_on_update() -> None:
    """update_function_configuration(KMSKeyArn=...) sets the key ('' returns to the AWS
    managed key); moto ignored it.

    AWS: https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
    """
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.update_configuration

    @functools.wraps(original)
    def update_configuration(self: Any, config_updates: dict[str, Any]) -> Any:
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        return original(self, config_updates)

    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]


@_once
def _batch_revision_platform() -> None:
    """Each register_job_definition revision takes its own platformCapabilities; moto copied
    the first revision's into every later one.

    AWS: https://docs.aws.amazon.com/batch/latest/APIReference/API_RegisterJobDefinition.html
    """
    from moto.batch.models import BatchBackend

    original = BatchBackend.register_job_definition

    @functools.wraps(original)
    def register_job_definition(self: Any, def_name: str, *args: Any, **kwargs: Any) -> Any:
        existing = self.get_job_definition_by_name(def_name) if def_name else None
        if existing is None or "platform_capabilities" not in kwargs:
            return original(self, def_name, *args, **kwargs)
        kept = existing.platform_capabilities
        existing.platform_capabilities = kwargs["platform_capabilities"]
        try:  # the new revision is built from the latest one's fields
            return original(self, def_name, *args, **kwargs)
        finally:
            existing.platform_capabilities = kept

    BatchBackend.register_job_definition = register_job_definition  # type: ignore[method-assign]


@_once
def _detach_volume_by_id() -> None:
    """detach_volume needs only VolumeId (the instance and device come from its attachment);
    moto crashed without InstanceId.

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachVolume.html
    """
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.elastic_block_store import EBSBackend

    original = EBSBackend.detach_volume

    @functools.wraps(original)
    def detach_volume(self: Any, volume_id: str, instance_id: str, device_path: str) -> Any:
        if not instance_id:
            attachment = self.get_volume(volume_id).attachment
            if attachment is None:
                raise EC2ClientError("IncorrectState",
                                     f"Volume '{volume_id}' is in the 'available' state.")
            instance_id = attachment.instance.id
        return original(self, volume_id, instance_id, device_path)

    EBSBackend.detach_volume = detach_volume  # type: ignore[method-assign]


@_once
@_once
def _mapping_inherits_from_the_image() -> None:
    """A block device mapping for a device the AMI maps (its root volume) may leave out
    VolumeSize and SnapshotId: AWS takes both from the AMI, so a learner can set just the
    volume type and encryption (moto demanded a size).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html
    ("VolumeSize ... Default: If you're creating the volume from a snapshot and don't
    specify a volume size, the default is the snapshot size.")
    """
    from moto.ec2.exceptions import MissingParameterError
    from moto.ec2.models.instances import Instance
    from moto.ec2.responses.instances import InstanceResponse

    original_validate = InstanceResponse._validate_block_device_mapping

    def validate(device_mapping: dict[str, Any]) -> None:
        ebs = device_mapping.get("Ebs") or {}
        if "Ebs" in device_mapping and not ebs.get("VolumeSize") and not ebs.get("SnapshotId"):
            return  # decided below, where the image is known
        original_validate(device_mapping)

    InstanceResponse._validate_block_device_mapping = staticmethod(validate)  # type: ignore[method-assign]
    original_add = Instance.add_block_device

    @functools.wraps(original_add)
    def add_block_device(self: Any, size: Any, device_path: str, snapshot_id: Any,
                         *args: Any, **kwargs: Any) -> Any:
        if not size and not snapshot_id:
            image = self.ec2_backend.amis.get(self.image_id)
            mapped = {m["DeviceName"]: m["Ebs"] for m in
                      (image.block_device_mappings if image is not None else [])}
            if device_path not in mapped:
                raise MissingParameterError("size or snapshotId")
            size, snapshot_id = mapped[device_path].get("VolumeSize"), \
                mapped[device_path].get("SnapshotId")
        return original_add(self, size, device_path, snapshot_id, *args, **kwargs)

    Instance.add_block_device = add_block_device  # type: ignore[method-assign]


def _source_group_name_opens_every_port() -> None:
    """authorize_security_group_ingress(SourceSecurityGroupName=...) without IpPermissions
    grants full ICMP, UDP and TCP access from that group (moto stored nothing).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
    """
    from moto.ec2.responses.security_groups import SecurityGroups

    original = SecurityGroups._process_rules_from_querystring

    @functools.wraps(original)
    def process_rules(self: Any) -> Any:
        params = self._get_params()
        source = params.get("SourceSecurityGroupName")
        if not source or "IpPermissions" in params or "IpProtocol" in params:
            yield from original(self)
            return
        target_name = params.get("GroupName") or params.get("GroupId")
        target = self.ec2_backend.get_security_group_by_name_or_id(target_name)
        vpc_id = getattr(target, "vpc_id", None)
        group = self.ec2_backend.get_security_group_by_name_or_id(source, vpc_id)
        pair = {"GroupId": group.id if group else source, "UserId": self.current_account}
        for protocol, low, high in (("icmp", -1, -1), ("tcp", 0, 65535), ("udp", 0, 65535)):
            yield {"group_name_or_id": target_name, "ip_protocol": protocol,
                   "from_port": low, "to_port": high, "ip_ranges": [], "sgrule_tags": {},
                   "source_groups": [pair], "prefix_list_ids": [],
                   "security_rule_ids": []}

    SecurityGroups._process_rules_from_querystring = process_rules  # type: ignore[method-assign]


# signing name -> its patches (Auto Scaling launches through EC2's run_instances)
PATCHES: dict[str, tuple[Callable[[], None], ...]] = {
    "ec2": (_resolve_ssm_image_ids, _launch_template_source_version, _snapshot_owner_ids,
            _run_instances_keeps_options, _detach_volume_by_id,
            _source_group_name_opens_every_port, _mapping_inherits_from_the_image),
    "autoscaling": (_resolve_ssm_image_ids, _mixed_instances_override_type,
                    _mapping_inherits_from_the_image),
    "iam": (_batch_service_linked_role_name,),
    "elasticloadbalancing": (_target_health_in_load_balancer_zones,),
    "ecs": (_service_without_security_groups,),
    "lambda": (_lambda_kms_key_on_update,),
    "batch": (_batch_revision_platform,),
}
