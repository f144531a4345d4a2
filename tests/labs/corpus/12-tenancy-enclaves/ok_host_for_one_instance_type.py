"""Allocates the host for one instance type (m5.xlarge) and launches exactly that type."""

import boto3

ec2 = boto3.client("ec2")
ami = boto3.client("ssm").get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]
NAME = [{"Key": "Name", "Value": "license-host"}]

hosts = ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceType="m5.xlarge", Quantity=1,
                           AutoPlacement="off",
                           TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": NAME}])
host_id = hosts["HostIds"][0]
print(ec2.describe_hosts(HostIds=[host_id])["Hosts"][0]["HostProperties"])

for name, options in [
    ("shared-web", {}),
    ("dedicated-web", {"Placement": {"Tenancy": "dedicated"}}),
    ("licensed-app", {"Placement": {"Tenancy": "host", "HostId": host_id, "Affinity": "host"}}),
    ("enclave-parent", {"EnclaveOptions": {"Enabled": True},
                        "MetadataOptions": {"HttpTokens": "required"}}),
]:
    ec2.run_instances(ImageId=ami, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "Name", "Value": name}]}],
                      **options)
