"""No silent gaps: what the sandbox cannot do answers as an AWS error naming the call."""

from __future__ import annotations

import io

import pytest
from botocore.exceptions import ClientError
from botocore.model import ServiceModel
from botocore.parsers import create_parser

from grader.aws import AWS
from grader.sandbox import create_account
from grader.sandbox.fidelity import NoSilentGaps
from grader.sandbox.fidelity.wire import aws_error
from grader.sandbox.inventory import load


@pytest.fixture(scope="module")
def aws(sandbox):
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))


def gap(aws, service, operation, /, **params):
    """The error a call answers with."""
    with pytest.raises(ClientError) as caught:
        getattr(aws.client(service), operation)(**params)
    return caught.value


CASES = [  # one per protocol: json, rest-json, query, ec2
    ("ecs", "list_service_deployments", {"cluster": "c", "service": "s"}),
    ("eks", "list_addons", {"clusterName": "web"}),
    ("iam", "add_client_id_to_open_id_connect_provider",
     {"OpenIDConnectProviderArn": "arn:aws:iam::123456789012:oidc-provider/x", "ClientID": "a"}),
    ("ec2", "purchase_reserved_instances_offering",
     {"ReservedInstancesOfferingId": "offering", "InstanceCount": 1}),
]


@pytest.mark.parametrize("service, operation, params", CASES, ids=[c[1] for c in CASES])
def test_unemulated_operation_is_an_aws_error_naming_it(aws, service, operation, params):
    error = gap(aws, service, operation, **params)
    assert error.response["Error"]["Code"] == "NotImplemented"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 501  # not retried
    assert error.response["ResponseMetadata"]["RetryAttempts"] == 0
    message = error.response["Error"]["Message"]
    assert message.startswith(f"{service}.{operation} is not emulated by the ComputeLab sandbox")


def test_the_alternative_comes_from_the_inventory(aws):
    alternatives = {(e.service, e.operation): e.alternative for e in load().entries}
    error = gap(aws, "ec2", "create_capacity_reservation", InstanceType="t3.micro",
                InstancePlatform="Linux/UNIX", AvailabilityZone="us-east-1a", InstanceCount=1)
    assert error.response["Error"]["Message"].endswith(
        alternatives[("ec2", "create_capacity_reservation")])


def test_traffic_sources_of_a_missing_group_is_a_validation_error(aws):
    error = gap(aws, "autoscaling", "attach_traffic_sources", AutoScalingGroupName="none",
                TrafficSources=[{"Identifier": "arn:aws:elasticloadbalancing:us-east-1:1:"
                                               "targetgroup/web-tg/1", "Type": "elbv2"}])
    assert error.response["Error"]["Code"] == "ValidationError"  # moto: KeyError, HTML 500


def test_a_crash_inside_moto_becomes_an_aws_error_for_that_protocol():
    def crashing(environ, start_response):
        raise KeyError("securityGroups")

    environ = {"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261205/"
                                     "us-east-1/ec2/aws4_request, SignedHeaders=host",
               "REQUEST_METHOD": "POST", "PATH_INFO": "/", "CONTENT_LENGTH": "29",
               "wsgi.input": io.BytesIO(b"Action=RunInstances&Version=1")}
    seen = {}
    body = b"".join(NoSilentGaps(crashing)(environ, lambda status, headers: seen.update(
        status=status)))
    assert seen["status"].startswith("501")
    assert b"<Code>NotImplemented</Code>" in body
    assert b"ec2.run_instances is not emulated" in body and b"KeyError" in body


def test_a_service_the_sandbox_lacks_says_so(aws):
    error = gap(aws, "lightsail", "get_instances")
    assert "the sandbox has no lightsail service" in error.response["Error"]["Message"]


def test_unsigned_and_sandbox_routes_are_untouched(sandbox):
    import urllib.request

    with urllib.request.urlopen(f"{sandbox.endpoint}/_computelab/ping") as answer:
        assert answer.read() == b'{"computelab": true}'


@pytest.mark.parametrize("service", ["ecs", "lambda", "iam", "ec2", "s3"])
def test_error_bodies_parse_as_that_protocols_errors(service):
    import botocore.session

    model: ServiceModel = botocore.session.get_session().get_service_model(service)
    response = aws_error(model.protocol, "NotImplemented", "x.y is not emulated <&>", 501,
                         service)
    parsed = create_parser(model.protocol).parse(
        {"status_code": response.status, "headers": dict(response.headers),
         "body": response.body}, None)
    assert parsed["Error"]["Code"] == "NotImplemented"
    assert parsed["Error"]["Message"] == "x.y is not emulated <&>"
