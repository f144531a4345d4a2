"""Lab 09 against a real moto server: what its corpus (tests/labs/corpus/09-ebs-storage) does
not show: a snapshot still pending, several mistakes at once, the set-up account, encryption
by default, and the gp3 limits and answer parser on their own.

A fresh account costs about a second (the sandbox loads its AMI catalogue per account), so
the variants share one set-up account: the ``shared`` fixture first puts it back to the
state setup left (volumes, snapshots and answer deleted, the root flag false again), then
each variant builds the lab its way. The one state the sandbox cannot produce, a snapshot
that has not completed, is shown to the check by rewriting describe_snapshots' answer on the
client, so the check still reads it through boto3.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from labkit import (
    assert_passes,
    failed,
    load_module,
    output,
    points_of,
    scorer,
)

from grader.aws import AWS
from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("09")
PARAMETER = "/ebs-lab/instance-store-lost-on"
POINTS = points_of(LAB)
FULL = sum(POINTS.values())
score_without = scorer(POINTS)
SSM_AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def tags(resource_type, name):
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def server_of(ec2):
    reservations = ec2.describe_instances(
        Filters=[{"Name": "tag:Name", "Values": ["data-server"]}])["Reservations"]
    return reservations[0]["Instances"][0]


def zones_of(ec2):
    return sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])


def build(aws, *, style="client", vol_type="gp3", encrypted=True, size=20, iops=None,
          throughput=None, kms=False, vol_zone=None, attach_to="server", root_dot=True,
          data_dot=False, description="nightly backup of data-volume", snap_tag=None,
          restore_zone="next", restore_size=None, restore_encrypted=True,
          answer="stop,hibernate,terminate", extra_volume=False):
    """Lab 09 done one way; each keyword introduces one mistake or one alternative."""
    ec2 = aws.client("ec2")
    server = server_of(ec2)
    server_id, root = server["InstanceId"], server["RootDeviceName"]
    zones = zones_of(ec2)
    zone = vol_zone or server["Placement"]["AvailabilityZone"]

    options = {"AvailabilityZone": zone, "Size": size, "VolumeType": vol_type,
               "Encrypted": encrypted, "TagSpecifications": tags("volume", "data-volume")}
    if iops is not None:
        options["Iops"] = iops
    if throughput is not None:
        options["Throughput"] = throughput
    if kms:
        options["KmsKeyId"] = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    if extra_volume:  # a cell run twice: an older, unattached data-volume
        ec2.create_volume(**options)

    if attach_to == "other":
        ami = aws.client("ssm").get_parameter(Name=SSM_AL2023)["Parameter"]["Value"]
        target = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                   Placement={"AvailabilityZone": zone},
                                   TagSpecifications=tags("instance", "scratch"))
        target = target["Instances"][0]["InstanceId"]
    else:
        target = server_id

    if style == "client":
        volume_id = ec2.create_volume(**options)["VolumeId"]
        if attach_to:
            ec2.attach_volume(VolumeId=volume_id, InstanceId=target, Device="/dev/sdf")
        mappings = []
        if root_dot is not None:
            mappings.append({"DeviceName": root, "Ebs": {"DeleteOnTermination": root_dot}})
        if data_dot is not None and attach_to == "server":
            mappings.append({"DeviceName": "/dev/sdf", "Ebs": {"DeleteOnTermination": data_dot}})
        if mappings:
            ec2.modify_instance_attribute(InstanceId=server_id, BlockDeviceMappings=mappings)
        snapshot_options = {"VolumeId": volume_id}
        if description:
            snapshot_options["Description"] = description
        if snap_tag:
            snapshot_options["TagSpecifications"] = tags("snapshot", snap_tag)
        snapshot_id = ec2.create_snapshot(**snapshot_options)["SnapshotId"]
    else:  # the resource API, with each flag set in its own call
        resource = aws.resource("ec2")
        volume = resource.create_volume(**options)
        volume_id = volume.id
        if attach_to:
            volume.attach_to_instance(InstanceId=target, Device="/dev/sdf")
        instance = resource.Instance(server_id)
        if root_dot is not None:
            instance.modify_attribute(BlockDeviceMappings=[
                {"DeviceName": root, "Ebs": {"DeleteOnTermination": root_dot}}])
        if data_dot is not None and attach_to == "server":
            instance.modify_attribute(BlockDeviceMappings=[
                {"DeviceName": "/dev/sdf", "Ebs": {"VolumeId": volume_id,
                                                   "DeleteOnTermination": data_dot}}])
        snapshot = volume.create_snapshot(
            Description=description or "",
            **({"TagSpecifications": tags("snapshot", snap_tag)} if snap_tag else {}))
        snapshot_id = snapshot.id

    if restore_zone is not None:
        if restore_zone == "same":
            target_zone = zone
        elif restore_zone == "next":
            target_zone = next(z for z in zones if z != zone)
        else:
            target_zone = restore_zone
        restore = {"AvailabilityZone": target_zone, "SnapshotId": snapshot_id,
                   "VolumeType": "gp3", "TagSpecifications": tags("volume", "data-restored")}
        if restore_encrypted is not None:
            restore["Encrypted"] = restore_encrypted
        if restore_size is not None:
            restore["Size"] = restore_size
        ec2.create_volume(**restore)

    if answer is not None:
        aws.client("ssm").put_parameter(Name=PARAMETER, Value=answer, Type="StringList",
                                        Overwrite=True)


def reset(aws):
    """Put the account back to what setup left: data-server alone, its root flag false."""
    ec2 = aws.client("ec2")
    server = server_of(ec2)
    for volume in ec2.describe_volumes()["Volumes"]:
        for attachment in volume.get("Attachments") or []:
            if attachment["Device"] != server["RootDeviceName"]:
                ec2.detach_volume(VolumeId=volume["VolumeId"], Device=attachment["Device"],
                                  InstanceId=attachment["InstanceId"])
    others = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
              for i in r["Instances"]
              if i["InstanceId"] != server["InstanceId"] and i["State"]["Name"] != "terminated"]
    if others:
        ec2.terminate_instances(InstanceIds=others)
    root = server["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    for volume in ec2.describe_volumes()["Volumes"]:
        if volume["VolumeId"] != root and not volume.get("Attachments"):
            ec2.delete_volume(VolumeId=volume["VolumeId"])
    for snapshot in ec2.describe_snapshots(
            Filters=[{"Name": "owner-id", "Values": [aws.account_id]}])["Snapshots"]:
        ec2.delete_snapshot(SnapshotId=snapshot["SnapshotId"])
    ec2.modify_instance_attribute(InstanceId=server["InstanceId"], BlockDeviceMappings=[
        {"DeviceName": server["RootDeviceName"], "Ebs": {"DeleteOnTermination": False}}])
    ec2.disable_ebs_encryption_by_default()
    try:
        aws.client("ssm").delete_parameter(Name=PARAMETER)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ParameterNotFound":
            raise


@pytest.fixture(scope="module")
def shared_account(lab_account):
    return lab_account(LAB.id)


@pytest.fixture
def shared(shared_account):
    """The shared account, back in its just-set-up state."""
    reset(shared_account)
    return shared_account


# --- full marks -----------------------------------------------------------------------------

def test_snapshot_that_has_not_completed_fails(shared):
    """Rule 9. Sandbox snapshots complete at once, so a separate handle's client reports
    them as AWS does while a snapshot is still being taken."""
    build(shared)
    aws = AWS(endpoint=shared.endpoint, access_key_id=shared.access_key_id,
              secret_access_key=shared.secret_access_key, account_id=shared.account_id)

    def still_pending(parsed, **_):
        for snapshot in parsed.get("Snapshots", []):
            snapshot["State"] = "pending"

    aws.client("ec2").meta.events.register("after-call.ec2.DescribeSnapshots", still_pending)
    result = check_lab(LAB, aws)
    assert failed(result) == ["snapshot_completed"]
    assert result.score == score_without("snapshot_completed")
    assert "has completed (state: pending)" in output(result, "snapshot_completed")


# --- partly wrong: several mistakes at once -------------------------------------------------

PARTLY_WRONG = [
    ("gp2 volume restored in the same AZ, no answer",
     {"vol_type": "gp2", "restore_zone": "same", "answer": None},
     ["data_volume_encrypted_gp3", "instance_store_answer", "restored_in_another_az"]),
    ("flags backwards, undescribed snapshot",
     {"root_dot": False, "data_dot": True, "description": None},
     ["delete_on_termination", "snapshot_completed"]),
    ("volume in the wrong AZ, too many IOPS, never restored",
     {"vol_zone": "us-east-1b", "iops": 12000, "restore_zone": None},
     ["data_volume_attached", "data_volume_encrypted_gp3", "restored_in_another_az"]),
    ("stopped after the attach step",
     {"root_dot": None, "data_dot": None, "description": None, "restore_zone": None,
      "answer": None},
     ["delete_on_termination", "instance_store_answer", "restored_in_another_az",
      "snapshot_completed"]),
]


@pytest.mark.parametrize("mistake, kwargs, lost", PARTLY_WRONG, ids=[p[0] for p in PARTLY_WRONG])
def test_partly_wrong_variants_lose_exactly_their_points(shared, mistake, kwargs, lost):
    aws = shared
    build(aws, **kwargs)
    result = check_lab(LAB, aws)
    assert failed(result) == lost, mistake
    assert result.score == score_without(*lost)


# --- untouched, setup and determinism -------------------------------------------------------

def test_setup_launches_data_server_with_a_root_volume_that_survives(fresh_aws):
    aws = fresh_aws(LAB.id)
    ec2 = aws.client("ec2")
    server = server_of(ec2)
    assert server["InstanceType"] == "t3.micro"
    assert server["Placement"]["AvailabilityZone"] == zones_of(ec2)[0]
    (root,) = server["BlockDeviceMappings"]
    assert root["DeviceName"] == server["RootDeviceName"]
    assert root["Ebs"]["DeleteOnTermination"] is False
    volume = ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"][0]
    assert volume["VolumeType"] == "gp3" and volume["Encrypted"]


def test_encryption_by_default_is_explained(shared):
    aws = shared
    aws.client("ec2").enable_ebs_encryption_by_default()
    build(aws, encrypted=False, restore_encrypted=False)
    assert "Encryption by default is on" in output(check_lab(LAB, aws),
                                                   "data_volume_encrypted_gp3")


def test_same_state_gives_identical_results(shared):
    build(shared, vol_zone="us-east-1b", restore_size=5, answer="reboot")
    assert check_lab(LAB, shared).to_dict() == check_lab(LAB, shared).to_dict()


def test_reset_then_rebuild_without_mistakes_gets_full_marks(shared):
    build(shared, attach_to="other", data_dot=True, answer="reboot")
    reset(shared)
    assert check_lab(LAB, shared).score == 0
    build(shared)
    assert_passes(check_lab(LAB, shared))


# --- the limits and the answer parser on their own ------------------------------------------

CHECKS = load_module(LAB)


@pytest.mark.parametrize("size, iops, throughput, allowed", [
    (1, None, None, True),            # baseline at the smallest size
    (1, 3000, 750, True),             # 0.25 MiB/s per IOPS at the baseline IOPS
    (1, 3000, 751, False),
    (1, 3001, 125, False),            # above the baseline needs 500 IOPS per GiB
    (7, 3500, 125, True),
    (7, 3501, 125, False),
    (160, 80000, 2000, True),         # the largest performance needs 160 GiB
    (159, 80000, 2000, False),
    (200, 80001, 2000, False),
    (200, 8000, 2000, True),
    (200, 7999, 2000, False),
    (200, 8000, 2001, False),
    (20, 2999, 125, False),
    (20, 3000, 124, False),
    (65536, None, None, True),
    (65537, None, None, False),
    (0, None, None, False),
])
def test_gp3_limits(size, iops, throughput, allowed):
    assert (CHECKS.gp3_problem(size, iops, throughput) is None) == allowed


@pytest.mark.parametrize("value, events", [
    ("stop,hibernate,terminate", ["stop", "hibernate", "terminate"]),
    (" Terminated; STOPPED /hibernation ", ["terminate", "stop", "hibernate"]),
    ("reboot | stop", ["reboot", "stop"]),
    ("Stop, Hibernate and Terminate", ["stop", "hibernate", "terminate"]),
    ('["terminate", "stop"]', ["terminate", "stop"]),
])
def test_answer_events(value, events):
    assert CHECKS.answer_events(value) == events
