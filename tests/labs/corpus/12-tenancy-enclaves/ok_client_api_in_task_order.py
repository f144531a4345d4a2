"""The five tasks in order with the client API, as the notebook shows them."""

import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
ami = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]


def tags(name):
    return [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]


ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  TagSpecifications=tags("shared-web"))
ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  Placement={"Tenancy": "dedicated"}, TagSpecifications=tags("dedicated-web"))
host_id = ec2.allocate_hosts(
    AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1, AutoPlacement="off",
    TagSpecifications=[{"ResourceType": "dedicated-host",
                        "Tags": [{"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
ec2.run_instances(ImageId=ami, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
                  Placement={"AvailabilityZone": "us-east-1a", "Tenancy": "host",
                             "HostId": host_id, "Affinity": "host"},
                  TagSpecifications=tags("licensed-app"))
ec2.run_instances(ImageId=ami, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
                  EnclaveOptions={"Enabled": True}, MetadataOptions={"HttpTokens": "required"},
                  TagSpecifications=tags("enclave-parent"))
