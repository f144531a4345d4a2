"""Launches licensed-app as a Dedicated Instance first, stops it, and moves it onto the host
with modify_instance_placement (dedicated to host is allowed while stopped)."""

import boto3

ec2 = boto3.client("ec2")
ami = boto3.client("ssm").get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]


def tag(name):
    return [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]


host_id = ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1,
                             AutoPlacement="off",
                             TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": [
                                 {"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
app = ec2.run_instances(ImageId=ami, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
                        Placement={"Tenancy": "dedicated", "AvailabilityZone": "us-east-1a"},
                        TagSpecifications=tag("licensed-app"))["Instances"][0]["InstanceId"]
ec2.stop_instances(InstanceIds=[app])
ec2.get_waiter("instance_stopped").wait(InstanceIds=[app])
ec2.modify_instance_placement(InstanceId=app, Tenancy="host", HostId=host_id, Affinity="host")
ec2.start_instances(InstanceIds=[app])

ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  TagSpecifications=tag("shared-web"))
ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  Placement={"Tenancy": "dedicated"}, TagSpecifications=tag("dedicated-web"))
ec2.run_instances(ImageId=ami, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
                  EnclaveOptions={"Enabled": True}, MetadataOptions={"HttpTokens": "required"},
                  TagSpecifications=tag("enclave-parent"))
