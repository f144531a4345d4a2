"""Reference solution for lab 07 (powers `computelab solve` and the tests)."""

from __future__ import annotations


def two_default_subnets(ec2):
    """The default VPC and its default subnets in the first two Availability Zones."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                            {"Name": "default-for-az", "Values": ["true"]}])
    by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets["Subnets"]}
    return vpc["VpcId"], [by_zone[zone] for zone in sorted(by_zone)[:2]]


def solve(aws):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    autoscaling = aws.client("autoscaling")
    vpc_id, subnets = two_default_subnets(ec2)

    alb_sg = ec2.create_security_group(GroupName="web-alb-sg", Description="web load balancer",
                                       VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    instance_sg = ec2.create_security_group(GroupName="web-instance-sg",
                                            Description="web instances, from the ALB only",
                                            VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=instance_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
        "UserIdGroupPairs": [{"GroupId": alb_sg}]}])

    golden = ec2.describe_images(Owners=["self"], Filters=[
        {"Name": "name", "Values": ["web-golden"]}])["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": golden, "InstanceType": "t3.micro", "SecurityGroupIds": [instance_sg],
        "TagSpecifications": [{"ResourceType": "instance",
                               "Tags": [{"Key": "Name", "Value": "web"}]}]})

    tg_arn = elb.create_target_group(
        Name="web-tg", Protocol="HTTP", Port=80, VpcId=vpc_id, TargetType="instance",
        HealthCheckProtocol="HTTP", HealthCheckPath="/health", Matcher={"HttpCode": "200"},
    )["TargetGroups"][0]["TargetGroupArn"]
    alb_arn = elb.create_load_balancer(
        Name="web-alb", Type="application", Scheme="internet-facing", Subnets=subnets,
        SecurityGroups=[alb_sg])["LoadBalancers"][0]["LoadBalancerArn"]
    elb.create_listener(LoadBalancerArn=alb_arn, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])

    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web-asg",
        LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"},
        MinSize=2, MaxSize=4, DesiredCapacity=2, VPCZoneIdentifier=",".join(subnets),
        TargetGroupARNs=[tg_arn], HealthCheckType="ELB", HealthCheckGracePeriod=120)
    autoscaling.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=3)
