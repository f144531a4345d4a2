"""Checks for lab 12: EC2 tenancy (shared, Dedicated Instance, Dedicated Host) and Nitro Enclaves.

Every rule is listed in lab.toml ``rules``. The checks read instances, hosts and the instance
type catalogue through boto3 only (describe_instances, describe_hosts,
describe_instance_types), so they run unchanged against the sandbox or a real account. The
sandbox refuses what EC2 refuses at launch (an instance type a host does not take, enclaves
on an unsupported type or with hibernation); the checks still judge the stored state, since
a host can be modified after its instances were placed on it.
"""

from __future__ import annotations

from grader import check, fail
from grader.kit.concurrent_reads import read_concurrently
from grader.kit.lookups import instances
from grader.kit.other_regions import missing

SHARED = "shared-web"
DEDICATED = "dedicated-web"
HOST = "license-host"
ON_HOST = "licensed-app"
ENCLAVE = "enclave-parent"
NAMES = (SHARED, DEDICATED, ON_HOST, ENCLAVE)
LIVE = ("pending", "running", "stopping", "stopped")


# --- reading state (each read once per "Check my work") -------------------------------------

def _tag(resource, key="Name"):
    return next((t["Value"] for t in resource.get("Tags") or [] if t["Key"] == key), None)


def _named_instances(ec2):
    return instances(ec2, [{"Name": "tag:Name", "Values": list(NAMES)},
                           {"Name": "instance-state-name", "Values": list(LIVE)}])


def _hosts(ec2):
    return ec2.describe_hosts(Filter=[{"Name": "tag:Name", "Values": [HOST]}])["Hosts"]


def _read_together(aws):
    """The run's independent reads at once (see grader.kit.concurrent_reads)."""
    aws.once("read-together", lambda: read_concurrently(
        aws, [_all_instances, _all_hosts], services=("ec2",)))


def _all_instances(aws):
    return aws.once("instances", lambda: _named_instances(aws.client("ec2")))


def _all_hosts(aws):
    return aws.once("hosts", lambda: _hosts(aws.client("ec2")))


def _footprint(ec2):
    """Anything of this lab's: every way through it launches a named instance or a host."""
    return bool(_named_instances(ec2) or _hosts(ec2))


def _tagged(aws, name, task):
    """The live instances tagged Name=``name``, or a failure saying where they went."""
    _read_together(aws)
    found = [i for i in _all_instances(aws) if _tag(i) == name]
    assert found, missing(
        aws, f"No live instance tagged Name={name} yet: launch it with ec2.run_instances "
        f"({task}). Terminated instances do not count.", f"Instance {name}", "ec2",
        lambda ec2: bool([i for i in _named_instances(ec2) if _tag(i) == name]), key=name,
        footprint=("ec2", _footprint))
    return found


def _judge(candidates, problem):
    """Pass if any candidate has no problem; else fail with the newest one's problem (a
    re-run cell may have launched several)."""
    newest = sorted(candidates, key=lambda r: str(r.get("LaunchTime")
                                                 or r.get("AllocationTime")), reverse=True)
    problems = [problem(c) for c in newest]
    if None in problems:
        return newest[problems.index(None)]
    first = newest[0]
    fail(problems[0], first.get("InstanceId") or first.get("HostId"))


def _placement(instance):
    return instance.get("Placement") or {}


# --- 1. shared tenancy ----------------------------------------------------------------------

def _shared_problem(instance):
    tenancy = _placement(instance).get("Tenancy", "default")
    if tenancy != "default":
        return (f"{SHARED} runs with tenancy '{tenancy}'. It is the comparison instance: "
                "launch it with no Placement Tenancy (or Tenancy='default'), on hardware "
                "shared with other AWS customers and isolated by the hypervisor.")
    return None


@check(points=1, hint="ec2.run_instances(ImageId=ami, InstanceType='m5.large', MinCount=1, "
                      "MaxCount=1, TagSpecifications=[...Name=shared-web...])")
def shared_instance(aws):
    """shared-web runs on shared (default) tenancy"""
    _judge(_tagged(aws, SHARED, "task 1"), _shared_problem)


# --- 2. Dedicated Instance ------------------------------------------------------------------

def _dedicated_problem(instance):
    tenancy = _placement(instance).get("Tenancy", "default")
    if tenancy == "host":
        return (f"{DEDICATED} runs on a Dedicated Host (tenancy 'host'). A Dedicated Instance "
                "has tenancy 'dedicated': single-tenant hardware that EC2 chooses, billed per "
                "instance, with no host to allocate or manage. Launch it with "
                "Placement={'Tenancy': 'dedicated'}.")
    if tenancy != "dedicated":
        return (f"{DEDICATED} runs with tenancy '{tenancy}', on hardware shared with other "
                "customers. Launch it with Placement={'Tenancy': 'dedicated'}.")
    return None


@check(points=2, hint="ec2.run_instances(..., Placement={'Tenancy': 'dedicated'}, "
                      "TagSpecifications=[...Name=dedicated-web...])")
def dedicated_instance(aws):
    """dedicated-web is a Dedicated Instance (tenancy dedicated)"""
    _judge(_tagged(aws, DEDICATED, "task 2"), _dedicated_problem)


# --- 3. the Dedicated Host ------------------------------------------------------------------

def _host_problem(host):
    if host["State"] != "available":
        return (f"{HOST} ({host['HostId']}) is '{host['State']}'. A released host cannot be "
                "used again: allocate a new one with ec2.allocate_hosts (and release it only "
                "when you clean up, after terminating its instances).")
    if host.get("AutoPlacement", "off") != "off":
        return (f"{HOST} has AutoPlacement 'on', so any launch with tenancy 'host' that "
                "matches its instance type may land on it, not only the licensed app. Set "
                "AutoPlacement='off' (ec2.modify_hosts or at allocation) so only launches "
                "that name its HostId use it.")
    properties = host.get("HostProperties") or {}
    if not (properties.get("InstanceType") or properties.get("InstanceFamily")):
        return (f"{HOST} supports no instance type or family: allocate it with "
                "InstanceFamily='m5' (or one InstanceType).")
    return None


def _license_hosts(aws, task="task 3"):
    _read_together(aws)
    hosts = _all_hosts(aws)
    assert hosts, missing(
        aws, f"No Dedicated Host tagged Name={HOST} yet: allocate one with ec2.allocate_hosts "
        f"({task}).", f"Dedicated Host {HOST}", "ec2", lambda ec2: bool(_hosts(ec2)),
        key="host", footprint=("ec2", _footprint))
    return hosts


@check(points=2, hint="ec2.allocate_hosts(AvailabilityZone='us-east-1a', InstanceFamily='m5', "
                      "Quantity=1, AutoPlacement='off', TagSpecifications=[{'ResourceType': "
                      "'dedicated-host', 'Tags': [{'Key': 'Name', 'Value': 'license-host'}]}])")
def dedicated_host(aws):
    """license-host is an allocated Dedicated Host that takes only targeted launches"""
    _judge(_license_hosts(aws), _host_problem)


# --- 4. an instance on the host, with affinity -----------------------------------------------

def host_takes(host, instance_type):
    """A host allocated for one instance type runs only that type; one allocated for a
    family runs any size of that family."""
    properties = host.get("HostProperties") or {}
    if properties.get("InstanceType"):
        return properties["InstanceType"] == instance_type
    return properties.get("InstanceFamily") == instance_type.split(".")[0]


def _on_host_problem(hosts):
    by_id = {h["HostId"]: h for h in hosts}

    def problem(instance):
        placement = _placement(instance)
        if placement.get("Tenancy") != "host":
            return (f"{ON_HOST} runs with tenancy '{placement.get('Tenancy', 'default')}', "
                    "not on a Dedicated Host. Launch it with Placement={'Tenancy': 'host', "
                    f"'HostId': <{HOST}'s id>, 'Affinity': 'host'}}.")
        host = by_id.get(placement.get("HostId"))
        if host is None:
            return (f"{ON_HOST} runs on host {placement.get('HostId')}, which is not "
                    f"{HOST}: name {HOST}'s HostId in Placement (targeted placement). Its "
                    "sockets and cores are what the licence is counted on.")
        if not host_takes(host, instance["InstanceType"]):
            properties = host.get("HostProperties") or {}
            takes = properties.get("InstanceType") or f"the {properties.get('InstanceFamily')}"\
                " family"
            return (f"{ON_HOST} is {instance['InstanceType']} but {HOST} takes only {takes}: "
                    "an instance on a Dedicated Host must match the host's instance type or "
                    "family.")
        if placement.get("Affinity") != "host":
            return (f"{ON_HOST} has affinity '{placement.get('Affinity', 'default')}': after a "
                    "stop and start it may move to another host, and the licence counted on "
                    f"{HOST}'s cores would no longer cover it. Set Placement Affinity 'host' "
                    "(or ec2.modify_instance_placement(InstanceId=..., Affinity='host')).")
        return None
    return problem


@check(points=3, hint="ec2.run_instances(..., InstanceType='m5.xlarge', Placement={'Tenancy': "
                      "'host', 'HostId': host_id, 'Affinity': 'host'}, TagSpecifications="
                      "[...Name=licensed-app...])")
def instance_on_host(aws):
    """licensed-app runs on license-host, a matching type, with host affinity"""
    candidates = _tagged(aws, ON_HOST, "task 4")
    hosts = [h for h in _license_hosts(aws, "task 3, then task 4")
             if h["State"] == "available"]
    assert hosts, (f"{HOST} has been released, so nothing runs on it: allocate a host again "
                   f"(task 3) and launch {ON_HOST} on it.")
    _judge(candidates, _on_host_problem(hosts))


# --- 5. the enclave parent ------------------------------------------------------------------

def _enclave_support(aws, instance_type):
    def read():
        types = aws.client("ec2").describe_instance_types(
            InstanceTypes=[instance_type])["InstanceTypes"]
        return types[0].get("NitroEnclavesSupport") if types else None
    return aws.once(f"enclave-support:{instance_type}", read)


def _enclave_problem(aws):
    def problem(instance):
        if not (instance.get("EnclaveOptions") or {}).get("Enabled"):
            return (f"{ENCLAVE} is not enabled for Nitro Enclaves: launch it with "
                    "EnclaveOptions={'Enabled': True} (an existing instance takes "
                    "ec2.modify_instance_attribute(InstanceId=..., EnclaveOptions="
                    "{'Enabled': True})).")
        kind = instance["InstanceType"]
        if _enclave_support(aws, kind) != "supported":
            return (f"{ENCLAVE} is {kind}, which does not support Nitro Enclaves "
                    "(describe_instance_types: NitroEnclavesSupport). A parent instance must "
                    "be a virtualized Nitro type with at least 4 vCPUs on Intel or AMD (2 on "
                    "Graviton), not T3, T3a, T4g, A1 or bare metal: m5.xlarge, say.")
        if (instance.get("HibernationOptions") or {}).get("Configured"):
            return (f"{ENCLAVE} is configured for hibernation, which AWS refuses together with "
                    "Nitro Enclaves: launch it without HibernationOptions.")
        tokens = (instance.get("MetadataOptions") or {}).get("HttpTokens", "optional")
        if tokens != "required":
            return (f"{ENCLAVE} allows IMDSv1 (HttpTokens '{tokens}'): any process on the "
                    "parent that can make one GET request could read its role credentials. "
                    "Require session tokens (IMDSv2): MetadataOptions={'HttpTokens': "
                    "'required'} at launch, or ec2.modify_instance_metadata_options.")
        return None
    return problem


@check(points=3, hint="ec2.run_instances(..., InstanceType='m5.xlarge', EnclaveOptions="
                      "{'Enabled': True}, MetadataOptions={'HttpTokens': 'required'}, "
                      "TagSpecifications=[...Name=enclave-parent...])")
def enclave_parent(aws):
    """enclave-parent is enclave-enabled on a supported type, with IMDSv2 required"""
    _judge(_tagged(aws, ENCLAVE, "task 5"), _enclave_problem(aws))
