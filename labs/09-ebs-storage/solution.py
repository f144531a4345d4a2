"""Reference solution for lab 09 (powers `computelab solve` and the tests)."""

from __future__ import annotations

PARAMETER = "/ebs-lab/instance-store-lost-on"


def name_tag(resource_type, name):
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def solve(aws):
    ec2 = aws.client("ec2")
    reservations = ec2.describe_instances(Filters=[
        {"Name": "tag:Name", "Values": ["data-server"]},
        {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"]
    server = reservations[0]["Instances"][0]
    server_id, zone = server["InstanceId"], server["Placement"]["AvailabilityZone"]

    # 1. An encrypted gp3 data volume in the server's AZ (the free baseline performance).
    volume_id = ec2.create_volume(
        AvailabilityZone=zone, Size=20, VolumeType="gp3", Encrypted=True, Iops=3000,
        Throughput=125, TagSpecifications=name_tag("volume", "data-volume"))["VolumeId"]
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume_id])

    # 2. Attach it.
    ec2.attach_volume(VolumeId=volume_id, InstanceId=server_id, Device="/dev/sdf")
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id])

    # 3. Root volume goes with the instance; the data volume outlives it.
    ec2.modify_instance_attribute(InstanceId=server_id, BlockDeviceMappings=[
        {"DeviceName": server["RootDeviceName"], "Ebs": {"DeleteOnTermination": True}},
        {"DeviceName": "/dev/sdf", "Ebs": {"DeleteOnTermination": False}}])

    # 4. Snapshot.
    snapshot_id = ec2.create_snapshot(
        VolumeId=volume_id, Description="data-volume of data-server, before moving AZ",
        TagSpecifications=name_tag("snapshot", "data-volume-backup"))["SnapshotId"]
    ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot_id])

    # 5. Restore it in another AZ.
    zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
    other = next(z for z in zones if z != zone)
    restored = ec2.create_volume(
        AvailabilityZone=other, SnapshotId=snapshot_id, VolumeType="gp3", Encrypted=True,
        TagSpecifications=name_tag("volume", "data-restored"))["VolumeId"]
    ec2.get_waiter("volume_available").wait(VolumeIds=[restored])

    # 6. What an instance store loses.
    aws.client("ssm").put_parameter(Name=PARAMETER, Value="stop,hibernate,terminate",
                                    Type="StringList", Overwrite=True)
