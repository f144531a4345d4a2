# %% [markdown]
# # Lab 08 — EC2 purchasing options
#
# The same m5.large can cost very different amounts depending on *how* you buy it (lesson:
# *EC2 purchasing options*). Your service has two parts:
#
# - a **steady part**: one m5.large that runs 24x7, all year;
# - a **burst part**: extra workers for busy hours, which can be interrupted and restarted.
#
# In this lab you buy each part the right way:
#
# 1. run the burst workers on **Spot**, with a maximum price and an interruption behaviour;
# 2. run the steady instance **On-Demand**;
# 3. work out from a price table what the steady instance costs for a year On-Demand and with
#    each 1-year **Reserved Instance** payment option, and record the cheapest;
# 4. find the Reserved Instance **offering** you would buy.
#
# ### What changed in EC2 purchasing
#
# - **No more bidding.** Since November 2017 you do not bid for Spot capacity: you pay the
#   current Spot price, which EC2 adjusts gradually with long-term supply and demand. A maximum
#   price is optional, and AWS recommends leaving it out (it only adds interruptions); without
#   one, your cap is the On-Demand price.
# - **The two-minute notice.** When EC2 needs the capacity back it warns the instance two
#   minutes ahead (instance metadata and EventBridge); a *rebalance recommendation* may come
#   earlier.
# - **Scheduled Instances can no longer be bought.** For guaranteed capacity use On-Demand
#   Capacity Reservations; for a discount, Savings Plans.
# - **Savings Plans** are what AWS recommends over Reserved Instances: commit to an amount of
#   $/hour for 1 or 3 years and keep the discount when you change instance family, size or
#   Region (Compute Savings Plans also cover Fargate and Lambda). The sandbox has no Savings
#   Plans API, so this lab practises the Reserved Instance arithmetic, which works the same way:
#   pay for a commitment whether you use it or not.
#
# ### What the sandbox can and cannot show
#
# Everything runs in your **local sandbox** (moto): no AWS account, no bill. It does not
# simulate a market: Spot requests are fulfilled at once and never interrupted, and the Spot
# price history holds placeholder prices. Its Reserved Instance offerings are a small fixed list
# (t2.micro, t3.small and m5.large; 1-year Standard only) with **random prices on every start**,
# and buying one (`purchase_reserved_instances_offering`) is not implemented. In real AWS that
# call commits you to pay for the whole term, so never run it to experiment. Capacity
# Reservations are not implemented either (see the end). So the costs come from the **price
# table** in task 4, and the check grades your arithmetic against that table.
#
# Write plain `boto3`; the first cell already pointed it at the sandbox. Run it first.

# %% [markdown]
# ## Task 1 — Spot for the burst workers: a maximum price
#
# There are two ways to ask for Spot capacity:
#
# - `run_instances` with `InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {...}}`,
#   the recommended way, usually through a **launch template** (the same template then serves
#   Auto Scaling groups and EC2 Fleet);
# - `request_spot_instances(SpotPrice=..., Type=..., InstanceInterruptionBehavior=...,
#   LaunchSpecification={...})`, the legacy API. AWS "strongly discourages" it (no planned
#   investment), but you will still meet it in older code.
#
# `InstanceMarketOptions` with `SpotOptions` works straight in `run_instances` (the Spot request
# behind it shows in `describe_spot_instance_requests`, as on AWS), in a launch template (task 2)
# or through `request_spot_instances`.
#
# First choose the **maximum price**: a string in USD per hour. AWS rejects $0.001 or less, and a
# cap only means something *below* the On-Demand rate ($0.096 for m5.large here), e.g. `"0.05"`.
# (Outside this lab you would normally leave it out, as AWS recommends.)
# **Look at:** `ec2.describe_spot_price_history(InstanceTypes=["m5.large"],
# ProductDescriptions=["Linux/UNIX"], MaxResults=5)`: in AWS, the recent Spot price in each
# Availability Zone; in the sandbox, placeholder values.

# %%
import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
AMI = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")["Parameter"]["Value"]
ON_DEMAND_HOURLY = 0.096  # m5.large, us-east-1, Linux: see the price table in task 4

# BEGIN SOLUTION
max_price = "0.05"
history = ec2.describe_spot_price_history(InstanceTypes=["m5.large"],
                                          ProductDescriptions=["Linux/UNIX"], MaxResults=5)
for point in history["SpotPriceHistory"]:
    print(point["AvailabilityZone"], point["SpotPrice"])
# END SOLUTION
# BEGIN STARTER
# # TODO: a maximum Spot price in USD per hour, as a string: more than 0.001, below ON_DEMAND_HOURLY.
# max_price = None
# END STARTER
print("Maximum Spot price:", max_price)


# %% [markdown]
# ## Task 2 — Launch the burst worker: stop, do not terminate
#
# When EC2 interrupts a Spot instance it **terminates** it by default, and the root volume goes
# with it. The burst workers keep a checkpoint on their root volume, so they should **stop** (or
# **hibernate**) instead. AWS's rules for that:
#
# - stop and hibernate need a **persistent** request (`SpotInstanceType="persistent"`, or
#   `Type="persistent"` with `request_spot_instances`): only a persistent request can restart
#   the instance when capacity returns; a one-time request can only terminate. (With
#   `run_instances`, the reverse also holds: persistent is only allowed with stop or hibernate.)
# - a request whose instances stop or hibernate may not name a **launch group**;
# - only EC2 restarts an interrupted, stopped Spot instance. Hibernate also saves memory to the
#   root volume but has prerequisites (a supported instance family and AMI, an encrypted EBS root
#   volume large enough for the RAM), so stop is the simpler choice here.
#
# Create launch template **`burst-worker`**: `ImageId=AMI`, `InstanceType="m5.large"`,
# `InstanceMarketOptions={"MarketType": "spot", "SpotOptions": spot_options}` and a tag
# `Role=burst` for the instances; then `run_instances(LaunchTemplate={"LaunchTemplateName":
# "burst-worker"}, MinCount=1, MaxCount=1)`.
# **Look at:** `describe_launch_template_versions(LaunchTemplateName="burst-worker")` shows your
# Spot options. In AWS, `describe_instances` shows `"InstanceLifecycle": "spot"` on the worker
# and `describe_spot_instance_requests` the request behind it; the sandbox does neither for
# instances launched from a template, only for `request_spot_instances`.

# %%
# BEGIN STARTER
# # TODO: the interruption behaviour and the request type it needs.
# END STARTER
spot_options = {
    "MaxPrice": max_price,
# BEGIN SOLUTION
    "SpotInstanceType": "persistent",
    "InstanceInterruptionBehavior": "stop",
# END SOLUTION
# BEGIN STARTER
#     # "SpotInstanceType": ...,
#     # "InstanceInterruptionBehavior": ...,
# END STARTER
}
# BEGIN SOLUTION
ec2.create_launch_template(LaunchTemplateName="burst-worker", LaunchTemplateData={
    "ImageId": AMI,
    "InstanceType": "m5.large",
    "InstanceMarketOptions": {"MarketType": "spot", "SpotOptions": spot_options},
    "TagSpecifications": [{"ResourceType": "instance",
                           "Tags": [{"Key": "Role", "Value": "burst"}]}],
})
burst = ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "burst-worker"},
                          MinCount=1, MaxCount=1)["Instances"][0]
burst_id = burst["InstanceId"]
version = ec2.describe_launch_template_versions(LaunchTemplateName="burst-worker")
print(version["LaunchTemplateVersions"][0]["LaunchTemplateData"]["InstanceMarketOptions"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create launch template "burst-worker" (ImageId=AMI, InstanceType "m5.large",
# #       InstanceMarketOptions={"MarketType": "spot", "SpotOptions": spot_options},
# #       instances tagged Role=burst), then run_instances from it.
# burst_id = None
# END STARTER
print("Burst worker:", burst_id)


# %% [markdown]
# ## Task 3 — The steady part, On-Demand
#
# On-Demand needs no commitment: Linux instances are billed per second (60-second minimum) at a
# flat rate, with no capacity guarantee. Launch **one m5.large** from `AMI`, tagged
# **`Role=steady`**, *without* `InstanceMarketOptions`.
#
# Nothing on the instance changes when you later buy a Reserved Instance or a Savings Plan for
# it: an RI is a **billing discount** that applies to running instances matching its attributes
# (instance type, Region, platform, tenancy).
# **Look at:** `describe_instances(Filters=[{"Name": "tag:Role", "Values": ["steady"]}])`: an
# On-Demand instance has no `InstanceLifecycle` key.

# %%
# BEGIN SOLUTION
steady = ec2.run_instances(
    ImageId=AMI, InstanceType="m5.large", MinCount=1, MaxCount=1,
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "steady"}]}],
)["Instances"][0]
steady_id = steady["InstanceId"]
print("Steady instance:", steady_id, steady.get("InstanceLifecycle", "on-demand"))
# END SOLUTION
# BEGIN STARTER
# # TODO: run_instances: one m5.large from AMI, tagged Role=steady, On-Demand (no InstanceMarketOptions).
# steady_id = None
# print("Steady instance:", steady_id)
# END STARTER


# %% [markdown]
# ## Task 4 — What does a 24x7 year cost?
#
# The steady instance runs every hour of the year. A 1-year term is 31,536,000 seconds = 365
# days = **8,760 hours** (the `Duration` of a 1-year offering). For each option:
#
# **1-year cost = upfront + hourly rate x 8,760**
#
# No Upfront and Partial Upfront charge their hourly rate for **every hour of the term, whether
# or not an instance runs**; All Upfront has no hourly charge.
#
# | m5.large, us-east-1, Linux, shared tenancy | Upfront | Hourly rate |
# |---|---|---|
# | On-Demand | $0 | $0.096 |
# | 1-year Standard RI, No Upfront | $0 | $0.060 |
# | 1-year Standard RI, Partial Upfront | $257 | $0.029 |
# | 1-year Standard RI, All Upfront | $503 | $0.000 |
#
# *Sources (table written 2026-11-25):* the On-Demand rate is AWS's published Linux price
# for m5.large in us-east-1. The Reserved Instance figures are **illustrative**: they follow
# AWS's published 1-year Standard discounts for this type (roughly 35-40% off On-Demand) but
# could not be checked against the live pricing page when this lab was written. Before you buy
# anything real, look up today's prices on the
# [Reserved Instance pricing page](https://aws.amazon.com/ec2/pricing/reserved-instances/pricing/)
# or with the Price List API. The same table ships as `prices.json` in the lab folder.
#
# Store each total in USD (a string such as `"123.45"`) as an SSM parameter
# **`/lab08/1yr-cost/<option>`** for `on-demand`, `no-upfront`, `partial-upfront` and
# `all-upfront`. The cell below already holds the table.

# %%
PRICES = {
    "instance_type": "m5.large",
    "region": "us-east-1",
    "operating_system": "Linux/UNIX",
    "currency": "USD",
    "table_date": "2026-11-25",
    "hours_per_year": 8760,
    "on_demand_hourly": 0.096,
    "reserved_1yr_standard": {
        "no-upfront": {"upfront": 0, "hourly": 0.06},
        "partial-upfront": {"upfront": 257, "hourly": 0.029},
        "all-upfront": {"upfront": 503, "hourly": 0},
    },
}

HOURS_PER_YEAR = PRICES["hours_per_year"]

# BEGIN SOLUTION
costs = {"on-demand": PRICES["on_demand_hourly"] * HOURS_PER_YEAR}
for option, row in PRICES["reserved_1yr_standard"].items():
    costs[option] = row["upfront"] + row["hourly"] * HOURS_PER_YEAR
for option, cost in costs.items():
    ssm.put_parameter(Name=f"/lab08/1yr-cost/{option}", Value=f"{cost:.2f}",
                      Type="String", Overwrite=True)
# END SOLUTION
# BEGIN STARTER
# # TODO: the 1-year cost of each option (upfront + hourly x HOURS_PER_YEAR), keyed
# #       "on-demand", "no-upfront", "partial-upfront" and "all-upfront".
# costs = {}
# # TODO: store each: ssm.put_parameter(Name=f"/lab08/1yr-cost/{option}", Value=f"{cost:.2f}",
# #       Type="String", Overwrite=True)
# END STARTER
for option, cost in costs.items():
    print(f"{option:>16}: ${cost:,.2f}")


# %% [markdown]
# ## Task 5 — Record the cheapest option
#
# Compare the **totals**, not the hourly rates: the upfront payment counts too. Store the
# cheapest option's name (`on-demand`, `no-upfront`, `partial-upfront` or `all-upfront`) in
# **`/lab08/cheapest-1yr`** and its total in **`/lab08/cheapest-1yr-cost`**.
# **Look at:** how much it saves against On-Demand, and the *break-even*: cheapest total divided
# by the On-Demand hourly rate is the number of hours a year the instance must run for the
# commitment to pay off. Below that, On-Demand would have been cheaper; that is why
# commitments are for the steady part only. (A 3-year term saves more still; a Savings Plan
# gives a similar discount and keeps it if you change instance family or Region.)

# %%
# BEGIN SOLUTION
cheapest = min(costs, key=costs.get)
ssm.put_parameter(Name="/lab08/cheapest-1yr", Value=cheapest, Type="String", Overwrite=True)
ssm.put_parameter(Name="/lab08/cheapest-1yr-cost", Value=f"{costs[cheapest]:.2f}",
                  Type="String", Overwrite=True)
saving = costs["on-demand"] - costs[cheapest]
print(f"Cheapest 1-year option: {cheapest} (${costs[cheapest]:,.2f}), "
      f"saves ${saving:,.2f} ({saving / costs['on-demand']:.0%}) against On-Demand")
break_even = costs[cheapest] / PRICES["on_demand_hourly"]
print(f"Break-even: {break_even:,.0f} hours ({break_even / HOURS_PER_YEAR:.0%} of the year)")
# END SOLUTION
# BEGIN STARTER
# # TODO: the option with the lowest 1-year total, and that total.
# cheapest = None
# # TODO: store both in /lab08/cheapest-1yr and /lab08/cheapest-1yr-cost.
# print("Cheapest 1-year option:", cheapest)
# END STARTER


# %% [markdown]
# ## Task 6 — Find the offering you would buy
#
# `describe_reserved_instances_offerings` lists what you can buy. Each offering has
# `InstanceType`, `ProductDescription` (platform), `Duration` (seconds), `OfferingClass`
# (`standard` or `convertible`), `OfferingType` (the payment option), `FixedPrice` (upfront) and
# an hourly price (in AWS, current offerings put it in `RecurringCharges` and show `UsagePrice`
# 0; the sandbox uses `UsagePrice`). An offering with an `AvailabilityZone` is **zonal** (it also
# reserves capacity there); one without is **regional** (the discount applies in every AZ and,
# on Linux, across sizes of the family).
#
# The list is long in AWS: always filter. `Filters` with `instance-type`, `product-description`
# and `offering-type` work here. AWS has more (for example `duration`, `scope`,
# `instance-tenancy`, and top-level arguments such as `InstanceType`, `OfferingClass`,
# `MinDuration`); the sandbox ignores the top-level ones and returns nothing for a filter name it
# does not know. Its prices are random, so do not compare them with the table.
#
# Find the **m5.large, Linux/UNIX, Standard, 1-year** (`Duration` 31536000) offering with the
# **payment option you found cheapest**, zonal or regional, and store its
# `ReservedInstancesOfferingId` in **`/lab08/ri-offering-id`**. Do not buy it: the sandbox
# cannot, and in AWS the purchase is a commitment you cannot cancel.

# %%
# BEGIN SOLUTION
payment = {"no-upfront": "No Upfront", "partial-upfront": "Partial Upfront",
           "all-upfront": "All Upfront"}[cheapest]
offerings = ec2.describe_reserved_instances_offerings(Filters=[
    {"Name": "instance-type", "Values": ["m5.large"]},
    {"Name": "product-description", "Values": ["Linux/UNIX"]},
    {"Name": "offering-type", "Values": [payment]},
])["ReservedInstancesOfferings"]
# END SOLUTION
# BEGIN STARTER
# # TODO: list m5.large Linux/UNIX offerings with Filters (instance-type, product-description,
# #       offering-type), e.g. ec2.describe_reserved_instances_offerings(Filters=[...])["ReservedInstancesOfferings"]
# offerings = []
# END STARTER
for o in offerings:
    print(o["ReservedInstancesOfferingId"], o["OfferingType"], o.get("AvailabilityZone", "regional"),
          o["Duration"], o["OfferingClass"], o["FixedPrice"], o["UsagePrice"])
# BEGIN SOLUTION
offering_id = next(o["ReservedInstancesOfferingId"] for o in offerings
                   if o["Duration"] == 31536000 and o["OfferingClass"] == "standard")
ssm.put_parameter(Name="/lab08/ri-offering-id", Value=offering_id, Type="String", Overwrite=True)
# END SOLUTION
# BEGIN STARTER
# # TODO: pick the 1-year Standard offering with your cheapest payment option; store its id in
# #       /lab08/ri-offering-id.
# offering_id = None
# END STARTER
print("Offering to buy:", offering_id)


# %% [markdown]
# ## Beyond the sandbox: On-Demand Capacity Reservations
#
# A **Capacity Reservation** reserves capacity for an instance type and platform in **one
# Availability Zone**, for as long as you like (no 1- or 3-year term). While it is active you pay
# the On-Demand rate **whether or not** an instance uses it, and it gives **no discount** on its
# own: pair it with a Savings Plan or a regional RI for that. In AWS you would create one like this:
#
# ```python
# ec2.create_capacity_reservation(
#     InstanceType="m5.large", InstancePlatform="Linux/UNIX", AvailabilityZone="us-east-1a",
#     InstanceCount=1, EndDateType="unlimited", InstanceMatchCriteria="open")
# ```
#
# The sandbox (moto 5.2.5) answers `create_capacity_reservation` and
# `describe_capacity_reservations` with "not implemented", so this lab has no task for it.
#
# **Cleaning up in a real account:** cancel a persistent Spot request
# (`cancel_spot_instance_requests`) *and* terminate its instances: cancelling does not terminate
# them, and terminating the instance alone lets a persistent request launch a new one.
#
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# **Reset this lab** gives this lab a fresh, empty sandbox account.
