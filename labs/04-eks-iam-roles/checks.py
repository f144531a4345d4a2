"""Checks for lab 04: the IAM roles of an EKS cluster, and IRSA for one service account.

Every rule is listed in lab.toml ``rules``. moto stores trust and permissions policies
without validating or simulating them, and accepts roles that do not exist, so these checks
read the policy documents themselves (through boto3 only) and enforce what AWS would.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from grader import check
from grader.kit.lookups import error_code, or_fail
from grader.kit.policies import (
    allow_statements,
    attached_policies,
    get_role,
    inline_policies,
    is_aws_managed,
    listed,
    managed_policy_document,
    principals,
    role_name,
    service_principals,
)

CLUSTER = "shop"
CLUSTER_ROLE = "eks-cluster-role"
NODE_ROLE = "eks-node-role"
POD_ROLE = "eks-pod-execution-role"
IRSA_ROLE = "report-reader"
NAMESPACE, SERVICE_ACCOUNT = "reports", "report-reader"
SUBJECT = f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}"
AUDIENCE = "sts.amazonaws.com"
BUCKET_PREFIX = "shop-reports-"
BUCKET_SHOWN = "shop-reports-<your account id>"
VPC_NAME = "eks-lab"

EKS, EC2, FARGATE = "eks.amazonaws.com", "ec2.amazonaws.com", "eks-fargate-pods.amazonaws.com"
WHO = {EKS: "the EKS control plane", EC2: "each EC2 node (through its instance profile)",
       FARGATE: "the Fargate infrastructure that runs your pods"}
ROLE_FOR = {EKS: "cluster role", EC2: "node role", FARGATE: "pod execution role"}

CLUSTER_POLICIES = [{"AmazonEKSClusterPolicy"}]
CLUSTER_EXTRAS = {"AmazonEKSVPCResourceController", "AmazonEKSServicePolicy",
                  "AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy",
                  "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy"}
NODE_POLICIES = [{"AmazonEKSWorkerNodePolicy"}, {"AmazonEKS_CNI_Policy"},
                 {"AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly"}]
NODE_EXTRAS = {"AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"}
POD_POLICIES = [{"AmazonEKSFargatePodExecutionRolePolicy"}]

OBJECT_READS = {"s3:getobject", "s3:getobjectversion"}
BUCKET_READS = {"s3:listbucket", "s3:getbucketlocation"}
IF_EXISTS = "IfExists"


# --- reading roles ------------------------------------------------------------------------

def _require_role(iam, name, what):
    role = get_role(iam, name)
    assert role, f"No IAM role named '{name}' yet: create the {what} with iam.create_role."
    return role


# --- service roles (cluster, node, pod execution) -----------------------------------------

def _service_trust_problem(name, doc, service):
    """Why ``name``'s trust policy is not "only ``service`` may sts:AssumeRole", or None."""
    allows = allow_statements(doc)
    if not allows:
        return (f"The trust policy of '{name}' allows nobody to assume it; add a statement that "
                f"lets {service} call sts:AssumeRole.")
    for statement in allows:
        if "NotPrincipal" in statement or "NotAction" in statement:
            return (f"The trust policy of '{name}' uses NotPrincipal or NotAction, which trusts "
                    "everything except what it names. Use Principal and Action.")
        named = principals(statement)
        if any(v == "*" for values in named.values() for v in values):
            return (f"The trust policy of '{name}' lets any principal ('*') assume the role. A "
                    f"service role must trust exactly one service principal: {service}.")
        others = sorted(k for k in named if k != "Service")
        if others:
            return (f"The trust policy of '{name}' also trusts {'/'.join(others)} principals, "
                    f"but only {service} should be able to assume the {ROLE_FOR[service]}: "
                    "every extra principal could act with its permissions.")
        services = named.get("Service", [])
        if set(services) != {service}:
            found = ", ".join(sorted(services)) or "no service"
            return (f"'{name}' trusts {found}, but the {ROLE_FOR[service]} must trust only "
                    f"{service}: {WHO[service]} assumes it with sts:AssumeRole. AWS also "
                    "refuses to share one role between a cluster, a node group and a Fargate "
                    "profile, so each gets its own role.")
        actions = [a.lower() for a in listed(statement.get("Action"))]
        wild = [a for a in actions if "*" in a]
        if wild:
            return (f"The trust policy of '{name}' allows the wildcard action {wild[0]!r}; "
                    "allow exactly sts:AssumeRole so the service can do nothing else with the "
                    "role.")
        if "sts:assumerole" not in actions:
            return (f"The trust policy of '{name}' does not allow sts:AssumeRole, the call "
                    f"{service} makes to get the role's credentials.")
    return None


def _check_service_role(aws, name, service, required, extras, missing_role):
    """``required``: groups of AWS managed policy names; each group needs one of its members."""
    iam = aws.client("iam")
    role = get_role(iam, name)
    assert role, missing_role
    problem = _service_trust_problem(name, role["AssumeRolePolicyDocument"], service)
    assert problem is None, problem
    attached = attached_policies(iam, name)
    names = {p["PolicyName"] for p in attached if is_aws_managed(p["PolicyArn"])}
    missing = [" or ".join(sorted(group)) for group in required if not group & names]
    assert not missing, (
        f"'{name}' is missing the AWS managed {'policy' if len(missing) == 1 else 'policies'} "
        f"{', '.join(missing)}: the {ROLE_FOR[service]} needs "
        f"{'it' if len(missing) == 1 else 'them'} to do its job. Attach with "
        "iam.attach_role_policy.")
    allowed = set().union(*required) | extras
    extra = sorted(p["PolicyName"] for p in attached
                   if not (is_aws_managed(p["PolicyArn"]) and p["PolicyName"] in allowed))
    assert not extra, (
        f"'{name}' also has {', '.join(extra)} attached. Give the {ROLE_FOR[service]} only the "
        "policies EKS needs: anything more is power the service (and, for nodes, every pod on "
        "the node) could use.")


@check(points=2, hint="iam.create_role(RoleName='eks-cluster-role', AssumeRolePolicyDocument="
                      "json.dumps({... 'Principal': {'Service': 'eks.amazonaws.com'}, 'Action': "
                      "'sts:AssumeRole' ...})); iam.attach_role_policy(RoleName=..., PolicyArn="
                      "'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy')")
def cluster_role(aws):
    """eks-cluster-role trusts eks.amazonaws.com and has AmazonEKSClusterPolicy"""
    _check_service_role(
        aws, CLUSTER_ROLE, EKS, CLUSTER_POLICIES, CLUSTER_EXTRAS,
        f"No IAM role named '{CLUSTER_ROLE}' yet. The EKS control plane assumes the cluster "
        "role to manage network interfaces and load balancers in your account.")


@check(points=2, hint="create_role 'eks-node-role' trusted by ec2.amazonaws.com, then attach "
                      "AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy and "
                      "AmazonEC2ContainerRegistryReadOnly")
def node_role(aws):
    """eks-node-role trusts ec2.amazonaws.com and has the three node policies"""
    _check_service_role(
        aws, NODE_ROLE, EC2, NODE_POLICIES, NODE_EXTRAS,
        f"No IAM role named '{NODE_ROLE}' yet. The kubelet on each node uses it (through the "
        "instance profile) to join the cluster, set up pod networking and pull images.")


@check(points=2, hint="create_role 'eks-pod-execution-role' trusted by "
                      "eks-fargate-pods.amazonaws.com, then attach "
                      "AmazonEKSFargatePodExecutionRolePolicy")
def pod_execution_role(aws):
    """eks-pod-execution-role trusts eks-fargate-pods.amazonaws.com with its policy"""
    _check_service_role(
        aws, POD_ROLE, FARGATE, POD_POLICIES, set(),
        f"No IAM role named '{POD_ROLE}' yet. Fargate uses it to pull images and register each "
        "pod's hidden node; your containers never get these credentials.")


# --- what uses the roles ----------------------------------------------------------------

def _cluster(aws, needed_for=""):
    return or_fail(lambda: aws.client("eks").describe_cluster(name=CLUSTER)["cluster"],
                   "ResourceNotFoundException",
                   f"No EKS cluster named '{CLUSTER}' yet{needed_for}: create it with "
                   "eks.create_cluster.")


def _role_used(aws, arn, service, used_by):
    """The role behind ``arn`` must exist in this account and be trusted by ``service``."""
    iam = aws.client("iam")
    name = role_name(arn)
    role = get_role(iam, name) if name else None
    assert role and role["Arn"] == arn, (
        f"{used_by} uses a role that does not exist in this account. AWS refuses a role ARN it "
        "cannot find (the sandbox does not check), so create the role first and pass its Arn.")
    services = set()
    for statement in allow_statements(role["AssumeRolePolicyDocument"]):
        services.update(service_principals(statement))
    assert service in services, (
        f"{used_by} uses '{role['RoleName']}', which {service} cannot assume (it trusts "
        f"{', '.join(sorted(services)) or 'no service'}). It needs the {ROLE_FOR[service]}, "
        f"the one {WHO[service]} assumes.")


@check(points=1, hint="eks.create_cluster(name='shop', roleArn=cluster_role_arn, "
                      "resourcesVpcConfig={'subnetIds': subnet_ids})")
def cluster_uses_cluster_role(aws):
    """Cluster shop runs with the cluster role in subnets of two Availability Zones"""
    cluster = _cluster(aws)
    assert cluster.get("status") in ("CREATING", "ACTIVE", "UPDATING"), (
        f"Cluster '{CLUSTER}' is {cluster.get('status')}; create it again.")
    _role_used(aws, cluster.get("roleArn"), EKS, f"Cluster '{CLUSTER}'")
    subnet_ids = cluster.get("resourcesVpcConfig", {}).get("subnetIds", [])
    try:
        subnets = aws.client("ec2").describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    except ClientError as exc:
        if error_code(exc).startswith("InvalidSubnetID"):
            raise AssertionError(
                f"Cluster '{CLUSTER}' names a subnet that does not exist. AWS places the "
                "control plane's network interfaces in these subnets, so they must be real "
                "(use the eks-lab subnets from ec2.describe_subnets).") from None
        raise
    zones = {s["AvailabilityZone"] for s in subnets}
    assert len(zones) >= 2, (
        f"Cluster '{CLUSTER}' has subnets in {len(zones)} Availability Zone(s). EKS requires "
        "subnets in at least two AZs so the control plane stays reachable if one AZ fails.")


@check(points=1, hint="eks.create_nodegroup(clusterName='shop', nodegroupName='shop-nodes', "
                      "nodeRole=node_role_arn, subnets=subnet_ids)")
def node_group_uses_node_role(aws):
    """A managed node group in shop uses the node role"""
    _cluster(aws, " (a node group belongs to a cluster)")
    eks = aws.client("eks")
    groups = eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"]
    assert groups, f"Cluster '{CLUSTER}' has no managed node group yet."
    for group in sorted(groups):
        info = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=group)["nodegroup"]
        _role_used(aws, info.get("nodeRole"), EC2, f"Node group '{group}'")


@check(points=1, hint="eks.create_fargate_profile(clusterName='shop', fargateProfileName="
                      "'reports', podExecutionRoleArn=pod_role_arn, subnets=subnet_ids, "
                      "selectors=[{'namespace': 'reports'}])")
def fargate_profile_uses_pod_execution_role(aws):
    """A Fargate profile in shop uses the pod execution role"""
    _cluster(aws, " (a Fargate profile belongs to a cluster)")
    eks = aws.client("eks")
    profiles = eks.list_fargate_profiles(clusterName=CLUSTER)["fargateProfileNames"]
    assert profiles, f"Cluster '{CLUSTER}' has no Fargate profile yet."
    for name in sorted(profiles):
        info = eks.describe_fargate_profile(clusterName=CLUSTER,
                                            fargateProfileName=name)["fargateProfile"]
        _role_used(aws, info.get("podExecutionRoleArn"), FARGATE, f"Fargate profile '{name}'")


# --- IRSA ---------------------------------------------------------------------------------

def _issuer_path(aws):
    """The cluster's OIDC issuer without https:// (how IAM names the provider and its keys)."""
    cluster = _cluster(aws, " (IRSA trusts the cluster's own OIDC issuer)")
    issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer", "")
    assert issuer, f"Cluster '{CLUSTER}' has no OIDC issuer yet; wait until it is ACTIVE."
    return _strip(issuer)


def _strip(url):
    return url.removeprefix("https://").rstrip("/")


def _provider_arn(aws, path):
    arn = aws.client("sts").get_caller_identity()["Arn"]
    partition, account = arn.split(":")[1], arn.split(":")[4]
    return f"arn:{partition}:iam::{account}:oidc-provider/{path}"


@check(points=2, hint="iam.create_open_id_connect_provider(Url=eks.describe_cluster("
                      "name='shop')['cluster']['identity']['oidc']['issuer'], "
                      "ClientIDList=['sts.amazonaws.com'])")
def oidc_provider(aws):
    """An IAM OIDC provider exists for shop's issuer with audience sts.amazonaws.com"""
    path = _issuer_path(aws)
    iam = aws.client("iam")
    found = None
    for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=entry["Arn"])
        if _strip(provider["Url"]).lower() == path.lower():
            found = provider
    assert found, (
        f"No IAM OIDC provider for cluster '{CLUSTER}''s issuer yet. IAM only accepts web "
        "identity tokens from issuers registered as OIDC providers, so without it no pod can "
        "exchange its service account token for role credentials.")
    assert AUDIENCE in found.get("ClientIDList", []), (
        f"The OIDC provider for '{CLUSTER}' does not list the audience (client ID) "
        f"{AUDIENCE}. Pod tokens for IRSA carry aud={AUDIENCE}, and STS rejects tokens whose "
        "audience the provider does not list.")


def _condition_entries(statement):
    """[(operator, key, [values])] of a statement's Condition block."""
    condition = statement.get("Condition") or {}
    return [(op, key, listed(values))
            for op, block in condition.items() for key, values in (block or {}).items()]


def _condition_problem(entries, path, field, expected, why):
    key = f"{path}:{field}".lower()
    matching = [(op, values) for op, k, values in entries if k.lower() == key]
    if not matching:
        near = [k for _, k, _ in entries if k.lower().endswith(f":{field}")]
        if any(k.lower().startswith("https://") for k in near):
            return (f"The '{field}' condition key starts with https://. IAM names the key after "
                    f"the issuer without the scheme: '<issuer host and path>:{field}'.")
        if near:
            return (f"The '{field}' condition key names another issuer: use the issuer of "
                    f"cluster '{CLUSTER}' without https://, followed by ':{field}'.")
        return why
    for op, values in matching:
        if op not in ("StringEquals", "StringLike"):
            return (f"The '{field}' condition uses {op}; use StringEquals so the token's "
                    f"'{field}' must be exactly {expected}"
                    + (" (an ...IfExists operator also passes when the key is missing)."
                       if op.endswith(IF_EXISTS) else "."))
        if op == "StringLike" and any("*" in v or "?" in v for v in values):
            return (f"The '{field}' condition is a StringLike pattern "
                    f"({', '.join(values)}), so every service account it matches can assume "
                    f"the role. Use StringEquals with exactly {expected}.")
        if values != [expected]:
            return (f"The '{field}' condition allows {', '.join(values) or 'nothing'}; it "
                    f"must allow exactly {expected}.")
    return None


@check(points=3, hint="Principal {'Federated': oidc_provider_arn}, Action "
                      "'sts:AssumeRoleWithWebIdentity', Condition {'StringEquals': "
                      "{issuer_path + ':sub': 'system:serviceaccount:reports:report-reader', "
                      "issuer_path + ':aud': 'sts.amazonaws.com'}}")
def irsa_trust(aws):
    """report-reader trusts only service account reports/report-reader through the OIDC provider"""
    path = _issuer_path(aws)
    role = _require_role(aws.client("iam"), IRSA_ROLE, "IRSA role")
    allows = allow_statements(role["AssumeRolePolicyDocument"])
    assert allows, f"The trust policy of '{IRSA_ROLE}' allows nobody to assume it."
    provider = _provider_arn(aws, path)
    for statement in allows:
        assert "NotPrincipal" not in statement and "NotAction" not in statement, (
            f"The trust policy of '{IRSA_ROLE}' uses NotPrincipal or NotAction, which trusts "
            "everything except what it names.")
        named = principals(statement)
        assert not any(v == "*" for values in named.values() for v in values), (
            f"The trust policy of '{IRSA_ROLE}' lets any principal ('*') assume it: anyone "
            "could read your bucket. Trust only the cluster's OIDC provider.")
        assert "Service" not in named, (
            f"'{IRSA_ROLE}' trusts an AWS service ({', '.join(named['Service'])}). With "
            "IRSA the pod itself assumes the role with its service account token, so the "
            "principal is {'Federated': <OIDC provider ARN>}. (pods.eks.amazonaws.com is EKS "
            "Pod Identity, a different mechanism that needs a pod identity association.)")
        assert set(named) == {"Federated"}, (
            f"The trust policy of '{IRSA_ROLE}' trusts {'/'.join(sorted(named))} "
            "principals; an IRSA role trusts only {'Federated': <OIDC provider ARN>}.")
        assert named["Federated"] == [provider], (
            f"'{IRSA_ROLE}' trusts a Federated principal that is not the OIDC provider of "
            f"cluster '{CLUSTER}'. Expected arn:aws:iam::<your account>:oidc-provider/"
            "<issuer without https://>, the Arn that create_open_id_connect_provider returned.")
        actions = [a.lower() for a in listed(statement.get("Action"))]
        wild = [a for a in actions if "*" in a]
        assert not wild, (
            f"The trust policy of '{IRSA_ROLE}' allows the wildcard action {wild[0]!r}; allow "
            "exactly sts:AssumeRoleWithWebIdentity, the call the AWS SDK in the pod makes.")
        assert actions == ["sts:assumerolewithwebidentity"], (
            f"The trust policy of '{IRSA_ROLE}' must allow sts:AssumeRoleWithWebIdentity (and "
            "nothing else): pods exchange their service account token through that call.")
        entries = _condition_entries(statement)
        problem = _condition_problem(
            entries, path, "sub", SUBJECT,
            f"The trust policy of '{IRSA_ROLE}' has no 'sub' condition, so every service "
            f"account in every namespace of '{CLUSTER}' can assume the role. Add StringEquals "
            f"'<issuer>:sub' = {SUBJECT}.")
        assert problem is None, problem
        problem = _condition_problem(
            entries, path, "aud", AUDIENCE,
            f"The trust policy of '{IRSA_ROLE}' has no 'aud' condition. Add StringEquals "
            f"'<issuer>:aud' = {AUDIENCE} so only tokens minted for STS are accepted, not "
            "tokens the cluster issued for some other audience.")
        assert problem is None, problem


def _permission_documents(iam, name):
    """(label, document) for each inline and customer managed policy; AWS managed rejected."""
    documents = inline_policies(iam, name)
    for attached in attached_policies(iam, name):
        assert not is_aws_managed(attached["PolicyArn"]), (
            f"'{name}' has the AWS managed policy {attached['PolicyName']} attached. AWS "
            "managed policies are written for every bucket (and often every action); the pod "
            f"needs to read only {BUCKET_SHOWN}.")
        documents.append((attached["PolicyName"],
                          managed_policy_document(iam, attached["PolicyArn"])))
    return documents


@check(points=2, hint="iam.put_role_policy(RoleName='report-reader', PolicyName='read-reports', "
                      "PolicyDocument=json.dumps({... 'Action': 's3:GetObject', 'Resource': "
                      "f'arn:aws:s3:::{bucket}/*' ...}))")
def irsa_least_privilege(aws):
    """report-reader may only read the shop-reports bucket"""
    iam = aws.client("iam")
    _require_role(iam, IRSA_ROLE, "IRSA role")
    account = aws.client("sts").get_caller_identity()["Account"]
    bucket = f"arn:aws:s3:::{BUCKET_PREFIX}{account}"
    documents = _permission_documents(iam, IRSA_ROLE)
    assert documents, (
        f"'{IRSA_ROLE}' has no permissions policy yet: add an inline policy that reads "
        f"{BUCKET_SHOWN}.")
    reads_objects = False
    for label, doc in documents:
        for statement in allow_statements(doc):
            assert "NotAction" not in statement and "NotResource" not in statement, (
                f"Policy '{label}' uses NotAction or NotResource, which grants everything "
                "except what it names. List the actions and resources the pod needs.")
            actions = [a.lower() for a in listed(statement.get("Action"))]
            wild = sorted(a for a in actions if "*" in a)
            assert not wild, (
                f"Policy '{label}' allows the wildcard action {wild[0]!r}, which includes "
                "writes and deletes (s3:* even covers s3:PutBucketPolicy). List the read "
                "actions: s3:GetObject, and s3:ListBucket if the app lists keys.")
            extra = sorted(set(actions) - OBJECT_READS - BUCKET_READS)
            assert not extra, (
                f"Policy '{label}' allows {', '.join(extra)}; reading the bucket needs only "
                "s3:GetObject (and s3:ListBucket to list keys).")
            for resource in listed(statement.get("Resource")):
                in_bucket = resource == bucket or resource.startswith(bucket + "/")
                bucket_part = resource.split("/", 1)[0]
                shown = resource.replace(account, "<your account id>")
                assert in_bucket or not any(c in bucket_part for c in "*?"), (
                    f"Policy '{label}' grants access on the wildcard resource {shown!r}, "
                    f"which matches other buckets too. Name {BUCKET_SHOWN} (for "
                    "s3:ListBucket) and its objects, arn:aws:s3:::<bucket>/*.")
                assert in_bucket, (
                    f"Policy '{label}' grants access to a resource outside {BUCKET_SHOWN}; "
                    "the pod should reach only that bucket.")
                if resource.startswith(bucket + "/") and set(actions) & OBJECT_READS:
                    reads_objects = True
    assert reads_objects, (
        f"No policy of '{IRSA_ROLE}' allows s3:GetObject on the objects of {BUCKET_SHOWN}. "
        "Object ARNs are the bucket ARN plus '/key', so grant it on arn:aws:s3:::<bucket>/*; "
        "the bucket ARN alone matches no object.")


# --- prerequisites ------------------------------------------------------------------------

def setup(aws):
    """A VPC with two private subnets in two AZs, and the bucket the reports app reads."""
    ec2 = aws.client("ec2")
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": VPC_NAME}]}])["Vpc"]["VpcId"]
    for number, zone in enumerate(zones):
        suffix = zone[-1]
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{number + 1}.0/24", AvailabilityZone=zone,
                          TagSpecifications=[{"ResourceType": "subnet", "Tags": [
                              {"Key": "Name", "Value": f"{VPC_NAME}-private-{suffix}"},
                              {"Key": "kubernetes.io/role/internal-elb", "Value": "1"}]}])
    account = aws.client("sts").get_caller_identity()["Account"]
    s3 = aws.client("s3")
    bucket = f"{BUCKET_PREFIX}{account}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="daily/2026-11-01.csv", Body=b"order,total\n1001,42.50\n")
