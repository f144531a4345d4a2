"""Lab 07 against a real moto server: each broken rule loses exactly its checks' points, and
alternative correct solutions (mixed instances policy, a later attachment, an own VPC...) get
full marks."""

from __future__ import annotations

import pytest
from labkit import (
    assert_broken_rule,
    assert_full_marks,
    load_module,
    points_of,
    scorer,
)

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("07")
POINTS = points_of(LAB)
FULL = sum(POINTS.values())
score_without = scorer(POINTS)
HTTP = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}
WORLD = {**HTTP, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
SSM_AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def default_network(ec2):
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                            {"Name": "default-for-az", "Values": ["true"]}])
    by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets["Subnets"]}
    return vpc["VpcId"], by_zone


def build(aws, *, alb_rules=(WORLD,), instance_rules="alb", instance_vpc=None, image="golden",
          instance_type="t3.micro", template_groups=("instance",), tg=None, scheme=None,
          alb_subnets="two-az", alb_sg=True, listener=80, forward="web-tg", asg_template="name",
          asg_subnets="two-az", sizes=(2, 4, 2), attach="create", scale=3, deregister=0,
          new_version=None, scale_with="set"):
    """Lab 07 done one way; keyword arguments introduce one mistake each.

    ``new_version`` adds template version 2 (changes to version 1's data; None removes a
    key) after the group has launched, which the group's '$Latest' then refers to.
    """
    ec2, elb, autoscaling = aws.client("ec2"), aws.client("elbv2"), aws.client("autoscaling")
    vpc, by_zone = default_network(ec2)
    a, b = by_zone["us-east-1a"], by_zone["us-east-1b"]

    alb = ec2.create_security_group(GroupName="web-alb-sg", Description="alb",
                                    VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb, IpPermissions=list(alb_rules))
    other_vpc = instance_vpc and ec2.create_vpc(CidrBlock=instance_vpc)["Vpc"]["VpcId"]
    instance = ec2.create_security_group(GroupName="web-instance-sg", Description="instances",
                                         VpcId=other_vpc or vpc)["GroupId"]
    rules = {
        "alb": [{**HTTP, "UserIdGroupPairs": [{"GroupId": alb}]}],
        "none": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                  "IpRanges": [{"CidrIp": "203.0.113.10/32"}]}],
        "world": [WORLD],
        "alb+ssh-world": [{**HTTP, "UserIdGroupPairs": [{"GroupId": alb}]},
                          {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                           "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        "alb+ssh-office": [{**HTTP, "UserIdGroupPairs": [{"GroupId": alb}]},
                           {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                            "IpRanges": [{"CidrIp": "203.0.113.10/32"}]}],
        "alb+office": [{**HTTP, "UserIdGroupPairs": [{"GroupId": alb}],
                        "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
        "alb+self": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": alb},
                                                               {"GroupId": instance}]}],
    }[instance_rules]
    ec2.authorize_security_group_ingress(GroupId=instance, IpPermissions=rules)

    golden = ec2.describe_images(Owners=["self"], Filters=[
        {"Name": "name", "Values": ["web-golden"]}])["Images"][0]["ImageId"]
    ami = golden if image == "golden" else aws.client("ssm").get_parameter(
        Name=SSM_AL2023)["Parameter"]["Value"]
    group_ids = [{"instance": instance, "alb": alb}[g] for g in template_groups]
    data = {"ImageId": ami, "InstanceType": instance_type, "SecurityGroupIds": group_ids}
    template = ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData=data)

    settings = {"Name": "web-tg", "Protocol": "HTTP", "Port": 80, "VpcId": vpc,
                "TargetType": "instance", "HealthCheckPath": "/health",
                "Matcher": {"HttpCode": "200"}}
    settings.update(tg or {})
    if settings.get("VpcId") == "other":
        settings["VpcId"] = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    enabled = settings.pop("HealthCheckEnabled", True)
    tg_arn = elb.create_target_group(**{k: v for k, v in settings.items() if v is not None})[
        "TargetGroups"][0]["TargetGroupArn"]
    if not enabled:  # moto ignores HealthCheckEnabled=False on create_target_group
        elb.modify_target_group(TargetGroupArn=tg_arn, HealthCheckEnabled=False)

    subnets = {"two-az": [a, b],
               "one-az": [a, ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.96.0/20",
                                               AvailabilityZone="us-east-1a")["Subnet"][
                   "SubnetId"]] if "one-az" in (alb_subnets, asg_subnets) else None,
               "private": [a, private_subnet(ec2, vpc)] if alb_subnets == "private" else None}
    lb = elb.create_load_balancer(Name="web-alb", Subnets=subnets[alb_subnets],
                                  SecurityGroups=[alb] if alb_sg else [],
                                  Scheme=scheme or "internet-facing", Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    target = tg_arn if forward == "web-tg" else elb.create_target_group(
        Name="web-tg-old", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0][
        "TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=listener,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": target}])

    minimum, maximum, desired = sizes
    kwargs = {"AutoScalingGroupName": "web-asg", "MinSize": minimum, "MaxSize": maximum,
              "DesiredCapacity": desired, "VPCZoneIdentifier": ",".join(subnets[asg_subnets])}
    if attach == "create":
        kwargs["TargetGroupARNs"] = [tg_arn]
    if asg_template in ("name", "missing version"):
        kwargs["LaunchTemplate"] = {"LaunchTemplateName": "web-lt", "Version": "$Latest"}
    elif asg_template == "launch configuration":
        autoscaling.create_launch_configuration(
            LaunchConfigurationName="web-lc", ImageId=golden, InstanceType="t3.micro",
            SecurityGroups=[instance])
        kwargs["LaunchConfigurationName"] = "web-lc"
    elif asg_template == "other template":
        ec2.create_launch_template(LaunchTemplateName="web-lt-test", LaunchTemplateData=data)
        kwargs["LaunchTemplate"] = {"LaunchTemplateName": "web-lt-test"}
    else:
        kwargs["LaunchTemplate"] = {"LaunchTemplateId": template["LaunchTemplate"][
            "LaunchTemplateId"]}
    autoscaling.create_auto_scaling_group(**kwargs)
    if attach == "later":
        autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName="web-asg",
                                                       TargetGroupARNs=[tg_arn])
    if scale and scale_with == "update":
        autoscaling.update_auto_scaling_group(AutoScalingGroupName="web-asg",
                                              DesiredCapacity=scale)
    elif scale:
        autoscaling.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=scale)
    if deregister:
        group = autoscaling.describe_auto_scaling_groups(
            AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"][0]
        elb.deregister_targets(TargetGroupArn=tg_arn, Targets=[
            {"Id": i["InstanceId"]} for i in group["Instances"][:deregister]])
    if asg_template == "missing version":  # moto cannot launch from it, so set it last
        autoscaling.update_auto_scaling_group(AutoScalingGroupName="web-asg", LaunchTemplate={
            "LaunchTemplateName": "web-lt", "Version": "9"})
    if new_version is not None:
        changed = {k: v for k, v in {**data, **new_version}.items() if v is not None}
        ec2.create_launch_template_version(LaunchTemplateName="web-lt",
                                           LaunchTemplateData=changed)


def teardown(aws):
    """Delete everything build() makes, so the shared account can be built again."""
    ec2, elb, autoscaling = aws.client("ec2"), aws.client("elbv2"), aws.client("autoscaling")
    for group in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]:
        autoscaling.delete_auto_scaling_group(
            AutoScalingGroupName=group["AutoScalingGroupName"], ForceDelete=True)
    for config in autoscaling.describe_launch_configurations()["LaunchConfigurations"]:
        autoscaling.delete_launch_configuration(
            LaunchConfigurationName=config["LaunchConfigurationName"])
    for balancer in elb.describe_load_balancers()["LoadBalancers"]:
        elb.delete_load_balancer(LoadBalancerArn=balancer["LoadBalancerArn"])
    for target_group in elb.describe_target_groups()["TargetGroups"]:
        elb.delete_target_group(TargetGroupArn=target_group["TargetGroupArn"])
    for template in ec2.describe_launch_templates()["LaunchTemplates"]:
        ec2.delete_launch_template(LaunchTemplateId=template["LaunchTemplateId"])
    groups = [g for g in ec2.describe_security_groups()["SecurityGroups"]
              if g["GroupName"] != "default"]
    for group in groups:
        if group["IpPermissions"]:
            ec2.revoke_security_group_ingress(GroupId=group["GroupId"],
                                              IpPermissions=group["IpPermissions"])
    for group in groups:
        ec2.delete_security_group(GroupId=group["GroupId"])
    for subnet in ec2.describe_subnets()["Subnets"]:
        if not subnet["DefaultForAz"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for vpc in ec2.describe_vpcs()["Vpcs"]:
        if not vpc["IsDefault"]:
            ec2.delete_vpc(VpcId=vpc["VpcId"])


@pytest.fixture(scope="module")
def shared_aws(lab_account):
    """One set-up account that each variant tears down and builds again (a fresh account
    with its golden AMI costs about twice as much)."""
    return lab_account(LAB.id)


def private_subnet(ec2, vpc):
    """A subnet with its own route table: local routes only, no internet gateway."""
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.112.0/20",
                               AvailabilityZone="us-east-1c")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return subnet


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


def test_alternative_build_styles_get_full_marks(shared_aws):
    """build() with the template by id, attached later, scaled with
    update_auto_scaling_group, SSH from one office CIDR and 443 open on the load balancer;
    also proves teardown() leaves a clean account."""
    aws = shared_aws
    build(aws, asg_template="missing version", tg={"TargetType": "ip"})
    teardown(aws)
    build(aws, asg_template="id", attach="later", scale_with="update",
          instance_rules="alb+ssh-office", alb_rules=(WORLD, {"IpProtocol": "tcp", "FromPort": 443,
                                                   "ToPort": 443,
                                                   "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}))
    assert_full_marks(check_lab(LAB, aws), FULL)


# (rule number in lab.toml `rules`, mistake, build() arguments, checks lost, message part)
VARIANTS = [
    (0, "ALB group open to IPv6 only",
     {"alb_rules": ({**HTTP, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},)},
     ["security_groups"], "over IPv4"),
    (0, "ALB group open on 8080 only",
     {"alb_rules": ({**WORLD, "FromPort": 8080, "ToPort": 8080},)},
     ["security_groups"], "does not allow tcp 80 from 0.0.0.0/0"),
    (1, "instance group without an ALB rule", {"instance_rules": "none"},
     ["security_groups"], "does not allow tcp 80 from web-alb-sg"),
    (1, "instance group in another VPC", {"instance_vpc": "10.7.0.0/16"},
     ["security_groups"], "different VPCs"),
    (2, "instances open to the world on 80", {"instance_rules": "world"},
     ["security_groups"], "whole internet"),
    (2, "SSH open to the world", {"instance_rules": "alb+ssh-world"},
     ["security_groups"], "whole internet"),
    (2, "an office CIDR on port 80 too", {"instance_rules": "alb+office"},
     ["security_groups"], "10.0.0.0/8"),
    (2, "all traffic from itself", {"instance_rules": "alb+self"},
     ["security_groups"], "web-instance-sg itself"),
    (3, "template from plain Amazon Linux", {"image": "al2023"},
     ["launch_template"], "web-golden"),
    (3, "group asks for a missing version", {"asg_template": "missing version"},
     ["launch_template"], "does not exist"),
    (4, "Graviton instance type", {"instance_type": "t4g.micro"},
     ["launch_template"], "arm64"),
    (4, "new version without an instance type", {"new_version": {"InstanceType": None}},
     ["launch_template"], "no instance type"),
    (5, "template also in the ALB group", {"template_groups": ("instance", "alb")},
     ["launch_template"], "web-alb-sg"),
    (5, "template without groups", {"template_groups": ()},
     ["launch_template"], "default group"),
    (6, "ip targets", {"tg": {"TargetType": "ip"}}, ["target_group"], "'instance'"),
    (6, "HTTP on 8080", {"tg": {"Port": 8080}}, ["target_group"], "HTTP:8080"),
    (7, "default health check path", {"tg": {"HealthCheckPath": None}},
     ["target_group"], "'/'"),
    (7, "any 2xx or 3xx is healthy", {"tg": {"Matcher": {"HttpCode": "200-399"}}},
     ["target_group"], "200-399"),
    (7, "health check disabled", {"tg": {"HealthCheckEnabled": False}},
     ["target_group"], "disabled"),
    (8, "internal load balancer", {"scheme": "internal"}, ["load_balancer"], "internal"),
    (9, "two subnets in one zone", {"alb_subnets": "one-az"}, ["load_balancer"],
     "one subnet per zone"),
    (10, "private subnet", {"alb_subnets": "private"}, ["load_balancer"], "us-east-1c"),
    (11, "no security group on the ALB", {"alb_sg": False}, ["load_balancer"],
     "does not use web-alb-sg"),
    (12, "listener on 8080", {"listener": 8080}, ["listener"], "HTTP:8080"),
    (12, "forwards to another target group", {"forward": "other"}, ["listener"],
     "forward only to web-tg"),
    (12, "target group in another VPC", {"tg": {"VpcId": "other"}},
     ["auto_scaling_group", "listener"], "web-tg's VPC"),
    (13, "launch configuration", {"asg_template": "launch configuration"},
     ["auto_scaling_group"], "launch configuration"),
    (13, "another template", {"asg_template": "other template"},
     ["auto_scaling_group"], "does not launch from web-lt"),
    (14, "group in one zone", {"asg_subnets": "one-az"}, ["auto_scaling_group"],
     "one Availability Zone"),
    (15, "minimum of 1", {"sizes": (1, 4, 2)}, ["auto_scaling_group"], "MinSize 1"),
    (15, "maximum of 2, scaled past it", {"sizes": (2, 2, 2)},
     ["auto_scaling_group", "scaled_to_three"], "MaxSize 2"),
    (16, "target group never attached", {"attach": None},
     ["auto_scaling_group", "scaled_to_three"], "not attached"),
    (17, "never scaled", {"scale": None}, ["scaled_to_three"], "desired capacity of 2"),
    (18, "one instance deregistered by hand", {"deregister": 1}, ["scaled_to_three"],
     "2 of web-asg's 3 instances"),
]


@pytest.mark.parametrize("rule, mistake, kwargs, lost, message",
                         VARIANTS, ids=[v[1] for v in VARIANTS])
def test_each_broken_rule_loses_exactly_its_checks(shared_aws, rule, mistake, kwargs, lost,
                                                   message):
    aws = shared_aws
    teardown(aws)
    build(aws, **kwargs)
    assert_broken_rule(check_lab(LAB, aws), aws, lost, message, score_without)


def test_every_rule_has_a_failing_variant():
    assert {v[0] for v in VARIANTS} == set(range(len(LAB.rules)))


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
    build(aws, instance_rules="world", scale=None)
    assert check_lab(LAB, aws).to_dict() == check_lab(LAB, aws).to_dict()
