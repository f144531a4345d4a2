"""The check engine: statuses, points, results shape, and the public API."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

import grader
from grader.checks import check, collect, run_check, run_checks, zero_result
from grader.results import LabResult, render_html


@check(points=2, hint="do the thing")
def passes(aws):
    """Thing one is done"""


@check(points=3, hint="create it")
def fails(aws):
    """Thing two is done"""
    assert aws == "ready", "Thing two is missing."


@check(points=1, hint="h")
def aws_error(aws):
    """AWS error"""
    raise ClientError({"Error": {"Code": "NoSuchEntity", "Message": "role x"}}, "GetRole")


@check(points=1, hint="h")
def buggy(aws):
    """Buggy check"""
    return 1 / 0


def test_collect_keeps_definition_order():
    assert [s.name for s in collect(globals())] == ["passes", "fails", "aws_error", "buggy"]
    assert collect(globals())[0].title == "Thing one is done"


def test_statuses_and_all_or_nothing_points():
    specs = {s.name: s for s in collect(globals())}
    assert run_check(specs["passes"], None).score == 2
    failed = run_check(specs["fails"], None)
    assert (failed.status, failed.score, failed.output) == ("failed", 0, "Thing two is missing.")
    aws = run_check(specs["aws_error"], None)
    assert aws.status == "failed" and "NoSuchEntity" in aws.output
    bug = run_check(specs["buggy"], None)
    assert bug.status == "error" and "ZeroDivisionError" in bug.output


def test_lab_result_totals_and_round_trip():
    result = run_checks("demo", collect(globals()), None)
    assert (result.score, result.max_score, result.status) == (2, 7, "failed")
    data = result.to_dict()
    assert set(data) == {"lab", "score", "max_score", "status", "output", "stamp", "tests"}
    assert set(data["tests"][0]) == {"name", "title", "score", "max_score", "status", "output",
                                     "hint", "resources"}
    assert LabResult.from_dict(data).to_dict() == data
    assert run_checks("demo", collect(globals())[:1], None).status == "passed"


def test_zero_result_marks_every_check():
    result = zero_result("demo", collect(globals()), "timeout", "Stopped after 5 s.")
    assert result.score == 0 and result.max_score == 7
    assert {t.status for t in result.tests} == {"timeout"}


def test_html_panel_escapes_and_shows_hints_only_for_failures():
    result = run_checks("demo", collect(globals()), None)
    result.tests[1].output = "<script>x</script>"
    html = render_html(result)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<details>") == 3
    assert "Total: 2/7" in html
    assert result._repr_html_() == html


@pytest.mark.parametrize("name", ["AWS", "CheckResult", "ComputeLabError", "LabResult",
                                  "Status", "__version__", "check", "connect", "fail",
                                  "practice"])
def test_public_api_is_pinned(name):
    assert name in grader.__all__
    assert hasattr(grader, name)


def test_public_api_has_nothing_else():
    assert sorted(grader.__all__) == ["AWS", "CheckResult", "ComputeLabError", "LabResult",
                                      "Status", "__version__", "check", "connect", "fail",
                                      "practice"]


def test_fail_names_the_resources_and_they_survive_serialisation():
    from grader.checks import collect, run_checks
    from grader.results import LabResult

    @grader.check(points=2, hint="Open port 22 to one CIDR only.")
    def ssh_narrow(aws):
        """SSH open to one CIDR"""
        grader.fail("web-sg opens SSH to 0.0.0.0/0.", "sg-0abc", "web-sg")

    @grader.check(points=1)
    def plain(aws):
        """Plain assert"""
        raise AssertionError("nothing named")

    result = run_checks("01", collect(locals()), None)
    assert [t.resources for t in result.tests] == [["sg-0abc", "web-sg"], []]
    assert result.tests[0].output == "web-sg opens SSH to 0.0.0.0/0."
    again = LabResult.from_dict(result.to_dict())
    assert again.tests[0].resources == ["sg-0abc", "web-sg"]


def test_every_result_carries_the_version_and_the_checks_hash(tmp_path):
    from grader.labs import find_lab
    from grader.labs.model import load_lab

    lab = find_lab("01")
    result = run_checks(lab.id, lab.checks(), None)
    assert result.stamp.startswith(f"computelab {grader.__version__}, checks ")
    assert zero_result(lab.id, lab.checks(), "error", "x").stamp == result.stamp
    import shutil
    copy = tmp_path / lab.id
    shutil.copytree(lab.path, copy)
    (copy / "checks.py").write_text((copy / "checks.py").read_text() + "\n# edited\n")
    edited = load_lab(copy)
    assert run_checks(lab.id, edited.checks(), None).stamp != result.stamp


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_marks_and_buttons_keep_wcag_aa_contrast_whatever_the_theme():
    """White on a solid badge or button: the theme's background does not matter."""
    from grader.results import MARKS
    from grader.ui.check_panel import BUTTON_COLORS

    for background in [m[0] for m in MARKS.values()] + list(BUTTON_COLORS.values()):
        assert _contrast(background, "#ffffff") >= 4.5, background


def test_panel_puts_the_mark_by_the_title_and_says_when_it_checked():
    result = run_checks("demo", collect(globals()), None)
    html = render_html(result, checked_at="12:34:56")
    assert "Checked at 12:34:56." in html
    assert "aria-label='passed'" in html and "aria-label='failed'" in html
    assert "Done." not in html  # passing rows carry no message
