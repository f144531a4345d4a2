"""Sandbox corrections for EC2 tenancy, Dedicated Hosts and Nitro Enclaves (lab 12).

moto 5.2.5 keeps a Dedicated Host as a record with no instances: it accepts any instance
type on any host, never lists a host's instances, releases occupied hosts, defaults
AutoPlacement to on, has no ModifyInstancePlacement, drops ``Placement.Affinity``, and
accepts Nitro Enclaves on every type and together with hibernation. These patches make those
calls answer as AWS does. Error codes come from the EC2 error-code list
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html); where AWS
publishes no exact message, the message names the problem in the same words as that list.
"""

from __future__ import annotations

import functools
from typing import Any

from grader.sandbox.fidelity import patches

LIVE = ("pending", "running", "stopping", "stopped")
# describe_instances filters moto lacks -> the instance attribute they read
PLACEMENT_FILTERS = {"tenancy": "placement.tenancy", "host-id": "placement.host_id",
                     "affinity": "placement.affinity"}


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


def _error(code: str, message: str) -> Exception:
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError(code, message)


def enclave_problem(instance_type: str, enclave: bool, hibernation: bool) -> Exception | None:
    """Why AWS refuses Nitro Enclaves on this launch, or None.

    The type must be one that supports enclaves: ``NitroEnclavesSupport`` in
    DescribeInstanceTypes, the catalogue behind the list in
    https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave.html#nitro-enclave-reqs
    (virtualized Nitro types, at least 4 vCPUs on Intel and AMD, 2 on Graviton; not T3, T3a,
    T4g, A1 or bare metal). "You can't enable hibernation and AWS Nitro Enclaves on the same
    instance" (RunInstances, EnclaveOptions and HibernationOptions):
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html
    """
    if not enclave:
        return None
    from moto.ec2.models.instance_types import INSTANCE_TYPES

    catalogue = INSTANCE_TYPES.get(instance_type)
    if catalogue is not None and catalogue.get("NitroEnclavesSupport") != "supported":
        return _error("UnsupportedOperation",
                      f"The instance type '{instance_type}' does not support Nitro Enclaves.")
    if hibernation:
        return _error("InvalidParameterCombination",
                      "You can't enable hibernation and AWS Nitro Enclaves on the same "
                      "instance.")
    return None


def _host(backend: Any, host_id: str) -> Any:
    host = backend.hosts.get(host_id)
    if host is None:
        raise _error("InvalidHostID.NotFound",
                     f"The specified Dedicated Host ID '{host_id}' does not exist.")
    return host


def host_accepts(host: Any, instance_type: str) -> bool:
    """A host allocated for one type takes only that type; for a family, any size of it."""
    if host.instance_type:
        return bool(host.instance_type == instance_type)
    return bool(host.instance_family == instance_type.split(".")[0])


def place_on_host(backend: Any, host_id: str | None, instance_type: str, zone: str | None
                  ) -> Any:
    """The host a host-tenancy launch lands on: the named one if it takes the type, else
    (no HostId) an available auto-placement host that does.

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/dedicated-hosts-understanding.html
    (auto-placement and affinity)
    """
    if host_id:
        host = _host(backend, host_id)
        if host.state != "available":
            raise _error("IncompatibleHostRequirements",
                         f"Dedicated Host {host_id} is {host.state}: there are no available "
                         "or compatible Dedicated Hosts on which to launch the instance.")
        if not host_accepts(host, instance_type):
            supported = host.instance_type or f"the {host.instance_family} family"
            raise _error("UnsupportedInstanceTypeOnHost",
                         f"The instance type {instance_type} is not supported on Dedicated "
                         f"Host {host_id}, which supports {supported}.")
        return host
    for host in backend.hosts.values():
        if (host.state == "available" and host.auto_placement == "on"
                and host_accepts(host, instance_type) and zone in (None, host.zone)):
            return host
    raise _error("IncompatibleHostRequirements",
                 "There are no available or compatible Dedicated Hosts on which to launch the "
                 f"{instance_type} instance: name one with Placement HostId, or allocate a "
                 "host with AutoPlacement on.")


def _placement(params: Any) -> dict[str, Any]:
    return params("Placement", {}) or {}


@patches.applies_to("ec2")
def _run_instances_on_hosts_and_enclaves() -> None:
    """run_instances: enclaves only on supporting types and never with hibernation; host
    tenancy lands on a host that takes the type; Placement.Affinity is kept.

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Placement.html
    """
    from moto.ec2.responses.instances import InstanceResponse

    original = InstanceResponse.run_instances

    @functools.wraps(original)
    def run_instances(self: Any) -> Any:
        instance_type = self._get_param("InstanceType")
        placement = _placement(self._get_param)
        problem = enclave_problem(instance_type or "",
                                  _flag(self._get_param("EnclaveOptions.Enabled")),
                                  _flag(self._get_param("HibernationOptions.Configured")))
        if problem is not None and instance_type:
            raise problem
        host = None
        if instance_type and (placement.get("Tenancy") == "host" or placement.get("HostId")):
            host = place_on_host(self.ec2_backend, placement.get("HostId"), instance_type,
                                 placement.get("AvailabilityZone"))
        result = original(self)
        reservation: Any = result.result
        for instance in reservation.instances:
            if host is not None:
                instance.placement.tenancy = "host"
                instance.placement.host_id = host.id
                instance.placement.zone = host.zone
            if instance.placement.tenancy == "host":
                instance.placement.affinity = placement.get("Affinity") or "default"
        return result

    InstanceResponse.run_instances = run_instances  # type: ignore[method-assign]


@patches.applies_to("ec2")
def _modify_instance_placement() -> None:
    """modify_instance_placement (moto lacks it): affinity any time; host ID and tenancy only
    while stopped (IncorrectInstanceState); never from host back to dedicated or default
    (InvalidRequest).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstancePlacement.html
    """
    from moto.core.responses import ActionResult
    from moto.ec2.responses.instances import InstanceResponse

    def modify_instance_placement(self: Any) -> Any:
        instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
        tenancy, host_id = self._get_param("Tenancy"), self._get_param("HostId")
        affinity = self._get_param("Affinity")
        if not (tenancy or host_id or affinity or self._get_param("GroupName") is not None):
            raise _error("InvalidParameterCombination", "At least one attribute for "
                         "affinity, host ID, tenancy, or placement group name must be "
                         "specified in the request.")
        if (tenancy or host_id) and instance.state != "stopped":
            raise _error("IncorrectInstanceState",
                         f"The instance '{instance.id}' is not in the 'stopped' state.")
        current = instance.placement.tenancy
        if current == "host" and tenancy and tenancy != "host":
            raise _error("InvalidRequest", f"You can't change the tenancy of instance "
                         f"{instance.id} from host to {tenancy}.")
        if host_id:
            place_on_host(self.ec2_backend, host_id, instance.instance_type, None)
            instance.placement.host_id = host_id
            tenancy = "host"
        if tenancy:
            instance.placement.tenancy = tenancy
        if instance.placement.tenancy == "host":
            instance.placement.affinity = (affinity or getattr(instance.placement, "affinity",
                                                               None) or "default")
        return ActionResult({"Return": True})

    InstanceResponse.modify_instance_placement = modify_instance_placement  # type: ignore[attr-defined]


@patches.applies_to("ec2")
def _enclave_options_attribute() -> None:
    """describe_instance_attribute(Attribute='enclaveOptions') answers EnclaveOptions
    (moto: unknown attribute).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceAttribute.html
    """
    from moto.core.responses import ActionResult
    from moto.ec2.responses.instances import InstanceResponse

    original = InstanceResponse.describe_instance_attribute

    @functools.wraps(original)
    def describe_instance_attribute(self: Any) -> Any:
        if self._get_param("Attribute") != "enclaveOptions":
            return original(self)
        instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
        options = getattr(instance, "enclave_options", None) or {}
        return ActionResult({"InstanceId": instance.id,
                             "EnclaveOptions": {"Enabled": bool(options.get("Enabled"))}})

    InstanceResponse.describe_instance_attribute = describe_instance_attribute  # type: ignore[method-assign]


@patches.applies_to("ec2")
def _enclave_options_modified() -> None:
    """modify_instance_attribute(EnclaveOptions=...) sets enclave support, with the launch
    rules (a supporting type, no hibernation); moto answered NotImplemented. Whether EC2 also
    requires the instance to be stopped is not modelled.

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html
    """
    from moto.core.responses import EmptyResult
    from moto.ec2.responses.instances import InstanceResponse

    original = InstanceResponse.modify_instance_attribute

    @functools.wraps(original)
    def modify_instance_attribute(self: Any) -> Any:
        enabled = self._get_param("EnclaveOptions.Enabled")
        if enabled is None:
            return original(self)
        instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
        hibernation = bool((instance.hibernation_options or {}).get("Configured"))
        problem = enclave_problem(instance.instance_type, _flag(enabled), hibernation)
        if problem is not None:
            raise problem
        instance.enclave_options = {"Enabled": _flag(enabled)}
        return EmptyResult()

    InstanceResponse.modify_instance_attribute = modify_instance_attribute  # type: ignore[method-assign]


@patches.applies_to("ec2")
def _hosts_know_their_instances() -> None:
    """describe_hosts lists each host's live instances and filters by tag:<key>;
    allocate_hosts defaults AutoPlacement to off and refuses InstanceType with
    InstanceFamily; release_hosts leaves an occupied host allocated
    (Client.InvalidHost.Occupied in Unsuccessful).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateHosts.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReleaseHosts.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_HostInstance.html
    """
    from moto.core.responses import ActionResult
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.models.hosts import Host
    from moto.ec2.responses.hosts import HostsResponse

    def instances(self: Any) -> list[dict[str, str]]:
        return [{"InstanceId": i.id, "InstanceType": i.instance_type, "OwnerId": i.owner_id}
                for i in self.ec2_backend.all_instances()
                if i.placement.host_id == self.id and i.state in LIVE]

    Host.instances = property(instances)  # type: ignore[attr-defined]
    host_filter = Host.get_filter_value

    @functools.wraps(host_filter)
    def get_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name.startswith("tag:") or filter_name == "tag-value":
            return TaggedEC2Resource.get_filter_value(self, filter_name, method_name)
        return host_filter(self, filter_name, method_name)

    Host.get_filter_value = get_filter_value  # type: ignore[method-assign]
    original_allocate = HostsResponse.allocate_hosts

    @functools.wraps(original_allocate)
    def allocate_hosts(self: Any) -> Any:
        if self._get_param("InstanceType") and self._get_param("InstanceFamily"):
            raise _error("InvalidParameterCombination", "You cannot specify InstanceFamily "
                         "and InstanceType in the same request.")
        result = original_allocate(self)
        if not self._get_param("AutoPlacement"):
            allocated: Any = result.result
            for host_id in allocated["HostIds"]:
                self.ec2_backend.hosts[host_id].auto_placement = "off"
        return result

    HostsResponse.allocate_hosts = allocate_hosts  # type: ignore[method-assign]

    def release_hosts(self: Any) -> Any:
        released, refused = [], []
        for host_id in self._get_param("HostIds", []):
            host = self.ec2_backend.hosts.get(host_id)
            if host is None:
                refused.append(_unsuccessful(host_id, "Client.InvalidHostID.NotFound",
                                             f"The host ID '{host_id}' does not exist"))
            elif host.instances:
                refused.append(_unsuccessful(host_id, "Client.InvalidHost.Occupied",
                                             f"Dedicated host '{host_id}' cannot be released "
                                             "as it is occupied"))
            else:
                host.release()
                released.append(host_id)
        return ActionResult({"Successful": released, "Unsuccessful": refused})

    HostsResponse.release_hosts = release_hosts  # type: ignore[method-assign]


def _unsuccessful(host_id: str, code: str, message: str) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": message}, "ResourceId": host_id}


@patches.applies_to("ec2")
def _placement_filters() -> None:
    """describe_instances Filters tenancy, host-id and affinity (moto: NotImplemented).

    AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
    """
    from moto.ec2 import utils

    utils.filter_dict_attribute_mapping.update(PLACEMENT_FILTERS)
