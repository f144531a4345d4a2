"""Checks for lab 01: launch EC2 from an AMI.

Every rule is listed in lab.toml ``rules``. The checks read state through boto3 only, so
they run unchanged against the sandbox, LocalStack or a real account.
"""

from __future__ import annotations

import base64
import binascii
import re
import time

from grader import check, fail
from grader.kit.lookups import instances
from grader.kit.regions import absent

AL2023_NAME = re.compile(r"^al2023-ami-(2023\.\d+\.\d+\.\d+)-kernel-[\d.]+-x86_64$")
WEB_SERVER = re.compile(
    r"\b(dnf|yum|apt-get|apt)\b[^\n]*\binstall\b[^\n]*\b(httpd|nginx|apache2)\b")
LIVE = ("pending", "running")
GONE = ("shutting-down", "terminated")


def _name(aws, what=""):
    """A name of this learner's: the prefix (lab.toml ``prefix``, default web) or prefix-what."""
    prefix = aws.params["prefix"]
    return f"{prefix}-{what}" if what else prefix


def _instances(ec2, name):
    return instances(ec2, [{"Name": "tag:Name", "Values": [name]}])


def _builders(aws):
    return aws.once("builders", lambda: _instances(aws.client("ec2"), _name(aws, "builder")))


def _tagged(name):
    """A finder for ``regions.absent``: instances tagged Name=``name`` (any state)."""
    return lambda ec2: ec2.describe_instances(
        Filters=[{"Name": "tag:Name", "Values": [name]}])["Reservations"]


def _builder(aws):
    """The builder: the web-builder the golden AMI was made from, else the newest one."""
    builders = _builders(aws)
    if not builders:
        name = _name(aws, "builder")
        absent(aws, f"No instance tagged Name={name} yet: launch the builder with that "
                    "tag.", "ec2", _tagged(name), key="web-builder")
    source = (_golden_or_none(aws) or {}).get("SourceInstanceId")
    made_it = [i for i in builders if i["InstanceId"] == source]
    return made_it[0] if made_it else max(builders, key=lambda i: i["LaunchTime"])


def _golden_or_none(aws):
    images = aws.once("golden", lambda: aws.client("ec2").describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [_name(aws, "golden")]}])["Images"])
    return images[0] if images else None


def _golden(aws):
    image = _golden_or_none(aws)
    if image is None:
        name = _name(aws, "golden")
        absent(aws, f"No AMI named '{name}' owned by your account yet.", "ec2",
               lambda ec2: ec2.describe_images(Owners=["self"], Filters=[
                   {"Name": "name", "Values": [name]}])["Images"], key="golden")
    return image


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
    if builder["ImageId"] not in latest:
        fail(f"The builder {builder['InstanceId']} runs {builder['ImageId']}, not the newest "
             "Amazon Linux 2023 x86_64 image owned by 'amazon'. Old images miss security "
             "patches and arm64 images need Graviton instance types: look the AMI up with the "
             "public SSM parameter or describe_images filters, then launch a new builder.",
             builder["InstanceId"])


@check(points=1, hint="ec2.create_key_pair(KeyName='{{ prefix }}-key')")
def key_pair_created(aws):
    """Key pair {{ prefix }}-key exists"""
    name = _name(aws, "key")

    def find(ec2):
        return ec2.describe_key_pairs(
            Filters=[{"Name": "key-name", "Values": [name]}])["KeyPairs"]

    if not find(aws.client("ec2")):
        absent(aws, f"No key pair named '{name}'. AWS keeps the public key; you download the "
                    "private key once, when you create the pair.", "ec2", find)


def _security_group(aws):
    name = _name(aws, "sg")

    def find(ec2):
        return ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]

    groups = find(aws.client("ec2"))
    if not groups:
        absent(aws, f"No security group named '{name}' yet.", "ec2", find)
    return groups[0]


def _covers(rule, port):
    if rule["IpProtocol"] == "-1":
        return True
    return rule["IpProtocol"] in ("tcp", "6") and rule["FromPort"] <= port <= rule["ToPort"]


def _all_ports(rule):
    """True for a rule on every protocol, or on the whole port range of one."""
    return rule["IpProtocol"] == "-1" or (
        rule.get("FromPort", 0) in (0, -1) and rule.get("ToPort", 65535) in (65535, -1))


def _world(rule):
    return (any(r["CidrIp"] == "0.0.0.0/0" for r in rule.get("IpRanges", []))
            or any(r["CidrIpv6"] == "::/0" for r in rule.get("Ipv6Ranges", [])))


@check(points=2, hint="authorize_security_group_ingress with tcp 80 from 0.0.0.0/0 and "
                      "tcp 22 from one CIDR such as 203.0.113.10/32")
def security_group_rules(aws):
    """Security group {{ prefix }}-sg allows 80 from anywhere and 22 from one CIDR only"""
    group = _security_group(aws)
    sg = group["GroupId"]
    name = group["GroupName"]
    rules = group["IpPermissions"]
    revoke = (f"remove it with ec2.revoke_security_group_ingress(GroupId='{sg}', "
              "IpPermissions=[...that rule...])")
    if any(_all_ports(r) and _world(r) for r in rules):
        fail(f"{name} ({sg}) opens every port (or every protocol) to the internet; {revoke} "
             "and allow only tcp 80 and 22.", sg)
    if not any(_covers(r, 80) and _world(r) for r in rules):
        fail(f"{name} ({sg}) does not allow tcp port 80 from 0.0.0.0/0, so visitors cannot "
             "reach the site.", sg)
    ssh = [r for r in rules if _covers(r, 22)]
    if not ssh:
        fail(f"{name} ({sg}) has no rule for port 22; allow SSH from one admin CIDR.", sg)
    if any(_world(r) for r in ssh):
        fail(f"Port 22 of {name} ({sg}) is open to the whole internet (0.0.0.0/0 or ::/0); "
             f"{revoke}, then allow SSH from one CIDR.", sg)
    cidrs = [c["CidrIp"] for r in ssh for c in r.get("IpRanges", [])]
    others = sum(len(r.get("Ipv6Ranges", [])) + len(r.get("UserIdGroupPairs", []))
                 + len(r.get("PrefixListIds", [])) for r in ssh)
    if len(cidrs) != 1 or others:
        fail(f"Port 22 of {name} ({sg}) should be open to exactly one IPv4 CIDR; found "
             f"{len(cidrs)} IPv4 range(s) and {others} other source(s): {revoke} for the "
             "extra ones.", sg)


@check(points=2, hint="run_instances(..., UserData='#!/bin/bash\\ndnf install -y httpd\\n"
                      "systemctl enable --now httpd\\n')")
def builder_user_data_installs_web_server(aws):
    """The builder's user data installs a web server"""
    ec2 = aws.client("ec2")
    builder = _builder(aws)
    iid = builder["InstanceId"]
    attr = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")
    encoded = attr.get("UserData", {}).get("Value")
    if not encoded:
        fail(f"The builder {iid} has no user data: pass UserData to run_instances (user data "
             "runs only at first boot, so launch a new builder).", iid)
    script = base64.b64decode(encoded).decode("utf-8", "replace")
    if _base64_again(script):
        fail(f"The builder {iid}'s user data is base64 text, not a script: boto3 encodes "
             "UserData for you, so pass the plain script (no base64.b64encode).", iid)
    if not script.lstrip("\ufeff").startswith(("#!", "#cloud-config")):
        fail(f"The builder {iid}'s user data does not start with '#!' (a shell script) or "
             "'#cloud-config', so cloud-init will not run it at first boot.", iid)
    if not (WEB_SERVER.search(script)
            or re.search(r"packages:[\s\S]*\b(httpd|nginx|apache2)\b", script)):
        fail(f"The builder {iid}'s user data does not install a web server (httpd, nginx or "
             "apache2) with dnf, yum or apt.", iid)


def _base64_again(script):
    """True when decoded user data is itself base64 of a script (encoded twice)."""
    text = script.strip()
    if not text or not re.fullmatch(r"[A-Za-z0-9+/=\s]+", text):
        return False
    try:
        return base64.b64decode(text).lstrip().startswith((b"#!", b"#cloud-config"))
    except (binascii.Error, ValueError):
        return False


@check(points=2, hint="ec2.create_image(InstanceId=builder_id, Name='{{ prefix }}-golden')")
def golden_ami_from_builder(aws):
    """AMI {{ prefix }}-golden is made from the builder"""
    image = _golden(aws)
    ami = image["ImageId"]
    golden = image["Name"]
    if image["State"] != "available":
        fail(f"{golden} ({ami}) is {image['State']}; wait until it is available "
             "(ec2.get_waiter('image_available')).", ami)
    source = image.get("SourceInstanceId")
    builder_ids = {i["InstanceId"] for i in _builders(aws)}
    if not source:  # register_image and copy_image record no source instance
        fail(f"{golden} ({ami}) was not captured from an instance (it has no "
             "SourceInstanceId, as with register_image or copy_image). Deregister it and "
             f"run ec2.create_image(InstanceId=<the builder>, Name='{golden}').", ami)
    if source not in builder_ids:
        fail(f"{golden} ({ami}) was made from {source}, which is not tagged "
             f"Name={_name(aws, 'builder')}. Deregister it and create it from the builder.",
             ami, source)


def _web_instances(aws):
    web = aws.once("web", lambda: _instances(aws.client("ec2"), _name(aws)))
    return [i for i in web if i["State"]["Name"] in LIVE]


@check(points=3, hint="run_instances(ImageId=golden_id, InstanceType='t3.micro', MinCount=2, "
                      "MaxCount=2, KeyName='{{ prefix }}-key', SecurityGroupIds=[sg_id], "
                      "TagSpecifications=[...Name={{ prefix }}...])")
def two_web_instances(aws):
    """Two t3.micro instances run from {{ prefix }}-golden, {{ prefix }}-key, {{ prefix }}-sg"""
    web = _web_instances(aws)
    if len(web) < 2:
        message = (f"Found {len(web)} running instance(s) tagged Name={_name(aws)}; launch two "
                   "for redundancy.")
        if web:
            fail(message, *(i["InstanceId"] for i in web))
        absent(aws, message, "ec2", _tagged(_name(aws)), key="web")
    golden = _golden(aws)["ImageId"]
    key, sg = _name(aws, "key"), _name(aws, "sg")
    problems = {
        f"not launched from {_name(aws, 'golden')} (use the golden image so every server "
        "starts identical)": [i for i in web if i["ImageId"] != golden],
        "not t3.micro": [i for i in web if i["InstanceType"] != "t3.micro"],
        f"launched without key pair {key}": [i for i in web if i.get("KeyName") != key],
        f"not in security group {sg}": [
            i for i in web if sg not in {g["GroupName"] for g in i.get("SecurityGroups", [])}],
    }
    for what, wrong in problems.items():
        if wrong:
            ids = [i["InstanceId"] for i in wrong]
            fail(f"Web instance(s) {', '.join(ids)}: {what}. Terminate them and launch "
                 "replacements the right way (these settings are fixed at launch).", *ids)


@check(points=2, hint="BlockDeviceMappings=[{'DeviceName': golden['RootDeviceName'], "
                      "'Ebs': {'VolumeType': 'gp3', 'Encrypted': True, 'VolumeSize': 8}}]")
def encrypted_gp3_root(aws):
    """Each web instance has an encrypted gp3 root volume"""
    web = _web_instances(aws)
    if not web:
        absent(aws, "No running web instances yet.", "ec2", _tagged(_name(aws)), key="web")
    ids = [i["InstanceId"] for i in web]
    volumes = aws.client("ec2").describe_volumes(Filters=[
        {"Name": "attachment.instance-id", "Values": ids}])["Volumes"]
    roots = {i["InstanceId"]: [v for v in volumes for a in v["Attachments"]
                               if a["InstanceId"] == i["InstanceId"]
                               and a["Device"] == i.get("RootDeviceName")] for i in web}
    no_root = [i for i, found in roots.items() if not found]
    if no_root:
        fail(f"Web instance(s) {', '.join(no_root)} have no volume on their root device: map "
             "the golden AMI's RootDeviceName, not a new device name.", *no_root)
    not_gp3 = [i for i, found in roots.items()
               if not any(v["VolumeType"] == "gp3" for v in found)]
    if not_gp3:
        fail(f"The root volume of web instance(s) {', '.join(not_gp3)} is not gp3 (gp3 is "
             "cheaper than gp2 with a baseline of 3,000 IOPS): change it with "
             "ec2.modify_volume(VolumeId=..., VolumeType='gp3').", *not_gp3)
    plain = [i for i, found in roots.items()
             if not any(v["VolumeType"] == "gp3" and v["Encrypted"] for v in found)]
    if plain:
        fail(f"The root volume of web instance(s) {', '.join(plain)} is not encrypted. An "
             "existing volume cannot be encrypted in place: terminate them and launch "
             "replacements with Encrypted=True in the root block device mapping.", *plain)


@check(points=1, hint="ec2.terminate_instances(InstanceIds=[builder_id])")
def builder_terminated(aws):
    """The builder is terminated once the AMI exists"""
    _builder(aws)  # fails when there is none
    left = [i for i in _builders(aws) if i["State"]["Name"] not in GONE]
    if not left:
        return
    ids = [i["InstanceId"] for i in left]
    states = sorted({i["State"]["Name"] for i in left})
    cost = ("you pay for it by the second" if set(states) & set(LIVE) else
            "a stopped instance still pays for its EBS volume and can be started again")
    fail(f"Builder instance(s) {', '.join(ids)} are {' / '.join(states)}, not terminated: "
         f"{cost}. Call ec2.terminate_instances(InstanceIds=[...]).", *ids)
