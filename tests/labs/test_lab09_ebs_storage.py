"""Lab 09 against a real moto server: every rule in lab.toml has a failing variant that loses
exactly its checks' points, and alternative correct solutions get full marks.

A fresh account costs about a second (the sandbox loads its AMI catalogue per account), so
the variants share one set-up account: the ``shared`` fixture first puts it back to the
state setup left (volumes, snapshots and answer deleted, the root flag false again), then
each variant builds the lab its way. The one state the sandbox cannot produce, a snapshot
that has not completed, is shown to the check by rewriting describe_snapshots' answer on the
client, so the check still reads it through boto3.
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from labkit import (
    assert_broken_rule,
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

ALTERNATIVES = {
    "client API, baseline performance": {},
    "resource API, Name tag instead of description, larger restore in a third AZ": {
        "style": "resource", "description": None, "snap_tag": "data-volume-backup",
        "restore_zone": "us-east-1c", "restore_size": 50,
        "answer": "Terminate; Stop; Hibernate"},
    "provisioned IOPS and throughput, customer KMS key, data flag left at its default": {
        "iops": 6000, "throughput": 500, "kms": True, "data_dot": None,
        "answer": "stopped, hibernated, terminated"},
    "largest gp3 limits on a big volume, a second unattached data-volume from a re-run": {
        "size": 200, "iops": 80000, "throughput": 2000, "extra_volume": True,
        "restore_encrypted": None, "answer": "hibernate stop terminate"},
}


@pytest.mark.parametrize("kwargs", ALTERNATIVES.values(), ids=ALTERNATIVES.keys())
def test_alternative_correct_solutions_get_full_marks(shared, kwargs):
    aws = shared
    build(aws, **kwargs)
    result = check_lab(LAB, aws)
    assert_passes(result)
    assert result.score == FULL


# --- every rule has a failing variant -------------------------------------------------------

VARIANTS = [
    # (rule index in lab.toml, mistake, build kwargs, checks lost, phrase in the message of
    # the first check lost)
    (0, "gp2 data volume", {"vol_type": "gp2"}, ["data_volume_encrypted_gp3"], "not gp3"),
    (1, "unencrypted data volume", {"encrypted": False, "restore_encrypted": False},
     ["data_volume_encrypted_gp3", "restored_in_another_az"], "is not encrypted"),
    (2, "gp3 larger than 64 TiB", {"size": 70000},
     ["data_volume_encrypted_gp3"], "must be 1-65,536 GiB"),
    (3, "IOPS above 80,000", {"size": 500, "iops": 90000},
     ["data_volume_encrypted_gp3"], "3,000 (the free baseline) to 80,000 IOPS"),
    (3, "16,000 IOPS on 20 GiB", {"iops": 16000},
     ["data_volume_encrypted_gp3"], "at most 500 IOPS per GiB, so 10,000 IOPS here"),
    (3, "IOPS below the baseline", {"iops": 1000},
     ["data_volume_encrypted_gp3"], "3,000 (the free baseline)"),
    (4, "throughput above 2,000 MiB/s", {"size": 100, "iops": 16000, "throughput": 2500},
     ["data_volume_encrypted_gp3"], "125 (the free baseline) to 2,000 MiB/s"),
    (4, "1,000 MiB/s on 3,000 IOPS", {"throughput": 1000},
     ["data_volume_encrypted_gp3"], "0.25 MiB/s per provisioned IOPS, so 750 MiB/s"),
    (5, "never attached", {"attach_to": None},
     ["data_volume_attached", "delete_on_termination"], "not attached to anything"),
    (5, "attached to another instance", {"attach_to": "other"},
     ["data_volume_attached", "delete_on_termination"], "not data-server"),
    (6, "volume in another AZ than the server", {"vol_zone": "us-east-1b"},
     ["data_volume_attached"], "attaches only to instances in that same AZ"),
    (7, "root flag left false", {"root_dot": None},
     ["delete_on_termination"], "orphaned root volume"),
    (8, "data volume deleted with the instance", {"data_dot": True},
     ["delete_on_termination"], "would delete your data"),
    (10, "snapshot without description or tag", {"description": None},
     ["snapshot_completed"], "neither a Description nor a Name tag"),
    (11, "restored in the same AZ", {"restore_zone": "same"},
     ["restored_in_another_az"], "the same Availability Zone as data-volume"),
    (12, "restored unencrypted from an unencrypted snapshot",
     {"encrypted": False, "restore_encrypted": False},
     ["restored_in_another_az", "data_volume_encrypted_gp3"], "pass Encrypted=True"),
    (13, "restored smaller than the snapshot", {"restore_size": 5},
     ["restored_in_another_az"], "at least the snapshot's size"),
    (14, "reboot counted as lost", {"answer": "reboot,stop,hibernate,terminate"},
     ["instance_store_answer"], "survives a reboot"),
    (14, "hibernate left out", {"answer": "stop,terminate"},
     ["instance_store_answer"], "leaves out hibernate"),
    (14, "an event that is not a choice", {"answer": "stop,hibernate,terminate,crash"},
     ["instance_store_answer"], "'crash'"),
    (14, "no answer", {"answer": None}, ["instance_store_answer"], "No SSM parameter"),
]


@pytest.mark.parametrize("rule, mistake, kwargs, lost, phrase", VARIANTS,
                         ids=[v[1] for v in VARIANTS])
def test_each_broken_rule_loses_exactly_its_checks(shared, rule, mistake, kwargs, lost, phrase):
    aws = shared
    build(aws, **kwargs)
    result = check_lab(LAB, aws)
    assert_broken_rule(result, aws, lost, phrase, score_without)
    for test in result.tests:
        if not test.passed:
            assert not re.search(r"\b(vol|snap|i)-[0-9a-f]{8,}", test.output), test.output


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


def test_every_rule_has_a_failing_variant():
    covered = {v[0] for v in VARIANTS} | {9}  # 9: test_snapshot_that_has_not_completed_fails
    assert covered == set(range(len(LAB.rules)))


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
])
def test_answer_events(value, events):
    assert CHECKS.answer_events(value) == events
