"""Lab 08 against a real moto server: what its corpus (tests/labs/corpus/08-ec2-purchasing) does
not show: the price table, hibernation configured in a template, a valid launch beside a
wrong one, and messages that read the same in every account."""

from __future__ import annotations

import json

import nbformat
import pytest
from labkit import assert_passes

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("08")
PRICES = json.loads((LAB.path / "prices.json").read_text())
SSM_AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
FULL = 14
CORRECT_COSTS = {"on-demand": "840.96", "no-upfront": "525.60", "partial-upfront": "511.04",
                 "all-upfront": "503.00"}


def put(ssm, name, value):
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def launch_spot(ec2, ami, *, spot, instance_type, max_price, spot_type, behaviour,
                launch_group, role="burst"):
    options = {"MaxPrice": max_price, "SpotInstanceType": spot_type,
               "InstanceInterruptionBehavior": behaviour}
    options = {k: v for k, v in options.items() if v is not None}
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": role}]}]
    if spot in ("template", "template-hibernation"):
        data = {"ImageId": ami, "InstanceType": instance_type, "TagSpecifications": tags,
                "InstanceMarketOptions": {"MarketType": "spot", "SpotOptions": options}}
        if spot == "template-hibernation":  # Configured=True makes 'hibernate' the default
            options.pop("InstanceInterruptionBehavior", None)
            data["HibernationOptions"] = {"Configured": True}
        name = f"lt-{role}"
        ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)
        ec2.run_instances(LaunchTemplate={"LaunchTemplateName": name}, MinCount=1, MaxCount=1)
    elif spot == "request":  # the legacy API
        kwargs = {"SpotPrice": max_price, "Type": spot_type,
                  "InstanceInterruptionBehavior": behaviour, "LaunchGroup": launch_group}
        ec2.request_spot_instances(
            InstanceCount=1, LaunchSpecification={"ImageId": ami, "InstanceType": instance_type},
            **{k: v for k, v in kwargs.items() if v is not None})
    elif spot == "run-direct":  # moto drops these SpotOptions
        ec2.run_instances(ImageId=ami, InstanceType=instance_type, MinCount=1, MaxCount=1,
                          TagSpecifications=tags, InstanceMarketOptions={
                              "MarketType": "spot", "SpotOptions": options})


def build(aws, *, spot="template", spot_instance_type="m5.large", max_price="0.05",
          spot_type="persistent", behaviour="stop", launch_group=None, steady="client",
          steady_type="m5.large", **params):
    """Lab 08 done one way; keyword arguments introduce one mistake or alternative each."""
    ec2, ssm = aws.client("ec2"), aws.client("ssm")
    ami = ssm.get_parameter(Name=SSM_AL2023)["Parameter"]["Value"]
    if spot:
        launch_spot(ec2, ami, spot=spot, instance_type=spot_instance_type, max_price=max_price,
                    spot_type=spot_type, behaviour=behaviour, launch_group=launch_group)
    steady_tags = [{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "steady"}]}]
    if steady == "client":
        ec2.run_instances(ImageId=ami, InstanceType=steady_type, MinCount=1, MaxCount=1,
                          TagSpecifications=steady_tags)
    elif steady == "resource":
        for instance in aws.resource("ec2").create_instances(
                ImageId=ami, InstanceType=steady_type, MinCount=1, MaxCount=1):
            instance.create_tags(Tags=[{"Key": "Role", "Value": "steady"}])
    elif steady == "spot-template":
        launch_spot(ec2, ami, spot="template", instance_type=steady_type, max_price="0.05",
                    spot_type="persistent", behaviour="stop", launch_group=None, role="steady")
    elif steady == "spot-direct":
        ec2.run_instances(ImageId=ami, InstanceType=steady_type, MinCount=1, MaxCount=1,
                          TagSpecifications=steady_tags,
                          InstanceMarketOptions={"MarketType": "spot"})
    write_params(aws, **params)


def write_params(aws, *, costs=None, cheapest="all-upfront", cheapest_cost="503.00",
                 offering=("m5.large", "All Upfront", "zonal")):
    """The SSM answers, all rewritten (None deletes one), so one account can take many."""
    ssm, ec2 = aws.client("ssm"), aws.client("ec2")
    values = {f"/lab08/1yr-cost/{o}": v for o, v in {**CORRECT_COSTS, **(costs or {})}.items()}
    values["/lab08/cheapest-1yr"] = cheapest
    values["/lab08/cheapest-1yr-cost"] = cheapest_cost
    values["/lab08/ri-offering-id"] = (offering_id(ec2, *offering)
                                       if isinstance(offering, tuple) else offering)
    for name, value in values.items():
        if value is not None:
            put(ssm, name, value)
        else:
            ssm.delete_parameters(Names=[name])


def offering_id(ec2, instance_type, offering_type, scope):
    offerings = ec2.describe_reserved_instances_offerings(Filters=[
        {"Name": "instance-type", "Values": [instance_type]},
        {"Name": "offering-type", "Values": [offering_type]},
        {"Name": "product-description", "Values": ["Linux/UNIX"]},
    ])["ReservedInstancesOfferings"]
    zonal = scope == "zonal"
    return next(o["ReservedInstancesOfferingId"] for o in offerings
                if bool(o.get("AvailabilityZone")) == zonal)


def test_price_table_totals():
    """The table's arithmetic the checks grade against (and the lab text quotes)."""
    checks = LAB._module("checks")
    assert {o: f"{checks.one_year_cost(o):.2f}" for o in checks.OPTIONS} == CORRECT_COSTS
    assert checks.cheapest_option() == "all-upfront"
    assert PRICES["instance_type"] == "m5.large" and PRICES["region"] == "us-east-1"
    assert PRICES["table_date"] and "ILLUSTRATIVE" in PRICES["sources"]["reserved_1yr_standard"]


def test_notebook_embeds_the_same_price_table():
    """The workspace gets only lab.ipynb, so the notebook carries the table itself."""
    for name in ("lab.ipynb", "solution.ipynb"):
        cells = nbformat.read(LAB.path / name, as_version=4).cells
        source = next(c.source for c in cells if c.source.startswith("PRICES = "))
        namespace: dict = {}
        exec(source.split("\n\n")[0], namespace)
        embedded = namespace["PRICES"]
        assert embedded == {k: PRICES[k] for k in embedded}, name
        assert {"hours_per_year", "on_demand_hourly", "reserved_1yr_standard"} <= set(embedded)
        text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        assert "$0.096" in text and PRICES["table_date"] in text


@pytest.mark.parametrize("kwargs", [
    # legacy request_spot_instances, hibernate, resource API, formatted amounts, regional RI
    {"spot": "request", "behaviour": "hibernate", "max_price": "0.04", "steady": "resource",
     "costs": {"on-demand": "$840.96", "no-upfront": "525.6 USD", "partial-upfront": "511.04",
               "all-upfront": "503"},
     "cheapest": "All Upfront", "cheapest_cost": "$503.00",
     "offering": ("m5.large", "All Upfront", "regional")},
    # hibernation configured in the template (behaviour defaults to hibernate), float output
    {"spot": "template-hibernation", "behaviour": None, "max_price": "0.0959",
     "costs": {"on-demand": str(0.096 * 8760), "partial-upfront": str(257 + 0.029 * 8760)},
     "cheapest": "ALL_UPFRONT", "cheapest_cost": "503.004"},
], ids=["legacy-request-hibernate", "template-hibernation-options"])
def test_alternative_correct_solutions_get_full_marks(fresh_aws, kwargs):
    aws = fresh_aws(LAB.id)
    build(aws, **kwargs)
    result = check_lab(LAB, aws)
    assert_passes(result)
    assert result.score == FULL


def test_a_valid_spot_launch_is_enough_beside_a_wrong_one(fresh_aws):
    """Leftover launches do not cost points once one launch meets every rule."""
    aws = fresh_aws(LAB.id)
    build(aws, spot="run-direct")
    ec2 = aws.client("ec2")
    ami = aws.client("ssm").get_parameter(Name=SSM_AL2023)["Parameter"]["Value"]
    launch_spot(ec2, ami, spot="request", instance_type="m5.large", max_price="0.05",
                spot_type="persistent", behaviour="stop", launch_group=None)
    assert check_lab(LAB, aws).score == FULL


def test_messages_are_deterministic_across_accounts(fresh_aws):
    """Same mistakes in two accounts: identical results, so no ids leak into messages."""
    mistakes = {"spot": "request", "spot_type": "one-time", "max_price": "0.2",
                "steady_type": "t3.large", "cheapest": "no-upfront",
                "offering": ("t3.small", "All Upfront", "zonal")}
    results = []
    for _ in range(2):
        aws = fresh_aws(LAB.id)
        build(aws, **mistakes)
        result = check_lab(LAB, aws)
        results.append([(t.name, t.status, t.output) for t in result.tests])
        assert result.score == 3
    assert results[0] == results[1]
