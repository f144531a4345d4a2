"""Dedicated Hosts, host placement and Nitro Enclaves answer as EC2 does (fidelity/tenancy.py),
on a real moto server through boto3: AWS's error code, or the value AWS would store."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from grader.aws import AWS
from grader.sandbox import create_account

AMI = "ami-0d27e0fb3bac4d724"
MISSING_HOST = "h-0123456789abcdef0"


@pytest.fixture
def ec2(sandbox):
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint)).client("ec2")


def host(ec2, **options):
    if "InstanceType" not in options:
        options.setdefault("InstanceFamily", "m5")
    return ec2.allocate_hosts(AvailabilityZone="us-east-1b", Quantity=1, **options)["HostIds"][0]


def launch(ec2, instance_type="m5.xlarge", **options):
    return ec2.run_instances(ImageId=AMI, InstanceType=instance_type, MinCount=1, MaxCount=1,
                             **options)["Instances"][0]


def described(ec2, instance_id):
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def refused(call, *args, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value.response["Error"]


def on_host(host_id, affinity="host"):
    return {"Placement": {"Tenancy": "host", "HostId": host_id, "Affinity": affinity}}


# --- allocate, describe, release ------------------------------------------------------------

def test_auto_placement_defaults_to_off_and_type_excludes_family(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateHosts.html
    (AutoPlacement Default: off; InstanceType and InstanceFamily not in the same request)."""
    host_id = host(ec2)
    assert ec2.describe_hosts(HostIds=[host_id])["Hosts"][0]["AutoPlacement"] == "off"
    assert refused(host, ec2, InstanceFamily="m5",
                   InstanceType="m5.large")["Code"] == "InvalidParameterCombination"


def test_describe_hosts_lists_live_instances_and_filters_by_tag(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Host.html (Instances)."""
    host_id = host(ec2, TagSpecifications=[{"ResourceType": "dedicated-host",
                                            "Tags": [{"Key": "Name", "Value": "lic"}]}])
    kept = launch(ec2, **on_host(host_id))["InstanceId"]
    gone = launch(ec2, "m5.large", **on_host(host_id))["InstanceId"]
    ec2.terminate_instances(InstanceIds=[gone])
    [found] = ec2.describe_hosts(Filter=[{"Name": "tag:Name", "Values": ["lic"]}])["Hosts"]
    assert [(i["InstanceId"], i["InstanceType"]) for i in found["Instances"]] == [
        (kept, "m5.xlarge")]
    assert ec2.describe_hosts(Filter=[{"Name": "tag:Name", "Values": ["other"]}])["Hosts"] == []


def test_an_occupied_host_is_not_released(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReleaseHosts.html ("You must
    stop or terminate all instances on a host before it can be released")."""
    host_id = host(ec2)
    instance = launch(ec2, **on_host(host_id))["InstanceId"]
    answer = ec2.release_hosts(HostIds=[host_id, MISSING_HOST])
    assert answer["Successful"] == []
    assert [(u["ResourceId"], u["Error"]["Code"]) for u in answer["Unsuccessful"]] == [
        (host_id, "Client.InvalidHost.Occupied"), (MISSING_HOST, "Client.InvalidHostID.NotFound")]
    ec2.stop_instances(InstanceIds=[instance])  # a stopped instance still occupies it
    assert ec2.release_hosts(HostIds=[host_id])["Unsuccessful"]
    ec2.terminate_instances(InstanceIds=[instance])
    assert ec2.release_hosts(HostIds=[host_id])["Successful"] == [host_id]
    assert ec2.describe_hosts(HostIds=[host_id])["Hosts"][0]["State"] == "released"


# --- run_instances on a host -----------------------------------------------------------------

def test_host_placement_keeps_affinity_and_the_hosts_zone(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Placement.html"""
    host_id = host(ec2)
    instance = launch(ec2, **on_host(host_id))
    for answer in (instance, described(ec2, instance["InstanceId"])):
        assert answer["Placement"] | {"GroupName": ""} == {
            "Tenancy": "host", "HostId": host_id, "Affinity": "host",
            "AvailabilityZone": "us-east-1b", "GroupName": ""}
    plain = launch(ec2, Placement={"Tenancy": "host", "HostId": host_id})
    assert plain["Placement"]["Affinity"] == "default"
    assert "Affinity" not in launch(ec2, Placement={"Tenancy": "dedicated"})["Placement"]


@pytest.mark.parametrize("instance_type, host_options, allowed", [
    ("m5.2xlarge", {"InstanceFamily": "m5"}, True),
    ("c5.xlarge", {"InstanceFamily": "m5"}, False),
    ("m5.xlarge", {"InstanceType": "m5.xlarge"}, True),
    ("m5.large", {"InstanceType": "m5.xlarge"}, False),
])
def test_a_host_takes_only_its_type_or_family(ec2, instance_type, host_options, allowed):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
    (UnsupportedInstanceTypeOnHost)."""
    host_id = host(ec2, **host_options)
    if allowed:
        assert launch(ec2, instance_type, **on_host(host_id))["Placement"]["HostId"] == host_id
    else:
        error = refused(launch, ec2, instance_type, **on_host(host_id))
        assert error["Code"] == "UnsupportedInstanceTypeOnHost"
        assert instance_type in error["Message"]


def test_host_tenancy_needs_a_host_that_can_take_it(ec2):
    """Unknown host: InvalidHostID.NotFound; no HostId and no auto-placement host:
    IncompatibleHostRequirements; an auto-placement host takes untargeted launches."""
    assert refused(launch, ec2, **on_host(MISSING_HOST))["Code"] == "InvalidHostID.NotFound"
    host(ec2)  # AutoPlacement off
    untargeted = {"Placement": {"Tenancy": "host"}}
    assert refused(launch, ec2, **untargeted)["Code"] == "IncompatibleHostRequirements"
    auto = host(ec2, AutoPlacement="on")
    assert launch(ec2, **untargeted)["Placement"]["HostId"] == auto


def test_describe_instances_filters_by_tenancy_host_and_affinity(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
    (filters tenancy, host-id, affinity)."""
    host_id = host(ec2)
    on = launch(ec2, **on_host(host_id))["InstanceId"]
    dedicated = launch(ec2, Placement={"Tenancy": "dedicated"})["InstanceId"]
    launch(ec2)

    def ids(name, value):
        return [i["InstanceId"] for r in ec2.describe_instances(
            Filters=[{"Name": name, "Values": [value]}])["Reservations"] for i in r["Instances"]]

    assert ids("tenancy", "dedicated") == [dedicated]
    assert ids("host-id", host_id) == [on]
    assert ids("affinity", "host") == [on]


# --- modify_instance_placement ---------------------------------------------------------------

def test_modify_instance_placement(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstancePlacement.html
    (host ID and tenancy only when stopped; host to dedicated or default is InvalidRequest)."""
    host_id = host(ec2)
    moving = launch(ec2, Placement={"Tenancy": "dedicated"})["InstanceId"]
    error = refused(ec2.modify_instance_placement, InstanceId=moving, Tenancy="host",
                    HostId=host_id)
    assert error["Code"] == "IncorrectInstanceState"
    ec2.stop_instances(InstanceIds=[moving])
    assert ec2.modify_instance_placement(InstanceId=moving, Tenancy="host", HostId=host_id,
                                         Affinity="host")["Return"] is True
    assert described(ec2, moving)["Placement"]["HostId"] == host_id
    error = refused(ec2.modify_instance_placement, InstanceId=moving, Tenancy="dedicated")
    assert error["Code"] == "InvalidRequest"
    assert ec2.modify_instance_placement(InstanceId=moving, Affinity="default")["Return"]
    assert described(ec2, moving)["Placement"]["Affinity"] == "default"
    error = refused(ec2.modify_instance_placement, InstanceId=moving)
    assert error["Code"] == "InvalidParameterCombination"


# --- Nitro Enclaves --------------------------------------------------------------------------

@pytest.mark.parametrize("instance_type, supported", [
    ("m5.xlarge", True), ("m6g.large", True),   # 4 vCPUs Intel; 2 vCPUs Graviton
    ("m5.large", False), ("t3.xlarge", False), ("m5.metal", False),
])
def test_enclaves_only_on_types_that_support_them(ec2, instance_type, supported):
    """https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave.html#nitro-enclave-reqs"""
    options = {"EnclaveOptions": {"Enabled": True}}
    if supported:
        instance = ec2.run_instances(ImageId=AMI, InstanceType=instance_type, MinCount=1,
                                     MaxCount=1, **options)["Instances"][0]
        assert instance["EnclaveOptions"] == {"Enabled": True}
    else:
        error = refused(launch, ec2, instance_type, **options)
        assert (error["Code"], instance_type in error["Message"]) == ("UnsupportedOperation",
                                                                      True)
    assert launch(ec2, instance_type)["InstanceType"] == instance_type  # without: any type


def test_enclaves_and_hibernation_are_exclusive(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html
    ("You can't enable hibernation and AWS Nitro Enclaves on the same instance")."""
    error = refused(launch, ec2, EnclaveOptions={"Enabled": True},
                    HibernationOptions={"Configured": True})
    assert error["Code"] == "InvalidParameterCombination"
    launch(ec2, EnclaveOptions={"Enabled": False}, HibernationOptions={"Configured": True})


def test_enclave_options_attribute(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceAttribute.html"""
    enabled = launch(ec2, EnclaveOptions={"Enabled": True})["InstanceId"]
    plain = launch(ec2)["InstanceId"]
    for instance_id, expected in ((enabled, True), (plain, False)):
        answer = ec2.describe_instance_attribute(InstanceId=instance_id,
                                                 Attribute="enclaveOptions")
        assert answer["EnclaveOptions"] == {"Enabled": expected}
    assert ec2.describe_instance_attribute(InstanceId=plain, Attribute="instanceType")[
        "InstanceType"] == {"Value": "m5.xlarge"}


def test_enclave_support_can_be_modified_under_the_launch_rules(ec2):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html
    (EnclaveOptions)."""
    instance = launch(ec2)["InstanceId"]
    ec2.modify_instance_attribute(InstanceId=instance, EnclaveOptions={"Enabled": True})
    assert described(ec2, instance)["EnclaveOptions"] == {"Enabled": True}
    small = launch(ec2, "m5.large")["InstanceId"]
    error = refused(ec2.modify_instance_attribute, InstanceId=small,
                    EnclaveOptions={"Enabled": True})
    assert error["Code"] == "UnsupportedOperation"
    sleeper = launch(ec2, HibernationOptions={"Configured": True})["InstanceId"]
    error = refused(ec2.modify_instance_attribute, InstanceId=sleeper,
                    EnclaveOptions={"Enabled": True})
    assert error["Code"] == "InvalidParameterCombination"
