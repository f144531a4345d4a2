"""Reference solution for lab 02 (powers `computelab solve` and the tests)."""

from __future__ import annotations

import json

EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def container(image, region):
    return {
        "name": "web", "image": image, "essential": True,
        "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/webserver", "awslogs-region": region,
            "awslogs-stream-prefix": "web"}},
    }


def solve(aws):
    ecs, iam, ec2 = aws.client("ecs"), aws.client("iam"), aws.client("ec2")
    ecs.create_cluster(clusterName="web-cluster")

    role_arn = iam.create_role(RoleName="ecsTaskExecutionRole",
                               AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="ecsTaskExecutionRole", PolicyArn=EXECUTION_POLICY)

    aws.client("logs").create_log_group(logGroupName="/ecs/webserver")
    fargate = {"family": "webserver", "requiresCompatibilities": ["FARGATE"],
               "networkMode": "awsvpc", "cpu": "256", "memory": "512",
               "executionRoleArn": role_arn}
    ecs.register_task_definition(**fargate,
                                 containerDefinitions=[container("nginx:1.26", aws.region)])

    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                            {"Name": "default-for-az", "Values": ["true"]}])
    by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets["Subnets"]}
    two_subnets = [by_zone[zone] for zone in sorted(by_zone)[:2]]
    sg = ec2.create_security_group(GroupName="web-svc", Description="web service tasks",
                                   VpcId=vpc["VpcId"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ecs.create_service(
        cluster="web-cluster", serviceName="web", taskDefinition="webserver:1",
        desiredCount=2, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": two_subnets, "securityGroups": [sg], "assignPublicIp": "ENABLED"}})

    second = ecs.register_task_definition(
        **fargate, containerDefinitions=[container("nginx:1.27", aws.region)])["taskDefinition"]
    ecs.update_service(cluster="web-cluster", service="web",
                       taskDefinition=second["taskDefinitionArn"])
