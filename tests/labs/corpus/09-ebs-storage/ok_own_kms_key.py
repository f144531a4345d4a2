"""Encrypts both volumes with a customer managed KMS key."""

import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")

server = ec2.describe_instances(Filters=[
    {"Name": "tag:Name", "Values": ["data-server"]},
    {"Name": "instance-state-name", "Values": ["pending", "running"]},
])["Reservations"][0]["Instances"][0]
server_id = server["InstanceId"]
zone = server["Placement"]["AvailabilityZone"]
zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
other_zone = [z for z in zones if z != zone][0]

key = boto3.client("kms").create_key(Description="data-volume key")
key_arn = key["KeyMetadata"]["Arn"]
volume_id = ec2.create_volume(
    AvailabilityZone=zone, Size=20, VolumeType="gp3", Encrypted=True,
    KmsKeyId=key_arn,
    TagSpecifications=[{"ResourceType": "volume",
                        "Tags": [{"Key": "Name", "Value": "data-volume"}]}],
)["VolumeId"]
ec2.get_waiter("volume_available").wait(VolumeIds=[volume_id])

ec2.attach_volume(VolumeId=volume_id, InstanceId=server_id, Device="/dev/sdf")
ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id])

ec2.modify_instance_attribute(InstanceId=server_id, BlockDeviceMappings=[
    {"DeviceName": server["RootDeviceName"], "Ebs": {"DeleteOnTermination": True}},
    {"DeviceName": "/dev/sdf", "Ebs": {"DeleteOnTermination": False}},
])

snapshot_id = ec2.create_snapshot(VolumeId=volume_id,
                                  Description="data-volume backup")["SnapshotId"]
ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot_id])

restored_id = ec2.create_volume(
    SnapshotId=snapshot_id, AvailabilityZone=other_zone, VolumeType="gp3",
    Encrypted=True, KmsKeyId=key_arn,
)["VolumeId"]
ec2.get_waiter("volume_available").wait(VolumeIds=[restored_id])

ssm.put_parameter(Name="/ebs-lab/instance-store-lost-on", Value="stop,hibernate,terminate",
                  Type="StringList", Overwrite=True)
