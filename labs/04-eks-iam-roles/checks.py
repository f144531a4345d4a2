"""Checks for lab 04: the IAM roles of an EKS cluster, and IRSA for one service account.

Every rule is listed in lab.toml ``rules``. moto stores trust and permissions policies
without validating or simulating them, and accepts roles that do not exist, so these checks
read the policy documents themselves (through boto3 only) and enforce what AWS would.
"""

from __future__ import annotations

from grader import check, fail
from grader.aws import REGION
from grader.kit import shared_reads
from grader.kit.lookups import or_none
from grader.kit.policies import (
    allow_statements,
    covers_action,
    is_aws_managed,
    listed,
    matches,
    names_everyone,
    principals,
    service_principals,
    statements,
)
from grader.kit.policy_probes import (
    Probe,
    allowed_probes,
    applies,
    condition_values,
    resources_named,
    verdict,
)
from grader.kit.regions import found_elsewhere

CLUSTER = "shop"
CLUSTER_ROLE = "eks-cluster-role"
NODE_ROLE = "eks-node-role"
POD_ROLE = "eks-pod-execution-role"
IRSA_ROLE = "report-reader"
NAMESPACE, SERVICE_ACCOUNT = "reports", "report-reader"
SUBJECT = f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}"
AUDIENCE = "sts.amazonaws.com"
BUCKET_PREFIX = "shop-reports-"
BUCKET_SHOWN = "shop-reports-<your account id>"
VPC_NAME = "eks-lab"

EKS, EC2, FARGATE = "eks.amazonaws.com", "ec2.amazonaws.com", "eks-fargate-pods.amazonaws.com"
WHO = {EKS: "the EKS control plane", EC2: "each EC2 node (through its instance profile)",
       FARGATE: "the Fargate infrastructure that runs your pods"}
ROLE_FOR = {EKS: "cluster role", EC2: "node role", FARGATE: "pod execution role"}

CLUSTER_POLICIES = [{"AmazonEKSClusterPolicy"}]
CLUSTER_EXTRAS = {"AmazonEKSVPCResourceController", "AmazonEKSServicePolicy",
                  "AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy",
                  "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy"}
NODE_POLICIES = [{"AmazonEKSWorkerNodePolicy"}, {"AmazonEKS_CNI_Policy"},
                 {"AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly"}]
NODE_EXTRAS = {"AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"}
POD_POLICIES = [{"AmazonEKSFargatePodExecutionRolePolicy"}]

OBJECT_READS = {"s3:getobject", "s3:getobjectversion"}
BUCKET_READS = {"s3:listbucket", "s3:getbucketlocation"}
IF_EXISTS = "IfExists"


# --- reading roles ------------------------------------------------------------------------

def _require_role(aws, name, what):
    role = shared_reads.role(aws, name)
    if not role:
        fail(f"No IAM role named '{name}' yet: create the {what} with iam.create_role.", name)
    return role


# --- service roles (cluster, node, pod execution) -----------------------------------------

OTHER_ACCOUNT = "arn:aws:iam::111122223333:root"


def _allows(found):
    """The Allow statements among ``found`` (a list of statements, not a document)."""
    return [s for s in found if s.get("Effect") == "Allow"]
STS_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
# What a service may harmlessly be allowed besides sts:AssumeRole (session tags, source
# identity); anything else in a service role's trust is a wildcard or NotAction at work.
SESSION_EXTRAS = ("sts:TagSession", "sts:SetSourceIdentity")


def _source_arn(service, account):
    """The aws:SourceArn the service sends when it assumes its role for this lab."""
    return {EKS: f"arn:aws:eks:{REGION}:{account}:cluster/{CLUSTER}",
            FARGATE: f"arn:aws:eks:{REGION}:{account}:fargateprofile/{CLUSTER}/reports/"
                     "0a1b2c3d-0000-1111-2222-333344445555",
            EC2: f"arn:aws:ec2:{REGION}:{account}:instance/i-0123456789abcdef0"}[service]


def _service_probes(service, account):
    """(the request that must be allowed, the requests that must not be)."""
    context = {"aws:SourceAccount": account, "aws:SourceArn": _source_arn(service, account)}
    must = Probe("sts:AssumeRole", ("Service", service), context=context)
    others = [("Service", s) for s in (EKS, EC2, FARGATE, "lambda.amazonaws.com",
                                        "pods.eks.amazonaws.com") if s != service]
    others += [("AWS", f"arn:aws:iam::{account}:root"), ("AWS", OTHER_ACCOUNT),
               ("Federated", "cognito-identity.amazonaws.com")]
    must_not = [Probe(action, who, context=context) for who in others for action in STS_ACTIONS]
    must_not += [Probe(action, ("Service", service), context=context)
                 for action in STS_ACTIONS[1:]]
    return must, must_not


def _service_trust_problem(name, doc, service, account):
    """Why ``name``'s trust policy does not mean "only ``service`` may sts:AssumeRole", or
    None. Judged on what the policy allows, so every form IAM reads the same way passes."""
    found = statements(doc)
    must, must_not = _service_probes(service, account)
    if not verdict(found, must):
        return _why_service_refused(name, found, service, must)
    wrong = allowed_probes(found, must_not)
    if not wrong:
        return None
    kind, who = wrong[0].principal
    if who == service:
        return (f"The trust policy of '{name}' {_too_broad(found, wrong[0])}, so {service} may "
                f"call {wrong[0].action} too: allow exactly sts:AssumeRole so the service can "
                "do nothing else with the role.")
    everyone = _everyone(name, found)
    if everyone:
        return everyone + f" A service role must trust exactly one service principal: {service}."
    shown = f"your account ({who.rsplit(':', 1)[-1]})" if who.endswith(f"{account}:root") else who
    return (f"The trust policy of '{name}' also trusts {kind} principals ({shown}), but the "
            f"{ROLE_FOR[service]} must trust only {service}: every extra principal could act "
            "with its permissions. "
            "AWS also refuses to share one role between a cluster, a node group and a Fargate "
            "profile, so each gets its own role.")


def _everyone(name, found):
    """The message for a trust policy open to any principal, or None."""
    allows = _allows(found)
    if any(names_everyone(s) for s in allows):
        return f"The trust policy of '{name}' lets any principal ('*') assume the role."
    if any("NotPrincipal" in s for s in allows):
        return (f"The trust policy of '{name}' uses NotPrincipal or NotAction in an Allow, "
                "which trusts everything except what it names. Use Principal and Action.")
    return None


def _too_broad(found, probe):
    """How the Allow statements that let ``probe`` in reach past what they should."""
    for statement in _allows(found):
        if not applies(statement, probe):
            continue
        if "NotAction" in statement or "NotResource" in statement:
            return "uses NotAction or NotResource, which grants everything except what it names"
        wild = [a for a in listed(statement.get("Action"))
                if ("*" in a or "?" in a) and covers_action({"Action": a}, probe.action)]
        if wild:
            return f"allows the wildcard action {wild[0]!r}"
    return f"allows {probe.action}"


def _why_service_refused(name, found, service, must):
    """The message for a trust policy that does not let ``service`` assume the role."""
    named = {s for st in _allows(found) for s in service_principals(st)}
    if service not in named:
        shown = ", ".join(sorted(named)) or "no service"
        return (f"'{name}' trusts {shown}, but the {ROLE_FOR[service]} must trust only "
                f"{service}: {WHO[service]} assumes it with sts:AssumeRole.")
    if any(s.get("Effect") == "Deny" and applies(s, must) for s in found):
        return (f"A Deny statement in the trust policy of '{name}' stops {service} from "
                "calling sts:AssumeRole (an explicit Deny always wins): remove it.")
    if not any(covers_action(s, must.action) for s in _allows(found)
               if service in service_principals(s)):
        return (f"The trust policy of '{name}' does not allow sts:AssumeRole, the call "
                f"{service} makes to get the role's credentials.")
    return (f"The Condition in the trust policy of '{name}' stops {service} from assuming it "
            f"when it works for this lab's cluster '{CLUSTER}': aws:SourceAccount must be your "
            "account and aws:SourceArn must match this cluster's resources.")


def _check_service_role(aws, name, service, required, extras, missing_role):
    """``required``: groups of AWS managed policy names; each group needs one of its members."""
    role = shared_reads.role(aws, name)
    if not role:
        fail(missing_role, name)
    problem = _service_trust_problem(name, role["AssumeRolePolicyDocument"], service,
                                     shared_reads.account_id(aws))
    if problem:
        fail(problem, name)
    attached = shared_reads.attached(aws, name)
    names = {p["PolicyName"] for p in attached if is_aws_managed(p["PolicyArn"])}
    missing = [" or ".join(sorted(group)) for group in required if not group & names]
    assert not missing, (
        f"'{name}' is missing the AWS managed {'policy' if len(missing) == 1 else 'policies'} "
        f"{', '.join(missing)}: the {ROLE_FOR[service]} needs "
        f"{'it' if len(missing) == 1 else 'them'} to do its job. Attach with "
        "iam.attach_role_policy.")
    allowed = set().union(*required) | extras
    extra = sorted(p["PolicyName"] for p in attached
                   if not (is_aws_managed(p["PolicyArn"]) and p["PolicyName"] in allowed))
    if extra:
        fail(f"'{name}' also has {', '.join(extra)} attached. Give the {ROLE_FOR[service]} "
             "only the policies EKS needs: anything more is power the service (and, for "
             "nodes, every pod on the node) could use. Remove it with "
             "iam.detach_role_policy.", name)
    inline = [label for label, _ in shared_reads.inline(aws, name)]
    if inline:
        fail(f"'{name}' also has the inline policy {', '.join(sorted(inline))}. Give the "
             f"{ROLE_FOR[service]} only the AWS managed policies EKS needs: remove it with "
             f"iam.delete_role_policy(RoleName='{name}', PolicyName=...).", name)


@check(points=2, hint="iam.create_role(RoleName='eks-cluster-role', AssumeRolePolicyDocument="
                      "json.dumps({... 'Principal': {'Service': 'eks.amazonaws.com'}, 'Action': "
                      "'sts:AssumeRole' ...})); iam.attach_role_policy(RoleName=..., PolicyArn="
                      "'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy')")
def cluster_role(aws):
    """eks-cluster-role trusts eks.amazonaws.com and has AmazonEKSClusterPolicy"""
    _check_service_role(
        aws, CLUSTER_ROLE, EKS, CLUSTER_POLICIES, CLUSTER_EXTRAS,
        f"No IAM role named '{CLUSTER_ROLE}' yet. The EKS control plane assumes the cluster "
        "role to manage network interfaces and load balancers in your account.")


@check(points=2, hint="create_role 'eks-node-role' trusted by ec2.amazonaws.com, then attach "
                      "AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy and "
                      "AmazonEC2ContainerRegistryReadOnly")
def node_role(aws):
    """eks-node-role trusts ec2.amazonaws.com and has the three node policies"""
    _check_service_role(
        aws, NODE_ROLE, EC2, NODE_POLICIES, NODE_EXTRAS,
        f"No IAM role named '{NODE_ROLE}' yet. The kubelet on each node uses it (through the "
        "instance profile) to join the cluster, set up pod networking and pull images.")


@check(points=2, hint="create_role 'eks-pod-execution-role' trusted by "
                      "eks-fargate-pods.amazonaws.com, then attach "
                      "AmazonEKSFargatePodExecutionRolePolicy")
def pod_execution_role(aws):
    """eks-pod-execution-role trusts eks-fargate-pods.amazonaws.com with its policy"""
    _check_service_role(
        aws, POD_ROLE, FARGATE, POD_POLICIES, set(),
        f"No IAM role named '{POD_ROLE}' yet. Fargate uses it to pull images and register each "
        "pod's hidden node; your containers never get these credentials.")


# --- what uses the roles ----------------------------------------------------------------

def _describe_cluster(eks):
    return or_none(lambda: eks.describe_cluster(name=CLUSTER)["cluster"],
                   "ResourceNotFoundException")


def _cluster(aws, needed_for=""):
    cluster = aws.once("eks.cluster", lambda: _describe_cluster(aws.client("eks")))
    if not cluster:
        fail(found_elsewhere(aws, "eks", CLUSTER, _describe_cluster, f"Cluster '{CLUSTER}'")
             or f"No EKS cluster named '{CLUSTER}' yet{needed_for}: create it with "
                "eks.create_cluster.", CLUSTER)
    return cluster


def _role_used(aws, arn, service, used_by):
    """The role behind ``arn`` must exist in this account and be trusted by ``service``."""
    role = shared_reads.role_by_arn(aws, arn)
    assert role and role["Arn"] == arn, (
        f"{used_by} uses a role that does not exist in this account. AWS refuses a role ARN it "
        "cannot find (the sandbox does not check), so create the role first and pass its Arn.")
    found = statements(role["AssumeRolePolicyDocument"])
    must, _ = _service_probes(service, shared_reads.account_id(aws))
    if not verdict(found, must):
        services = {s for st in _allows(found) for s in service_principals(st)}
        why = (f"its trust policy refuses {service} (a Deny statement or a Condition)"
               if service in services else
               f"it trusts {', '.join(sorted(services)) or 'no service'}")
        fail(f"{used_by} uses '{role['RoleName']}', which {service} cannot assume ({why}). It "
             f"needs the {ROLE_FOR[service]}, the one {WHO[service]} assumes.",
             role["RoleName"])


@check(points=1, hint="eks.create_cluster(name='shop', roleArn=cluster_role_arn, "
                      "resourcesVpcConfig={'subnetIds': subnet_ids})")
def cluster_uses_cluster_role(aws):
    """Cluster shop runs with the cluster role in subnets of two Availability Zones"""
    cluster = _cluster(aws)
    assert cluster.get("status") in ("CREATING", "ACTIVE", "UPDATING"), (
        f"Cluster '{CLUSTER}' is {cluster.get('status')}; create it again.")
    _role_used(aws, cluster.get("roleArn"), EKS, f"Cluster '{CLUSTER}'")
    subnet_ids = cluster.get("resourcesVpcConfig", {}).get("subnetIds", [])
    known = shared_reads.subnets(aws)
    missing = sorted(set(subnet_ids) - set(known))
    if missing:
        fail(f"Cluster '{CLUSTER}' names a subnet that does not exist ({', '.join(missing)}). AWS "
             "places the control plane's network interfaces in these subnets, so they must be "
             "real (use the eks-lab subnets from ec2.describe_subnets).", CLUSTER, *missing)
    zones = {known[i]["AvailabilityZone"] for i in subnet_ids}
    assert len(zones) >= 2, (
        f"Cluster '{CLUSTER}' has subnets in {len(zones)} Availability Zone(s). EKS requires "
        "subnets in at least two AZs so the control plane stays reachable if one AZ fails.")


@check(points=1, hint="eks.create_nodegroup(clusterName='shop', nodegroupName='shop-nodes', "
                      "nodeRole=node_role_arn, subnets=subnet_ids)")
def node_group_uses_node_role(aws):
    """A managed node group in shop uses the node role"""
    _cluster(aws, " (a node group belongs to a cluster)")
    eks = aws.client("eks")
    groups = eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"]
    assert groups, f"Cluster '{CLUSTER}' has no managed node group yet."
    for group in sorted(groups):
        info = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=group)["nodegroup"]
        _role_used(aws, info.get("nodeRole"), EC2, f"Node group '{group}'")


@check(points=1, hint="eks.create_fargate_profile(clusterName='shop', fargateProfileName="
                      "'reports', podExecutionRoleArn=pod_role_arn, subnets=subnet_ids, "
                      "selectors=[{'namespace': 'reports'}])")
def fargate_profile_uses_pod_execution_role(aws):
    """A Fargate profile in shop uses the pod execution role"""
    _cluster(aws, " (a Fargate profile belongs to a cluster)")
    eks = aws.client("eks")
    profiles = eks.list_fargate_profiles(clusterName=CLUSTER)["fargateProfileNames"]
    assert profiles, f"Cluster '{CLUSTER}' has no Fargate profile yet."
    selected = []
    for name in sorted(profiles):
        info = eks.describe_fargate_profile(clusterName=CLUSTER,
                                            fargateProfileName=name)["fargateProfile"]
        _role_used(aws, info.get("podExecutionRoleArn"), FARGATE, f"Fargate profile '{name}'")
        selected += [s.get("namespace", "") for s in info.get("selectors") or []]
    # A selector written as a pattern (* or ?) is read as one, not as a literal name.
    if not any(matches(namespace, NAMESPACE) for namespace in selected):
        fail(f"No Fargate profile of '{CLUSTER}' selects namespace '{NAMESPACE}' (they select "
             f"{', '.join(sorted(set(selected))) or 'nothing'}), so the reports pods would not "
             "run on Fargate. Create a profile with selectors=[{'namespace': 'reports'}] "
             "(a profile's selectors cannot be changed: delete it and create it again).",
             *sorted(profiles))


# --- IRSA ---------------------------------------------------------------------------------

def _issuer_path(aws):
    """The cluster's OIDC issuer without https:// (how IAM names the provider and its keys)."""
    cluster = _cluster(aws, " (IRSA trusts the cluster's own OIDC issuer)")
    issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer", "")
    assert issuer, f"Cluster '{CLUSTER}' has no OIDC issuer yet; wait until it is ACTIVE."
    return _strip(issuer)


def _strip(url):
    return url.removeprefix("https://").rstrip("/")


def _provider_arn(aws, path):
    return f"arn:aws:iam::{shared_reads.account_id(aws)}:oidc-provider/{path}"


@check(points=2, hint="iam.create_open_id_connect_provider(Url=eks.describe_cluster("
                      "name='shop')['cluster']['identity']['oidc']['issuer'], "
                      "ClientIDList=['sts.amazonaws.com'])")
def oidc_provider(aws):
    """An IAM OIDC provider exists for shop's issuer with audience sts.amazonaws.com"""
    path = _issuer_path(aws)
    iam = aws.client("iam")
    arns = [e["Arn"] for e in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
            if e["Arn"].lower().endswith(f":oidc-provider/{path.lower()}")]
    found = (iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arns[0])
             if arns else None)
    assert found, (
        f"No IAM OIDC provider for cluster '{CLUSTER}''s issuer yet. IAM only accepts web "
        "identity tokens from issuers registered as OIDC providers, so without it no pod can "
        "exchange its service account token for role credentials.")
    assert AUDIENCE in found.get("ClientIDList", []), (
        f"The OIDC provider for '{CLUSTER}' does not list the audience (client ID) "
        f"{AUDIENCE}. Pod tokens for IRSA carry aud={AUDIENCE}, and STS rejects tokens whose "
        "audience the provider does not list.")


def _condition_entries(statement):
    """[(operator, key, [values])] of a statement's Condition block."""
    condition = statement.get("Condition") or {}
    return [(op, key, listed(values))
            for op, block in condition.items() for key, values in (block or {}).items()]


def _condition_problem(entries, path, field, expected, why):
    key = f"{path}:{field}".lower()
    matching = [(op, values) for op, k, values in entries if k.lower() == key]
    if not matching:
        near = [k for _, k, _ in entries if k.lower().endswith(f":{field}")]
        if any(k.lower().startswith("https://") for k in near):
            return (f"The '{field}' condition key starts with https://. IAM names the key after "
                    f"the issuer without the scheme: '<issuer host and path>:{field}'.")
        if near:
            return (f"The '{field}' condition key names another issuer: use the issuer of "
                    f"cluster '{CLUSTER}' without https://, followed by ':{field}'.")
        return why
    for op, values in matching:
        if op not in ("StringEquals", "StringLike"):
            return (f"The '{field}' condition uses {op}; use StringEquals so the token's "
                    f"'{field}' must be exactly {expected}"
                    + (" (an ...IfExists operator also passes when the key is missing)."
                       if op.endswith(IF_EXISTS) else "."))
        if op == "StringLike" and any("*" in v or "?" in v for v in values):
            return (f"The '{field}' condition is a StringLike pattern "
                    f"({', '.join(values)}), so every service account it matches can assume "
                    f"the role. Use StringEquals with exactly {expected}.")
        if values != [expected]:
            return (f"The '{field}' condition allows {', '.join(values) or 'nothing'}; it "
                    f"must allow exactly {expected}.")
    return None


@check(points=3, hint="Principal {'Federated': oidc_provider_arn}, Action "
                      "'sts:AssumeRoleWithWebIdentity', Condition {'StringEquals': "
                      "{issuer_path + ':sub': 'system:serviceaccount:reports:report-reader', "
                      "issuer_path + ':aud': 'sts.amazonaws.com'}}")
def irsa_trust(aws):
    """report-reader trusts only service account reports/report-reader through the OIDC provider"""
    path = _issuer_path(aws)
    role = _require_role(aws, IRSA_ROLE, "IRSA role")
    found = statements(role["AssumeRolePolicyDocument"])
    provider = _provider_arn(aws, path)
    must, must_not = _irsa_probes(path, provider, found)
    if not verdict(found, must):
        fail(_why_irsa_refused(found, path, provider, must), IRSA_ROLE)
    wrong = allowed_probes(found, must_not)
    if wrong:
        fail(_why_irsa_too_open(found, path, provider, wrong[0]), IRSA_ROLE)


def _irsa_probes(path, provider, found):
    """(the token exchange that must work, the ones that must not)."""
    def token(sub=SUBJECT, aud=AUDIENCE):
        context = {f"{path}:sub": sub, f"{path}:aud": aud}
        return {k: v for k, v in context.items() if v is not None}
    web = "sts:AssumeRoleWithWebIdentity"
    must = Probe(web, ("Federated", provider), context=token())
    subjects = [f"system:serviceaccount:{NAMESPACE}:default",
                f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}-admin",
                f"system:serviceaccount:default:{SERVICE_ACCOUNT}",
                f"system:serviceaccount:kube-system:{SERVICE_ACCOUNT}",
                f"system:serviceaccount:{NAMESPACE.upper()}:{SERVICE_ACCOUNT.upper()}", None]
    subjects += [v for v in condition_values(found, ":sub") if v != SUBJECT]
    must_not = [Probe(web, ("Federated", provider), context=token(sub=sub))
                for sub in subjects]
    must_not += [Probe(web, ("Federated", provider), context=token(aud=aud))
                 for aud in ("sigstore", "https://kubernetes.default.svc", None,
                             *[v for v in condition_values(found, ":aud") if v != AUDIENCE])]
    other = f"{provider.rsplit('/', 1)[0]}/oidc.eks.{REGION}.amazonaws.com/id/0THERC1USTER"
    must_not += [Probe(web, ("Federated", other), context=token()),
                 Probe(web, ("Federated", "cognito-identity.amazonaws.com"), context=token()),
                 Probe("sts:AssumeRole", ("Service", "pods.eks.amazonaws.com")),
                 Probe("sts:AssumeRole", ("AWS", OTHER_ACCOUNT)),
                 Probe("sts:AssumeRole", ("Federated", provider), context=token()),
                 Probe("sts:AssumeRoleWithSAML", ("Federated", provider), context=token())]
    return must, must_not


def _why_irsa_refused(found, path, provider, must):
    """The message for an IRSA trust policy that refuses the service account's own token."""
    allows = _allows(found)
    if not allows:
        return f"The trust policy of '{IRSA_ROLE}' allows nobody to assume it."
    named = {k: v for st in allows for k, v in principals(st).items()}
    if "Federated" not in named and "Service" in named:
        return (f"'{IRSA_ROLE}' trusts an AWS service ({', '.join(named['Service'])}). With "
                "IRSA the pod itself assumes the role with its service account token, so the "
                "principal is {'Federated': <OIDC provider ARN>}. (pods.eks.amazonaws.com is "
                "EKS Pod Identity, a different mechanism that needs a pod identity "
                "association.)")
    if provider not in named.get("Federated", []):
        return (f"'{IRSA_ROLE}' trusts a Federated principal that is not the OIDC provider of "
                f"cluster '{CLUSTER}'. "
                "Expected {'Federated': 'arn:aws:iam::<your account>:oidc-provider/<issuer "
                "without https://>'}, the Arn that create_open_id_connect_provider returned.")
    if any(s.get("Effect") == "Deny" and applies(s, must) for s in found):
        return (f"A Deny statement in the trust policy of '{IRSA_ROLE}' also refuses service "
                f"account {SUBJECT}'s own token (an explicit Deny always wins): narrow or "
                "remove it.")
    if not any(covers_action(s, must.action) for s in allows):
        return (f"The trust policy of '{IRSA_ROLE}' must allow sts:AssumeRoleWithWebIdentity: "
                "pods exchange their service account token through that call.")
    for field, expected in (("sub", SUBJECT), ("aud", AUDIENCE)):
        for statement in allows:
            problem = _condition_problem(_condition_entries(statement), path, field,
                                         expected, None)
            if problem:
                return problem
    return (f"The Condition in the trust policy of '{IRSA_ROLE}' refuses the token of service "
            f"account {SUBJECT} itself (sub={SUBJECT}, aud={AUDIENCE}): check the keys "
            "(<issuer without https://>:sub and :aud) and their values.")


def _why_irsa_too_open(found, path, provider, probe):
    """The message for an IRSA trust policy that accepts a request it must refuse."""
    kind, who = probe.principal
    if kind != "Federated" or who != provider:
        everyone = _everyone(IRSA_ROLE, found)
        if everyone:
            return everyone + (" Anyone could read your bucket: trust only the cluster's OIDC "
                               "provider.")
        shown = (f"an OIDC provider that is not the one of cluster '{CLUSTER}'"
                 if kind == "Federated" else who.replace(OTHER_ACCOUNT, "another account"))
        return (f"The trust policy of '{IRSA_ROLE}' also trusts {kind} principals ({shown}); "
                "an IRSA role trusts only {'Federated': <OIDC provider ARN of cluster "
                f"'{CLUSTER}'>}}.")
    if probe.action != "sts:AssumeRoleWithWebIdentity":
        return (f"The trust policy of '{IRSA_ROLE}' {_too_broad(found, probe)}, so "
                f"{probe.action} is allowed too; allow exactly sts:AssumeRoleWithWebIdentity, "
                "the call the AWS SDK in the pod makes.")
    field = "sub" if probe.context.get(f"{path}:aud") == AUDIENCE else "aud"
    shown = probe.context.get(f"{path}:{field}", f"no {field} at all")
    generic = (f"The trust policy of '{IRSA_ROLE}' also accepts a token with {field} "
               f"{shown}: limit '<issuer without https://>:{field}' to exactly "
               f"{SUBJECT if field == 'sub' else AUDIENCE} with StringEquals in every Allow "
               "statement.")
    for statement in _allows(found):
        if applies(statement, probe):
            problem = _condition_problem(
                _condition_entries(statement), path, field,
                SUBJECT if field == "sub" else AUDIENCE,
                (f"The trust policy of '{IRSA_ROLE}' has no '{field}' condition, so "
                 + (f"every service account in every namespace of '{CLUSTER}' can assume "
                    f"the role. Add StringEquals '<issuer>:sub' = {SUBJECT}."
                    if field == "sub" else
                    f"tokens the cluster issued for other audiences are accepted. Add "
                    f"StringEquals '<issuer>:aud' = {AUDIENCE}.")))
            return problem or generic
    return generic


def _permission_documents(aws, name):
    """(label, document) for each inline and customer managed policy; AWS managed rejected."""
    documents = shared_reads.inline(aws, name)
    for attached in shared_reads.attached(aws, name):
        if is_aws_managed(attached["PolicyArn"]):
            fail(f"'{name}' has the AWS managed policy {attached['PolicyName']} attached. AWS "
                 "managed policies are written for every bucket (and often every action); the "
                 f"pod needs to read only {BUCKET_SHOWN}. Detach it with "
                 "iam.detach_role_policy.", name)
        documents.append((attached["PolicyName"],
                          shared_reads.managed_document(aws, attached["PolicyArn"])))
    return documents


# S3 actions a reader of one bucket may be granted; every other probe must be refused.
READS = {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"}
OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
                  "s3:GetObjectAcl", "s3:PutObjectAcl", "s3:GetObjectTagging",
                  "s3:RestoreObject")
BUCKET_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketVersions",
                  "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucket",
                  "s3:PutBucketAcl", "s3:PutLifecycleConfiguration")
ACCOUNT_ACTIONS = ("s3:ListAllMyBuckets", "s3:CreateBucket", "iam:PassRole",
                   "sts:AssumeRole", "ec2:DescribeInstances", "dynamodb:GetItem")
OBJECT_KEY = "daily/2026-11-01.csv"


def _permission_probes(bucket, found):
    """(the read that must be allowed, every request a one-bucket reader must not make)."""
    must = Probe("s3:GetObject", resource=f"{bucket}/{OBJECT_KEY}")
    others = ["arn:aws:s3:::shop-reports-archive", "arn:aws:s3:::another-teams-bucket"]
    probes = [Probe(a, resource=f"{bucket}/{OBJECT_KEY}") for a in OBJECT_ACTIONS]
    probes += [Probe(a, resource=bucket) for a in BUCKET_ACTIONS]
    probes += [Probe(a, resource=f"{b}/{OBJECT_KEY}") for b in others
               for a in ("s3:GetObject", "s3:PutObject")]
    probes += [Probe("s3:ListBucket", resource=b) for b in others]
    probes += [Probe(a, resource="*") for a in ACCOUNT_ACTIONS]
    probes += [Probe(a, resource=r) for r in resources_named(found)
               for a in ("s3:GetObject", "s3:ListBucket")]
    must_not = [p for p in probes
                if not (p.action in READS and p.resource and p.resource.startswith(bucket))]
    return must, must_not


def _why_too_much(documents, probe, bucket, account):
    """The message for permissions that allow ``probe``, naming the policy and the reason."""
    label, statement = next((label, st) for label, doc in documents
                            for st in allow_statements(doc) if applies(st, probe))
    resources = listed(statement.get("Resource"))
    inside = probe.resource and (probe.resource == bucket
                                 or probe.resource.startswith(bucket + "/"))
    wild_resource = next((r for r in resources if set("*?") & set(r.split("/", 1)[0])),
                         None)
    if "NotAction" in statement or "NotResource" in statement:
        why = "uses NotAction or NotResource, which grants everything except what it names"
    elif _too_broad([statement], probe).startswith("allows the wildcard"):
        why = (f"{_too_broad([statement], probe)}, which includes writes and deletes (s3:* "
               "even covers s3:PutBucketPolicy)")
    elif not inside and wild_resource:
        why = (f"grants access on the wildcard resource "
               f"{wild_resource.replace(account, '<your account id>')!r}, which matches other "
               "buckets too")
    elif not inside:
        why = f"grants access to a resource outside {BUCKET_SHOWN}"
    else:
        why = f"allows {probe.action}"
    shown = probe.describe().replace(account, "<your account id>")
    return (f"Policy '{label}' of '{IRSA_ROLE}' {why} (it allows {shown}). The pod needs only "
            f"to read {BUCKET_SHOWN}: s3:GetObject on arn:aws:s3:::<bucket>/* (and "
            "s3:ListBucket on the bucket to list keys).")


@check(points=2, hint="iam.put_role_policy(RoleName='report-reader', PolicyName='read-reports', "
                      "PolicyDocument=json.dumps({... 'Action': 's3:GetObject', 'Resource': "
                      "f'arn:aws:s3:::{bucket}/*' ...})); remove any other permission with "
                      "iam.delete_role_policy / iam.detach_role_policy")
def irsa_least_privilege(aws):
    """report-reader may only read the shop-reports bucket"""
    _require_role(aws, IRSA_ROLE, "IRSA role")
    account = shared_reads.account_id(aws)
    bucket = f"arn:aws:s3:::{BUCKET_PREFIX}{account}"
    documents = _permission_documents(aws, IRSA_ROLE)
    if not documents:
        fail(f"'{IRSA_ROLE}' has no permissions policy yet: add an inline policy that reads "
             f"{BUCKET_SHOWN}.", IRSA_ROLE)
    found = [st for _, doc in documents for st in statements(doc)]
    must, must_not = _permission_probes(bucket, found)
    wrong = allowed_probes(found, must_not)
    if wrong:
        fail(_why_too_much(documents, wrong[0], bucket, account), IRSA_ROLE)
    if not verdict(found, must):
        fail(f"No policy of '{IRSA_ROLE}' allows s3:GetObject on the objects of {BUCKET_SHOWN} "
             f"(tried {OBJECT_KEY}). Object ARNs are the bucket ARN plus '/key', so grant it "
             "on arn:aws:s3:::<bucket>/*; the bucket ARN alone matches no object.", IRSA_ROLE)


# --- prerequisites ------------------------------------------------------------------------

def setup(aws):
    """A VPC with two private subnets in two AZs, and the bucket the reports app reads."""
    ec2 = aws.client("ec2")
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": VPC_NAME}]}])["Vpc"]["VpcId"]
    for number, zone in enumerate(zones):
        suffix = zone[-1]
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{number + 1}.0/24", AvailabilityZone=zone,
                          TagSpecifications=[{"ResourceType": "subnet", "Tags": [
                              {"Key": "Name", "Value": f"{VPC_NAME}-private-{suffix}"},
                              {"Key": "kubernetes.io/role/internal-elb", "Value": "1"}]}])
    account = aws.client("sts").get_caller_identity()["Account"]
    s3 = aws.client("s3")
    bucket = f"{BUCKET_PREFIX}{account}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="daily/2026-11-01.csv", Body=b"order,total\n1001,42.50\n")
