"""Puts the issuer URL in the aud condition instead of sts.amazonaws.com."""

import json

import boto3

LOSES = ["irsa_trust"]

iam = boto3.client("iam")
eks = boto3.client("eks")
ec2 = boto3.client("ec2")
MANAGED = "arn:aws:iam::aws:policy/"


def trust(service):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


cluster_role = iam.create_role(
    RoleName="eks-cluster-role", AssumeRolePolicyDocument=trust("eks.amazonaws.com")
)["Role"]["Arn"]
iam.attach_role_policy(RoleName="eks-cluster-role", PolicyArn=MANAGED + "AmazonEKSClusterPolicy")
node_role = iam.create_role(
    RoleName="eks-node-role", AssumeRolePolicyDocument=trust("ec2.amazonaws.com")
)["Role"]["Arn"]
for name in [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
]:
    iam.attach_role_policy(RoleName="eks-node-role", PolicyArn=MANAGED + name)
pod_role = iam.create_role(
    RoleName="eks-pod-execution-role",
    AssumeRolePolicyDocument=trust("eks-fargate-pods.amazonaws.com"),
)["Role"]["Arn"]
iam.attach_role_policy(
    RoleName="eks-pod-execution-role", PolicyArn=MANAGED + "AmazonEKSFargatePodExecutionRolePolicy"
)

subnets = [
    s["SubnetId"]
    for s in ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["eks-lab-private-*"]}])[
        "Subnets"
    ]
]
eks.create_cluster(name="shop", roleArn=cluster_role, resourcesVpcConfig={"subnetIds": subnets})
eks.create_nodegroup(
    clusterName="shop",
    nodegroupName="shop-nodes",
    nodeRole=node_role,
    subnets=subnets,
    instanceTypes=["t3.medium"],
    scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
)
eks.create_fargate_profile(
    clusterName="shop",
    fargateProfileName="reports",
    podExecutionRoleArn=pod_role,
    subnets=subnets,
    selectors=[{"namespace": "reports"}],
)

issuer = eks.describe_cluster(name="shop")["cluster"]["identity"]["oidc"]["issuer"]
provider = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"])[
    "OpenIDConnectProviderArn"
]
path = issuer.removeprefix("https://")
irsa_trust = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{path}:sub": "system:serviceaccount:reports:report-reader",
                    f"{path}:aud": issuer,
                }
            },
        }
    ],
}
iam.create_role(RoleName="report-reader", AssumeRolePolicyDocument=json.dumps(irsa_trust))

account = boto3.client("sts").get_caller_identity()["Account"]
bucket = f"shop-reports-{account}"
read = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
    ],
}
iam.put_role_policy(
    RoleName="report-reader", PolicyName="read-reports", PolicyDocument=json.dumps(read)
)
