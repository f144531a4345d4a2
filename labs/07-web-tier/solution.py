# %% [markdown]
# # Lab 07 — A web tier like Elastic Beanstalk builds for you
#
# Lesson: *AWS Elastic Beanstalk*. When you create a **web server environment**, Elastic
# Beanstalk provisions a load balancer, an **Auto Scaling group** of EC2 instances and the
# **security groups** between them, then deploys your code onto the instances. In this lab you
# build that same tier yourself, piece by piece, so you know what Beanstalk creates in your
# account and can read and tune it later:
#
# 1. two security groups: one for the load balancer, one for the instances;
# 2. a **launch template**, the recipe for every instance;
# 3. a **target group** with a health check;
# 4. an internet-facing **Application Load Balancer** (ALB) in two Availability Zones;
# 5. a **listener** that sends HTTP traffic to the target group;
# 6. an **Auto Scaling group** in two zones, attached to the target group;
# 7. scaling the group to 3 and watching the new instance become a target.
#
# ```
# visitors --80--> web-alb (web-alb-sg) --80--> web-asg instances (web-instance-sg)
#                     |                          launched from web-lt = web-golden AMI
#                     +-- listener HTTP:80 --> web-tg (health check GET /health -> 200)
# ```
#
# **Why by hand, not with Elastic Beanstalk?** The sandbox's Elastic Beanstalk is weak: it records
# applications and environments but creates no load balancer, instances or Auto Scaling group
# behind them, so there would be nothing to look at. Building the tier from EC2, Elastic Load
# Balancing and Auto Scaling shows the real moving parts.
# **Amazon Lightsail** offers a simpler version of the same idea: a Lightsail load balancer that
# you attach Lightsail instances to, with health checks and HTTPS but no Auto Scaling. Lightsail
# is not available in the sandbox at all.
#
# **Your account is prepared.** When this lab's account was created, it baked the AMI
# **`web-golden`** the lab 01 way: an Amazon Linux 2023 builder whose user data installs `httpd`
# and writes a `/health` page, captured as an image. Every instance in this lab starts from
# `web-golden`. (Without a golden image you would use the current Amazon Linux 2023 AMI from the
# public SSM parameter and install the web server in user data, which makes every boot slower.)
# The account has a **default VPC** with one public default subnet per Availability Zone, as real
# accounts do.
#
# Everything runs in your **local sandbox** (no AWS account, no cost). Write plain `boto3`: the
# first cell already pointed it at the sandbox.
#
# **What the sandbox cannot show.** No request ever reaches an instance: the load balancer's DNS
# name does not resolve, health checks are not really sent (a target in a zone the load balancer
# serves is `healthy` at once; one in another zone is `unused`, as on AWS) and Auto Scaling puts every instance in the first subnet you list, where real AWS spreads
# them over the zones. It also **accepts mistakes real AWS rejects**, such as an ALB in one zone or a
# desired capacity above the maximum. The checks enforce the real rules, so read their messages.
#

# %% [markdown]
# ## Task 1 — Two security groups: only the load balancer reaches the instances
#
# In Beanstalk's web tier, visitors talk to the load balancer and **only the load balancer** talks
# to the instances. Security groups express that:
#
# - **`web-alb-sg`** (in the default VPC): allow **tcp 80 from `0.0.0.0/0`**, the one public door;
# - **`web-instance-sg`**: allow **tcp 80 from `web-alb-sg`**, written as a *security-group
#   reference*: `IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
#   "UserIdGroupPairs": [{"GroupId": alb_sg}]}]`. No CIDR at all: the load balancer's node
#   addresses change as it scales, its security group does not. Nothing in this group may be open
#   to `0.0.0.0/0`.
#
# Use `IpPermissions` with `UserIdGroupPairs` as above: the shortcut
# `authorize_security_group_ingress(SourceSecurityGroupName=...)` opens every port from that group
# (on AWS and here), which is more than the instances need.
#
# The cell first lists the default subnets; you need two of them, in different zones, from
# task 4 on. **Look at:** `ec2.describe_security_groups(GroupIds=[instance_sg])`: the rule's
# `UserIdGroupPairs` and its empty `IpRanges`.
#

# %%
import boto3

ec2 = boto3.client("ec2")
elbv2 = boto3.client("elbv2")
autoscaling = boto3.client("autoscaling")

vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
default_subnets = ec2.describe_subnets(Filters=[
    {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
for subnet in sorted(default_subnets, key=lambda s: s["AvailabilityZone"]):
    print(subnet["SubnetId"], subnet["AvailabilityZone"], subnet["CidrBlock"])

# BEGIN SOLUTION
by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in default_subnets}
subnet_ids = [by_zone[zone] for zone in sorted(by_zone)[:2]]
# END SOLUTION
# BEGIN STARTER
# # TODO: pick two of the subnet ids above, in different Availability Zones.
# subnet_ids = None
# END STARTER

# BEGIN SOLUTION
alb_sg = ec2.create_security_group(GroupName="web-alb-sg", Description="web load balancer",
                                   VpcId=vpc_id)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
instance_sg = ec2.create_security_group(GroupName="web-instance-sg",
                                        Description="web instances, from the ALB only",
                                        VpcId=vpc_id)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=instance_sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": alb_sg}]}])
# END SOLUTION
# BEGIN STARTER
# # TODO: create "web-alb-sg" in vpc_id and allow tcp 80 from 0.0.0.0/0.
# alb_sg = None
# # TODO: create "web-instance-sg" in vpc_id and allow tcp 80 only from alb_sg (UserIdGroupPairs).
# instance_sg = None
# END STARTER
print("Subnets:", subnet_ids)
print("Load balancer group:", alb_sg, "Instance group:", instance_sg)
# BEGIN SOLUTION
print(ec2.describe_security_groups(GroupIds=[instance_sg])["SecurityGroups"][0]["IpPermissions"])
# END SOLUTION


# %% [markdown]
# ## Task 2 — A launch template from the golden AMI
#
# Auto Scaling starts every instance from a **launch template**: AMI, instance type, security
# groups, user data, tags. Create **`web-lt`** with
#
# - `ImageId`: the `web-golden` AMI (the cell looks it up for you);
# - `InstanceType`: `"t3.micro"`. `web-golden` is an **x86_64** image, so Graviton types such as
#   `t4g.micro` (arm64) cannot run it;
# - `SecurityGroupIds`: `[instance_sg]` only. Groups add up: adding `web-alb-sg` here would open
#   the instances to the world again;
# - optionally `TagSpecifications` with `Name=web`, so the instances are easy to find.
#
# A template has numbered **versions**; the Auto Scaling group refers to one by number or by
# `$Latest` / `$Default`. **Look at:**
# `ec2.describe_launch_template_versions(LaunchTemplateName="web-lt")`.
#

# %%
golden = ec2.describe_images(Owners=["self"], Filters=[
    {"Name": "name", "Values": ["web-golden"]}])["Images"][0]
golden_id = golden["ImageId"]
print("web-golden:", golden_id, golden["Architecture"], "-", golden.get("Description"))

# BEGIN SOLUTION
template = ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
    "ImageId": golden_id, "InstanceType": "t3.micro", "SecurityGroupIds": [instance_sg],
    "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
})["LaunchTemplate"]
print("Launch template:", template["LaunchTemplateName"], "version", template["LatestVersionNumber"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create launch template "web-lt": ImageId golden_id, InstanceType "t3.micro",
# # SecurityGroupIds [instance_sg].
# template = None
# print("Launch template:", template)
# END STARTER


# %% [markdown]
# ## Task 3 — A target group with a health check
#
# A **target group** is the list of targets the load balancer may send requests to, plus the
# **health check** that decides which of them get traffic. Create **`web-tg`** in `vpc_id`:
#
# - `Protocol="HTTP"`, `Port=80`, `TargetType="instance"`: Auto Scaling registers *instances*,
#   so a target group used with it must use instance targets, not `ip`;
# - health check: `HealthCheckProtocol="HTTP"`, `HealthCheckPath="/health"` (the page
#   `web-golden` serves), `Matcher={"HttpCode": "200"}`, on the traffic port (the default).
#
# The default path is `/`, which often returns 200 even when the application behind it is
# broken; a dedicated `/health` page can check what matters. **Look at:**
# `elbv2.describe_target_groups(Names=["web-tg"])`: `HealthCheckPath`, `Matcher`,
# `HealthyThresholdCount`, `HealthCheckIntervalSeconds`.
#

# %%
# BEGIN SOLUTION
tg_arn = elbv2.create_target_group(
    Name="web-tg", Protocol="HTTP", Port=80, VpcId=vpc_id, TargetType="instance",
    HealthCheckProtocol="HTTP", HealthCheckPath="/health", Matcher={"HttpCode": "200"},
)["TargetGroups"][0]["TargetGroupArn"]
# END SOLUTION
# BEGIN STARTER
# # TODO: create target group "web-tg": HTTP, port 80, instance targets, in vpc_id,
# # health check HTTP on /health expecting 200.
# tg_arn = None
# END STARTER
print("Target group:", tg_arn)


# %% [markdown]
# ## Task 4 — An Application Load Balancer in two Availability Zones
#
# Create **`web-alb`**: `Type="application"`, `Scheme="internet-facing"`,
# `SecurityGroups=[alb_sg]` and `Subnets=subnet_ids`, **one subnet in each of two Availability
# Zones**. AWS requires at least two zones for an ALB, so the site survives the loss of one. An
# internet-facing load balancer needs **public** subnets (a route to the VPC's internet gateway);
# the default subnets are public.
#
# The load balancer's `DNSName` is the address visitors use. Elastic Beanstalk's
# `myapp.region.elasticbeanstalk.com` URL is a CNAME pointing at exactly such a name. (In the
# sandbox the name does not resolve.) **Look at:** `AvailabilityZones`, `Scheme`, `State` and
# `DNSName` in `elbv2.describe_load_balancers(Names=["web-alb"])`.
#

# %%
# BEGIN SOLUTION
alb = elbv2.create_load_balancer(
    Name="web-alb", Type="application", Scheme="internet-facing",
    Subnets=subnet_ids, SecurityGroups=[alb_sg],
)["LoadBalancers"][0]
alb_arn = alb["LoadBalancerArn"]
print("Load balancer:", alb["DNSName"], [z["ZoneName"] for z in alb["AvailabilityZones"]])
# END SOLUTION
# BEGIN STARTER
# # TODO: create the internet-facing application load balancer "web-alb" in subnet_ids with alb_sg.
# alb_arn = None
# print("Load balancer:", alb_arn)
# END STARTER


# %% [markdown]
# ## Task 5 — A listener that forwards to the target group
#
# A load balancer accepts connections only on its **listeners**. Add one for **HTTP on port 80**
# whose default action **forwards** to `web-tg`:
# `DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}]`. The target group must be in
# the load balancer's VPC. (Beanstalk adds an HTTPS listener on 443 when you give it a TLS
# certificate; the sandbox has no certificates, so this lab stays on 80.)
# **Look at:** `elbv2.describe_listeners(LoadBalancerArn=alb_arn)`.
#

# %%
# BEGIN SOLUTION
listener_arn = elbv2.create_listener(
    LoadBalancerArn=alb_arn, Protocol="HTTP", Port=80,
    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
)["Listeners"][0]["ListenerArn"]
# END SOLUTION
# BEGIN STARTER
# # TODO: add an HTTP:80 listener to web-alb that forwards to tg_arn.
# listener_arn = None
# END STARTER
print("Listener:", listener_arn)


# %% [markdown]
# ## Task 6 — The Auto Scaling group
#
# Create **`web-asg`**:
#
# - `LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"}` (`$Default` or a
#   version number work too; a `MixedInstancesPolicy` that uses `web-lt` is also fine);
# - `VPCZoneIdentifier=",".join(subnet_ids)`: subnets in **two Availability Zones**, in the
#   target group's VPC and in zones the load balancer serves (it sends no traffic to targets in a
#   zone where it has no subnet);
# - `MinSize=2`, `MaxSize=4`, `DesiredCapacity=2`: never fewer than 2, room to grow to 4;
# - `TargetGroupARNs=[tg_arn]`: the group then registers every instance it launches in `web-tg`
#   and deregisters every one it terminates (you never call `register_targets` yourself).
#   `autoscaling.attach_load_balancer_target_groups` does the same for an existing group.
#
# Optional: `HealthCheckType="ELB"` lets the group replace instances that fail the load
# balancer's `/health` check, not only those whose EC2 status checks fail.
# **Look at:** the group's `Instances` (`LifecycleState`, `AvailabilityZone`) and the instances'
# tags in `ec2.describe_instances`: Auto Scaling adds `aws:autoscaling:groupName`.
#

# %%
# BEGIN SOLUTION
autoscaling.create_auto_scaling_group(
    AutoScalingGroupName="web-asg",
    LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"},
    MinSize=2, MaxSize=4, DesiredCapacity=2,
    VPCZoneIdentifier=",".join(subnet_ids),
    TargetGroupARNs=[tg_arn],
    HealthCheckType="ELB", HealthCheckGracePeriod=120,
)
# END SOLUTION
# BEGIN STARTER
# # TODO: create Auto Scaling group "web-asg" from web-lt in subnet_ids (min 2, max 4, desired 2),
# # attached to tg_arn.
#
# END STARTER
for group in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"]:
    print("desired", group["DesiredCapacity"], "min", group["MinSize"], "max", group["MaxSize"])
    for instance in group["Instances"]:
        print(" ", instance["InstanceId"], instance["AvailabilityZone"], instance["LifecycleState"])


# %% [markdown]
# ## Task 7 — Scale out and watch the targets
#
# Traffic grows: raise the desired capacity to **3** with
# `autoscaling.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=3)`. It must
# stay within `MinSize`..`MaxSize`: AWS rejects 5 when the maximum is 4 (the sandbox does not).
# The group launches one more instance from `web-lt` and registers it in `web-tg`.
# `update_auto_scaling_group(..., DesiredCapacity=3)` works too, but the sandbox forgets a group's
# `MixedInstancesPolicy` on every update, so prefer `set_desired_capacity` here.
#
# Then list the targets with `elbv2.describe_target_health(TargetGroupArn=tg_arn)`. On AWS a new
# target is `initial` while the first health checks run, then `healthy`; one whose `/health`
# fails is `unhealthy` and gets no traffic. The sandbox reports the served zones' targets `healthy`
# at once.
# Beanstalk's scaling triggers do the same as this call, driven by a CloudWatch alarm.
#

# %%
# BEGIN SOLUTION
autoscaling.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=3)
# END SOLUTION
# BEGIN STARTER
# # TODO: scale web-asg to 3 instances with autoscaling.set_desired_capacity.
# END STARTER

for group in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"]:
    print("desired", group["DesiredCapacity"], "min", group["MinSize"], "max", group["MaxSize"])
    for instance in group["Instances"]:
        print(" ", instance["InstanceId"], instance["AvailabilityZone"], instance["LifecycleState"])
if tg_arn:
    for target in elbv2.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]:
        print(target["Target"]["Id"], target["TargetHealth"]["State"])


# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# The checks apply AWS's rules that the sandbox skips: two zones for the load balancer and the
# group, public subnets, one VPC for everything, the health check, and instances reachable only
# from the load balancer's security group. **Reset this lab** gives this lab a fresh sandbox
# account (with `web-golden` baked again).
#
# **What you built is an Elastic Beanstalk web server environment without Beanstalk:** `eb create`
# makes this load balancer, target group, listener, Auto Scaling group, launch template and
# security groups for you, then deploys your code. Beanstalk itself is free; on a real account you
# pay for these resources (the load balancer by the hour, the instances by the second). To clean
# up there, delete the Auto Scaling group first (`ForceDelete=True` terminates its instances),
# then the load balancer, target group, launch template and security groups.
#
