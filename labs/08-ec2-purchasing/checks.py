"""Checks for lab 08: EC2 purchasing options (Spot, On-Demand, Reserved Instances).

Every rule is listed in lab.toml ``rules``. The checks read state through boto3 only, so
they run unchanged against the sandbox, LocalStack or a real account. Costs are graded
against the lab's own price table (prices.json next to this file), never against the
sandbox's Reserved Instance offerings, whose prices are random on every start.

Where a Spot launch's options can be read:
- ``describe_spot_instance_requests``: every Spot request, whether made with the legacy
  ``request_spot_instances`` or (in AWS) by ``run_instances`` with InstanceMarketOptions;
- the launch template a live instance was launched from (tags aws:ec2launchtemplate:*),
  when its data holds InstanceMarketOptions. A Spot instance that neither shows (its
  request cancelled, its template deleted) is reported as unreadable rather than guessed at.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from botocore.exceptions import ClientError

from grader import check, fail
from grader.kit.concurrent_reads import read_concurrently
from grader.kit.lookups import instances
from grader.kit.other_regions import missing

PRICES = json.loads((Path(__file__).parent / "prices.json").read_text())
INSTANCE_TYPE = PRICES["instance_type"]
HOURS = Decimal(PRICES["hours_per_year"])
ON_DEMAND = Decimal(str(PRICES["on_demand_hourly"]))
MIN_MAX_PRICE = Decimal("0.001")
TOLERANCE = Decimal("0.01")
ONE_YEAR_SECONDS = 31536000

OPTIONS = ("on-demand", "no-upfront", "partial-upfront", "all-upfront")
OFFERING_TYPES = {"no-upfront": "No Upfront", "partial-upfront": "Partial Upfront",
                  "all-upfront": "All Upfront"}
COST_PARAM = "/lab08/1yr-cost/{}"
CHEAPEST_PARAM = "/lab08/cheapest-1yr"
CHEAPEST_COST_PARAM = "/lab08/cheapest-1yr-cost"
OFFERING_PARAM = "/lab08/ri-offering-id"

LIVE_REQUEST_STATES = ("open", "active", "disabled")
GONE = ("shutting-down", "terminated")
KEEP_STATE = ("stop", "hibernate")


def _rate(option):
    if option == "on-demand":
        return Decimal(0), ON_DEMAND
    row = PRICES["reserved_1yr_standard"][option]
    return Decimal(str(row["upfront"])), Decimal(str(row["hourly"]))


def one_year_cost(option):
    """Upfront plus the hourly rate for every hour of a 1-year term (8,760 hours)."""
    upfront, hourly = _rate(option)
    return upfront + hourly * HOURS


def cheapest_option():
    return min(OPTIONS, key=one_year_cost)


# --- Spot launches -------------------------------------------------------------------------


class SpotLaunch(NamedTuple):
    """One Spot launch and the options it was made with (None: not readable)."""

    source: str  # "request", "launch template" or "unreadable"
    resource: str = ""  # the Spot request's or the instance's id
    instance_type: str | None = None
    max_price: str | None = None
    request_type: str = "one-time"
    behaviour: str = "terminate"
    launch_group: str | None = None


def _live_instances(aws):
    """Every instance not on its way out, read once per run."""
    return aws.once("live-instances", lambda: [
        i for i in instances(aws.client("ec2")) if i["State"]["Name"] not in GONE])


def _tag(resource, key):
    return next((t["Value"] for t in resource.get("Tags", []) if t["Key"] == key), None)


def _template_market_options(ec2, instance, cache):
    """The launch template data behind ``instance`` if it asks for the Spot market."""
    template_id = _tag(instance, "aws:ec2launchtemplate:id")
    version = _tag(instance, "aws:ec2launchtemplate:version")
    if not template_id or not version:
        return None
    key = (template_id, version)
    if key not in cache:
        try:
            versions = ec2.describe_launch_template_versions(
                LaunchTemplateId=template_id, Versions=[version])["LaunchTemplateVersions"]
        except ClientError:
            versions = []
        cache[key] = versions[0]["LaunchTemplateData"] if versions else {}
    data = cache[key]
    market = data.get("InstanceMarketOptions") or {}
    return data if market.get("MarketType") == "spot" else None


def _is_spot(ec2, instance, cache):
    return (instance.get("InstanceLifecycle") == "spot"
            or _template_market_options(ec2, instance, cache) is not None)


def spot_launches(aws):
    """Every live Spot launch in the account, with its options where they can be read
    (read once per run: two checks judge the same launches)."""
    return aws.once("spot-launches", lambda: _read_spot_launches(aws))


def _spot_request_pages(aws):
    return aws.once("spot-requests", lambda: list(
        aws.client("ec2").get_paginator("describe_spot_instance_requests").paginate()))


def _read_together(aws):
    """The run's independent reads at once (see grader.kit.concurrent_reads)."""
    aws.once("read-together", lambda: read_concurrently(
        aws, [_live_instances, _spot_request_pages, _params], services=("ec2", "ssm")))


def _read_spot_launches(aws):
    ec2 = aws.client("ec2")
    launches, covered, cache = [], set(), aws.once("template-data", dict)
    instances = _live_instances(aws)
    types = {i["InstanceId"]: i["InstanceType"] for i in instances}
    for page in _spot_request_pages(aws):
        for req in page["SpotInstanceRequests"]:
            if req["State"] not in LIVE_REQUEST_STATES:
                continue
            spec = req.get("LaunchSpecification", {})
            launches.append(SpotLaunch(
                source="request", resource=req["SpotInstanceRequestId"],
                instance_type=spec.get("InstanceType") or types.get(req.get("InstanceId")),
                max_price=req.get("SpotPrice"), request_type=req.get("Type", "one-time"),
                behaviour=req.get("InstanceInterruptionBehavior", "terminate"),
                launch_group=req.get("LaunchGroup")))
            if req.get("InstanceId"):
                covered.add(req["InstanceId"])
    for instance in instances:
        if instance["InstanceId"] in covered or instance.get("SpotInstanceRequestId"):
            continue
        data = _template_market_options(ec2, instance, cache)
        if data is not None:
            options = data["InstanceMarketOptions"].get("SpotOptions") or {}
            hibernation = (data.get("HibernationOptions") or {}).get("Configured")
            launches.append(SpotLaunch(
                source="launch template", resource=instance["InstanceId"],
                instance_type=instance["InstanceType"],
                max_price=options.get("MaxPrice"),
                request_type=options.get("SpotInstanceType", "one-time"),
                behaviour=options.get("InstanceInterruptionBehavior",
                                      "hibernate" if hibernation else "terminate")))
        elif instance.get("InstanceLifecycle") == "spot":
            launches.append(SpotLaunch(source="unreadable", resource=instance["InstanceId"],
                                       instance_type=instance["InstanceType"]))
    return launches


UNREADABLE = (
    "A Spot instance is running, but no live Spot request or launch template shows the options "
    "it was launched with (was its request cancelled or its template deleted?). Launch the "
    "burst worker again with InstanceMarketOptions in run_instances or in a launch template, "
    "so its maximum price and interruption behaviour can be read back.")

NO_SPOT = ("No live Spot request or Spot instance yet: launch the burst worker on the Spot "
           "market (a launch template with InstanceMarketOptions MarketType 'spot', then "
           "run_instances from it; or the legacy request_spot_instances).")


def _footprint(ec2):
    """Any live instance: every way through the lab launches one."""
    return [i for i in instances(ec2) if i["State"]["Name"] not in GONE]


def _elsewhere(aws, message, what, service, found):
    """``message``, or where ``what`` was made instead when it is in another Region (asked
    only in the Regions where the learner launched instances)."""
    return missing(aws, message, what, service, found, key=what, footprint=("ec2", _footprint))


def _spot_elsewhere(ec2):
    return [i for i in _footprint(ec2) if i.get("InstanceLifecycle") == "spot"
            or _tag(i, "aws:ec2launchtemplate:id")] or ec2.describe_spot_instance_requests(
        Filters=[{"Name": "state", "Values": list(LIVE_REQUEST_STATES)}])[
        "SpotInstanceRequests"]


def _best_failure(aws, judge):
    """Pass if any launch passes ``judge``; else fail with the message of the closest one.

    ``judge`` returns None (pass) or (stage, message); a later stage is closer to right.
    """
    launches = spot_launches(aws)
    assert launches, _elsewhere(aws, NO_SPOT, "The Spot launch", "ec2", _spot_elsewhere)
    verdicts = [(judge(launch), launch) for launch in launches]
    if any(v is None for v, _ in verdicts):
        return
    (_, message), launch = max(verdicts, key=lambda pair: pair[0])
    fail(message, launch.resource)


def _judge_max_price(launch):
    if launch.source == "unreadable":
        return 0, UNREADABLE
    if launch.instance_type != INSTANCE_TYPE:
        return 1, (f"The Spot launch is for {launch.instance_type or 'an unknown type'}; the "
                   f"burst workers and the price table are {INSTANCE_TYPE}.")
    if not launch.max_price:
        return 2, ("The Spot launch has no maximum price. That is AWS's recommendation in real "
                   "life (without one you pay the current Spot price, capped at the On-Demand "
                   "rate), but this task asks you to practise setting one: MaxPrice (or "
                   "SpotPrice) below the On-Demand rate.")
    try:
        price = Decimal(str(launch.max_price).strip())
    except InvalidOperation:
        return 3, f"The maximum price {launch.max_price!r} is not a number of USD per hour."
    if price <= MIN_MAX_PRICE:
        return 3, (f"The maximum price ${price.normalize():f} is not more than $0.001 per hour; "
                   "AWS rejects such a price with InvalidParameterValue.")
    if price >= ON_DEMAND:
        return 4, (f"The maximum price ${price.normalize():f} per hour is not below the "
                   f"On-Demand rate (${ON_DEMAND:f} in the price table). A cap at or above "
                   "On-Demand protects you from nothing: interruptible capacity should never "
                   "cost more than capacity that cannot be taken away.")
    return None


@check(points=3, hint="ec2.create_launch_template(LaunchTemplateName='burst-worker', "
                      "LaunchTemplateData={'ImageId': ami, 'InstanceType': 'm5.large', "
                      "'InstanceMarketOptions': {'MarketType': 'spot', 'SpotOptions': "
                      "{'MaxPrice': '0.05', ...}}}), then run_instances(LaunchTemplate=...)")
def spot_max_price(aws):
    """Spot capacity for m5.large with a maximum price below the On-Demand rate"""
    _read_together(aws)
    _best_failure(aws, _judge_max_price)


def _judge_behaviour(launch):
    if launch.source == "unreadable":
        return 0, UNREADABLE
    if launch.behaviour not in KEEP_STATE:
        return 1, (f"The Spot launch's interruption behaviour is '{launch.behaviour}': after the "
                   "two-minute notice EC2 would terminate the worker and its root volume with "
                   "it. Choose 'stop' or 'hibernate' so the worker keeps its EBS state.")
    if launch.request_type != "persistent":
        return 2, (f"The Spot launch is a '{launch.request_type}' request with interruption "
                   f"behaviour '{launch.behaviour}'. AWS requires a persistent request for "
                   "stop or hibernate: only a persistent request can restart the instance "
                   "when capacity returns.")
    if launch.launch_group:
        return 3, ("The Spot request names a launch group. AWS does not allow a launch group "
                   "when interrupted instances are to stop or hibernate.")
    return None


@check(points=2, hint="SpotOptions={'MaxPrice': ..., 'SpotInstanceType': 'persistent', "
                      "'InstanceInterruptionBehavior': 'stop'}")
def spot_interruption_behaviour(aws):
    """Interrupted burst workers stop or hibernate (a persistent Spot request)"""
    _best_failure(aws, _judge_behaviour)


# --- On-Demand ------------------------------------------------------------------------------


@check(points=2, hint="ec2.run_instances(ImageId=ami, InstanceType='m5.large', MinCount=1, "
                      "MaxCount=1, TagSpecifications=[{'ResourceType': 'instance', "
                      "'Tags': [{'Key': 'Role', 'Value': 'steady'}]}])")
def steady_on_demand(aws):
    """The steady part runs On-Demand: an m5.large tagged Role=steady"""
    ec2 = aws.client("ec2")
    steady = [i for i in _live_instances(aws) if _tag(i, "Role") == "steady"
              and i["State"]["Name"] in ("pending", "running")]
    assert steady, _elsewhere(
        aws, "No running instance tagged Role=steady yet: launch one m5.large On-Demand "
        "(run_instances without InstanceMarketOptions) with that tag.",
        "The instance tagged Role=steady", "ec2",
        lambda client: [i for i in _footprint(client) if _tag(i, "Role") == "steady"])
    cache = aws.once("template-data", dict)
    for instance in steady:
        if _is_spot(ec2, instance, cache):
            fail("An instance tagged Role=steady runs on the Spot market. The steady part must "
                 "not be interrupted: terminate it and launch it On-Demand (no "
                 "InstanceMarketOptions, not from a Spot launch template); cover it with a "
                 "Savings Plan or Reserved Instance for the discount.", instance["InstanceId"])
        if instance["InstanceType"] != INSTANCE_TYPE:
            fail(f"An instance tagged Role=steady is {instance['InstanceType']}; the steady "
                 f"part is an {INSTANCE_TYPE}, the type the Reserved Instance comparison is "
                 "for. Terminate it (or stop it and change its type) and run an "
                 f"{INSTANCE_TYPE}.", instance["InstanceId"])


# --- Reserved Instance arithmetic -----------------------------------------------------------


PARAMS = [COST_PARAM.format(o) for o in OPTIONS] + [CHEAPEST_PARAM, CHEAPEST_COST_PARAM,
                                                   OFFERING_PARAM]


def _params(aws):
    """Every answer parameter in one call (get_parameters takes up to 10 names)."""
    return aws.once("params", lambda: {
        p["Name"]: p["Value"] for p in aws.client("ssm").get_parameters(
            Names=PARAMS, WithDecryption=True)["Parameters"]})


def _param(aws, name):
    return _params(aws).get(name)


def _params_elsewhere(aws, message):
    """Parameters are asked about in every Region: a learner may have stored only them
    elsewhere (an SSM client made with another region_name)."""
    return missing(aws, message, "The /lab08 parameters", "ssm",
                   lambda ssm: ssm.get_parameters(Names=PARAMS)["Parameters"], key="params")


def _usd(name, value):
    text = re.sub(r"(?i)usd|[$,\s]", "", value)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise AssertionError(
            f"{name} is {value!r}, not an amount in USD such as 123.45.") from None


def _close(found, expected):
    return abs(found - expected) <= TOLERANCE


@check(points=3, hint="ssm.put_parameter(Name='/lab08/1yr-cost/partial-upfront', "
                      "Value=str(upfront + hourly * 8760), Type='String', Overwrite=True)")
def one_year_costs(aws):
    """The 1-year cost of each option is computed from the price table"""
    values = {option: _param(aws, COST_PARAM.format(option)) for option in OPTIONS}
    absent = [COST_PARAM.format(o) for o in OPTIONS if values[o] is None]
    if absent:
        message = (f"Missing SSM parameter(s): {', '.join(absent)}. Store the 1-year cost in "
                   "USD of each option there.")
        fail(_params_elsewhere(aws, message) if len(absent) == len(OPTIONS) else message,
             *absent)
    for option in OPTIONS:
        name = COST_PARAM.format(option)
        found = _usd(name, values[option])
        upfront, hourly = _rate(option)
        if _close(found, one_year_cost(option)):
            continue
        if upfront and _close(found, hourly * HOURS):
            fail(f"{name} leaves out the upfront payment of ${upfront:f}.", name)
        if hourly and upfront and _close(found, upfront):
            fail(f"{name} leaves out the hourly charge: Partial Upfront bills its hourly rate "
                 "for every hour of the term, whether or not an instance runs.", name)
        fail(f"{name} is {found:f}, which does not match the price table. A 24x7 year is "
             "8,760 hours: cost = upfront + hourly rate x 8,760.", name)


def _carried(aws, choice):
    """Why a wrong choice was made, when it follows from the learner's own wrong totals."""
    stored = {}
    for option in OPTIONS:
        try:
            stored[option] = _usd(option, _param(aws, COST_PARAM.format(option)) or "")
        except AssertionError:
            return ""
    if min(stored, key=stored.get) == choice and any(
            not _close(stored[o], one_year_cost(o)) for o in OPTIONS):
        return (" (it is the cheapest of your /lab08/1yr-cost values, but some of those do "
                "not match the price table: fix them first)")
    return ""


@check(points=2, hint="ssm.put_parameter(Name='/lab08/cheapest-1yr', Value='all-upfront', "
                      "Type='String', Overwrite=True) and /lab08/cheapest-1yr-cost")
def cheapest_recorded(aws):
    """The cheapest 1-year option and its total are recorded"""
    choice, cost = _param(aws, CHEAPEST_PARAM), _param(aws, CHEAPEST_COST_PARAM)
    assert choice is not None, _params_elsewhere(aws, (
        f"No SSM parameter {CHEAPEST_PARAM} yet: store the cheapest option's name there "
        "(on-demand, no-upfront, partial-upfront or all-upfront)."))
    key = re.sub(r"[^a-z]", "", choice.lower())
    names = {re.sub(r"[^a-z]", "", o): o for o in OPTIONS}
    assert key in names, (f"{CHEAPEST_PARAM} is {choice!r}; use one of on-demand, no-upfront, "
                          "partial-upfront or all-upfront.")
    best = cheapest_option()
    if names[key] != best:
        fail(f"{CHEAPEST_PARAM} says {names[key]}, but another option costs less over a 24x7 "
             f"year{_carried(aws, names[key])}. Compare the totals, not the hourly rates: the "
             "upfront payment counts too.", CHEAPEST_PARAM)
    assert cost is not None, f"No SSM parameter {CHEAPEST_COST_PARAM} yet: store its total."
    assert _close(_usd(CHEAPEST_COST_PARAM, cost), one_year_cost(best)), (
        f"{CHEAPEST_COST_PARAM} is {cost}, not the 1-year total of {best} from the price "
        "table (upfront + hourly rate x 8,760).")


# Offerings are AWS's catalogue, not the learner's state: the same id answers the same on
# every click, so it is read once per endpoint, Region and id, not once per run.
_OFFERINGS: dict[tuple, list] = {}


def _offering(aws, offering_id):
    key = (aws.endpoint, aws.region, offering_id)
    if key not in _OFFERINGS:
        offerings = aws.client("ec2").describe_reserved_instances_offerings(
            ReservedInstancesOfferingIds=[offering_id])["ReservedInstancesOfferings"]
        _OFFERINGS[key] = [o for o in offerings if o["ReservedInstancesOfferingId"] == offering_id]
    return _OFFERINGS[key]


@check(points=2, hint="ec2.describe_reserved_instances_offerings(Filters=[{'Name': "
                      "'instance-type', 'Values': ['m5.large']}, {'Name': 'offering-type', "
                      "'Values': ['All Upfront']}, {'Name': 'product-description', "
                      "'Values': ['Linux/UNIX']}])")
def ri_offering_matches(aws):
    """The Reserved Instance offering to buy is identified"""
    offering_id = _param(aws, OFFERING_PARAM)
    assert offering_id, _params_elsewhere(aws, (
        f"No SSM parameter {OFFERING_PARAM} yet: store the ReservedInstancesOfferingId of the "
        "offering you would buy."))
    offering_id = offering_id.strip()
    match = _offering(aws, offering_id)
    assert match, (f"{OFFERING_PARAM} names no Reserved Instance offering in this Region: "
                   "copy a ReservedInstancesOfferingId from describe_reserved_instances_offerings.")
    offering = match[0]
    assert offering["InstanceType"] == INSTANCE_TYPE, (
        f"The offering is for {offering['InstanceType']}; a Reserved Instance only discounts "
        f"instances of its own type (family, with size flexibility), so pick {INSTANCE_TYPE}.")
    assert offering.get("ProductDescription", "").startswith("Linux/UNIX"), (
        f"The offering is for {offering.get('ProductDescription')}; the steady instance runs "
        "Linux/UNIX, and an RI only applies to its own platform.")
    assert offering.get("Duration") == ONE_YEAR_SECONDS, (
        "The offering is not a 1-year term (Duration 31536000 seconds); the comparison is "
        "for one year.")
    assert offering.get("OfferingClass", "standard") == "standard", (
        "The offering is Convertible; the price table is for Standard RIs (bigger discount, "
        "cannot be exchanged).")
    assert offering.get("InstanceTenancy", "default") == "default", (
        f"The offering is for {offering.get('InstanceTenancy')} tenancy; the steady instance "
        "uses shared (default) tenancy.")
    best = cheapest_option()
    assert offering.get("OfferingType") == OFFERING_TYPES.get(best), (
        f"The offering is {offering.get('OfferingType')}; by the price table the cheapest "
        "payment option for a 24x7 year is a different one.")
