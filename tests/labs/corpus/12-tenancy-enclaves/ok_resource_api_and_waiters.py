"""Uses the EC2 resource API (create_instances) and waits for each instance to run."""

import boto3

ec2 = boto3.resource("ec2")
client = boto3.client("ec2")
ami = boto3.client("ssm").get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]


def launch(name, instance_type="m5.large", **options):
    [instance] = ec2.create_instances(
        ImageId=ami, InstanceType=instance_type, MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": "Name", "Value": name}]}], **options)
    instance.wait_until_running()
    return instance


launch("shared-web", Placement={"Tenancy": "default"})
launch("dedicated-web", Placement={"Tenancy": "dedicated"})
host_id = client.allocate_hosts(
    AvailabilityZone="us-east-1b", InstanceFamily="m5", Quantity=1,
    TagSpecifications=[{"ResourceType": "dedicated-host",
                        "Tags": [{"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
app = launch("licensed-app", "m5.2xlarge", Placement={
    "AvailabilityZone": "us-east-1b", "Tenancy": "host", "HostId": host_id, "Affinity": "host"})
print(app.placement)
parent = launch("enclave-parent", "c5.xlarge", EnclaveOptions={"Enabled": True},
                MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"})
print(parent.enclave_options)
