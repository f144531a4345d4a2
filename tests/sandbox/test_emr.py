"""The EMR and EMR Serverless corrections (grader/sandbox/fidelity/emr.py), against a real
sandbox: each test names the AWS page the behaviour follows."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from grader.aws import AWS
from grader.sandbox import create_account

GROUPS = [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
          {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2}]
FLEETS = [{"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
           "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
          {"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 2,
           "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]}]
TASK_FLEET = {"InstanceFleetType": "TASK", "TargetSpotCapacity": 4,
              "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"},
                                      {"InstanceType": "m5a.xlarge", "WeightedCapacity": 2}],
              "LaunchSpecifications": {"SpotSpecification": {
                  "TimeoutDurationMinutes": 10, "TimeoutAction": "SWITCH_TO_ON_DEMAND",
                  "AllocationStrategy": "price-capacity-optimized"}}}


@pytest.fixture(scope="module")
def aws(sandbox):
    handle = AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))
    s3 = handle.client("s3")
    s3.create_bucket(Bucket="emr-fidelity")
    s3.put_object(Bucket="emr-fidelity", Key="jobs/ok.py", Body=b"print(1)\n")
    return handle


def step(script, on_failure="TERMINATE_CLUSTER", name="job"):
    return {"Name": name, "ActionOnFailure": on_failure,
            "HadoopJarStep": {"Jar": "command-runner.jar",
                              "Args": ["spark-submit", "--deploy-mode", "cluster", script]}}


def launch(emr, keep_alive=False, steps=(), instances=None, **extra):
    return emr.run_job_flow(Name="t", ReleaseLabel="emr-7.14.0",
                            Instances={**(instances or {"InstanceGroups": GROUPS}),
                                       "KeepJobFlowAliveWhenNoSteps": keep_alive},
                            Steps=list(steps), **extra)["JobFlowId"]


def status(emr, cluster_id):
    return emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]


def step_states(emr, cluster_id):
    return [s["Status"]["State"] for s in reversed(emr.list_steps(ClusterId=cluster_id)["Steps"])]


def error_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def test_transient_cluster_runs_its_step_and_terminates(aws):
    """https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-plan-longrunning-transient.html
    a cluster without KeepJobFlowAliveWhenNoSteps terminates after its last step."""
    emr = aws.client("emr")
    cluster_id = launch(emr, steps=[step("s3://emr-fidelity/jobs/ok.py")])
    step_id = emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Id"]
    emr.get_waiter("step_complete").wait(ClusterId=cluster_id, StepId=step_id,
                                         WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    shown = status(emr, cluster_id)
    assert (shown["State"], shown["StateChangeReason"]["Code"]) == (
        "TERMINATED", "ALL_STEPS_COMPLETED")
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["AutoTerminate"] is True


def test_step_without_its_script_fails_and_ends_the_cluster(aws):
    """https://docs.aws.amazon.com/emr/latest/APIReference/API_StepConfig.html: ActionOnFailure
    TERMINATE_CLUSTER ends the cluster; the steps after it are cancelled."""
    emr = aws.client("emr")
    cluster_id = launch(emr, keep_alive=True, steps=[
        step("s3://emr-fidelity/jobs/missing.py"), step("s3://emr-fidelity/jobs/ok.py")])
    assert step_states(emr, cluster_id) == ["FAILED", "CANCELLED"]
    failed = emr.list_steps(ClusterId=cluster_id)["Steps"][-1]["Status"]
    assert "s3://emr-fidelity/jobs/missing.py" in failed["FailureDetails"]["Message"]
    assert status(emr, cluster_id)["State"] == "TERMINATED_WITH_ERRORS"


@pytest.mark.parametrize(("on_failure", "states", "cluster"), [
    ("CONTINUE", ["FAILED", "COMPLETED"], "WAITING"),
    ("CANCEL_AND_WAIT", ["FAILED", "CANCELLED"], "WAITING"),
])
def test_other_failure_actions_keep_the_cluster(aws, on_failure, states, cluster):
    emr = aws.client("emr")
    cluster_id = launch(emr, keep_alive=True)
    emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        step("s3://nowhere-bucket/x.py", on_failure), step("s3://emr-fidelity/jobs/ok.py")])
    assert step_states(emr, cluster_id) == states
    assert status(emr, cluster_id)["State"] == cluster


def test_steps_cannot_be_added_to_a_terminated_cluster(aws):
    emr = aws.client("emr")
    cluster_id = launch(emr)
    assert status(emr, cluster_id)["State"] == "TERMINATED"
    error = error_of(lambda: emr.add_job_flow_steps(
        JobFlowId=cluster_id, Steps=[step("s3://emr-fidelity/jobs/ok.py")]))
    assert error["Code"] == "ValidationException"


def test_auto_termination_policy_is_kept_put_and_removed(aws):
    """https://docs.aws.amazon.com/emr/latest/APIReference/API_GetAutoTerminationPolicy.html"""
    emr = aws.client("emr")
    cluster_id = launch(emr, keep_alive=True, AutoTerminationPolicy={"IdleTimeout": 900})
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)[
        "AutoTerminationPolicy"] == {"IdleTimeout": 900}
    emr.put_auto_termination_policy(ClusterId=cluster_id,
                                    AutoTerminationPolicy={"IdleTimeout": 120})
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)[
        "AutoTerminationPolicy"] == {"IdleTimeout": 120}
    emr.remove_auto_termination_policy(ClusterId=cluster_id)
    assert "AutoTerminationPolicy" not in emr.get_auto_termination_policy(ClusterId=cluster_id)
    assert status(emr, cluster_id)["State"] == "WAITING"


@pytest.mark.parametrize("timeout", [59, 604_801])
def test_idle_timeout_out_of_range_is_refused(aws, timeout):
    """https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html
    "a minimum of 60 seconds and a maximum of 604800 seconds (seven days)"."""
    emr = aws.client("emr")
    error = error_of(lambda: launch(emr, keep_alive=True,
                                    AutoTerminationPolicy={"IdleTimeout": timeout}))
    assert error["Code"] == "ValidationException" and "IdleTimeout" in error["Message"]
    cluster_id = launch(emr, keep_alive=True)
    error = error_of(lambda: emr.put_auto_termination_policy(
        ClusterId=cluster_id, AutoTerminationPolicy={"IdleTimeout": timeout}))
    assert error["Code"] == "ValidationException"


def test_unknown_cluster_is_an_invalid_request(aws):
    error = error_of(lambda: aws.client("emr").get_auto_termination_policy(ClusterId="j-NOPE"))
    assert error["Code"] == "InvalidRequestException"


def test_release_label_must_exist(aws):
    """https://docs.aws.amazon.com/emr/latest/APIReference/API_ListReleaseLabels.html"""
    emr = aws.client("emr")
    assert "emr-7.14.0" in emr.list_release_labels()["ReleaseLabels"]
    error = error_of(lambda: emr.run_job_flow(Name="t", ReleaseLabel="emr-7.99.0",
                                              Instances={"InstanceGroups": GROUPS}))
    assert error["Code"] == "ValidationException" and "emr-7.99.0" in error["Message"]


def test_instance_fleets_are_kept_and_listed(aws):
    """https://docs.aws.amazon.com/emr/latest/APIReference/API_ListInstanceFleets.html"""
    emr = aws.client("emr")
    cluster_id = launch(emr, keep_alive=True,
                        instances={"InstanceFleets": [*FLEETS, TASK_FLEET]})
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["InstanceCollectionType"] == "INSTANCE_FLEET"
    fleets = {f["InstanceFleetType"]: f
              for f in emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]}
    assert (fleets["MASTER"]["TargetOnDemandCapacity"], fleets["CORE"]["TargetSpotCapacity"],
            fleets["TASK"]["TargetSpotCapacity"]) == (1, 0, 4)
    assert [s["InstanceType"] for s in fleets["TASK"]["InstanceTypeSpecifications"]] == [
        "m5.xlarge", "m5a.xlarge"]
    assert fleets["TASK"]["LaunchSpecifications"]["SpotSpecification"][
        "AllocationStrategy"] == "price-capacity-optimized"


def test_a_task_fleet_can_be_added_and_groups_list_no_fleets(aws):
    """https://docs.aws.amazon.com/emr/latest/APIReference/API_AddInstanceFleet.html"""
    emr = aws.client("emr")
    cluster_id = launch(emr, keep_alive=True, instances={"InstanceFleets": FLEETS})
    added = emr.add_instance_fleet(ClusterId=cluster_id, InstanceFleet=TASK_FLEET)
    listed = emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]
    assert added["InstanceFleetId"] in [f["Id"] for f in listed] and len(listed) == 3
    groups_cluster = launch(emr, keep_alive=True)
    assert emr.list_instance_fleets(ClusterId=groups_cluster)["InstanceFleets"] == []
    error = error_of(lambda: emr.add_instance_fleet(ClusterId=groups_cluster,
                                                    InstanceFleet=TASK_FLEET))
    assert error["Code"] == "InvalidRequestException"


def test_master_fleet_capacity_must_be_one(aws):
    """https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceFleetConfig.html"""
    master = {**FLEETS[0], "TargetOnDemandCapacity": 2}
    error = error_of(lambda: launch(aws.client("emr"),
                                    instances={"InstanceFleets": [master, FLEETS[1]]}))
    assert error["Code"] == "ValidationException" and "MASTER" in error["Message"]


def test_a_cluster_lives_in_the_region_its_request_is_signed_for(aws):
    """https://docs.aws.amazon.com/general/latest/gr/emr.html: EMR is Regional."""
    ireland = aws.client("emr", region="eu-west-1")
    cluster_id = launch(ireland, keep_alive=True)
    assert cluster_id in [c["Id"] for c in ireland.list_clusters()["Clusters"]]
    assert cluster_id not in [c["Id"] for c in aws.client("emr").list_clusters()["Clusters"]]


# --- EMR Serverless ----------------------------------------------------------------------------


def application(serverless, **extra):
    options = {"name": "a", "type": "SPARK", "releaseLabel": "emr-7.14.0",
               "maximumCapacity": {"cpu": "16 vCPU", "memory": "64 GB"}, **extra}
    return serverless.create_application(**options)["applicationId"]


@pytest.mark.parametrize("capacity", [{"cpu": "16 cores", "memory": "64 GB"},
                                      {"cpu": "16", "memory": "64 GiB"},
                                      {"cpu": "16", "memory": "64", "disk": "200"}])
def test_malformed_maximum_capacity_is_refused(aws, capacity):
    """https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_MaximumAllowedResources.html"""
    error = error_of(lambda: application(aws.client("emr-serverless"),
                                         maximumCapacity=capacity))
    assert error["Code"] == "ValidationException" and "maximumCapacity" in error["Message"]


@pytest.mark.parametrize("label", ["emr-6.5.0", "emr-7.99.0"])
def test_release_without_emr_serverless_is_refused(aws, label):
    """EMR Serverless starts with release 6.6.0:
    https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/release-versions.html"""
    error = error_of(lambda: application(aws.client("emr-serverless"), releaseLabel=label))
    assert error["Code"] == "ValidationException"


def test_application_starts_with_its_first_job_and_a_job_needs_its_script(aws):
    """https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/app-behavior.html
    (auto-start on job submission)."""
    serverless = aws.client("emr-serverless")
    app_id = application(serverless, maximumCapacity={"cpu": "8vCPU", "memory": "32",
                                                      "disk": "20 GB"})
    assert serverless.get_application(applicationId=app_id)["application"]["state"] == "CREATED"
    role = f"arn:aws:iam::{aws.account_id}:role/job"
    states = []
    for entry in ("s3://emr-fidelity/jobs/ok.py", "s3://emr-fidelity/jobs/missing.py"):
        run_id = serverless.start_job_run(applicationId=app_id, executionRoleArn=role,
                                          jobDriver={"sparkSubmit": {"entryPoint": entry}}
                                          )["jobRunId"]
        states.append(serverless.get_job_run(applicationId=app_id,
                                             jobRunId=run_id)["jobRun"]["state"])
    assert states == ["SUCCESS", "FAILED"]
    assert serverless.get_application(applicationId=app_id)["application"]["state"] == "STARTED"


def test_job_on_a_stopped_application_without_auto_start_is_refused(aws):
    serverless = aws.client("emr-serverless")
    app_id = application(serverless, autoStartConfiguration={"enabled": False})
    error = error_of(lambda: serverless.start_job_run(
        applicationId=app_id, executionRoleArn=f"arn:aws:iam::{aws.account_id}:role/job",
        jobDriver={"sparkSubmit": {"entryPoint": "s3://emr-fidelity/jobs/ok.py"}}))
    assert error["Code"] == "ValidationException"
