"""Checks for lab 06: a private ECR repository that is scanned, immutable, encrypted with a
customer managed key, tidied by a lifecycle policy and shared read-only with one account.

Every rule is listed in lab.toml ``rules``. The sandbox stores lifecycle and repository
policies without applying or simulating them, accepts KMS keys that do not exist and never
scans on push, so these checks read the documents and settings themselves (through boto3
only) and enforce what ECR and IAM would.
"""

from __future__ import annotations

import json
import re

from grader import check, fail
from grader.kit.lookups import or_fail, or_none
from grader.kit.policies import allow_statements, listed, names_everyone, statements
from grader.kit.policy_probes import Probe, denied_probes
from grader.kit.regions import found_elsewhere

REPO = "shop/web"
TAG = "v1.0.0"
KEEP_TAGGED = 10
SEVERITY_TAG = "scan-highest-severity"
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")

PULL = {"ecr:batchgetimage", "ecr:getdownloadurlforlayer", "ecr:batchchecklayeravailability"}
PULL_NEEDED = {"ecr:batchgetimage": "ecr:BatchGetImage",
               "ecr:getdownloadurlforlayer": "ecr:GetDownloadUrlForLayer"}
PUSH = {"ecr:putimage", "ecr:initiatelayerupload", "ecr:uploadlayerpart",
        "ecr:completelayerupload"}

TIME_COUNTS = {"sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"}
COUNT_TYPES = TIME_COUNTS | {"imageCountMoreThan"}
MAX_WILDCARDS = 4

IMAGE_MANIFESTS = {"application/vnd.docker.distribution.manifest.v2+json",
                   "application/vnd.oci.image.manifest.v1+json"}
MANIFEST_LISTS = {"application/vnd.docker.distribution.manifest.list.v2+json",
                  "application/vnd.oci.image.index.v1+json"}
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


# --- reading state ----------------------------------------------------------------------

def _describe_repository(ecr):
    return or_none(lambda: ecr.describe_repositories(repositoryNames=[REPO])["repositories"][0],
                   "RepositoryNotFoundException")


def _repository(aws, needed_for=""):
    """shop/web, read once per run; missing here: say where it is if in another Region."""
    repository = aws.once("ecr.repository", lambda: _describe_repository(aws.client("ecr")))
    if not repository:
        fail(found_elsewhere(aws, "ecr", REPO, _describe_repository, f"Repository '{REPO}'")
             or f"No repository named '{REPO}' yet{needed_for}: create it with "
                "ecr.create_repository (task 2).", REPO)
    return repository


def _wildcard(pattern):
    """A regex for an ECR wildcard pattern: '*' is zero or more characters, the rest literal."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


# --- 1. scan on push ----------------------------------------------------------------------

def filter_matches(repository_filter, name):
    """ECR scan filters: without '*' a filter matches every name that contains it; with '*'
    the whole name must match, each '*' standing for zero or more characters."""
    if "*" not in repository_filter:
        return repository_filter in name
    return bool(_wildcard(repository_filter).match(name))


@check(points=2, hint="ecr.put_registry_scanning_configuration(scanType='BASIC', rules=[{"
                      "'scanFrequency': 'SCAN_ON_PUSH', 'repositoryFilters': [{'filter': "
                      "'shop/*', 'filterType': 'WILDCARD'}]}])")
def scan_on_push(aws):
    """Images pushed to shop/web are scanned on push (registry-level BASIC scanning)"""
    ecr = aws.client("ecr")
    config = ecr.get_registry_scanning_configuration().get("scanningConfiguration") or {}
    scan_type = config.get("scanType", "BASIC")
    rules = config.get("rules") or []
    assert scan_type == "BASIC", (
        f"The registry's scanType is {scan_type}. The task uses BASIC scanning: ECR scans the "
        "operating system packages itself, and start_image_scan (task 6) starts basic scans. "
        "ENHANCED hands scanning to Amazon Inspector, which is billed separately.")
    if not rules:
        repository = or_none(lambda: _describe_repository(ecr),
                             "RepositoryNotFoundException") or {}
        flag = repository.get("imageScanningConfiguration", {}).get("scanOnPush")
        assert flag, (
            "Nothing scans shop/web on push: the registry has no scanning rules yet. Add a "
            "BASIC rule with scanFrequency SCAN_ON_PUSH and a WILDCARD filter that matches "
            f"'{REPO}' with put_registry_scanning_configuration (scanning is configured per "
            "Region at the registry level).")
        return  # the deprecated repository-level flag, used while the registry has no rules
    matching = [rule for rule in rules
                if any(f.get("filterType", "WILDCARD") == "WILDCARD"
                       and filter_matches(f.get("filter", ""), REPO)
                       for f in rule.get("repositoryFilters", []))]
    filters = sorted(f.get("filter", "")
                     for rule in rules for f in rule.get("repositoryFilters", []))
    assert matching, (
        f"None of the registry's scan filters ({', '.join(filters) or 'none'}) matches "
        f"'{REPO}'. A filter without '*' matches names that contain it; with '*' the whole "
        "name must match (so 'shop/*' or '*' match, '*prod' does not). A repository that no "
        "scan-on-push filter matches is set to MANUAL, and its repository-level scanOnPush "
        "flag no longer counts.")
    frequencies = sorted({rule.get("scanFrequency", "") for rule in matching})
    assert "SCAN_ON_PUSH" in frequencies, (
        f"The registry rule that matches '{REPO}' has scanFrequency {', '.join(frequencies)}; "
        "basic scanning scans on push only with scanFrequency SCAN_ON_PUSH.")


# --- 2. KMS encryption --------------------------------------------------------------------

def _arn_parts(arn):
    parts = arn.split(":")
    return (parts[3], parts[4]) if arn.startswith("arn:") and len(parts) > 5 else None


@check(points=2, hint="key = kms.create_key(Description='shop/web images'); "
                      "ecr.create_repository(repositoryName='shop/web', encryptionConfiguration="
                      "{'encryptionType': 'KMS', 'kmsKey': key['KeyMetadata']['Arn']})")
def encrypted_with_customer_key(aws):
    """shop/web is encrypted with a customer managed KMS key you created"""
    repository = _repository(aws)
    encryption = repository.get("encryptionConfiguration") or {}
    kind = encryption.get("encryptionType", "AES256")
    assert kind in ("KMS", "KMS_DSSE"), (
        f"'{REPO}' is encrypted with {kind} (S3-managed keys), not KMS. ECR sets encryption "
        "only when a repository is created: delete it (ecr.delete_repository(..., force=True)) "
        "and create it again with encryptionConfiguration encryptionType KMS and your key.")
    key_id = encryption.get("kmsKey")
    assert key_id, (f"'{REPO}' uses KMS but names no key; pass kmsKey, the Arn of the key you "
                    "created, when you create the repository.")
    repo_region, repo_account = _arn_parts(repository["repositoryArn"])
    key = or_fail(
        lambda: aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"], "NotFoundException",
        f"'{REPO}' is encrypted with a KMS key that does not exist in this account. With "
        "encryptionType KMS and no kmsKey, ECR uses the AWS managed key aws/ecr; the task "
        "asks for a customer managed key you create with kms.create_key, so you control "
        "its key policy, rotation and audit trail.")
    named = _arn_parts(key_id) or _arn_parts(key["Arn"])
    assert named == (repo_region, repo_account), (
        f"'{REPO}' names a KMS key in another Region or account. ECR can only use a key in the "
        "repository's own Region.")
    assert key.get("KeyManager") == "CUSTOMER", (
        f"'{REPO}' is encrypted with an AWS managed key (aws/ecr). It works, but you cannot "
        "change its policy or rotation; the task asks for a customer managed key you create.")
    assert key.get("KeyState") == "Enabled", (
        f"The KMS key of '{REPO}' is {key.get('KeyState')}. ECR needs the key for every push "
        "and pull, so a disabled key (or one pending deletion) makes the images unreadable.")
    assert key.get("KeySpec", key.get("CustomerMasterKeySpec")) == "SYMMETRIC_DEFAULT" and \
        key.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT", (
            f"The KMS key of '{REPO}' is {key.get('KeySpec')} for {key.get('KeyUsage')}. ECR "
            "encrypts with symmetric keys only: create a SYMMETRIC_DEFAULT key for "
            "ENCRYPT_DECRYPT (kms.create_key's defaults).")


# --- 3. immutable tags --------------------------------------------------------------------

@check(points=1, hint="ecr.put_image_tag_mutability(repositoryName='shop/web', "
                      "imageTagMutability='IMMUTABLE')")
def tags_immutable(aws):
    """shop/web's image tags are immutable"""
    mutability = _repository(aws).get("imageTagMutability", "MUTABLE")
    assert mutability != "IMMUTABLE_WITH_EXCLUSION", (
        f"'{REPO}' is IMMUTABLE_WITH_EXCLUSION: tags that match its exclusion filters can "
        "still be moved to another image. The task makes every tag immutable: IMMUTABLE.")
    assert mutability == "IMMUTABLE", (
        f"'{REPO}' has {mutability} tags, so pushing v1.0.0 again silently moves the tag to "
        "new content. With IMMUTABLE, ECR refuses to reuse a tag, so a tag always means the "
        "same image.")


# --- 4. lifecycle policy ------------------------------------------------------------------

def _integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def selects_tag(selection, tag):
    """True when a tagged rule's prefix and pattern lists all match ``tag``."""
    prefixes = listed(selection.get("tagPrefixList"))
    patterns = listed(selection.get("tagPatternList"))
    return (all(tag.startswith(p) for p in prefixes)
            and all(_wildcard(p).match(tag) for p in patterns))


def _rule_problem(rule):
    """Why one rule breaks ECR's lifecycle policy rules, or None."""
    priority = rule.get("rulePriority")
    selection = rule.get("selection") or {}
    name = f"Rule {priority}"
    action = (rule.get("action") or {}).get("type")
    if action != "expire":
        return (f"{name}'s action type is {action!r}. Rules that delete images use "
                "{'type': 'expire'}.")
    status = selection.get("tagStatus")
    if status not in ("tagged", "untagged", "any"):
        return f"{name} has tagStatus {status!r}; use tagged, untagged or any."
    lists = [k for k in ("tagPrefixList", "tagPatternList") if selection.get(k)]
    if status == "tagged" and not lists:
        return (f"{name} selects tagged images but has no tagPrefixList or tagPatternList. ECR "
                "requires one, so the rule says which tags it manages (for this task, the "
                "release tags that start with 'v').")
    if status != "tagged" and lists:
        return (f"{name} selects {status} images and also has {lists[0]}; ECR allows tag "
                "lists only on tagged rules.")
    for pattern in listed(selection.get("tagPatternList")):
        if pattern.count("*") > MAX_WILDCARDS:
            return (f"{name}'s tag pattern {pattern!r} has {pattern.count('*')} wildcards; "
                    f"ECR allows at most {MAX_WILDCARDS} per pattern.")
    count_type = selection.get("countType")
    if count_type not in COUNT_TYPES:
        return (f"{name} has countType {count_type!r}; use imageCountMoreThan (keep the newest "
                "N) or sinceImagePushed (expire after N days).")
    if count_type in TIME_COUNTS and selection.get("countUnit") != "days":
        return (f"{name} uses {count_type} but its countUnit is "
                f"{selection.get('countUnit')!r}. An age needs a unit: ECR requires "
                "\"countUnit\": \"days\".")
    if count_type == "imageCountMoreThan" and "countUnit" in selection:
        return (f"{name} counts images (imageCountMoreThan) but also sets countUnit. A count "
                "has no unit, and ECR rejects countUnit on imageCountMoreThan rules.")
    number = selection.get("countNumber")
    if not _integer(number) or number < 1:
        return f"{name}'s countNumber is {number!r}; it must be a whole number of at least 1."
    return None


def _partner(aws):
    """The account the repository is shared with (lab.toml ``partner_account``)."""
    return aws.params["partner_account"]


def lifecycle_problem(text, days):
    """Why a lifecycle policy document does not do this lab's job by ECR's rules (untagged
    images expire ``days`` after push), or None."""
    try:
        document = json.loads(text)
    except ValueError:
        return "The lifecycle policy is not valid JSON."
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, list) or not rules or not all(isinstance(r, dict) for r in rules):
        return "The lifecycle policy needs a \"rules\" list of rule objects."
    priorities = [rule.get("rulePriority") for rule in rules]
    bad = [p for p in priorities if not _integer(p)]
    if bad:
        return (f"rulePriority {bad[0]!r} is not a whole number. ECR orders rules by it, "
                "lowest first.")
    shared = sorted({p for p in priorities if priorities.count(p) > 1})
    if shared:
        return (f"Two rules share rulePriority {shared[0]}. ECR evaluates rules in priority "
                "order, lowest first, and requires every rule to have a unique rulePriority.")
    ordered = sorted(rules, key=lambda r: r["rulePriority"])
    for rule in ordered:
        problem = _rule_problem(rule)
        if problem:
            return problem
    status = [(r["rulePriority"], r["selection"]["tagStatus"]) for r in ordered]
    for priority, tag_status in status[:-1]:
        if tag_status == "any":
            return (f"Rule {priority} selects any image but is not the last rule. ECR requires "
                    "a tagStatus any rule to have the highest rulePriority, so the more "
                    "specific tagged and untagged rules are evaluated first.")
    untagged = [r for r in ordered if r["selection"]["tagStatus"] == "untagged"]
    if len(untagged) > 1:
        return (f"Rules {untagged[0]['rulePriority']} and {untagged[1]['rulePriority']} both "
                "select untagged images; ECR allows only one rule for untagged images.")
    if not untagged:
        return (f"No rule expires untagged images. Every push of a moved tag leaves the old "
                f"image untagged; add a tagStatus untagged rule with countType sinceImagePushed, "
                f"countUnit days and countNumber {days}.")
    selection = untagged[0]["selection"]
    if selection["countType"] != "sinceImagePushed":
        return (f"The untagged rule uses {selection['countType']}; the task expires untagged "
                f"images by age: countType sinceImagePushed, countUnit days, countNumber "
                f"{days}.")
    if selection["countNumber"] != days:
        return (f"The untagged rule expires images {selection['countNumber']} days after "
                f"push; the task asks for {days} days.")
    releases = [r for r in ordered
                if r["selection"]["tagStatus"] == "tagged" and selects_tag(r["selection"], TAG)]
    if not releases:
        tagged = any(r["selection"]["tagStatus"] == "tagged" for r in ordered)
        return ((f"No tagged rule selects the release tag {TAG}: its tagPrefixList or "
                 "tagPatternList does not match tags that start with 'v'. "
                 if tagged else "No rule keeps the newest tagged images. ")
                + f"Add a tagged rule with tagPrefixList ['v'] (or tagPatternList ['v*']), "
                  f"countType imageCountMoreThan and countNumber {KEEP_TAGGED}.")
    first = releases[0]
    selection = first["selection"]
    if selection["countType"] != "imageCountMoreThan" or selection["countNumber"] != KEEP_TAGGED:
        return (f"Rule {first['rulePriority']} is the first rule that selects release tags "
                f"like {TAG}, so it decides their fate (an image matched by a rule cannot be "
                "expired by a later one). It "
                + (f"keeps the newest {selection['countNumber']}"
                   if selection["countType"] == "imageCountMoreThan"
                   else f"expires them {selection['countNumber']} days after push")
                + f"; the task keeps the newest {KEEP_TAGGED}: countType imageCountMoreThan, "
                  f"countNumber {KEEP_TAGGED}.")
    return None


@check(points=3, hint="ecr.put_lifecycle_policy(repositoryName='shop/web', lifecyclePolicyText="
                      "json.dumps({'rules': [{'rulePriority': 1, 'selection': {'tagStatus': "
                      "'untagged', 'countType': 'sinceImagePushed', 'countUnit': 'days', "
                      "'countNumber': {{ untagged_days }}}, 'action': {'type': 'expire'}}, "
                      "{'rulePriority': 2, "
                      "'selection': {'tagStatus': 'tagged', 'tagPrefixList': ['v'], "
                      "'countType': 'imageCountMoreThan', 'countNumber': 10}, 'action': "
                      "{'type': 'expire'}}]}))")
def lifecycle_policy(aws):
    """Untagged images expire after {{ untagged_days }} days; the newest 10 releases are kept"""
    _repository(aws)
    text = or_fail(
        lambda: aws.client("ecr").get_lifecycle_policy(repositoryName=REPO)["lifecyclePolicyText"],
        "LifecyclePolicyNotFoundException",
        f"'{REPO}' has no lifecycle policy yet, so it keeps every image (and you pay for "
        "their storage) forever. Add one with ecr.put_lifecycle_policy.")
    problem = lifecycle_problem(text, aws.params["untagged_days"])
    assert problem is None, problem


# --- 5. the image -------------------------------------------------------------------------

def _image(aws):
    """shop/web:v1.0.0's details and manifest (dict), read once per run."""
    return aws.once("ecr.image", lambda: _read_image(aws))


def _read_image(aws):
    ecr = aws.client("ecr")
    _repository(aws)
    details = or_fail(
        lambda: ecr.describe_images(repositoryName=REPO,
                                    imageIds=[{"imageTag": TAG}])["imageDetails"][0],
        "ImageNotFoundException",
        f"No image tagged {TAG} in '{REPO}' yet: push the manifest with ecr.put_image (task 5).")
    found = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": TAG}],
                                acceptedMediaTypes=sorted(IMAGE_MANIFESTS | MANIFEST_LISTS))
    images = found.get("images", [])
    assert images, f"ECR could not return the manifest of {REPO}:{TAG}."
    try:
        manifest = json.loads(images[0]["imageManifest"])
    except ValueError:
        manifest = None
    return details, manifest


@check(points=1, hint="ecr.put_image(repositoryName='shop/web', imageManifest="
                      "json.dumps(MANIFEST), imageTag='v1.0.0')")
def image_pushed(aws):
    """shop/web:v1.0.0 holds an image manifest"""
    details, manifest = _image(aws)
    assert isinstance(manifest, dict), f"The manifest of {REPO}:{TAG} is not a JSON object."
    media_type = manifest.get("mediaType") or details.get("imageManifestMediaType")
    assert media_type not in MANIFEST_LISTS, (
        f"{REPO}:{TAG} is a manifest list (an index of images for several platforms). Push "
        "the single-image manifest from the notebook: one config and its layers.")
    assert manifest.get("schemaVersion") == 2 and media_type in IMAGE_MANIFESTS, (
        f"{REPO}:{TAG} is not a Docker image manifest v2 (schema 2) or OCI image manifest: "
        "it needs schemaVersion 2 and mediaType "
        "application/vnd.docker.distribution.manifest.v2+json (or the OCI type).")
    config = manifest.get("config")
    layers = manifest.get("layers")
    assert isinstance(config, dict) and DIGEST.match(str(config.get("digest", ""))), (
        f"The manifest of {REPO}:{TAG} has no config blob named by a sha256 digest; the "
        "config holds the image's settings (entrypoint, environment, layer history).")
    assert isinstance(layers, list) and layers and all(
        isinstance(layer, dict) and DIGEST.match(str(layer.get("digest", "")))
        for layer in layers), (
        f"The manifest of {REPO}:{TAG} needs a list of layers, each named by a sha256 digest: "
        "the layers are the image's filesystem.")


# --- 6. scan findings ---------------------------------------------------------------------

def highest_severity(counts):
    """The most severe level with findings, or NONE."""
    for level in SEVERITIES:
        if (counts or {}).get(level):
            return level
    return "NONE"


@check(points=2, hint="ecr.start_image_scan(repositoryName='shop/web', imageId={'imageTag': "
                      "'v1.0.0'}); read describe_image_scan_findings(...)['imageScanFindings']"
                      "['findingSeverityCounts']; ecr.tag_resource(resourceArn=repo_arn, tags="
                      "[{'Key': 'scan-highest-severity', 'Value': 'HIGH'}])")
def scan_findings_recorded(aws):
    """v1.0.0 was scanned and its highest finding severity is recorded on shop/web"""
    ecr = aws.client("ecr")
    repository = _repository(aws)
    _image(aws)
    scan = or_fail(
        lambda: ecr.describe_image_scan_findings(repositoryName=REPO, imageId={"imageTag": TAG}),
        "ScanNotFoundException",
        f"{REPO}:{TAG} has not been scanned yet. Start a basic scan with "
        "ecr.start_image_scan. (On AWS, scan on push would already have scanned it; the "
        "sandbox never scans on push.)")
    status = scan.get("imageScanStatus", {}).get("status")
    assert status == "COMPLETE", (
        f"The scan of {REPO}:{TAG} is {status}; wait for COMPLETE with "
        "ecr.get_waiter('image_scan_complete') before reading the findings.")
    highest = highest_severity(scan.get("imageScanFindings", {}).get("findingSeverityCounts"))
    tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(
        resourceArn=repository["repositoryArn"]).get("tags", [])}
    recorded = tags.get(SEVERITY_TAG)
    assert recorded is not None, (
        f"The scan is complete, but '{REPO}' has no tag {SEVERITY_TAG} yet. Read "
        "findingSeverityCounts and record the most severe level found (NONE if there are no "
        "findings) with ecr.tag_resource.")
    assert recorded.strip().upper() == highest, (
        f"Tag {SEVERITY_TAG} says {recorded!r}, but the most severe finding of {REPO}:{TAG} is "
        f"{highest}. Severities from worst: {', '.join(SEVERITIES)}.")


# --- 7. cross-account pull ----------------------------------------------------------------

def _principal_problem(statement, partner):
    """Why a statement's principal is not exactly the ``partner`` account's root, or None."""
    if "NotPrincipal" in statement:
        return ("The repository policy uses NotPrincipal, which allows everyone except the "
                f"principals it names. Name account {partner} in Principal instead.")
    principal = statement.get("Principal")
    if names_everyone(statement):
        return ("The repository policy allows any principal ('*'): every AWS account in the "
                f"world could pull your images. Name only account {partner}.")
    if not isinstance(principal, dict) or not principal:
        return "A statement of the repository policy has no Principal."
    others = sorted(k for k in principal if k != "AWS")
    if others:
        return (f"The repository policy also allows {'/'.join(others)} principals; the task "
                f"shares the images with account {partner} only.")
    names = listed(principal["AWS"])
    root = f"arn:aws:iam::{partner}:root"
    foreign = [p for p in names if p not in (partner, root)]
    if foreign:
        return (f"The repository policy names a principal other than account {partner} "
                f"(expected {root}). Every extra principal could pull your images; the "
                f"other account decides with its own IAM policies which of its roles may pull.")
    return None


@check(points=3, hint="ecr.set_repository_policy(repositoryName='shop/web', policyText="
                      "json.dumps({'Version': '2012-10-17', 'Statement': [{'Sid': "
                      "'PullFromPartner', 'Effect': 'Allow', 'Principal': {'AWS': "
                      "'arn:aws:iam::{{ partner_account }}:root'}, 'Action': ['ecr:BatchGetImage', "
                      "'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']}]}))")
def cross_account_pull_only(aws):
    """Account {{ partner_account }} may pull from shop/web, and nothing more"""
    _repository(aws)
    partner = _partner(aws)
    text = or_fail(
        lambda: aws.client("ecr").get_repository_policy(repositoryName=REPO)["policyText"],
        "RepositoryPolicyNotFoundException",
        f"'{REPO}' has no repository policy yet, so only your own account can use it. Add "
        f"one that lets account {partner} pull (ecr.set_repository_policy).")
    try:
        document = json.loads(text)
    except ValueError:
        raise AssertionError("The repository policy is not valid JSON.") from None
    allows = allow_statements(document) if isinstance(document, dict) else []
    assert allows, f"The repository policy allows nothing; allow account {partner} to pull."
    granted = set()
    for statement in allows:
        problem = _principal_problem(statement, partner)
        assert problem is None, problem
        assert "NotAction" not in statement, (
            "The repository policy uses NotAction, which allows every action except those it "
            "names (including pushes and deletes). List the pull actions in Action.")
        actions = [str(a) for a in listed(statement.get("Action"))]
        wild = sorted(a for a in actions if "*" in a or "?" in a)
        assert not wild, (
            f"The repository policy allows the wildcard action {wild[0]!r}, which covers more "
            "than pulling (ecr:* and ecr:Batch* include ecr:BatchDeleteImage, ecr:* also "
            "ecr:PutImage). List ecr:BatchGetImage and ecr:GetDownloadUrlForLayer.")
        push = sorted({a for a in actions if a.lower() in PUSH})
        assert not push, (
            f"The repository policy lets account {partner} push ({', '.join(push)}): it "
            "could add images to your repository. Sharing for pulls needs no push action.")
        extra = sorted({a for a in actions if a.lower() not in PULL})
        assert not extra, (
            f"The repository policy also allows {', '.join(extra)}. Pulling needs only "
            "ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and (optionally) "
            "ecr:BatchCheckLayerAvailability.")
        granted.update(a.lower() for a in actions)
    missing = [PULL_NEEDED[a] for a in sorted(PULL_NEEDED) if a not in granted]
    assert not missing, (
        f"The repository policy does not allow {' or '.join(missing)}. A pull needs both: "
        "ecr:BatchGetImage returns the manifest, ecr:GetDownloadUrlForLayer the layers.")
    # What IAM would answer, not just what the Allow statements list: a Deny or a
    # Condition can still refuse the pull.
    refused = denied_probes(statements(document), [
        Probe(PULL_NEEDED[a], ("AWS", f"arn:aws:iam::{partner}:root"))
        for a in sorted(PULL_NEEDED)])
    if refused:
        fail(f"The repository policy lists {refused[0].action} for account {partner}, "
             "but a Deny statement or a Condition refuses it, so the account still cannot "
             "pull. Remove the Deny (or the Condition) that covers the pull actions.", REPO)
