# %% [markdown]
# # Lab 09 — EBS vs instance store
#
# The lab launched an instance for you: **`data-server`**, a `t3.micro` in the Region's first
# Availability Zone (`us-east-1a`) with an encrypted gp3 root volume. Someone set that root
# volume to *survive* termination and never changed it back. In this lab (lesson: *EC2 storage:
# EBS vs instance store*) you give the server storage that outlives it and can move between
# AZs:
#
# | Task | What you do | API |
# |---|---|---|
# | 1 | Create an encrypted gp3 data volume in the server's AZ | `create_volume` |
# | 2 | Attach it to `data-server` | `attach_volume` |
# | 3 | Root volume deleted with the instance, data volume kept | `modify_instance_attribute` |
# | 4 | Back the data volume up | `create_snapshot` |
# | 5 | Restore the backup in *another* AZ | `create_volume(SnapshotId=...)` |
# | 6 | Say what an instance store would lose | `ssm.put_parameter` |
#
# **What the sandbox can and cannot show.**
#
# - **Nothing is physically written.** Sandbox volumes have no blocks: you cannot format, mount
#   or fill them, a snapshot holds no data, and it completes the moment you ask for it. On AWS
#   the first snapshot copies every written block and takes minutes; later ones copy only the
#   blocks changed since (incremental).
# - **There is no instance store at all.** Instance store disks exist only on instance types
#   with local NVMe storage (`m5d`, `c6gd`, `i4i`... the *d* in the name), and the sandbox cannot
#   simulate them: it knows the instance type catalogue, but an `m5d.large` it launches gets
#   only its EBS root volume, and a block device mapping for `ephemeral0` is refused. So task 6
#   is a question you answer, not a disk you watch disappear.
# - **It accepts what EBS refuses:** a volume attached to an instance in another AZ, a volume
#   restored smaller than its snapshot, gp3 sizes, IOPS and throughput outside the limits. The
#   checks enforce the real rules and tell you when AWS would have said no.
# - It stores the IOPS and throughput you pass to `create_volume` (it ignores them in
#   `run_instances` block device mappings). It records *EBS encryption by default* but does
#   not apply it: pass `Encrypted=True` yourself.
#
# Write plain `boto3`: the first cell already pointed it at the sandbox. Run it first.
#

# %% [markdown]
# ## Task 1 — An encrypted gp3 data volume in the server's AZ
#
# An EBS volume is created in **one Availability Zone**, replicated inside it, and can only be
# attached to instances in that AZ. So look up `data-server` first and use its AZ.
#
# Create a volume tagged **`Name={{ volume_name }}`**: type **`gp3`**, **`Encrypted=True`** (the AWS
# managed key `aws/ebs` unless you pass `KmsKeyId`), for example 20 GiB. gp3 includes 3,000 IOPS
# and 125 MiB/s at any size; you may pay for more. The limits the check applies (current EC2 API;
# raised in 2025 from 16 TiB, 16,000 IOPS and 1,000 MiB/s):
#
# | | Range | Ratio |
# |---|---|---|
# | Size | 1 - 65,536 GiB | |
# | IOPS | 3,000 - 80,000 | above 3,000: at most 500 IOPS per GiB |
# | Throughput | 125 - 2,000 MiB/s | at most 0.25 MiB/s per provisioned IOPS |
#
# **Look at:** `ec2.describe_volumes(VolumeIds=[volume_id])`: `State`, `AvailabilityZone`,
# `Iops`, `Throughput`, `KmsKeyId`.
#

# %%
import boto3

ec2 = boto3.client("ec2")

# BEGIN SOLUTION
server = ec2.describe_instances(Filters=[
    {"Name": "tag:Name", "Values": ["data-server"]},
    {"Name": "instance-state-name", "Values": ["pending", "running"]},
])["Reservations"][0]["Instances"][0]
server_id = server["InstanceId"]
zone = server["Placement"]["AvailabilityZone"]
# END SOLUTION
# BEGIN STARTER
# # data-server was launched for you. Find it (a tag:Name filter) and note its AZ.
# server = None     # TODO: the instance dict from describe_instances
# server_id = None  # TODO: server["InstanceId"]
# zone = None       # TODO: server["Placement"]["AvailabilityZone"]
# END STARTER

# BEGIN SOLUTION
volume_id = ec2.create_volume(
    AvailabilityZone=zone, Size=20, VolumeType="gp3", Encrypted=True,
    Iops=3000, Throughput=125,  # the included baseline; more costs extra
    TagSpecifications=[{"ResourceType": "volume",
                        "Tags": [{"Key": "Name", "Value": "{{ volume_name }}"}]}],
)["VolumeId"]
ec2.get_waiter("volume_available").wait(VolumeIds=[volume_id])
# END SOLUTION
# BEGIN STARTER
# # TODO: create an encrypted gp3 volume tagged Name={{ volume_name }} in `zone`.
# volume_id = None
# END STARTER
print("data-server:", server_id, "in", zone, "| {{ volume_name }}:", volume_id)


# %% [markdown]
# ## Task 2 — Attach it to data-server
#
# `ec2.attach_volume(VolumeId=..., InstanceId=..., Device="/dev/sdf")`, then wait with the
# `volume_in_use` waiter. On Nitro instances such as t3 the operating system sees the volume as
# an NVMe device (`/dev/nvme1n1`) whatever name you pass; on AWS you would now create a file
# system and mount it. Here there is no disk to format.
#
# **Look at:** the volume's `Attachments` (`State` becomes `attached`) and the instance's
# `BlockDeviceMappings`, which now list two volumes.
#

# %%
# BEGIN SOLUTION
ec2.attach_volume(VolumeId=volume_id, InstanceId=server_id, Device="/dev/sdf")
ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id])
print(ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["Attachments"])
# END SOLUTION
# BEGIN STARTER
# # TODO: attach {{ volume_name }} to data-server as /dev/sdf and wait until it is in use.
# END STARTER


# %% [markdown]
# ## Task 3 — DeleteOnTermination: which volume dies with the instance?
#
# Each EBS volume mapped to an instance has a `DeleteOnTermination` flag. A root volume created at
# launch defaults to **true**; a volume you attach later defaults to **false**. `data-server`'s
# root volume is set to false, so terminating the server would leave an orphaned root volume that
# keeps costing money. Set:
#
# - the **root volume** (device `server["RootDeviceName"]`) to **true**: it only holds the OS,
#   which the AMI rebuilds;
# - **{{ volume_name }}** (`/dev/sdf`) to **false**: the data must outlive the instance. It already is
#   false; say so explicitly, so the intent is written down.
#
# Use `ec2.modify_instance_attribute(InstanceId=..., BlockDeviceMappings=[{"DeviceName": ...,
# "Ebs": {"DeleteOnTermination": ...}}, ...])`.
#
# **Look at:** `describe_instances` → `BlockDeviceMappings[*].Ebs.DeleteOnTermination`.
# Do not terminate `data-server`: the checks need it. On AWS, terminating it now would delete the
# root volume and leave `{{ volume_name }}` in state `available`, data intact.
#

# %%
# BEGIN SOLUTION
ec2.modify_instance_attribute(InstanceId=server_id, BlockDeviceMappings=[
    {"DeviceName": server["RootDeviceName"], "Ebs": {"DeleteOnTermination": True}},
    {"DeviceName": "/dev/sdf", "Ebs": {"DeleteOnTermination": False}},
])
instance = ec2.describe_instances(InstanceIds=[server_id])["Reservations"][0]["Instances"][0]
for mapping in instance["BlockDeviceMappings"]:
    print(mapping["DeviceName"], "DeleteOnTermination =", mapping["Ebs"]["DeleteOnTermination"])
# END SOLUTION
# BEGIN STARTER
# # TODO: with ec2.modify_instance_attribute, set DeleteOnTermination True on the root device
# #       (server["RootDeviceName"]) and False on /dev/sdf.
# END STARTER


# %% [markdown]
# ## Task 4 — Snapshot the data volume
#
# A snapshot is a point-in-time backup of a volume, stored by EBS in Amazon S3 and therefore
# **regional**, not tied to an AZ. Snapshots are incremental, and a snapshot of an encrypted
# volume is encrypted. Give it a **`Description`** (or a `Name` tag): a list of snapshot ids
# tells nobody what they hold. Wait with the `snapshot_completed` waiter. (For a consistent
# backup on AWS, flush or pause the application first.)
#
# **Look at:** `describe_snapshots(SnapshotIds=[...])`: `State`, `Progress`, `Encrypted`,
# `VolumeSize`.
#

# %%
# BEGIN SOLUTION
snapshot_id = ec2.create_snapshot(
    VolumeId=volume_id, Description="{{ volume_name }} of data-server, before moving AZ",
)["SnapshotId"]
ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot_id])
snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
print("Snapshot:", snapshot_id, snapshot["State"], snapshot["VolumeSize"], "GiB",
      "encrypted" if snapshot["Encrypted"] else "NOT encrypted")
# END SOLUTION
# BEGIN STARTER
# # TODO: snapshot {{ volume_name }} with a Description, then wait until it has completed.
# snapshot_id = None
# print("Snapshot:", snapshot_id)
# END STARTER


# %% [markdown]
# ## Task 5 — Restore it in another Availability Zone
#
# You cannot attach `{{ volume_name }}` to an instance in another AZ, and you cannot move it. You can
# create a **new volume from the snapshot in any AZ of the Region**: that is how EBS data moves
# between AZs (and `copy_snapshot` moves it between Regions). The new volume:
#
# - is in an AZ **other than** `{{ volume_name }}`'s;
# - is **encrypted** (a volume from an encrypted snapshot always is);
# - is **at least as large** as the snapshot (leave `Size` out to get the same size);
# - may have another type; gp3 is a good choice.
#
# On AWS a restored volume loads its blocks from S3 the first time they are read, so first reads
# are slow unless you initialise the volume or use fast snapshot restore.
#
# **Look at:** the new volume's `AvailabilityZone`, `SnapshotId`, `Encrypted` and `Size`.
#

# %%
# BEGIN SOLUTION
zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
other_zone = next(z for z in zones if z != zone)
restored_id = ec2.create_volume(
    AvailabilityZone=other_zone, SnapshotId=snapshot_id, VolumeType="gp3", Encrypted=True,
    TagSpecifications=[{"ResourceType": "volume",
                        "Tags": [{"Key": "Name", "Value": "data-restored"}]}],
)["VolumeId"]
ec2.get_waiter("volume_available").wait(VolumeIds=[restored_id])
restored = ec2.describe_volumes(VolumeIds=[restored_id])["Volumes"][0]
print("Restored volume:", restored_id, "in", restored["AvailabilityZone"],
      restored["Size"], "GiB, encrypted:", restored["Encrypted"])
# END SOLUTION
# BEGIN STARTER
# # TODO: pick an Availability Zone other than `zone` and create a volume there from
# #       snapshot_id (tag it Name=data-restored, say). Wait until it is available.
# restored_id = None
# print("Restored volume:", restored_id)
# END STARTER


# %% [markdown]
# ## Task 6 — What would an instance store lose?
#
# An **instance store** is made of disks physically attached to the host the instance runs on:
# very fast, included in the price, and *ephemeral*. It exists only on instance types with local
# storage, and only as long as the instance stays on that host. Compare the two in the
# catalogue: `ec2.describe_instance_types(InstanceTypes=["m5d.large", "t3.micro"])` and look at
# `InstanceStorageSupported` and `InstanceStorageInfo`.
#
# **Question:** of **reboot**, **stop**, **hibernate** and **terminate**, which wipe every block
# of an instance store? Store your answer as a comma-separated list in the SSM parameter
# **`/ebs-lab/instance-store-lost-on`** (`Type="StringList"`, `Overwrite=True`). Order and case
# do not matter.
#

# %%
ssm = boto3.client("ssm")

# BEGIN SOLUTION
for item in ec2.describe_instance_types(InstanceTypes=["m5d.large", "t3.micro"])["InstanceTypes"]:
    print(item["InstanceType"], "instance store:", item.get("InstanceStorageInfo", "none"))

# A reboot keeps the instance on its host; stop, hibernate and terminate release the host
# and its local disks are wiped. (Hibernation saves RAM to the EBS root volume, not there.)
lost_on = "stop,hibernate,terminate"
ssm.put_parameter(Name="/ebs-lab/instance-store-lost-on", Value=lost_on,
                  Type="StringList", Overwrite=True)
# END SOLUTION
# BEGIN STARTER
# # Which of reboot, stop, hibernate and terminate wipe an instance store?
# lost_on = None  # TODO: e.g. "event,event"
# # TODO: ssm.put_parameter(Name="/ebs-lab/instance-store-lost-on", Value=lost_on,
# #                         Type="StringList", Overwrite=True)
# END STARTER
print("Answer:", lost_on)


# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# **Reset this lab** gives this lab a fresh sandbox account with a new `data-server`.
#
# On a real account, clean up afterwards: volumes and snapshots are billed per GiB-month whether
# or not anything uses them, and `{{ volume_name }}` was made to outlive its instance. Delete the
# restored volume, the snapshot and `{{ volume_name }}` (detach it first) once you no longer need them.
#
