"""Finds the AMI with describe_images (not SSM) and launches the web tier from a launch
template, with tags on the template."""

import boto3

ec2 = boto3.client("ec2")
images = ec2.describe_images(Owners=["amazon"], Filters=[
    {"Name": "name", "Values": ["al2023-ami-2023.*-kernel-6.1-x86_64"]},
    {"Name": "architecture", "Values": ["x86_64"]}])["Images"]
ami = max(images, key=lambda image: image["CreationDate"])["ImageId"]
ec2.create_key_pair(KeyName="web-key")
sg = ec2.create_security_group(GroupName="web-sg", Description="web tier")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
     "IpRanges": [{"CidrIp": "198.51.100.7/32"}]}])
builder = ec2.run_instances(
    ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
    UserData="#cloud-config\npackages:\n  - nginx\n",
    TagSpecifications=[{"ResourceType": "instance",
                        "Tags": [{"Key": "Name", "Value": "web-builder"}]}])["Instances"][0]
golden = ec2.create_image(InstanceId=builder["InstanceId"], Name="web-golden")["ImageId"]
root = ec2.describe_images(ImageIds=[golden])["Images"][0]["RootDeviceName"]
ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={
    "ImageId": golden, "InstanceType": "t3.micro", "KeyName": "web-key",
    "SecurityGroupIds": [sg],
    "BlockDeviceMappings": [{"DeviceName": root,
                             "Ebs": {"VolumeType": "gp3", "Encrypted": True}}],
    "TagSpecifications": [{"ResourceType": "instance",
                           "Tags": [{"Key": "Name", "Value": "web"}]}]})
ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "web"}, MinCount=2, MaxCount=2)
ec2.terminate_instances(InstanceIds=[builder["InstanceId"]])
