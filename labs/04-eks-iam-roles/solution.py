"""Reference solution for lab 04 (powers `computelab solve` and the tests)."""

from __future__ import annotations

import json

MANAGED = "arn:aws:iam::aws:policy/"


def trust(principal, action="sts:AssumeRole", condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def service_role(iam, name, service, policies):
    arn = iam.create_role(RoleName=name,
                          AssumeRolePolicyDocument=trust({"Service": service}))["Role"]["Arn"]
    for policy in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=MANAGED + policy)
    return arn


def solve(aws):
    iam, eks, ec2 = aws.client("iam"), aws.client("eks"), aws.client("ec2")
    account = aws.client("sts").get_caller_identity()["Account"]

    cluster_role = service_role(iam, "eks-cluster-role", "eks.amazonaws.com",
                                ["AmazonEKSClusterPolicy"])
    node_role = service_role(iam, "eks-node-role", "ec2.amazonaws.com",
                             ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
                              "AmazonEC2ContainerRegistryReadOnly"])
    pod_role = service_role(iam, "eks-pod-execution-role", "eks-fargate-pods.amazonaws.com",
                            ["AmazonEKSFargatePodExecutionRolePolicy"])

    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "tag:Name", "Values": ["eks-lab-private-*"]}])["Subnets"]]
    eks.create_cluster(name="shop", roleArn=cluster_role,
                       resourcesVpcConfig={"subnetIds": subnets})
    eks.get_waiter("cluster_active").wait(name="shop")
    eks.create_nodegroup(clusterName="shop", nodegroupName="shop-nodes", nodeRole=node_role,
                         subnets=subnets, instanceTypes=["t3.medium"],
                         scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2})
    eks.create_fargate_profile(clusterName="shop", fargateProfileName="reports",
                               podExecutionRoleArn=pod_role, subnets=subnets,
                               selectors=[{"namespace": "reports"}])

    issuer = eks.describe_cluster(name="shop")["cluster"]["identity"]["oidc"]["issuer"]
    provider = iam.create_open_id_connect_provider(
        Url=issuer, ClientIDList=["sts.amazonaws.com"])["OpenIDConnectProviderArn"]
    path = issuer.removeprefix("https://")
    iam.create_role(RoleName="report-reader", AssumeRolePolicyDocument=trust(
        {"Federated": provider}, "sts:AssumeRoleWithWebIdentity",
        {"StringEquals": {f"{path}:sub": "system:serviceaccount:reports:report-reader",
                          f"{path}:aud": "sts.amazonaws.com"}}))
    bucket = f"shop-reports-{account}"
    iam.put_role_policy(RoleName="report-reader", PolicyName="read-reports",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "s3:GetObject",
                             "Resource": f"arn:aws:s3:::{bucket}/*"},
                            {"Effect": "Allow", "Action": "s3:ListBucket",
                             "Resource": f"arn:aws:s3:::{bucket}"}]}))
