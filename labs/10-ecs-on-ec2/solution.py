# %% [markdown]
# # Lab 10 — ECS on EC2: container instances you run
#
# Lesson: *Amazon ECS*. In lab 02 Fargate ran your tasks and you never saw a server. Here you run
# the servers yourself, and you see what Fargate hides:
#
# - **the container agent.** An ECS *container instance* is an EC2 instance running the ECS
#   container agent. The agent registers the instance with a cluster, then starts and stops
#   containers when ECS tells it to. The ECS-optimized AMI ships with it;
# - **two roles.** The *instance role* (trusted by `ec2.amazonaws.com`) is what the agent uses
#   to talk to ECS. The *task role* (trusted by `ecs-tasks.amazonaws.com`) is what your
#   application code uses. They are different roles for different principals;
# - **host ports.** With `bridge` networking, containers share the instance's IP address, so
#   two copies of a web server cannot both take host port 80. A dynamic host port (`hostPort: 0`)
#   lets Docker pick a free one for each copy;
# - **placement.** ECS chooses an instance for each task. Placement strategies say how: spread
#   across Availability Zones, pack tightly to leave whole instances free, and so on.
#
# | Task | What you build | API |
# |---|---|---|
# | 1 | Cluster `ec2-cluster` | `ecs.create_cluster` |
# | 2 | Instance role and instance profile `ecsInstanceRole` | `iam.create_role`, `create_instance_profile` |
# | 3 | Launch template `ecs-node`, Auto Scaling group `ecs-nodes` | `ec2.create_launch_template`, `autoscaling.create_auto_scaling_group` |
# | 4 | A capacity provider, as the cluster's default | `ecs.create_capacity_provider`, `put_cluster_capacity_providers` |
# | 5 | Task role `webTaskRole` | `iam.create_role` |
# | 6 | Task definition `web-ec2` (bridge, dynamic host port) | `ecs.register_task_definition` |
# | 7 | Service `web` with placement strategies | `ecs.create_service` |
#
# **What the sandbox does and cannot show.** It runs no containers and no real instances. It
# *plays the agent*: an instance launched from an ECS-optimized AMI, with an instance profile
# whose role allows `ecs:RegisterContainerInstance` and user data that names a cluster, shows up
# as a container instance of that cluster, with the CPU and memory of its instance type. It does
# not check that the instance could reach the ECS endpoint (on AWS it needs a public IP, a NAT
# gateway or a VPC endpoint). It stores your placement strategies but places no tasks, and
# managed scaling never changes the group's size. The checks read what you configured and apply
# AWS's rules.
#
# **On a real AWS account** (`--real-aws`) this lab costs money: two `t3.medium` instances run
# until you delete the Auto Scaling group (see the last cell).
#
# Write plain `boto3`: the first cell already pointed it at the sandbox. Run it first.
#

# %% [markdown]
# ## Task 1 — The cluster
#
# Create the cluster **`ec2-cluster`**. An empty cluster costs nothing; it is the name that
# container instances and services refer to.
# **Look at:** `ecs.describe_clusters(clusters=["ec2-cluster"])`:
# `registeredContainerInstancesCount` is 0 until instances join (task 3).
#

# %%
import base64
import json

import boto3

ecs = boto3.client("ecs")
ec2 = boto3.client("ec2")
iam = boto3.client("iam")
ssm = boto3.client("ssm")
autoscaling = boto3.client("autoscaling")

# BEGIN SOLUTION
cluster = ecs.create_cluster(clusterName="ec2-cluster")["cluster"]
print("Cluster:", cluster["clusterName"], cluster["status"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create the ECS cluster "ec2-cluster".
# cluster = None
# print("Cluster:", cluster)
# END STARTER


# %% [markdown]
# ## Task 2 — The container instance role
#
# The agent on each instance calls ECS (`RegisterContainerInstance`, then it polls for work),
# pulls images from ECR and sends logs, using the credentials of the **instance's role**.
# An EC2 instance gets a role only through an **instance profile**.
#
# 1. Create role **`ecsInstanceRole`** whose trust policy lets **`ec2.amazonaws.com`** call
#    `sts:AssumeRole`;
# 2. attach the AWS managed policy
#    `arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role`;
# 3. create the instance profile **`ecsInstanceRole`** (same name, as the console does) and add
#    the role to it.
#
# This role is for the agent, not for your application: every container on the instance could
# reach these credentials, so your code gets its own *task role* in task 5.
# **Look at:** `iam.get_instance_profile(InstanceProfileName="ecsInstanceRole")`, and the
# [container instance role](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html) page.
#

# %%
# BEGIN SOLUTION
ec2_trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName="ecsInstanceRole", AssumeRolePolicyDocument=json.dumps(ec2_trust))
iam.attach_role_policy(
    RoleName="ecsInstanceRole",
    PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")
profile = iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")["InstanceProfile"]
iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole", RoleName="ecsInstanceRole")
# END SOLUTION
# BEGIN STARTER
# # TODO: role "ecsInstanceRole" trusted by ec2.amazonaws.com, with the managed policy
# # AmazonEC2ContainerServiceforEC2Role, inside an instance profile "ecsInstanceRole".
# profile = None
# END STARTER
print("Instance profile:", profile and profile["Arn"])


# %% [markdown]
# ## Task 3 — Instances that join the cluster
#
# Container instances are ordinary EC2 instances, so an **Auto Scaling group** keeps them
# running. Describe them in a launch template **`ecs-node`**:
#
# - `ImageId`: the **ECS-optimized Amazon Linux 2023** AMI. AWS publishes the current one in the
#   public SSM parameter
#   `/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id`: read it with
#   `ssm.get_parameter`, or write `"resolve:ssm:<parameter name>"` as the ImageId and let EC2
#   resolve it at each launch. A plain Amazon Linux AMI has no agent;
# - `InstanceType`: `t3.medium` (2 vCPUs, 4 GiB) is enough;
# - `IamInstanceProfile`: `{"Name": "ecsInstanceRole"}`;
# - `UserData` (base64 in a launch template) that tells the agent which cluster to join:
#
#   ```bash
#   #!/bin/bash
#   echo ECS_CLUSTER=ec2-cluster >> /etc/ecs/ecs.config
#   ```
#
#   Without it the agent joins the cluster called `default` (see the
#   [agent configuration](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-agent-config.html)).
#
# Then create the Auto Scaling group **`ecs-nodes`** from the template: `MinSize=0`,
# `MaxSize=4`, `DesiredCapacity=2`, two default subnets in different Availability Zones
# (`VPCZoneIdentifier="subnet-a,subnet-b"`), and **`NewInstancesProtectedFromScaleIn=True`**.
# Task 4 explains that last setting.
#
# You never call `ecs.register_container_instance`: AWS documents it as for the agent only (it
# needs the instance's signed identity document), and the sandbox refuses it.
# **Look at:** `ecs.list_container_instances(cluster="ec2-cluster")`, then
# `ecs.describe_container_instances(...)`: `ec2InstanceId`, `registeredResources` (CPU units
# and MiB the agent offers to tasks: a little less memory than the instance type has), and the
# `ecs.availability-zone` attribute.
#

# %%
user_data = "#!/bin/bash\necho ECS_CLUSTER=ec2-cluster >> /etc/ecs/ecs.config\n"
user_data_b64 = base64.b64encode(user_data.encode()).decode()  # launch templates take base64

# BEGIN SOLUTION
ami_id = ssm.get_parameter(
    Name="/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
)["Parameter"]["Value"]
ec2.create_launch_template(LaunchTemplateName="ecs-node", LaunchTemplateData={
    "ImageId": ami_id,
    "InstanceType": "t3.medium",
    "IamInstanceProfile": {"Name": "ecsInstanceRole"},
    "UserData": user_data_b64,
})
default_subnets = ec2.describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in default_subnets}
subnet_ids = [by_zone[zone] for zone in sorted(by_zone)[:2]]
autoscaling.create_auto_scaling_group(
    AutoScalingGroupName="ecs-nodes",
    LaunchTemplate={"LaunchTemplateName": "ecs-node", "Version": "$Latest"},
    MinSize=0, MaxSize=4, DesiredCapacity=2,
    VPCZoneIdentifier=",".join(subnet_ids),
    NewInstancesProtectedFromScaleIn=True,
)
# END SOLUTION
# BEGIN STARTER
# # TODO: read the AMI id from the public SSM parameter (or use "resolve:ssm:..."), create
# # launch template "ecs-node" (AMI, t3.medium, instance profile, base64 user data with
# # ECS_CLUSTER=ec2-cluster: user_data_b64 above), then Auto Scaling group "ecs-nodes": MinSize 0, MaxSize 4,
# # DesiredCapacity 2, two subnets in different AZs, NewInstancesProtectedFromScaleIn=True.
# END STARTER

members = ecs.list_container_instances(cluster="ec2-cluster")["containerInstanceArns"]
for member in ecs.describe_container_instances(
        cluster="ec2-cluster", containerInstances=members)["containerInstances"] if members else []:
    offered = {r["name"]: r.get("integerValue") for r in member["registeredResources"]}
    zone = next(a["value"] for a in member["attributes"] if a["name"] == "ecs.availability-zone")
    print(member["ec2InstanceId"], zone, "CPU", offered["CPU"], "MiB", offered["MEMORY"])


# %% [markdown]
# ## Task 4 — A capacity provider with managed scaling
#
# A **capacity provider** connects the cluster to the Auto Scaling group. With **managed
# scaling** ECS changes the group's desired capacity so there is room for the tasks it must
# place (target capacity 100% means "no spare instances"). With **managed termination
# protection** ECS protects instances that still run tasks when the group scales in. AWS
# requires the group to protect new instances from scale-in for that, which is why task 3 set
# `NewInstancesProtectedFromScaleIn`.
#
# 1. `ecs.create_capacity_provider(name="ecs-nodes-cp", autoScalingGroupProvider={...})` with
#    the group's ARN (`autoscaling.describe_auto_scaling_groups`), `managedScaling` with
#    `status` `ENABLED` and `targetCapacity` 100, and `managedTerminationProtection`
#    `ENABLED`;
# 2. `ecs.put_cluster_capacity_providers(cluster="ec2-cluster", capacityProviders=[...],
#    defaultCapacityProviderStrategy=[{"capacityProvider": "ecs-nodes-cp", "weight": 1}])`.
#    A service created without a launch type or strategy then uses it.
#
# **Look at:** `ecs.describe_capacity_providers(capacityProviders=["ecs-nodes-cp"])` and the
# cluster's `defaultCapacityProviderStrategy`; the
# [AutoScalingGroupProvider](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AutoScalingGroupProvider.html)
# reference says what managed termination protection requires.
#

# %%
# BEGIN SOLUTION
group_arn = autoscaling.describe_auto_scaling_groups(
    AutoScalingGroupNames=["ecs-nodes"])["AutoScalingGroups"][0]["AutoScalingGroupARN"]
provider = ecs.create_capacity_provider(name="ecs-nodes-cp", autoScalingGroupProvider={
    "autoScalingGroupArn": group_arn,
    "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
    "managedTerminationProtection": "ENABLED",
})["capacityProvider"]
ecs.put_cluster_capacity_providers(
    cluster="ec2-cluster", capacityProviders=["ecs-nodes-cp"],
    defaultCapacityProviderStrategy=[{"capacityProvider": "ecs-nodes-cp", "weight": 1}])
# END SOLUTION
# BEGIN STARTER
# # TODO: capacity provider "ecs-nodes-cp" on the group (managed scaling and managed
# # termination protection ENABLED), then make it ec2-cluster's default strategy.
# provider = None
# END STARTER
print("Capacity provider:", provider and provider["name"])


# %% [markdown]
# ## Task 5 — The task role
#
# Your application code (the container) gets AWS credentials from the **task role**, which ECS
# delivers to that task only. Its trust policy names **`ecs-tasks.amazonaws.com`**. Create role
# **`webTaskRole`** trusted by it. nginx calls no AWS API, so it needs no policy; an app that
# read S3 would get exactly that permission here, and not on the instance role.
# **Look at:** the
# [task IAM role](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html) page.
#

# %%
# BEGIN SOLUTION
tasks_trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
task_role_arn = iam.create_role(RoleName="webTaskRole",
                                AssumeRolePolicyDocument=json.dumps(tasks_trust))["Role"]["Arn"]
# END SOLUTION
# BEGIN STARTER
# # TODO: role "webTaskRole" trusted by ecs-tasks.amazonaws.com.
# task_role_arn = None
# END STARTER
print("Task role:", task_role_arn)


# %% [markdown]
# ## Task 6 — A task definition for EC2, bridge networking
#
# Register family **`web-ec2`**:
#
# - `requiresCompatibilities=["EC2"]` and `networkMode="bridge"`: containers use Docker's
#   bridge on the instance and share its IP address;
# - one nginx container (e.g. `nginx:1.27`) with a **`memory`** hard limit or a
#   **`memoryReservation`** (MiB, e.g. 256). On EC2, ECS needs one of them (or task-level
#   memory) to know how much of an instance's registered memory a task takes;
# - `portMappings=[{"containerPort": 80, "hostPort": 0}]`: **hostPort 0** asks for a dynamic
#   host port from the ephemeral range, so two nginx tasks fit on one instance. A fixed
#   `hostPort: 80` would allow one per instance;
# - `taskRoleArn` = `webTaskRole` from task 5.
#
# **Look at:** the
# [PortMapping](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html)
# reference.
#

# %%
# BEGIN SOLUTION
task_definition = ecs.register_task_definition(
    family="web-ec2",
    requiresCompatibilities=["EC2"],
    networkMode="bridge",
    taskRoleArn=task_role_arn,
    containerDefinitions=[{
        "name": "web",
        "image": "nginx:1.27",
        "essential": True,
        "memory": 256,
        "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}],
    }],
)["taskDefinition"]
# END SOLUTION
# BEGIN STARTER
# # TODO: register "web-ec2": EC2, bridge, an nginx container with memory, containerPort 80 on
# # hostPort 0, and taskRoleArn.
# task_definition = None
# END STARTER
print("Task definition:", task_definition and
      f"{task_definition['family']}:{task_definition['revision']}")


# %% [markdown]
# ## Task 7 — The service, placed on purpose
#
# Create service **`web`** in `ec2-cluster` from `web-ec2` with **`desiredCount=2`**. Give it
# **no** `launchType`, so it uses the cluster's default capacity provider strategy (or pass
# `capacityProviderStrategy` naming `ecs-nodes-cp` yourself). Add
# `placementStrategy`, applied in order:
#
# 1. `{"type": "spread", "field": "attribute:ecs.availability-zone"}`: one task per AZ first,
#    so losing an AZ loses half the tasks, not all;
# 2. `{"type": "binpack", "field": "memory"}`: within an AZ, fill the instance with the least
#    free memory, so managed scaling can empty and remove the others.
#
# **Look at:** `ecs.describe_services(cluster="ec2-cluster", services=["web"])`:
# `capacityProviderStrategy` (copied from the cluster's default) and `placementStrategy`, and
# [task placement strategies](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html).
#

# %%
# BEGIN SOLUTION
service = ecs.create_service(
    cluster="ec2-cluster", serviceName="web", taskDefinition="web-ec2", desiredCount=2,
    placementStrategy=[
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "binpack", "field": "memory"},
    ],
)["service"]
# END SOLUTION
# BEGIN STARTER
# # TODO: service "web" (2 tasks of web-ec2, no launch type) with the two placement strategies.
# service = None
# END STARTER
print("Service:", service and service["serviceName"])
print(json.dumps(service and {k: service.get(k) for k in (
    "capacityProviderStrategy", "placementStrategy")}, indent=2))


# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# **Reset this lab** gives this lab a fresh, empty sandbox account.
#
# On a real account, clean up afterwards, in this order: delete service `web` (scale it to 0
# first), then delete the Auto Scaling group with `ForceDelete=True` (its instances are
# protected from scale-in), the capacity provider, the cluster, the launch template, and the
# roles and instance profile. Until the group is gone, its instances are billed by the second.
#
