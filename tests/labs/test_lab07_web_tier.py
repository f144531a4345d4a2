"""Lab 07 against a real moto server: what its corpus (tests/labs/corpus/07-web-tier) does not
show: an own VPC, several template versions with overrides, the instance-type rules moto cannot
launch, the set-up account, and Region reporting."""

from __future__ import annotations

from pathlib import Path

from labkit import assert_full_marks, load_module, output, points_of

from grader.labs import find_lab
from grader.labs.solve import run_solution
from grader.session import check_lab

LAB = find_lab("07")
FULL = sum(points_of(LAB).values())
CORPUS = Path(__file__).resolve().parent / "corpus" / LAB.id
HTTP = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}
WORLD = {**HTTP, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
SSM_AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def default_network(ec2):
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                            {"Name": "default-for-az", "Values": ["true"]}])
    by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets["Subnets"]}
    return vpc["VpcId"], by_zone


def test_mixed_instances_later_attachment_and_network_interface_groups_get_full_marks(
        fresh_aws):
    """Template by id at $Default whose version 1 was wrong and version 2 (made default)
    sets groups on a network interface, a Graviton type in the template replaced by x86
    overrides in the policy (moto launches the template's type; AWS the overrides'), the
    target group attached after creation, an ALB from SubnetMappings, a weighted
    ForwardConfig, IPv6 to the ALB, SSH from one CIDR and all traffic from the ALB group."""
    aws = fresh_aws(LAB.id)
    ec2, elb, autoscaling = aws.client("ec2"), aws.client("elbv2"), aws.client("autoscaling")
    vpc, by_zone = default_network(ec2)
    subnets = [by_zone["us-east-1b"], by_zone["us-east-1c"]]
    alb = ec2.create_security_group(GroupName="web-alb-sg", Description="alb",
                                    VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb, IpPermissions=[
        {**WORLD, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    instance = ec2.create_security_group(GroupName="web-instance-sg", Description="instances",
                                         VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=instance, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": alb}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "203.0.113.10/32"}]}])
    golden = ec2.describe_images(Owners=["self"], Filters=[
        {"Name": "name", "Values": ["web-golden"]}])["Images"][0]["ImageId"]
    plain = aws.client("ssm").get_parameter(Name=SSM_AL2023)["Parameter"]["Value"]
    template = ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": plain, "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=template, LaunchTemplateData={
        "ImageId": golden, "InstanceType": "t4g.micro", "NetworkInterfaces": [
            {"DeviceIndex": 0, "Groups": [instance], "AssociatePublicIpAddress": True}]})
    ec2.modify_launch_template(LaunchTemplateId=template, DefaultVersion="2")
    tg = elb.create_target_group(Name="web-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                 HealthCheckPath="/health", HealthCheckPort="80")[
        "TargetGroups"][0]["TargetGroupArn"]
    lb = elb.create_load_balancer(Name="web-alb", SubnetMappings=[
        {"SubnetId": s} for s in subnets], SecurityGroups=[alb])["LoadBalancers"][0]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "ForwardConfig": {
                            "TargetGroups": [{"TargetGroupArn": tg, "Weight": 10}]}}])
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web-asg", MinSize=2, MaxSize=4, DesiredCapacity=2,
        VPCZoneIdentifier=",".join(subnets), MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": template,
                                                "Version": "$Default"},
                "Overrides": [{"InstanceType": "t3.micro"}, {"InstanceType": "t3a.micro"}]},
            "InstancesDistribution": {"OnDemandBaseCapacity": 2}})
    autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName="web-asg",
                                                   TargetGroupARNs=[tg])
    # Not update_auto_scaling_group: moto drops the MixedInstancesPolicy on any update.
    autoscaling.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=3)
    assert_full_marks(check_lab(LAB, aws), FULL)


def test_own_vpc_with_an_internet_gateway_gets_full_marks(fresh_aws):
    """A new VPC with two public subnets (own route table to a new internet gateway), a
    template by id at a version number, and min 3 / max 6."""
    aws = fresh_aws(LAB.id)
    ec2, elb, autoscaling = aws.client("ec2"), aws.client("elbv2"), aws.client("autoscaling")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    subnets = []
    for number, zone in enumerate(["us-east-1a", "us-east-1d"]):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{number}.0/24",
                                   AvailabilityZone=zone)["Subnet"]["SubnetId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        subnets.append(subnet)
    ec2.create_security_group(GroupName="web-alb-sg", Description="decoy in default VPC")
    alb = ec2.create_security_group(GroupName="web-alb-sg", Description="alb",
                                    VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb, IpPermissions=[WORLD])
    instance = ec2.create_security_group(GroupName="web-instance-sg", Description="instances",
                                         VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=instance, IpPermissions=[
        {**HTTP, "UserIdGroupPairs": [{"GroupId": alb}]}])
    golden = ec2.describe_images(Owners=["self"], Filters=[
        {"Name": "name", "Values": ["web-golden"]}])["Images"][0]["ImageId"]
    template = ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": golden, "InstanceType": "m5.large", "SecurityGroupIds": [instance]})
    tg = elb.create_target_group(Name="web-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                 HealthCheckProtocol="HTTP", HealthCheckPath="/health",
                                 HealthCheckEnabled=True)["TargetGroups"][0]["TargetGroupArn"]
    lb = elb.create_load_balancer(Name="web-alb", Subnets=subnets, SecurityGroups=[alb])
    elb.create_listener(LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"],
                        Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web-asg", MinSize=3, MaxSize=6, DesiredCapacity=3,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"],
                        "Version": "1"},
        VPCZoneIdentifier=",".join(subnets), TargetGroupARNs=[tg])
    assert_full_marks(check_lab(LAB, aws), FULL)


def test_overrides_replace_the_template_type_and_attribute_based_types_pass():
    """What moto cannot launch: AWS uses the overrides' types instead of the template's, and
    picks types that fit the AMI itself for InstanceRequirements."""
    checks = load_module(LAB)

    def mixed(*overrides):
        return {"MixedInstancesPolicy": {"LaunchTemplate": {"Overrides": list(overrides)}}}

    assert checks._instance_types({"InstanceType": "t4g.micro"},
                                  mixed({"InstanceType": "t3.micro"})) == ["t3.micro"]
    assert checks._instance_types({}, mixed({"InstanceRequirements": {
        "VCpuCount": {"Min": 2}, "MemoryMiB": {"Min": 1024}}})) is None
    assert checks._instance_types({"InstanceType": "t3.micro"}, None) == ["t3.micro"]
    assert checks._instance_types({}, mixed()) == []


def test_setup_bakes_web_golden_and_makes_the_default_vpc_public(fresh_aws):
    ec2 = fresh_aws(LAB.id).client("ec2")
    images = ec2.describe_images(Owners=["self"], Filters=[
        {"Name": "name", "Values": ["web-golden"]}])["Images"]
    assert [i["Architecture"] for i in images] == ["x86_64"]
    vpc, by_zone = default_network(ec2)
    assert len(by_zone) >= 2
    assert ec2.describe_internet_gateways(Filters=[
        {"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"]


def test_same_state_gives_identical_results(fresh_aws):
    aws = fresh_aws(LAB.id)
    run_solution(CORPUS / "bad_instances_open_to_world.py", aws)
    assert check_lab(LAB, aws).to_dict() == check_lab(LAB, aws).to_dict()


def test_a_tier_built_in_another_region_is_reported_there_not_as_missing(fresh_aws):
    aws = fresh_aws(LAB.id)
    run_solution(CORPUS / "bad_everything_in_eu_west_1.py", aws)
    result = check_lab(LAB, aws)
    assert "found in eu-west-1; the lab grades us-east-1" in output(result, "load_balancer")
    assert "found in eu-west-1" in output(result, "auto_scaling_group")
