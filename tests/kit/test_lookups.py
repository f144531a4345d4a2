"""grader.lookups on its own: which AWS errors mean "absent" and which stay errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from grader.kit.lookups import error_code, or_fail, or_none


def answer(code):
    """A call that fails the way boto3 does when AWS answers ``code``."""

    def call():
        raise ClientError({"Error": {"Code": code, "Message": "..."}}, "Describe")

    return call


def test_error_code():
    with pytest.raises(ClientError) as caught:
        answer("NoSuchEntity")()
    assert error_code(caught.value) == "NoSuchEntity"
    assert error_code(ClientError({}, "Describe")) == ""


@pytest.mark.parametrize("call, codes, expected", [
    (lambda: {"Role": 1}, ("NoSuchEntity",), {"Role": 1}),
    (answer("NoSuchEntity"), ("NoSuchEntity",), None),
    (answer("TargetGroupNotFound"), ("LoadBalancerNotFound", "TargetGroupNotFound"), None),
])
def test_or_none(call, codes, expected):
    assert or_none(call, *codes) == expected


def test_or_none_lets_other_errors_through():
    with pytest.raises(ClientError):
        or_none(answer("AccessDenied"), "NoSuchEntity")
    with pytest.raises(ClientError):
        or_none(answer("NoSuchEntityX"), "NoSuchEntity")  # codes are compared whole


def test_or_fail_turns_only_its_code_into_the_learners_message():
    assert or_fail(lambda: "found", "ParameterNotFound", "unused") == "found"
    with pytest.raises(AssertionError, match=r"^No SSM parameter /x yet\.$"):
        or_fail(answer("ParameterNotFound"), "ParameterNotFound", "No SSM parameter /x yet.")
    with pytest.raises(ClientError):
        or_fail(answer("ThrottlingException"), "ParameterNotFound", "unused")
