"""Lab 02 against a real moto server: each broken rule loses exactly its checks' points, and
alternative correct solutions (capacity providers, unit strings, own VPC...) get full marks."""

from __future__ import annotations

import json

import pytest
from labkit import (
    assert_broken_rule,
    assert_passes,
    load_module,
    output,
    points_of,
    scorer,
)

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("02")
POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
POINTS = points_of(LAB)
FULL = sum(POINTS.values())
score_without = scorer(POINTS)
CHECKS = load_module(LAB)
UNSET = object()


def trust(*principals, extra=()):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": list(principals)},
         "Action": ["sts:AssumeRole"]}, *extra]})


def build(aws, *, cluster="web-cluster", role_trust=None, attach=True, role_arn=UNSET,
          image="nginx:1.26", new_image="nginx:1.27", port=UNSET, log_options=None,
          create_log_group=True, task=None, container=None, desired=2, launch="FARGATE",
          strategy=None, network="two-az", update=True):
    """Lab 02 done one way; keyword arguments introduce one mistake or alternative each.

    Every step overwrites what an earlier build() left behind (trust policy, attached
    policy, log group, newest revision, service), so the shared account can be rebuilt
    with another mistake; its older revisions are the history a real learner leaves.
    """
    ecs, iam, ec2 = aws.client("ecs"), aws.client("iam"), aws.client("ec2")
    ecs.create_cluster(clusterName=cluster)
    arn = _role(iam, role_trust or trust("ecs-tasks.amazonaws.com"), attach)
    _log_group(aws.client("logs"), create_log_group)
    settings = {"family": "webserver", "requiresCompatibilities": ["FARGATE"],
                "networkMode": "awsvpc", "cpu": "256", "memory": "512",
                "executionRoleArn": arn if role_arn is UNSET else role_arn}
    settings.update(task or {})
    settings = {k: v for k, v in settings.items() if v is not None}

    def register(tag):
        spec = {"name": "web", "image": tag,
                "portMappings": [{"containerPort": 80}] if port is UNSET else port,
                "logConfiguration": {"logDriver": "awslogs", "options": log_options or {
                    "awslogs-group": "/ecs/webserver", "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "web"}}}
        spec.update(container or {})
        return ecs.register_task_definition(**settings, containerDefinitions=[spec])[
            "taskDefinition"]["taskDefinitionArn"]

    first = register(image)
    subnets, groups = _network(ec2, network)
    if ecs.describe_services(cluster=cluster, services=["web"])["services"]:
        ecs.delete_service(cluster=cluster, service="web", force=True)
    kwargs = {"launchType": launch} if launch else {}
    if network != "none":
        kwargs["networkConfiguration"] = {"awsvpcConfiguration": {
            "subnets": subnets, "securityGroups": groups, "assignPublicIp": "ENABLED"}}
    ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=first,
                       desiredCount=desired, **kwargs)
    if strategy:
        ecs.update_service(cluster=cluster, service="web", capacityProviderStrategy=strategy,
                           forceNewDeployment=True)
    if new_image:
        second = register(new_image)
        if update:
            ecs.update_service(cluster=cluster, service="web", taskDefinition=second)
    if network == "subnet deleted":
        ec2.delete_subnet(SubnetId=subnets[1])
    if network == "sg deleted":
        ec2.delete_security_group(GroupId=groups[0])


def _role(iam, document, attach):
    try:
        arn = iam.create_role(RoleName="ecsTaskExecutionRole",
                              AssumeRolePolicyDocument=document)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName="ecsTaskExecutionRole", PolicyDocument=document)
        arn = iam.get_role(RoleName="ecsTaskExecutionRole")["Role"]["Arn"]
    if attach:
        iam.attach_role_policy(RoleName="ecsTaskExecutionRole", PolicyArn=POLICY)
    else:
        attached = iam.list_attached_role_policies(RoleName="ecsTaskExecutionRole")
        if attached["AttachedPolicies"]:
            iam.detach_role_policy(RoleName="ecsTaskExecutionRole", PolicyArn=POLICY)
    return arn


def _log_group(logs, create):
    exists = logs.describe_log_groups(logGroupNamePrefix="/ecs/webserver")["logGroups"]
    if create and not exists:
        logs.create_log_group(logGroupName="/ecs/webserver")
    if exists and not create:
        logs.delete_log_group(logGroupName="/ecs/webserver")


def _network(ec2, kind):
    """Two default subnets in different AZs and security group web-svc, or one mistake."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = sorted(ec2.describe_subnets(Filters=[
        {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
        {"Name": "default-for-az", "Values": ["true"]}])["Subnets"],
        key=lambda s: s["AvailabilityZone"])
    ids = [subnets[0]["SubnetId"], subnets[1]["SubnetId"]]
    group = _group(ec2, "web-svc", vpc["VpcId"])
    if kind == "one subnet":
        ids = ids[:1]
    elif kind == "one az":
        ids[1] = _subnet(ec2, vpc["VpcId"], "172.31.96.0/20", subnets[0]["AvailabilityZone"])
    elif kind == "subnet deleted":
        ids[1] = _subnet(ec2, vpc["VpcId"], "172.31.112.0/20", subnets[1]["AvailabilityZone"])
    elif kind == "sg deleted":
        group = ec2.create_security_group(GroupName="web-svc-gone", Description="deleted",
                                          VpcId=vpc["VpcId"])["GroupId"]
    elif kind == "sg other vpc":
        other = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        group = _group(ec2, "elsewhere", other)
    return ids, [group]


def _subnet(ec2, vpc, cidr, zone):
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                          {"Name": "cidr-block", "Values": [cidr]}])["Subnets"]
    if found:
        return found[0]["SubnetId"]
    return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"][
        "SubnetId"]


def _group(ec2, name, vpc):
    found = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]},
                                                  {"Name": "vpc-id", "Values": [vpc]}])
    if found["SecurityGroups"]:
        return found["SecurityGroups"][0]["GroupId"]
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]


@pytest.fixture(scope="module")
def shared_aws(lab_account):
    """One set-up account that build() rewrites for each variant (fresh ones cost ~1 s)."""
    return lab_account(LAB.id)


def test_capacity_providers_unit_strings_and_log_group_autocreate_get_full_marks(fresh_aws):
    """FARGATE_SPOT/FARGATE strategy set with update_service (moto drops it on create_service),
    '1 vCPU'/'2 GB', list-form trust with a SourceAccount condition, an ECR Public image,
    awslogs-create-group with an inline logs:CreateLogGroup grant, update by family name."""
    aws = fresh_aws(LAB.id)
    ecs, iam, ec2 = aws.client("ecs"), aws.client("iam"), aws.client("ec2")
    ecs.create_cluster(clusterName="web-cluster", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                       defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE",
                                                         "weight": 1}])
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": aws.account_id}}}]}
    role = iam.create_role(RoleName="ecsTaskExecutionRole",
                           AssumeRolePolicyDocument=json.dumps(document))["Role"]
    iam.attach_role_policy(RoleName="ecsTaskExecutionRole", PolicyArn=POLICY)
    iam.put_role_policy(RoleName="ecsTaskExecutionRole", PolicyName="create-log-group",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Action": "logs:CreateLogGroup",
                            "Resource": "*"}]}))

    def register(image):
        return ecs.register_task_definition(
            family="webserver", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="1 vCPU", memory="2 GB", executionRoleArn=role["Arn"],
            containerDefinitions=[{
                "name": "nginx", "image": image,
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "nginx", "awslogs-create-group": "true"}}}])

    register("public.ecr.aws/nginx/nginx:1.26")
    subnets, groups = _network(ec2, "two-az")
    strategy = [{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3}]
    ecs.create_service(cluster="web-cluster", serviceName="web", taskDefinition="webserver",
                       desiredCount=2, capacityProviderStrategy=strategy,
                       networkConfiguration={"awsvpcConfiguration": {
                           "subnets": subnets, "securityGroups": groups}})
    ecs.update_service(cluster="web-cluster", service="web", capacityProviderStrategy=strategy,
                       forceNewDeployment=True)
    register("public.ecr.aws/nginx/nginx:1.27-alpine")
    ecs.update_service(cluster="web-cluster", service="web", taskDefinition="webserver")
    result = check_lab(LAB, aws)
    assert_passes(result)
    assert result.score == FULL


def test_own_vpc_biggest_size_and_a_withdrawn_revision_get_full_marks(fresh_aws):
    """A new VPC with two subnets, 16 vCPU / 120 GB, the role given by name, a broken
    revision deregistered, and the old revision deregistered after the rollout."""
    aws = fresh_aws(LAB.id)
    ecs, iam, ec2 = aws.client("ecs"), aws.client("iam"), aws.client("ec2")
    ecs.create_cluster(clusterName="web-cluster")
    iam.create_role(RoleName="ecsTaskExecutionRole", Path="/",
                    AssumeRolePolicyDocument=trust("ecs-tasks.amazonaws.com"))
    iam.attach_role_policy(RoleName="ecsTaskExecutionRole", PolicyArn=POLICY)
    aws.client("logs").create_log_group(logGroupName="/ecs/webserver")

    def register(image, memory="122880"):
        return ecs.register_task_definition(
            family="webserver", requiresCompatibilities=["FARGATE", "EC2"],
            networkMode="awsvpc", cpu="16384", memory=memory,
            executionRoleArn="ecsTaskExecutionRole",
            containerDefinitions=[{
                "name": "web", "image": image, "portMappings": [{"containerPort": 80}],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/ecs/webserver", "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "web"}}}])["taskDefinition"]["taskDefinitionArn"]

    first = register("nginx")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in enumerate(["us-east-1a", "us-east-1b"])]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ecs.create_service(cluster="web-cluster", serviceName="web", taskDefinition=first,
                       desiredCount=2, launchType="FARGATE", networkConfiguration={
                           "awsvpcConfiguration": {"subnets": subnets,
                                                   "securityGroups": [group]}})
    broken = register("nginx:1.27", memory="100000")
    ecs.deregister_task_definition(taskDefinition=broken)
    register("nginx:1.27")
    ecs.update_service(cluster="web-cluster", service="web", taskDefinition="webserver:3")
    ecs.deregister_task_definition(taskDefinition=first)
    result = check_lab(LAB, aws)
    assert_passes(result)
    assert result.score == FULL


# (rule number in lab.toml `rules`, mistake, build() arguments, checks lost, message part)
VARIANTS = [
    (0, "cluster named differently", {"cluster": "webcluster"},
     ["cluster_created", "fargate_service", "service_runs_new_revision"], "web-cluster"),
    (1, "role trusts ec2", {"role_trust": trust("ec2.amazonaws.com")},
     ["execution_role", "fargate_task_definition"], "ec2.amazonaws.com"),
    (1, "role open to everyone", {"role_trust": trust("ecs-tasks.amazonaws.com", extra=[
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}])},
     ["execution_role"], "any principal"),
    (1, "trust allowed then denied", {"role_trust": trust("ecs-tasks.amazonaws.com", extra=[
        {"Effect": "Deny", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
         "Action": "sts:AssumeRole"}])},
     ["execution_role", "fargate_task_definition"], "no service principal"),
    (2, "execution policy not attached", {"attach": False}, ["execution_role"],
     "AmazonECSTaskExecutionRolePolicy"),
    (3, "no port mapping", {"port": []}, ["nginx_container_logs_to_cloudwatch"],
     "containerPort 80"),
    (3, "httpd instead of nginx", {"image": "httpd:2.4", "new_image": "httpd:2.4.62"},
     ["nginx_container_logs_to_cloudwatch", "service_runs_new_revision"], "nginx"),
    (4, "hostPort differs", {"port": [{"containerPort": 80, "hostPort": 8080}]},
     ["nginx_container_logs_to_cloudwatch"], "hostPort"),
    (5, "no stream prefix", {"log_options": {"awslogs-group": "/ecs/webserver",
                                             "awslogs-region": "us-east-1"}},
     ["nginx_container_logs_to_cloudwatch"], "awslogs-stream-prefix"),
    (5, "made-up region", {"log_options": {"awslogs-group": "/ecs/webserver",
                                           "awslogs-region": "us-middle-1",
                                           "awslogs-stream-prefix": "web"}},
     ["nginx_container_logs_to_cloudwatch"], "Region"),
    (5, "json-file driver", {"container": {"logConfiguration": {"logDriver": "json-file"}}},
     ["nginx_container_logs_to_cloudwatch"], "awslogs"),
    (6, "log group never created", {"create_log_group": False},
     ["nginx_container_logs_to_cloudwatch"], "does not exist"),
    (6, "create-group without permission", {"create_log_group": False, "log_options": {
        "awslogs-group": "/ecs/webserver", "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "web", "awslogs-create-group": "true"}},
     ["nginx_container_logs_to_cloudwatch"], "logs:CreateLogGroup"),
    (7, "bridge networking (EC2 only)", {"task": {"networkMode": "bridge",
                                                  "requiresCompatibilities": ["EC2"]}},
     ["fargate_task_definition"], "awsvpc"),
    (8, "FARGATE not required", {"task": {"requiresCompatibilities": None}},
     ["fargate_task_definition"], "requiresCompatibilities"),
    (9, "only container-level sizes", {"task": {"cpu": None, "memory": None},
                                       "container": {"cpu": 256, "memory": 512}},
     ["fargate_task_definition"], "task-level"),
    (10, "256 CPU with 4 GB", {"task": {"memory": "4096"}}, ["fargate_task_definition"],
     "512, 1024, 2048"),
    (10, "8 vCPU off the 4 GB step", {"task": {"cpu": "8192", "memory": "18432"}},
     ["fargate_task_definition"], "16384 to 61440 in steps of 4096"),
    (10, "cpu that is no Fargate size", {"task": {"cpu": "300"}}, ["fargate_task_definition"],
     "CPU units"),
    (11, "no execution role", {"role_arn": None}, ["fargate_task_definition"],
     "executionRoleArn"),
    (11, "execution role that does not exist",
     {"role_arn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"},
     ["fargate_task_definition"], "does not name an IAM role"),
    (12, "one task only", {"desired": 1}, ["fargate_service"], "desiredCount 1"),
    (13, "EC2 launch type", {"launch": "EC2"}, ["fargate_service"], "no instances to manage"),
    (13, "strategy with unassociated FARGATE_SPOT",
     {"strategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}, ["fargate_service"],
     "not associated"),
    (13, "strategy with an EC2 capacity provider",
     {"strategy": [{"capacityProvider": "my-asg-provider", "weight": 1}]}, ["fargate_service"],
     "my-asg-provider"),
    (14, "no network configuration", {"network": "none"}, ["fargate_service"],
     "awsvpcConfiguration"),
    (14, "one subnet", {"network": "one subnet"}, ["fargate_service"], "1 subnet"),
    (14, "two subnets in one AZ", {"network": "one az"}, ["fargate_service"],
     "one Availability Zone"),
    (14, "subnet deleted", {"network": "subnet deleted"}, ["fargate_service"],
     "do not exist"),
    (14, "security group deleted", {"network": "sg deleted"}, ["fargate_service"],
     "security group"),
    (14, "security group from another VPC", {"network": "sg other vpc"}, ["fargate_service"],
     "same VPC"),
    (15, "no second revision", {"new_image": None}, ["service_runs_new_revision"],
     "only revision 1"),
    (15, "second revision keeps the tag", {"image": "nginx", "new_image": "nginx:latest"},
     ["service_runs_new_revision"], "same image tag"),
    (16, "service left on the older revision", {"update": False},
     ["service_runs_new_revision"], "does not change running services"),
]
# These need an account with no history; the others rebuild the shared account.
NEED_FRESH = {"cluster named differently", "no second revision", "second revision keeps the tag"}


@pytest.mark.parametrize("rule, mistake, kwargs, lost, message",
                         VARIANTS, ids=[v[1] for v in VARIANTS])
def test_each_broken_rule_loses_exactly_its_checks(fresh_aws, shared_aws, rule, mistake, kwargs,
                                                   lost, message):
    aws = fresh_aws(LAB.id) if mistake in NEED_FRESH else shared_aws
    build(aws, **kwargs)
    assert_broken_rule(check_lab(LAB, aws), aws, lost, message, score_without)


def test_every_rule_has_a_failing_variant():
    assert {v[0] for v in VARIANTS} == set(range(len(LAB.rules)))


def test_ec2_launch_type_message_says_why(shared_aws):
    build(shared_aws, launch="EC2")
    said = output(check_lab(LAB, shared_aws), "fargate_service")
    assert "EC2 launch type" in said and "container instances" in said


def test_rebuilding_the_shared_account_without_mistakes_gets_full_marks(shared_aws):
    build(shared_aws, launch="EC2", create_log_group=False, attach=False)
    build(shared_aws)
    assert_passes(check_lab(LAB, shared_aws))


def test_setup_restores_subnets_in_two_zones(fresh_aws):
    aws = fresh_aws(LAB.id)
    ec2 = aws.client("ec2")
    for subnet in ec2.describe_subnets()["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    LAB.setup_fn()(aws)
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    assert len({s["AvailabilityZone"] for s in subnets["Subnets"]}) == 2
    LAB.setup_fn()(aws)  # idempotent
    assert len(ec2.describe_subnets()["Subnets"]) == 2


# The Fargate table as AWS documents it (task-cpu-memory-error.html), spelled out.
AWS_TABLE = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: [gb * 1024 for gb in range(4, 17)],
    4096: [gb * 1024 for gb in range(8, 31)],
    8192: [gb * 1024 for gb in range(16, 61, 4)],
    16384: [gb * 1024 for gb in range(32, 121, 8)],
}


def test_fargate_table_accepts_exactly_the_documented_pairs():
    documented = {(cpu, mem) for cpu, mems in AWS_TABLE.items() for mem in mems}
    candidates = {(cpu, mem) for cpu in [128, *AWS_TABLE, 3072, 32768]
                  for mem in range(0, 131073, 512)}
    accepted = {pair for pair in candidates if CHECKS.fargate_pair_ok(*pair)}
    assert accepted == documented
    assert len(documented) == 3 + 4 + 7 + 13 + 23 + 12 + 12


@pytest.mark.parametrize("cpu, memory, units, mib", [
    ("256", "512", 256, 512), (".25 vCPU", "0.5GB", 256, 512), ("1 vCPU", "2 GB", 1024, 2048),
    ("2vcpu", "16GB", 2048, 16384), ("16 vCPU", "120 GB", 16384, 122880),
    ("lots", "big", None, None), ("0.3 vCPU", "1.7GB", None, None),
])
def test_cpu_and_memory_units(cpu, memory, units, mib):
    assert CHECKS.cpu_units(cpu) == units
    assert CHECKS.memory_mib(memory) == mib


@pytest.mark.parametrize("image, repository, reference", [
    ("nginx", "nginx", "latest"), ("nginx:1.27", "nginx", "1.27"),
    ("public.ecr.aws/nginx/nginx:1.27-alpine", "public.ecr.aws/nginx/nginx", "1.27-alpine"),
    ("localhost:5000/nginx", "localhost:5000/nginx", "latest"),
    ("nginx@sha256:abc", "nginx", "@sha256:abc"),
])
def test_image_references(image, repository, reference):
    assert CHECKS.split_image(image) == (repository, reference)


def test_same_state_gives_identical_results(shared_aws):
    build(shared_aws, desired=1, port=[])
    assert check_lab(LAB, shared_aws).to_dict() == check_lab(LAB, shared_aws).to_dict()
