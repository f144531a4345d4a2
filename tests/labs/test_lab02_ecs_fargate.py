"""Lab 02 against a real moto server: what the corpus (tests/labs/corpus/02-*) cannot say by
a score alone (which resources a message names, the Region a misplaced cluster is reported
in, reads shared within a run), plus the lab's pure helpers: the Fargate size table, unit
strings and image references."""

from __future__ import annotations

from pathlib import Path

import pytest
from labkit import load_module, output

from grader.labs import find_lab
from grader.labs.solve import run_solution
from grader.session import check_lab

LAB = find_lab("02")
CHECKS = load_module(LAB)
CORPUS = Path(__file__).resolve().parent / "corpus" / LAB.id


def solved(fresh_aws, name):
    aws = fresh_aws(LAB.id)
    run_solution(CORPUS / f"{name}.py", aws)
    return aws, check_lab(LAB, aws)


def test_a_cluster_made_in_another_region_is_reported_there(fresh_aws):
    aws = fresh_aws(LAB.id)
    aws.client("ecs", "eu-west-1").create_cluster(clusterName="web-cluster")
    message = output(check_lab(LAB, aws), "cluster_created")
    assert "Found in eu-west-1; the lab grades us-east-1" in message


def test_failures_name_the_revision_and_the_service_subnets(fresh_aws):
    aws, result = solved(fresh_aws, "bad_invalid_fargate_size")
    test = next(t for t in result.tests if t.name == "fargate_task_definition")
    assert test.resources == ["webserver:2"]
    aws, result = solved(fresh_aws, "bad_two_subnets_in_one_zone")
    test = next(t for t in result.tests if t.name == "fargate_service")
    service = aws.client("ecs").describe_services(cluster="web-cluster", services=["web"])
    subnets = service["services"][0]["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    assert set(subnets) <= set(test.resources)


def test_same_state_gives_identical_results_and_reads_do_not_leak(fresh_aws):
    aws, result = solved(fresh_aws, "bad_service_not_updated")
    assert [t.name for t in result.tests if not t.passed] == ["service_runs_new_revision"]
    assert check_lab(LAB, aws).to_dict() == result.to_dict()
    aws.client("ecs").update_service(cluster="web-cluster", service="web",
                                     taskDefinition="webserver:2")
    assert check_lab(LAB, aws).score == result.max_score


def test_setup_restores_subnets_in_two_zones(fresh_aws):
    aws = fresh_aws(LAB.id)
    ec2 = aws.client("ec2")
    for subnet in ec2.describe_subnets()["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    LAB.setup_fn()(aws)
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    assert len({s["AvailabilityZone"] for s in subnets["Subnets"]}) == 2
    LAB.setup_fn()(aws)  # idempotent
    assert len(ec2.describe_subnets()["Subnets"]) == 2


# The Fargate table as AWS documents it (task-cpu-memory-error.html), spelled out.
AWS_TABLE = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: [gb * 1024 for gb in range(4, 17)],
    4096: [gb * 1024 for gb in range(8, 31)],
    8192: [gb * 1024 for gb in range(16, 61, 4)],
    16384: [gb * 1024 for gb in range(32, 121, 8)],
}


def test_fargate_table_accepts_exactly_the_documented_pairs():
    documented = {(cpu, mem) for cpu, mems in AWS_TABLE.items() for mem in mems}
    candidates = {(cpu, mem) for cpu in [128, *AWS_TABLE, 3072, 32768]
                  for mem in range(0, 131073, 512)}
    accepted = {pair for pair in candidates if CHECKS.fargate_pair_ok(*pair)}
    assert accepted == documented
    assert len(documented) == 3 + 4 + 7 + 13 + 23 + 12 + 12


@pytest.mark.parametrize("cpu, memory, units, mib", [
    ("256", "512", 256, 512), (".25 vCPU", "0.5GB", 256, 512), ("1 vCPU", "2 GB", 1024, 2048),
    ("2vcpu", "16GB", 2048, 16384), ("16 vCPU", "120 GB", 16384, 122880),
    ("lots", "big", None, None), ("0.3 vCPU", "1.7GB", None, None),
])
def test_cpu_and_memory_units(cpu, memory, units, mib):
    assert CHECKS.cpu_units(cpu) == units
    assert CHECKS.memory_mib(memory) == mib


@pytest.mark.parametrize("image, repository, reference", [
    ("nginx", "nginx", "latest"), ("nginx:1.27", "nginx", "1.27"),
    ("public.ecr.aws/nginx/nginx:1.27-alpine", "public.ecr.aws/nginx/nginx", "1.27-alpine"),
    ("localhost:5000/nginx", "localhost:5000/nginx", "latest"),
    ("nginx@sha256:abc", "nginx", "@sha256:abc"),
])
def test_image_references(image, repository, reference):
    assert CHECKS.split_image(image) == (repository, reference)
