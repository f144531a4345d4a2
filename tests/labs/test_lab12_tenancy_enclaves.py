"""Lab 12 against a real moto server: what its corpus (tests/labs/corpus/12-tenancy-enclaves)
does not show: several mistakes at once, states EC2 reaches but a launch cannot (a host whose
type changed under its instance, a catalogue that no longer lists a type as enclave-capable),
the host-matching rule on its own, and determinism.

States the sandbox refuses to create are shown to the checks by rewriting one describe
answer on the client (as lab 09 does for a pending snapshot), so the checks still read them
through boto3.
"""

from __future__ import annotations

import pytest
from labkit import assert_lost, failed, load_module, output, points_of, scorer

from grader.aws import AWS
from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("12")
score_without = scorer(points_of(LAB))
SSM_AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
CHECKS = load_module(LAB)


def build(aws, *, shared=None, dedicated="dedicated", auto="off", app_type="m5.xlarge",
          affinity="host", enclave_type="m5.xlarge", tokens="required"):
    """Lab 12 done one way; each keyword introduces one mistake."""
    ec2 = aws.client("ec2")
    ami = aws.client("ssm").get_parameter(Name=SSM_AL2023)["Parameter"]["Value"]

    def run(name, instance_type="m5.large", **options):
        ec2.run_instances(ImageId=ami, InstanceType=instance_type, MinCount=1, MaxCount=1,
                          TagSpecifications=[{"ResourceType": "instance",
                                              "Tags": [{"Key": "Name", "Value": name}]}],
                          **options)

    run("shared-web", **({"Placement": {"Tenancy": shared}} if shared else {}))
    run("dedicated-web", Placement={"Tenancy": dedicated})
    host_id = ec2.allocate_hosts(
        AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1, AutoPlacement=auto,
        TagSpecifications=[{"ResourceType": "dedicated-host",
                            "Tags": [{"Key": "Name", "Value": "license-host"}]}])["HostIds"][0]
    run("licensed-app", app_type,
        Placement={"Tenancy": "host", "HostId": host_id, "Affinity": affinity})
    run("enclave-parent", enclave_type, EnclaveOptions={"Enabled": True},
        MetadataOptions={"HttpTokens": tokens})
    return host_id


def rewriting(aws, operation, rewrite):
    """A second handle on the same account whose client rewrites ``operation``'s answers."""
    handle = AWS(endpoint=aws.endpoint, access_key_id=aws.access_key_id,
                 secret_access_key=aws.secret_access_key, account_id=aws.account_id)
    handle.client("ec2").meta.events.register(f"after-call.ec2.{operation}",
                                              lambda parsed, **_: rewrite(parsed))
    return handle


PARTLY_WRONG = [
    ("shared on dedicated, host auto-placement on",
     {"shared": "dedicated", "auto": "on"}, ["dedicated_host", "shared_instance"]),
    ("dedicated left default, app without affinity, IMDSv1 allowed",
     {"dedicated": "default", "affinity": "default", "tokens": "optional"},
     ["dedicated_instance", "enclave_parent", "instance_on_host"]),
]


@pytest.mark.parametrize("mistake, kwargs, lost", PARTLY_WRONG, ids=[p[0] for p in PARTLY_WRONG])
def test_several_mistakes_lose_exactly_their_points(fresh_aws, mistake, kwargs, lost):
    aws = fresh_aws(LAB.id)
    build(aws, **kwargs)
    assert_lost(check_lab(LAB, aws), lost, score_without)


def test_a_host_retyped_under_its_instance_fails_the_match(fresh_aws):
    """EC2 checks the match at launch; the check judges what the host takes now."""
    aws = fresh_aws(LAB.id)
    build(aws)

    def retype(parsed):
        for host in parsed.get("Hosts", []):
            host["HostProperties"] = {"InstanceFamily": "c5"}

    result = check_lab(LAB, rewriting(aws, "DescribeHosts", retype))
    assert failed(result) == ["instance_on_host"]
    assert "takes only the c5 family" in output(result, "instance_on_host")


def test_enclave_support_comes_from_the_catalogue(fresh_aws):
    aws = fresh_aws(LAB.id)
    build(aws)

    def unsupported(parsed):
        for kind in parsed.get("InstanceTypes", []):
            kind["NitroEnclavesSupport"] = "unsupported"

    result = check_lab(LAB, rewriting(aws, "DescribeInstanceTypes", unsupported))
    assert failed(result) == ["enclave_parent"]
    assert "does not support Nitro Enclaves" in output(result, "enclave_parent")


def test_failures_name_the_instance_they_are_about(fresh_aws):
    aws = fresh_aws(LAB.id)
    build(aws, affinity="default")
    [test] = [t for t in check_lab(LAB, aws).tests if t.name == "instance_on_host"]
    app = aws.client("ec2").describe_instances(Filters=[
        {"Name": "tag:Name", "Values": ["licensed-app"]}])["Reservations"][0]["Instances"][0]
    assert test.resources == [app["InstanceId"]]
    assert "affinity 'default'" in test.output


def test_same_state_gives_identical_results(fresh_aws):
    aws = fresh_aws(LAB.id)
    build(aws, shared="dedicated", tokens="optional")
    assert check_lab(LAB, aws).to_dict() == check_lab(LAB, aws).to_dict()


@pytest.mark.parametrize("properties, instance_type, takes", [
    ({"InstanceFamily": "m5"}, "m5.24xlarge", True),
    ({"InstanceFamily": "m5"}, "m5d.large", False),   # another family, same prefix
    ({"InstanceFamily": "m5"}, "c5.large", False),
    ({"InstanceType": "m5.xlarge"}, "m5.xlarge", True),
    ({"InstanceType": "m5.xlarge"}, "m5.2xlarge", False),
    ({}, "m5.large", False),
])
def test_host_takes(properties, instance_type, takes):
    assert CHECKS.host_takes({"HostProperties": properties}, instance_type) is takes


def test_cleanup_cell_terminates_then_releases_the_host(fresh_aws, tmp_path):
    """Task 6 with CLEAN_UP = True: the host is released (EC2 keeps an occupied host), and
    nothing the checks accept is left."""
    from grader.labs.solve import run_solution

    source = LAB.solution_source.read_text()
    assert "CLEAN_UP = False" in source
    cleaning = tmp_path / "solution.py"
    cleaning.write_text(source.replace("CLEAN_UP = False", "CLEAN_UP = True"))
    aws = fresh_aws(LAB.id)
    run_solution(cleaning, aws)
    ec2 = aws.client("ec2")
    [host] = ec2.describe_hosts()["Hosts"]
    assert (host["State"], host.get("Instances", [])) == ("released", [])
    assert check_lab(LAB, aws).score == 0
