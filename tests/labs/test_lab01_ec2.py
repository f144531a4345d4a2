"""Lab 01 against a real moto server: wrong variants lose exactly their points, alternative
correct solutions get full marks."""

from __future__ import annotations

import pytest
from labkit import assert_full_marks, failed

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("01")
SSM_AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def build(aws, *, ssh_cidr="203.0.113.10/32", terminate=True, root=("gp3", True),
          web_type="t3.micro", builder_image=None, user_data="#!/bin/bash\ndnf install -y nginx\n",
          style="client"):
    """Lab 01 done one way; keyword arguments introduce one mistake or alternative each."""
    ec2 = aws.client("ec2")
    ami = builder_image or aws.client("ssm").get_parameter(Name=SSM_AL2023)["Parameter"]["Value"]
    ec2.create_key_pair(KeyName="web-key")
    sg = ec2.create_security_group(GroupName="web-sg", Description="web")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": ssh_cidr}]},
    ])
    builder_type = "t4g.micro" if builder_image else "t3.micro"
    builder = ec2.run_instances(ImageId=ami, InstanceType=builder_type, MinCount=1, MaxCount=1,
                                UserData=user_data, KeyName="web-key", SecurityGroupIds=[sg])
    builder_id = builder["Instances"][0]["InstanceId"]
    ec2.create_tags(Resources=[builder_id], Tags=[{"Key": "Name", "Value": "web-builder"}])
    golden = ec2.create_image(InstanceId=builder_id, Name="web-golden")["ImageId"]
    device = ec2.describe_images(ImageIds=[golden])["Images"][0]["RootDeviceName"]
    mapping = [{"DeviceName": device, "Ebs": {"VolumeType": root[0], "Encrypted": root[1],
                                              "VolumeSize": 8}}] if root else []
    name_tag = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}]
    if style == "client":
        ec2.run_instances(ImageId=golden, InstanceType=web_type, MinCount=2, MaxCount=2,
                          KeyName="web-key", SecurityGroupIds=[sg], BlockDeviceMappings=mapping,
                          TagSpecifications=name_tag)
    elif style == "resource":
        instances = aws.resource("ec2").create_instances(
            ImageId=golden, InstanceType=web_type, MinCount=2, MaxCount=2, KeyName="web-key",
            SecurityGroupIds=[sg], BlockDeviceMappings=mapping)
        for instance in instances:
            instance.create_tags(Tags=[{"Key": "Name", "Value": "web"}])
    elif style == "launch-template":
        ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={
            "ImageId": golden, "InstanceType": web_type, "KeyName": "web-key",
            "SecurityGroupIds": [sg], "BlockDeviceMappings": mapping,
            "TagSpecifications": name_tag})
        ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "web"}, MinCount=2, MaxCount=2)
    if terminate:
        ec2.terminate_instances(InstanceIds=[builder_id])


def describe_images_lookup(aws):
    """The newest AL2023 x86_64 image found with describe_images filters, not SSM."""
    images = aws.client("ec2").describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023.*-kernel-6.1-x86_64"]},
        {"Name": "architecture", "Values": ["x86_64"]}])["Images"]
    return max(images, key=lambda i: i["CreationDate"])["ImageId"]


def arm64_image(aws):
    images = aws.client("ec2").describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023.*-arm64"]}])["Images"]
    return images[0]["ImageId"]


@pytest.mark.parametrize("style", ["client", "resource", "launch-template"])
def test_alternative_correct_solutions_get_full_marks(fresh_aws, style):
    aws = fresh_aws(LAB.id)
    build(aws, style=style)
    assert_full_marks(check_lab(LAB, aws), 15)


def test_ami_found_by_describe_images_filters_counts(fresh_aws):
    aws = fresh_aws(LAB.id)
    build(aws, builder_image=None, style="client")  # baseline uses SSM
    aws2 = fresh_aws(LAB.id)
    ec2 = aws2.client("ec2")
    image = describe_images_lookup(aws2)
    ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "Name", "Value": "web-builder"}]}])
    result = check_lab(LAB, aws2)
    assert "builder_runs_latest_al2023" not in failed(result)


@pytest.mark.parametrize("mistake, kwargs, lost, expected_score", [
    ("ssh open to the world", {"ssh_cidr": "0.0.0.0/0"}, ["security_group_rules"], 13),
    ("builder left running", {"terminate": False}, ["builder_terminated"], 14),
    ("unencrypted gp2 root", {"root": ("gp2", False)}, ["encrypted_gp3_root"], 13),
    ("no root mapping at all", {"root": None}, ["encrypted_gp3_root"], 13),
    ("wrong instance type", {"web_type": "t2.micro"}, ["two_web_instances"], 12),
    ("user data installs nothing", {"user_data": "#!/bin/bash\necho hello\n"},
     ["builder_user_data_installs_web_server"], 13),
])
def test_partly_wrong_variants_lose_exactly_their_points(fresh_aws, mistake, kwargs, lost,
                                                         expected_score):
    aws = fresh_aws(LAB.id)
    build(aws, **kwargs)
    result = check_lab(LAB, aws)
    assert failed(result) == lost, mistake
    assert result.score == expected_score
    for test in result.tests:
        if not test.passed:
            assert test.output and test.hint, "every failure needs a message and a hint"


def test_builder_from_arm64_image_is_rejected(fresh_aws):
    aws = fresh_aws(LAB.id)
    build(aws, builder_image=arm64_image(aws))
    result = check_lab(LAB, aws)
    assert failed(result) == ["builder_runs_latest_al2023"]
    assert "arm64" in result.tests[0].output


def test_same_state_gives_identical_results(fresh_aws):
    aws = fresh_aws(LAB.id)
    build(aws, ssh_cidr="0.0.0.0/0")
    assert check_lab(LAB, aws).to_dict() == check_lab(LAB, aws).to_dict()


def test_a_second_check_run_sees_what_changed_in_between(fresh_aws):
    """Reads shared within one run (aws.once) never leak into the next run."""
    aws = fresh_aws(LAB.id)
    build(aws, terminate=False)
    assert failed(check_lab(LAB, aws)) == ["builder_terminated"]
    ec2 = aws.client("ec2")
    builder = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["web-builder"]}])
    ec2.terminate_instances(InstanceIds=[builder["Reservations"][0]["Instances"][0]["InstanceId"]])
    assert failed(check_lab(LAB, aws)) == []
