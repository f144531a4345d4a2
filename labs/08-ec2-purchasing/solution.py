"""Reference solution for lab 08 (powers `computelab solve` and the tests)."""

from __future__ import annotations

import json
from pathlib import Path

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
PRICES = json.loads((Path(__file__).parent / "prices.json").read_text())


def one_year_costs(prices):
    hours = prices["hours_per_year"]
    costs = {"on-demand": prices["on_demand_hourly"] * hours}
    for option, row in prices["reserved_1yr_standard"].items():
        costs[option] = row["upfront"] + row["hourly"] * hours
    return costs


def solve(aws):
    ec2, ssm = aws.client("ec2"), aws.client("ssm")
    ami = ssm.get_parameter(Name=AL2023)["Parameter"]["Value"]

    # Spot for the burst workers: a launch template asks for the Spot market.
    ec2.create_launch_template(LaunchTemplateName="burst-worker", LaunchTemplateData={
        "ImageId": ami, "InstanceType": "m5.large",
        "InstanceMarketOptions": {"MarketType": "spot", "SpotOptions": {
            "MaxPrice": "0.05", "SpotInstanceType": "persistent",
            "InstanceInterruptionBehavior": "stop"}},
        "TagSpecifications": [{"ResourceType": "instance",
                               "Tags": [{"Key": "Role", "Value": "burst"}]}]})
    ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "burst-worker"},
                      MinCount=1, MaxCount=1)

    # On-Demand for the steady part.
    ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "Role", "Value": "steady"}]}])

    # 1-year costs from the price table, and the cheapest option.
    costs = one_year_costs(PRICES)
    for option, cost in costs.items():
        ssm.put_parameter(Name=f"/lab08/1yr-cost/{option}", Value=f"{cost:.2f}",
                          Type="String", Overwrite=True)
    cheapest = min(costs, key=costs.get)
    ssm.put_parameter(Name="/lab08/cheapest-1yr", Value=cheapest, Type="String",
                      Overwrite=True)
    ssm.put_parameter(Name="/lab08/cheapest-1yr-cost", Value=f"{costs[cheapest]:.2f}",
                      Type="String", Overwrite=True)

    # The matching offering: m5.large, Linux/UNIX, 1-year Standard, cheapest payment option.
    offering_type = cheapest.replace("-", " ").title()  # all-upfront -> All Upfront
    offerings = ec2.describe_reserved_instances_offerings(Filters=[
        {"Name": "instance-type", "Values": ["m5.large"]},
        {"Name": "product-description", "Values": ["Linux/UNIX"]},
        {"Name": "offering-type", "Values": [offering_type]},
    ])["ReservedInstancesOfferings"]
    offering = next(o for o in offerings if o["Duration"] == 31536000
                    and o.get("OfferingClass", "standard") == "standard")
    ssm.put_parameter(Name="/lab08/ri-offering-id", Value=offering["ReservedInstancesOfferingId"],
                      Type="String", Overwrite=True)
