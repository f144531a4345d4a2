"""Everything right except SSH, opened to 0.0.0.0/0 "just for now"."""

import boto3

LOSES = ["security_group_rules"]

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
ami = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]
ec2.create_key_pair(KeyName="web-key")
sg = ec2.create_security_group(GroupName="web-sg", Description="web tier")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
builder = ec2.run_instances(
    ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
    UserData="#!/bin/bash\ndnf install -y httpd\n",
    TagSpecifications=[{"ResourceType": "instance",
                        "Tags": [{"Key": "Name", "Value": "web-builder"}]}])["Instances"][0]
golden = ec2.create_image(InstanceId=builder["InstanceId"], Name="web-golden")["ImageId"]
root = ec2.describe_images(ImageIds=[golden])["Images"][0]["RootDeviceName"]
ec2.run_instances(
    ImageId=golden, InstanceType="t3.micro", MinCount=2, MaxCount=2, KeyName="web-key",
    SecurityGroupIds=[sg],
    BlockDeviceMappings=[{"DeviceName": root, "Ebs": {"VolumeType": "gp3", "Encrypted": True}}],
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}])
ec2.terminate_instances(InstanceIds=[builder["InstanceId"]])
