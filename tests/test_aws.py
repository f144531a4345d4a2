"""No request leaves loopback: proved by refusals, without sending any traffic."""

from __future__ import annotations

import os

import boto3
import botocore.httpsession
import pytest

from grader.aws import (
    apply_lab_environment,
    install_loopback_guard,
    is_loopback_url,
    lab_environment,
)
from grader.errors import UnsafeEndpointError


@pytest.fixture
def no_network(monkeypatch):
    """Record any attempt to actually send an HTTP request."""
    sent = []

    def fake_send(self, request):
        sent.append(request.url)
        raise AssertionError(f"a request was sent to {request.url}")

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", fake_send)
    return sent


@pytest.fixture
def lab_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    env = lab_environment("http://127.0.0.1:1", "AKIAFAKE", "fake", "us-east-1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    install_loopback_guard()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return env


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:5000", True), ("http://localhost:1", True), ("http://[::1]:80", True),
    ("http://127.8.9.10", True), ("https://ec2.us-east-1.amazonaws.com", False),
    ("http://169.254.169.254/latest", False), ("http://10.0.0.1", False),
])
def test_loopback_detection(url, expected):
    assert is_loopback_url(url) is expected


def test_lab_environment_overrides_everything_that_could_reach_aws():
    real = {"AWS_PROFILE": "prod", "AWS_ENDPOINT_URL_EC2": "https://ec2.amazonaws.com",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_SESSION_TOKEN": "tok",
            "AWS_ACCESS_KEY_ID": "AKIAREALLOOKINGKEY12", "AWS_CONFIG_FILE": "/home/u/.aws/config",
            "PATH": "/usr/bin"}
    env = lab_environment("http://127.0.0.1:5000", "AKIALAB", "secret", "us-east-1", base=real)
    assert env["AWS_ACCESS_KEY_ID"] == "AKIALAB"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["AWS_CONFIG_FILE"] == os.devnull == env["AWS_SHARED_CREDENTIALS_FILE"]
    for gone in ("AWS_PROFILE", "AWS_ENDPOINT_URL_EC2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                 "AWS_SESSION_TOKEN"):
        assert gone not in env
    assert env["PATH"] == "/usr/bin"


def test_explicit_real_endpoint_is_refused(lab_env, no_network):
    client = boto3.client("ec2", endpoint_url="https://ec2.us-east-1.amazonaws.com")
    with pytest.raises(UnsafeEndpointError, match="ec2.us-east-1.amazonaws.com"):
        client.describe_instances()
    assert no_network == []


def test_ignoring_configured_endpoints_is_refused(lab_env, no_network, monkeypatch):
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    with pytest.raises(UnsafeEndpointError):
        boto3.client("sts").get_caller_identity()
    assert no_network == []


def test_session_with_a_real_profile_is_refused(lab_env, no_network, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile prod]\nregion = eu-west-1\naws_access_key_id = AKIAREAL\n"
                      "aws_secret_access_key = realsecret\n"
                      "endpoint_url = https://sts.eu-west-1.amazonaws.com\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    session = boto3.Session(profile_name="prod")
    with pytest.raises(UnsafeEndpointError):
        session.client("sts").get_caller_identity()
    assert no_network == []


def test_sandbox_requests_still_pass(lab_env, sandbox, monkeypatch):
    from grader.sandbox import create_account

    account = create_account(sandbox.endpoint)
    apply_lab_environment(lab_environment(sandbox.endpoint, account.access_key_id,
                                          account.secret_access_key, "us-east-1"))
    assert boto3.client("sts").get_caller_identity()["Account"] == account.account_id
