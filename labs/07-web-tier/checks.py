"""Checks for lab 07: the web tier Elastic Beanstalk builds, built by hand.

moto stores load balancers, target groups and Auto Scaling groups as given and validates
almost none of AWS's rules: it accepts an ALB in one Availability Zone, a listener that
forwards to a target group in another VPC, an Auto Scaling group pointing at a launch
template version that does not exist and a desired capacity above the maximum. These checks
enforce those rules; every rule is listed in lab.toml ``rules``. The checks read state
through boto3 only, so they run unchanged against the sandbox or a real account.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from grader import check, fail
from grader.kit.concurrent_reads import read_concurrently
from grader.kit.lookups import error_code, or_none
from grader.kit.other_regions import missing

GOLDEN = "web-golden"
ALB_SG = "web-alb-sg"
INSTANCE_SG = "web-instance-sg"
TEMPLATE = "web-lt"
TARGET_GROUP = "web-tg"
LOAD_BALANCER = "web-alb"
GROUP = "web-asg"
SCALED = 3
REGISTERED = ("healthy", "initial")
WORLD = ("0.0.0.0/0", "::/0")
AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
GOLDEN_USER_DATA = """#!/bin/bash
dnf install -y httpd
echo ok > /var/www/html/health
systemctl enable --now httpd
"""


def setup(aws):
    """Give the account what a real one has and what lab 01 built.

    A real default VPC has an internet gateway and a 0.0.0.0/0 route to it; moto's has
    neither. The web-golden AMI is baked the lab 01 way: a builder whose user data installs
    httpd and a /health page, captured as an image, then terminated.
    """
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    vpc_id = vpc["VpcId"]
    if not ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        main = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
        ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                         GatewayId=igw)
    ami = aws.client("ssm").get_parameter(Name=AL2023)["Parameter"]["Value"]
    builder = ec2.run_instances(
        ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
        UserData=GOLDEN_USER_DATA, TagSpecifications=[{
            "ResourceType": "instance",
            "Tags": [{"Key": "Name", "Value": "web-golden-builder"}]}],
    )["Instances"][0]["InstanceId"]
    ec2.create_image(InstanceId=builder, Name=GOLDEN,
                     Description="Amazon Linux 2023 with httpd serving /health")
    ec2.terminate_instances(InstanceIds=[builder])


# --- reading state --------------------------------------------------------------------


def _named_load_balancer(elb):
    return or_none(lambda: elb.describe_load_balancers(Names=[LOAD_BALANCER])["LoadBalancers"][0],
                   "LoadBalancerNotFound")


def _named_target_group(elb):
    return or_none(lambda: elb.describe_target_groups(Names=[TARGET_GROUP])["TargetGroups"][0],
                   "TargetGroupNotFound")


def _named_group(autoscaling):
    groups = autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=[GROUP])["AutoScalingGroups"]
    return groups[0] if groups else None


def _named_template(ec2):
    try:
        return ec2.describe_launch_templates(LaunchTemplateNames=[TEMPLATE])["LaunchTemplates"][0]
    except ClientError as exc:
        if error_code(exc).startswith("InvalidLaunchTemplateName"):
            return None
        raise


# Each read happens at most once per "Check my work" (aws.once): the checks judge the same
# few resources against each other, so they share them.


def _load_balancer(aws):
    return aws.once("web-alb", lambda: _named_load_balancer(aws.client("elbv2")))


def _target_group(aws):
    return aws.once("web-tg", lambda: _named_target_group(aws.client("elbv2")))


def _auto_scaling_group(aws):
    return aws.once("web-asg", lambda: _named_group(aws.client("autoscaling")))


def _template(aws):
    return aws.once("web-lt", lambda: _named_template(aws.client("ec2")))


def _all_security_groups(aws):
    return aws.once("security-groups", lambda: [
        g for page in aws.client("ec2").get_paginator("describe_security_groups").paginate()
        for g in page["SecurityGroups"]])


def _groups_named(aws, name):
    groups = [g for g in _all_security_groups(aws) if g["GroupName"] == name]
    return sorted(groups, key=lambda g: (g["VpcId"], g["GroupId"]))


def _groups_by_id(aws, ids):
    return [g for g in _all_security_groups(aws) if g["GroupId"] in set(ids)]


def _security_groups(aws):
    """(web-alb-sg, web-instance-sg), either None; the ones that belong together if there
    are several of a name (one per VPC)."""
    albs, instances = _groups_named(aws, ALB_SG), _groups_named(aws, INSTANCE_SG)
    balancer = _load_balancer(aws)
    attached = set(balancer.get("SecurityGroups") or []) if balancer else set()
    alb = next((g for g in albs if g["GroupId"] in attached), albs[0] if albs else None)
    vpc = alb["VpcId"] if alb else None
    instance = next((g for g in instances if g["VpcId"] == vpc),
                    instances[0] if instances else None)
    return alb, instance


def _golden(aws):
    return aws.once("golden", lambda: aws.client("ec2").describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [GOLDEN]}])["Images"])


def _sg_finder(name):
    return lambda ec2: ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]


def _footprint(ec2):
    """Any of the lab's security groups: every way through the lab makes one first."""
    return ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [ALB_SG, INSTANCE_SG]}])["SecurityGroups"]


def _absent(aws, message, what, service, found):
    """``message``, or where ``what`` was made instead when it exists in another Region
    (asked only in the Regions where the lab's security groups were made)."""
    return missing(aws, message, what, service, found, key=what, footprint=("ec2", _footprint))


def _template_spec(group):
    """The launch template reference of an Auto Scaling group, however it was given."""
    if group.get("LaunchTemplate"):
        return group["LaunchTemplate"]
    mixed = group.get("MixedInstancesPolicy") or {}
    return (mixed.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification")


def _uses_template(group, template):
    spec = _template_spec(group) or {}
    return template is not None and (
        spec.get("LaunchTemplateId") == template["LaunchTemplateId"]
        or spec.get("LaunchTemplateName") == TEMPLATE)


def _subnets(aws, ids):
    """The subnets with these ids (all of the account's read once per run)."""
    subnets = aws.once("subnets", lambda: [
        s for page in aws.client("ec2").get_paginator("describe_subnets").paginate()
        for s in page["Subnets"]])
    return [s for s in subnets if s["SubnetId"] in set(ids)]


# --- security group rules -------------------------------------------------------------


def _covers(rule, port):
    if rule["IpProtocol"] in ("-1", "all"):
        return True
    return (rule["IpProtocol"] in ("tcp", "6")
            and rule.get("FromPort", 0) <= port <= rule.get("ToPort", 65535))


def _open_to_ipv4_world(rule):
    return any(r.get("CidrIp") == "0.0.0.0/0" for r in rule.get("IpRanges", []))


def _open_to_world(rule):
    return (any(r.get("CidrIp") in WORLD for r in rule.get("IpRanges", []))
            or any(r.get("CidrIpv6") in WORLD for r in rule.get("Ipv6Ranges", [])))


def _other_sources(group, port, allowed_group_id):
    """Sources other than ``allowed_group_id`` that ``group`` lets reach ``port``."""
    found = []
    for rule in group.get("IpPermissions", []):
        if not _covers(rule, port):
            continue
        found += [r["CidrIp"] for r in rule.get("IpRanges", [])]
        found += [r["CidrIpv6"] for r in rule.get("Ipv6Ranges", [])]
        found += ["a prefix list" for _ in rule.get("PrefixListIds", [])]
        for pair in rule.get("UserIdGroupPairs", []):
            if pair.get("GroupId") == allowed_group_id:
                continue
            found.append(f"{group['GroupName']} itself" if pair.get("GroupId") == group["GroupId"]
                         else "another security group")
    return found


def _references(group, port, source_group_id):
    return any(_covers(rule, port) and any(p.get("GroupId") == source_group_id
                                           for p in rule.get("UserIdGroupPairs", []))
               for rule in group.get("IpPermissions", []))


def _read_together(aws):
    """Start every independent read of this run at once (the first check waits for them):
    each then comes from the run's memo instead of one round trip after another."""
    readers = [_load_balancer, _target_group, _auto_scaling_group, _template,
               _all_security_groups, _golden, lambda a: _subnets(a, ()), _route_tables,
               _attached_gateways]
    aws.once("read-together", lambda: read_concurrently(aws, readers))


@check(points=3, hint="ec2.authorize_security_group_ingress(GroupId=instance_sg, IpPermissions="
                      "[{'IpProtocol': 'tcp', 'FromPort': 80, 'ToPort': 80, "
                      "'UserIdGroupPairs': [{'GroupId': alb_sg}]}])")
def security_groups(aws):
    """web-alb-sg takes port 80 from the world; web-instance-sg takes it only from web-alb-sg"""
    _read_together(aws)
    alb, instance = _security_groups(aws)
    assert alb, _absent(aws, f"No security group named '{ALB_SG}' yet: create it in the VPC "
                        "of your subnets and open tcp 80 to 0.0.0.0/0.",
                        f"Security group '{ALB_SG}'", "ec2", _sg_finder(ALB_SG))
    assert instance, _absent(aws, f"No security group named '{INSTANCE_SG}' yet: create it "
                             "for the instances, in the same VPC as the load balancer's group.",
                             f"Security group '{INSTANCE_SG}'", "ec2",
                             _sg_finder(INSTANCE_SG))
    if not any(_covers(r, 80) and _open_to_ipv4_world(r) for r in alb["IpPermissions"]):
        fail(f"{ALB_SG} does not allow tcp 80 from 0.0.0.0/0, so visitors cannot reach the load "
        "balancer over IPv4: it is the one public entry to the web tier.", alb["GroupId"])
    if instance["VpcId"] != alb["VpcId"]:
        fail(f"{INSTANCE_SG} and {ALB_SG} are in different VPCs; a rule can only reference a "
             "security group in the same VPC (or a peered one), so create both in one VPC.",
             instance["GroupId"], alb["GroupId"])
    world = [r for r in instance["IpPermissions"] if _open_to_world(r)]
    if world:
        fail(f"{INSTANCE_SG} opens a port to the whole internet (0.0.0.0/0 or ::/0). The "
             "instances sit behind the load balancer: nothing should reach them directly from "
             "outside. Revoke that rule (revoke_security_group_ingress).", instance["GroupId"])
    assert _references(instance, 80, alb["GroupId"]), (
        f"{INSTANCE_SG} does not allow tcp 80 from {ALB_SG}. Reference the load balancer's "
        "group (UserIdGroupPairs=[{'GroupId': alb_sg}]) rather than an address range: the "
        "ALB's node addresses change, its group does not.")
    others = _other_sources(instance, 80, alb["GroupId"])
    if others:
        fail(f"{INSTANCE_SG} also lets {', '.join(sorted(set(others)))} reach port 80. Only "
             "the load balancer may talk to the instances: revoke those rules so every port-80 "
             f"rule names {ALB_SG} alone.", instance["GroupId"])


# --- launch template ------------------------------------------------------------------


def _version_in_use(aws, template):
    """The version the Auto Scaling group launches, or $Default when no group uses it yet."""
    group = _auto_scaling_group(aws)
    if group and _uses_template(group, template):
        return (_template_spec(group) or {}).get("Version") or "$Default", group
    return "$Default", None


def _template_groups(data):
    ids = set(data.get("SecurityGroupIds") or [])
    names = set(data.get("SecurityGroups") or [])
    for interface in data.get("NetworkInterfaces") or []:
        ids.update(interface.get("Groups") or [])
    return ids, names


def _instance_types(data, group):
    """The instance types the group launches: its overrides replace the template's type.

    None means attribute-based selection (InstanceRequirements), where AWS itself picks
    types that match the AMI.
    """
    overrides = (((group or {}).get("MixedInstancesPolicy") or {}).get("LaunchTemplate")
                 or {}).get("Overrides") or []
    if any(o.get("InstanceRequirements") for o in overrides):
        return None
    types = [o["InstanceType"] for o in overrides if o.get("InstanceType")]
    return types or ([data["InstanceType"]] if data.get("InstanceType") else [])


@check(points=2, hint="ec2.create_launch_template(LaunchTemplateName='web-lt', "
                      "LaunchTemplateData={'ImageId': golden_id, 'InstanceType': 't3.micro', "
                      "'SecurityGroupIds': [instance_sg]})")
def launch_template(aws):
    """Launch template web-lt starts web-golden with an instance type in web-instance-sg"""
    ec2 = aws.client("ec2")
    template = _template(aws)
    assert template, _absent(aws, f"No launch template named '{TEMPLATE}' yet. A launch "
                             "template is the recipe Auto Scaling follows for every instance "
                             "it starts.", f"Launch template '{TEMPLATE}'", "ec2",
                             _named_template)
    version, group = _version_in_use(aws, template)
    try:
        found = ec2.describe_launch_template_versions(
            LaunchTemplateId=template["LaunchTemplateId"],
            Versions=[version])["LaunchTemplateVersions"]
    except ClientError as exc:
        if "NotFound" not in error_code(exc) and "InvalidLaunchTemplate" not in error_code(exc):
            raise
        found = []
    assert found, (f"{GROUP} asks for version {version} of {TEMPLATE}, which does not exist, "
                   "so it could launch nothing. Use '$Latest', '$Default' or an existing "
                   "version number.")
    data = found[0]["LaunchTemplateData"]
    golden = _golden(aws)
    assert golden, f"The {GOLDEN} AMI is missing from your account; reset this lab."
    assert data.get("ImageId") == golden[0]["ImageId"], (
        f"Version {version} of {TEMPLATE} does not launch the {GOLDEN} AMI. Every instance "
        "of the group should start from the same baked image, so it serves /health "
        "as soon as it boots.")
    types = _instance_types(data, group)
    assert types is None or types, (
        f"Version {version} of {TEMPLATE} sets no instance type (and {GROUP} has no "
        "instance-type overrides), so Auto Scaling cannot launch anything. Set InstanceType, "
        "e.g. 't3.micro'.")
    architecture = golden[0].get("Architecture", "x86_64")
    described = aws.once(f"types:{sorted(set(types))}", lambda: ec2.describe_instance_types(
        InstanceTypes=sorted(set(types)))["InstanceTypes"]) if types else []
    # (None: attribute-based selection, where AWS picks types that fit the AMI)
    for info in described:
        supported = info.get("ProcessorInfo", {}).get("SupportedArchitectures", [])
        assert architecture in supported, (
            f"Instance type {info['InstanceType']} runs {', '.join(supported)}, but "
            f"{GOLDEN} is an {architecture} image: EC2 refuses to launch it. Pick an "
            f"{architecture} type such as t3.micro.")
    ids, names = _template_groups(data)
    alb, instance = _security_groups(aws)
    assert instance and (instance["GroupId"] in ids or instance["GroupName"] in names), (
        f"Version {version} of {TEMPLATE} does not put instances in {INSTANCE_SG} "
        "(SecurityGroupIds, or Groups of a network interface). Without it they land in the "
        "VPC's default group and the load balancer cannot reach port 80.")
    others = set(ids) - {instance["GroupId"]}
    listed = _groups_by_id(aws, others)
    listed += [g for name in sorted(names - {INSTANCE_SG}) for g in _groups_named(aws, name)
               if g["VpcId"] == instance["VpcId"]]
    for extra in listed:
        if _other_sources(extra, 80, alb["GroupId"] if alb else None):
            fail(f"{TEMPLATE} also puts instances in {extra['GroupName']}, which lets other "
                 "sources reach port 80. Security groups add up, so one open group undoes "
                 f"{INSTANCE_SG}: create a new template version listing only {INSTANCE_SG}.",
                 template["LaunchTemplateId"], extra["GroupId"])


# --- target group, load balancer, listener --------------------------------------------


@check(points=2, hint="elbv2.create_target_group(Name='web-tg', Protocol='HTTP', Port=80, "
                      "VpcId=vpc_id, TargetType='instance', HealthCheckPath='/health', "
                      "Matcher={'HttpCode': '200'})")
def target_group(aws):
    """Target group web-tg: HTTP:80, instance targets, health check GET /health expecting 200"""
    group = _target_group(aws)
    assert group, _absent(aws, f"No target group named '{TARGET_GROUP}' yet. The load balancer "
                          "sends requests to the targets registered in a target group.",
                          f"Target group '{TARGET_GROUP}'", "elbv2",
                          _named_target_group)
    assert group.get("Protocol") == "HTTP" and group.get("Port") == 80, (
        f"{TARGET_GROUP} uses {group.get('Protocol')}:{group.get('Port')}; the web servers "
        "listen for HTTP on port 80.")
    assert group.get("TargetType") == "instance", (
        f"{TARGET_GROUP} has target type {group.get('TargetType')!r}. Auto Scaling registers "
        "instances, so a target group attached to an Auto Scaling group must have target "
        "type 'instance'.")
    assert group.get("HealthCheckEnabled", True), (
        f"{TARGET_GROUP}'s health check is disabled, so the load balancer would keep sending "
        "requests to broken instances.")
    assert group.get("HealthCheckProtocol") == "HTTP", (
        f"{TARGET_GROUP} checks health over {group.get('HealthCheckProtocol')}; ask the web "
        "server itself with HTTP.")
    assert group.get("HealthCheckPath") == "/health", (
        f"{TARGET_GROUP} checks the path {group.get('HealthCheckPath')!r}; web-golden serves "
        "a dedicated /health page. Set HealthCheckPath='/health'.")
    assert group.get("HealthCheckPort", "traffic-port") in ("traffic-port", "80"), (
        f"{TARGET_GROUP} checks health on port {group.get('HealthCheckPort')}, where nothing "
        "listens; use 'traffic-port' (80).")
    code = (group.get("Matcher") or {}).get("HttpCode")
    assert code == "200", (
        f"{TARGET_GROUP} treats HTTP {code} as healthy; the task asks for exactly 200, what "
        "/health answers when the server works.")


def _route_tables(aws):
    return aws.once("route-tables",
                    lambda: aws.client("ec2").describe_route_tables()["RouteTables"])


def _attached_gateways(aws):
    """(VPC id, internet gateway id) for every attached internet gateway."""
    return aws.once("internet-gateways", lambda: {
        (a["VpcId"], g["InternetGatewayId"])
        for g in aws.client("ec2").describe_internet_gateways()["InternetGateways"]
        for a in g.get("Attachments", []) if a.get("State", "available") in (
            "available", "attached")})


def _route_table_of(tables, subnet):
    """The subnet's own route table, else its VPC's main one (AWS's rule)."""
    own = [t for t in tables if any(a.get("SubnetId") == subnet["SubnetId"]
                                    for a in t.get("Associations", []))]
    return own or [t for t in tables if t["VpcId"] == subnet["VpcId"] and any(
        a.get("Main") for a in t.get("Associations", []))]


def _public(aws, subnet):
    """True when the subnet's route table sends 0.0.0.0/0 to an internet gateway attached
    to its VPC."""
    tables, attached = _route_tables(aws), _attached_gateways(aws)
    return any(route.get("DestinationCidrBlock") == "0.0.0.0/0"
               and (subnet["VpcId"], route.get("GatewayId")) in attached
               for table in _route_table_of(tables, subnet)
               for route in table.get("Routes", []))


@check(points=2, hint="elbv2.create_load_balancer(Name='web-alb', Type='application', "
                      "Scheme='internet-facing', Subnets=[subnet_a, subnet_b], "
                      "SecurityGroups=[alb_sg])")
def load_balancer(aws):
    """web-alb is an internet-facing ALB in two public subnets in two AZs, with web-alb-sg"""
    balancer = _load_balancer(aws)
    assert balancer, _absent(aws, f"No load balancer named '{LOAD_BALANCER}' yet.",
                             f"Load balancer '{LOAD_BALANCER}'", "elbv2",
                             _named_load_balancer)
    assert balancer.get("Type") == "application", (
        f"{LOAD_BALANCER} is a {balancer.get('Type')} load balancer; the task needs an "
        "Application Load Balancer (Type='application'), which speaks HTTP and checks /health.")
    scheme = balancer.get("Scheme", "internet-facing")  # AWS's default when not given
    assert scheme == "internet-facing", (
        f"{LOAD_BALANCER} is {scheme}: it gets only private addresses, so "
        "visitors on the internet cannot reach it. Create it with Scheme='internet-facing'.")
    zones = [z["ZoneName"] for z in balancer.get("AvailabilityZones", [])]
    assert len(zones) == len(set(zones)), (
        f"{LOAD_BALANCER} has two subnets in one Availability Zone; a load balancer takes "
        "one subnet per zone.")
    assert len(set(zones)) >= 2, (
        f"{LOAD_BALANCER} is in {len(set(zones))} Availability Zone(s); an Application Load "
        "Balancer needs subnets in at least two, so it keeps serving when one zone fails.")
    subnets = _subnets(aws, [z["SubnetId"] for z in balancer["AvailabilityZones"]])
    private = sorted((s["AvailabilityZone"], s["SubnetId"]) for s in subnets
                     if not _public(aws, s))
    if private:
        fail(f"{LOAD_BALANCER}'s subnet in {', '.join(z for z, _ in private)} is private: its "
             "route table has no 0.0.0.0/0 route to an internet gateway of the VPC, so an "
             "internet-facing load balancer cannot be reached there. Use public subnets (the "
             "default VPC's are): elbv2.set_subnets(LoadBalancerArn=..., Subnets=[...]).",
             *(i for _, i in private))
    names = {g["GroupName"] for g in _groups_by_id(aws, balancer.get("SecurityGroups") or [])}
    assert ALB_SG in names, (
        f"{LOAD_BALANCER} does not use {ALB_SG}. Without it the load balancer gets the VPC's "
        f"default group, and {INSTANCE_SG}'s rule (which names {ALB_SG}) would not let it "
        "reach the instances.")


def _forward_targets(action):
    if action.get("Type") != "forward":
        return []
    if action.get("TargetGroupArn"):
        return [action["TargetGroupArn"]]
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    return [g["TargetGroupArn"] for g in groups if g.get("Weight", 1) > 0]


@check(points=1, hint="elbv2.create_listener(LoadBalancerArn=alb_arn, Protocol='HTTP', Port=80, "
                      "DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg_arn}])")
def listener(aws):
    """web-alb listens on HTTP:80 and forwards to web-tg"""
    elb = aws.client("elbv2")
    balancer = _load_balancer(aws)
    assert balancer, f"No load balancer named '{LOAD_BALANCER}' yet, so it has no listener."
    group = _target_group(aws)
    assert group, f"No target group named '{TARGET_GROUP}' yet for the listener to forward to."
    listeners = elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    http = [item for item in listeners
            if item.get("Port") == 80 and item.get("Protocol") == "HTTP"]
    ports = ", ".join(f"{item.get('Protocol')}:{item.get('Port')}" for item in listeners)
    assert http, (f"{LOAD_BALANCER} has no HTTP listener on port 80 (found: {ports or 'none'}); "
                  "without one it accepts no requests.")
    targets = [arn for action in http[0].get("DefaultActions", [])
               for arn in _forward_targets(action)]
    if not targets or set(targets) != {group["TargetGroupArn"]}:
        fail(f"The HTTP:80 listener does not forward only to {TARGET_GROUP}; change its "
             "default action (elbv2.modify_listener) to {'Type': 'forward', 'TargetGroupArn': "
             "<web-tg>}.", http[0]["ListenerArn"])
    if group["VpcId"] != balancer["VpcId"]:
        fail(f"{TARGET_GROUP} is in another VPC than {LOAD_BALANCER}; AWS only forwards to a "
             "target group in the load balancer's VPC. Create web-tg again in the load "
             "balancer's VPC.", group["TargetGroupArn"])


# --- Auto Scaling ----------------------------------------------------------------------


@check(points=3, hint="autoscaling.create_auto_scaling_group(AutoScalingGroupName='web-asg', "
                      "LaunchTemplate={'LaunchTemplateName': 'web-lt', 'Version': '$Latest'}, "
                      "MinSize=2, MaxSize=4, DesiredCapacity=2, "
                      "VPCZoneIdentifier='subnet-a,subnet-b', TargetGroupARNs=[tg_arn])")
def auto_scaling_group(aws):
    """Auto Scaling group web-asg: web-lt, two AZs, min 2 / max 4, attached to web-tg"""
    group = _auto_scaling_group(aws)
    assert group, _absent(aws, f"No Auto Scaling group named '{GROUP}' yet.",
                          f"Auto Scaling group '{GROUP}'", "autoscaling", _named_group)
    assert not group.get("LaunchConfigurationName"), (
        f"{GROUP} uses a launch configuration. AWS is retiring launch configurations "
        f"(new accounts cannot create them): launch from the template {TEMPLATE}.")
    assert _uses_template(group, _template(aws)), (
        f"{GROUP} does not launch from {TEMPLATE}. Give it LaunchTemplate={{'LaunchTemplateName':"
        f" '{TEMPLATE}', 'Version': '$Latest'}} (or a MixedInstancesPolicy that uses it).")
    subnet_ids = [s.strip() for s in (group.get("VPCZoneIdentifier") or "").split(",")
                  if s.strip()]
    assert subnet_ids, (
        f"{GROUP} has no subnets (VPCZoneIdentifier), so it is not placed in your VPC. List "
        "two subnets in different Availability Zones, comma-separated.")
    subnets = _subnets(aws, subnet_ids)
    zones = {s["AvailabilityZone"] for s in subnets}
    assert len(zones) >= 2, (
        f"{GROUP}'s {len(subnet_ids)} subnet(s) are all in one Availability Zone; with subnets "
        "in two zones Auto Scaling spreads the instances and replaces them in the other zone "
        "if one fails.")
    assert group["MinSize"] <= group["MaxSize"], (
        f"{GROUP} has MinSize {group['MinSize']} above MaxSize {group['MaxSize']}; AWS "
        "rejects that.")
    assert group["MinSize"] >= 2, (
        f"{GROUP} has MinSize {group['MinSize']}; keep at least 2 so one instance per zone "
        "survives when the group scales in.")
    assert group["MaxSize"] >= SCALED, (
        f"{GROUP} has MaxSize {group['MaxSize']}, so it can never grow to {SCALED}; the task "
        "asks for 4.")
    target = _target_group(aws)
    assert target and target["TargetGroupArn"] in (group.get("TargetGroupARNs") or []), (
        f"{GROUP} is not attached to {TARGET_GROUP}. Pass TargetGroupARNs (or call "
        "attach_load_balancer_target_groups) so Auto Scaling registers every instance it "
        "launches and deregisters every one it terminates.")
    vpcs = {s["VpcId"] for s in subnets}
    assert vpcs == {target["VpcId"]}, (
        f"{GROUP}'s subnets are not all in {TARGET_GROUP}'s VPC; the load balancer, its target "
        "group and the Auto Scaling group must share one VPC.")
    balancer = _load_balancer(aws)
    served = {z["ZoneName"] for z in (balancer or {}).get("AvailabilityZones", [])}
    unserved = sorted(zones - served) if balancer else []
    if unserved:
        fail(f"{GROUP} launches instances in {', '.join(unserved)}, where {LOAD_BALANCER} has "
             "no subnet: a load balancer sends no traffic to targets in a zone it does not "
             "serve (their health is 'unused'). Give the group subnets in the load balancer's "
             "zones (update_auto_scaling_group VPCZoneIdentifier), or add those zones to the "
             "load balancer (elbv2.set_subnets).", group["AutoScalingGroupARN"])


@check(points=2, hint="autoscaling.set_desired_capacity(AutoScalingGroupName='web-asg', "
                      "DesiredCapacity=3); then elbv2.describe_target_health(TargetGroupArn=tg)")
def scaled_to_three(aws):
    """web-asg runs 3 instances, all registered as targets of web-tg"""
    group = _auto_scaling_group(aws)
    assert group, f"No Auto Scaling group named '{GROUP}' yet, so nothing to scale."
    desired = group["DesiredCapacity"]
    assert desired == SCALED, (
        f"{GROUP} has a desired capacity of {desired}; scale it to {SCALED} with "
        "set_desired_capacity.")
    assert group["MinSize"] <= SCALED <= group["MaxSize"], (
        f"A desired capacity of {SCALED} lies outside MinSize {group['MinSize']} .. MaxSize "
        f"{group['MaxSize']}; AWS rejects such a request, so raise MaxSize first.")
    running = {i["InstanceId"] for i in group.get("Instances", [])
               if i.get("LifecycleState") == "InService"}
    assert len(running) == SCALED, (
        f"{GROUP} has {len(running)} InService instance(s), not {SCALED}. On AWS new instances "
        "take a minute or two to boot; check again shortly.")
    target = _target_group(aws)
    assert target, f"No target group named '{TARGET_GROUP}' to register the instances in."
    health = aws.client("elbv2").describe_target_health(
        TargetGroupArn=target["TargetGroupArn"])["TargetHealthDescriptions"]
    states = {h["Target"]["Id"]: h["TargetHealth"]["State"] for h in health}
    registered = {i for i in running if states.get(i) in REGISTERED}
    unhealthy = sorted({states[i] for i in running if i in states} - set(REGISTERED))
    assert not unhealthy, (
        f"Some of {GROUP}'s instances are {', '.join(unhealthy)} in {TARGET_GROUP}: the "
        "load balancer's health check on /health fails, so it sends them no traffic.")
    assert len(registered) == SCALED, (
        f"{len(registered)} of {GROUP}'s {SCALED} instances are registered in "
        f"{TARGET_GROUP}. Attach the target group to the Auto Scaling group, which then "
        "registers every instance it launches.")
