"""Runs the enclave parent on Graviton: m6g.large has 2 vCPUs, enough on Graviton."""

import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
x86 = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]
arm = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
)["Parameter"]["Value"]


def tag(name):
    return [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]


[kind] = ec2.describe_instance_types(InstanceTypes=["m6g.large"])["InstanceTypes"]
assert kind["NitroEnclavesSupport"] == "supported"
ec2.run_instances(ImageId=arm, InstanceType="m6g.large", MinCount=1, MaxCount=1,
                  EnclaveOptions={"Enabled": True}, MetadataOptions={"HttpTokens": "required"},
                  TagSpecifications=tag("enclave-parent"))

ec2.run_instances(ImageId=x86, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                  TagSpecifications=tag("shared-web"))
ec2.run_instances(ImageId=x86, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  Placement={"Tenancy": "dedicated"}, TagSpecifications=tag("dedicated-web"))
host = ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1,
                          AutoPlacement="off",
                          TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": [
                              {"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
ec2.run_instances(ImageId=x86, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  Placement={"Tenancy": "host", "HostId": host, "Affinity": "host"},
                  TagSpecifications=tag("licensed-app"))
