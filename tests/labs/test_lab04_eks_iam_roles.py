"""Lab 04 against a real moto server: every rule in lab.toml has a failing variant that loses
exactly its checks' points, and alternative correct solutions get full marks.

Most variants share one account solved by solution.py: each mutates it, is checked, and
undoes its change (the ``solved`` fixture runs the undo), which keeps the file fast.
Variants that need a different cluster share one more account in which the cluster is
created per variant and deleted afterwards.
"""

from __future__ import annotations

import json

import pytest
from labkit import (
    assert_lost,
    assert_passes,
    failed,
    mutated,
    output,
    points_of,
    scorer,
    undoing,
)

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("04")
MANAGED = "arn:aws:iam::aws:policy/"
SUBJECT = "system:serviceaccount:reports:report-reader"
POINTS = points_of(LAB)
FULL = sum(POINTS.values())
score_without = scorer(POINTS)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, action="sts:AssumeRole", condition=None, **extra):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, **extra}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def account_of(aws):
    return aws.client("sts").get_caller_identity()["Account"]


def issuer_path(aws):
    issuer = aws.client("eks").describe_cluster(name="shop")["cluster"]["identity"]["oidc"]
    return issuer["issuer"].removeprefix("https://")


def provider_arn(aws):
    return f"arn:aws:iam::{account_of(aws)}:oidc-provider/{issuer_path(aws)}"


def bucket_arn(aws):
    return f"arn:aws:s3:::shop-reports-{account_of(aws)}"


def irsa_condition(aws, sub=SUBJECT, aud="sts.amazonaws.com", op="StringEquals"):
    path = issuer_path(aws)
    block = {}
    if sub is not None:
        block[f"{path}:sub"] = sub
    if aud is not None:
        block[f"{path}:aud"] = aud
    return {op: block}


def build(aws, style):
    """Lab 04 done a different way from solution.py (mistakes are mutations, further down)."""
    iam, eks, ec2 = aws.client("iam"), aws.client("eks"), aws.client("ec2")
    arns = {}
    roles = {"eks-cluster-role": ("eks.amazonaws.com", ["AmazonEKSClusterPolicy"]),
             "eks-node-role": ("ec2.amazonaws.com", ["AmazonEKSWorkerNodePolicy",
                                                     "AmazonEKS_CNI_Policy",
                                                     "AmazonEC2ContainerRegistryReadOnly"]),
             "eks-pod-execution-role": ("eks-fargate-pods.amazonaws.com",
                                        ["AmazonEKSFargatePodExecutionRolePolicy"])}
    if style == "resource":
        # boto3 resources, principals and actions as lists, PullOnly and SSM on the node role,
        # the documented SourceArn condition on the pod execution role.
        roles["eks-node-role"] = ("ec2.amazonaws.com", [
            "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
            "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"])
        resource = aws.resource("iam")
        for name, (service, policies) in roles.items():
            condition = None
            if name == "eks-pod-execution-role":
                condition = {"ArnLike": {"aws:SourceArn": f"arn:aws:eks:{aws.region}:"
                                         f"{account_of(aws)}:fargateprofile/shop/*"}}
            role = resource.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [allow(
                    {"Service": [service]}, ["sts:AssumeRole"], condition)]}, indent=2))
            for policy in policies:
                role.attach_policy(PolicyArn=MANAGED + policy)
            arns[name] = role.arn
    else:  # statements with a Sid; roles under a path
        for name, (service, policies) in roles.items():
            arns[name] = iam.create_role(RoleName=name, Path="/eks/", AssumeRolePolicyDocument=doc(
                allow({"Service": service}, Sid="TrustService")))["Role"]["Arn"]
            for policy in policies:
                iam.attach_role_policy(RoleName=name, PolicyArn=MANAGED + policy)

    if style == "resource":  # the default VPC's subnets work as well as the lab's
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:3]
    else:
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(
            Filters=[{"Name": "tag:Name", "Values": ["eks-lab-private-*"]}])["Subnets"]]
    eks.create_cluster(name="shop", roleArn=arns["eks-cluster-role"],
                       resourcesVpcConfig={"subnetIds": subnets})
    eks.create_nodegroup(clusterName="shop", nodegroupName="shop-nodes",
                         nodeRole=arns["eks-node-role"], subnets=subnets)
    eks.create_fargate_profile(clusterName="shop", fargateProfileName="reports",
                               podExecutionRoleArn=arns["eks-pod-execution-role"],
                               selectors=[{"namespace": "reports"}])
    if style == "client":  # more node groups and profiles, all on the right roles
        eks.create_nodegroup(clusterName="shop", nodegroupName="shop-spot", capacityType="SPOT",
                             nodeRole=arns["eks-node-role"], subnets=subnets)
        eks.create_fargate_profile(clusterName="shop", fargateProfileName="system",
                                   podExecutionRoleArn=arns["eks-pod-execution-role"],
                                   selectors=[{"namespace": "kube-system",
                                               "labels": {"k8s-app": "kube-dns"}}])

    issuer = eks.describe_cluster(name="shop")["cluster"]["identity"]["oidc"]["issuer"]
    if style == "resource":
        provider = iam.create_open_id_connect_provider(
            Url=issuer, ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])["OpenIDConnectProviderArn"]
    else:
        provider = iam.create_open_id_connect_provider(
            Url=issuer, ClientIDList=["sts.amazonaws.com"])["OpenIDConnectProviderArn"]
    path = issuer.removeprefix("https://")
    if style == "resource":  # StringLike with exact values, in two operator blocks
        condition = {"StringLike": {f"{path}:sub": [SUBJECT]},
                     "StringEquals": {f"{path}:aud": ["sts.amazonaws.com"]}}
    else:
        condition = irsa_condition(aws)
    iam.create_role(RoleName="report-reader", AssumeRolePolicyDocument=doc(allow(
        {"Federated": [provider] if style == "resource" else provider},
        "sts:AssumeRoleWithWebIdentity", condition)))
    if style == "resource":  # a customer managed policy with object and bucket ARNs
        bucket = bucket_arn(aws)
        policy = iam.create_policy(PolicyName="read-reports", PolicyDocument=doc(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": [bucket, f"{bucket}/*"]}))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="report-reader", PolicyArn=policy)
    else:  # one statement for both actions on both ARNs
        bucket = bucket_arn(aws)
        iam.put_role_policy(RoleName="report-reader", PolicyName="read-reports",
                            PolicyDocument=doc({"Sid": "Read", "Effect": "Allow",
                                                "Action": ["s3:ListBucket", "s3:GetObject"],
                                                "Resource": [f"{bucket}/*", bucket]}))


# --- whole solutions in fresh accounts ---------------------------------------------------

@pytest.mark.parametrize("style", ["client", "resource"])
def test_alternative_correct_solutions_get_full_marks(fresh_aws, style):
    aws = fresh_aws(LAB.id)
    build(aws, style)
    result = check_lab(LAB, aws)
    assert_passes(result)
    assert result.score == FULL


# --- one shared solved account: each variant mutates it and undoes its change -----------

@pytest.fixture(scope="module")
def shared_solved(lab_account):
    aws = lab_account(LAB.id)
    LAB.solve_fn()(aws)
    return aws


@pytest.fixture
def solved(shared_solved):
    yield from undoing(shared_solved)


# A mutation is fn(aws) -> undo(); it breaks (or, for ACCEPTED, rephrases) the solution.

def set_trust(aws, role, document):
    """Replace a role's trust policy; recreate the role when moto's update validator would
    refuse the document (it rejects wildcard trust actions that create_role stores)."""
    iam = aws.client("iam")
    old = json.dumps(iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"])
    try:
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=document)
    except iam.exceptions.MalformedPolicyDocumentException:
        attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(
            RoleName=role)["AttachedPolicies"]]
        inline = {n: iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
                  for n in iam.list_role_policies(RoleName=role)["PolicyNames"]}
        for arn in attached:
            iam.detach_role_policy(RoleName=role, PolicyArn=arn)
        for name in inline:
            iam.delete_role_policy(RoleName=role, PolicyName=name)
        iam.delete_role(RoleName=role)
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=document)
        for arn in attached:
            iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        for name, body in inline.items():
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(body))
    return lambda: iam.update_assume_role_policy(RoleName=role, PolicyDocument=old)


def trust_of(role, statement_fn):
    def mutate(aws):
        statements = statement_fn(aws)
        if isinstance(statements, dict):
            statements = [statements]
        return set_trust(aws, role, doc(*statements))
    return mutate


def attach(role, policy):
    def mutate(aws):
        iam = aws.client("iam")
        iam.attach_role_policy(RoleName=role, PolicyArn=MANAGED + policy)
        return lambda: iam.detach_role_policy(RoleName=role, PolicyArn=MANAGED + policy)
    return mutate


def detach(role, policy):
    def mutate(aws):
        iam = aws.client("iam")
        iam.detach_role_policy(RoleName=role, PolicyArn=MANAGED + policy)
        return lambda: iam.attach_role_policy(RoleName=role, PolicyArn=MANAGED + policy)
    return mutate


def irsa_trust(**kwargs):
    return trust_of("report-reader", lambda aws: allow(
        {"Federated": provider_arn(aws)}, "sts:AssumeRoleWithWebIdentity",
        irsa_condition(aws, **kwargs)))


def irsa_trust_raw(condition_fn, principal_fn=None, action="sts:AssumeRoleWithWebIdentity"):
    return trust_of("report-reader", lambda aws: allow(
        principal_fn(aws) if principal_fn else {"Federated": provider_arn(aws)}, action,
        condition_fn(aws)))


def irsa_permissions(statement_fn):
    def mutate(aws):
        iam = aws.client("iam")
        old = iam.get_role_policy(RoleName="report-reader",
                                  PolicyName="read-reports")["PolicyDocument"]
        iam.put_role_policy(RoleName="report-reader", PolicyName="read-reports",
                            PolicyDocument=doc(*statement_fn(aws)))
        return lambda: iam.put_role_policy(RoleName="report-reader", PolicyName="read-reports",
                                           PolicyDocument=json.dumps(old))
    return mutate


def read(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def extra_nodegroup(role):
    def mutate(aws):
        eks = aws.client("eks")
        subnets = eks.describe_cluster(name="shop")["cluster"]["resourcesVpcConfig"]["subnetIds"]
        arn = aws.client("iam").get_role(RoleName=role)["Role"]["Arn"]
        eks.create_nodegroup(clusterName="shop", nodegroupName="extra", nodeRole=arn,
                             subnets=subnets)
        return lambda: eks.delete_nodegroup(clusterName="shop", nodegroupName="extra")
    return mutate


def extra_fargate_profile(role):
    def mutate(aws):
        eks = aws.client("eks")
        arn = aws.client("iam").get_role(RoleName=role)["Role"]["Arn"]
        eks.create_fargate_profile(clusterName="shop", fargateProfileName="extra",
                                   podExecutionRoleArn=arn, selectors=[{"namespace": "batch"}])
        return lambda: eks.delete_fargate_profile(clusterName="shop", fargateProfileName="extra")
    return mutate


def remove_audience(aws):
    """A provider for the right issuer whose only audience is not sts.amazonaws.com (moto
    lacks add/remove_client_id..., so the provider is recreated both ways)."""
    iam, arn = aws.client("iam"), provider_arn(aws)
    issuer = f"https://{issuer_path(aws)}"

    def recreate(client_id):
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        iam.create_open_id_connect_provider(Url=issuer, ClientIDList=[client_id])

    recreate("my-app")
    return lambda: recreate("sts.amazonaws.com")


def provider_for_wrong_url(aws):
    iam = aws.client("iam")
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn(aws))
    other = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"])["OpenIDConnectProviderArn"]
    issuer = f"https://{issuer_path(aws)}"

    def undo():
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=other)
        iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"])
    return undo


def customer_managed_wildcard(aws):
    iam = aws.client("iam")
    old = iam.get_role_policy(RoleName="report-reader", PolicyName="read-reports")
    iam.delete_role_policy(RoleName="report-reader", PolicyName="read-reports")
    arn = iam.create_policy(PolicyName="s3-all", PolicyDocument=doc(
        read("s3:*", "*")))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="report-reader", PolicyArn=arn)

    def undo():
        iam.detach_role_policy(RoleName="report-reader", PolicyArn=arn)
        iam.delete_policy(PolicyArn=arn)
        iam.put_role_policy(RoleName="report-reader", PolicyName="read-reports",
                            PolicyDocument=json.dumps(old["PolicyDocument"]))
    return undo


def both(*mutations):
    def mutate(aws):
        undos = []

        def undo():
            for step in reversed(undos):
                step()
        try:
            for mutation in mutations:
                undos.append(mutation(aws))
        except Exception:
            undo()
            raise
        return undo
    return mutate


def other_account_arn(aws):
    return {"Federated": provider_arn(aws).replace(account_of(aws), "111122223333")}


# (id, mutation, failing checks, a phrase the explanation must contain)
WRONG = [
    # Rule: each service role trusts exactly its own service with sts:AssumeRole.
    ("cluster role trusts ec2", trust_of("eks-cluster-role", lambda a: allow(
        {"Service": "ec2.amazonaws.com"})),
     ["cluster_role", "cluster_uses_cluster_role"], "must trust only eks.amazonaws.com"),
    ("node role trusts eks", trust_of("eks-node-role", lambda a: allow(
        {"Service": "eks.amazonaws.com"})),
     ["node_role", "node_group_uses_node_role"], "must trust only ec2.amazonaws.com"),
    ("pod role trusts two services", trust_of("eks-pod-execution-role", lambda a: allow(
        {"Service": ["eks-fargate-pods.amazonaws.com", "ec2.amazonaws.com"]})),
     ["pod_execution_role"], "must trust only eks-fargate-pods.amazonaws.com"),
    ("cluster role without sts:AssumeRole", trust_of("eks-cluster-role", lambda a: allow(
        {"Service": "eks.amazonaws.com"}, "sts:TagSession")),
     ["cluster_role", "cluster_uses_cluster_role"], "does not allow sts:AssumeRole"),
    ("node role also trusts an account", trust_of("eks-node-role", lambda a: allow(
        {"Service": "ec2.amazonaws.com", "AWS": f"arn:aws:iam::{account_of(a)}:root"})),
     ["node_role"], "also trusts AWS principals"),
    # Rule: no '*' principal, NotPrincipal/NotAction or wildcard action in a trust policy.
    ("node role trusts everyone", trust_of("eks-node-role", lambda a: allow("*")),
     ["node_role"], "any principal ('*')"),  # ec2 can still assume it: the group works
    ("pod role with sts:*", trust_of("eks-pod-execution-role", lambda a: allow(
        {"Service": "eks-fargate-pods.amazonaws.com"}, "sts:*")),
     ["pod_execution_role"], "wildcard action 'sts:*'"),
    ("cluster role with NotPrincipal", trust_of("eks-cluster-role", lambda a: {
        "Effect": "Allow", "NotPrincipal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}),
     ["cluster_role"], "NotPrincipal or NotAction"),  # EKS can still assume it
    # Rule: cluster role policies.
    ("cluster role without its policy", detach("eks-cluster-role", "AmazonEKSClusterPolicy"),
     ["cluster_role"], "missing the AWS managed policy AmazonEKSClusterPolicy"),
    ("cluster role with admin", attach("eks-cluster-role", "AdministratorAccess"),
     ["cluster_role"], "also has AdministratorAccess attached"),
    # Rule: node role policies.
    ("node role without CNI", detach("eks-node-role", "AmazonEKS_CNI_Policy"),
     ["node_role"], "missing the AWS managed policy AmazonEKS_CNI_Policy"),
    ("node role without ECR", detach("eks-node-role", "AmazonEC2ContainerRegistryReadOnly"),
     ["node_role"], "AmazonEC2ContainerRegistryPullOnly or AmazonEC2ContainerRegistryReadOnly"),
    ("node role with S3 full access", attach("eks-node-role", "AmazonS3FullAccess"),
     ["node_role"], "every pod on the node"),
    # Rule: pod execution role policies.
    ("pod role without its policy", detach("eks-pod-execution-role",
                                           "AmazonEKSFargatePodExecutionRolePolicy"),
     ["pod_execution_role"], "AmazonEKSFargatePodExecutionRolePolicy"),
    ("pod role with extra policy", attach("eks-pod-execution-role", "AmazonS3ReadOnlyAccess"),
     ["pod_execution_role"], "also has AmazonS3ReadOnlyAccess attached"),
    # Rule: node groups and Fargate profiles use a role of the right kind.
    ("node group on the cluster role", extra_nodegroup("eks-cluster-role"),
     ["node_group_uses_node_role"], "ec2.amazonaws.com cannot assume"),
    ("Fargate profile on the node role", extra_fargate_profile("eks-node-role"),
     ["fargate_profile_uses_pod_execution_role"], "eks-fargate-pods.amazonaws.com cannot"),
    # Rule: OIDC provider for the issuer, with audience sts.amazonaws.com.
    ("provider without the sts audience", remove_audience,
     ["oidc_provider"], "does not list the audience"),
    ("provider for another issuer", provider_for_wrong_url,
     ["oidc_provider"], "No IAM OIDC provider for cluster 'shop''s issuer"),
    # Rule: IRSA principal and action.
    ("IRSA trusts Pod Identity's service", irsa_trust_raw(
        lambda a: None, lambda a: {"Service": "pods.eks.amazonaws.com"},
        ["sts:AssumeRole", "sts:TagSession"]),
     ["irsa_trust"], "EKS Pod Identity"),
    ("IRSA trusts a provider in another account", irsa_trust_raw(
        irsa_condition, other_account_arn),
     ["irsa_trust"], "not the OIDC provider of cluster 'shop'"),
    ("IRSA trusts everyone", irsa_trust_raw(irsa_condition, lambda a: "*"),
     ["irsa_trust"], "any principal ('*')"),
    ("IRSA with sts:AssumeRole", irsa_trust_raw(irsa_condition, action="sts:AssumeRole"),
     ["irsa_trust"], "must allow sts:AssumeRoleWithWebIdentity"),
    ("IRSA with sts:*", irsa_trust_raw(irsa_condition, action="sts:*"),
     ["irsa_trust"], "wildcard action 'sts:*'"),
    # Rule: exactly one service account through the sub condition.
    ("no sub condition", irsa_trust(sub=None),
     ["irsa_trust"], "every service account in every namespace"),
    ("sub open to every service account", irsa_trust(
        sub="system:serviceaccount:*", op="StringLike"),
     ["irsa_trust"], "StringLike pattern"),
    ("sub open to the whole namespace", irsa_trust(
        sub="system:serviceaccount:reports:*", op="StringLike"),
     ["irsa_trust"], "every service account it matches"),
    ("sub names another service account", irsa_trust(
        sub="system:serviceaccount:default:default"),
     ["irsa_trust"], "must allow exactly system:serviceaccount:reports:report-reader"),
    ("sub lists two service accounts", irsa_trust(
        sub=[SUBJECT, "system:serviceaccount:reports:other"]),
     ["irsa_trust"], "must allow exactly"),
    ("sub with IfExists", irsa_trust(op="StringEqualsIfExists"),
     ["irsa_trust"], "IfExists operator also passes when the key is missing"),
    ("condition keys with https://", irsa_trust_raw(lambda a: {"StringEquals": {
        f"https://{issuer_path(a)}:sub": SUBJECT,
        f"https://{issuer_path(a)}:aud": "sts.amazonaws.com"}}),
     ["irsa_trust"], "starts with https://"),
    ("condition keys of another issuer", irsa_trust_raw(lambda a: {"StringEquals": {
        "oidc.eks.us-east-1.amazonaws.com/id/OTHER:sub": SUBJECT,
        "oidc.eks.us-east-1.amazonaws.com/id/OTHER:aud": "sts.amazonaws.com"}}),
     ["irsa_trust"], "names another issuer"),
    ("no conditions at all", trust_of("report-reader", lambda a: allow(
        {"Federated": provider_arn(a)}, "sts:AssumeRoleWithWebIdentity")),
     ["irsa_trust"], "has no 'sub' condition"),
    ("a second statement without conditions", trust_of("report-reader", lambda a: [
        allow({"Federated": provider_arn(a)}, "sts:AssumeRoleWithWebIdentity",
              irsa_condition(a)),
        allow({"Federated": provider_arn(a)}, "sts:AssumeRoleWithWebIdentity")]),
     ["irsa_trust"], "has no 'sub' condition"),
    # Rule: aud condition.
    ("no aud condition", irsa_trust(aud=None), ["irsa_trust"], "has no 'aud' condition"),
    ("wrong aud", irsa_trust(aud="my-app"), ["irsa_trust"], "must allow exactly sts.amazonaws"),
    # Rule: read actions only, no wildcards, no AWS managed policies.
    ("s3:*", irsa_permissions(lambda a: [read("s3:*", f"{bucket_arn(a)}/*")]),
     ["irsa_least_privilege"], "wildcard action 's3:*'"),
    ("s3:Get*", irsa_permissions(lambda a: [read("s3:Get*", f"{bucket_arn(a)}/*")]),
     ["irsa_least_privilege"], "wildcard action 's3:get*'"),
    ("write access", irsa_permissions(lambda a: [read(["s3:GetObject", "s3:PutObject"],
                                                      f"{bucket_arn(a)}/*")]),
     ["irsa_least_privilege"], "allows s3:putobject"),
    ("NotAction", irsa_permissions(lambda a: [{"Effect": "Allow", "NotAction": "iam:*",
                                               "Resource": f"{bucket_arn(a)}/*"}]),
     ["irsa_least_privilege"], "NotAction or NotResource"),
    ("AWS managed S3 read-only", attach("report-reader", "AmazonS3ReadOnlyAccess"),
     ["irsa_least_privilege"], "AWS managed policy AmazonS3ReadOnlyAccess"),
    ("customer managed s3:* on *", customer_managed_wildcard,
     ["irsa_least_privilege"], "wildcard action 's3:*'"),
    # Rule: only this bucket, and GetObject on its objects.
    ("Resource *", irsa_permissions(lambda a: [read("s3:GetObject", "*")]),
     ["irsa_least_privilege"], "wildcard resource '*'"),
    ("bucket name prefix wildcard", irsa_permissions(lambda a: [read(
        "s3:GetObject", "arn:aws:s3:::shop-reports-*/*")]),
     ["irsa_least_privilege"], "matches other buckets too"),
    ("another bucket", irsa_permissions(lambda a: [read("s3:GetObject", f"{bucket_arn(a)}/*"),
                                                   read("s3:GetObject",
                                                        "arn:aws:s3:::payroll/*")]),
     ["irsa_least_privilege"], "outside shop-reports-<your account id>"),
    ("GetObject on the bucket ARN only", irsa_permissions(lambda a: [read(
        ["s3:GetObject", "s3:ListBucket"], bucket_arn(a))]),
     ["irsa_least_privilege"], "the bucket ARN alone matches no object"),
]

# Several mistakes at once lose the sum of their checks' points, nothing more.
SEVERAL = [
    ("Fargate on the node role, S3 read-only for the pod", both(
        extra_fargate_profile("eks-node-role"), attach("report-reader", "AmazonS3ReadOnlyAccess")),
     ["fargate_profile_uses_pod_execution_role", "irsa_least_privilege"]),
    ("open to every service account, no aud, node role without ECR", both(
        irsa_trust(sub="system:serviceaccount:*", aud=None, op="StringLike"),
        detach("eks-node-role", "AmazonEC2ContainerRegistryReadOnly")),
     ["irsa_trust", "node_role"]),
    ("admin on the cluster role, provider without audience, s3:* for the pod", both(
        attach("eks-cluster-role", "AdministratorAccess"), remove_audience,
        irsa_permissions(lambda a: [read("s3:*", "*")])),
     ["cluster_role", "oidc_provider", "irsa_least_privilege"]),
]

ACCEPTED = [
    ("Service as a one-element list, Action as a list", trust_of(
        "eks-cluster-role", lambda a: allow({"Service": ["eks.amazonaws.com"]},
                                            ["sts:AssumeRole", "sts:TagSession"]))),
    ("VPC resource controller on the cluster role",
     attach("eks-cluster-role", "AmazonEKSVPCResourceController")),
    ("SSM on the node role", attach("eks-node-role", "AmazonSSMManagedInstanceCore")),
    ("sub and aud as one-element lists, upper-case key", irsa_trust_raw(lambda a: {
        "StringEquals": {f"{issuer_path(a)}:SUB": [SUBJECT],
                         f"{issuer_path(a)}:aud": ["sts.amazonaws.com"]}})),
    ("StringLike without wildcards", irsa_trust(op="StringLike")),
    ("a narrower object prefix plus a Deny", irsa_permissions(lambda a: [
        read(["s3:GetObject", "s3:GetObjectVersion"], f"{bucket_arn(a)}/daily/*"),
        read("s3:ListBucket", bucket_arn(a)),
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}])),
]


@pytest.mark.parametrize("name, mutate, lost, phrase", WRONG, ids=[w[0] for w in WRONG])
def test_each_rule_has_a_failing_variant(solved, name, mutate, lost, phrase):
    result = mutated(LAB, solved, mutate)
    assert_lost(result, lost, score_without, name)
    assert phrase.lower() in output(result, lost[0]).lower(), output(result, lost[0])


@pytest.mark.parametrize("name, mutate, lost", SEVERAL, ids=[s[0] for s in SEVERAL])
def test_partly_wrong_variants_lose_exactly_their_points(solved, name, mutate, lost):
    result = mutated(LAB, solved, mutate)
    assert_lost(result, lost, score_without, name)
    assert all(t.output and t.hint for t in result.tests if not t.passed)


@pytest.mark.parametrize("name, mutate", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_equivalent_forms_are_accepted(solved, name, mutate):
    assert_passes(mutated(LAB, solved, mutate))


def test_same_state_gives_identical_results(solved):
    aws, undo = solved
    undo.append(irsa_trust(sub="system:serviceaccount:*", op="StringLike")(aws))
    assert check_lab(LAB, aws).to_dict() == check_lab(LAB, aws).to_dict()


# --- cluster variants: one account, the cluster created per variant -------------------

@pytest.fixture(scope="module")
def roles_only(lab_account):
    """The three service roles (trust only: the cluster check reads nothing else, and an
    account without managed policies is quicker to make)."""
    aws = lab_account(LAB.id, managed_policies=False)
    for name, service in [("eks-cluster-role", "eks.amazonaws.com"),
                          ("eks-node-role", "ec2.amazonaws.com")]:
        aws.client("iam").create_role(RoleName=name,
                                      AssumeRolePolicyDocument=doc(allow({"Service": service})))
    return aws


def lab_subnets(aws):
    return [s["SubnetId"] for s in aws.client("ec2").describe_subnets(
        Filters=[{"Name": "tag:Name", "Values": ["eks-lab-private-*"]}])["Subnets"]]


def role_arn(aws, name):
    return aws.client("iam").get_role(RoleName=name)["Role"]["Arn"]


CLUSTERS = [
    ("cluster on the node role", lambda a: (role_arn(a, "eks-node-role"), lab_subnets(a)),
     "eks.amazonaws.com cannot assume"),
    ("cluster on a role that does not exist", lambda a: (
        role_arn(a, "eks-cluster-role").replace("eks-cluster-role", "ghost"), lab_subnets(a)),
     "does not exist in this account"),
    ("cluster in one AZ", lambda a: (role_arn(a, "eks-cluster-role"), lab_subnets(a)[:1]),
     "at least two AZs"),
    ("cluster in a subnet that does not exist", lambda a: (
        role_arn(a, "eks-cluster-role"), [*lab_subnets(a)[:1], "subnet-0123456789abcdef0"]),
     "names a subnet that does not exist"),
]


@pytest.mark.parametrize("name, args, phrase", CLUSTERS, ids=[c[0] for c in CLUSTERS])
def test_cluster_rules(roles_only, name, args, phrase):
    eks = roles_only.client("eks")
    role, subnets = args(roles_only)
    eks.create_cluster(name="shop", roleArn=role, resourcesVpcConfig={"subnetIds": subnets})
    try:
        result = check_lab(LAB, roles_only)
    finally:
        eks.delete_cluster(name="shop")
    assert "cluster_uses_cluster_role" in failed(result), name
    assert phrase in output(result, "cluster_uses_cluster_role")


# lab.toml ``rules``, in order -> the variants above that break each one.
RULE_VARIANTS = [
    ["cluster role trusts ec2", "node role trusts eks", "pod role trusts two services",
     "cluster role without sts:AssumeRole", "node role also trusts an account"],
    ["node role trusts everyone", "pod role with sts:*", "cluster role with NotPrincipal"],
    ["cluster role without its policy", "cluster role with admin"],
    ["node role without CNI", "node role without ECR", "node role with S3 full access"],
    ["pod role without its policy", "pod role with extra policy"],
    ["node group on the cluster role", "Fargate profile on the node role",
     "cluster on the node role", "cluster on a role that does not exist"],
    ["cluster in one AZ", "cluster in a subnet that does not exist"],
    ["provider without the sts audience", "provider for another issuer"],
    ["IRSA trusts Pod Identity's service", "IRSA trusts a provider in another account",
     "IRSA trusts everyone", "IRSA with sts:AssumeRole", "IRSA with sts:*"],
    ["no sub condition", "sub open to every service account", "sub open to the whole namespace",
     "sub names another service account", "sub lists two service accounts", "sub with IfExists",
     "condition keys with https://", "condition keys of another issuer",
     "no conditions at all", "a second statement without conditions"],
    ["no aud condition", "wrong aud"],
    ["s3:*", "s3:Get*", "write access", "NotAction", "AWS managed S3 read-only",
     "customer managed s3:* on *"],
    ["Resource *", "bucket name prefix wildcard", "another bucket",
     "GetObject on the bucket ARN only"],
]


def test_every_rule_in_lab_toml_has_failing_variants():
    known = {w[0] for w in WRONG} | {c[0] for c in CLUSTERS}
    assert len(RULE_VARIANTS) == len(LAB.rules)
    for rule, variants in zip(LAB.rules, RULE_VARIANTS, strict=True):
        assert variants and set(variants) <= known, rule
    assert {v for variants in RULE_VARIANTS for v in variants} == known
