"""Gives the ALB two subnets in one zone, so the group's second zone gets no traffic."""

import boto3

LOSES = ["auto_scaling_group", "load_balancer", "scaled_to_three"]

ec2 = boto3.client("ec2")
elbv2 = boto3.client("elbv2")
autoscaling = boto3.client("autoscaling")

vpc_id = ec2.describe_vpcs(
    Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                        {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
by_zone = {}
for subnet in subnets:
    by_zone.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
subnet_ids = [by_zone[zone] for zone in sorted(by_zone)[:2]]

alb_sg = ec2.create_security_group(GroupName="web-alb-sg", Description="load balancer",
                                   VpcId=vpc_id)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
instance_sg = ec2.create_security_group(GroupName="web-instance-sg", Description="instances",
                                        VpcId=vpc_id)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=instance_sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
     "UserIdGroupPairs": [{"GroupId": alb_sg}]}])

golden_id = ec2.describe_images(Owners=["self"], Filters=[
    {"Name": "name", "Values": ["web-golden"]}])["Images"][0]["ImageId"]
template = ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
    "ImageId": golden_id, "InstanceType": "t3.micro", "SecurityGroupIds": [instance_sg]})

tg_arn = elbv2.create_target_group(
    Name="web-tg", Protocol="HTTP", Port=80, VpcId=vpc_id, TargetType="instance",
    HealthCheckProtocol="HTTP", HealthCheckPath="/health", Matcher={"HttpCode": "200"},
)["TargetGroups"][0]["TargetGroupArn"]

alb = elbv2.create_load_balancer(
    Name="web-alb", Type="application", Scheme="internet-facing",
    Subnets=[subnet_ids[0], ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="172.31.96.0/20",
        AvailabilityZone=sorted(by_zone)[0])["Subnet"]["SubnetId"]],
    SecurityGroups=[alb_sg])
alb_arn = alb["LoadBalancers"][0]["LoadBalancerArn"]

elbv2.create_listener(LoadBalancerArn=alb_arn, Protocol="HTTP", Port=80,
                      DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])

autoscaling.create_auto_scaling_group(
    AutoScalingGroupName="web-asg",
    LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"},
    MinSize=2, MaxSize=4, DesiredCapacity=2,
    VPCZoneIdentifier=",".join(subnet_ids), TargetGroupARNs=[tg_arn])

autoscaling.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=3)
