"""The sandbox: loopback only, one account per lab, resets that touch only one lab."""

from __future__ import annotations

import json
import socket

from grader import sandbox as sb
from grader.aws import AWS
from grader.labs import find_lab
from grader.session import lab_aws


def test_server_binds_loopback_only(sandbox):
    host = sandbox._server.server_address[0]
    assert host == "127.0.0.1"
    assert sandbox.endpoint.startswith("http://127.0.0.1:")


def test_ping_identifies_a_computelab_sandbox(sandbox):
    assert sb.is_alive(sandbox.endpoint)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        unused = free.getsockname()[1]
    assert not sb.is_alive(f"http://127.0.0.1:{unused}", timeout=0.5)


def test_accounts_are_isolated_through_plain_credentials(sandbox):
    first = AWS.for_account(sandbox.endpoint, sb.create_account(sandbox.endpoint))
    second = AWS.for_account(sandbox.endpoint, sb.create_account(sandbox.endpoint))
    assert first.client("sts").get_caller_identity()["Account"] == first.account_id
    first.client("ec2").create_key_pair(KeyName="only-in-first")
    names = [k["KeyName"] for k in second.client("ec2").describe_key_pairs()["KeyPairs"]]
    assert "only-in-first" not in names


def test_managed_policies_are_loaded_only_when_asked(sandbox):
    policy = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
    with_policies = AWS.for_account(sandbox.endpoint,
                                    sb.create_account(sandbox.endpoint, managed_policies=True))
    assert with_policies.client("iam").get_policy(PolicyArn=policy)["Policy"]["PolicyName"]
    plain = AWS.for_account(sandbox.endpoint, sb.create_account(sandbox.endpoint))
    arns = [p["Arn"] for p in plain.client("iam").list_policies(Scope="AWS")["Policies"]]
    assert policy not in arns


def test_runtime_file_keeps_lab_accounts_and_reset_touches_one_lab(sandbox):
    sb.publish(sandbox.endpoint)
    lab = find_lab("01")
    first = lab_aws(lab, sandbox.endpoint)
    again = lab_aws(lab, sandbox.endpoint)
    assert again.account_id == first.account_id  # survives a "kernel restart"
    saved = json.loads(sb.runtime_path().read_text())
    assert saved["endpoint"] == sandbox.endpoint
    assert saved["accounts"][lab.id]["account_id"] == first.account_id

    other = sb.lab_account(sandbox.endpoint, "99-other", managed_policies=False)
    fresh = lab_aws(lab, sandbox.endpoint, fresh=True)
    assert fresh.account_id != first.account_id
    kept = sb.read_runtime()["accounts"]["99-other"]["account_id"]
    assert kept == other.account_id


def test_running_endpoint_ignores_a_dead_record(sandbox):
    sb.write_runtime({"endpoint": "http://127.0.0.1:9", "accounts": {}})
    assert sb.running_endpoint() is None
    sb.publish(sandbox.endpoint)
    assert sb.running_endpoint() == sandbox.endpoint


def test_teaching_validation_is_on(sandbox):
    import pytest
    from botocore.exceptions import ClientError

    ec2 = AWS.for_account(sandbox.endpoint, sb.create_account(sandbox.endpoint)).client("ec2")
    with pytest.raises(ClientError, match="InvalidInstanceType"):
        ec2.run_instances(ImageId="ami-0d27e0fb3bac4d724", InstanceType="t9.huge",
                          MinCount=1, MaxCount=1)
    with pytest.raises(ClientError, match="InvalidKeyPair"):
        ec2.run_instances(ImageId="ami-0d27e0fb3bac4d724", InstanceType="t3.micro",
                          MinCount=1, MaxCount=1, KeyName="missing")
