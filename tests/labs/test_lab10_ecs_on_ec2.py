"""Lab 10 against a real moto server: what the corpus (tests/labs/corpus/10-*) cannot say by
a score alone: where a misplaced resource is reported, which resources a message names, that
the agent's cluster choice is explained, and that fixing the state fixes the result."""

from __future__ import annotations

from pathlib import Path

from botocore.exceptions import ClientError
from labkit import output

from grader.labs import find_lab
from grader.labs.solve import run_solution
from grader.session import check_lab

LAB = find_lab("10")
CORPUS = Path(__file__).resolve().parent / "corpus" / LAB.id


def solved(fresh_aws, name):
    aws = fresh_aws(LAB.id)
    try:
        run_solution(CORPUS / f"{name}.py", aws)
    except ClientError:  # AWS refused a later call: graded on what was made before
        pass
    return aws, check_lab(LAB, aws)


def test_ecs_resources_in_another_region_are_reported_there(fresh_aws):
    aws, result = solved(fresh_aws, "bad_ecs_in_other_region")  # stops at the provider
    assert "Found in eu-west-1; the lab grades us-east-1" in output(result, "cluster_created")
    aws.client("ecs", "eu-west-1").register_task_definition(
        family="web-ec2", containerDefinitions=[{"name": "web", "image": "nginx",
                                                 "memory": 128}])
    message = output(check_lab(LAB, aws), "bridge_task_definition")
    assert "Found in eu-west-1; the lab grades us-east-1" in message


def test_instances_outside_the_group_are_named_and_do_not_count(fresh_aws):
    aws, result = solved(fresh_aws, "bad_instances_launched_by_hand")
    message = output(result, "container_instances_joined")
    strays = [i["InstanceId"] for r in aws.client("ec2").describe_instances()["Reservations"]
              for i in r["Instances"]]
    assert message.startswith("0 of ecs-nodes's instances")
    assert all(instance in message for instance in strays)


def test_user_data_without_a_cluster_says_the_agent_joins_default(fresh_aws):
    aws, result = solved(fresh_aws, "bad_no_user_data")
    assert "joins 'default'" in output(result, "container_instances_joined")
    members = aws.client("ecs").list_container_instances(cluster="default")
    assert len(members["containerInstanceArns"]) == 2  # the sandbox's agent went there too


def test_fixing_the_placement_in_place_gives_full_marks(fresh_aws):
    aws, result = solved(fresh_aws, "bad_strategies_reversed")
    test = next(t for t in result.tests if t.name == "service_placement")
    assert test.resources and test.resources[0].endswith("service/ec2-cluster/web")
    aws.client("ecs").update_service(cluster="ec2-cluster", service="web", placementStrategy=[
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "binpack", "field": "memory"}])
    assert check_lab(LAB, aws).score == result.max_score
