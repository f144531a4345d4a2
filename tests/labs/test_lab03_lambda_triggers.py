"""Lab 03 against a real moto server: what the corpus (tests/labs/corpus/03-*) cannot say by
a score alone: the handler runs in another process, is stopped at the function's Timeout, is
run once per code version (probes cached by CodeSha256), a zip uploaded but never deployed is
called drift, a function made in another Region is reported there; and the schedule syntax."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from labkit import failed, load_module, output

from grader.labs import find_lab
from grader.labs.solve import run_solution
from grader.session import check_lab

LAB = find_lab("03")
HANDLER = "handler_reports_batch_failures"
CORPUS = Path(__file__).resolve().parent / "corpus" / LAB.id
GOOD = (CORPUS / "ok_notebook_steps.py").read_text().split('HANDLER_SOURCE = """')[1].split(
    '"""')[0]


def solved(fresh_aws, name="ok_notebook_steps"):
    aws = fresh_aws(LAB.id)
    run_solution(CORPUS / f"{name}.py", aws)
    return aws


def deploy(aws, source, **settings):
    """Upload ``source`` as app.py and deploy it to order-processor (from S3, as the lab asks)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    bucket = f"order-processor-code-{aws.account_id}"
    aws.client("s3").put_object(Bucket=bucket, Key="v2.zip", Body=buffer.getvalue())
    lam = aws.client("lambda")
    lam.update_function_code(FunctionName="order-processor", S3Bucket=bucket, S3Key="v2.zip")
    if settings:
        lam.update_function_configuration(FunctionName="order-processor", **settings)


@pytest.mark.slow
def test_slow_handler_is_stopped_at_the_function_timeout(fresh_aws):
    aws = solved(fresh_aws)
    deploy(aws, "import time\n\n\ndef handler(event, context):\n    time.sleep(60)\n",
           Timeout=1)
    result = check_lab(LAB, aws)
    assert failed(result) == [HANDLER]
    assert "within 1 s" in output(result, HANDLER)


def test_handler_runs_once_per_code_version_never_in_the_grader(fresh_aws, tmp_path):
    """The handler sees the function's variables, not the grader's; a second check of the
    same deployed code reuses the first outcome (no new process); new code runs again."""
    aws = solved(fresh_aws)
    marker = tmp_path / "ran.txt"
    spy = ("import os\n"
           f"open({str(marker)!r}, 'a').write(f\"{{os.getpid()}} {{os.environ['STAGE']}} "
           "{'COMPUTELAB_HOME' in os.environ}\\n\")\n"
           "os.environ['LEAKED_FROM_HANDLER'] = '1'\n")
    deploy(aws, spy + GOOD)
    assert failed(check_lab(LAB, aws)) == []
    assert failed(check_lab(LAB, aws)) == []
    runs = marker.read_text().splitlines()
    assert len(runs) == 1, "one process for every sample batch, and none on the second click"
    pid, stage, saw_grader_env = runs[0].split()
    assert int(pid) != os.getpid() and stage == "lab" and saw_grader_env == "False"
    assert "LEAKED_FROM_HANDLER" not in os.environ
    deploy(aws, spy + GOOD + "\n# a new version\n")
    check_lab(LAB, aws)
    assert len(marker.read_text().splitlines()) == 2


def test_a_zip_uploaded_but_not_deployed_is_called_drift(fresh_aws):
    aws = solved(fresh_aws, "bad_s3_updated_but_function_not")
    message = output(check_lab(LAB, aws), "deployed_from_s3")
    assert "changed after the last deploy" in message and "update_function_code" in message
    assert "order-processor.zip" in message


def test_the_first_misjudged_body_is_named(fresh_aws):
    aws = solved(fresh_aws, "bad_handler_checks_text_not_json")
    message = output(check_lab(LAB, aws), HANDLER)
    assert "mentions order_id only in a value" in message


def test_a_function_made_in_another_region_is_reported_there(fresh_aws):
    aws = solved(fresh_aws, "bad_everything_in_eu_west_1")
    result = check_lab(LAB, aws)
    assert "Found in eu-west-1; the lab grades us-east-1" in output(result, "execution_role")


VALID = ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)",
         "rate(7 days)", "cron(0 10 * * ? *)", "cron(15 12 * * ? *)",
         "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)", "cron(0/15 * * * ? *)",
         "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)",
         "cron(0 0 L * ? *)", "cron(0 0 ? * 6L *)", "cron(0 12 15W * ? *)",
         "cron(0 0 1 JAN,JUL ? 2030)", "cron(30 6 ? * SUN *)", "cron(0 2 1-15 * ? 2026-2030)"]
INVALID = ["rate(5 minute)", "rate(1 minutes)", "rate(0 minutes)", "rate(1 week)",
           "rate(five minutes)", "rate(1.5 hours)", "rate(5)", "cron(0 10 * * * *)",
           "cron(0 10 ? * ? *)", "cron(0 10 * * ?)", "cron(0 10 * * ? * *)",
           "cron(60 10 * * ? *)", "cron(0 24 * * ? *)", "cron(0 10 32 * ? *)",
           "cron(0 10 * 13 ? *)", "cron(0 10 ? * 8 *)", "cron(0 10 * * ? 1969)",
           "cron(0 ? * * ? *)", "cron(0 10 ? * 2#1,6#3 *)", "cron(0 10 ? * 2#6 *)",
           "cron(0 10 * FOO ? *)", "cron(*/0 10 * * ? *)", "at(2030-01-01T00:00:00)",
           "every day", "", "0 10 * * ? *"]


def test_schedule_expressions_follow_eventbridge_syntax():
    """Rule 13 in detail: AWS's documented examples pass, common slips fail."""
    problem = load_module(LAB).schedule_problem
    assert [e for e in VALID if problem(e)] == []
    assert [e for e in INVALID if not problem(e)] == []
    assert "rate(1 hour)" in problem("rate(1 hours)")
    assert "has 5 fields" in problem("cron(0 2 * * ?)")
    assert "hours field '24'" in problem("cron(0 24 * * ? *)")
