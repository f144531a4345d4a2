"""Launches enclave-parent plain, then enables Nitro Enclaves with modify_instance_attribute
(stopped first, to be safe) and checks it with describe_instance_attribute."""

import boto3

ec2 = boto3.client("ec2")
ami = boto3.client("ssm").get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]


def run(name, instance_type="m5.large", **options):
    return ec2.run_instances(
        ImageId=ami, InstanceType=instance_type, MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": "Name", "Value": name}]}],
        **options)["Instances"][0]["InstanceId"]


parent = run("enclave-parent", "c6i.xlarge", MetadataOptions={"HttpTokens": "required"})
ec2.stop_instances(InstanceIds=[parent])
ec2.get_waiter("instance_stopped").wait(InstanceIds=[parent])
ec2.modify_instance_attribute(InstanceId=parent, EnclaveOptions={"Enabled": True})
ec2.start_instances(InstanceIds=[parent])
print(ec2.describe_instance_attribute(InstanceId=parent, Attribute="enclaveOptions"))

run("shared-web")
run("dedicated-web", Placement={"Tenancy": "dedicated"})
host_id = ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1,
                             AutoPlacement="off",
                             TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": [
                                 {"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
run("licensed-app", "m5.xlarge",
    Placement={"Tenancy": "host", "HostId": host_id, "Affinity": "host"})
