"""``about``/``names``: plain assert failures come out naming the resources judged."""

from __future__ import annotations

import pytest

from grader import check, fail
from grader.aws import AWS
from grader.checks import CheckFailed, collect, run_check
from grader.kit.naming import about, names


def test_about_names_the_resources_of_a_plain_assert():
    with pytest.raises(CheckFailed) as caught, about("spot-ce", ""):
        raise AssertionError("spot-ce is DISABLED")
    assert caught.value.resources == ["spot-ce"]
    assert str(caught.value).startswith("spot-ce is DISABLED")


def test_a_failure_that_names_its_own_resources_keeps_them():
    with pytest.raises(CheckFailed) as caught, about("queue"):
        fail("job 1 failed", "job-1")
    assert caught.value.resources == ["job-1"]


def test_names_decorates_a_check_and_keeps_its_title():
    @check(points=1, hint="h")
    @names("thumbnail")
    def definition(aws):
        """Job definition thumbnail is right"""
        raise AssertionError("thumbnail has no retry strategy")

    result = run_check(collect({"definition": definition})[0], AWS(endpoint=None))
    assert result.title == "Job definition thumbnail is right"
    assert result.resources == ["thumbnail"]
    assert result.output == "thumbnail has no retry strategy"
