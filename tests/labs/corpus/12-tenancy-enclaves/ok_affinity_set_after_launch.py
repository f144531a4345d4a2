"""Launches licensed-app on the host without affinity, then sets it with
modify_instance_placement (affinity can change while the instance runs)."""

import boto3

ec2 = boto3.client("ec2")
ami = boto3.client("ssm").get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]


def run(name, instance_type, **options):
    return ec2.run_instances(
        ImageId=ami, InstanceType=instance_type, MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": "Name", "Value": name}]}],
        **options)["Instances"][0]["InstanceId"]


host_id = ec2.allocate_hosts(AvailabilityZone="us-east-1c", InstanceFamily="m5", Quantity=1,
                             AutoPlacement="off",
                             TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": [
                                 {"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
app = run("licensed-app", "m5.4xlarge",
          Placement={"Tenancy": "host", "HostId": host_id, "AvailabilityZone": "us-east-1c"})
ec2.modify_instance_placement(InstanceId=app, Affinity="host")

run("enclave-parent", "r5.xlarge", EnclaveOptions={"Enabled": True},
    MetadataOptions={"HttpTokens": "required"})
run("dedicated-web", "c5.large", Placement={"Tenancy": "dedicated"})
run("shared-web", "m5.large")
