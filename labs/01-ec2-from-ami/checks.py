"""Checks for lab 01: launch EC2 from an AMI.

Every rule is listed in lab.toml ``rules``. The checks read state through boto3 only, so
they run unchanged against the sandbox, LocalStack or a real account.
"""

from __future__ import annotations

import base64
import re
import time

from grader import check
from grader.kit.lookups import instances

AL2023_NAME = re.compile(r"^al2023-ami-(2023\.\d+\.\d+\.\d+)-kernel-[\d.]+-x86_64$")
WEB_SERVER = re.compile(
    r"\b(dnf|yum|apt-get|apt)\b[^\n]*\binstall\b[^\n]*\b(httpd|nginx|apache2)\b")
LIVE = ("pending", "running")


def _instances(ec2, name):
    return instances(ec2, [{"Name": "tag:Name", "Values": [name]}])


def _builders(aws):
    return aws.once("builders", lambda: _instances(aws.client("ec2"), "web-builder"))


def _builder(aws):
    builders = _builders(aws)
    assert builders, "No instance tagged Name=web-builder yet: launch the builder with that tag."
    return builders[-1]


def _golden(aws):
    images = aws.once("golden", lambda: aws.client("ec2").describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": ["web-golden"]}])["Images"])
    assert images, "No AMI named 'web-golden' owned by your account yet."
    return images[0]


_CATALOGUE_TTL = 3600.0
_latest_cache: dict[tuple[str, str], tuple[float, set[str]]] = {}


def _latest_al2023_ids(aws):
    """Ids of the newest AL2023 x86_64 release; the public catalogue is re-read hourly."""
    key = (aws.endpoint or "aws", aws.region)
    cached = _latest_cache.get(key)
    if cached and time.monotonic() - cached[0] < _CATALOGUE_TTL:
        return cached[1]
    images = aws.client("ec2").describe_images(
        Owners=["amazon"],
        Filters=[{"Name": "name", "Values": ["al2023-ami-2023.*-x86_64"]},
                 {"Name": "state", "Values": ["available"]}])["Images"]
    versions = {}
    for image in images:
        match = AL2023_NAME.match(image["Name"])
        if match:
            key = tuple(int(p) for p in match.group(1).split("."))
            versions.setdefault(key, set()).add(image["ImageId"])
    latest = versions[max(versions)] if versions else set()
    if latest:
        _latest_cache[(aws.endpoint or "aws", aws.region)] = (time.monotonic(), latest)
    return latest


@check(points=2, hint="ssm.get_parameter(Name='/aws/service/ami-amazon-linux-latest/"
                      "al2023-ami-kernel-default-x86_64')['Parameter']['Value']")
def builder_runs_latest_al2023(aws):
    """The builder runs the current Amazon Linux 2023 x86_64 AMI"""
    builder = _builder(aws)
    latest = _latest_al2023_ids(aws)
    assert builder["ImageId"] in latest, (
        "The builder was not launched from the newest Amazon Linux 2023 x86_64 image owned by "
        "'amazon'. Old images miss security patches and arm64 images need Graviton instance "
        "types: look the AMI up with the public SSM parameter or describe_images filters.")


@check(points=1, hint="ec2.create_key_pair(KeyName='web-key')")
def key_pair_created(aws):
    """Key pair web-key exists"""
    pairs = aws.client("ec2").describe_key_pairs(
        Filters=[{"Name": "key-name", "Values": ["web-key"]}])["KeyPairs"]
    assert pairs, ("No key pair named 'web-key'. AWS keeps the public key; you download the "
                   "private key once, when you create the pair.")


def _security_group(ec2):
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["web-sg"]}])["SecurityGroups"]
    assert groups, "No security group named 'web-sg' yet."
    return groups[0]


def _covers(rule, port):
    if rule["IpProtocol"] == "-1":
        return True
    return rule["IpProtocol"] in ("tcp", "6") and rule["FromPort"] <= port <= rule["ToPort"]


def _world(rule):
    return (any(r["CidrIp"] == "0.0.0.0/0" for r in rule.get("IpRanges", []))
            or any(r["CidrIpv6"] == "::/0" for r in rule.get("Ipv6Ranges", [])))


@check(points=2, hint="authorize_security_group_ingress with tcp 80 from 0.0.0.0/0 and "
                      "tcp 22 from one CIDR such as 203.0.113.10/32")
def security_group_rules(aws):
    """Security group web-sg allows 80 from anywhere and 22 from one CIDR only"""
    rules = _security_group(aws.client("ec2"))["IpPermissions"]
    assert not any(r["IpProtocol"] == "-1" and _world(r) for r in rules), (
        "web-sg opens every protocol and port to the internet; allow only 80 and 22.")
    assert any(_covers(r, 80) and _world(r) for r in rules), (
        "web-sg does not allow tcp port 80 from 0.0.0.0/0, so visitors cannot reach the site.")
    ssh = [r for r in rules if _covers(r, 22)]
    cidrs = [c["CidrIp"] for r in ssh for c in r.get("IpRanges", [])]
    assert ssh, "web-sg has no rule for port 22; allow SSH from one admin CIDR."
    assert not any(_world(r) for r in ssh), (
        "Port 22 is open to the whole internet (0.0.0.0/0 or ::/0); allow SSH from one CIDR.")
    assert len(cidrs) == 1 and not any(r.get("Ipv6Ranges") for r in ssh), (
        f"Port 22 should be open to exactly one CIDR; found {len(cidrs)} IPv4 ranges.")


@check(points=2, hint="run_instances(..., UserData='#!/bin/bash\\ndnf install -y httpd\\n"
                      "systemctl enable --now httpd\\n')")
def builder_user_data_installs_web_server(aws):
    """The builder's user data installs a web server"""
    ec2 = aws.client("ec2")
    builder = _builder(aws)
    attr = ec2.describe_instance_attribute(InstanceId=builder["InstanceId"],
                                           Attribute="userData")
    encoded = attr.get("UserData", {}).get("Value")
    assert encoded, "The builder has no user data: pass UserData to run_instances."
    script = base64.b64decode(encoded).decode("utf-8", "replace")
    assert script.startswith(("#!", "#cloud-config")), (
        "User data must start with '#!' (a shell script) or '#cloud-config', or cloud-init "
        "will not run it at first boot.")
    assert WEB_SERVER.search(script) or re.search(r"packages:[\s\S]*(httpd|nginx|apache2)",
                                                  script), (
        "The user data does not install a web server (httpd, nginx or apache2) with "
        "dnf, yum or apt.")


@check(points=2, hint="ec2.create_image(InstanceId=builder_id, Name='web-golden')")
def golden_ami_from_builder(aws):
    """AMI web-golden is made from the builder"""
    image = _golden(aws)
    assert image["State"] == "available", (
        f"web-golden is {image['State']}; wait until it is available.")
    source = image.get("SourceInstanceId")
    if source:
        builder_ids = {i["InstanceId"] for i in _builders(aws)}
        assert source in builder_ids, (
            "web-golden was made from an instance that is not the web-builder.")


def _web_instances(aws):
    web = aws.once("web", lambda: _instances(aws.client("ec2"), "web"))
    return [i for i in web if i["State"]["Name"] in LIVE]


@check(points=3, hint="run_instances(ImageId=golden_id, InstanceType='t3.micro', MinCount=2, "
                      "MaxCount=2, KeyName='web-key', SecurityGroupIds=[sg_id], "
                      "TagSpecifications=[...Name=web...])")
def two_web_instances(aws):
    """Two t3.micro web instances run from web-golden with web-key and web-sg"""
    web = _web_instances(aws)
    assert len(web) >= 2, (
        f"Found {len(web)} running instance(s) tagged Name=web; launch two for redundancy.")
    golden = _golden(aws)["ImageId"]
    for inst in web:
        assert inst["ImageId"] == golden, (
            "A web instance was not launched from web-golden: use the golden image so every "
            "server starts identical.")
        assert inst["InstanceType"] == "t3.micro", (
            f"A web instance is {inst['InstanceType']}; the task asks for t3.micro.")
        assert inst.get("KeyName") == "web-key", "A web instance was launched without web-key."
        groups = {g["GroupName"] for g in inst.get("SecurityGroups", [])}
        assert "web-sg" in groups, "A web instance is not in the web-sg security group."


@check(points=2, hint="BlockDeviceMappings=[{'DeviceName': golden['RootDeviceName'], "
                      "'Ebs': {'VolumeType': 'gp3', 'Encrypted': True, 'VolumeSize': 8}}]")
def encrypted_gp3_root(aws):
    """Each web instance has an encrypted gp3 root volume"""
    ec2 = aws.client("ec2")
    web = _web_instances(aws)
    assert web, "No running web instances yet."
    for inst in web:
        volumes = ec2.describe_volumes(Filters=[
            {"Name": "attachment.instance-id", "Values": [inst["InstanceId"]]},
            {"Name": "attachment.device", "Values": [inst["RootDeviceName"]]}])["Volumes"]
        assert volumes, ("A web instance has no volume on its root device: map the golden "
                         "AMI's RootDeviceName, not a new device name.")
        assert any(v["VolumeType"] == "gp3" for v in volumes), (
            "A web instance's root volume is not gp3 (gp3 is cheaper than gp2 with a "
            "baseline of 3,000 IOPS).")
        assert any(v["VolumeType"] == "gp3" and v["Encrypted"] for v in volumes), (
            "A web instance's root volume is not encrypted; set Encrypted=True in its "
            "block device mapping.")


@check(points=1, hint="ec2.terminate_instances(InstanceIds=[builder_id])")
def builder_terminated(aws):
    """The builder is terminated once the AMI exists"""
    builder = _builder(aws)
    assert builder["State"]["Name"] in ("shutting-down", "terminated"), (
        "The builder is still running; you pay for it by the second until it is terminated.")
