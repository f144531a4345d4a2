# %% [markdown]
# # Lab 05 — AWS Batch: Spot first, On-Demand as fallback, Fargate on its own queue
#
# Lesson: *AWS Batch*. A **job** is a containerized piece of work built from a **job definition**
# (image, vCPU, memory, retries). You submit it to a **job queue**, and the scheduler places it in
# one of the queue's **compute environments**, trying them in the order you give. A *managed*
# compute environment launches and scales the capacity for you: EC2 On-Demand instances, Spot
# instances (spare capacity at a large discount that AWS can take back), or Fargate (no instances
# at all).
#
# The scenario: every night a media site makes thumbnails of the day's uploads. The work can wait
# and be retried, so it should run on cheap **Spot** capacity and fall back to **On-Demand** only
# when Spot is short. Small one-off jobs go to **Fargate** instead, so no instance has to start.
# In this lab you:
#
# 1. create the IAM roles Batch uses, 2. create a Spot and 3. an On-Demand compute environment,
# 4. put both behind one queue that prefers Spot, 5. give Fargate its own environment and queue,
# 6. register a job definition for EC2 and 7. one for Fargate, then 8. submit a job and
# 9. an array job, and follow their states.
#
# Everything runs in your **local sandbox** (no AWS account, no cost). Write plain `boto3`: the
# first cell already pointed it at the sandbox.
#
# **What the sandbox cannot show.** It starts no containers. Every job you submit goes straight
# to `SUCCEEDED` and writes no logs, so you will not see the `SUBMITTED → PENDING → RUNNABLE →
# STARTING → RUNNING` journey or a Spot interruption being retried. With `minvCpus=0` it launches
# no instances either. It also **accepts mistakes real AWS rejects**: EC2 and Fargate environments
# in one queue, any Fargate vCPU/memory pair, retry counts outside 1–10, arrays of one child. The
# checks enforce the real rules and tell you what AWS would have said, so read their messages.
#
# **Sandbox quirks to work around.**
# - It insists on `serviceRole` (as a full ARN) for every compute environment and on `state` in
#   `create_job_queue`. Real AWS makes both optional: without a `serviceRole` it uses (and if need
#   be creates) the Batch service-linked role, which AWS now recommends.
#

# %% [markdown]
# ## Task 1 — The roles Batch uses
#
# Three different principals act on your behalf, and each needs its own role:
#
# - **`AWSBatchServiceRole`**, trusted by **`batch.amazonaws.com`**, with the AWS managed policy
#   `service-role/AWSBatchServiceRole`. Batch assumes it to launch, scale and terminate the capacity
#   of your managed compute environments. (The alternative is the service-linked role:
#   `iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")`. The check accepts
#   either.)
# - **`ecsInstanceRole`**, trusted by **`ec2.amazonaws.com`**, with
#   `service-role/AmazonEC2ContainerServiceforEC2Role`. The ECS agent on each EC2 or Spot instance
#   uses it to join the environment's ECS cluster. EC2 attaches a role to an instance only through
#   an **instance profile**: create one named `ecsInstanceRole` and add the role to it. The console
#   does that for you, the API does not.
# - **`ecsTaskExecutionRole`**, trusted by **`ecs-tasks.amazonaws.com`**, with
#   `service-role/AmazonECSTaskExecutionRolePolicy`. On Fargate, ECS's agent uses it to pull the
#   image and send the job's output to CloudWatch Logs.
#
# The managed policy ARNs start with `arn:aws:iam::aws:policy/service-role/`.
# **Look at:** `iam.get_instance_profile(InstanceProfileName="ecsInstanceRole")["InstanceProfile"]
# ["Roles"]`.
#

# %%
import json

import boto3

iam = boto3.client("iam")
ec2 = boto3.client("ec2")
batch = boto3.client("batch")
MANAGED = "arn:aws:iam::aws:policy/service-role/"


def trust_policy(service):
    """A trust policy that lets one AWS service assume the role."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


# BEGIN SOLUTION
def create_role(name, service, policy):
    arn = iam.create_role(RoleName=name,
                          AssumeRolePolicyDocument=trust_policy(service))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=MANAGED + policy)
    return arn


service_role_arn = create_role("AWSBatchServiceRole", "batch.amazonaws.com",
                               "AWSBatchServiceRole")
create_role("ecsInstanceRole", "ec2.amazonaws.com", "AmazonEC2ContainerServiceforEC2Role")
iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole",
                                 RoleName="ecsInstanceRole")
execution_role_arn = create_role("ecsTaskExecutionRole", "ecs-tasks.amazonaws.com",
                                 "AmazonECSTaskExecutionRolePolicy")
# END SOLUTION
# BEGIN STARTER
# # TODO: create AWSBatchServiceRole (batch.amazonaws.com), ecsInstanceRole (ec2.amazonaws.com)
# # and ecsTaskExecutionRole (ecs-tasks.amazonaws.com), attach each one's managed policy, then
# # create instance profile "ecsInstanceRole" and add the ecsInstanceRole role to it.
# service_role_arn = None
# execution_role_arn = None
# END STARTER
print("Service role:", service_role_arn)
print("Execution role:", execution_role_arn)
# BEGIN SOLUTION
profile = iam.get_instance_profile(InstanceProfileName="ecsInstanceRole")["InstanceProfile"]
print("Instance profile holds:", [r["RoleName"] for r in profile["Roles"]])
# END SOLUTION


# %% [markdown]
# ## Task 2 — A Spot compute environment
#
# A managed compute environment needs a network: your sandbox account has a **default VPC** with
# one default subnet per Availability Zone and a security group named `default`, as most real
# accounts do. Find them with `ec2.describe_subnets` and `ec2.describe_security_groups` (filter on
# `vpc-id`, and on `group-name` = `default`). Giving Batch several subnets lets it use whichever
# zone has capacity.
#
# Create **`spot-ce`** with `batch.create_compute_environment`: `type="MANAGED"`,
# `state="ENABLED"`, `serviceRole=service_role_arn`, and `computeResources` with
#
# - `type="SPOT"`;
# - a **Spot allocation strategy**: `SPOT_PRICE_CAPACITY_OPTIMIZED` (AWS's recommendation) or
#   `SPOT_CAPACITY_OPTIMIZED`. Both pick the Spot pools least likely to be interrupted. The default,
#   `BEST_FIT`, waits for one instance type and needs a Spot Fleet role (`spotIamFleetRole`);
# - `minvCpus=0` (scale to zero when no job waits, so you pay nothing) and a `maxvCpus` such as 64;
# - `instanceTypes=["optimal"]` (Batch picks C, M and R instance types that fit the jobs);
# - `subnets`, `securityGroupIds` and `instanceRole="ecsInstanceRole"` (the instance profile).
#
# **Look at:** `batch.describe_compute_environments(computeEnvironments=["spot-ce"])`: `state`,
# `status` and `computeResources`.
#

# %%
# BEGIN SOLUTION
vpc_id = ec2.describe_vpcs(
    Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
subnet_ids = [s["SubnetId"] for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"]]
sg_id = ec2.describe_security_groups(
    Filters=[*in_vpc, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
print("Subnets:", len(subnet_ids), "security group: default")
# END SOLUTION
# BEGIN STARTER
# # TODO: find the default VPC's subnets and its "default" security group, then create the
# # managed compute environment "spot-ce" (type SPOT, a Spot allocation strategy, minvCpus 0).
# subnet_ids = None
# sg_id = None
# spot_ce = None
# print("Subnets:", subnet_ids, "security group:", sg_id)
# print("Spot environment:", spot_ce)
# END STARTER

# BEGIN SOLUTION
on_ec2 = {"minvCpus": 0, "instanceTypes": ["optimal"], "instanceRole": "ecsInstanceRole",
          "subnets": subnet_ids, "securityGroupIds": [sg_id]}
spot_ce = batch.create_compute_environment(
    computeEnvironmentName="spot-ce", type="MANAGED", state="ENABLED",
    serviceRole=service_role_arn,
    computeResources={"type": "SPOT", "allocationStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED",
                      "maxvCpus": 64, **on_ec2},
)["computeEnvironmentName"]
env = batch.describe_compute_environments(computeEnvironments=[spot_ce])["computeEnvironments"][0]
print("Spot environment:", spot_ce, env["state"], env["status"],
      env["computeResources"]["allocationStrategy"])

# END SOLUTION

# %% [markdown]
# ## Task 3 — An On-Demand compute environment
#
# Spot can run short, and some nights the thumbnails must still be ready by morning. Create
# **`ondemand-ce`** like `spot-ce`, but with `computeResources` `type="EC2"` (On-Demand instances,
# which AWS never interrupts) and a smaller `maxvCpus` (say 32) to cap the expensive part. The
# `SPOT_*` allocation strategies exist only for Spot; use `BEST_FIT_PROGRESSIVE` (or leave it out
# for `BEST_FIT`).
# **Look at:** `computeResources["type"]` of both environments side by side.
#

# %%
# BEGIN SOLUTION
ondemand_ce = batch.create_compute_environment(
    computeEnvironmentName="ondemand-ce", type="MANAGED", state="ENABLED",
    serviceRole=service_role_arn,
    computeResources={"type": "EC2", "allocationStrategy": "BEST_FIT_PROGRESSIVE",
                      "maxvCpus": 32, **on_ec2},
)["computeEnvironmentName"]
for env in batch.describe_compute_environments(
        computeEnvironments=["spot-ce", "ondemand-ce"])["computeEnvironments"]:
    print(env["computeEnvironmentName"], env["computeResources"]["type"])
# END SOLUTION
# BEGIN STARTER
# # TODO: create the managed compute environment "ondemand-ce" (type EC2, same network and
# # instance role as spot-ce, no SPOT_* allocation strategy).
# ondemand_ce = None
# print("On-Demand environment:", ondemand_ce)
# END STARTER


# %% [markdown]
# ## Task 4 — One queue that prefers Spot
#
# A job queue lists up to three compute environments, each with an **`order`**. The scheduler tries
# them in **ascending** order: the lowest number first. Create **`ec2-queue`** with
# `batch.create_job_queue(jobQueueName="ec2-queue", state="ENABLED", priority=10,
# computeEnvironmentOrder=[...])`, giving `spot-ce` **order 1** and `ondemand-ce` **order 2**.
#
# (The queue's `priority` is a different thing: when several queues share a compute environment,
# the queue with the higher priority gets it first.)
# **Look at:** `batch.describe_job_queues(jobQueues=["ec2-queue"])["jobQueues"][0]
# ["computeEnvironmentOrder"]`.
#

# %%
# BEGIN SOLUTION
ec2_queue = batch.create_job_queue(
    jobQueueName="ec2-queue", state="ENABLED", priority=10,
    computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "spot-ce"},
                             {"order": 2, "computeEnvironment": "ondemand-ce"}],
)["jobQueueName"]
queue = batch.describe_job_queues(jobQueues=[ec2_queue])["jobQueues"][0]
print("Queue:", ec2_queue, queue["state"],
      [(e["order"], e["computeEnvironment"].rsplit("/", 1)[-1])
       for e in queue["computeEnvironmentOrder"]])
# END SOLUTION
# BEGIN STARTER
# # TODO: create job queue "ec2-queue" (state ENABLED) that tries spot-ce first (order 1) and
# # ondemand-ce second (order 2).
# ec2_queue = None
# print("Queue:", ec2_queue)
# END STARTER


# %% [markdown]
# ## Task 5 — Fargate gets its own environment and queue
#
# Create **`fargate-ce`**: `computeResources` `type="FARGATE"` (or `FARGATE_SPOT`), a `maxvCpus`
# (say 16), and the same `subnets` and `securityGroupIds`. There are no instances, so leave out
# everything about them (`instanceRole`, `instanceTypes`, `minvCpus`, `allocationStrategy`...):
# AWS rejects those for Fargate.
#
# Then create **`fargate-queue`** for it. Why not add it to `ec2-queue` as order 3? **AWS does not
# allow it**: the compute environments of one queue must all be EC2/SPOT or all
# FARGATE/FARGATE_SPOT, because a job definition is written either for instances or for Fargate.
# (The sandbox would let you mix them. The check would not.)
# **Look at:** both queues with `batch.describe_job_queues()`.
#

# %%
# BEGIN SOLUTION
fargate_ce = batch.create_compute_environment(
    computeEnvironmentName="fargate-ce", type="MANAGED", state="ENABLED",
    serviceRole=service_role_arn,
    computeResources={"type": "FARGATE", "maxvCpus": 16, "subnets": subnet_ids,
                      "securityGroupIds": [sg_id]},
)["computeEnvironmentName"]
fargate_queue = batch.create_job_queue(
    jobQueueName="fargate-queue", state="ENABLED", priority=10,
    computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "fargate-ce"}],
)["jobQueueName"]
# END SOLUTION
# BEGIN STARTER
# # TODO: create compute environment "fargate-ce" (type FARGATE, no instance settings) and a job
# # queue "fargate-queue" that uses only it.
# fargate_ce = None
# fargate_queue = None
# END STARTER
print("Fargate:", fargate_ce, fargate_queue)


# %% [markdown]
# ## Task 6 — A job definition for EC2
#
# Register **`thumbnail`** with `batch.register_job_definition(jobDefinitionName="thumbnail",
# type="container", ...)`:
#
# - `containerProperties` with an `image` (for example
#   `"public.ecr.aws/docker/library/busybox:latest"`), a `command`, and
#   **`resourceRequirements`** `[{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value":
#   "2048"}]`. Values are strings, and memory is in MiB. On EC2 a job needs at least one whole vCPU.
#   The old `vcpus`/`memory` fields still work on EC2 but are deprecated;
# - a **`retryStrategy`** such as `{"attempts": 3}`. AWS allows 1 to 10 attempts. With 1, the first
#   failure is final, and on Spot a job fails whenever AWS takes its instance back. Batch puts a
#   failed attempt back to `RUNNABLE` until the attempts run out. `evaluateOnExit` (up to 5
#   conditions, action `RETRY` or `EXIT`) can limit retries to some exit codes or reasons;
# - leave `platformCapabilities` out (it defaults to `EC2`).
#
# **Look at:** `batch.describe_job_definitions(jobDefinitionName="thumbnail", status="ACTIVE")`.
# Every registration adds a **revision**. Jobs submitted by name use the newest one.
#

# %%
IMAGE = "public.ecr.aws/docker/library/busybox:latest"
COMMAND = ["sh", "-c", "echo making thumbnail $AWS_BATCH_JOB_ARRAY_INDEX"]

# BEGIN SOLUTION
thumbnail = batch.register_job_definition(
    jobDefinitionName="thumbnail", type="container", retryStrategy={"attempts": 3},
    containerProperties={
        "image": IMAGE, "command": COMMAND,
        "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                 {"type": "MEMORY", "value": "2048"}]},
)
print("Job definition:", f"{thumbnail['jobDefinitionName']}:{thumbnail['revision']}")
# END SOLUTION
# BEGIN STARTER
# # TODO: register job definition "thumbnail" (type container) with VCPU and MEMORY
# # resourceRequirements and a retryStrategy.
# thumbnail = None
# print("Job definition:", thumbnail)
# END STARTER


# %% [markdown]
# ## Task 7 — A job definition for Fargate
#
# Register **`thumbnail-fargate`** with **`platformCapabilities=["FARGATE"]`** (set it right the
# first time), a `retryStrategy`, and `containerProperties` with:
#
# - `resourceRequirements` **VCPU and MEMORY** that form a **Fargate size**. Fargate sells fixed
#   sizes: 0.25 vCPU allows only 512, 1024 or 2048 MiB; 0.5 vCPU 1024–4096; 1 vCPU 2048–8192;
#   2 vCPU 4096–16384; 4 vCPU 8192–30720 (all in steps of 1024); 8 vCPU 16384–61440 (steps of
#   4096); 16 vCPU 32768–122880 (steps of 8192). That is the ceiling: a Batch job on Fargate
#   gets at most 16 vCPU and 120 GiB; bigger jobs belong on EC2 compute environments. The deprecated
#   `vcpus`/`memory` fields are not supported on Fargate;
# - `executionRoleArn=execution_role_arn`. AWS requires an execution role on Fargate;
# - `networkConfiguration={"assignPublicIp": "ENABLED"}`. The default subnets are public and have
#   no NAT gateway, so without a public IP the job could not reach the internet to pull its image.
#
# **Look at:** the returned `revision`. In the sandbox, `register_job_definition` accepts **any**
# vCPU/memory pair, but real AWS rejects a job with a size Fargate does not offer, and so does the
# check.
#

# %%
# BEGIN SOLUTION
thumbnail_fargate = batch.register_job_definition(
    jobDefinitionName="thumbnail-fargate", type="container",
    platformCapabilities=["FARGATE"], retryStrategy={"attempts": 3},
    containerProperties={
        "image": IMAGE, "command": COMMAND, "executionRoleArn": execution_role_arn,
        "networkConfiguration": {"assignPublicIp": "ENABLED"},
        "resourceRequirements": [{"type": "VCPU", "value": "0.5"},
                                 {"type": "MEMORY", "value": "1024"}]},
)
print("Fargate job definition:",
      f"{thumbnail_fargate['jobDefinitionName']}:{thumbnail_fargate['revision']}")
# END SOLUTION
# BEGIN STARTER
# # TODO: register job definition "thumbnail-fargate" for Fargate: platformCapabilities,
# # a valid Fargate VCPU/MEMORY pair, executionRoleArn, networkConfiguration and a retryStrategy.
# thumbnail_fargate = None
# print("Fargate job definition:", thumbnail_fargate)
# END STARTER


# %% [markdown]
# ## Task 8 — Submit a job and follow its state
#
# Submit one job with `batch.submit_job(jobName="thumbnail-one", jobQueue="ec2-queue",
# jobDefinition="thumbnail")`. A job definition only runs on a queue whose compute environments
# match its platform: `thumbnail` on `ec2-queue`, `thumbnail-fargate` on `fargate-queue`.
#
# Then read its state with `batch.describe_jobs(jobs=[job_id])`. On AWS a job moves through
# `SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING → SUCCEEDED` (or `FAILED`, with a
# `statusReason`). `RUNNABLE` means it waits for capacity, and a job stuck there usually points to
# a compute environment that cannot launch what the job asks for. Each retry is one entry in
# `attempts`. In the sandbox the job is `SUCCEEDED` at once.
#

# %%
# BEGIN SOLUTION
job_id = batch.submit_job(jobName="thumbnail-one", jobQueue="ec2-queue",
                          jobDefinition="thumbnail")["jobId"]
job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
print("Job:", job["jobName"], job["status"], "attempts:", len(job["attempts"]))
# END SOLUTION
# BEGIN STARTER
# # TODO: submit job "thumbnail-one" from "thumbnail" to "ec2-queue", then print its status
# # (and attempts) with batch.describe_jobs.
# job_id = None
# print("Job:", job_id)
# END STARTER


# %% [markdown]
# ## Task 9 — An array job
#
# One submission with `arrayProperties={"size": N}` fans out into N child jobs (**2 to 10,000**).
# Each child finds its index in the environment variable `AWS_BATCH_JOB_ARRAY_INDEX`, for example
# to pick the N-th image of the night. Submit **`thumbnails`** from `thumbnail-fargate` to
# `fargate-queue` with a size of 5.
#
# **Look at:** the parent's `arrayProperties["statusSummary"]` in `describe_jobs` (how many
# children are in each state), and the children themselves with
# `batch.list_jobs(arrayJobId=array_id)`: their IDs are `<parent id>:<index>`.
#

# %%
# BEGIN SOLUTION
array_id = batch.submit_job(jobName="thumbnails", jobQueue="fargate-queue",
                            jobDefinition="thumbnail-fargate",
                            arrayProperties={"size": 5})["jobId"]
parent = batch.describe_jobs(jobs=[array_id])["jobs"][0]
print("Array job:", parent["jobName"], parent["status"], parent["arrayProperties"])
children = batch.list_jobs(arrayJobId=array_id)["jobSummaryList"]
print("Children:", sorted((c["jobId"].rsplit(":", 1)[-1], c["status"]) for c in children))
# END SOLUTION
# BEGIN STARTER
# # TODO: submit array job "thumbnails" (thumbnail-fargate on fargate-queue, size 5), then print
# # the parent's arrayProperties and the children's statuses.
# array_id = None
# print("Array job:", array_id)
# END STARTER


# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# The checks read what you created and apply AWS's rules: roles and their trust, Spot allocation
# strategies, compute environment order, queues that never mix EC2 and Fargate, Fargate sizes,
# retry counts and array sizes. They cannot watch a job run, because the sandbox runs none.
# **Reset this lab** gives this lab a fresh, empty sandbox account.
#
