"""Checks for lab 11: a transient EMR cluster with Spot task capacity, and EMR Serverless.

Every rule is listed in lab.toml ``rules``. The checks read state through boto3 only, so
they run unchanged against the sandbox or a real account. The sandbox runs no Spark: a step
or job run "completes" at once when its script is in S3 (grader/sandbox/fidelity/emr.py),
so these checks judge the configuration the way a reviewer would — release, purchasing
option per node type, termination, roles — and the script's presence in S3 themselves.

Release labels: Amazon EMR 7.x releases, emr-7.0.0 to emr-7.14.0 (released 2026-09-08),
https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-release-7x.html. Node types and
Spot: https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-master-core-task-nodes.html
and emr-plan-instances-guidelines.html. IdleTimeout 60-604,800 s:
https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html.
"""

from __future__ import annotations

import re

from grader import check, fail
from grader.kit import shared_reads
from grader.kit.concurrent_reads import read_concurrently
from grader.kit.lookups import or_none
from grader.kit.other_regions import missing
from grader.kit.policies import open_to_everyone, statements
from grader.kit.policy_probes import Probe, verdict

CLUSTER = "nightly-spark"
APPLICATION = "nightly-spark-serverless"
PARAMETER = "/emr-lab/emr-on-eks-fits"
RELEASE_7 = re.compile(r"^emr-7\.(\d+)\.(\d+)$")
NEWEST_MINOR = 14
MAX_IDLE = 3600
EMR, EC2, SERVERLESS = ("elasticmapreduce.amazonaws.com", "ec2.amazonaws.com",
                        "emr-serverless.amazonaws.com")
POLICY_V2 = "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
POLICY_V1 = "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole"
MANAGED_TAG = "for-use-with-amazon-emr-managed-policies"
ADMIN_PROBE = Probe("iam:CreateUser", resource="*")
OTHER_BUCKET = "arn:aws:s3:::someone-elses-bucket/payroll.csv"
EKS_FITS = {"a", "d"}
EKS_SCENARIOS = "abcd"


# --- reading state ----------------------------------------------------------------------------

def _tag(tags, key):
    return next((t["Value"] for t in tags or [] if t["Key"] == key), None)


def _cluster_summaries(emr):
    pages = emr.get_paginator("list_clusters").paginate()
    return [c for page in pages for c in page["Clusters"] if c["Name"] == CLUSTER]


def _cluster_read(aws):
    """The newest cluster named nightly-spark, described, or None (read once per run)."""
    def read():
        emr = aws.client("emr")
        found = _cluster_summaries(emr)
        if not found:
            return None
        newest = max(found, key=lambda c: c["Status"]["Timeline"]["CreationDateTime"])
        return emr.describe_cluster(ClusterId=newest["Id"])["Cluster"]

    return aws.once("cluster", read)


def _read_together(aws):
    """The run's independent reads at once (see grader.kit.concurrent_reads)."""
    aws.once("read-together", lambda: read_concurrently(
        aws, [_cluster_read, _application_read, _stored_answer, shared_reads.role_details],
        services=("emr", "emr-serverless", "ssm", "iam")))


def _cluster(aws):
    """The newest cluster named nightly-spark; the check fails when there is none."""
    _read_together(aws)
    cluster = _cluster_read(aws)
    assert cluster, missing(
        aws, f"No EMR cluster named {CLUSTER} yet: launch it with emr.run_job_flow "
        "(task 3).", f"Cluster {CLUSTER}", "emr", _cluster_summaries, key="cluster")
    return cluster


def _steps(aws, cluster_id):
    def read():
        pages = aws.client("emr").get_paginator("list_steps").paginate(ClusterId=cluster_id)
        return [s for page in pages for s in page["Steps"]]

    return aws.once(f"steps:{cluster_id}", read)


def spark_script(args):
    """The application file of ``spark-submit [options] file [app args]``, or None."""
    args = list(args or [])
    if not args or args[0] != "spark-submit":
        return None
    flags = {"--verbose", "-v", "--supervise"}
    rest = iter(args[1:])
    for arg in rest:
        if arg.startswith("-"):
            if arg not in flags and "=" not in arg:
                next(rest, None)
            continue
        return arg
    return None


def split_s3(uri):
    """(bucket, key) of an s3:// URI (s3n:// and s3a:// too), or None."""
    match = re.match(r"^s3[an]?://([^/]+)/?(.*)$", uri or "")
    return (match.group(1), match.group(2)) if match else None


def _bucket_exists(aws, name):
    """Whether this account owns bucket ``name`` (one list_buckets per run)."""
    return name in aws.once("buckets", lambda: {
        b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]})


def _object_exists(aws, uri):
    parts = split_s3(uri)
    if not parts or not parts[1] or not _bucket_exists(aws, parts[0]):
        return False
    listed = aws.once(f"s3:{uri}", lambda: aws.client("s3").list_objects_v2(
        Bucket=parts[0], Prefix=parts[1], MaxKeys=1).get("Contents") or [])
    return any(o["Key"] == parts[1] for o in listed)


def _spark_steps(aws, cluster):
    return [(s, spark_script(s["Config"].get("Args"))) for s in _steps(aws, cluster["Id"])
            if s["Config"].get("Jar") == "command-runner.jar"
            and spark_script(s["Config"].get("Args"))]


def _script_uri(aws, cluster):
    """The script a COMPLETED spark-submit step ran (else any step's), for the IAM probes."""
    steps = _spark_steps(aws, cluster)
    done = [uri for s, uri in steps if s["Status"]["State"] == "COMPLETED"]
    return (done or [uri for _, uri in steps] or [None])[0]


# --- 1. release and applications ----------------------------------------------------------------

@check(points=2, hint="emr.run_job_flow(Name='nightly-spark', ReleaseLabel='emr-7.14.0', "
                      "Applications=[{'Name': 'Spark'}, {'Name': 'Hive'}], ...)")
def cluster_release_and_apps(aws):
    """nightly-spark runs a current EMR 7.x release with Spark and Hive"""
    cluster = _cluster(aws)
    label = cluster.get("ReleaseLabel") or ""
    match = RELEASE_7.match(label)
    if not match or int(match.group(1)) > NEWEST_MINOR:
        fail(f"{CLUSTER} ({cluster['Id']}) runs release '{label or 'none'}'. Launch it on an "
             "Amazon EMR 7.x release (emr-7.14.0 is the newest; emr.list_release_labels() "
             "lists them): 7.x is the current release series, with current Spark, Hadoop "
             "and Hive.", cluster["Id"])
    names = {a["Name"].lower() for a in cluster.get("Applications") or []}
    absent = [n for n in ("Spark", "Hive") if n.lower() not in names]
    if absent:
        fail(f"{CLUSTER} ({cluster['Id']}) was launched without {' and '.join(absent)}. "
             "Applications are chosen at launch and cannot be added later: launch a new "
             "cluster with Applications=[{'Name': 'Spark'}, {'Name': 'Hive'}].", cluster["Id"])


# --- 2. logs ----------------------------------------------------------------------------------

@check(points=1, hint="run_job_flow(..., LogUri='s3://your-bucket/emr-logs/')")
def logs_to_s3(aws):
    """nightly-spark writes its logs to an S3 bucket of yours"""
    cluster = _cluster(aws)
    log_uri = cluster.get("LogUri")
    parts = split_s3(log_uri)
    if not parts:
        fail(f"{CLUSTER} ({cluster['Id']}) has no S3 LogUri, so its step, node and "
             "application logs disappear with its nodes: a transient cluster is gone "
             "before anyone can look. Launch it with LogUri='s3://your-bucket/emr-logs/'.",
             cluster["Id"])
    if not _bucket_exists(aws, parts[0]):
        fail(f"The bucket {CLUSTER}'s LogUri names does not exist in this account, so EMR "
             "could not write the logs. Create the bucket first (or log to "
             "the bucket that holds your script).", cluster["Id"])


# --- 3. Spot only for task nodes ----------------------------------------------------------------

def _capacity(aws, cluster):
    """{'MASTER'|'CORE'|'TASK': [(on-demand units, spot units, id)]} from groups or fleets."""
    emr = aws.client("emr")
    found = {"MASTER": [], "CORE": [], "TASK": []}
    if cluster.get("InstanceCollectionType") == "INSTANCE_FLEET":
        for fleet in emr.list_instance_fleets(ClusterId=cluster["Id"])["InstanceFleets"]:
            found.setdefault(fleet["InstanceFleetType"], []).append(
                (fleet.get("TargetOnDemandCapacity") or 0, fleet.get("TargetSpotCapacity") or 0,
                 fleet["Id"]))
        return found
    pages = emr.get_paginator("list_instance_groups").paginate(ClusterId=cluster["Id"])
    for page in pages:
        for group in page["InstanceGroups"]:
            count = group.get("RequestedInstanceCount") or 0
            spot = group.get("Market") == "SPOT"
            found.setdefault(group["InstanceGroupType"], []).append(
                (0 if spot else count, count if spot else 0, group["Id"]))
    return found


@check(points=3, hint="InstanceGroups=[{'InstanceRole': 'MASTER', 'Market': 'ON_DEMAND', ...}, "
                      "{'InstanceRole': 'CORE', 'Market': 'ON_DEMAND', ...}, "
                      "{'InstanceRole': 'TASK', 'Market': 'SPOT', ...}]")
def spot_only_on_task_nodes(aws):
    """Primary and core nodes are On-Demand; the task nodes are on Spot"""
    cluster = _cluster(aws)
    capacity = _capacity(aws, cluster)
    why = {"MASTER": "an interrupted primary node ends the whole cluster",
           "CORE": "core nodes hold HDFS data, so an interruption can lose data and fail "
                   "the job"}
    for role, label in (("MASTER", "primary"), ("CORE", "core")):
        assert capacity[role], (f"{CLUSTER} ({cluster['Id']}) has no {label} capacity: give "
                                f"it a {role} instance group or fleet.")
        spot = [ident for _, units, ident in capacity[role] if units]
        if spot:
            fail(f"{CLUSTER}'s {label} capacity is on Spot: {why[role]}. Keep {role} On-Demand "
                 "(Market 'ON_DEMAND', or TargetSpotCapacity 0 in a fleet) and put Spot on "
                 "the task nodes.", cluster["Id"], *spot)
    task = capacity["TASK"]
    assert task, (f"{CLUSTER} ({cluster['Id']}) has no task nodes. Add a TASK instance group "
                  "(or fleet) on Spot: task nodes only compute, so Spot's discount costs at "
                  "most a retried task when one is interrupted.")
    assert any(units for _, units, _ in task), (
        f"{CLUSTER}'s task capacity is all On-Demand. Task nodes hold no HDFS data, which is "
        "what makes them the safe place for Spot (up to 90% cheaper): set Market 'SPOT' on "
        "the TASK group, or TargetSpotCapacity on the TASK fleet.")


# --- 4. never idle ----------------------------------------------------------------------------

@check(points=2, hint="Instances={..., 'KeepJobFlowAliveWhenNoSteps': False} with Steps=[...], "
                      "or AutoTerminationPolicy={'IdleTimeout': 900}")
def no_idle_cluster(aws):
    """nightly-spark never sits idle: transient, or auto-terminates when idle"""
    cluster = _cluster(aws)
    if cluster.get("AutoTerminate"):
        return
    policy = aws.client("emr").get_auto_termination_policy(
        ClusterId=cluster["Id"]).get("AutoTerminationPolicy") or {}
    timeout = policy.get("IdleTimeout")
    assert timeout is not None, (
        f"{CLUSTER} ({cluster['Id']}) stays up when its steps are done and has no "
        "auto-termination policy: an idle cluster bills every node every hour. Make it "
        "transient (KeepJobFlowAliveWhenNoSteps=False, steps given at launch) or set an "
        "AutoTerminationPolicy.")
    if timeout > MAX_IDLE:
        fail(f"{CLUSTER} auto-terminates only after {timeout:,} idle seconds. AWS allows up to "
             f"7 days, but this lab asks for at most {MAX_IDLE:,} (one hour): put_auto_"
             "termination_policy with a shorter IdleTimeout.", cluster["Id"])


# --- 5. the Spark step --------------------------------------------------------------------------

@check(points=3, hint="Steps=[{'Name': 'wordcount', 'ActionOnFailure': 'TERMINATE_CLUSTER', "
                      "'HadoopJarStep': {'Jar': 'command-runner.jar', 'Args': "
                      "['spark-submit', 's3://your-bucket/jobs/wordcount.py']}}]")
def spark_step_completed(aws):
    """A spark-submit step ran the script from S3 and COMPLETED"""
    cluster = _cluster(aws)
    steps = _spark_steps(aws, cluster)
    assert steps, (
        f"{CLUSTER} ({cluster['Id']}) has no spark-submit step. Add one whose Jar is "
        "'command-runner.jar' and whose Args are ['spark-submit', 's3://bucket/key.py'] "
        "(in run_job_flow's Steps, or with add_job_flow_steps).")
    from_s3 = [(s, uri) for s, uri in steps if split_s3(uri)]
    assert from_s3, (
        f"{CLUSTER}'s spark-submit step runs a script from the cluster's own disk, not "
        "from S3. Nodes of a transient cluster start empty: submit the script from S3 "
        "(s3://your-bucket/jobs/wordcount.py).")
    done = [(s, uri) for s, uri in from_s3 if s["Status"]["State"] == "COMPLETED"]
    if not done:
        step, uri = from_s3[0]
        fail(f"The spark-submit step '{step['Name']}' is {step['Status']['State']}, not "
             "COMPLETED: its script is not in S3 where the step looks for it. Upload the "
             "script before the step runs, then launch the cluster again (or add the step "
             "again to a cluster that is still up).",
             step["Id"])
    if not any(_object_exists(aws, uri) for _, uri in done):
        fail("The step's script is not in S3 (any more): keep the job's script where the "
             "next run will find it.", done[0][0]["Id"])


# --- 6. the EMR service role --------------------------------------------------------------------

def _trusts(role, service):
    return verdict(statements(role.get("AssumeRolePolicyDocument")),
                   Probe("sts:AssumeRole", ("Service", service)))


def _role_problem(aws, role, service, what):
    """Why ``role`` cannot serve as ``what``: missing, open trust, wrong trust, admin."""
    if open_to_everyone(role.get("AssumeRolePolicyDocument")):
        return f"{what} {role['RoleName']} lets any principal ('*') assume it"
    if not _trusts(role, service):
        return f"{what} {role['RoleName']} does not trust {service}, so it cannot assume it"
    if verdict(shared_reads.role_statements(aws, role["RoleName"]), ADMIN_PROBE):
        return (f"{what} {role['RoleName']} may create IAM users (AdministratorAccess or "
                "as broad): anyone who runs code through it owns the account")
    return None


@check(points=2, hint="iam.create_role(RoleName='EMR_DefaultRole_V2', AssumeRolePolicyDocument="
                      "<trust elasticmapreduce.amazonaws.com>); attach AmazonEMRServicePolicy_v2; "
                      "Tags=[{'Key': 'for-use-with-amazon-emr-managed-policies', 'Value': 'true'}]")
def service_role_v2(aws):
    """The service role uses AmazonEMRServicePolicy_v2, and the cluster is tagged for it"""
    cluster = _cluster(aws)
    name = cluster.get("ServiceRole") or ""
    role = shared_reads.role_by_arn(aws, name) or shared_reads.role(aws, name.rpartition("/")[2])
    assert role, (f"{CLUSTER}'s ServiceRole '{name}' is not a role in this account: create "
                  "EMR_DefaultRole_V2 (task 2) and launch the cluster with it.")
    problem = _role_problem(aws, role, EMR, "The service role")
    if problem:
        fail(problem + ".", role["RoleName"])
    arns = {p["PolicyArn"] for p in shared_reads.attached(aws, role["RoleName"])}
    if POLICY_V2 not in arns:
        old = (" AmazonElasticMapReduceRole is the deprecated v1 policy, much broader than "
               "v2." if POLICY_V1 in arns else "")
        fail(f"The service role {role['RoleName']} does not have AmazonEMRServicePolicy_v2 "
             f"attached.{old} Attach the v2 policy: it lets EMR act only on resources tagged "
             f"{MANAGED_TAG}=true.", role["RoleName"])
    if (_tag(cluster.get("Tags"), MANAGED_TAG) or "").lower() != "true":
        fail(f"{CLUSTER} ({cluster['Id']}) is not tagged {MANAGED_TAG}=true. "
             "AmazonEMRServicePolicy_v2 only lets EMR create and manage resources that carry "
             "this tag, so on AWS the cluster would fail to launch: pass it in Tags.",
             cluster["Id"])


# --- 7. the instance profile ----------------------------------------------------------------------

def _needed_probes(aws, cluster):
    """(what, probe) for what the nodes must be able to do: read the script, push logs."""
    probes = []
    script = split_s3(_script_uri(aws, cluster))
    if script:
        probes.append(("read the step's script (s3:GetObject)", Probe(
            "s3:GetObject", resource=f"arn:aws:s3:::{script[0]}/{script[1]}")))
    logs = split_s3(cluster.get("LogUri"))
    if logs:
        prefix = logs[1] if not logs[1] or logs[1].endswith("/") else logs[1] + "/"
        probes.append(("write logs under LogUri (s3:PutObject)", Probe(
            "s3:PutObject", resource=f"arn:aws:s3:::{logs[0]}/{prefix}{cluster['Id']}/x.gz")))
    return probes


@check(points=2, hint="a role trusted by ec2.amazonaws.com with s3:GetObject on your bucket's "
                      "objects and s3:PutObject under the log prefix; iam.create_instance_profile "
                      "+ add_role_to_instance_profile; run_job_flow(JobFlowRole=profile_name)")
def instance_profile_least_privilege(aws):
    """The nodes' instance profile reads your script and writes logs, and nothing much more"""
    cluster = _cluster(aws)
    name = (cluster.get("Ec2InstanceAttributes") or {}).get("IamInstanceProfile") or ""
    profile = shared_reads.instance_profile(aws, name.rpartition("/")[2]) if name else None
    assert profile, (f"{CLUSTER}'s JobFlowRole '{name or 'none'}' is not an instance profile in "
                     "this account. EC2 gives instances a role only through an instance "
                     "profile: create one, add the nodes' role to it, pass its name as "
                     "JobFlowRole.")
    roles = profile.get("Roles") or []
    assert roles, (f"Instance profile {profile['InstanceProfileName']} holds no role: "
                   "iam.add_role_to_instance_profile.")
    role = shared_reads.role(aws, roles[0]["RoleName"]) or roles[0]
    problem = _role_problem(aws, role, EC2, "The nodes' role")
    if problem:
        fail(problem + ".", role["RoleName"])
    granted = shared_reads.role_statements(aws, role["RoleName"])
    if verdict(granted, Probe("s3:GetObject", resource=OTHER_BUCKET)):
        fail(f"The nodes' role {role['RoleName']} may read objects in any bucket "
             "(AmazonElasticMapReduceforEC2Role, AmazonS3FullAccess and the like allow "
             "s3:* on every bucket). Every Spark job on the cluster runs with this role: "
             "allow only your bucket (arn:aws:s3:::your-bucket/*).", role["RoleName"])
    lacking = [what for what, p in _needed_probes(aws, cluster) if not verdict(granted, p)]
    if lacking:
        fail(f"The nodes' role {role['RoleName']} may not {'; '.join(lacking)}: Spark could "
             "not read the script or EMR could not push the logs. Allow these on your "
             "bucket.", role["RoleName"])


# --- 8. EMR Serverless application ------------------------------------------------------------

def _applications(serverless):
    pages = serverless.get_paginator("list_applications").paginate()
    return [a for page in pages for a in page["applications"] if a["name"] == APPLICATION]


def _application_read(aws):
    def read():
        serverless = aws.client("emr-serverless")
        found = [a for a in _applications(serverless) if a["state"] != "TERMINATED"]
        if not found:
            return None
        newest = max(found, key=lambda a: a["createdAt"])
        return serverless.get_application(applicationId=newest["id"])["application"]

    return aws.once("application", read)


def _application(aws):
    _read_together(aws)
    application = _application_read(aws)
    assert application, missing(
        aws, f"No EMR Serverless application named {APPLICATION} yet: emr-serverless."
        "create_application (task 7).", f"Application {APPLICATION}", "emr-serverless",
        _applications, key="application")
    return application


@check(points=2, hint="serverless.create_application(name='nightly-spark-serverless', "
                      "type='SPARK', releaseLabel='emr-7.14.0', maximumCapacity={'cpu': '16 vCPU', "
                      "'memory': '64 GB'})")
def serverless_application(aws):
    """nightly-spark-serverless is a SPARK application with a maximum capacity"""
    application = _application(aws)
    ident = application["applicationId"]
    if application.get("type", "").upper() != "SPARK":
        fail(f"{APPLICATION} has type {application.get('type')}; the job is PySpark, so create "
             "a SPARK application (HIVE applications run Hive queries).", ident)
    match = RELEASE_7.match(application.get("releaseLabel") or "")
    if not match or int(match.group(1)) > NEWEST_MINOR:
        fail(f"{APPLICATION} runs release '{application.get('releaseLabel')}': use the EMR "
             "7.x release you gave the cluster, so the job meets the same Spark.", ident)
    capacity = application.get("maximumCapacity") or {}
    if not capacity.get("cpu") or not capacity.get("memory"):
        fail(f"{APPLICATION} has no maximumCapacity. Without it the application may scale "
             "up as far as the account's quota allows, and the bill with it: set cpu and "
             "memory (e.g. {'cpu': '16 vCPU', 'memory': '64 GB'}).", ident)
    stop = application.get("autoStopConfiguration") or {}
    if stop.get("enabled") is False:
        fail(f"{APPLICATION} has auto-stop turned off, so pre-initialised capacity keeps "
             "billing while nothing runs. Leave autoStopConfiguration enabled (the default "
             "stops it after 15 idle minutes).", ident)


# --- 9. EMR Serverless job run ------------------------------------------------------------------

@check(points=2, hint="serverless.start_job_run(applicationId=app_id, executionRoleArn="
                      "job_role_arn, jobDriver={'sparkSubmit': {'entryPoint': 's3://your-bucket/jobs/"
                      "wordcount.py'}})")
def serverless_job_succeeded(aws):
    """The script ran on EMR Serverless and the job run SUCCEEDED"""
    application = _application(aws)
    ident = application["applicationId"]
    serverless = aws.client("emr-serverless")
    pages = serverless.get_paginator("list_job_runs").paginate(applicationId=ident)
    runs = [r for page in pages for r in page["jobRuns"]]
    assert runs, (f"{APPLICATION} has no job run yet: emr-serverless.start_job_run with your "
                  "script as the sparkSubmit entryPoint.")
    problems = []
    for summary in sorted(runs, key=lambda r: r["createdAt"], reverse=True):
        run = serverless.get_job_run(applicationId=ident, jobRunId=summary["id"])["jobRun"]
        problem = _job_run_problem(aws, run)
        if problem is None:
            return
        problems.append((problem, run["jobRunId"]))
    fail(problems[0][0], problems[0][1])


def _job_run_problem(aws, run):
    entry = ((run.get("jobDriver") or {}).get("sparkSubmit") or {}).get("entryPoint")
    if not split_s3(entry) or not (entry or "").endswith(".py"):
        return ("The job run does not submit a PySpark script from S3: pass "
                "jobDriver={'sparkSubmit': {'entryPoint': 's3://your-bucket/jobs/"
                "wordcount.py'}}.")
    role = shared_reads.role_by_arn(aws, run.get("executionRole"))
    if role is None:
        return ("The job run's execution role is not a role in this account: create one "
                "that trusts emr-serverless.amazonaws.com.")
    problem = _role_problem(aws, role, SERVERLESS, "The execution role")
    if problem:
        return problem + "."
    if run.get("state") != "SUCCESS":
        return (f"The job run is {run.get('state')}: its entry point is not in S3 where it "
                "looks. Upload the script there and start the job again.")
    if not _object_exists(aws, entry):
        return "The job's entry point is not in S3 (any more)."
    return None


# --- 10. when EMR on EKS fits -------------------------------------------------------------------

def _answer(ssm):
    return or_none(lambda: ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"],
                   "ParameterNotFound")


def _stored_answer(aws):
    return aws.once("answer", lambda: _answer(aws.client("ssm")))


def answer_letters(value):
    """The scenario letters in an answer such as 'a, d' or 'A and D' (case-free)."""
    return re.findall(r"(?<![a-z])([a-z])(?![a-z])", value.lower())


@check(points=1, hint="ssm.put_parameter(Name='/emr-lab/emr-on-eks-fits', Value='x,y', "
                      "Type='StringList', Overwrite=True)")
def emr_on_eks_answer(aws):
    """You recorded the scenarios where EMR on EKS is the best fit"""
    _read_together(aws)
    value = _stored_answer(aws)
    assert value is not None, missing(
        aws, f"No SSM parameter {PARAMETER} yet: store the letters of the scenarios (task 8).",
        f"Parameter {PARAMETER}", "ssm", _answer, key="answer")
    letters = answer_letters(value)
    unknown = sorted(set(letters) - set(EKS_SCENARIOS))
    assert letters and not unknown, (
        f"{PARAMETER} is {value!r}; answer with scenario letters from a to d, separated by "
        "commas (for example 'b,c').")
    chosen = set(letters)
    wrong = sorted(chosen - EKS_FITS)
    assert not wrong, (
        f"Scenario {', '.join(wrong)} is not where EMR on EKS fits best: without a Kubernetes "
        "cluster to share, EMR on EKS means running EKS just for Spark. EMR Serverless needs "
        "no cluster at all, and EMR on EC2 gives HDFS, HBase, SSH and custom AMIs.")
    left_out = sorted(EKS_FITS - chosen)
    assert not left_out, (
        f"Your answer leaves out {', '.join(left_out)}. EMR on EKS runs Spark jobs as pods on "
        "an EKS cluster you already operate: it shares its nodes and tooling with your other "
        "applications, and each namespace registered as a virtual cluster can run jobs on "
        "its own EMR release.")
