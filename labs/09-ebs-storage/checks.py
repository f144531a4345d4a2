"""Checks for lab 09: EBS vs instance store.

Every rule is listed in lab.toml ``rules``. The sandbox accepts much that EBS rejects: a
volume attached to an instance in another Availability Zone, a volume restored smaller than
its snapshot, gp3 sizes, IOPS and throughput outside the published limits. So these checks
read the volumes, snapshots and block device mappings through boto3 and enforce what AWS
would. Limits are those of the EC2 API model shipped with boto3 1.44 (CreateVolume: gp3
1-65,536 GiB, 3,000-80,000 IOPS, 125-2,000 MiB/s) and the EBS user guide's ratios
(500 IOPS per GiB, 0.25 MiB/s per provisioned IOPS).
"""

from __future__ import annotations

import re

from grader import check, fail
from grader.kit.concurrent_reads import read_concurrently
from grader.kit.lookups import instances, or_none
from grader.kit.other_regions import missing

SERVER = "data-server"
PARAMETER = "/ebs-lab/instance-store-lost-on"
AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
LIVE = ("pending", "running", "stopping", "stopped")

GP3_SIZE = (1, 65_536)          # GiB
GP3_IOPS = (3_000, 80_000)      # baseline 3,000 included
GP3_THROUGHPUT = (125, 2_000)   # MiB/s; baseline 125 included
IOPS_PER_GIB = 500
MIBS_PER_IOPS = 0.25

EVENTS = ("reboot", "stop", "hibernate", "terminate")
LOST = {"stop", "hibernate", "terminate"}
SYNONYMS = {"reboots": "reboot", "rebooted": "reboot", "restart": "reboot",
            "stops": "stop", "stopped": "stop", "stopping": "stop",
            "hibernates": "hibernate", "hibernated": "hibernate", "hibernation": "hibernate",
            "terminates": "terminate", "terminated": "terminate", "termination": "terminate"}
FILLERS = {"and", "or"}  # "stop, hibernate and terminate" is a list too


# --- reading state --------------------------------------------------------------------------

def _tag(resource, key="Name"):
    return next((t["Value"] for t in resource.get("Tags") or [] if t["Key"] == key), None)


# Every read happens at most once per "Check my work" (aws.once): the checks judge the same
# instance, volumes and snapshots against each other.


def _servers_read(aws):
    return aws.once("servers", lambda: instances(
        aws.client("ec2"), [{"Name": "tag:Name", "Values": [SERVER]}]))


def _servers(aws):
    found = _servers_read(aws)
    live = [i for i in found if i["State"]["Name"] in LIVE]
    assert live, (f"The instance tagged Name={SERVER} is missing or terminated. The lab "
                  "launched it for you: Reset this lab (or `computelab reset 09`) brings it "
                  "back.")
    return {i["InstanceId"]: i for i in live}


def _data(aws):
    """The data volume's Name tag (lab.toml ``volume_name``, default data-volume)."""
    return aws.params["volume_name"]


def _tagged(name):
    """A finder: the volumes tagged Name=``name`` (here, or in another Region)."""
    def find(ec2):
        pages = ec2.get_paginator("describe_volumes").paginate(
            Filters=[{"Name": "tag:Name", "Values": [name]}])
        return [v for page in pages for v in page["Volumes"]]

    return find


def _data_volumes(aws):
    return aws.once("data-volumes", lambda: _tagged(_data(aws))(aws.client("ec2")))


def _stored_answer(aws):
    return aws.once("answer", lambda: _answer(aws.client("ssm")))


def _read_together(aws):
    """The run's independent reads at once (see grader.kit.concurrent_reads)."""
    aws.once("read-together", lambda: read_concurrently(
        aws, [_servers_read, _data_volumes, _stored_answer],
        services=("ec2", "ssm")))


def _answer(ssm):
    return or_none(lambda: ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"],
                   "ParameterNotFound")


def _elsewhere(aws, message, what, service, found):
    """``message``, or where ``what`` was made instead when it is in another Region (asked
    only in the Regions where a data volume was made: every way through the lab makes one
    first)."""
    return missing(aws, message, what, service, found, key=what,
                   footprint=("ec2", _tagged(_data(aws))))


def _attachment(volume):
    return next(iter(volume.get("Attachments") or []), None)


def _data_volume(aws, servers=None):
    """The data volume (tagged Name=volume_name): the one attached to data-server if any,
    else one attached anywhere, else the newest (a re-run cell may have made several)."""
    volumes = _data_volumes(aws)
    assert volumes, _elsewhere(
        aws, f"No volume tagged Name={_data(aws)} yet: create it with ec2.create_volume "
        "(task 1).", f"Volume {_data(aws)}", "ec2", _tagged(_data(aws)))
    servers = servers if servers is not None else _servers(aws)

    def rank(volume):
        attached = _attachment(volume)
        return (bool(attached and attached["InstanceId"] in servers), bool(attached),
                volume["CreateTime"])

    return max(volumes, key=rank)


def _snapshots(aws, volume_id):
    def read():
        pages = aws.client("ec2").get_paginator("describe_snapshots").paginate(
            OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [volume_id]}])
        return [s for page in pages for s in page["Snapshots"]]

    return aws.once(f"snapshots:{volume_id}", read)


# --- 1. the data volume ---------------------------------------------------------------------

def gp3_problem(size, iops, throughput):
    """Why EBS would refuse this gp3 volume, or None. Missing values mean the baseline."""
    iops = GP3_IOPS[0] if iops is None else iops
    throughput = GP3_THROUGHPUT[0] if throughput is None else throughput
    if not GP3_SIZE[0] <= size <= GP3_SIZE[1]:
        return (f"it is {size:,} GiB; a gp3 volume must be {GP3_SIZE[0]}-{GP3_SIZE[1]:,} GiB")
    if not GP3_IOPS[0] <= iops <= GP3_IOPS[1]:
        return (f"it asks for {iops:,} IOPS; gp3 offers {GP3_IOPS[0]:,} (the free baseline) "
                f"to {GP3_IOPS[1]:,} IOPS")
    ceiling = max(GP3_IOPS[0], IOPS_PER_GIB * size)
    if iops > ceiling:
        return (f"it asks for {iops:,} IOPS on {size:,} GiB; above the 3,000 baseline gp3 "
                f"allows at most {IOPS_PER_GIB} IOPS per GiB, so {ceiling:,} IOPS here: "
                "make the volume larger or ask for fewer IOPS")
    if not GP3_THROUGHPUT[0] <= throughput <= GP3_THROUGHPUT[1]:
        return (f"it asks for {throughput:,} MiB/s; gp3 offers {GP3_THROUGHPUT[0]} (the free "
                f"baseline) to {GP3_THROUGHPUT[1]:,} MiB/s")
    if throughput > MIBS_PER_IOPS * iops:
        return (f"it asks for {throughput:,} MiB/s with {iops:,} IOPS; gp3 allows at most "
                f"{MIBS_PER_IOPS} MiB/s per provisioned IOPS, so {MIBS_PER_IOPS * iops:g} "
                "MiB/s here: provision more IOPS or less throughput")
    return None


@check(points=2, hint="ec2.create_volume(AvailabilityZone=zone, Size=20, VolumeType='gp3', "
                      "Encrypted=True, TagSpecifications=[{'ResourceType': 'volume', "
                      "'Tags': [{'Key': 'Name', 'Value': '{{ volume_name }}'}]}])")
def data_volume_encrypted_gp3(aws):
    """{{ volume_name }} is an encrypted gp3 volume within gp3's limits"""
    data_name = _data(aws)
    _read_together(aws)
    ec2 = aws.client("ec2")
    volume = _data_volume(aws)
    assert volume["VolumeType"] == "gp3", (
        f"{data_name} is {volume['VolumeType']}, not gp3. gp3 is the general-purpose default: "
        "3,000 IOPS and 125 MiB/s included at any size, about 20% cheaper per GiB than gp2. "
        "Create a new volume with VolumeType='gp3' (or change it with ec2.modify_volume).")
    if not volume["Encrypted"]:
        by_default = ec2.get_ebs_encryption_by_default().get("EbsEncryptionByDefault")
        extra = (" Encryption by default is on in this account, but it only applies to "
                 "volumes created after you turn it on (and the sandbox records the setting "
                 "without applying it)." if by_default else "")
        fail(f"{data_name} is not encrypted. With EBS encryption the data at rest, the traffic "
             "between instance and volume, and every snapshot and restored volume are "
             "encrypted with a KMS key. An existing volume cannot be encrypted in place: "
             f"create a new one with Encrypted=True (and delete this one).{extra}",
             volume["VolumeId"])
    problem = gp3_problem(volume["Size"], volume.get("Iops"), volume.get("Throughput"))
    if problem is not None:
        fail(f"AWS would refuse {data_name}: {problem}. (The sandbox accepted it; EBS answers "
             "InvalidParameterValue.)", volume["VolumeId"])


# --- 2. attached to data-server in its AZ ---------------------------------------------------

@check(points=2, hint="ec2.attach_volume(VolumeId=volume_id, InstanceId=server_id, "
                      "Device='/dev/sdf'); ec2.get_waiter('volume_in_use').wait(...)")
def data_volume_attached(aws):
    """{{ volume_name }} is attached to data-server, in the same Availability Zone"""
    data_name = _data(aws)
    servers = _servers(aws)
    volume = _data_volume(aws, servers)
    attachment = _attachment(volume)
    assert attachment, (f"{data_name} is not attached to anything yet: attach it to {SERVER} with "
                        "ec2.attach_volume (a device name such as /dev/sdf).")
    if attachment["InstanceId"] not in servers:
        fail(f"{data_name} is attached to an instance that is not {SERVER}. Detach it (the sandbox "
             f"needs InstanceId and Device in detach_volume) and attach it to {SERVER}.",
             volume["VolumeId"], attachment["InstanceId"])
    assert attachment["State"] == "attached", (
        f"{data_name}'s attachment is '{attachment['State']}', not 'attached' yet: wait with "
        "ec2.get_waiter('volume_in_use').")
    server_zone = servers[attachment["InstanceId"]]["Placement"]["AvailabilityZone"]
    if volume["AvailabilityZone"] != server_zone:
        fail(f"{data_name} is in {volume['AvailabilityZone']} but {SERVER} runs in {server_zone}. "
             "An EBS volume lives in one Availability Zone and attaches only to instances in "
             "that same AZ: AWS refuses this attachment (the sandbox allowed it). Detach it, "
             f"create the volume again in {server_zone} and attach that one.",
             volume["VolumeId"])


# --- 3. DeleteOnTermination -----------------------------------------------------------------

@check(points=2, hint="ec2.modify_instance_attribute(InstanceId=server_id, BlockDeviceMappings="
                      "[{'DeviceName': root_device, 'Ebs': {'DeleteOnTermination': True}}, "
                      "{'DeviceName': '/dev/sdf', 'Ebs': {'DeleteOnTermination': False}}])")
def delete_on_termination(aws):
    """The root volume is deleted with data-server; {{ volume_name }} survives it"""
    data_name = _data(aws)
    servers = _servers(aws)
    volume = _data_volume(aws, servers)
    attachment = _attachment(volume)
    assert attachment and attachment["InstanceId"] in servers, (
        f"{data_name} is not attached to {SERVER}, so it has no DeleteOnTermination flag "
        "there yet: attach it first (task 2).")
    server = servers[attachment["InstanceId"]]
    mappings = server.get("BlockDeviceMappings") or []
    root = next((m for m in mappings if m["DeviceName"] == server.get("RootDeviceName")), None)
    data = next((m for m in mappings if m.get("Ebs", {}).get("VolumeId") == volume["VolumeId"]),
                None)
    assert root, (f"{SERVER} has no volume on its root device {server.get('RootDeviceName')}: "
                  "Reset this lab (or `computelab reset 09`) brings the original instance "
                  "back.")
    assert data, (f"{SERVER}'s block device mappings do not list {data_name}: wait until the "
                  "attachment finishes, then look again.")
    if root["Ebs"].get("DeleteOnTermination") is not True:
        fail(f"{SERVER}'s root volume has DeleteOnTermination false, so terminating the "
             "instance leaves an orphaned root volume that you keep paying for. The root "
             "volume holds only the operating system, which the AMI can rebuild: set its flag "
             "to true with modify_instance_attribute.", server["InstanceId"],
             root["Ebs"].get("VolumeId", ""))
    if data["Ebs"].get("DeleteOnTermination") is not False:
        fail(f"{data_name} has DeleteOnTermination true, so terminating {SERVER} would delete your "
             "data with it. Volumes you attach yourself default to false; set it back to false "
             "so the data outlives the instance.", volume["VolumeId"])


# --- 4. snapshot ----------------------------------------------------------------------------

@check(points=2, hint="ec2.create_snapshot(VolumeId=volume_id, Description='{{ volume_name }} "
                      "backup'); ec2.get_waiter('snapshot_completed').wait(SnapshotIds=[...])")
def snapshot_completed(aws):
    """A described snapshot of {{ volume_name }} has completed"""
    data_name = _data(aws)
    volume = _data_volume(aws)
    snapshots = _snapshots(aws, volume["VolumeId"])
    assert snapshots, (f"No snapshot of {data_name} yet: ec2.create_snapshot(VolumeId=...). A "
                       "snapshot is a point-in-time, incremental copy kept by EBS in S3.")
    completed = [s for s in snapshots if s["State"] == "completed"]
    assert completed, (
        f"No snapshot of {data_name} has completed (state: "
        f"{', '.join(sorted({s['State'] for s in snapshots}))}). Only a completed snapshot "
        "can be restored reliably: wait with ec2.get_waiter('snapshot_completed'); an 'error' "
        "snapshot must be taken again.")
    assert any((s.get("Description") or "").strip() or _tag(s) for s in completed), (
        f"The snapshot of {data_name} has neither a Description nor a Name tag. Months later, "
        "snapshot ids alone will not tell anyone what a backup holds or whether it may be "
        "deleted: pass Description= (or tag it with Name).")


# --- 5. restore in another AZ ---------------------------------------------------------------

def _restore_problem(restored, source, snapshot_sizes, name):
    if restored["State"] not in ("available", "in-use"):
        return (f"the volume restored from the snapshot is '{restored['State']}': wait with "
                "ec2.get_waiter('volume_available')")
    if restored["AvailabilityZone"] == source["AvailabilityZone"]:
        return (f"the volume restored from the snapshot is in {source['AvailabilityZone']}, "
                f"the same Availability Zone as {name}. Volumes are tied to one AZ, but "
                "snapshots are regional (stored in S3), so restoring in another AZ of the "
                "Region is how you move the data: pick a different AvailabilityZone")
    if not restored["Encrypted"]:
        return ("the volume restored from the snapshot is not encrypted. Volumes created from "
                "an encrypted snapshot are always encrypted; this one comes from an "
                f"unencrypted {name}, so pass Encrypted=True when you restore it")
    needed = snapshot_sizes[restored["SnapshotId"]]
    if restored["Size"] < needed:
        return (f"the restored volume is {restored['Size']} GiB but the snapshot holds "
                f"{needed} GiB. EBS requires a volume made from a snapshot to be at least "
                "the snapshot's size (the sandbox allowed it): leave Size out or make it "
                "larger")
    return None


@check(points=3, hint="ec2.create_volume(SnapshotId=snapshot_id, AvailabilityZone=other_zone, "
                      "VolumeType='gp3', Encrypted=True)")
def restored_in_another_az(aws):
    """The snapshot is restored to an encrypted volume in another Availability Zone"""
    data_name = _data(aws)
    ec2 = aws.client("ec2")
    source = _data_volume(aws)
    snapshots = _snapshots(aws, source["VolumeId"])
    assert snapshots, f"Snapshot {data_name} first (task 4): a restore starts from a snapshot."
    sizes = {s["SnapshotId"]: s["VolumeSize"] for s in snapshots}
    pages = ec2.get_paginator("describe_volumes").paginate(
        Filters=[{"Name": "snapshot-id", "Values": sorted(sizes)}])
    restored = [v for page in pages for v in page["Volumes"]]
    assert restored, (f"No volume has been created from a snapshot of {data_name} yet: "
                      "ec2.create_volume(SnapshotId=..., AvailabilityZone=...).")
    newest = sorted(restored, key=lambda v: v["CreateTime"], reverse=True)
    problems = [_restore_problem(v, source, sizes, data_name) for v in newest]
    if None not in problems:
        fail(problems[0][0].upper() + problems[0][1:] + ".", newest[0]["VolumeId"])


# --- 6. what an instance store loses --------------------------------------------------------

def answer_events(value):
    """The lifecycle events named in the learner's answer, normalised (order and case free)."""
    words = re.findall(r"[a-z]+", value.lower())
    return [SYNONYMS.get(w, w) for w in words if w not in FILLERS]


@check(points=1, hint="ssm.put_parameter(Name='/ebs-lab/instance-store-lost-on', "
                      "Value='event,event,...', Type='StringList', Overwrite=True)")
def instance_store_answer(aws):
    """You recorded which lifecycle events wipe an instance store"""
    value = _stored_answer(aws)
    assert value is not None, missing(  # asked in every Region: only the answer may be astray
        aws, f"No SSM parameter {PARAMETER} yet: store your answer (task 6) as a "
        "comma-separated list of events.", f"Parameter {PARAMETER}", "ssm", _answer,
        key="answer")
    events = answer_events(value)
    unknown = sorted(set(events) - set(EVENTS))
    assert not unknown, (
        f"{PARAMETER} names {', '.join(repr(u) for u in unknown)}; answer with some of "
        f"{', '.join(EVENTS)}, separated by commas.")
    chosen = set(events)
    assert "reboot" not in chosen, (
        "Instance store data survives a reboot: the instance stays on the same host and its "
        "local disks are kept. Remove reboot from your answer.")
    left_out = [e for e in EVENTS if e in LOST - chosen]
    assert not left_out, (
        f"Your answer leaves out {', '.join(left_out)}. Stopping, hibernating or terminating "
        "an instance releases its host, and the host's local disks are wiped before anyone "
        "else gets them, so every block of an instance store is lost. Only EBS volumes keep "
        "their data (hibernation even writes the RAM image to the EBS root volume).")


# --- prerequisites --------------------------------------------------------------------------

def setup(aws):
    """Launch data-server: a t3.micro in the Region's first AZ whose encrypted gp3 root
    volume was (wrongly) set to survive termination."""
    ec2 = aws.client("ec2")
    zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"])
    ami = aws.client("ssm").get_parameter(Name=AL2023)["Parameter"]["Value"]
    image = ec2.describe_images(ImageIds=[ami])["Images"][0]
    root = image["RootDeviceName"]
    size = next((m["Ebs"]["VolumeSize"] for m in image.get("BlockDeviceMappings", [])
                 if m["DeviceName"] == root and "VolumeSize" in m.get("Ebs", {})), 8)
    ec2.run_instances(
        ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
        Placement={"AvailabilityZone": zones[0]},
        BlockDeviceMappings=[{"DeviceName": root, "Ebs": {
            "VolumeSize": size, "VolumeType": "gp3", "Encrypted": True,
            "DeleteOnTermination": False}}],
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": SERVER}]},
            {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": f"{SERVER}-root"}]}])
