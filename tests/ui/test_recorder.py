""""What you did": the learner's boto3 calls recorded, trimmed, matched to failing checks."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from grader import store
from grader.aws import apply_lab_environment, lab_environment
from grader.labs import find_lab
from grader.results import CheckResult, LabResult, render_html
from grader.sandbox import publish
from grader.session import check_lab, lab_aws
from grader.ui import recorder
from grader.ui.kernel_startup import write_startup

LAB = find_lab("01")
OPEN_SSH = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def test_secrets_are_masked_and_long_values_trimmed() -> None:
    kept = recorder.trimmed({
        "MasterUserPassword": "hunter2", "SecretString": "s3cr3t", "KeyMaterial": "x",
        "Environment": {"Variables": {"DB_PASSWORD": "p", "MODE": "prod"}},
        "ZipFile": b"PK\x03\x04" * 10, "UserData": "#!/bin/bash\n" + "x" * 500,
        "InstanceIds": [f"i-{n}" for n in range(20)], "Count": 2})
    assert kept["MasterUserPassword"] == kept["SecretString"] == kept["KeyMaterial"] == "***"
    assert kept["Environment"] == {"Variables": "***"}
    assert kept["ZipFile"] == "<40 bytes>"
    assert kept["UserData"].startswith("#!/bin/bash") and len(kept["UserData"]) == 80
    assert kept["InstanceIds"][:2] == ["i-0", "i-1"] and kept["InstanceIds"][-1] == "…"
    assert len(kept["InstanceIds"]) == recorder.MAX_ITEMS + 1 and kept["Count"] == 2


def test_response_ids_are_the_ids_and_arns_not_request_metadata() -> None:
    parsed = {"Instances": [{"InstanceId": "i-1", "ImageId": "ami-1", "OwnerId": "123"}],
              "RoleArn": "arn:aws:iam::1:role/r",
              "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": 200}}
    assert recorder.response_ids(parsed) == ["i-1", "ami-1", "arn:aws:iam::1:role/r"]


def test_a_resource_matches_as_a_whole_name_also_inside_an_arn() -> None:
    calls = [{"op": "create_security_group", "params": {"GroupName": "web-sg"}, "ids": []},
             {"op": "create_target_group", "params": {"Name": "x"},
              "ids": ["arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web-tg/abc"]}]
    assert recorder.touching(calls, ["web"]) == []
    assert recorder.touching(calls, ["web-sg"]) == calls[:1]
    assert recorder.touching(calls, ["web-tg"]) == calls[1:]


def test_format_shows_cell_call_and_failure() -> None:
    call = recorder.call_record("AuthorizeSecurityGroupIngress",
                                {"GroupId": "sg-1", "IpPermissions": OPEN_SSH},
                                {"Error": {"Code": "InvalidGroup.NotFound"}}, 400, 4, 0.0)
    line = recorder.format_call(call)
    assert line.startswith("cell [4]: authorize_security_group_ingress(GroupId='sg-1', ")
    assert "'FromPort': 22" in line and "'0.0.0.0/0'" in line
    assert line.endswith("-> failed: InvalidGroup.NotFound")


def test_only_failing_checks_with_matching_calls_get_lines() -> None:
    calls = [{"op": "create_key_pair", "params": {"KeyName": "web-key"}, "ids": [], "cell": 2},
             {"op": "authorize_security_group_ingress", "params": {"GroupId": "sg-1"},
              "ids": [], "cell": 3}]
    result = LabResult("01", [
        CheckResult("key", "Key", 1, 1, "passed", "", resources=["web-key"]),
        CheckResult("sg", "SG", 0, 1, "failed", "open", resources=["sg-1"]),
        CheckResult("ami", "AMI", 0, 1, "failed", "none", resources=["ami-9"])])
    did = recorder.what_you_did(result, calls)
    assert did == {"sg": ["cell [3]: authorize_security_group_ingress(GroupId='sg-1')"]}
    markup = render_html(result, did=did)
    assert markup.count("computelab-did") == 1 and "cell [3]" in markup


@pytest.fixture
def learner_boto3(sandbox, monkeypatch):
    """boto3 aimed at lab 01's account, with the recorder on one fresh session."""
    publish(sandbox.endpoint)
    aws = lab_aws(LAB, sandbox.endpoint)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    env = lab_environment(sandbox.endpoint, aws.access_key_id or "",
                          aws.secret_access_key or "", aws.region)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(recorder._STATE, "lab", LAB.id)
    session = boto3.session.Session()
    recorder.hook_session(session._session)
    yield aws, session
    apply_lab_environment({})


def test_the_learners_writes_are_recorded_and_the_graders_reads_are_not(learner_boto3):
    aws, session = learner_boto3
    ec2 = session.client("ec2")
    sg = ec2.create_security_group(GroupName="web-sg", Description="web")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=OPEN_SSH)
    ec2.describe_security_groups(GroupIds=[sg])  # a read: not recorded
    with pytest.raises(ec2.exceptions.ClientError):
        ec2.create_security_group(GroupName="web-sg", Description="again")
    recorder.hook_session(aws._boto_session()._session)  # hooked, but the grader's own
    aws.client("ec2").create_key_pair(KeyName="grader-side")  # (shared loader): skipped

    calls = store.lab_calls(LAB.id, aws.access_key_id or "")
    assert [c["op"] for c in calls] == ["create_security_group",
                                       "authorize_security_group_ingress",
                                       "create_security_group"]
    assert sg in calls[0]["ids"] and calls[1]["params"]["GroupId"] == sg
    assert calls[2]["error"] == "InvalidGroup.Duplicate"

    result = check_lab(LAB, aws)
    did = recorder.recorded_for(LAB.id, aws.access_key_id, result)
    lines = did["security_group_rules"]
    assert any(line.endswith("'CidrIp': '0.0.0.0/0'}]}])") and "authorize_security_group"
               in line for line in lines)

    lab_aws(LAB, aws.endpoint or "", fresh=True)  # a reset forgets the record
    assert store.lab_calls(LAB.id, aws.access_key_id or "") == []


@pytest.mark.slow
def test_a_trainer_kernel_records_calls_with_their_cell_numbers(sandbox, tmp_path: Path,
                                                                monkeypatch):
    """The real path: the kernel startup installs the recorder for the notebook's lab."""
    publish(sandbox.endpoint)
    monkeypatch.setenv("IPYTHONDIR", str(write_startup(tmp_path / "ipython")))
    monkeypatch.setenv("JPY_SESSION_NAME", f"/work/labs/{LAB.id}/{LAB.id}.ipynb")
    nb = new_notebook(cells=[
        new_code_cell(f'from grader import connect; lab = connect("{LAB.id}")'),
        new_code_cell("import boto3\nec2 = boto3.client('ec2')\n"
                      "sg = ec2.create_security_group(GroupName='web-sg', "
                      "Description='web')['GroupId']"),
        new_code_cell(f"ec2.authorize_security_group_ingress(GroupId=sg, "
                      f"IpPermissions={OPEN_SSH!r})"),
        new_code_cell("r = lab.run_checks()\nfrom grader.ui.recorder import recorded_for\n"
                      "print(recorded_for(lab.lab.id, lab.aws.access_key_id, r)"
                      "['security_group_rules'])")])
    NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    shown = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    assert "cell [2]: create_security_group(GroupName='web-sg'" in shown
    assert "cell [3]: authorize_security_group_ingress(GroupId='sg-" in shown
    assert nbformat.validate(nb) is None
