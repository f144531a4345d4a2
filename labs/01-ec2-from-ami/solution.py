"""Reference solution for lab 01 (powers `computelab solve` and the tests)."""

from __future__ import annotations

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
USER_DATA = "#!/bin/bash\ndnf install -y httpd\nsystemctl enable --now httpd\n"


def tags(name):
    return [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]


def solve(aws):
    ec2 = aws.client("ec2")
    ami = aws.client("ssm").get_parameter(Name=AL2023)["Parameter"]["Value"]
    ec2.create_key_pair(KeyName="web-key")
    sg = ec2.create_security_group(GroupName="web-sg", Description="web tier")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "203.0.113.10/32"}]},
    ])
    builder = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                KeyName="web-key", SecurityGroupIds=[sg], UserData=USER_DATA,
                                TagSpecifications=tags("web-builder"))["Instances"][0]
    builder_id = builder["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[builder_id])
    golden = ec2.create_image(InstanceId=builder_id, Name="web-golden")["ImageId"]
    ec2.get_waiter("image_available").wait(ImageIds=[golden])
    root = ec2.describe_images(ImageIds=[golden])["Images"][0]["RootDeviceName"]
    ec2.run_instances(
        ImageId=golden, InstanceType="t3.micro", MinCount=2, MaxCount=2, KeyName="web-key",
        SecurityGroupIds=[sg], TagSpecifications=tags("web"),
        BlockDeviceMappings=[{"DeviceName": root, "Ebs": {
            "VolumeType": "gp3", "Encrypted": True, "VolumeSize": 8}}],
    )
    ec2.terminate_instances(InstanceIds=[builder_id])
