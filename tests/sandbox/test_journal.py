"""The journal: each lab's state-changing requests kept, and replayed in a fresh sandbox.

Restores run in a child process: moto's state is process-wide, and a restart is a new
process anyway.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import asdict
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from grader.aws import AWS, Account
from grader.errors import SandboxError
from grader.labs import Lab, all_labs, find_lab
from grader.sandbox import Sandbox, create_account, lab_account, publish, write_runtime
from grader.sandbox.journal import (
    MAX_BODY,
    VERSION,
    Journal,
    answer_digest,
    answer_ids,
    header,
    moto_version,
    read_log,
    saved_labs,
    summary,
)
from grader.session import check_lab, lab_aws

LAB = "01-ec2-from-ami"

# Start a journaled sandbox on FOLDER (restoring it), print what came back as JSON: per lab
# the problem, the request count, the check scores and the EBS volumes' creation times.
RESTORE = """
import json, sys
from pathlib import Path
from grader.aws import AWS
from grader.labs import find_lab
from grader.sandbox import Sandbox
from grader.sandbox.journal import Journal
from grader.session import check_lab

with Sandbox(journal=Journal(Path(sys.argv[1]))) as sandbox:
    out = {}
    for r in sandbox.restored:
        out[r.lab] = {"problem": r.problem, "requests": r.requests}
        if r.account is None or r.problem:
            continue
        aws = AWS.for_account(sandbox.endpoint, r.account)
        result = check_lab(find_lab(r.lab), aws)
        out[r.lab]["scores"] = {t.name: t.score for t in result.tests}
        out[r.lab]["volumes"] = {v["VolumeId"]: v["CreateTime"].isoformat()
                                 for v in aws.client("ec2").describe_volumes()["Volumes"]}
    print(json.dumps(out))
"""


def restore_in_new_process(folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", RESTORE, str(folder)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def journaled(tmp_path):
    """A sandbox that keeps state in tmp_path/state, published as the running one."""
    with Sandbox(journal=Journal(tmp_path / "state")) as sandbox:
        publish(sandbox.endpoint)
        yield sandbox


def ec2(endpoint: str, account: Account):
    return boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=account.access_key_id,
                        aws_secret_access_key=account.secret_access_key)


def test_writes_are_logged_with_their_answer_and_reads_are_not(journaled, tmp_path):
    account = create_account(journaled.endpoint, lab=LAB)
    client = ec2(journaled.endpoint, account)
    group = client.create_security_group(GroupName="web-sg", Description="web")["GroupId"]
    client.describe_security_groups()
    with pytest.raises(ClientError):  # a failed write is logged too: it may change state
        client.create_security_group(GroupName="web-sg", Description="again")
    head, entries = read_log(tmp_path / "state" / f"{LAB}.jsonl")
    assert head["computelab_state"] == VERSION and head["lab"] == LAB
    assert head["account"] == asdict(account)
    assert [e["op"] for e in entries] == ["CreateSecurityGroup", "CreateSecurityGroup"]
    assert [e["status"] for e in entries] == [200, 400]
    assert group in entries[0]["ids"] and "GroupName=web-sg" in entries[0]["body"]
    assert saved_labs(tmp_path / "state") == [(LAB, 2, (tmp_path / "state" / f"{LAB}.jsonl")
                                               .stat().st_size)]


def test_accounts_without_a_lab_are_not_logged(journaled, tmp_path):
    account = create_account(journaled.endpoint)
    ec2(journaled.endpoint, account).create_key_pair(KeyName="k")
    assert not list((tmp_path / "state").glob("*.jsonl"))


def test_a_reset_lab_starts_a_new_log_and_its_old_account_is_refused(journaled, tmp_path):
    old = create_account(journaled.endpoint, lab=LAB)
    ec2(journaled.endpoint, old).create_key_pair(KeyName="k")
    new = create_account(journaled.endpoint, lab=LAB)
    head, entries = read_log(tmp_path / "state" / f"{LAB}.jsonl")
    assert head["account"] == asdict(new) and entries == []
    with pytest.raises(ClientError, match="Re-run the notebook's first cell"):
        ec2(journaled.endpoint, old).create_key_pair(KeyName="k2")


def test_moto_reset_route_is_refused_with_what_to_use(journaled):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(journaled.endpoint + "/moto-api/reset", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert "computelab reset" in refused.value.read().decode()


def test_a_request_too_big_to_keep_is_refused_with_the_limit(journaled, monkeypatch):
    import grader.sandbox.journal as journal

    monkeypatch.setattr(journal, "MAX_BODY", 1024)
    account = create_account(journaled.endpoint, lab=LAB)
    s3 = AWS.for_account(journaled.endpoint, account).client("s3")
    s3.create_bucket(Bucket="big")
    with pytest.raises(ClientError, match="at most 0 MB") as refused:
        s3.put_object(Bucket="big", Key="k", Body=b"x" * 2048)
    assert refused.value.response["Error"]["Code"] == "RequestEntityTooLarge"
    assert MAX_BODY >= 16 * 2**20  # Lambda zips and S3 objects of a lab fit


def test_a_cut_last_line_is_dropped_and_a_damaged_one_named(tmp_path):
    path = tmp_path / "01-x.jsonl"
    path.write_text('{"computelab_state": 1}\n{"seq": 0}\n{"seq": 1, "env')
    assert read_log(path) == ({"computelab_state": 1}, [{"seq": 0}])
    path.write_text('{"computelab_state": 1}\nnot json\n{"seq": 1}\n')
    with pytest.raises(ValueError, match="line 2 is damaged"):
        read_log(path)


def test_a_log_from_another_format_names_the_lab_and_the_reset(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    old = header(LAB, Account("123456789012", "AKIA", "s"), False)
    old["computelab_state"] = VERSION + 1
    (folder / f"{LAB}.jsonl").write_text(json.dumps(old) + "\n")
    (restored,) = Journal(folder).restore()
    assert restored.account is None
    assert restored.problem.startswith("lab 01 could not be restored: it was saved by a "
                                       "different ComputeLab")
    assert "`computelab reset 01`" in restored.problem
    assert summary([restored]) == [restored.problem]


def test_answers_are_compared_blind_to_times_and_the_port():
    one = b'{"launchTime": "2026-12-06T01:02:03.456Z", "url": "http://127.0.0.1:4000/q"}'
    two = b'{"launchTime": "2027-01-01T00:00:00.000Z", "url": "http://127.0.0.1:5111/q"}'
    assert answer_digest(one) == answer_digest(two)
    assert answer_digest(one) != answer_digest(one.replace(b"/q", b"/r"))
    error = b"<Errors><Error><Code>X</Code></Error></Errors><RequestID>%s</RequestID>"
    assert answer_digest(error % uuid.uuid4().bytes.hex().encode()) == answer_digest(error % b"1")
    assert answer_ids(error % str(uuid.uuid4()).encode()) == []


def test_an_unrestored_lab_is_refused_until_reset(sandbox):
    publish(sandbox.endpoint)
    write_runtime({"endpoint": sandbox.endpoint, "accounts": {},
                   "unrestored": {LAB: "lab 01 could not be restored: ...; run `computelab "
                                       "reset 01` to start that lab afresh."}})
    with pytest.raises(SandboxError, match="computelab reset 01"):
        lab_account(sandbox.endpoint, LAB, False)
    assert lab_account(sandbox.endpoint, LAB, False, fresh=True).account_id
    assert lab_account(sandbox.endpoint, LAB, False).account_id  # no longer refused


@pytest.mark.slow
def test_a_replay_that_diverges_is_reported_by_lab_and_stops_there(journaled, tmp_path):
    aws = lab_aws(find_lab(LAB), journaled.endpoint)
    client = aws.client("ec2")
    client.create_key_pair(KeyName="one")
    client.create_key_pair(KeyName="two")
    path = tmp_path / "state" / f"{LAB}.jsonl"
    lines = path.read_text().splitlines()
    first = json.loads(lines[1])
    first["ids"] = ["key-00000000deadbeef"]
    lines[1] = json.dumps(first)
    head = json.loads(lines[0])
    head["moto"] = "5.0.0"  # an upgrade since: the message says so
    lines[0] = json.dumps(head)
    path.write_text("\n".join(lines) + "\n")
    result = restore_in_new_process(tmp_path / "state")
    assert result[LAB] == {"requests": 0, "problem": (
        "lab 01 could not be restored: request 1 (CreateKeyPair) gave different ids in the "
        f"answer (saved with moto 5.0.0, now {moto_version()}); run `computelab reset 01` to "
        "start that lab afresh.")}


@pytest.mark.slow
def test_replayed_resources_keep_their_creation_times(journaled, tmp_path):
    aws = lab_aws(find_lab("09-ebs-storage"), journaled.endpoint)
    client = aws.client("ec2")
    for _ in range(2):
        client.create_volume(AvailabilityZone="us-east-1a", Size=1)
    before = {v["VolumeId"]: v["CreateTime"].isoformat()
              for v in client.describe_volumes()["Volumes"]}
    after = restore_in_new_process(tmp_path / "state")["09-ebs-storage"]["volumes"]
    assert after == before


@pytest.mark.slow
@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.id)
def test_every_lab_solved_scores_the_same_after_a_restart(lab: Lab, journaled, tmp_path):
    aws = lab_aws(lab, journaled.endpoint)
    lab.solve_fn()(aws)
    scores = {t.name: t.score for t in check_lab(lab, aws).tests}
    restored = restore_in_new_process(tmp_path / "state")[lab.id]
    assert restored["problem"] == ""
    assert restored["requests"] == len(read_log(tmp_path / "state" / f"{lab.id}.jsonl")[1])
    assert restored["scores"] == scores


def test_only_a_sandbox_given_a_journal_records(tmp_path):
    """Grading servers (grader.sandbox.template) and kernel sandboxes build the default
    layers: no journal among them. The trainer's adds it just outside the accounts route."""
    from grader.sandbox.app import DEFAULT_LAYERS, AccountsRoute
    from grader.sandbox.local import journaled_layers

    journal = Journal(tmp_path)
    assert not any(isinstance(getattr(layer, "__self__", None), Journal)
                   for layer in DEFAULT_LAYERS)
    layers = journaled_layers(journal)
    at = layers.index(AccountsRoute)
    assert layers[at - 1] == journal.wrap
    assert [x for x in layers if x != journal.wrap] == list(DEFAULT_LAYERS)
    assert Sandbox().journal is None
