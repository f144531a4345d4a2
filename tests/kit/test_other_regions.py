"""grader.kit.other_regions against a real moto server: a resource made in another Region is
found there and named; nothing made anywhere gives the check's own message."""

from __future__ import annotations

import pytest

from grader.aws import AWS
from grader.kit.other_regions import elsewhere, missing, regions_with
from grader.sandbox import Sandbox, create_account


@pytest.fixture
def aws(sandbox: Sandbox) -> AWS:
    return AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))


def named_group(ec2):
    return ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["web-sg"]}])["SecurityGroups"]


def test_a_resource_in_another_region_is_reported_there(aws):
    aws.client("ec2", "eu-west-1").create_security_group(GroupName="web-sg", Description="x")
    near = ["us-west-2", "eu-west-1"]
    assert regions_with(aws, "ec2", named_group, key="web-sg", among=near) == ["eu-west-1"]
    message = missing(aws, "No group web-sg yet.", "Security group 'web-sg'", "ec2",
                      named_group, key="web-sg", among=near)
    assert message.startswith("Security group 'web-sg': found in eu-west-1; the lab grades "
                              "us-east-1.")
    assert "delete what you made in eu-west-1" in message


def test_nothing_anywhere_keeps_the_checks_message(aws):
    assert missing(aws, "No group web-sg yet.", "Security group 'web-sg'", "ec2", named_group,
                   key="web-sg", among=["eu-west-1"]) == "No group web-sg yet."


@pytest.mark.slow  # asks every default Region: ~5 s on a busy machine
def test_among_limits_the_regions_asked_and_the_lab_region_is_never_reported(aws):
    for region in ("us-east-1", "eu-west-1", "ap-south-1"):
        aws.client("ec2", region).create_security_group(GroupName="web-sg", Description="x")
    assert regions_with(aws, "ec2", named_group, key="all") == ["ap-south-1", "eu-west-1"]
    assert regions_with(aws, "ec2", named_group, key="some",
                        among=["eu-west-1", "us-east-1"]) == ["eu-west-1"]
    assert elsewhere(aws, "x", "ec2", named_group, key="none", among=[]) is None


def test_answers_are_shared_within_a_run_and_forgotten_after(aws):
    asked = []

    def counting(ec2):
        asked.append(ec2.meta.region_name)
        return named_group(ec2)

    regions_with(aws, "ec2", counting, key="k", among=["eu-west-1"])
    regions_with(aws, "ec2", counting, key="k", among=["eu-west-1"])
    assert asked == ["eu-west-1"]
    aws.forget()
    regions_with(aws, "ec2", counting, key="k", among=["eu-west-1"])
    assert asked == ["eu-west-1", "eu-west-1"]


def test_a_region_that_answers_with_an_error_counts_as_empty(aws):
    def refuses(ec2):
        return ec2.describe_security_groups(GroupIds=["sg-00000000000000000"])

    assert regions_with(aws, "ec2", refuses, key="err", among=["eu-west-1"]) == []
