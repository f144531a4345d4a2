"""grader.kit.regions against a real moto server: a resource made in another Region is
reported there, and nothing is reported when it exists nowhere else."""

from __future__ import annotations

import pytest

from grader.checks import CheckFailed
from grader.kit.regions import absent, elsewhere, wrong_region_note


def key_pairs(ec2):
    return ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["web-key"]}])[
        "KeyPairs"]


def test_a_resource_in_another_region_is_found_there(fresh_aws):
    aws = fresh_aws("01")
    aws.client("ec2", "ap-northeast-1").create_key_pair(KeyName="web-key")
    assert elsewhere(aws, "ec2", key_pairs) == ["ap-northeast-1"]
    with pytest.raises(CheckFailed) as failed:
        absent(aws, "No key pair named 'web-key'.", "ec2", key_pairs, "web-key")
    assert str(failed.value).startswith("No key pair named 'web-key'. Found in ap-northeast-1; "
                                        "the lab grades us-east-1")
    assert failed.value.resources == ["web-key"]


def test_nothing_elsewhere_adds_nothing(fresh_aws):
    aws = fresh_aws("01")
    aws.client("ec2").create_key_pair(KeyName="web-key")  # in the lab's own Region only
    assert wrong_region_note(aws, "ec2", key_pairs) == ""


def test_a_region_that_errors_counts_as_not_found(fresh_aws):
    aws = fresh_aws("01")

    def broken(_client):
        raise RuntimeError("this Region cannot answer")

    assert elsewhere(aws, "ec2", broken) == []
