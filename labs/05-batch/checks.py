"""Checks for lab 05: AWS Batch on Spot, On-Demand and Fargate.

moto stores compute environments, queues and job definitions as given and validates almost
none of the rules below (it lets EC2 and Fargate environments share a queue, takes any
Fargate vCPU/memory pair, any retry count and arrays of one child, and runs every job to
SUCCEEDED), so these checks enforce them. Every rule is listed in lab.toml ``rules``. The
checks read state through boto3 only, so they run unchanged against the sandbox or a real
account.
"""

from __future__ import annotations

from grader import check, fail
from grader.kit import fargate, shared_reads
from grader.kit.lookups import ensure_default_subnets
from grader.kit.naming import about, names
from grader.kit.policies import assume_role_services, grants, open_to_everyone, statements
from grader.kit.policy_probes import Probe, verdict
from grader.kit.regions import found_elsewhere

SPOT_CE, ONDEMAND_CE, FARGATE_CE = "spot-ce", "ondemand-ce", "fargate-ce"
EC2_QUEUE, FARGATE_QUEUE = "ec2-queue", "fargate-queue"
EC2_JOB, FARGATE_JOB = "thumbnail", "thumbnail-fargate"
SERVICE_ROLE, INSTANCE_ROLE, EXECUTION_ROLE = (
    "AWSBatchServiceRole", "ecsInstanceRole", "ecsTaskExecutionRole")
BATCH, EC2, ECS_TASKS = "batch.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com"
SERVICE_LINKED_PATH = "/aws-service-role/batch.amazonaws.com/"
POLICIES = {
    SERVICE_ROLE: "arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole",
    INSTANCE_ROLE: "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    EXECUTION_ROLE: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
}
SPOT_STRATEGIES = ("SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED",
                   "SPOT_CAPACITY_OPTIMIZED_PRIORITIZED")
EC2_KINDS, FARGATE_KINDS = ("EC2", "SPOT"), ("FARGATE", "FARGATE_SPOT")
# computeResources fields the Batch API reference marks "isn't applicable to jobs that are
# running on Fargate resources. Don't specify it."
EC2_ONLY = ("allocationStrategy", "minvCpus", "desiredvCpus", "instanceTypes", "imageId",
            "ec2KeyPair", "instanceRole", "tags", "placementGroup", "bidPercentage",
            "spotIamFleetRole", "launchTemplate", "ec2Configuration", "scalingPolicy")
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


# Fargate vCPU -> the MEMORY values (MiB) Batch accepts with it: Fargate's task sizes, at most
# 16 vCPU and 120 GiB. AWS Batch user guide, "When to use Fargate": use EC2 for jobs that need
# more than 16 vCPUs or more than 120 GiB of memory
# (https://docs.aws.amazon.com/batch/latest/userguide/when-to-use-fargate.html).
FARGATE_SIZES = fargate.TASK_SIZES


def fargate_pair_ok(vcpu, memory):
    """True when (vCPU, MiB) is one of the sizes Batch accepts for a Fargate job."""
    return fargate.pair_ok(vcpu, memory, FARGATE_SIZES)


def _describe_sizes(vcpu):
    return fargate.describe_memory(vcpu, FARGATE_SIZES)


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _show(number):
    return f"{number:g}"


# --- IAM ------------------------------------------------------------------------------------

def _trusts(document, service):
    """True when IAM would let ``service`` call sts:AssumeRole under this trust policy
    (string or list, NotAction, a '*' principal and Deny statements read as IAM reads them)."""
    return verdict(statements(document), Probe("sts:AssumeRole", ("Service", service)))


def _named_services(document):
    """The service principals an Allow statement names for sts:AssumeRole (for messages)."""
    return assume_role_services(document)[0]


def _check_role(aws, name, principal, why):
    """The role ``name`` exists, trusts only sensible principals and has its managed policy."""
    role = shared_reads.role(aws, name)
    if not role:
        fail(f"No IAM role named '{name}' yet. {why}", name)
    trust = role.get("AssumeRolePolicyDocument")
    if open_to_everyone(trust):
        fail(f"{name}'s trust policy lets any principal ('*') assume it; trust only the "
             f"service principal {principal}.", name)
    services = _named_services(trust)
    if not _trusts(trust, principal):
        fail(f"{name}'s trust policy must allow sts:AssumeRole for the service principal "
             f"{principal}; found {', '.join(sorted(services)) or 'no service principal'}. "
             f"{why}", name)
    policy = POLICIES[name]
    if policy not in {p["PolicyArn"] for p in shared_reads.attached(aws, name)}:
        fail(f"{name} does not have the AWS managed policy {policy.rsplit('/', 1)[-1]} "
             "attached, so the service that assumes it gets no permissions.", name)
    return role


def _service_linked_role(aws):
    pages = aws.client("iam").get_paginator("list_roles").paginate(
        PathPrefix=SERVICE_LINKED_PATH)
    return next((r for page in pages for r in page["Roles"]), None)


# --- compute environments and queues --------------------------------------------------------

def _by_name_and_arn(client, operation, key, name_key, arn_key):
    found = {}
    for page in client.get_paginator(operation).paginate():
        for item in page[key]:
            found[item[name_key]] = found[item[arn_key]] = item
    return found


def _environments(aws):
    """{name and ARN: compute environment} for every compute environment (once per run)."""
    return aws.once("batch.environments", lambda: _by_name_and_arn(
        aws.client("batch"), "describe_compute_environments", "computeEnvironments",
        "computeEnvironmentName", "computeEnvironmentArn"))


def _queues(aws):
    """{name and ARN: job queue} for every job queue (once per run)."""
    return aws.once("batch.queues", lambda: _by_name_and_arn(
        aws.client("batch"), "describe_job_queues", "jobQueues", "jobQueueName", "jobQueueArn"))


def _not_here(aws, what, name, found):
    """The "found in another Region" message for a missing Batch resource, else None."""
    return found_elsewhere(aws, "batch", f"{what}:{name}", found, f"{what} '{name}'")


def _environment(aws, name, how):
    env = _environments(aws).get(name)
    if not env:
        fail(_not_here(aws, "Compute environment", name, lambda batch: batch
                       .describe_compute_environments(computeEnvironments=[name])
                       ["computeEnvironments"])
             or f"No compute environment named '{name}' yet: {how}", name)
    return env


def _kind(env):
    """EC2, SPOT, FARGATE or FARGATE_SPOT; an unmanaged environment is always EC2 instances."""
    kind = ((env or {}).get("computeResources") or {}).get("type")
    return kind or ("EC2" if (env or {}).get("type") == "UNMANAGED" else None)


def _check_managed(aws, env):
    """Rules every managed compute environment of this lab follows."""
    with about(env["computeEnvironmentName"]):
        _judge_managed(aws, env)


def _judge_managed(aws, env):
    name = env["computeEnvironmentName"]
    assert env.get("type") == "MANAGED", (
        f"{name} is {env.get('type')}; make it MANAGED so Batch launches, scales and "
        "terminates the capacity for you (in an UNMANAGED environment you run the instances).")
    state = env.get("state") or "ENABLED"  # AWS's default; the sandbox omits it
    assert state == "ENABLED", (
        f"{name} is {state}: the scheduler places no jobs in a DISABLED compute environment "
        "and it does not scale out. Enable it with batch.update_compute_environment("
        f"computeEnvironment='{name}', state='ENABLED').")
    status = env.get("status") or "VALID"
    assert status == "VALID", (
        f"{name} has status {status} ({env.get('statusReason', 'no reason given')}); only "
        "VALID compute environments can serve a job queue.")
    resources = env.get("computeResources") or {}
    maximum = resources.get("maxvCpus") or 0
    assert maximum > 0, (
        f"{name} has maxvCpus {maximum}, so Batch may never launch capacity and every job "
        "would wait in RUNNABLE; give it a maximum above 0.")
    service_role = env.get("serviceRole")
    role = shared_reads.role_by_arn(aws, service_role) if service_role else None
    assert not service_role or role, (
        f"{name}'s serviceRole does not name an IAM role in your account, so Batch could not "
        "manage its capacity: pass the Arn that iam.get_role returns.")
    assert not role or _trusts(role.get("AssumeRolePolicyDocument"), BATCH), (
        f"{name}'s service role '{role['RoleName']}' does not trust {BATCH}, so Batch cannot "
        "assume it to launch and scale capacity.")
    _check_network(aws, name, resources)


def _check_network(aws, name, resources):
    subnet_ids = resources.get("subnets") or []
    group_ids = resources.get("securityGroupIds") or []
    assert subnet_ids, f"{name} lists no subnets, so Batch has nowhere to start capacity."
    known_subnets, known_groups = shared_reads.subnets(aws), shared_reads.security_groups(aws)
    missing = sorted(set(subnet_ids) - set(known_subnets))
    if missing:
        fail(f"{name} names subnet(s) {', '.join(missing)} that do not exist (any more): use "
             "subnets that ec2.describe_subnets() lists.", name, *missing)
    missing = sorted(set(group_ids) - set(known_groups))
    if missing:
        fail(f"{name} names security group(s) {', '.join(missing)} that do not exist (any "
             "more): use groups that ec2.describe_security_groups() lists.", name, *missing)
    subnets = [known_subnets[i] for i in subnet_ids]
    groups = [known_groups[i] for i in group_ids]
    vpcs = {s["VpcId"] for s in subnets} | {g["VpcId"] for g in groups}
    assert len(vpcs) == 1, (
        f"{name}'s subnets and security groups are not all in one VPC; AWS requires the "
        "security groups to belong to the VPC of the subnets.")


def _check_ec2_environment(aws, env, kind):
    with about(env["computeEnvironmentName"]):
        return _judge_ec2_environment(aws, env, kind)


def _judge_ec2_environment(aws, env, kind):
    name = env["computeEnvironmentName"]
    _judge_managed(aws, env)
    resources = env.get("computeResources") or {}
    found = resources.get("type")
    assert found == kind, (
        f"{name} has computeResources type {found or 'none'}; this environment must be "
        f"type {kind}" + (" (Spot capacity: spare EC2 at up to 90% off, which AWS can take "
                          "back with two minutes' notice)." if kind == "SPOT" else
                          " (On-Demand instances, which AWS never interrupts)."))
    profile_ref = resources.get("instanceRole") or ""
    assert profile_ref, (
        f"{name} has no instanceRole. EC2 instances get their role through an instance "
        "profile: pass the instance profile's name or ARN (ecsInstanceRole).")
    profile = shared_reads.instance_profile(aws, profile_ref.rsplit("/", 1)[-1])
    assert profile and profile_ref in (profile["Arn"], profile["InstanceProfileName"]), (
        f"{name}'s instanceRole does not name an instance profile in your account. "
        "instanceRole takes an instance profile (a container for one role that EC2 attaches "
        "to the instance), not a role: iam.create_instance_profile + "
        "add_role_to_instance_profile.")
    roles = profile.get("Roles") or []
    assert any(_trusts(r.get("AssumeRolePolicyDocument"), EC2) for r in roles), (
        f"The instance profile behind {name}'s instanceRole holds no role trusted by {EC2}, "
        "so the ECS agent on each instance could not get credentials to join the cluster.")
    return resources


def _queue(aws, name):
    return _queues(aws).get(name)


def _queue_environments(aws, queue):
    """[(order, name, environment or None)] for the queue's compute environments, in order."""
    environments = _environments(aws)
    found = []
    for item in queue.get("computeEnvironmentOrder") or []:
        ref = item["computeEnvironment"]
        env = environments.get(ref)
        found.append((item["order"], env["computeEnvironmentName"] if env
                      else ref.rsplit("/", 1)[-1], env))
    return sorted(found, key=lambda entry: entry[0])


def _check_queue(aws, name, how):
    """The queue exists, is ENABLED, and holds at most 3 existing environments of one kind."""
    with about(name):
        return _judge_queue(aws, name, how)


def _judge_queue(aws, name, how):
    queue = _queue(aws, name)
    if not queue:
        fail(_not_here(aws, "Job queue", name, lambda batch: batch.describe_job_queues(
            jobQueues=[name])["jobQueues"]) or f"No job queue named '{name}' yet: {how}", name)
    state = queue.get("state")
    assert state == "ENABLED", (
        f"{name} is {state}: a DISABLED queue accepts no new jobs. "
        f"batch.update_job_queue(jobQueue='{name}', state='ENABLED').")
    entries = _queue_environments(aws, queue)
    assert len(entries) <= 3, (
        f"{name} lists {len(entries)} compute environments; a job queue can have at most "
        "three.")
    missing = [env_name for _, env_name, env in entries if env is None]
    assert not missing, (
        f"{name} points at compute environment(s) that do not exist (any more): "
        f"{', '.join(sorted(missing))}.")
    kinds = {env_name: _kind(env) for _, env_name, env in entries}
    ec2_side = sorted(n for n, k in kinds.items() if k in EC2_KINDS)
    fargate_side = sorted(n for n, k in kinds.items() if k in FARGATE_KINDS)
    assert not (ec2_side and fargate_side), (
        f"{name} mixes EC2 compute environments ({', '.join(ec2_side)}) with Fargate ones "
        f"({', '.join(fargate_side)}). AWS does not allow that: the environments of one queue "
        "must all be EC2/SPOT or all FARGATE/FARGATE_SPOT, because a job definition runs "
        "either on instances or on Fargate, never both. Give Fargate its own queue.")
    return queue, entries


# --- job definitions ------------------------------------------------------------------------

def _definitions(aws):
    """Every revision of every job definition, ACTIVE or not (once per run)."""
    def read():
        pages = aws.client("batch").get_paginator("describe_job_definitions").paginate()
        return [d for page in pages for d in page["jobDefinitions"]]
    return aws.once("batch.definitions", read)


def _newest(aws, name):
    revisions = [d for d in _definitions(aws)
                 if d["jobDefinitionName"] == name and d.get("status", "ACTIVE") == "ACTIVE"]
    if not revisions:
        fail(_not_here(aws, "Job definition", name, lambda batch: batch
                       .describe_job_definitions(jobDefinitionName=name, status="ACTIVE")
                       ["jobDefinitions"])
             or f"No active job definition named '{name}' yet: register it with "
                f"batch.register_job_definition(jobDefinitionName='{name}', ...).", name)
    return max(revisions, key=lambda d: d["revision"])


def _requirements(definition):
    found = {}
    for item in (definition.get("containerProperties") or {}).get("resourceRequirements") or []:
        found[str(item.get("type", "")).upper()] = item.get("value")
    return found


def _check_common_definition(definition):
    with about(definition["jobDefinitionName"]):
        return _judge_common_definition(definition)


def _judge_common_definition(definition):
    label = f"{definition['jobDefinitionName']}:{definition['revision']}"
    assert definition.get("type") == "container", (
        f"{label} is a {definition.get('type')} job definition; use type 'container' (one "
        "container per job; multinode is for tightly coupled jobs on several instances).")
    container = definition.get("containerProperties") or {}
    retry = definition.get("retryStrategy") or {}
    attempts = retry.get("attempts")
    assert attempts is not None, (
        f"{label} has no retryStrategy, so a job that fails once (a non-zero exit code, or a "
        "Spot instance taken back) ends FAILED. Set retryStrategy={'attempts': 3}.")
    assert 1 <= attempts <= 10, (
        f"{label} asks for {attempts} attempts; AWS accepts 1 to 10.")
    assert attempts >= 2, (
        f"{label} has attempts=1, which AWS accepts but which never retries: the first "
        "failure (for example a Spot interruption) is final. Use 2 to 10 attempts.")
    rules = retry.get("evaluateOnExit") or []
    assert len(rules) <= 5, (
        f"{label}'s retryStrategy has {len(rules)} evaluateOnExit conditions; AWS allows at "
        "most 5.")
    actions = sorted({str(r.get("action")) for r in rules
                      if str(r.get("action")).upper() not in ("RETRY", "EXIT")})
    assert not actions, (
        f"{label}'s evaluateOnExit uses action {', '.join(actions)}; each condition's action "
        "must be RETRY or EXIT.")
    return label, container


# --- jobs -----------------------------------------------------------------------------------

def _jobs(aws):
    """Every job (array parents included, array children left out) in the lab's queues."""
    return aws.once("batch.jobs", lambda: _read_jobs(aws))


def _read_jobs(aws):
    batch = aws.client("batch")
    ids = []
    for name in (EC2_QUEUE, FARGATE_QUEUE):
        if not _queue(aws, name):
            continue
        # With a filter, list_jobs returns jobs in every status (without one, only RUNNING).
        pages = batch.get_paginator("list_jobs").paginate(
            jobQueue=name, filters=[{"name": "AFTER_CREATED_AT", "values": ["0"]}])
        ids += [j["jobId"] for page in pages for j in page["jobSummaryList"]
                if ":" not in j["jobId"]]
    jobs = []
    unique = sorted(set(ids))
    for start in range(0, len(unique), 100):
        jobs += batch.describe_jobs(jobs=unique[start:start + 100])["jobs"]
    jobs = [j for j in jobs if "index" not in (j.get("arrayProperties") or {})]
    return sorted(jobs, key=lambda j: (j.get("createdAt", 0), j["jobName"]))


def _queue_kind(aws, queue_ref):
    queue = _queue(aws, (queue_ref or "").rsplit("/", 1)[-1])
    kinds = ({_kind(env) for _, _, env in _queue_environments(aws, queue) if env}
             if queue else set())
    if kinds and kinds <= set(FARGATE_KINDS):
        return "FARGATE"
    if kinds and kinds <= set(EC2_KINDS):
        return "EC2"
    return None


def _job_problem(aws, job):
    """Why ``job`` does not count, or None when it does."""
    name = job["jobName"]
    definition = next((d for d in _definitions(aws)
                       if job["jobDefinition"] == d["jobDefinitionArn"]), {})
    family = definition.get("jobDefinitionName")
    if family not in (EC2_JOB, FARGATE_JOB):
        return (f"Job '{name}' was submitted from job definition '{family}'; submit it from "
                f"{EC2_JOB} or {FARGATE_JOB}.")
    platform = "FARGATE" if "FARGATE" in (definition.get("platformCapabilities") or []) else "EC2"
    queue_name = job["jobQueue"].rsplit("/", 1)[-1]
    if _queue_kind(aws, job["jobQueue"]) != platform:
        return (f"Job '{name}' uses {family}, a job definition for {platform}, but was "
                f"submitted to {queue_name}, whose compute environments are not all {platform}. "
                "Batch can only place a job where its definition's platformCapabilities match "
                f"the queue's compute environments: submit {EC2_JOB} to {EC2_QUEUE} and "
                f"{FARGATE_JOB} to {FARGATE_QUEUE}.")
    if job.get("status") == "FAILED":
        reason = job.get("statusReason") or "no statusReason given"
        return (f"Job '{name}' is FAILED ({reason}). Read the reason with batch.describe_jobs, "
                "fix the cause and submit it again.")
    return None


def _check_jobs(aws, array):
    jobs = [j for j in _jobs(aws)
            if ("size" in (j.get("arrayProperties") or {})) == array]
    what = "array job" if array else "job (not an array job)"
    assert jobs, (
        f"No {what} in {EC2_QUEUE} or {FARGATE_QUEUE} yet: submit one with batch.submit_job"
        + (", passing arrayProperties={'size': 5}." if array else "."))
    problems = []
    for job in jobs:
        size = (job.get("arrayProperties") or {}).get("size", 0)
        problem = (f"Array job '{job['jobName']}' has size {size}; AWS accepts array sizes "
                   "from 2 to 10,000 (one child needs no array)."
                   if array and not 2 <= size <= 10000 else _job_problem(aws, job))
        if problem is None:
            return
        problems.append((job["jobId"], problem))
    fail(problems[0][1], problems[0][0])


# --- checks ---------------------------------------------------------------------------------

def _trust_json(service):
    return ("json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', "
            f"'Principal': {{'Service': '{service}'}}, 'Action': 'sts:AssumeRole'}}]}})")


@check(points=3, hint=f"iam.create_role(RoleName='{INSTANCE_ROLE}', AssumeRolePolicyDocument="
                      f"{_trust_json(EC2)}); iam.attach_role_policy(RoleName='{INSTANCE_ROLE}', "
                      f"PolicyArn='{POLICIES[INSTANCE_ROLE]}'); iam.create_instance_profile("
                      f"InstanceProfileName='{INSTANCE_ROLE}'); iam.add_role_to_instance_profile("
                      f"InstanceProfileName='{INSTANCE_ROLE}', RoleName='{INSTANCE_ROLE}')")
def batch_roles(aws):
    """Batch's service role, the ECS instance role with its profile, and the execution role"""
    if shared_reads.role(aws, SERVICE_ROLE) or not _service_linked_role(aws):
        _check_role(aws, SERVICE_ROLE, BATCH,
                    "Batch assumes this service role to launch, scale and terminate the "
                    "capacity of your managed compute environments.")
    _check_role(aws, INSTANCE_ROLE, EC2,
                "The ECS agent on every instance of an EC2 or Spot environment uses it to "
                "register with the environment's ECS cluster.")
    profiles = shared_reads.role(aws, INSTANCE_ROLE).get("InstanceProfileList")
    assert profiles, (
        f"{INSTANCE_ROLE} is in no instance profile. EC2 attaches roles to instances only "
        "through an instance profile, and a compute environment's instanceRole names one: "
        f"iam.create_instance_profile(InstanceProfileName='{INSTANCE_ROLE}') then "
        "add_role_to_instance_profile (the console does this for you; the API does not).")
    _check_role(aws, EXECUTION_ROLE, ECS_TASKS,
                "On Fargate, ECS's agent assumes this execution role to pull the image and "
                "send the job's output to CloudWatch Logs.")


@check(points=2, hint=f"batch.create_compute_environment(computeEnvironmentName='{SPOT_CE}', "
                      "type='MANAGED', state='ENABLED', serviceRole=service_role_arn, "
                      "computeResources={'type': 'SPOT', 'allocationStrategy': "
                      "'SPOT_PRICE_CAPACITY_OPTIMIZED', 'minvCpus': 0, 'maxvCpus': 64, "
                      "'instanceTypes': ['optimal'], 'subnets': subnet_ids, "
                      "'securityGroupIds': [sg_id], 'instanceRole': 'ecsInstanceRole'})")
@names(SPOT_CE)
def spot_compute_environment(aws):
    """Managed compute environment spot-ce runs on Spot with a Spot allocation strategy"""
    env = _environment(aws, SPOT_CE, "create it with batch.create_compute_environment.")
    resources = _check_ec2_environment(aws, env, "SPOT")
    strategy = resources.get("allocationStrategy")
    assert strategy in SPOT_STRATEGIES, (
        f"{SPOT_CE} uses allocation strategy {strategy or 'BEST_FIT (the default)'}. Use "
        "SPOT_PRICE_CAPACITY_OPTIMIZED or SPOT_CAPACITY_OPTIMIZED: Batch then picks the Spot "
        "pools least likely to be interrupted and can fall back to other instance types. "
        "BEST_FIT waits for one instance type and needs a Spot Fleet role (spotIamFleetRole); "
        "BEST_FIT_PROGRESSIVE picks the cheapest vCPUs without asking how likely a pool is to "
        "be interrupted.")


@check(points=1, hint=f"batch.create_compute_environment(computeEnvironmentName='{ONDEMAND_CE}'"
                      ", type='MANAGED', state='ENABLED', serviceRole=service_role_arn, "
                      "computeResources={'type': 'EC2', 'allocationStrategy': "
                      "'BEST_FIT_PROGRESSIVE', 'minvCpus': 0, 'maxvCpus': 32, 'instanceTypes': "
                      "['optimal'], 'subnets': subnet_ids, 'securityGroupIds': [sg_id], "
                      "'instanceRole': 'ecsInstanceRole'})")
@names(ONDEMAND_CE)
def ondemand_compute_environment(aws):
    """Managed compute environment ondemand-ce runs On-Demand EC2 instances"""
    env = _environment(aws, ONDEMAND_CE, "create it with batch.create_compute_environment.")
    resources = _check_ec2_environment(aws, env, "EC2")
    strategy = resources.get("allocationStrategy") or "BEST_FIT"
    assert not strategy.startswith("SPOT_"), (
        f"{ONDEMAND_CE} uses {strategy}, a strategy AWS offers only for Spot compute "
        "environments. Use BEST_FIT_PROGRESSIVE (or leave it out for BEST_FIT).")


@check(points=3, hint=f"batch.create_job_queue(jobQueueName='{EC2_QUEUE}', state='ENABLED', "
                      f"priority=10, computeEnvironmentOrder=[{{'order': 1, "
                      f"'computeEnvironment': '{SPOT_CE}'}}, {{'order': 2, "
                      f"'computeEnvironment': '{ONDEMAND_CE}'}}])")
@names(EC2_QUEUE)
def ec2_queue_prefers_spot(aws):
    """Job queue ec2-queue tries spot-ce first and falls back to ondemand-ce"""
    _, entries = _check_queue(aws, EC2_QUEUE, "create it with batch.create_job_queue.")
    orders = {env_name: order for order, env_name, _ in entries}
    for name in (SPOT_CE, ONDEMAND_CE):
        assert name in orders, (
            f"{EC2_QUEUE} does not list {name}; its computeEnvironmentOrder needs both "
            f"{SPOT_CE} and {ONDEMAND_CE}.")
    assert orders[SPOT_CE] < orders[ONDEMAND_CE], (
        f"{EC2_QUEUE} gives {SPOT_CE} order {orders[SPOT_CE]} and {ONDEMAND_CE} order "
        f"{orders[ONDEMAND_CE]}. Batch tries compute environments in ascending order, so give "
        f"{SPOT_CE} the lower number (1) to use cheap Spot capacity first and fall back to "
        "On-Demand only when Spot is short.")


@check(points=2, hint=f"batch.create_compute_environment(computeEnvironmentName='{FARGATE_CE}'"
                      ", type='MANAGED', state='ENABLED', serviceRole=service_role_arn, "
                      "computeResources={'type': 'FARGATE', 'maxvCpus': 16, 'subnets': "
                      f"subnet_ids, 'securityGroupIds': [sg_id]}}); batch.create_job_queue("
                      f"jobQueueName='{FARGATE_QUEUE}', state='ENABLED', priority=10, "
                      f"computeEnvironmentOrder=[{{'order': 1, 'computeEnvironment': "
                      f"'{FARGATE_CE}'}}])")
@names(FARGATE_CE, FARGATE_QUEUE)
def fargate_environment_and_queue(aws):
    """Fargate compute environment fargate-ce serves its own queue, fargate-queue"""
    env = _environment(aws, FARGATE_CE, "create it with batch.create_compute_environment "
                                        "and computeResources type FARGATE.")
    _check_managed(aws, env)
    kind = _kind(env)
    assert kind in FARGATE_KINDS, (
        f"{FARGATE_CE} has computeResources type {kind or 'none'}; use FARGATE (or "
        "FARGATE_SPOT), where AWS runs each job as a Fargate task and there are no "
        "instances.")
    resources = env.get("computeResources") or {}
    extra = [k for k in EC2_ONLY if resources.get(k) not in (None, "", 0, [], {})]
    assert not extra, (
        f"{FARGATE_CE} sets {', '.join(extra)}, which AWS rejects for Fargate compute "
        "environments: there are no instances to choose, size or give a role. Give only type, "
        "maxvCpus, subnets and securityGroupIds.")
    _, entries = _check_queue(aws, FARGATE_QUEUE, "create it with batch.create_job_queue.")
    assert FARGATE_CE in {env_name for _, env_name, _ in entries}, (
        f"{FARGATE_QUEUE} does not list {FARGATE_CE} in its computeEnvironmentOrder.")


@check(points=2, hint=f"batch.register_job_definition(jobDefinitionName='{EC2_JOB}', "
                      "type='container', retryStrategy={'attempts': 3}, containerProperties={"
                      "'image': 'public.ecr.aws/docker/library/busybox:latest', 'command': "
                      "['echo', 'thumbnail'], 'resourceRequirements': [{'type': 'VCPU', "
                      "'value': '1'}, {'type': 'MEMORY', 'value': '2048'}]})")
@names(EC2_JOB)
def ec2_job_definition(aws):
    """Job definition thumbnail runs on EC2 with vCPU, memory and a retry strategy"""
    definition = _newest(aws, EC2_JOB)
    label, container = _check_common_definition(definition)
    platforms = definition.get("platformCapabilities") or ["EC2"]
    assert platforms == ["EC2"], (
        f"{label} has platformCapabilities {platforms}; this definition runs on the EC2/Spot "
        f"queue, so leave platformCapabilities out or set ['EC2'] ({FARGATE_JOB} is the "
        "Fargate one).")
    needs = _requirements(definition)
    vcpus = _number(needs.get("VCPU", container.get("vcpus")))
    memory = _number(needs.get("MEMORY", container.get("memory")))
    assert vcpus and memory, (
        f"{label} reserves no {'vCPU' if not vcpus else 'memory'}. Give resourceRequirements "
        "VCPU and MEMORY (MiB), so Batch knows how much of an instance each job needs.")
    assert vcpus >= 1, (
        f"{label} reserves {_show(vcpus)} vCPU; on EC2 resources AWS requires at least one "
        "vCPU per job (fractions like 0.25 exist only on Fargate).")
    assert not container.get("networkConfiguration"), (
        f"{label} sets networkConfiguration, which AWS allows only for jobs on Fargate; jobs on "
        "EC2 use the instance's network.")


@check(points=3, hint=f"batch.register_job_definition(jobDefinitionName='{FARGATE_JOB}', "
                      "type='container', platformCapabilities=['FARGATE'], retryStrategy="
                      "{'attempts': 3}, containerProperties={'image': ..., "
                      "'executionRoleArn': execution_role_arn, 'networkConfiguration': "
                      "{'assignPublicIp': 'ENABLED'}, 'resourceRequirements': [{'type': "
                      "'VCPU', 'value': '0.5'}, {'type': 'MEMORY', 'value': '1024'}]})")
@names(FARGATE_JOB)
def fargate_job_definition(aws):
    """Job definition thumbnail-fargate is valid for Fargate"""
    definition = _newest(aws, FARGATE_JOB)
    label, container = _check_common_definition(definition)
    platforms = definition.get("platformCapabilities") or ["EC2"]
    assert platforms == ["FARGATE"], (
        f"{label} has platformCapabilities {platforms}; a job that runs on Fargate needs "
        "platformCapabilities=['FARGATE'] (without it the definition is for EC2).")
    legacy = [k for k in ("vcpus", "memory") if container.get(k)]
    assert not legacy, (
        f"{label} sets containerProperties {' and '.join(legacy)}. Those fields are deprecated "
        "and not supported on Fargate: give VCPU and MEMORY in resourceRequirements.")
    needs = _requirements(definition)
    assert "VCPU" in needs and "MEMORY" in needs, (
        f"{label} has no {'VCPU' if 'VCPU' not in needs else 'MEMORY'} in resourceRequirements; "
        "Fargate needs both: you pay for exactly that size.")
    vcpus, memory = _number(needs["VCPU"]), _number(needs["MEMORY"])
    too_big = vcpus is not None and vcpus > max(FARGATE_SIZES)
    assert not too_big, (
        f"{label} asks for {needs['VCPU']} vCPU. Batch jobs on Fargate get at most 16 vCPU and "
        "120 GiB of memory; a job that needs more belongs on an EC2 compute environment.")
    assert vcpus in FARGATE_SIZES, (
        f"{label} asks for VCPU '{needs['VCPU']}'. On Fargate VCPU must be 0.25, 0.5, 1, 2, 4, "
        "8 or 16.")
    assert memory is not None and memory.is_integer() and fargate_pair_ok(vcpus, int(memory)), (
        f"{label} pairs {_show(vcpus)} vCPU with MEMORY '{needs['MEMORY']}', a size Fargate "
        f"does not offer, so AWS rejects the job. With {_show(vcpus)} vCPU the memory (MiB) "
        f"must be {_describe_sizes(vcpus)}.")
    role_arn = container.get("executionRoleArn")
    assert role_arn, (
        f"{label} has no executionRoleArn. AWS requires one on Fargate: ECS's agent assumes it "
        "to pull the image and write the job's output to CloudWatch Logs.")
    role = shared_reads.role_by_arn(aws, role_arn)
    assert role, (
        f"{label}'s executionRoleArn does not name an IAM role in your account: pass the Arn "
        "that iam.get_role returns.")
    assert _trusts(role.get("AssumeRolePolicyDocument"), ECS_TASKS), (
        f"{label}'s execution role '{role['RoleName']}' does not trust {ECS_TASKS}, so the "
        "agent that starts the job cannot assume it.")
    statements = shared_reads.role_statements(aws, role["RoleName"])
    missing = [a for a in LOG_ACTIONS if not grants(statements, a)]
    assert not missing, (
        f"{label}'s execution role '{role['RoleName']}' does not allow {', '.join(missing)}, "
        "so the job's output cannot reach CloudWatch Logs (Batch logs with awslogs). Attach "
        "AmazonECSTaskExecutionRolePolicy.")
    public_ip = (container.get("networkConfiguration") or {}).get("assignPublicIp", "DISABLED")
    assert public_ip == "ENABLED" or _private_with_nat(aws), (
        f"{label} leaves assignPublicIp {public_ip}. {FARGATE_CE}'s subnets have no route to a "
        "NAT gateway, so without a public IP the job could not reach the internet to pull its "
        "image and would fail: set networkConfiguration={'assignPublicIp': 'ENABLED'}.")


def _private_with_nat(aws):
    """True when every subnet of fargate-ce sends 0.0.0.0/0 to a NAT gateway."""
    ec2 = aws.client("ec2")
    env = _environments(aws).get(FARGATE_CE)
    subnet_ids = ((env or {}).get("computeResources") or {}).get("subnets") or []
    known = shared_reads.subnets(aws)
    if not subnet_ids or not set(subnet_ids) <= set(known):
        return False
    for subnet in (known[i] for i in subnet_ids):
        tables = ec2.describe_route_tables(Filters=[
            {"Name": "association.subnet-id", "Values": [subnet["SubnetId"]]}])["RouteTables"]
        if not tables:
            tables = ec2.describe_route_tables(Filters=[
                {"Name": "vpc-id", "Values": [subnet["VpcId"]]},
                {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        routes = [r for t in tables for r in t.get("Routes", [])]
        if not any(r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("NatGatewayId")
                   for r in routes):
            return False
    return True


@check(points=1, hint=f"batch.submit_job(jobName='thumbnail-one', jobQueue='{EC2_QUEUE}', "
                      f"jobDefinition='{EC2_JOB}'); then batch.describe_jobs(jobs=[job_id])")
def job_submitted(aws):
    """A job runs from a lab job definition on a matching queue"""
    _check_jobs(aws, array=False)


@check(points=2, hint=f"batch.submit_job(jobName='thumbnails', jobQueue='{FARGATE_QUEUE}', "
                      f"jobDefinition='{FARGATE_JOB}', arrayProperties={{'size': 5}})")
def array_job_submitted(aws):
    """An array job of 2 to 10,000 children runs on a matching queue"""
    _check_jobs(aws, array=True)


def setup(aws):
    """Make sure the default VPC has subnets in at least two Availability Zones."""
    ensure_default_subnets(aws.client("ec2"))
