"""Class 7: checks have a deadline. A submission that created so much that reading it
takes forever gets ``timeout`` for the checks that did not finish, and keeps what the
finished ones found."""

from __future__ import annotations

import time

from grader.checks import CheckSpec
from grader.grading.worker import run_checks_within
from grader.results import Status


def _spec(name: str, seconds: float, fails: bool = False) -> CheckSpec:
    def fn(aws):
        time.sleep(seconds)
        assert not fails, f"{name} is not done"

    return CheckSpec(name, name.title(), 2.0, "", fn)


def test_checks_past_the_deadline_report_timeout():
    specs = [_spec("quick", 0), _spec("wrong", 0, fails=True), _spec("endless", 30),
             _spec("after", 0)]
    started = time.monotonic()
    result = run_checks_within("01", specs, aws=None, seconds=0.3)
    assert time.monotonic() - started < 10
    assert [t.status for t in result.tests] == [Status.PASSED, Status.FAILED, Status.TIMEOUT,
                                                Status.TIMEOUT]
    assert result.status == Status.TIMEOUT and result.score == 2.0
    assert "did not finish within 0.3 s" in result.output


def test_checks_within_the_deadline_are_untouched():
    result = run_checks_within("01", [_spec("quick", 0)], aws=None, seconds=5)
    assert result.status == Status.PASSED and result.score == 2.0
