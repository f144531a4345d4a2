"""Sandbox corrections for EMR and EMR Serverless (lab 11).

moto 5.2.5 keeps an EMR cluster's steps RUNNING forever (so the ``step_complete`` waiter
never returns and a transient cluster never terminates), drops ``AutoTerminationPolicy``
and ``Instances.InstanceFleets`` from run_job_flow, has no get/put/remove auto-termination
policy, list_instance_fleets or add_instance_fleet, and accepts release labels that do not
exist. Its EMR Serverless applications start at once, take any maximumCapacity text, and
every job run succeeds, also for a script that is not in S3.

What the sandbox does instead: a step "runs" as soon as it is added, COMPLETED when the
script it submits is in the account's S3 (FAILED when it is not, with the step's
ActionOnFailure applied), and a cluster with KeepJobFlowAliveWhenNoSteps false terminates
after its last step, as on AWS. Instance fleets and the auto-termination policy are kept
on the cluster and answered from there. Request-level corrections are registered with
``corrections.corrects``, model patches with ``patches.applies_to``.
"""

from __future__ import annotations

import functools
import json
import random
import re
import string
from collections.abc import Iterable
from typing import Any

from grader.sandbox.fidelity import patches
from grader.sandbox.fidelity.corrections import Forward, corrects
from grader.sandbox.fidelity.wire import AwsRequest, Response

SIGNING = "elasticmapreduce"
IDLE_TIMEOUT = (60, 604_800)  # seconds: 1 minute to 7 days
SERVERLESS_FIRST = (6, 6, 0)  # EMR Serverless starts with emr-6.6.0
STEP_TERMINATES = ("TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW")
STEP_STOPS = (*STEP_TERMINATES, "CANCEL_AND_WAIT")
# spark-submit options that take no value (everything else starting with -- takes one)
SPARK_FLAGS = {"--verbose", "-v", "--supervise", "--help", "-h", "--version", "--kill",
               "--status"}
_CAPACITY = {"cpu": re.compile(r"^[1-9][0-9]*(\s)?(vCPU|vcpu|VCPU)?$"),
             "memory": re.compile(r"^[1-9][0-9]*(\s)?(GB|gb|gB|Gb)?$"),
             "disk": re.compile(r"^[1-9][0-9]*(\s)?(GB|gb|gB|Gb)$")}


# --- what a step or job run submits -----------------------------------------------------------

def plain(value: Any) -> Any:
    """moto's parsed parameters (case-folding dicts) as plain JSON values, keys as sent."""
    if hasattr(value, "original_dict"):
        value = value.original_dict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def spark_script(args: Iterable[str]) -> str | None:
    """The application file of a ``spark-submit ...`` argument list (the first argument
    that is neither an option nor an option's value), or None."""
    args = list(args)
    if not args or args[0] != "spark-submit":
        return None
    rest = iter(args[1:])
    for arg in rest:
        if arg.startswith("-"):
            if arg not in SPARK_FLAGS and "=" not in arg:
                next(rest, None)
            continue
        return arg
    return None


def missing_object(account_id: str, uri: str | None) -> str | None:
    """Why ``uri`` (s3://bucket/key) cannot be read in the account, or None when it can
    (or is not an S3 URI the sandbox can judge)."""
    if not uri or not uri.startswith("s3://"):
        return None
    from moto.s3.models import s3_backends

    bucket_name, _, key = uri[len("s3://"):].partition("/")
    bucket = s3_backends[account_id]["aws"].buckets.get(bucket_name)
    if bucket is None:
        return f"the bucket {bucket_name} does not exist in this account"
    if not key or bucket.keys.get(key) is None:
        return f"there is no object {uri}"
    return None


# --- EMR on EC2: steps run at once ------------------------------------------------------------

def _now() -> Any:
    from moto.core.utils import utcnow

    return utcnow()


def settle(cluster: Any, account_id: str) -> None:
    """Run every PENDING or RUNNING step now, in order, and put the cluster where AWS would
    after them: TERMINATED after the last step of a transient cluster, TERMINATED_WITH_ERRORS
    when a failed step's ActionOnFailure terminates it, else WAITING.

    AWS: https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-plan-longrunning-transient.html
    https://docs.aws.amazon.com/emr/latest/APIReference/API_StepConfig.html (ActionOnFailure)
    """
    stopped_by = None
    for step in cluster.steps:
        if step.state not in ("PENDING", "RUNNING"):
            continue
        if stopped_by:
            step.state, step.end_date_time = "CANCELLED", _now()
            continue
        step.start_date_time = step.start_date_time or _now()
        script = spark_script(step.args) if step.jar == "command-runner.jar" else None
        problem = missing_object(account_id, script)
        step.end_date_time = _now()
        if problem is None:
            step.state = "COMPLETED"
            continue
        step.state = "FAILED"
        step.failure_details = {"Reason": "The step failed: its script could not be read.",
                                "Message": f"spark-submit: {problem}."}
        if step.action_on_failure in STEP_STOPS:
            stopped_by = step.action_on_failure
    if stopped_by in STEP_TERMINATES:
        cluster.terminate()
        cluster.state = "TERMINATED_WITH_ERRORS"
        cluster.state_change_code, cluster.last_state_change_reason = (
            "STEP_FAILURE", "Shut down as step failed")
    elif not cluster.keep_job_flow_alive_when_no_steps and cluster.state != "TERMINATED":
        cluster.terminate()
        cluster.state_change_code, cluster.last_state_change_reason = (
            "ALL_STEPS_COMPLETED", "Steps completed")
    elif cluster.state != "TERMINATED":
        cluster.state = "WAITING"


def _random_id(prefix: str) -> str:
    return prefix + "".join(random.choices(string.ascii_uppercase + string.digits, k=13))


def fleet_from(config: dict[str, Any], cluster_state: str) -> dict[str, Any]:
    """An InstanceFleet (as list_instance_fleets shows it) from an InstanceFleetConfig."""
    on_demand = int(config.get("TargetOnDemandCapacity") or 0)
    spot = int(config.get("TargetSpotCapacity") or 0)
    specs = [{k: v for k, v in {
        "InstanceType": c.get("InstanceType"),
        "WeightedCapacity": int(c.get("WeightedCapacity") or 1),
        "BidPrice": c.get("BidPrice"),
        "BidPriceAsPercentageOfOnDemandPrice": c.get("BidPriceAsPercentageOfOnDemandPrice"),
        "Configurations": c.get("Configurations"),
    }.items() if v is not None} for c in config.get("InstanceTypeConfigs") or []]
    running = cluster_state not in ("TERMINATED", "TERMINATED_WITH_ERRORS")
    now = _now().timestamp()
    fleet: dict[str, Any] = {
        "Id": _random_id("if-"), "Name": config.get("Name", ""),
        "Status": {"State": "RUNNING" if running else "TERMINATED",
                   "StateChangeReason": {},
                   "Timeline": {"CreationDateTime": now, "ReadyDateTime": now}},
        "InstanceFleetType": config.get("InstanceFleetType"),
        "TargetOnDemandCapacity": on_demand, "TargetSpotCapacity": spot,
        "ProvisionedOnDemandCapacity": on_demand if running else 0,
        "ProvisionedSpotCapacity": spot if running else 0,
        "InstanceTypeSpecifications": specs,
    }
    if config.get("LaunchSpecifications"):
        fleet["LaunchSpecifications"] = config["LaunchSpecifications"]
    if config.get("ResizeSpecifications"):
        fleet["ResizeSpecifications"] = config["ResizeSpecifications"]
    return fleet


def fleet_problem(config: dict[str, Any]) -> str | None:
    """Why RunJobFlow would refuse this InstanceFleetConfig, or None.

    AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceFleetConfig.html
    """
    kind = config.get("InstanceFleetType")
    on_demand = int(config.get("TargetOnDemandCapacity") or 0)
    spot = int(config.get("TargetSpotCapacity") or 0)
    if not config.get("InstanceTypeConfigs"):
        return f"The {kind} instance fleet needs at least one InstanceTypeConfigs entry."
    if kind == "MASTER" and sorted((on_demand, spot)) != [0, 1]:
        return ("For the MASTER instance fleet, exactly one of TargetOnDemandCapacity and "
                "TargetSpotCapacity must be specified, and its value must be 1.")
    return None


def idle_timeout_problem(policy: Any) -> str | None:
    """Why an AutoTerminationPolicy would be refused, or None.

    AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html
    """
    timeout = (policy or {}).get("IdleTimeout")
    if timeout is None:
        return None
    if not IDLE_TIMEOUT[0] <= int(timeout) <= IDLE_TIMEOUT[1]:
        return (f"IdleTimeout {timeout} is out of range: specify {IDLE_TIMEOUT[0]} to "
                f"{IDLE_TIMEOUT[1]} seconds (seven days).")
    return None


@patches.applies_to(SIGNING)
def _emr_runs_like_aws() -> None:
    """run_job_flow validates the release label, the instance fleets and the idle timeout,
    keeps AutoTerminationPolicy and InstanceFleets, and runs the steps; add_job_flow_steps
    runs the new steps. Steps show FailureDetails; clusters their StateChangeReason Code.

    AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_RunJobFlow.html
    """
    from moto.emr.exceptions import ValidationException
    from moto.emr.models import Cluster, Step
    from moto.emr.responses import ElasticMapReduceResponse

    original_run = ElasticMapReduceResponse.run_job_flow

    @functools.wraps(original_run)
    def run_job_flow(self: Any) -> Any:
        label = self._get_param("ReleaseLabel")
        if label and label not in self.backend.list_release_labels():
            raise ValidationException(
                f"The release label '{label}' is not a valid Amazon EMR release: "
                "emr.list_release_labels() lists those of this Region.")
        policy = plain(self._get_param("AutoTerminationPolicy"))
        fleets = plain(self._get_param("Instances.InstanceFleets", []) or [])
        problem = idle_timeout_problem(policy) or next(
            (p for p in map(fleet_problem, fleets) if p), None)
        if problem:
            raise ValidationException(problem)
        result: Any = original_run(self)
        cluster = self.backend.clusters[result.result["JobFlowId"]]
        cluster.auto_termination_policy = policy or None
        cluster.instance_collection_type = "INSTANCE_FLEET" if fleets else "INSTANCE_GROUP"
        settle(cluster, self.current_account)
        cluster.instance_fleets = [fleet_from(f, cluster.state) for f in fleets]
        return result

    ElasticMapReduceResponse.run_job_flow = run_job_flow  # type: ignore[method-assign]
    original_add = ElasticMapReduceResponse.add_job_flow_steps

    @functools.wraps(original_add)
    def add_job_flow_steps(self: Any) -> Any:
        cluster = self.backend.clusters.get(self._get_param("JobFlowId"))
        if cluster is not None and cluster.state in ("TERMINATED", "TERMINATED_WITH_ERRORS"):
            raise ValidationException(
                f"A job flow that is shutting down, terminated, or finished may not be "
                f"modified: {cluster.id} is {cluster.state}.")
        result = original_add(self)
        if cluster is not None:
            settle(cluster, self.current_account)
        return result

    ElasticMapReduceResponse.add_job_flow_steps = add_job_flow_steps  # type: ignore[method-assign]
    step_status: Any = Step.status

    def status(self: Any) -> dict[str, Any]:
        shown = dict(step_status.fget(self))
        if getattr(self, "failure_details", None):
            shown["FailureDetails"] = self.failure_details
        return shown

    Step.status = property(status)  # type: ignore[assignment,method-assign]
    cluster_status: Any = Cluster.status

    def cluster_status_with_code(self: Any) -> dict[str, Any]:
        shown = dict(cluster_status.fget(self))
        code = getattr(self, "state_change_code", None)
        if code:
            shown["StateChangeReason"] = {**shown["StateChangeReason"], "Code": code}
        return shown

    Cluster.status = property(cluster_status_with_code)  # type: ignore[assignment,method-assign]


@patches.applies_to(SIGNING)
def _emr_is_regional() -> None:
    """An EMR request acts in the Region it is signed for (moto put every request to a
    loopback endpoint in us-east-1, so a client made for eu-west-1 wrote there).

    AWS: https://docs.aws.amazon.com/general/latest/gr/emr.html (an endpoint per Region)
    """
    from moto.core.responses import BaseResponse
    from moto.emr.responses import ElasticMapReduceResponse

    def get_region_from_url(self: Any, request: Any, full_url: str) -> str:
        for regex in ElasticMapReduceResponse.emr_region_regex:
            match = regex.search(self.parsed_url.netloc)
            if match:
                return match.group(1)
        return BaseResponse.get_region_from_url(self, request, full_url)

    ElasticMapReduceResponse.get_region_from_url = get_region_from_url  # type: ignore[method-assign]


# --- EMR on EC2: what moto lacks, answered from the cluster ---------------------------------

def _json(body: dict[str, Any]) -> Response:
    return Response(200, [("Content-Type", "application/x-amz-json-1.1")],
                    json.dumps(body).encode())


def _cluster(request: AwsRequest) -> tuple[Any, Response | None]:
    """The cluster the request names, or the error AWS answers for an unknown id."""
    from moto.emr.models import emr_backends

    cluster_id = request.json().get("ClusterId", "")
    cluster = emr_backends[request.account_id][request.region].clusters.get(cluster_id)
    if cluster is None:
        return None, request.error("InvalidRequestException",
                                   f"Cluster id '{cluster_id}' is not valid.")
    return cluster, None


@corrects(SIGNING, "GetAutoTerminationPolicy")
def get_auto_termination_policy(request: AwsRequest, forward: Forward) -> Response:
    """The cluster's auto-termination policy, as run_job_flow or put set it (none: {}).

    AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_GetAutoTerminationPolicy.html
    """
    cluster, error = _cluster(request)
    if error:
        return error
    policy = getattr(cluster, "auto_termination_policy", None)
    return _json({"AutoTerminationPolicy": policy} if policy else {})


@corrects(SIGNING, "PutAutoTerminationPolicy")
def put_auto_termination_policy(request: AwsRequest, forward: Forward) -> Response:
    """AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_PutAutoTerminationPolicy.html"""
    cluster, error = _cluster(request)
    if error:
        return error
    policy = request.json().get("AutoTerminationPolicy") or {}
    problem = idle_timeout_problem(policy)
    if problem:
        return request.error("ValidationException", problem)
    cluster.auto_termination_policy = {"IdleTimeout": int(policy.get("IdleTimeout", 3600))}
    return _json({})


@corrects(SIGNING, "RemoveAutoTerminationPolicy")
def remove_auto_termination_policy(request: AwsRequest, forward: Forward) -> Response:
    """AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_RemoveAutoTerminationPolicy.html"""
    cluster, error = _cluster(request)
    if error:
        return error
    cluster.auto_termination_policy = None
    return _json({})


@corrects(SIGNING, "ListInstanceFleets")
def list_instance_fleets(request: AwsRequest, forward: Forward) -> Response:
    """The cluster's instance fleets as run_job_flow and add_instance_fleet made them (a
    cluster of instance groups has none).

    AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_ListInstanceFleets.html
    """
    cluster, error = _cluster(request)
    if error:
        return error
    return _json({"InstanceFleets": list(getattr(cluster, "instance_fleets", []))})


@corrects(SIGNING, "AddInstanceFleet")
def add_instance_fleet(request: AwsRequest, forward: Forward) -> Response:
    """Add a TASK instance fleet to a running cluster of instance fleets.

    AWS: https://docs.aws.amazon.com/emr/latest/APIReference/API_AddInstanceFleet.html
    """
    cluster, error = _cluster(request)
    if error:
        return error
    config = request.json().get("InstanceFleet") or {}
    fleets = getattr(cluster, "instance_fleets", [])
    if getattr(cluster, "instance_collection_type", "") != "INSTANCE_FLEET":
        return request.error("InvalidRequestException",
                             "Instance fleets can only be added to a cluster that uses "
                             "instance fleets; this one uses instance groups.")
    if cluster.state in ("TERMINATED", "TERMINATED_WITH_ERRORS"):
        return request.error("InvalidRequestException",
                             f"The cluster {cluster.id} is {cluster.state}.")
    problem = fleet_problem(config) or (
        None if config.get("InstanceFleetType") == "TASK"
        else "Only a TASK instance fleet can be added to a running cluster.")
    if problem:
        return request.error("ValidationException", problem)
    fleet = fleet_from(config, cluster.state)
    cluster.instance_fleets = [*fleets, fleet]
    return _json({"ClusterId": cluster.id, "InstanceFleetId": fleet["Id"],
                  "ClusterArn": cluster.arn})


# --- EMR Serverless -----------------------------------------------------------------------------

def release_tuple(label: str) -> tuple[int, ...] | None:
    match = re.fullmatch(r"emr-(\d+)\.(\d+)\.(\d+)", label or "")
    return tuple(int(n) for n in match.groups()) if match else None


def capacity_problem(capacity: Any) -> str | None:
    """Why AWS would refuse this maximumCapacity, or None.

    AWS: https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_MaximumAllowedResources.html
    """
    if capacity is None:
        return None
    for field in ("cpu", "memory"):
        if not capacity.get(field):
            return f"maximumCapacity.{field} is required."
    for field, pattern in _CAPACITY.items():
        value = capacity.get(field)
        if value is not None and (len(str(value)) > 15 or not pattern.match(str(value))):
            return (f"maximumCapacity.{field} '{value}' does not match the pattern "
                    f"{pattern.pattern}.")
    return None


@patches.applies_to("emr-serverless")
def _serverless_like_aws() -> None:
    """create_application refuses a malformed maximumCapacity and a release label EMR
    Serverless does not have, and leaves the application CREATED (auto-start starts it at
    the first job run); a job run whose entry point is not in S3 FAILS.

    AWS: https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_CreateApplication.html
    https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/app-behavior.html
    """
    from moto.emr.models import emr_backends
    from moto.emrserverless.exceptions import ValidationException
    from moto.emrserverless.models import EMRServerlessBackend

    original_create = EMRServerlessBackend.create_application

    @functools.wraps(original_create)
    def create_application(self: Any, name: str, release_label: str, application_type: str,
                           *args: Any, **kwargs: Any) -> Any:
        labels = emr_backends[self.account_id][self.region_name].list_release_labels()
        version = release_tuple(release_label)
        if release_label not in labels or version is None or version < SERVERLESS_FIRST:
            raise ValidationException(
                f"Type '{application_type}' is not supported for release label "
                f"'{release_label}' or release label does not exist")
        problem = capacity_problem(kwargs.get("maximum_capacity"))
        if problem:
            raise ValidationException(problem)
        application = original_create(self, name, release_label, application_type,
                                      *args, **kwargs)
        application.state = "CREATED"
        return application

    EMRServerlessBackend.create_application = create_application  # type: ignore[method-assign]
    original_run = EMRServerlessBackend.start_job_run

    @functools.wraps(original_run)
    def start_job_run(self: Any, application_id: str, *args: Any, **kwargs: Any) -> Any:
        application = self.get_application(application_id)
        if application.state in ("CREATED", "STOPPED"):
            if not (application.auto_start_configuration or {}).get("enabled", True):
                raise ValidationException(
                    f"Application {application_id} is {application.state} and auto-start "
                    "is disabled: start it with start_application first.")
            application.state = "STARTED"
        job_run = original_run(self, application_id, *args, **kwargs)
        entry = ((job_run.job_driver or {}).get("sparkSubmit") or {}).get("entryPoint")
        problem = missing_object(self.account_id, entry if isinstance(entry, str) else None)
        if problem:
            job_run.state, job_run.state_details = "FAILED", f"Job failed: {problem}."
        return job_run

    EMRServerlessBackend.start_job_run = start_job_run  # type: ignore[method-assign]
