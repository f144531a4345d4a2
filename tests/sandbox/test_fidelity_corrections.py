"""Each correction of the fidelity layer, against a real sandbox, with the AWS page it follows."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from grader.aws import AWS
from grader.sandbox import create_account

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
AL2023_AMI = "ami-0d27e0fb3bac4d724"
CONTAINERS = [{"name": "web", "image": "nginx", "memory": 512}]


@pytest.fixture
def aws(sandbox):
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))


def default_subnets(aws):
    subnets = aws.client("ec2").describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    return sorted(subnets, key=lambda s: s["AvailabilityZone"])


def error_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


@pytest.mark.parametrize("network", [{"networkMode": "bridge"}, {"networkMode": "host"}, {}])
def test_fargate_task_definition_without_awsvpc_is_rejected(aws, network):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
    "If using the Fargate launch type, the awsvpc network mode is required." """
    ecs = aws.client("ecs")
    error = error_of(lambda: ecs.register_task_definition(
        family="web", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=CONTAINERS, **network))
    assert error["Code"] == "ClientException"
    assert error["Message"] == "Fargate only supports network mode \u2018awsvpc\u2019."
    assert ecs.list_task_definitions(familyPrefix="web")["taskDefinitionArns"] == []


def test_fargate_task_definition_with_awsvpc_and_ec2_bridge_still_register(aws):
    ecs = aws.client("ecs")
    fargate = ecs.register_task_definition(
        family="web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
        memory="512", containerDefinitions=CONTAINERS)["taskDefinition"]
    ec2_bridge = ecs.register_task_definition(
        family="web", requiresCompatibilities=["EC2"], networkMode="bridge",
        containerDefinitions=CONTAINERS)["taskDefinition"]
    assert (fargate["networkMode"], ec2_bridge["networkMode"]) == ("awsvpc", "bridge")


def _fargate_service_setup(aws):
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="web-cluster", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.register_task_definition(family="web", requiresCompatibilities=["FARGATE"],
                                 networkMode="awsvpc", cpu="256", memory="512",
                                 containerDefinitions=CONTAINERS)
    subnet = default_subnets(aws)[0]["SubnetId"]
    return ecs, {"awsvpcConfiguration": {"subnets": [subnet]}}


def test_service_keeps_and_returns_its_capacity_provider_strategy(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
    (capacityProviderStrategy is part of the returned Service)."""
    ecs, network = _fargate_service_setup(aws)
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
                {"capacityProvider": "FARGATE", "weight": 1, "base": 1}]
    created = ecs.create_service(cluster="web-cluster", serviceName="web", taskDefinition="web",
                                 desiredCount=2, capacityProviderStrategy=strategy,
                                 networkConfiguration=network)["service"]
    described = ecs.describe_services(cluster="web-cluster", services=["web"])["services"][0]
    assert created["capacityProviderStrategy"] == strategy
    assert described["capacityProviderStrategy"] == strategy


def test_service_with_launch_type_and_strategy_is_rejected(aws):
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
    "If a capacityProviderStrategy is specified, the launchType parameter must be omitted." """
    ecs, network = _fargate_service_setup(aws)
    error = error_of(lambda: ecs.create_service(
        cluster="web-cluster", serviceName="web", taskDefinition="web", desiredCount=1,
        launchType="FARGATE", capacityProviderStrategy=[{"capacityProvider": "FARGATE"}],
        networkConfiguration=network))
    assert error["Code"] == "InvalidParameterException"


def test_run_instances_resolves_an_ssm_image_id(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/finding-an-ami-parameter-store.html
    ImageId "resolve:ssm:<parameter>" launches the AMI the parameter holds."""
    ec2 = aws.client("ec2")
    instance = ec2.run_instances(ImageId=f"resolve:ssm:{AL2023}", InstanceType="t3.micro",
                                 MinCount=1, MaxCount=1)["Instances"][0]
    assert instance["ImageId"] == AL2023_AMI
    error = error_of(lambda: ec2.run_instances(ImageId="resolve:ssm:/no/such/parameter",
                                               InstanceType="t3.micro", MinCount=1,
                                               MaxCount=1))
    assert error["Code"] == "InvalidParameterValue" and "/no/such/parameter" in error["Message"]


def test_launch_template_keeps_resolve_ssm_and_instances_get_the_ami(aws):
    """https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html
    The template stores the parameter; each launch resolves it."""
    ec2 = aws.client("ec2")
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": f"resolve:ssm:{AL2023}", "InstanceType": "t3.micro"})
    data = ec2.describe_launch_template_versions(LaunchTemplateName="web-lt")[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]
    instance = ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "web-lt"},
                                 MinCount=1, MaxCount=1)["Instances"][0]
    assert data["ImageId"] == f"resolve:ssm:{AL2023}"
    assert instance["ImageId"] == AL2023_AMI


def test_launch_template_version_inherits_its_source_version(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html
    "the new version inherits the launch parameters from the source version. If you specify
    additional launch parameters for the new version, they overwrite ..." """
    ec2 = aws.client("ec2")
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": AL2023_AMI, "InstanceType": "t3.micro", "UserData": "ZWNobyBoaQ=="})
    version = ec2.create_launch_template_version(
        LaunchTemplateName="web-lt", SourceVersion="1",
        LaunchTemplateData={"InstanceType": "t3.small"})["LaunchTemplateVersion"]
    assert version["LaunchTemplateData"] == {"ImageId": AL2023_AMI, "InstanceType": "t3.small",
                                             "UserData": "ZWNobyBoaQ=="}
    without = ec2.create_launch_template_version(
        LaunchTemplateName="web-lt", LaunchTemplateData={"InstanceType": "t3.large"})
    assert without["LaunchTemplateVersion"]["LaunchTemplateData"] == {"InstanceType": "t3.large"}


@pytest.mark.parametrize("name", ["Prefix", "prefix", "Suffix", "SUFFIX"])
def test_notification_filter_rule_names_in_any_case(aws, name):
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_FilterRule.html
    (Name: prefix or suffix; S3 accepts either case)."""
    s3, bucket = aws.client("s3"), f"uploads-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    queue = aws.client("sqs").create_queue(QueueName="uploads")["QueueUrl"]
    arn = aws.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"], "Filter": {
            "Key": {"FilterRules": [{"Name": name, "Value": "in/"}]}}}]})
    rules = s3.get_bucket_notification_configuration(Bucket=bucket)[
        "QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"]
    assert rules == [{"Name": name.lower(), "Value": "in/"}]


def test_notification_filter_rule_with_another_name_is_invalid_argument(aws):
    s3, bucket = aws.client("s3"), f"uploads-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    error = error_of(lambda: s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "contains", "Value": "x"}]}}}]}))
    assert error["Code"] == "InvalidArgument"


def _web_tier(aws, zones=2, **group):
    """A target group behind an ALB in the first ``zones`` default subnets, and an Auto
    Scaling group from a launch template in every default subnet."""
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    subnets = default_subnets(aws)
    vpc = subnets[0]["VpcId"]
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": AL2023_AMI, "InstanceType": "t3.micro"})
    tg = elb.create_target_group(Name="web-tg", Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"][0]["TargetGroupArn"]
    lb = elb.create_load_balancer(Name="web-alb", Subnets=[s["SubnetId"] for s in
                                                           subnets[:zones]])
    elb.create_listener(LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"],
                        Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    settings = {"AutoScalingGroupName": "web-asg", "MinSize": 1, "MaxSize": 6,
                "DesiredCapacity": 1,
                "LaunchTemplate": {"LaunchTemplateName": "web-lt", "Version": "$Latest"},
                "VPCZoneIdentifier": ",".join(s["SubnetId"] for s in subnets), **group}
    settings = {k: v for k, v in settings.items() if v is not None}
    aws.client("autoscaling").create_auto_scaling_group(**settings)
    return tg, subnets


def test_mixed_instances_policy_launches_the_first_override_type(aws):
    """https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateOverrides.html
    (InstanceType overrides replace the template's; prioritized: the first is used first)."""
    template = {"LaunchTemplateSpecification": {"LaunchTemplateName": "web-lt",
                                                "Version": "$Latest"},
                "Overrides": [{"InstanceType": "t3a.micro"}, {"InstanceType": "t3.small"}]}
    _web_tier(aws, LaunchTemplate=None, MixedInstancesPolicy={"LaunchTemplate": template})
    group = aws.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"][0]
    assert {i["InstanceType"] for i in group["Instances"]} == {"t3a.micro"}
    assert group["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"] == template["Overrides"]


def test_traffic_sources_attach_describe_and_detach_a_target_group(aws):
    """https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AttachTrafficSources.html
    https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeTrafficSources.html"""
    tg, _ = _web_tier(aws)
    autoscaling = aws.client("autoscaling")
    autoscaling.attach_traffic_sources(AutoScalingGroupName="web-asg",
                                       TrafficSources=[{"Identifier": tg, "Type": "elbv2"}])
    sources = autoscaling.describe_traffic_sources(AutoScalingGroupName="web-asg")[
        "TrafficSources"]
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])[
        "AutoScalingGroups"][0]
    assert [(s["Identifier"], s["Type"], s["State"]) for s in sources] == [
        (tg, "elbv2", "Added")]
    assert group["TargetGroupARNs"] == [tg]
    autoscaling.detach_traffic_sources(AutoScalingGroupName="web-asg",
                                       TrafficSources=[{"Identifier": tg, "Type": "elbv2"}])
    assert autoscaling.describe_traffic_sources(AutoScalingGroupName="web-asg")[
        "TrafficSources"] == []
    error = error_of(lambda: autoscaling.describe_traffic_sources(AutoScalingGroupName="nope"))
    assert error["Code"] == "ValidationError" and "nope" in error["Message"]


def test_target_health_is_unused_outside_the_load_balancers_zones(aws):
    """https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
    "Target.NotInUse - ... the target is in an Availability Zone that is not enabled for its
    load balancer." """
    tg, subnets = _web_tier(aws)
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    inside, outside = (ec2.run_instances(ImageId=AL2023_AMI, InstanceType="t3.micro",
                                         MinCount=1, MaxCount=1, SubnetId=s["SubnetId"])[
        "Instances"][0]["InstanceId"] for s in (subnets[0], subnets[-1]))
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": inside}, {"Id": outside}])
    health = {d["Target"]["Id"]: d["TargetHealth"] for d in elb.describe_target_health(
        TargetGroupArn=tg, Targets=[{"Id": inside}, {"Id": outside}])[
        "TargetHealthDescriptions"]}
    assert health[inside] == {"State": "healthy"}
    assert health[outside]["State"] == "unused"
    assert health[outside]["Reason"] == "Target.NotInUse"


def test_batch_service_linked_role_has_the_documented_name(aws):
    """https://docs.aws.amazon.com/batch/latest/userguide/using-service-linked-roles.html
    (the role is named AWSServiceRoleForBatch)."""
    iam = aws.client("iam")
    iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")
    role = iam.get_role(RoleName="AWSServiceRoleForBatch")["Role"]
    assert role["Path"] == "/aws-service-role/batch.amazonaws.com/"


def test_describe_snapshots_for_self_lists_only_the_accounts_snapshots(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshots.html
    (OwnerIds: "self" = snapshots the caller owns)."""
    ec2 = aws.client("ec2")
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    mine = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    owned = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert [s["SnapshotId"] for s in owned] == [mine]
    assert len(ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"]) > 100


def test_root_mapping_without_size_inherits_it_from_the_image(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html
    VolumeSize: "If you're creating the volume from a snapshot and don't specify a volume
    size, the default is the snapshot size." A learner sets only type and encryption."""
    ec2 = aws.client("ec2")
    root = ec2.describe_images(ImageIds=[AL2023_AMI])["Images"][0]["RootDeviceName"]
    mapping = [{"DeviceName": root, "Ebs": {"VolumeType": "gp3", "Encrypted": True}}]
    instance = ec2.run_instances(ImageId=AL2023_AMI, InstanceType="t3.micro", MinCount=1,
                                 MaxCount=1, BlockDeviceMappings=mapping)["Instances"][0]
    volumes = ec2.describe_volumes(Filters=[
        {"Name": "attachment.instance-id", "Values": [instance["InstanceId"]]}])["Volumes"]
    root_volume = next(v for v in volumes if v["Attachments"][0]["Device"] == root)
    assert root_volume["VolumeType"] == "gp3" and root_volume["Encrypted"]
    assert root_volume["Size"] > 0
    other = [{"DeviceName": "/dev/sdz", "Ebs": {"VolumeType": "gp3"}}]
    error = error_of(lambda: ec2.run_instances(ImageId=AL2023_AMI, InstanceType="t3.micro",
                                               MinCount=1, MaxCount=1,
                                               BlockDeviceMappings=other))
    assert error["Code"] == "MissingParameter"
