"""Passes InstanceMarketOptions straight to run_instances (the recommended call, no template)."""

import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
ami = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]

ec2.run_instances(
    ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
    InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {
        "MaxPrice": "0.05", "SpotInstanceType": "persistent",
        "InstanceInterruptionBehavior": "stop"}},
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "burst"}]}])

ec2.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                  TagSpecifications=[{"ResourceType": "instance",
                                      "Tags": [{"Key": "Role", "Value": "steady"}]}])

hours = 8760
costs = {
    "on-demand": 0.096 * hours,
    "no-upfront": 0 + 0.060 * hours,
    "partial-upfront": 257 + 0.029 * hours,
    "all-upfront": 503 + 0 * hours,
}
for option, cost in costs.items():
    ssm.put_parameter(Name=f"/lab08/1yr-cost/{option}", Value=f"{cost:.2f}", Type="String",
                      Overwrite=True)
cheapest = min(costs, key=costs.get)
ssm.put_parameter(Name="/lab08/cheapest-1yr", Value=cheapest, Type="String", Overwrite=True)
ssm.put_parameter(Name="/lab08/cheapest-1yr-cost", Value=f"{costs[cheapest]:.2f}", Type="String",
                  Overwrite=True)

offerings = ec2.describe_reserved_instances_offerings(Filters=[
    {"Name": "instance-type", "Values": ["m5.large"]},
    {"Name": "product-description", "Values": ["Linux/UNIX"]},
    {"Name": "offering-type", "Values": ["All Upfront"]},
])["ReservedInstancesOfferings"]
offering = next(o for o in offerings
                if o["Duration"] == 31536000 and o["OfferingClass"] == "standard")
ssm.put_parameter(Name="/lab08/ri-offering-id", Value=offering["ReservedInstancesOfferingId"],
                  Type="String", Overwrite=True)
