"""Lab 06 against a real moto server: every rule in lab.toml has a failing variant that loses
exactly its check's points, and alternative correct solutions get full marks.

Most variants share one account solved by solution.py: each mutates it, is checked, and
undoes its change (the ``solved`` fixture runs the undo), which keeps the file fast.
Encryption is fixed when a repository is created, and some image variants need an empty
repository, so those share one more account in which shop/web is built per variant and
deleted afterwards.
"""

from __future__ import annotations

import copy
import json

import pytest
from botocore.exceptions import ClientError
from labkit import (
    assert_lost,
    assert_passes,
    failed,
    load_module,
    mutated,
    output,
    points_of,
    scorer,
    undoing,
)

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("06")
CHECKS = load_module(LAB)
REPO, TAG = "shop/web", "v1.0.0"
OTHER_ROOT = "arn:aws:iam::111122223333:root"
POINTS = points_of(LAB)
FULL = sum(POINTS.values())
score_without = scorer(POINTS)
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

# A minimal Docker image manifest (v2, schema 2): one config blob and one layer.
MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 1470,
        "digest": "sha256:bb5034b576a20de89383b365483a1ac32797792ce827780edd290ff03b690232",
    },
    "layers": [{
        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "size": 3623807,
        "digest": "sha256:5248b4e6765dbf544583e6eb9923e87e47e817297caaea42c5317b002decda2e",
    }],
}

LIFECYCLE = {"rules": [
    {"rulePriority": 1, "description": "Expire untagged images 14 days after push",
     "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                   "countUnit": "days", "countNumber": 14},
     "action": {"type": "expire"}},
    {"rulePriority": 2, "description": "Keep the newest 10 release images",
     "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"],
                   "countType": "imageCountMoreThan", "countNumber": 10},
     "action": {"type": "expire"}},
]}

PULL_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "PullFromPartnerAccount",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
               "ecr:BatchCheckLayerAvailability"],
}]}


def manifest(**changes):
    body = copy.deepcopy(MANIFEST)
    body.update(changes)
    return json.dumps(body)


OCI = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 1470,
               "digest": MANIFEST["config"]["digest"]},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 3623807,
                "digest": MANIFEST["layers"][0]["digest"]}]})


def rule(priority, status, count_type, number, unit=None, **lists):
    selection = {"tagStatus": status, **lists, "countType": count_type, "countNumber": number}
    if unit:
        selection["countUnit"] = unit
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


UNTAGGED = rule(1, "untagged", "sinceImagePushed", 14, "days")
KEEP = rule(2, "tagged", "imageCountMoreThan", 10, tagPrefixList=["v"])


def doc(*statements, version="2012-10-17"):
    return json.dumps({"Version": version, "Statement": list(statements)})


def allow(actions=PULL, principal=None, **extra):
    return {"Effect": "Allow", "Principal": principal or {"AWS": OTHER_ROOT},
            "Action": actions, **extra}


# --- whole solutions in fresh accounts ----------------------------------------------------

def build_alternative(aws, style):
    """Lab 06 done differently from solution.py; every difference is still correct."""
    ecr, kms = aws.client("ecr"), aws.client("kms")
    key = kms.create_key()["KeyMetadata"]
    if style == "alias-and-patterns":
        # a no-wildcard filter (contains), the key by alias, IMMUTABLE at creation, patterns,
        # tagged rule first plus a final "any" rule, an OCI manifest, a bare account id.
        ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[{
            "scanFrequency": "SCAN_ON_PUSH",
            "repositoryFilters": [{"filter": "shop", "filterType": "WILDCARD"}]}])
        kms.create_alias(AliasName="alias/shop-web-images", TargetKeyId=key["KeyId"])
        arn = ecr.create_repository(repositoryName=REPO, imageTagMutability="IMMUTABLE",
                                    encryptionConfiguration={
                                        "encryptionType": "KMS",
                                        "kmsKey": "alias/shop-web-images"},
                                    )["repository"]["repositoryArn"]
        lifecycle = {"rules": [
            rule(5, "tagged", "imageCountMoreThan", 10, tagPatternList=["v*"]),
            rule(10, "untagged", "sinceImagePushed", 14, "days"),
            rule(99, "any", "sinceImagePushed", 365, "days")]}
        image = OCI
        policy = doc(allow(["ecr:BatchGetImage"], {"AWS": "111122223333"}, Sid="Manifests"),
                     allow("ecr:GetDownloadUrlForLayer", {"AWS": ["111122223333"]}),
                     {"Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage"},
                     version="2008-10-17")
        severity = "high"
    else:  # "repository-flag": the deprecated repository setting, KMS_DSSE with a key id
        arn = ecr.create_repository(repositoryName=REPO, imageTagMutability="IMMUTABLE",
                                    imageScanningConfiguration={"scanOnPush": True},
                                    encryptionConfiguration={"encryptionType": "KMS_DSSE",
                                                             "kmsKey": key["KeyId"]},
                                    )["repository"]["repositoryArn"]
        lifecycle = {"rules": [
            {**UNTAGGED, "description": "untagged: 14 days"},
            rule(2, "tagged", "imageCountMoreThan", 10, tagPatternList=["v*.*.*"])]}
        image = manifest()
        policy = doc(allow([*PULL, "ecr:BatchCheckLayerAvailability"],
                           {"AWS": [OTHER_ROOT]}))
        severity = "HIGH"
    ecr.put_lifecycle_policy(repositoryName=REPO, lifecyclePolicyText=json.dumps(lifecycle))
    ecr.put_image(repositoryName=REPO, imageManifest=image, imageTag=TAG)
    ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": TAG})
    ecr.tag_resource(resourceArn=arn, tags=[{"Key": "scan-highest-severity",
                                             "Value": severity}])
    ecr.set_repository_policy(repositoryName=REPO, policyText=policy)


@pytest.mark.parametrize("style", ["alias-and-patterns", "repository-flag"])
def test_alternative_correct_solutions_get_full_marks(lab_account, style):
    aws = lab_account(LAB.id)
    build_alternative(aws, style)
    result = check_lab(LAB, aws)
    assert_passes(result)
    assert result.score == FULL


# --- one shared solved account: each variant mutates it and undoes its change -----------

@pytest.fixture(scope="module")
def shared_solved(lab_account):
    aws = lab_account(LAB.id)
    LAB.solve_fn()(aws)
    return aws


@pytest.fixture
def solved(shared_solved):
    yield from undoing(shared_solved)


# A mutation is fn(aws) -> undo(); it breaks (or, for ACCEPTED, rephrases) the solution.

def registry(scan_type="BASIC", filters=("shop/*",), frequency="SCAN_ON_PUSH", flag=None):
    def mutate(aws):
        ecr = aws.client("ecr")
        rules = [{"scanFrequency": frequency, "repositoryFilters": [
            {"filter": f, "filterType": "WILDCARD"} for f in filters]}] if filters else []
        ecr.put_registry_scanning_configuration(scanType=scan_type, rules=rules)
        if flag is not None:
            ecr.put_image_scanning_configuration(repositoryName=REPO,
                                                 imageScanningConfiguration={"scanOnPush": flag})

        def undo():
            ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[{
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "shop/*", "filterType": "WILDCARD"}]}])
            ecr.put_image_scanning_configuration(repositoryName=REPO,
                                                 imageScanningConfiguration={"scanOnPush": False})
        return undo
    return mutate


def repository_key(aws):
    """The repository's key id (moto's disable_key and friends want the id, not the Arn)."""
    repo = aws.client("ecr").describe_repositories(repositoryNames=[REPO])["repositories"][0]
    arn = repo["encryptionConfiguration"]["kmsKey"]
    return aws.client("kms").describe_key(KeyId=arn)["KeyMetadata"]["KeyId"]


def disable_key(aws):
    kms, key = aws.client("kms"), repository_key(aws)
    kms.disable_key(KeyId=key)
    return lambda: kms.enable_key(KeyId=key)


def schedule_key_deletion(aws):
    kms, key = aws.client("kms"), repository_key(aws)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)

    def undo():
        kms.cancel_key_deletion(KeyId=key)
        kms.enable_key(KeyId=key)
    return undo


def mutability(value, exclusions=None):
    def mutate(aws):
        ecr = aws.client("ecr")
        extra = {"imageTagMutabilityExclusionFilters": [
            {"filterType": "WILDCARD", "filter": f} for f in exclusions]} if exclusions else {}
        ecr.put_image_tag_mutability(repositoryName=REPO, imageTagMutability=value, **extra)
        return lambda: ecr.put_image_tag_mutability(repositoryName=REPO,
                                                    imageTagMutability="IMMUTABLE")
    return mutate


def lifecycle(*rules, raw=None):
    def mutate(aws):
        ecr = aws.client("ecr")
        text = raw if raw is not None else json.dumps({"rules": list(rules)})
        ecr.put_lifecycle_policy(repositoryName=REPO, lifecyclePolicyText=text)
        return lambda: ecr.put_lifecycle_policy(
            repositoryName=REPO, lifecyclePolicyText=json.dumps(LIFECYCLE))
    return mutate


def no_lifecycle(aws):
    ecr = aws.client("ecr")
    ecr.delete_lifecycle_policy(repositoryName=REPO)
    return lambda: ecr.put_lifecycle_policy(repositoryName=REPO,
                                            lifecyclePolicyText=json.dumps(LIFECYCLE))


def severity_tag(value):
    def mutate(aws):
        ecr = aws.client("ecr")
        arn = ecr.describe_repositories(repositoryNames=[REPO])["repositories"][0][
            "repositoryArn"]
        if value is None:
            ecr.untag_resource(resourceArn=arn, tagKeys=["scan-highest-severity"])
        else:
            ecr.tag_resource(resourceArn=arn, tags=[{"Key": "scan-highest-severity",
                                                     "Value": value}])
        return lambda: ecr.tag_resource(resourceArn=arn, tags=[
            {"Key": "scan-highest-severity", "Value": "HIGH"}])
    return mutate


def repo_policy(*statements, text=None):
    def mutate(aws):
        ecr = aws.client("ecr")
        ecr.set_repository_policy(repositoryName=REPO,
                                  policyText=text if text is not None else doc(*statements))
        return lambda: ecr.set_repository_policy(repositoryName=REPO,
                                                 policyText=json.dumps(PULL_POLICY))
    return mutate


def no_repo_policy(aws):
    ecr = aws.client("ecr")
    ecr.delete_repository_policy(repositoryName=REPO)
    return lambda: ecr.set_repository_policy(repositoryName=REPO,
                                             policyText=json.dumps(PULL_POLICY))


def both(*mutations):
    def mutate(aws):
        undos = [m(aws) for m in mutations]

        def undo():
            for step in reversed(undos):
                step()
        return undo
    return mutate


# (id, mutation, failing checks, a phrase the explanation must contain)
WRONG = [
    # Rule: BASIC scanning.
    ("enhanced scanning", registry(scan_type="ENHANCED", filters=("*",)),
     ["scan_on_push"], "uses BASIC scanning"),
    # Rule: a SCAN_ON_PUSH rule whose wildcard filter matches shop/web.
    ("filter for another repository", registry(filters=("shop/api*",)),
     ["scan_on_push"], "None of the registry's scan filters (shop/api*) matches"),
    ("filter that must end the name", registry(filters=("*prod",)),
     ["scan_on_push"], "whole name must match"),
    ("filter without wildcard not contained", registry(filters=("web/shop",)),
     ["scan_on_push"], "matches names that contain it"),
    ("rule with MANUAL frequency", registry(frequency="MANUAL"),
     ["scan_on_push"], "scanFrequency MANUAL"),
    # Rule: the deprecated repository flag counts only without registry rules.
    ("repository flag under non-matching registry rules",
     registry(filters=("*prod",), flag=True),
     ["scan_on_push"], "no longer counts"),
    ("no registry rules and no repository flag", registry(filters=()),
     ["scan_on_push"], "the registry has no scanning rules yet"),
    # Rule: key Enabled (symmetric/AES256/missing key need a new repository: further down).
    ("key disabled", disable_key, ["encrypted_with_customer_key"], "is Disabled"),
    ("key pending deletion", schedule_key_deletion,
     ["encrypted_with_customer_key"], "is PendingDeletion"),
    # Rule: IMMUTABLE.
    ("mutable tags", mutability("MUTABLE"), ["tags_immutable"], "has MUTABLE tags"),
    ("immutable with exclusions", mutability("IMMUTABLE_WITH_EXCLUSION", ["latest"]),
     ["tags_immutable"], "can still be moved"),
    # Rule: JSON, unique whole-number priorities, "any" last.
    ("no lifecycle policy", no_lifecycle, ["lifecycle_policy"], "has no lifecycle policy"),
    ("shared priority", lifecycle(UNTAGGED, {**KEEP, "rulePriority": 1}),
     ["lifecycle_policy"], "share rulePriority 1"),
    ("priority as a string", lifecycle({**UNTAGGED, "rulePriority": "1"}, KEEP),
     ["lifecycle_policy"], "is not a whole number"),
    ("any rule first", lifecycle(rule(1, "any", "imageCountMoreThan", 500),
                                 {**UNTAGGED, "rulePriority": 2}, {**KEEP, "rulePriority": 3}),
     ["lifecycle_policy"], "any rule to have the highest rulePriority"),
    # Rule: expire, countNumber >= 1, countUnit only (and always) with ages.
    ("age without a unit", lifecycle(rule(1, "untagged", "sinceImagePushed", 14), KEEP),
     ["lifecycle_policy"], "requires \"countUnit\": \"days\""),
    ("count with a unit", lifecycle(
        UNTAGGED, rule(2, "tagged", "imageCountMoreThan", 10, "days", tagPrefixList=["v"])),
     ["lifecycle_policy"], "rejects countUnit on imageCountMoreThan"),
    ("countNumber not whole", lifecycle(UNTAGGED, rule(2, "tagged", "imageCountMoreThan", 10.5,
                                                       tagPrefixList=["v"])),
     ["lifecycle_policy"], "whole number of at least 1"),
    # Rule: tag lists only (and always) on tagged rules; one untagged rule.
    ("tagged rule without tag lists", lifecycle(
        UNTAGGED, rule(2, "tagged", "imageCountMoreThan", 10)),
     ["lifecycle_policy"], "has no tagPrefixList or tagPatternList"),
    ("untagged rule with a prefix", lifecycle(
        rule(1, "untagged", "sinceImagePushed", 14, "days", tagPrefixList=["v"]), KEEP),
     ["lifecycle_policy"], "allows tag lists only on tagged rules"),
    ("five wildcards", lifecycle(UNTAGGED, rule(2, "tagged", "imageCountMoreThan", 10,
                                                tagPatternList=["v*.*.*.*.*"])),
     ["lifecycle_policy"], "at most 4"),
    ("two untagged rules", lifecycle(
        UNTAGGED, KEEP, rule(3, "untagged", "imageCountMoreThan", 50)),
     ["lifecycle_policy"], "only one rule for untagged images"),
    # Rule: untagged images expire 14 days after push.
    ("no untagged rule", lifecycle({**KEEP, "rulePriority": 1}),
     ["lifecycle_policy"], "No rule expires untagged images"),
    ("untagged after 30 days", lifecycle(
        rule(1, "untagged", "sinceImagePushed", 30, "days"), KEEP),
     ["lifecycle_policy"], "expires images 30 days after push"),
    ("untagged by count", lifecycle(rule(1, "untagged", "imageCountMoreThan", 14), KEEP),
     ["lifecycle_policy"], "expires untagged images by age"),
    # Rule: the first tagged rule for v1.0.0 keeps the newest 10.
    ("keeps only 5", lifecycle(UNTAGGED, rule(2, "tagged", "imageCountMoreThan", 5,
                                              tagPrefixList=["v"])),
     ["lifecycle_policy"], "keeps the newest 5"),
    ("tagged rule for other tags", lifecycle(UNTAGGED, rule(
        2, "tagged", "imageCountMoreThan", 10, tagPrefixList=["release-"])),
     ["lifecycle_policy"], "No tagged rule selects the release tag v1.0.0"),
    ("earlier age rule for release tags", lifecycle(
        UNTAGGED, rule(2, "tagged", "sinceImagePushed", 30, "days", tagPatternList=["v*"]),
        {**KEEP, "rulePriority": 3}),
     ["lifecycle_policy"], "Rule 2 is the first rule that selects release tags"),
    ("only an any rule", lifecycle(UNTAGGED, rule(2, "any", "imageCountMoreThan", 10)),
     ["lifecycle_policy"], "No rule keeps the newest tagged images"),
    # Rule: v1.0.0 scanned and its highest severity recorded.
    ("severity not recorded", severity_tag(None),
     ["scan_findings_recorded"], "has no tag scan-highest-severity"),
    ("wrong severity recorded", severity_tag("LOW"),
     ["scan_findings_recorded"], "the most severe finding of shop/web:v1.0.0 is HIGH"),
    # Rule: only account 111122223333 as principal.
    ("no repository policy", no_repo_policy,
     ["cross_account_pull_only"], "has no repository policy"),
    ("anyone may pull", repo_policy(allow(principal="*")),
     ["cross_account_pull_only"], "any principal ('*')"),
    ("AWS '*' in a list", repo_policy(allow(principal={"AWS": [OTHER_ROOT, "*"]})),
     ["cross_account_pull_only"], "any principal ('*')"),
    ("another account too", repo_policy(allow(principal={"AWS": [
        OTHER_ROOT, "arn:aws:iam::444455556666:root"]})),
     ["cross_account_pull_only"], "names a principal other than account 111122223333"),
    ("a role of the other account", repo_policy(allow(principal={
        "AWS": "arn:aws:iam::111122223333:role/puller"})),
     ["cross_account_pull_only"], "expected arn:aws:iam::111122223333:root"),
    ("a service principal", repo_policy(allow(principal={
        "AWS": OTHER_ROOT, "Service": "codebuild.amazonaws.com"})),
     ["cross_account_pull_only"], "also allows Service principals"),
    ("NotPrincipal", repo_policy({"Effect": "Allow", "NotPrincipal": {"AWS": OTHER_ROOT},
                                  "Action": PULL}),
     ["cross_account_pull_only"], "uses NotPrincipal"),
    # Rule: pull actions only.
    ("ecr:*", repo_policy(allow("ecr:*")), ["cross_account_pull_only"],
     "wildcard action 'ecr:*'"),
    ("ecr:Batch*", repo_policy(allow(["ecr:Batch*", "ecr:GetDownloadUrlForLayer"])),
     ["cross_account_pull_only"], "ecr:BatchDeleteImage"),
    ("push actions", repo_policy(allow([*PULL, "ecr:PutImage", "ecr:InitiateLayerUpload",
                                        "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"])),
     ["cross_account_pull_only"], "lets account 111122223333 push"),
    ("delete action", repo_policy(allow([*PULL, "ecr:BatchDeleteImage"])),
     ["cross_account_pull_only"], "also allows ecr:BatchDeleteImage"),
    ("NotAction", repo_policy({"Effect": "Allow", "Principal": {"AWS": OTHER_ROOT},
                               "NotAction": "ecr:PutImage"}),
     ["cross_account_pull_only"], "uses NotAction"),
    ("no layer downloads", repo_policy(allow(["ecr:BatchGetImage",
                                              "ecr:BatchCheckLayerAvailability"])),
     ["cross_account_pull_only"], "does not allow ecr:GetDownloadUrlForLayer"),
    ("only a deny", repo_policy({"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}),
     ["cross_account_pull_only"], "allows nothing"),
]

# Several mistakes at once lose the sum of their checks' points, nothing more.
SEVERAL = [
    ("enhanced scanning, mutable tags", both(
        registry(scan_type="ENHANCED", filters=("*",)), mutability("MUTABLE")),
     ["scan_on_push", "tags_immutable"]),
    ("shared priorities, ecr:* for the partner", both(
        lifecycle(UNTAGGED, {**KEEP, "rulePriority": 1}), repo_policy(allow("ecr:*"))),
     ["cross_account_pull_only", "lifecycle_policy"]),
    ("disabled key, wrong severity, anyone may pull", both(
        disable_key, severity_tag("MEDIUM"), repo_policy(allow(principal="*"))),
     ["cross_account_pull_only", "encrypted_with_customer_key", "scan_findings_recorded"]),
]

ACCEPTED = [
    ("deprecated repository flag without registry rules", registry(filters=(), flag=True)),
    ("filter '*'", registry(filters=("*",))),
    ("filter that ends the name", registry(filters=("*web",))),
    ("filter contained in the name", registry(filters=("shop/w",))),
    ("lower-case severity", severity_tag("high")),
    ("tagged rule first, any rule last, descriptions", lifecycle(
        {**KEEP, "rulePriority": 1, "description": "keep 10 releases"},
        {**UNTAGGED, "rulePriority": 2}, rule(3, "any", "sinceImagePushed", 180, "days"))),
    ("pattern that matches every tag", lifecycle(
        UNTAGGED, rule(2, "tagged", "imageCountMoreThan", 10, tagPatternList=["*"]))),
    ("extra rule for other tags first", lifecycle(
        rule(1, "tagged", "imageCountMoreThan", 3, tagPrefixList=["dev-"]),
        {**UNTAGGED, "rulePriority": 2}, {**KEEP, "rulePriority": 3})),
    ("bare account id, two statements, a Deny, 2008 version", repo_policy(text=doc(
        allow("ecr:BatchGetImage", {"AWS": "111122223333"}),
        allow(["ecr:GetDownloadUrlForLayer"], {"AWS": [OTHER_ROOT]}),
        {"Effect": "Deny", "Principal": {"AWS": OTHER_ROOT}, "Action": "ecr:PutImage"},
        version="2008-10-17"))),
    ("lower-case action names", repo_policy(allow(["ecr:batchgetimage",
                                                   "ecr:getdownloadurlforlayer"]))),
]


@pytest.mark.parametrize("name, mutate, lost, phrase", WRONG, ids=[w[0] for w in WRONG])
def test_each_rule_has_a_failing_variant(solved, name, mutate, lost, phrase):
    result = mutated(LAB, solved, mutate)
    assert_lost(result, lost, score_without, name)
    assert phrase.lower() in output(result, lost[0]).lower(), output(result, lost[0])


@pytest.mark.parametrize("name, mutate, lost", SEVERAL, ids=[s[0] for s in SEVERAL])
def test_partly_wrong_variants_lose_exactly_their_points(solved, name, mutate, lost):
    result = mutated(LAB, solved, mutate)
    assert_lost(result, lost, score_without, name)
    assert all(t.output and t.hint for t in result.tests if not t.passed)


@pytest.mark.parametrize("name, mutate", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_equivalent_forms_are_accepted(solved, name, mutate):
    assert_passes(mutated(LAB, solved, mutate))


def test_immutable_tags_refuse_a_second_push_of_the_same_tag(solved):
    aws, _ = solved
    other = manifest(layers=[{**MANIFEST["layers"][0], "size": 42}])
    with pytest.raises(ClientError) as caught:
        aws.client("ecr").put_image(repositoryName=REPO, imageManifest=other, imageTag=TAG)
    # AWS answers ImageTagAlreadyExistsException; moto uses ImageAlreadyExistsException.
    assert caught.value.response["Error"]["Code"] in ("ImageTagAlreadyExistsException",
                                                      "ImageAlreadyExistsException")


def test_same_state_gives_identical_results(solved):
    aws, undo = solved
    undo.append(repo_policy(allow(principal="*"))(aws))
    assert check_lab(LAB, aws).to_dict() == check_lab(LAB, aws).to_dict()


# --- variants that need shop/web built from scratch: one account, rebuilt per variant ----

@pytest.fixture(scope="module")
def builder(lab_account):
    return lab_account(LAB.id)


def key_arn(aws, **kwargs):
    return aws.client("kms").create_key(**kwargs)["KeyMetadata"]["Arn"]


def create(aws, encryption=None, mutability="IMMUTABLE"):
    extra = {"encryptionConfiguration": encryption} if encryption else {}
    aws.client("ecr").create_repository(repositoryName=REPO, imageTagMutability=mutability,
                                        **extra)


def push(image, tag=TAG):
    def build(aws):
        create(aws, {"encryptionType": "KMS", "kmsKey": key_arn(aws)})
        aws.client("ecr").put_image(repositoryName=REPO, imageManifest=image, imageTag=tag)
    return build


MANIFEST_LIST = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                   "size": 528, "digest": MANIFEST["config"]["digest"],
                   "platform": {"architecture": "amd64", "os": "linux"}}]})

# (id, build(aws), the check that must fail, a phrase its explanation must contain)
REBUILT = [
    # Rule: KMS with a customer managed key of this account and Region.
    ("default AES256 encryption", lambda a: create(a),
     "encrypted_with_customer_key", "encrypted with AES256"),
    ("explicit AES256", lambda a: create(a, {"encryptionType": "AES256"}),
     "encrypted_with_customer_key", "ECR sets encryption only when a repository is created"),
    ("KMS without a key of yours", lambda a: create(a, {"encryptionType": "KMS"}),
     "encrypted_with_customer_key", "uses the AWS managed key aws/ecr"),
    ("key named in another Region", lambda a: create(a, {
        "encryptionType": "KMS", "kmsKey": key_arn(a).replace("us-east-1", "eu-west-1")}),
     "encrypted_with_customer_key", "in another Region or account"),
    # Rule: a symmetric ENCRYPT_DECRYPT key.
    ("asymmetric key", lambda a: create(a, {"encryptionType": "KMS", "kmsKey": key_arn(
        a, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")}),
     "encrypted_with_customer_key", "symmetric keys only"),
    # Rule: v1.0.0 is a single-image manifest with sha256 config and layers.
    ("pushed as latest only", push(manifest(), tag="latest"),
     "image_pushed", "No image tagged v1.0.0"),
    ("a manifest list", push(MANIFEST_LIST), "image_pushed", "is a manifest list"),
    ("schema version 1", push(manifest(schemaVersion=1)),
     "image_pushed", "schemaVersion 2"),
    ("config without a digest", push(manifest(config={"mediaType": "x", "size": 1})),
     "image_pushed", "no config blob named by a sha256 digest"),
    ("no layers", push(manifest(layers=[])), "image_pushed", "needs a list of layers"),
    # Rule: a COMPLETE scan of v1.0.0.
    ("pushed but never scanned", push(manifest()),
     "scan_findings_recorded", "has not been scanned yet"),
]

REBUILT_ACCEPTED = [
    ("key by alias", lambda a: (
        a.client("kms").create_alias(AliasName="alias/shop", TargetKeyId=key_arn(a)),
        create(a, {"encryptionType": "KMS", "kmsKey": "alias/shop"})),
     "encrypted_with_customer_key"),
    ("dual-layer KMS_DSSE", lambda a: create(a, {"encryptionType": "KMS_DSSE",
                                                 "kmsKey": key_arn(a)}),
     "encrypted_with_customer_key"),
    ("OCI image manifest", push(OCI), "image_pushed"),
]


def checked_after(builder, build):
    try:
        build(builder)
        return check_lab(LAB, builder)
    finally:
        try:
            builder.client("ecr").delete_repository(repositoryName=REPO, force=True)
        except ClientError:
            pass


@pytest.mark.parametrize("name, build, check, phrase", REBUILT, ids=[r[0] for r in REBUILT])
def test_rules_that_need_a_new_repository(builder, name, build, check, phrase):
    result = checked_after(builder, build)
    assert check in failed(result), name
    assert phrase.lower() in output(result, check).lower(), output(result, check)


@pytest.mark.parametrize("name, build, check", REBUILT_ACCEPTED,
                         ids=[r[0] for r in REBUILT_ACCEPTED])
def test_new_repository_alternatives_are_accepted(builder, name, build, check):
    result = checked_after(builder, build)
    assert check not in failed(result), output(result, check)


# --- the rules' building blocks, against the tables in the AWS documentation -------------

@pytest.mark.parametrize("pattern, matches", [
    # AWS's table: filter x repository name (prod, repo-prod, prod-repo, repo-prod-repo,
    # prodrepo).
    ("prod", [True, True, True, True, True]),
    ("*prod", [True, True, False, False, False]),
    ("prod*", [True, False, True, False, True]),
    ("*prod*", [True, True, True, True, True]),
    ("prod*repo", [False, False, True, False, True]),
])
def test_scan_filters_match_like_the_aws_table(pattern, matches):
    names = ["prod", "repo-prod", "prod-repo", "repo-prod-repo", "prodrepo"]
    assert [CHECKS.filter_matches(pattern, name) for name in names] == matches


def test_highest_severity():
    assert CHECKS.highest_severity({}) == "NONE"
    assert CHECKS.highest_severity({"LOW": 2, "CRITICAL": 0, "MEDIUM": 1}) == "MEDIUM"
    assert CHECKS.highest_severity({"INFORMATIONAL": 1, "CRITICAL": 1}) == "CRITICAL"
