# %% [markdown]
# # Lab 02 — ECS on Fargate: a task definition run as a service
#
# Lesson: *Amazon ECS* (and *AWS Fargate* for the CPU/memory table). A **task definition** is the
# JSON blueprint of your containers; a **service** keeps a chosen number of copies of it (tasks)
# running in a **cluster**. On **Fargate** AWS runs those tasks for you: there are no instances to
# launch, patch or scale, but the task definition must follow Fargate's rules.
#
# In this lab you:
#
# 1. create a cluster, 2. create the *task execution role* that lets ECS start your tasks,
# 3. describe an nginx container that logs to CloudWatch Logs, 4. register it as the Fargate task
# definition `webserver`, 5. run it as a service of 2 tasks in two subnets, and 6. roll out a new
# image tag as revision 2.
#
# Everything runs in your **local sandbox** (no AWS account, no cost). Write plain `boto3`: the
# first cell already pointed it at the sandbox.
#
# **What the sandbox cannot show.** It stores everything you register, but it starts no
# containers: the service's `runningCount` stays 0, no log lines arrive and there is no web page
# to open. It also **accepts mistakes real AWS rejects**, such as an invalid CPU/memory pair. The
# checks enforce the real rules and tell you what AWS would have said, so read their messages.
#

# %% [markdown]
# ## Task 1 — Create the cluster
#
# A cluster is a logical group for your tasks and services (on Fargate it holds no instances).
# Create **`web-cluster`**.
# **Look at:** `ecs.describe_clusters(clusters=["web-cluster"])`: `status`, and
# `registeredContainerInstancesCount`, which stays 0 because Fargate needs no container instances.
#

# %%
import json

import boto3

ecs = boto3.client("ecs")
iam = boto3.client("iam")
logs = boto3.client("logs")
ec2 = boto3.client("ec2")

# BEGIN SOLUTION
cluster = ecs.create_cluster(clusterName="web-cluster")["cluster"]
print("Cluster:", cluster["clusterName"], cluster["status"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create the ECS cluster "web-cluster".
# cluster = None
# print("Cluster:", cluster)
# END STARTER


# %% [markdown]
# ## Task 2 — The task execution role
#
# Fargate's agent starts your task *on your behalf*: it pulls the image and writes the container's
# output to CloudWatch Logs. It does that with the **task execution role** (`executionRoleArn`).
# This is not the *task role*, which your application code would use.
#
# Create role **`ecsTaskExecutionRole`** whose trust policy lets the service principal
# **`ecs-tasks.amazonaws.com`** call `sts:AssumeRole`, and attach the AWS managed policy
# `arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy` (ECR pulls,
# `logs:CreateLogStream`, `logs:PutLogEvents`). Watch the principal: `ecs.amazonaws.com` and
# `ec2.amazonaws.com` are different principals for different roles.
# **Look at:** `iam.get_role(...)["Role"]["AssumeRolePolicyDocument"]` and
# `iam.list_attached_role_policies(RoleName=...)`.
#

# %%
# BEGIN SOLUTION
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
role_arn = iam.create_role(RoleName="ecsTaskExecutionRole",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.attach_role_policy(
    RoleName="ecsTaskExecutionRole",
    PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
# END SOLUTION
# BEGIN STARTER
# # TODO: create role "ecsTaskExecutionRole" trusted by ecs-tasks.amazonaws.com (sts:AssumeRole),
# # then attach the AmazonECSTaskExecutionRolePolicy managed policy.
# role_arn = None
# END STARTER
print("Execution role:", role_arn)


# %% [markdown]
# ## Task 3 — Describe the container
#
# A container definition names the **image**, the **ports** it listens on and where its **logs** go.
# Build a dict for one container:
#
# - `image`: nginx with an explicit tag, e.g. `"nginx:1.26"` (you change the tag in task 6);
# - `portMappings`: `[{"containerPort": 80}]`. With awsvpc networking (task 4) each task has its
#   own network interface, so leave `hostPort` out (or make it equal to `containerPort`);
# - `logConfiguration`: `logDriver` **`awslogs`** with the options `awslogs-group`,
#   `awslogs-region` and `awslogs-stream-prefix`. All three are required on Fargate, where there is
#   no host to read logs from.
#
# The log group must already exist, or the task fails to start. Create **`/ecs/webserver`** with
# `logs.create_log_group`. The alternative, `"awslogs-create-group": "true"`, needs
# `logs:CreateLogGroup` in the execution role, and the managed policy does not grant it.
# Container-level `cpu`/`memory` are optional here (integers if you set them).
# **Look at:** `logs.describe_log_groups(logGroupNamePrefix="/ecs/")`.
#

# %%
# BEGIN SOLUTION
logs.create_log_group(logGroupName="/ecs/webserver")
container = {
    "name": "web",
    "image": "nginx:1.26",
    "essential": True,
    "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
    "logConfiguration": {"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/webserver",
        "awslogs-region": ecs.meta.region_name,
        "awslogs-stream-prefix": "web"}},
}
# END SOLUTION
# BEGIN STARTER
# # TODO: create log group "/ecs/webserver", then describe the container: an nginx image with a
# # tag, containerPort 80, and awslogs logging (awslogs-group, awslogs-region, awslogs-stream-prefix).
# container = None
# END STARTER
print(json.dumps(container, indent=2))


# %% [markdown]
# ## Task 4 — Register the Fargate task definition
#
# Register family **`webserver`** with your container and these Fargate settings:
#
# - `requiresCompatibilities=["FARGATE"]`, so ECS validates it for Fargate;
# - `networkMode="awsvpc"`, the only network mode Fargate supports;
# - task-level **`cpu`** and **`memory`** (strings), which must be one of Fargate's sizes. For example,
#   256 CPU units (.25 vCPU) allow only 512, 1024 or 2048 MiB; 1024 (1 vCPU) allows 2048 to 8192
#   in steps of 1024. See the table in the *AWS Fargate* lesson. You pay for exactly this size;
# - `executionRoleArn` = the role from task 2.
#
# In the sandbox, `register_task_definition` accepts **any** cpu/memory pair. Real AWS answers
# `Invalid 'cpu' setting for task`, and the check does too. Like AWS, the sandbox rejects a
# Fargate task definition whose `networkMode` is not `awsvpc`.
# **Look at:** the returned `revision` (1) and `compatibilities`.
#

# %%
# BEGIN SOLUTION
fargate_settings = {
    "family": "webserver",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "executionRoleArn": role_arn,
}
revision_1 = ecs.register_task_definition(**fargate_settings,
                                          containerDefinitions=[container])["taskDefinition"]
print("Registered:", f"{revision_1['family']}:{revision_1['revision']}",
      revision_1["cpu"], revision_1["memory"])
# END SOLUTION
# BEGIN STARTER
# # TODO: register family "webserver" for Fargate: requiresCompatibilities, networkMode,
# # task-level cpu and memory (a valid Fargate pair), executionRoleArn and containerDefinitions.
# fargate_settings = None
# revision_1 = None
# print("Registered:", revision_1)
# END STARTER


# %% [markdown]
# ## Task 5 — Run it as a Fargate service
#
# Create service **`web`** in `web-cluster` with **`desiredCount=2`** and **`launchType="FARGATE"`**.
# Each task gets its own network interface, so the service needs an
# `awsvpcConfiguration`:
#
# - **two subnets in different Availability Zones**, so one AZ can fail while the other task serves.
#   Your sandbox account has a **default VPC** with one default subnet per AZ, as most real
#   accounts do. Find them with `ec2.describe_subnets(Filters=[{"Name": "default-for-az",
#   "Values": ["true"]}])`;
# - a **security group** in the same VPC, e.g. a new `web-svc` that allows tcp 80 in. The sandbox
#   needs `securityGroups` here; real AWS would fall back to the VPC's default group;
# - `assignPublicIp="ENABLED"`: in a public subnet without a NAT gateway, a task needs a public IP
#   to pull `nginx` from Docker Hub.
#
# The `EC2` launch type would put the tasks on container instances you run yourself, which is not
# what this lab is about. A **capacity provider strategy** with `FARGATE` / `FARGATE_SPOT` is also
# accepted if both are associated with the cluster (pass it to `create_service`; the sandbox
# does not apply a cluster's default strategy).
# **Look at:** `ecs.describe_services(cluster="web-cluster", services=["web"])`: `launchType`,
# `desiredCount`, `networkConfiguration`. `runningCount` stays 0 here, because the sandbox starts
# no tasks.
#

# %%
# BEGIN SOLUTION
vpc_id = ec2.describe_vpcs(
    Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
default_subnets = ec2.describe_subnets(Filters=[
    {"Name": "vpc-id", "Values": [vpc_id]},
    {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in default_subnets}
subnet_ids = [by_zone[zone] for zone in sorted(by_zone)[:2]]
# END SOLUTION
# BEGIN STARTER
# # TODO: pick two default subnets in different AZs, create security group "web-svc" (tcp 80 in),
# # then create service "web" in "web-cluster": desiredCount 2, Fargate, awsvpcConfiguration.
# service = None
# print("Service:", service)
# END STARTER

# BEGIN SOLUTION
sg_id = ec2.create_security_group(GroupName="web-svc", Description="web service tasks",
                                  VpcId=vpc_id)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[{
    "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

service = ecs.create_service(
    cluster="web-cluster", serviceName="web", taskDefinition="webserver:1",
    desiredCount=2, launchType="FARGATE",
    networkConfiguration={"awsvpcConfiguration": {
        "subnets": subnet_ids, "securityGroups": [sg_id], "assignPublicIp": "ENABLED"}},
)["service"]
print("Service:", service["serviceName"], service["launchType"], service["desiredCount"],
      sorted(by_zone)[:2])

# END SOLUTION

# %% [markdown]
# ## Task 6 — Roll out a new image tag
#
# ECS never edits a task definition. Registering the family again stores **revision 2**, and
# running services keep their old revision until you point them at the new one. Register
# `webserver` again with a **new image tag** (e.g. `nginx:1.27`, same settings otherwise), then
# `ecs.update_service(cluster="web-cluster", service="web", taskDefinition="webserver:2")`.
# On real AWS the service then starts tasks from revision 2 and stops the old ones (a rolling
# deployment: `deployments` lists both while it runs). The sandbox just records the new revision.
# **Look at:** `ecs.list_task_definitions(familyPrefix="webserver")` and the service's
# `taskDefinition`.
#

# %%
# BEGIN SOLUTION
revision_2 = ecs.register_task_definition(
    **fargate_settings, containerDefinitions=[dict(container, image="nginx:1.27")],
)["taskDefinition"]
service = ecs.update_service(cluster="web-cluster", service="web",
                             taskDefinition=revision_2["taskDefinitionArn"])["service"]
print("Service runs:", service["taskDefinition"].rsplit("/", 1)[-1])
# END SOLUTION
# BEGIN STARTER
# # TODO: register "webserver" again with a new nginx image tag (e.g. nginx:1.27), then point the
# # service at the new revision with ecs.update_service.
# revision_2 = None
# print("Service runs:", None)
# END STARTER


# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# The checks read the definitions you registered and apply AWS's rules (Fargate sizes, awsvpc,
# the execution role's trust policy, subnets and security groups, newest revision). They do not
# count running tasks, which the sandbox never starts. **Reset this lab** gives this lab a fresh,
# empty sandbox account.
#
