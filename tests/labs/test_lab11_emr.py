"""Lab 11-emr: what is special to this lab.

tests/labs/test_shapes.py already proves, for every lab, that the solution gets full marks,
an untouched account scores zero with messages, and every corpus submission in
tests/labs/corpus/11-emr/ is graded as its name says (ok_*: full marks; bad_*: loses
exactly the checks its LOSES names). Add corpus files first; test here only what they can't.
"""

from __future__ import annotations

import pytest
from labkit import failed, load_module, output

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("11")
CHECKS = load_module(LAB)


@pytest.mark.parametrize(("args", "script"), [
    (["spark-submit", "s3://b/job.py"], "s3://b/job.py"),
    (["spark-submit", "--deploy-mode", "cluster", "--conf", "a=b", "s3://b/j.py", "x"],
     "s3://b/j.py"),
    (["spark-submit", "--verbose", "--conf=a=b", "/home/hadoop/j.py"], "/home/hadoop/j.py"),
    (["hive-script", "--run-hive-script", "s3://b/q.sql"], None),
    ([], None),
])
def test_the_script_of_a_spark_submit_step(args, script):
    assert CHECKS.spark_script(args) == script


@pytest.mark.parametrize(("value", "letters"), [
    ("a,d", ["a", "d"]), ("A and D", ["a", "d"]), ('["d", "a"]', ["d", "a"]),
    ("a; b; d", ["a", "b", "d"]), ("ad", []),
])
def test_answer_letters(value, letters):
    assert CHECKS.answer_letters(value) == letters


@pytest.mark.parametrize(("uri", "parts"), [
    ("s3://bucket/emr-logs/", ("bucket", "emr-logs/")), ("s3n://bucket", ("bucket", "")),
    ("hdfs:///logs", None), (None, None),
])
def test_split_s3(uri, parts):
    assert CHECKS.split_s3(uri) == parts


@pytest.fixture(scope="module")
def account(lab_account):
    """One lab account with the roles, bucket and script the cluster variants share."""
    aws = lab_account("11")
    ns: dict = {}
    source = (LAB.path / "solution.py").read_text()
    head = source.split("# %% [markdown]\n# ## Tasks 3-6")[0]
    with aws.as_boto3_default():
        exec(compile(head, "solution-head", "exec"), ns)  # the lab's own tasks 1 and 2
    return aws, ns["bucket"]


def run_cluster(aws, bucket, *, idle=None, keep_alive=False):
    emr = aws.client("emr")
    options = {"AutoTerminationPolicy": {"IdleTimeout": idle}} if idle else {}
    emr.run_job_flow(
        Name="nightly-spark", ReleaseLabel="emr-7.14.0", LogUri=f"s3://{bucket}/emr-logs/",
        Applications=[{"Name": "Spark"}, {"Name": "Hive"}], ServiceRole="EMR_DefaultRole_V2",
        JobFlowRole="emr-lab-nodes",
        Tags=[{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
        Instances={"InstanceGroups": [
            {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
            {"InstanceRole": "TASK", "Market": "SPOT", "InstanceType": "m5.xlarge",
             "InstanceCount": 2}], "KeepJobFlowAliveWhenNoSteps": keep_alive},
        Steps=[{"Name": "wordcount", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["spark-submit", f"s3://{bucket}/jobs/wordcount.py"]}}], **options)


@pytest.mark.slow  # a lab account with AWS managed policies takes seconds to set up
@pytest.mark.parametrize(("idle", "passes"), [(3600, True), (3601, False), (None, False)])
def test_an_idle_timeout_of_at_most_an_hour(account, idle, passes):
    """The newest nightly-spark is judged: each variant launches a newer one."""
    aws, bucket = account
    run_cluster(aws, bucket, idle=idle, keep_alive=True)
    result = check_lab(LAB, aws)
    assert ("no_idle_cluster" not in failed(result)) is passes
    if not passes:
        assert "idle" in output(result, "no_idle_cluster")
    cluster_checks = {"cluster_release_and_apps", "logs_to_s3", "spot_only_on_task_nodes",
                      "spark_step_completed", "service_role_v2",
                      "instance_profile_least_privilege"}
    assert not cluster_checks & set(failed(result))
