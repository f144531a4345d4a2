"""Fields moto dropped and AWS keeps: the sandbox keeps them and returns them."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from grader.aws import AWS
from grader.sandbox import create_account

AMI = "ami-0d27e0fb3bac4d724"


@pytest.fixture
def aws(sandbox):
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))


def launch(ec2, instance_type="m5.large", **options):
    instance = ec2.run_instances(ImageId=AMI, InstanceType=instance_type, MinCount=1, MaxCount=1,
                                 **options)["Instances"][0]
    described = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])[
        "Reservations"][0]["Instances"][0]
    return instance, described


def test_run_instances_keeps_tenancy_and_enclave_options(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Placement.html (Tenancy)
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnclaveOptions.html"""
    instance, described = launch(aws.client("ec2"), "m5.xlarge",  # m5.large: no enclaves
                                 Placement={"Tenancy": "dedicated"},
                                 EnclaveOptions={"Enabled": True})
    for answer in (instance, described):
        assert answer["Placement"]["Tenancy"] == "dedicated"
        assert answer["EnclaveOptions"] == {"Enabled": True}
    _, default = launch(aws.client("ec2"))
    assert default["Placement"]["Tenancy"] == "default"


def test_run_instances_on_the_spot_market_records_its_spot_request(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SpotMarketOptions.html
    (run_instances with MarketType spot makes a Spot request carrying the SpotOptions)."""
    ec2 = aws.client("ec2")
    instance, described = launch(ec2, InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {
        "MaxPrice": "0.05", "SpotInstanceType": "one-time",
        "InstanceInterruptionBehavior": "terminate"}})
    [request] = ec2.describe_spot_instance_requests()["SpotInstanceRequests"]
    assert described["InstanceLifecycle"] == "spot"
    assert request["InstanceId"] == instance["InstanceId"]  # no second instance
    assert (request["SpotPrice"], request["Type"], request["InstanceInterruptionBehavior"]) == (
        "0.050000", "one-time", "terminate")
    assert len(ec2.describe_instances()["Reservations"]) == 1


def test_lambda_configuration_update_sets_the_kms_key(aws):
    """https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
    (KMSKeyArn: the key that encrypts the environment variables)."""
    role = aws.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]
    }))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    lam = aws.client("lambda")
    lam.create_function(FunctionName="orders", Runtime="python3.12", Role=role,
                        Handler="handler.handle", Code={"ZipFile": code.getvalue()})
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    assert lam.update_function_configuration(FunctionName="orders", KMSKeyArn=key)[
        "KMSKeyArn"] == key
    assert lam.get_function_configuration(FunctionName="orders")["KMSKeyArn"] == key
    lam.update_function_configuration(FunctionName="orders", KMSKeyArn="")
    assert not lam.get_function_configuration(FunctionName="orders").get("KMSKeyArn")


def test_each_job_definition_revision_keeps_its_own_platform(aws):
    """https://docs.aws.amazon.com/batch/latest/APIReference/API_RegisterJobDefinition.html
    (platformCapabilities belongs to each registration)."""
    batch = aws.client("batch")
    container = {"image": "busybox", "command": ["echo"], "resourceRequirements": [
        {"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}]}
    batch.register_job_definition(jobDefinitionName="thumbs", type="container",
                                  containerProperties=container)
    batch.register_job_definition(jobDefinitionName="thumbs", type="container",
                                  containerProperties={**container, "executionRoleArn":
                                                       "arn:aws:iam::123456789012:role/x"},
                                  platformCapabilities=["FARGATE"])
    revisions = {d["revision"]: d.get("platformCapabilities") for d in
                 batch.describe_job_definitions(jobDefinitionName="thumbs")["jobDefinitions"]}
    assert revisions[2] == ["FARGATE"]
    assert revisions[1] in (None, [], ["EC2"])


def test_detach_volume_needs_only_the_volume_id(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachVolume.html
    (InstanceId and Device are optional)."""
    ec2 = aws.client("ec2")
    instance, _ = launch(ec2)
    volume = ec2.create_volume(AvailabilityZone=instance["Placement"]["AvailabilityZone"],
                               Size=8)["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=instance["InstanceId"], Device="/dev/sdf")
    detached = ec2.detach_volume(VolumeId=volume)
    assert (detached["InstanceId"], detached["Device"]) == (instance["InstanceId"], "/dev/sdf")
    assert ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["State"] == "available"
    with pytest.raises(ClientError, match="IncorrectState"):
        ec2.detach_volume(VolumeId=volume)


def test_source_group_name_alone_opens_every_port_from_that_group(aws):
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
    SourceSecurityGroupName: "The rule grants full ICMP, UDP, and TCP access." """
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    alb = ec2.create_security_group(GroupName="web-alb-sg", Description="alb",
                                    VpcId=vpc["VpcId"])["GroupId"]
    web = ec2.create_security_group(GroupName="web-instance-sg", Description="web",
                                    VpcId=vpc["VpcId"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, SourceSecurityGroupName="web-alb-sg")
    rules = ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"][0]["IpPermissions"]
    opened = {(r["IpProtocol"], r.get("FromPort"), r.get("ToPort")) for r in rules}
    assert opened == {("icmp", -1, -1), ("tcp", 0, 65535), ("udp", 0, 65535)}
    assert all(r["UserIdGroupPairs"][0]["GroupId"] == alb for r in rules)
