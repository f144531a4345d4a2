"""Uses the EC2 resource API (create_instances, create_image, terminate)."""

import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
ami = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]
ec2.create_key_pair(KeyName="web-key")
sg = ec2.create_security_group(GroupName="web-sg", Description="web tier")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
     "IpRanges": [{"CidrIp": "203.0.113.10/32"}]},
])
user_data = "#!/bin/bash\ndnf install -y httpd\nsystemctl enable --now httpd\n"
res = boto3.resource("ec2")
builder = res.create_instances(
    ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
    KeyName="web-key", SecurityGroupIds=[sg], UserData=user_data,
    TagSpecifications=[{"ResourceType": "instance",
                        "Tags": [{"Key": "Name", "Value": "web-builder"}]}],
)[0]
builder.wait_until_running()
image = builder.create_image(Name="web-golden")
image.wait_until_exists()
image.reload()
web = res.create_instances(
    ImageId=image.id, InstanceType="t3.micro", MinCount=2, MaxCount=2,
    KeyName="web-key", SecurityGroupIds=[sg],
    BlockDeviceMappings=[{"DeviceName": image.root_device_name,
                          "Ebs": {"VolumeType": "gp3", "Encrypted": True, "VolumeSize": 8}}],
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
)
builder.terminate()
