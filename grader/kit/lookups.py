"""Reading AWS state the way every lab's checks do, through boto3 only.

Most "does it exist yet?" questions are answered by AWS with an error code (NoSuchEntity,
ResourceNotFoundException, ...) rather than an empty list. ``or_none`` and ``or_fail`` turn
exactly those codes into "absent" and let every other error through, so a check fails with
its own message when something is missing and still reports a real AWS error as one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")


def error_code(exc: ClientError) -> str:
    """The error code AWS answered with ('' when the response has none)."""
    return exc.response.get("Error", {}).get("Code", "")


def or_none(call: Callable[[], T], *codes: str) -> T | None:
    """``call()``, or None when AWS answers with one of ``codes`` (the thing does not exist)."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise


def or_fail(call: Callable[[], T], code: str, message: str) -> T:
    """``call()``; when AWS answers ``code``, fail the check with ``message`` instead.

    The message is the learner's, so it says what to create; any other AWS error is
    raised unchanged (the check then reports what AWS said).
    """
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) != code:
            raise
    raise AssertionError(message)


def instances(ec2: Any, filters: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Every instance ``describe_instances`` lists for ``filters``: all pages, reservations
    flattened (terminated ones included, as AWS lists them for about an hour)."""
    pages = ec2.get_paginator("describe_instances").paginate(Filters=list(filters))
    return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]


def ensure_default_subnets(ec2: Any, zones_needed: int = 2) -> None:
    """Make sure the default VPC has default subnets in ``zones_needed`` Availability Zones.

    Labs that run services across AZs call this from ``setup(aws)``, so a learner always
    finds the default VPC a new AWS account has (moto normally provides it already).
    """
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        vpcs = [ec2.create_default_vpc()["Vpc"]]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]},
                                            {"Name": "default-for-az", "Values": ["true"]}])
    zones = {s["AvailabilityZone"] for s in subnets["Subnets"]}
    available = [z["ZoneName"] for z in ec2.describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]]
    for zone in available:
        if len(zones) >= zones_needed:
            break
        if zone not in zones:
            ec2.create_default_subnet(AvailabilityZone=zone)
            zones.add(zone)
