"""networkMode bridge with FARGATE: AWS rejects the registration, so the script stops there
(no task definition, no service) as a notebook's Run All would."""

import json

import boto3

LOSES = ["fargate_task_definition", "fargate_service", "service_runs_new_revision",
         "nginx_container_logs_to_cloudwatch"]

ecs = boto3.client("ecs")
iam = boto3.client("iam")
logs = boto3.client("logs")
ec2 = boto3.client("ec2")
ecs.create_cluster(clusterName="web-cluster")
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
role_arn = iam.create_role(RoleName="ecsTaskExecutionRole",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.attach_role_policy(
    RoleName="ecsTaskExecutionRole",
    PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
logs.create_log_group(logGroupName="/ecs/webserver")
container = {
    "name": "web",
    "image": "nginx:1.26",
    "essential": True,
    "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
    "logConfiguration": {"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/webserver",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "web"}},
}
settings = {
    "family": "webserver",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "bridge",
    "cpu": "256",
    "memory": "512",
    "executionRoleArn": role_arn,
}
ecs.register_task_definition(**settings, containerDefinitions=[container])
vpc_id = ec2.describe_vpcs(
    Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
subnets = ec2.describe_subnets(Filters=[
    {"Name": "vpc-id", "Values": [vpc_id]},
    {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets}
subnet_ids = [by_zone[zone] for zone in sorted(by_zone)[:2]]
sg_id = ec2.create_security_group(GroupName="web-svc", Description="web service tasks",
                                  VpcId=vpc_id)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[{
    "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
ecs.create_service(
    cluster="web-cluster", serviceName="web", taskDefinition="webserver:1",
    desiredCount=2, launchType="FARGATE",
    networkConfiguration={"awsvpcConfiguration": {
        "subnets": subnet_ids, "securityGroups": [sg_id], "assignPublicIp": "ENABLED"}},
)
revision_2 = ecs.register_task_definition(
    **settings, containerDefinitions=[dict(container, image="nginx:1.27")])["taskDefinition"]
ecs.update_service(cluster="web-cluster", service="web",
                   taskDefinition=revision_2["taskDefinitionArn"])
