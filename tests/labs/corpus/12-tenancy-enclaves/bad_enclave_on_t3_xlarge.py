"""Enables enclaves on t3.xlarge: T3 never supports them."""

import boto3

LOSES = ["enclave_parent"]

ec2 = boto3.client("ec2")
ami = boto3.client("ssm").get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]


def run(name, instance_type="m5.large", **options):
    return ec2.run_instances(
        ImageId=ami,
        InstanceType=instance_type,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
        **options,
    )["Instances"][0]["InstanceId"]


host_id = ec2.allocate_hosts(
    AvailabilityZone="us-east-1a",
    InstanceFamily="m5",
    Quantity=1,
    AutoPlacement="off",
    TagSpecifications=[
        {"ResourceType": "dedicated-host", "Tags": [{"Key": "Name", "Value": "license-host"}]}
    ],
)["HostIds"][0]
run("shared-web")
run("dedicated-web", Placement={"Tenancy": "dedicated"})
app = run(
    "licensed-app",
    "m5.xlarge",
    Placement={
        "AvailabilityZone": "us-east-1a",
        "Tenancy": "host",
        "HostId": host_id,
        "Affinity": "host",
    },
)
run(
    "enclave-parent",
    "t3.xlarge",
    EnclaveOptions={"Enabled": True},
    MetadataOptions={"HttpTokens": "required"},
)
