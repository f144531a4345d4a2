# %% [markdown]
# # Lab 12 — EC2 tenancy and Nitro Enclaves
#
# Who else's instances may run on the same physical server as yours? By default, other AWS
# customers' (lessons: *EC2 tenancy* and *AWS Nitro Enclaves*). In this lab you launch the
# same kind of instance three ways and then carve an isolated enclave out of a fourth:
#
# | Task | What you build | Tenancy | API |
# |---|---|---|---|
# | 1 | `shared-web`: the comparison instance | `default` (shared) | `run_instances` |
# | 2 | `dedicated-web`: a Dedicated Instance | `dedicated` | `run_instances(Placement=...)` |
# | 3 | `license-host`: a whole physical server for you | (a host) | `allocate_hosts` |
# | 4 | `licensed-app` on that host, staying there | `host` | `run_instances(Placement=...)` |
# | 5 | `enclave-parent`: an instance that can run a Nitro Enclave | `default` | `run_instances(EnclaveOptions=...)` |
# | 6 | Clean up (real accounts only) | | `terminate_instances`, `release_hosts` |
#
# **Cost, if you run this against a real account** (`computelab check 12 --real-aws`, or your
# own credentials): a **Dedicated Host is billed for as long as it stays allocated**, whether
# or not any instance runs on it, and Dedicated Instances have their own per-instance prices. Do task 6
# as soon as you are done: terminate the instances first, then release the host (EC2 refuses
# to release a host that still has instances on it). In the sandbox nothing is billed.
#
# **What the sandbox can and cannot show.** It keeps tenancy, host IDs, affinity and enclave
# settings as EC2 does, and refuses what EC2 refuses: an instance type the host was not
# allocated for, enclaves on an instance type that does not support them or together with
# hibernation, releasing an occupied host, changing a host instance's tenancy back. It has no
# hardware: a host has no real sockets or cores, no enclave ever boots (you would build and run
# one with the Nitro CLI on the parent instance), and capacity never runs out.
#
# Write plain `boto3`: the first cell already pointed it at the sandbox. Run it first.

# %% [markdown]
# ## Task 1 — A shared-tenancy instance, for comparison
#
# Launch an `m5.large` tagged **`Name=shared-web`** with no `Placement` at all. Its tenancy is
# `default`: it runs on hardware shared with other AWS customers, isolated by the Nitro
# hypervisor. That is the cheapest option and what almost every workload uses.
#
# The AMI: Amazon Linux 2023 from its public SSM parameter (below).
#
# **Look at:** `describe_instances` → `Placement` (`AvailabilityZone`, `Tenancy`).
# [run_instances](https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/ec2/client/run_instances.html),
# [Placement](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Placement.html).

# %%
import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
AMI = ssm.get_parameter(
    Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
)["Parameter"]["Value"]
ZONE = "us-east-1a"


def name_tag(name):
    return [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]


# BEGIN SOLUTION
shared = ec2.run_instances(ImageId=AMI, InstanceType="m5.large", MinCount=1, MaxCount=1,
                           TagSpecifications=name_tag("shared-web"))["Instances"][0]
print("shared-web:", shared["InstanceId"], shared["Placement"])
# END SOLUTION
# BEGIN STARTER
# # TODO: launch an m5.large tagged Name=shared-web (no Placement).
# shared = None
# END STARTER

# %% [markdown]
# ## Task 2 — A Dedicated Instance
#
# A **Dedicated Instance** runs on hardware dedicated to your AWS account: no other
# customer's instance shares the physical server. EC2 chooses that server; you never see it,
# and it may also run your account's other, non-dedicated instances. You pay per instance.
#
# Launch an `m5.large` tagged **`Name=dedicated-web`** with `Placement={"Tenancy":
# "dedicated"}`. (A VPC created with `InstanceTenancy="dedicated"` makes every instance in it
# dedicated; the default VPC's tenancy is `default`, so here you ask per instance.)
#
# **Look at:** the new instance's `Placement.Tenancy`, and
# `describe_instances(Filters=[{"Name": "tenancy", "Values": ["dedicated"]}])`.

# %%
# BEGIN SOLUTION
dedicated = ec2.run_instances(ImageId=AMI, InstanceType="m5.large", MinCount=1, MaxCount=1,
                              Placement={"Tenancy": "dedicated"},
                              TagSpecifications=name_tag("dedicated-web"))["Instances"][0]
print("dedicated-web:", dedicated["InstanceId"], dedicated["Placement"]["Tenancy"])
# END SOLUTION
# BEGIN STARTER
# # TODO: launch an m5.large tagged Name=dedicated-web with Tenancy 'dedicated'.
# dedicated = None
# END STARTER

# %% [markdown]
# ## Task 3 — Allocate a Dedicated Host
#
# A **Dedicated Host** is a whole physical server allocated to you. You see its sockets and
# cores (what per-socket and per-core licences such as Windows Server or SQL Server count), and
# you decide which instances run on it. You pay per host, however many instances it runs.
#
# Allocate **one** host with `ec2.allocate_hosts`:
#
# - `AvailabilityZone="us-east-1a"`: a host lives in one AZ, and so do its instances;
# - `InstanceFamily="m5"`: the host then runs instances of any m5 size (with
#   `InstanceType="m5.xlarge"` instead it would run only that size; you cannot give both);
# - `AutoPlacement="off"` (the default): only launches that name this host's ID land on it,
#   so nothing unlicensed fills it by accident;
# - a tag **`Name=license-host`** (`ResourceType` `"dedicated-host"`).
#
# **Look at:** `describe_hosts(HostIds=[...])`: `State`, `AutoPlacement`, `HostProperties`,
# `Instances` (empty for now).
# [allocate_hosts](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateHosts.html).

# %%
# BEGIN SOLUTION
host_id = ec2.allocate_hosts(
    AvailabilityZone=ZONE, InstanceFamily="m5", Quantity=1, AutoPlacement="off",
    TagSpecifications=[{"ResourceType": "dedicated-host",
                        "Tags": [{"Key": "Name", "Value": "license-host"}]}],
)["HostIds"][0]
host = ec2.describe_hosts(HostIds=[host_id])["Hosts"][0]
print("license-host:", host_id, host["State"], host["AutoPlacement"], host["HostProperties"])
# END SOLUTION
# BEGIN STARTER
# # TODO: allocate one m5-family host in us-east-1a, AutoPlacement off, tagged Name=license-host.
# host_id = None
# END STARTER

# %% [markdown]
# ## Task 4 — An instance on the host, with host affinity
#
# Launch an **`m5.xlarge`** tagged **`Name=licensed-app`** on `license-host`:
#
# ```python
# Placement={"AvailabilityZone": ZONE, "Tenancy": "host", "HostId": host_id, "Affinity": "host"}
# ```
#
# - `Tenancy="host"` with `HostId` is *targeted placement*: this instance, this host.
# - `Affinity="host"` ties the instance to that host: after a stop and start it comes back on
#   the same server, so the licence you counted on that server's cores still covers it.
#   With `default` affinity it may restart on another of your hosts.
# - The instance type must be one the host takes: any m5 size here. A `c5.xlarge` would be
#   refused (`UnsupportedInstanceTypeOnHost`).
#
# Affinity can be changed later with `ec2.modify_instance_placement(InstanceId=...,
# Affinity="host")`; the host ID and tenancy only while the instance is stopped, and a
# `host` instance can never go back to `dedicated` or `default`.
#
# **Look at:** the instance's `Placement` (`Tenancy`, `HostId`, `Affinity`) and the host's
# `Instances` in `describe_hosts`.

# %%
# BEGIN SOLUTION
app = ec2.run_instances(
    ImageId=AMI, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
    Placement={"AvailabilityZone": ZONE, "Tenancy": "host", "HostId": host_id,
               "Affinity": "host"},
    TagSpecifications=name_tag("licensed-app"),
)["Instances"][0]
print("licensed-app:", app["InstanceId"], app["Placement"])
print("on the host:", ec2.describe_hosts(HostIds=[host_id])["Hosts"][0]["Instances"])
# END SOLUTION
# BEGIN STARTER
# # TODO: launch an m5.xlarge tagged Name=licensed-app on host_id, tenancy host, affinity host.
# app = None
# END STARTER

# %% [markdown]
# ## Task 5 — A parent instance for a Nitro Enclave
#
# A Nitro Enclave is an isolated virtual machine carved out of a *parent* instance's vCPUs and
# memory: no persistent storage, no network, no shell, reachable only over a local vsock.
# You enable it on the parent, usually at launch with `EnclaveOptions={"Enabled": True}`
# (`modify_instance_attribute` takes the same `EnclaveOptions` for an existing instance).
# Not every instance type can be a parent
# ([requirements](https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave.html#nitro-enclave-reqs)):
#
# - a virtualized Nitro type with at least **4 vCPUs** on Intel or AMD (**2** on Graviton):
#   `m5.large` (2 vCPUs) is refused, `m5.xlarge` works, `m6g.large` (Graviton) works;
# - not T3, T3a, T4g, A1 or bare metal;
# - **never together with hibernation** (`HibernationOptions`).
#
# `describe_instance_types` says it per type: `NitroEnclavesSupport` is `supported` or
# `unsupported`. Launch **`Name=enclave-parent`** on a supported type, and require **IMDSv2**
# (`MetadataOptions={"HttpTokens": "required"}`): an instance that handles secrets should not
# hand its role credentials to any process that can send one unauthenticated GET request.
#
# **Look at:** `describe_instance_attribute(InstanceId=..., Attribute="enclaveOptions")` and the
# instance's `MetadataOptions`.

# %%
# BEGIN SOLUTION
for kind in ec2.describe_instance_types(InstanceTypes=["m5.large", "m5.xlarge", "t3.xlarge"])[
        "InstanceTypes"]:
    print(kind["InstanceType"], kind["VCpuInfo"]["DefaultVCpus"], "vCPUs, enclaves:",
          kind["NitroEnclavesSupport"])

parent = ec2.run_instances(
    ImageId=AMI, InstanceType="m5.xlarge", MinCount=1, MaxCount=1,
    EnclaveOptions={"Enabled": True}, MetadataOptions={"HttpTokens": "required"},
    TagSpecifications=name_tag("enclave-parent"),
)["Instances"][0]
print("enclave-parent:", parent["InstanceId"], ec2.describe_instance_attribute(
    InstanceId=parent["InstanceId"], Attribute="enclaveOptions")["EnclaveOptions"])
# END SOLUTION
# BEGIN STARTER
# # TODO: compare NitroEnclavesSupport with ec2.describe_instance_types, then launch
# #       enclave-parent on a supported type with enclaves enabled and IMDSv2 required.
# parent = None
# END STARTER

# %% [markdown]
# ## Task 6 — Clean up (on a real account)
#
# In the sandbox, leave everything in place and click **Check my work**. On a real account,
# set `CLEAN_UP = True` once you are done and run this cell: it terminates the four instances,
# waits until they are gone, and **then** releases the host. The order matters: EC2 keeps a host
# that still has instances on it (`release_hosts` lists it under `Unsuccessful` with
# `Client.InvalidHost.Occupied`), and keeps billing it. A released host stays visible in
# `describe_hosts` with `State` `released`.

# %%
CLEAN_UP = False

if CLEAN_UP:
    names = ["shared-web", "dedicated-web", "licensed-app", "enclave-parent"]
    ids = [i["InstanceId"] for r in ec2.describe_instances(Filters=[
        {"Name": "tag:Name", "Values": names},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
    ])["Reservations"] for i in r["Instances"]]
    if ids:
        ec2.terminate_instances(InstanceIds=ids)
        ec2.get_waiter("instance_terminated").wait(InstanceIds=ids)
    hosts = ec2.describe_hosts(Filter=[{"Name": "tag:Name", "Values": ["license-host"]},
                                       {"Name": "state", "Values": ["available"]}])["Hosts"]
    if hosts:
        print(ec2.release_hosts(HostIds=[h["HostId"] for h in hosts]))

# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
