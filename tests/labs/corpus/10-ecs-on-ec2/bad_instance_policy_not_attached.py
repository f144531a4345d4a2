"""Forgets to attach AmazonEC2ContainerServiceforEC2Role."""

import base64
import json

import boto3

LOSES = ["instance_role", "container_instances_joined"]

ecs = boto3.client("ecs")
ec2 = boto3.client("ec2")
iam = boto3.client("iam")
ssm = boto3.client("ssm")
autoscaling = boto3.client("autoscaling")

ecs.create_cluster(clusterName="ec2-cluster")

instance_trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName="ecsInstanceRole", AssumeRolePolicyDocument=json.dumps(instance_trust))
iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole", RoleName="ecsInstanceRole")

ami_id = ssm.get_parameter(
    Name="/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
)["Parameter"]["Value"]
user_data = "#!/bin/bash\necho ECS_CLUSTER=ec2-cluster >> /etc/ecs/ecs.config\n"
ec2.create_launch_template(LaunchTemplateName="ecs-node", LaunchTemplateData={
    "ImageId": ami_id,
    "InstanceType": "t3.medium",
    "IamInstanceProfile": {"Name": "ecsInstanceRole"},
    "UserData": base64.b64encode(user_data.encode()).decode(),
})
subnets = ec2.describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets}
subnet_ids = [by_zone[zone] for zone in sorted(by_zone)[:2]]
autoscaling.create_auto_scaling_group(
    AutoScalingGroupName="ecs-nodes",
    LaunchTemplate={"LaunchTemplateName": "ecs-node", "Version": "$Latest"},
    MinSize=0, MaxSize=4, DesiredCapacity=2,
    VPCZoneIdentifier=",".join(subnet_ids),
    NewInstancesProtectedFromScaleIn=True,
)

group_arn = autoscaling.describe_auto_scaling_groups(
    AutoScalingGroupNames=["ecs-nodes"])["AutoScalingGroups"][0]["AutoScalingGroupARN"]
ecs.create_capacity_provider(name="ecs-nodes-cp", autoScalingGroupProvider={
    "autoScalingGroupArn": group_arn,
    "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
    "managedTerminationProtection": "ENABLED",
})
ecs.put_cluster_capacity_providers(
    cluster="ec2-cluster", capacityProviders=["ecs-nodes-cp"],
    defaultCapacityProviderStrategy=[{"capacityProvider": "ecs-nodes-cp", "weight": 1}])

tasks_trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
task_role_arn = iam.create_role(RoleName="webTaskRole",
                                AssumeRolePolicyDocument=json.dumps(tasks_trust))["Role"]["Arn"]

ecs.register_task_definition(
    family="web-ec2",
    requiresCompatibilities=["EC2"],
    networkMode="bridge",
    taskRoleArn=task_role_arn,
    containerDefinitions=[{
        "name": "web",
        "image": "nginx:1.27",
        "essential": True,
        "memory": 256,
        "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}],
    }],
)

ecs.create_service(
    cluster="ec2-cluster", serviceName="web", taskDefinition="web-ec2", desiredCount=2,
    placementStrategy=[
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "binpack", "field": "memory"},
    ],
)
