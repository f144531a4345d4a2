# %% [markdown]
# # Lab 04 — EKS: configure the IAM roles
#
# An EKS cluster uses several IAM roles, and each one has a single job (lesson: *Amazon EKS*,
# "IAM roles in EKS" and "Giving pods AWS permissions"):
#
# | Role | Who assumes it | Trust principal | Permissions |
# |---|---|---|---|
# | Cluster role | the EKS control plane | `eks.amazonaws.com` | `AmazonEKSClusterPolicy` |
# | Node role | each EC2 node, through its instance profile | `ec2.amazonaws.com` | `AmazonEKSWorkerNodePolicy`, `AmazonEKS_CNI_Policy`, `AmazonEC2ContainerRegistryReadOnly` |
# | Pod execution role | the Fargate infrastructure | `eks-fargate-pods.amazonaws.com` | `AmazonEKSFargatePodExecutionRolePolicy` |
# | IRSA role | *your pod*, through its service account | the cluster's OIDC provider (`Federated`) | only what the app needs |
#
# Every role has two halves: a **trust policy** (who may assume it) and **permissions policies**
# (what it may do once assumed). Roles give temporary credentials that rotate on their own,
# which is why AWS prefers them to access keys baked into images or config.
#
# > **What about the connector role?** It is easy to mistake the "connector role" for the
# > bridge that maps Kubernetes service accounts to IAM roles. That is not what it does. The
# > **EKS connector role** is used by **EKS Connector** to register a Kubernetes cluster running
# > *outside* EKS (on premises or in another cloud) so that it shows up in the EKS console. Pods
# > get AWS permissions through **IRSA** (IAM roles for service accounts, tasks 7-9 of this lab)
# > or **EKS Pod Identity**.
#
# **What the sandbox can and cannot show.** It stores clusters, node groups, Fargate profiles,
# OIDC providers and roles, but it validates almost nothing. It accepts a cluster whose role
# does not exist and never reads a policy. The checks therefore read your policy documents and
# enforce what AWS (and a security reviewer) would. There is no Kubernetes API here: no
# `kubectl`, no nodes, no pods, and no token exchange. The lab covers the AWS side of IRSA, and
# the last section shows the Kubernetes side you would add on a real cluster.
#
# **Prepared for you:** VPC `eks-lab` with two private subnets in two Availability Zones
# (tagged `Name=eks-lab-private-<az letter>`), and the bucket `shop-reports-<your account id>`
# holding the reports the app reads. Write plain `boto3`: the first cell already pointed it at
# the sandbox. Run it first.
#

# %% [markdown]
# ## Task 1 — The cluster role
#
# The EKS control plane assumes the **cluster role** to manage resources in your account, such
# as the network interfaces it places in your subnets and the load balancers for Kubernetes
# Services. Create role **`eks-cluster-role`**. Its trust policy lets the service principal
# `eks.amazonaws.com` call `sts:AssumeRole`:
#
# ```json
# {"Version": "2012-10-17",
#  "Statement": [{"Effect": "Allow",
#                 "Principal": {"Service": "eks.amazonaws.com"},
#                 "Action": "sts:AssumeRole"}]}
# ```
#
# Then attach the AWS managed policy `arn:aws:iam::aws:policy/AmazonEKSClusterPolicy`.
# Trust exactly one service: a `"*"` principal or a second principal would let others act with
# the role's permissions.
# **Look at:** `iam.get_role(RoleName="eks-cluster-role")["Role"]["AssumeRolePolicyDocument"]`
# and `iam.list_attached_role_policies(RoleName="eks-cluster-role")`.
#

# %%
import json

import boto3

iam = boto3.client("iam")
MANAGED = "arn:aws:iam::aws:policy/"

# BEGIN STARTER
# # TODO: the trust policy as a dict: eks.amazonaws.com may call sts:AssumeRole.
# cluster_trust = None
# print(json.dumps(cluster_trust, indent=2))
# END STARTER

# BEGIN SOLUTION
def service_trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


cluster_role_arn = iam.create_role(
    RoleName="eks-cluster-role",
    AssumeRolePolicyDocument=service_trust("eks.amazonaws.com"))["Role"]["Arn"]
iam.attach_role_policy(RoleName="eks-cluster-role", PolicyArn=MANAGED + "AmazonEKSClusterPolicy")
# END SOLUTION
# BEGIN STARTER
# # TODO: iam.create_role(RoleName="eks-cluster-role",
# #                       AssumeRolePolicyDocument=json.dumps(cluster_trust)),
# #       then attach MANAGED + "AmazonEKSClusterPolicy" with iam.attach_role_policy.
# cluster_role_arn = None
# END STARTER
print("Cluster role:", cluster_role_arn)


# %% [markdown]
# ## Task 2 — The node role
#
# Each EC2 node of a managed node group gets the **node role** through its instance profile.
# The kubelet uses it to join the cluster, the VPC CNI plugin uses it to give pods IP
# addresses, and the container runtime uses it to pull images from ECR. Create
# **`eks-node-role`**, trusted by `ec2.amazonaws.com`, with three AWS managed policies:
# `AmazonEKSWorkerNodePolicy`, `AmazonEKS_CNI_Policy` and `AmazonEC2ContainerRegistryReadOnly`.
# (`AmazonEC2ContainerRegistryPullOnly`, the narrower policy that AWS now documents, is accepted
# in place of the last one. `AmazonSSMManagedInstanceCore` may be added so that you can reach
# nodes with Session Manager.)
#
# AWS does not allow one role to be both the cluster role and the node role. Keep the node role
# small, because every pod on a node can usually reach the node's credentials through the
# instance metadata service. In production, AWS recommends moving `AmazonEKS_CNI_Policy` to an
# IRSA role for the CNI's own service account. This lab keeps it on the node role.
# **Look at:** `iam.list_attached_role_policies(RoleName="eks-node-role")`.
#

# %%
# BEGIN SOLUTION
node_role_arn = iam.create_role(
    RoleName="eks-node-role",
    AssumeRolePolicyDocument=service_trust("ec2.amazonaws.com"))["Role"]["Arn"]
for policy in ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
               "AmazonEC2ContainerRegistryReadOnly"]:
    iam.attach_role_policy(RoleName="eks-node-role", PolicyArn=MANAGED + policy)
# END SOLUTION
# BEGIN STARTER
# # TODO: create role "eks-node-role" trusted by ec2.amazonaws.com and attach
# #       AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy and AmazonEC2ContainerRegistryReadOnly.
# node_role_arn = None
# END STARTER
print("Node role:", node_role_arn)


# %% [markdown]
# ## Task 3 — The Fargate pod execution role
#
# Pods that run on Fargate have no EC2 node of yours. The Fargate infrastructure assumes the
# **pod execution role** to pull the pod's images, send its logs and register the pod's hidden
# node with the cluster. Your containers never receive these credentials. Create
# **`eks-pod-execution-role`**, trusted by `eks-fargate-pods.amazonaws.com`, with
# `AmazonEKSFargatePodExecutionRolePolicy` and nothing else.
# (AWS documents an optional `ArnLike` condition on `aws:SourceArn`
# `arn:aws:eks:<region>:<account>:fargateprofile/shop/*`. It is accepted, not required.)
#

# %%
# BEGIN SOLUTION
pod_role_arn = iam.create_role(
    RoleName="eks-pod-execution-role",
    AssumeRolePolicyDocument=service_trust("eks-fargate-pods.amazonaws.com"))["Role"]["Arn"]
iam.attach_role_policy(RoleName="eks-pod-execution-role",
                       PolicyArn=MANAGED + "AmazonEKSFargatePodExecutionRolePolicy")
# END SOLUTION
# BEGIN STARTER
# # TODO: create role "eks-pod-execution-role" trusted by eks-fargate-pods.amazonaws.com and
# #       attach AmazonEKSFargatePodExecutionRolePolicy.
# pod_role_arn = None
# END STARTER
print("Pod execution role:", pod_role_arn)


# %% [markdown]
# ## Task 4 — Create the cluster with the cluster role
#
# Create cluster **`shop`** with `roleArn` set to the cluster role and the two `eks-lab`
# subnets. EKS needs subnets in **at least two Availability Zones**, so the control plane stays
# reachable if one zone fails. The cell below already finds the subnets. A real cluster takes
# about ten minutes to become `ACTIVE`, and the waiter handles that. In the sandbox it is
# instant. A cluster's role cannot be changed after creation. If you pick the wrong one, delete
# the node groups and Fargate profiles, then the cluster, and create it again (or use **Reset
# this lab**).
# **Look at:** `eks.describe_cluster(name="shop")["cluster"]`, in particular `roleArn` and
# `identity.oidc.issuer`, the cluster's OpenID Connect issuer, which you need in task 7.
#

# %%
eks = boto3.client("eks")
ec2 = boto3.client("ec2")
subnets = ec2.describe_subnets(
    Filters=[{"Name": "tag:Name", "Values": ["eks-lab-private-*"]}])["Subnets"]
subnet_ids = [s["SubnetId"] for s in subnets]
print("Subnets:", [(s["SubnetId"], s["AvailabilityZone"]) for s in subnets])

# BEGIN SOLUTION
eks.create_cluster(name="shop", roleArn=cluster_role_arn,
                   resourcesVpcConfig={"subnetIds": subnet_ids})
eks.get_waiter("cluster_active").wait(name="shop")
print(eks.describe_cluster(name="shop")["cluster"]["status"])
# END SOLUTION
# BEGIN STARTER
# # TODO: eks.create_cluster(name="shop", roleArn=cluster_role_arn,
# #                          resourcesVpcConfig={"subnetIds": subnet_ids}),
# #       then eks.get_waiter("cluster_active").wait(name="shop").
# END STARTER


# %% [markdown]
# ## Task 5 — A managed node group with the node role
#
# Add managed node group **`shop-nodes`** to `shop` with `nodeRole` set to the node role,
# for example two `t3.medium` instances in the same subnets. EKS runs the Auto Scaling group
# for you, but the instances still run as the node role. The sandbox starts no instances.
# **Look at:** `eks.describe_nodegroup(clusterName="shop", nodegroupName="shop-nodes")
# ["nodegroup"]["nodeRole"]`.
#

# %%
# BEGIN SOLUTION
eks.create_nodegroup(clusterName="shop", nodegroupName="shop-nodes", nodeRole=node_role_arn,
                     subnets=subnet_ids, instanceTypes=["t3.medium"],
                     scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2})
print(eks.describe_nodegroup(clusterName="shop", nodegroupName="shop-nodes")
      ["nodegroup"]["nodeRole"])
# END SOLUTION
# BEGIN STARTER
# # TODO: eks.create_nodegroup(clusterName="shop", nodegroupName="shop-nodes",
# #                            nodeRole=node_role_arn, subnets=subnet_ids, ...)
# END STARTER


# %% [markdown]
# ## Task 6 — A Fargate profile with the pod execution role
#
# Add Fargate profile **`reports`** that selects the namespace `reports` and uses the pod
# execution role. A profile needs at least one selector. Fargate pods get no public IP, so a
# profile accepts only **private** subnets. The `eks-lab` subnets are private. (Real private
# subnets also need a NAT gateway or VPC endpoints so that pods can pull images. The sandbox
# skips that.)
#

# %%
# BEGIN SOLUTION
eks.create_fargate_profile(clusterName="shop", fargateProfileName="reports",
                           podExecutionRoleArn=pod_role_arn, subnets=subnet_ids,
                           selectors=[{"namespace": "reports"}])
print(eks.describe_fargate_profile(clusterName="shop", fargateProfileName="reports")
      ["fargateProfile"]["podExecutionRoleArn"])
# END SOLUTION
# BEGIN STARTER
# # TODO: eks.create_fargate_profile(clusterName="shop", fargateProfileName="reports",
# #                                  podExecutionRoleArn=pod_role_arn, subnets=subnet_ids,
# #                                  selectors=[{"namespace": "reports"}])
# END STARTER


# %% [markdown]
# ## Task 7 — Register the cluster's OIDC issuer with IAM
#
# IRSA works like this: Kubernetes gives each pod a signed token for its service account. The
# AWS SDK in the pod sends that token to STS with `sts:AssumeRoleWithWebIdentity`. STS accepts
# it only if the token's issuer is registered in your account as an **IAM OIDC identity
# provider**. Create one with `Url` set to the cluster's `identity.oidc.issuer` and
# `ClientIDList=["sts.amazonaws.com"]`, the audience that IRSA tokens carry. `ThumbprintList`
# is optional because IAM fetches the thumbprint itself. If you forget the audience, delete the
# provider and create it again (the sandbox answers `add_client_id_to_open_id_connect_provider`
# with an error that says so).
# **Look at:** the provider ARN, `arn:aws:iam::<account>:oidc-provider/<issuer without
# https://>`. The role in task 8 trusts exactly that ARN.
#

# %%
# BEGIN SOLUTION
issuer = eks.describe_cluster(name="shop")["cluster"]["identity"]["oidc"]["issuer"]
provider_arn = iam.create_open_id_connect_provider(
    Url=issuer, ClientIDList=["sts.amazonaws.com"])["OpenIDConnectProviderArn"]
# END SOLUTION
# BEGIN STARTER
# # TODO: read the issuer from eks.describe_cluster(name="shop") (identity.oidc.issuer) and
# #       create the provider with iam.create_open_id_connect_provider(Url=issuer,
# #       ClientIDList=["sts.amazonaws.com"]).
# issuer = None
# provider_arn = None
# END STARTER
print("Issuer:", issuer)
print("OIDC provider:", provider_arn)


# %% [markdown]
# ## Task 8 — A role that only one service account can assume
#
# The reports app runs as service account **`report-reader`** in namespace **`reports`**.
# Create role **`report-reader`** whose trust policy allows `sts:AssumeRoleWithWebIdentity` to
# the principal `{"Federated": provider_arn}` **only** when the token says so:
#
# ```python
# path = issuer.removeprefix("https://")   # condition keys use the issuer WITHOUT https://
# "Condition": {"StringEquals": {
#     f"{path}:sub": "system:serviceaccount:reports:report-reader",
#     f"{path}:aud": "sts.amazonaws.com"}}
# ```
#
# Without the `sub` condition, *every* service account in *every* namespace of the cluster could
# assume the role. `StringLike` with `*`, such as `system:serviceaccount:reports:*`, is almost
# as bad. The `aud` condition rejects tokens that the cluster issued for other audiences.
# (**EKS Pod Identity** is the newer alternative. The role trusts `pods.eks.amazonaws.com` and an
# EKS *pod identity association* links it to the service account, with no OIDC provider. The
# sandbox does not implement associations, so this lab uses IRSA.)
#

# %%
# BEGIN SOLUTION
path = issuer.removeprefix("https://")
irsa_trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": provider_arn},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {
        f"{path}:sub": "system:serviceaccount:reports:report-reader",
        f"{path}:aud": "sts.amazonaws.com"}}}]}
irsa_role_arn = iam.create_role(RoleName="report-reader",
                                AssumeRolePolicyDocument=json.dumps(irsa_trust))["Role"]["Arn"]
# END SOLUTION
# BEGIN STARTER
# # TODO: iam.create_role(RoleName="report-reader", AssumeRolePolicyDocument=json.dumps({...}))
# #       with Principal {"Federated": provider_arn}, Action "sts:AssumeRoleWithWebIdentity"
# #       and the StringEquals conditions on "<issuer without https://>:sub" and ":aud".
# irsa_role_arn = None
# END STARTER
print("IRSA role:", irsa_role_arn)


# %% [markdown]
# ## Task 9 — Least privilege: read one bucket
#
# Give `report-reader` an inline policy (`iam.put_role_policy`) that allows `s3:GetObject` on
# the objects `arn:aws:s3:::<bucket>/*`. Add `s3:ListBucket` on the bucket itself,
# `arn:aws:s3:::<bucket>`, if the app lists keys. Nothing else: no `s3:*`, no `s3:Get*`, no
# `"Resource": "*"`, and not `AmazonS3ReadOnlyAccess`, which reads *every* bucket in the
# account. Object ARNs are the bucket ARN plus `/key`, so `GetObject` on the bucket ARN alone
# matches no object. The sandbox never evaluates policies, so the check reads the document.
#

# %%
sts = boto3.client("sts")
bucket = f"shop-reports-{sts.get_caller_identity()['Account']}"
print("Bucket:", bucket, boto3.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount"))

# BEGIN SOLUTION
iam.put_role_policy(RoleName="report-reader", PolicyName="read-reports",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": f"arn:aws:s3:::{bucket}/*"},
                        {"Effect": "Allow", "Action": "s3:ListBucket",
                         "Resource": f"arn:aws:s3:::{bucket}"}]}))
print(iam.get_role_policy(RoleName="report-reader", PolicyName="read-reports")
      ["PolicyDocument"])
# END SOLUTION
# BEGIN STARTER
# # TODO: iam.put_role_policy(RoleName="report-reader", PolicyName="read-reports",
# #       PolicyDocument=json.dumps({...})) with s3:GetObject on f"arn:aws:s3:::{bucket}/*"
# #       (and s3:ListBucket on f"arn:aws:s3:::{bucket}").
# END STARTER


# %% [markdown]
# ## On a real cluster: the Kubernetes side of IRSA
#
# The sandbox has no Kubernetes API, so this part is not graded. On a real cluster you would
# create the service account and annotate it with the role:
#
# ```bash
# kubectl create namespace reports
# kubectl create serviceaccount report-reader -n reports
# kubectl annotate serviceaccount report-reader -n reports \
#     eks.amazonaws.com/role-arn=arn:aws:iam::<account>:role/report-reader
# ```
#
# Pods that use this service account get a projected token plus `AWS_ROLE_ARN` and
# `AWS_WEB_IDENTITY_TOKEN_FILE`. The AWS SDK exchanges the token for temporary credentials on
# its own, with no access keys anywhere. Pods on Fargate (namespace `reports`, task 6) work the
# same way.
#
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# **Reset this lab** gives this lab a fresh sandbox account, with the VPC and bucket prepared
# again.
#
