"""Requires IMDSv2 on the enclave parent after launch (modify_instance_metadata_options), and
runs the steps in another order with a stopped shared instance."""

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


parent = run("enclave-parent", "m5.2xlarge", EnclaveOptions={"Enabled": True})
ec2.modify_instance_metadata_options(InstanceId=parent, HttpTokens="required")
print(ec2.describe_instance_attribute(InstanceId=parent, Attribute="enclaveOptions"))

host_id = ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1,
                             TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": [
                                 {"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
run("licensed-app", "m5.xlarge",
    Placement={"Tenancy": "host", "HostId": host_id, "Affinity": "host"})
run("dedicated-web", Placement={"Tenancy": "dedicated"})
shared = run("shared-web")
ec2.stop_instances(InstanceIds=[shared])
