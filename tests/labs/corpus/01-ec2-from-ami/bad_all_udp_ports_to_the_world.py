"""Opens every UDP port to the internet besides the two tcp rules."""

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
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
     "IpRanges": [{"CidrIp": "203.0.113.10/32"}]},
    {"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535,
     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
])
user_data = "#!/bin/bash\ndnf install -y httpd\nsystemctl enable --now httpd\n"
builder_id = ec2.run_instances(
    ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
    KeyName="web-key", SecurityGroupIds=[sg], UserData=user_data,
    TagSpecifications=[{"ResourceType": "instance",
                        "Tags": [{"Key": "Name", "Value": "web-builder"}]}],
)["Instances"][0]["InstanceId"]
ec2.get_waiter("instance_running").wait(InstanceIds=[builder_id])
golden = ec2.create_image(InstanceId=builder_id, Name="web-golden")["ImageId"]
ec2.get_waiter("image_available").wait(ImageIds=[golden])
root = ec2.describe_images(ImageIds=[golden])["Images"][0]["RootDeviceName"]
web = ec2.run_instances(
    ImageId=golden, InstanceType="t3.micro", MinCount=2, MaxCount=2,
    KeyName="web-key", SecurityGroupIds=[sg],
    BlockDeviceMappings=[{"DeviceName": root,
                          "Ebs": {"VolumeType": "gp3", "Encrypted": True, "VolumeSize": 8}}],
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
)
web_ids = [i["InstanceId"] for i in web["Instances"]]
ec2.terminate_instances(InstanceIds=[builder_id])
