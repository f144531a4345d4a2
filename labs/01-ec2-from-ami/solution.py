# %% [markdown]
# # Lab 01 — Launch EC2 from an AMI
#
# An **AMI** (Amazon Machine Image) is a template: operating system, applications and settings,
# ready to boot. Teams bake a *golden AMI* once and launch identical servers from it.
# In this lab you do exactly that (lesson: *EC2: AMIs, instance types, user data and key pairs*):
#
# 1. find the current Amazon Linux 2023 AMI;
# 2. create a key pair and a security group;
# 3. launch a *builder* with user data that installs a web server;
# 4. capture it as `{{ prefix }}-golden`;
# 5. launch two web servers from it with encrypted gp3 root volumes;
# 6. terminate the builder.
#
# Everything runs in your **local sandbox** (no AWS account, no cost). Write plain `boto3`:
# the first cell (above) points it at the sandbox: run it first.

# %% [markdown]
# ## Task 1 — Find the current Amazon Linux 2023 AMI
#
# AMI ids differ per region and change with every release, so never hard-code one. Two good ways:
# the public SSM parameter `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`,
# or `ec2.describe_images(Owners=["amazon"], Filters=[...])` with a name filter such as
# `al2023-ami-2023.*-x86_64`, sorted by `CreationDate`.
# **Look at:** the AMI's `Name`, `Architecture` and `RootDeviceName`.

# %%
import boto3

ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")

# BEGIN SOLUTION
param = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
ami_id = ssm.get_parameter(Name=param)["Parameter"]["Value"]
# END SOLUTION
# BEGIN STARTER
# # TODO: look up the current Amazon Linux 2023 x86_64 AMI id (SSM parameter or describe_images).
# ami_id = None
# END STARTER
print("AMI:", ami_id)

# %% [markdown]
# ## Task 2 — A key pair and a security group
#
# Create key pair **`{{ prefix }}-key`** (AWS keeps the public key; the private key is shown once — keep it
# safe). Create security group **`{{ prefix }}-sg`** that allows **tcp 80 from `0.0.0.0/0`** and **tcp 22
# only from one CIDR** (for example your office, `203.0.113.10/32`). SSH open to the world is
# the classic mistake this lab checks for.

# %%
# BEGIN SOLUTION
ec2.create_key_pair(KeyName="{{ prefix }}-key")
sg_id = ec2.create_security_group(GroupName="{{ prefix }}-sg", Description="web tier")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "203.0.113.10/32"}]},
])
# END SOLUTION
# BEGIN STARTER
# # TODO: create key pair "{{ prefix }}-key" and security group "{{ prefix }}-sg" with the two ingress rules.
# sg_id = None
# END STARTER
print("Security group:", sg_id)

# %% [markdown]
# ## Task 3 — Launch the builder with user data
#
# Launch one instance from the AMI of task 1 with tag **`Name={{ prefix }}-builder`** and **user data**: a
# script starting with `#!/bin/bash` that installs a web server, e.g. `dnf install -y httpd` and
# `systemctl enable --now httpd`. Pass the script as plain text: boto3 base64-encodes `UserData`
# for you. User data runs once, at first boot. (`{{ prefix }}-key` and `{{ prefix }}-sg` let you log in to the
# builder; the lab does not require them here.)
# **Look at:** `ec2.describe_instance_attribute(InstanceId=..., Attribute="userData")` (base64).

# %%
# BEGIN SOLUTION
user_data = "#!/bin/bash\ndnf install -y httpd\nsystemctl enable --now httpd\n"
builder = ec2.run_instances(
    ImageId=ami_id, InstanceType="t3.micro", MinCount=1, MaxCount=1,
    KeyName="{{ prefix }}-key", SecurityGroupIds=[sg_id], UserData=user_data,
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "{{ prefix }}-builder"}]}],
)
builder_id = builder["Instances"][0]["InstanceId"]
ec2.get_waiter("instance_running").wait(InstanceIds=[builder_id])
# END SOLUTION
# BEGIN STARTER
# # TODO: run_instances from ami_id with tag Name={{ prefix }}-builder, {{ prefix }}-key, {{ prefix }}-sg and UserData.
# builder_id = None
# END STARTER
print("Builder:", builder_id)

# %% [markdown]
# ## Task 4 — Capture the golden AMI
#
# Create an AMI named **`{{ prefix }}-golden`** from the builder with `ec2.create_image` and wait for it to be
# `available` (`ec2.get_waiter("image_available")`).

# %%
# BEGIN SOLUTION
golden_id = ec2.create_image(InstanceId=builder_id, Name="{{ prefix }}-golden")["ImageId"]
ec2.get_waiter("image_available").wait(ImageIds=[golden_id])
# END SOLUTION
# BEGIN STARTER
# # TODO: create_image(InstanceId=builder_id, Name="{{ prefix }}-golden") and wait until available.
# golden_id = None
# END STARTER
print("Golden AMI:", golden_id)

# %% [markdown]
# ## Task 5 — Launch the web tier from the golden AMI
#
# Launch **two `t3.micro`** instances from `{{ prefix }}-golden`, with `{{ prefix }}-key`, `{{ prefix }}-sg` and tag
# **`Name={{ prefix }}`** (at launch with `TagSpecifications`, or afterwards with `create_tags`). Give each an
# **encrypted gp3 root volume**: a `BlockDeviceMappings` entry for the golden AMI's
# `RootDeviceName` with `{"VolumeType": "gp3", "Encrypted": True, "VolumeSize": 8}`.
# A launch template works too.
# **Look at:** `ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", ...}])`.

# %%
# BEGIN SOLUTION
root = ec2.describe_images(ImageIds=[golden_id])["Images"][0]["RootDeviceName"]
web = ec2.run_instances(
    ImageId=golden_id, InstanceType="t3.micro", MinCount=2, MaxCount=2,
    KeyName="{{ prefix }}-key", SecurityGroupIds=[sg_id],
    BlockDeviceMappings=[{"DeviceName": root, "Ebs": {"VolumeType": "gp3", "Encrypted": True, "VolumeSize": 8}}],
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "{{ prefix }}"}]}],
)
web_ids = [i["InstanceId"] for i in web["Instances"]]
# END SOLUTION
# BEGIN STARTER
# # TODO: launch two t3.micro from golden_id: {{ prefix }}-key, {{ prefix }}-sg, Name={{ prefix }}, encrypted gp3 root.
# web_ids = []
# END STARTER
print("Web instances:", web_ids)

# %% [markdown]
# ## Task 6 — Terminate the builder
#
# The golden image exists, so the builder has done its job: terminate it (you pay for running
# instances by the second). Stopping is not enough: a stopped instance still pays for its volume.
# If you launched more than one builder, terminate each of them.

# %%
# BEGIN SOLUTION
ec2.terminate_instances(InstanceIds=[builder_id])
print("Builder terminated:", builder_id)
# END SOLUTION
# BEGIN STARTER
# # TODO: terminate the builder.
#
# END STARTER

# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# **Reset this lab** gives this lab a fresh, empty sandbox account.
