"""Lab 01 against a real moto server: what the corpus (tests/labs/corpus/01-*) cannot say
by a score alone: which resources a message names, the Region a misplaced resource is
reported in, and that reads shared within a run never leak into the next run."""

from __future__ import annotations

from pathlib import Path

from labkit import failed, output

from grader.labs import find_lab
from grader.labs.solve import run_solution
from grader.session import check_lab

LAB = find_lab("01")
CORPUS = Path(__file__).resolve().parent / "corpus" / LAB.id


def solved(fresh_aws, name):
    aws = fresh_aws(LAB.id)
    run_solution(CORPUS / f"{name}.py", aws)
    return aws, check_lab(LAB, aws)


def test_work_done_in_another_region_is_reported_there(fresh_aws):
    aws, result = solved(fresh_aws, "bad_everything_in_eu_west_1")
    for name in ("key_pair_created", "security_group_rules", "golden_ami_from_builder",
                 "two_web_instances", "builder_terminated"):
        assert "Found in eu-west-1; the lab grades us-east-1" in output(result, name), name


def test_a_failure_names_the_instances_it_is_about(fresh_aws):
    aws, result = solved(fresh_aws, "bad_web_servers_t2_micro")
    web = aws.client("ec2").describe_instances(
        Filters=[{"Name": "tag:Name", "Values": ["web"]}])["Reservations"]
    ids = sorted(i["InstanceId"] for r in web for i in r["Instances"])
    test = next(t for t in result.tests if t.name == "two_web_instances")
    assert sorted(test.resources) == ids and all(i in test.output for i in ids)


def test_a_stopped_builder_is_not_called_running(fresh_aws):
    _, result = solved(fresh_aws, "bad_builder_stopped_not_terminated")
    message = output(result, "builder_terminated")
    assert "stopped" in message and "running" not in message


def test_builder_from_arm64_image_is_rejected(fresh_aws):
    aws = fresh_aws(LAB.id)
    ec2 = aws.client("ec2")
    arm = ec2.describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023.*-arm64"]}])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=arm, InstanceType="t4g.micro", MinCount=1, MaxCount=1,
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "Name", "Value": "web-builder"}]}])
    assert "arm64" in output(check_lab(LAB, aws), "builder_runs_latest_al2023")


def test_a_second_check_run_sees_what_changed_in_between(fresh_aws):
    """Reads shared within one run (aws.once) never leak into the next run."""
    aws, result = solved(fresh_aws, "bad_builder_left_running")
    assert failed(result) == ["builder_terminated"]
    assert check_lab(LAB, aws).to_dict() == check_lab(LAB, aws).to_dict()
    ec2 = aws.client("ec2")
    builder = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["web-builder"]}])
    ec2.terminate_instances(InstanceIds=[builder["Reservations"][0]["Instances"][0]["InstanceId"]])
    assert failed(check_lab(LAB, aws)) == []
