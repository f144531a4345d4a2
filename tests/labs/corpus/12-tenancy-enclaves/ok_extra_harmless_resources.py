"""Builds everything right, plus a second shared instance, an untagged second host and an
extra m5 instance on license-host; re-runs the shared launch cell (two shared-web)."""

import boto3

ec2 = boto3.client("ec2")
ami = boto3.client("ssm").get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]


def tag(name):
    return [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]


for _ in range(2):
    ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                      TagSpecifications=tag("shared-web"))
ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                  TagSpecifications=tag("bastion"))
ec2.allocate_hosts(AvailabilityZone="us-east-1b", InstanceType="c5.large", Quantity=1)
host_id = ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1,
                             AutoPlacement="off",
                             TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": [
                                 {"Key": "Name", "Value": "license-host"},
                                 {"Key": "licence", "Value": "per-core"}]}])["HostIds"][0]
for name in ("licensed-app", "licensed-batch"):
    ec2.run_instances(ImageId=ami, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
                      Placement={"Tenancy": "host", "HostId": host_id, "Affinity": "host"},
                      TagSpecifications=tag(name))
ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  Placement={"Tenancy": "dedicated"}, TagSpecifications=tag("dedicated-web"))
ec2.run_instances(ImageId=ami, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
                  EnclaveOptions={"Enabled": True}, MetadataOptions={"HttpTokens": "required"},
                  TagSpecifications=tag("enclave-parent"))
