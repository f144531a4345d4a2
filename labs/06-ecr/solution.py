# %% [markdown]
# # Lab 06 — ECR: a private repository that is scanned, immutable, encrypted, tidied and shared
#
# Your team's web image goes into a private ECR repository, **`shop/web`**. Before anything is
# pushed, you set the repository up the way the lesson (*Amazon ECR*) recommends:
#
# | Setting | Where it lives | Can it change later? |
# |---|---|---|
# | Scan on push (basic scanning) | the **registry** (per account and Region), with repository filters | yes |
# | Encryption with your own KMS key | the repository | **no**, only when the repository is created |
# | Immutable tags | the repository | yes |
# | Lifecycle policy (what to delete) | the repository | yes |
# | Repository policy (who else may pull) | the repository | yes |
#
# Then you push an image manifest, scan it and read the findings, and share the repository
# with a partner account, **{{ partner_account }}**, that may pull but never push.
#
# **What the sandbox can and cannot show.** It stores all of these settings, but it applies
# few of them, so the checks read your documents and settings and enforce what ECR would:
#
# - It never **scans on push**. A scan exists only after you call `start_image_scan`, and its
#   findings are a fixed, made-up example (`CVE-9999-9999`, severity HIGH, in a package called
#   `moto_fake`). On AWS, basic scanning reports real CVEs in the image's OS packages.
# - It never **applies a lifecycle policy** (no image ever expires) and has no lifecycle policy
#   preview (`start_lifecycle_policy_preview`). It checks only the policy's basic shape.
# - It accepts a KMS key that does not exist and a manifest whose layers were never uploaded.
#   On AWS, `docker push` first uploads every layer and the config blob
#   (`InitiateLayerUpload`, `UploadLayerPart`, `CompleteLayerUpload`), then calls `PutImage`
#   with the manifest. `put_image` alone answers `LayersNotFoundException` there.
# - There is no account {{ partner_account }} and no `docker pull`, so the cross-account pull cannot be
#   tried. The check reads the repository policy instead.
#
# Write plain `boto3`: the first cell already pointed it at the sandbox. Run it first.
#

# %% [markdown]
# ## Task 1 — Scan on push, configured at the registry level
#
# Scanning is configured **per Region for the whole private registry**: a scan type (`BASIC`,
# done by ECR, or `ENHANCED`, done by Amazon Inspector) and up to two rules. Each rule has a
# `scanFrequency` and **repository filters** that choose the repositories it applies to. A
# filter without `*` matches every repository name that *contains* it; with `*`, the whole name
# must match, each `*` standing for zero or more characters (`shop/*` matches `shop/web`,
# `*prod` does not). With basic scanning, repositories that no `SCAN_ON_PUSH` filter matches
# are set to `MANUAL`.
#
# Set `BASIC` scanning with one `SCAN_ON_PUSH` rule whose `WILDCARD` filter matches
# `shop/web`. You can do this before the repository exists.
#
# > **What changed.** Older material sets `scanOnPush` on each repository
# > (`imageScanningConfiguration` in `create_repository`, or `put_image_scanning_configuration`).
# > AWS is deprecating that API in favour of the registry-level configuration used here. The
# > check still accepts the repository flag, but only while the registry has no scanning rules,
# > because registry rules decide as soon as they exist.
#
# **Look at:** `ecr.get_registry_scanning_configuration()` and, once the repository exists,
# `ecr.batch_get_repository_scanning_configuration(repositoryNames=["shop/web"])`, which shows
# the frequency and filter that apply to it.
#

# %%
import json

import boto3

ecr = boto3.client("ecr")
REPO = "shop/web"

# BEGIN SOLUTION
ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[{
    "scanFrequency": "SCAN_ON_PUSH",
    "repositoryFilters": [{"filter": "shop/*", "filterType": "WILDCARD"}]}])
# END SOLUTION
# BEGIN STARTER
# # TODO: ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[{
# #           "scanFrequency": "SCAN_ON_PUSH",
# #           "repositoryFilters": [{"filter": "...", "filterType": "WILDCARD"}]}])
# #       with a filter that matches "shop/web".
# END STARTER

print(json.dumps(ecr.get_registry_scanning_configuration()["scanningConfiguration"], indent=2))


# %% [markdown]
# ## Task 2 — A customer managed KMS key, and the repository encrypted with it
#
# Images are always encrypted at rest. By default ECR uses AES-256 with S3-managed keys. With
# `encryptionType` `KMS` and no key, it uses the AWS managed key `aws/ecr`. Here you create
# your **own** (customer managed) key, so you control its key policy, its rotation and who can
# use it, and every use shows up in CloudTrail.
#
# Create a key with `kms.create_key` (the defaults give a symmetric `ENCRYPT_DECRYPT` key, the
# only kind ECR can use). Then create **`shop/web`** with
# `encryptionConfiguration={"encryptionType": "KMS", "kmsKey": <the key's Arn>}`.
#
# **Encryption can only be set when a repository is created.** To change it, you delete the
# repository (`ecr.delete_repository(repositoryName=..., force=True)` also deletes its images)
# and create it again. Running `create_repository` twice answers
# `RepositoryAlreadyExistsException`.
# **Look at:** the `encryptionConfiguration` of the repository that `create_repository`
# returns, and `kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyManager"]` (`CUSTOMER`).
#

# %%
kms = boto3.client("kms")

# BEGIN SOLUTION
key_arn = kms.create_key(Description="Encrypts the images in shop/web")["KeyMetadata"]["Arn"]
# END SOLUTION
# BEGIN STARTER
# # TODO: key_arn = kms.create_key(Description="Encrypts the images in shop/web")["KeyMetadata"]["Arn"]
# key_arn = None
# END STARTER
print("Key:", key_arn)

# BEGIN SOLUTION
repository = ecr.create_repository(
    repositoryName=REPO,
    encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key_arn})["repository"]
# END SOLUTION
# BEGIN STARTER
# # TODO: repository = ecr.create_repository(
# #           repositoryName=REPO,
# #           encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key_arn})["repository"]
# repository = None
# END STARTER
print(json.dumps(repository, indent=2, default=str))


# %% [markdown]
# ## Task 3 — Immutable tags
#
# By default tags are **mutable**: pushing `shop/web:v1.0.0` again silently moves the tag to
# the new image, so `v1.0.0` may mean different code tomorrow. Make every tag **immutable**
# (`IMMUTABLE`). ECR then refuses any push that reuses a tag, so a tag always names the same
# image and a deployment can be repeated exactly.
#
# Unlike encryption, tag mutability can be changed at any time with
# `put_image_tag_mutability`. (You could also have passed `imageTagMutability="IMMUTABLE"` to
# `create_repository`.) `IMMUTABLE_WITH_EXCLUSION` keeps some tags, such as `latest`, movable.
# The task wants every tag immutable.
# **Look at:** `ecr.describe_repositories(repositoryNames=[REPO])["repositories"][0]["imageTagMutability"]`.
#

# %%
# BEGIN SOLUTION
mutability = ecr.put_image_tag_mutability(
    repositoryName=REPO, imageTagMutability="IMMUTABLE")["imageTagMutability"]
# END SOLUTION
# BEGIN STARTER
# # TODO: mutability = ecr.put_image_tag_mutability(
# #           repositoryName=REPO, imageTagMutability="...")["imageTagMutability"]
# mutability = None
# END STARTER
print("Tags are", mutability)


# %% [markdown]
# ## Task 4 — A lifecycle policy: expire untagged images, keep the newest 10 releases
#
# Repositories grow with every build, and you pay for the storage. A **lifecycle policy** is
# a JSON list of rules that **expire** (delete) images. Write one with two rules:
#
# 1. **Untagged** images expire **{{ untagged_days }} days** after they were pushed: `tagStatus` `untagged`,
#    `countType` `sinceImagePushed`, `countUnit` `days`, `countNumber` `{{ untagged_days }}`.
# 2. Of the **release images**, tagged `v...` (like `v1.0.0`), keep the **newest 10**:
#    `tagStatus` `tagged` with `tagPrefixList` `["v"]` (or `tagPatternList` `["v*"]`),
#    `countType` `imageCountMoreThan`, `countNumber` `10`.
#
# Each rule also has a `rulePriority` and `"action": {"type": "expire"}`. The rules that ECR
# enforces, and the check explains:
#
# - Every `rulePriority` is a **unique** whole number. Rules are evaluated lowest first, and an
#   image that a rule selects cannot be expired by a later rule. A `tagStatus` `any` rule must
#   have the highest priority.
# - `sinceImagePushed` needs `countUnit` `days`. `imageCountMoreThan` must **not** have a
#   `countUnit`, because a count has no unit.
# - A `tagged` rule needs a `tagPrefixList` or a `tagPatternList`. An `untagged` rule has
#   neither, and only one rule may select untagged images.
#
# The lesson shows the untagged rule. The sandbox checks only the policy's basic shape and
# never deletes anything. On AWS, expired images are removed within 24 hours, and
# `start_lifecycle_policy_preview` shows what a policy would delete before you apply it.
# **Look at:** `json.loads(ecr.get_lifecycle_policy(repositoryName=REPO)["lifecyclePolicyText"])`.
#

# %%
# BEGIN SOLUTION
lifecycle = {"rules": [
    {"rulePriority": 1, "description": "Expire untagged images {{ untagged_days }} days after push",
     "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                   "countUnit": "days", "countNumber": "{{ untagged_days }}"},
     "action": {"type": "expire"}},
    {"rulePriority": 2, "description": "Keep the newest 10 release images",
     "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"],
                   "countType": "imageCountMoreThan", "countNumber": 10},
     "action": {"type": "expire"}},
]}
# END SOLUTION
# BEGIN STARTER
# # TODO: the policy as a dict: {"rules": [{"rulePriority": ..., "description": "...",
# #       "selection": {...}, "action": {"type": "expire"}}, ...]} with the two rules above.
# lifecycle = None
# END STARTER
print(json.dumps(lifecycle, indent=2))

# BEGIN SOLUTION
ecr.put_lifecycle_policy(repositoryName=REPO, lifecyclePolicyText=json.dumps(lifecycle))
# END SOLUTION
# BEGIN STARTER
# # TODO: ecr.put_lifecycle_policy(repositoryName=REPO, lifecyclePolicyText=json.dumps(lifecycle))
# END STARTER


# %% [markdown]
# ## Task 5 — Push an image manifest, then try to move its tag
#
# An image in a registry is a **manifest**: a small JSON document that names the image's
# **config** blob (its settings: entrypoint, environment, history) and its **layers** (the
# filesystem), each by the `sha256` digest of its content. The image's own digest is the
# digest of the manifest. The cell below holds a minimal Docker image manifest (v2, schema 2).
#
# Push it as **`shop/web:v1.0.0`** with `ecr.put_image`. (The sandbox does not check that the
# config and layer blobs were uploaded first. On AWS, `docker push` uploads them before it
# calls `PutImage`.) Then try to push *different* content with the same tag: with immutable
# tags ECR refuses. On AWS the error is `ImageTagAlreadyExistsException`. The sandbox answers
# `ImageAlreadyExistsException`, the error AWS gives when you push the very same image and tag
# twice.
# **Look at:** `ecr.describe_images(repositoryName=REPO)["imageDetails"]`: the digest, the
# tags, the size and `imagePushedAt`, which the lifecycle rules count from.
#

# %%
from botocore.exceptions import ClientError

TAG = "v1.0.0"
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

# BEGIN SOLUTION
image = ecr.put_image(repositoryName=REPO, imageManifest=json.dumps(MANIFEST),
                      imageTag=TAG)["image"]
# END SOLUTION
# BEGIN STARTER
# # TODO: image = ecr.put_image(repositoryName=REPO, imageManifest=json.dumps(MANIFEST),
# #                             imageTag=TAG)["image"]
# image = None
# END STARTER
print("Pushed:", image and image["imageId"])

# The same tag for different content (another layer size):
changed = {**MANIFEST, "layers": [{**MANIFEST["layers"][0], "size": 42}]}
try:
# BEGIN SOLUTION
    ecr.put_image(repositoryName=REPO, imageManifest=json.dumps(changed), imageTag=TAG)
    print("The tag moved to new content: are the tags immutable?")
# END SOLUTION
# BEGIN STARTER
#     pass  # TODO: ecr.put_image(... imageManifest=json.dumps(changed), imageTag=TAG)
# END STARTER
except ClientError as err:
    print("Refused:", err.response["Error"]["Code"])


# %% [markdown]
# ## Task 6 — Scan the image and read the findings
#
# Start a basic scan of `v1.0.0` with `ecr.start_image_scan`, wait for it with the
# `image_scan_complete` waiter, and read the result with `ecr.describe_image_scan_findings`.
# `imageScanFindings` holds `findingSeverityCounts` (how many findings of each severity) and
# `findings` (each CVE with its severity, package name and version, and a link).
#
# Record what you found: tag the repository with **`scan-highest-severity`** set to the most
# severe level that has findings (`CRITICAL`, then `HIGH`, `MEDIUM`, `LOW`, `INFORMATIONAL`,
# `UNDEFINED`), or `NONE` when there are no findings.
#
# With scan on push (task 1), AWS would already have scanned the image. The sandbox does not,
# which is why you start the scan yourself. ECR allows one basic scan per image every 24 hours:
# if you run this cell again, `start_image_scan` answers `LimitExceededException` and the
# existing findings are still there to read.
# **Look at:** each finding's `name`, `severity` and `attributes` (`package_name`,
# `package_version`).
#

# %%
SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"]

# BEGIN SOLUTION
try:
    ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": TAG})
except ecr.exceptions.LimitExceededException:
    print("Already scanned in the last 24 hours: reading those findings.")
ecr.get_waiter("image_scan_complete").wait(repositoryName=REPO, imageId={"imageTag": TAG})
findings = ecr.describe_image_scan_findings(repositoryName=REPO,
                                            imageId={"imageTag": TAG})["imageScanFindings"]
for finding in findings.get("findings", []):
    package = {a["key"]: a["value"] for a in finding.get("attributes", [])}
    print(finding["severity"], finding["name"], package.get("package_name"),
          package.get("package_version"))
# END SOLUTION
# BEGIN STARTER
# # TODO: ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": TAG}), then
# #       ecr.get_waiter("image_scan_complete").wait(repositoryName=REPO, imageId={"imageTag": TAG})
# # TODO: findings = ecr.describe_image_scan_findings(repositoryName=REPO,
# #                                                   imageId={"imageTag": TAG})["imageScanFindings"]
# findings = None
# END STARTER

# BEGIN SOLUTION
counts = findings.get("findingSeverityCounts", {})
highest = next((level for level in SEVERITIES if counts.get(level)), "NONE")
ecr.tag_resource(resourceArn=repository["repositoryArn"],
                 tags=[{"Key": "scan-highest-severity", "Value": highest}])
# END SOLUTION
# BEGIN STARTER
# # TODO: the first level in SEVERITIES with a count in findings["findingSeverityCounts"],
# #       or "NONE", then ecr.tag_resource(resourceArn=repository["repositoryArn"],
# #       tags=[{"Key": "scan-highest-severity", "Value": highest}])
# highest = None
# END STARTER
print("Highest severity:", highest)


# %% [markdown]
# ## Task 7 — Let account {{ partner_account }} pull, and nothing more
#
# By default only your own account can use a repository. A **repository policy** (a
# resource-based policy on the repository) can let another account in. Allow the principal
# `{"AWS": "arn:aws:iam::{{ partner_account }}:root"}`, which means *account {{ partner_account }}*, whose own IAM
# policies then decide which of its users and roles may pull, to call the **pull** actions:
#
# - `ecr:BatchGetImage`, which returns the image manifest,
# - `ecr:GetDownloadUrlForLayer`, which returns where to download each layer,
# - optionally `ecr:BatchCheckLayerAvailability`.
#
# Do **not** use a `"*"` principal (every AWS account in the world), wildcard actions (`ecr:*`
# and `ecr:Batch*` include `ecr:BatchDeleteImage`), or push actions (`ecr:PutImage`,
# `ecr:InitiateLayerUpload`, `ecr:UploadLayerPart`, `ecr:CompleteLayerUpload`). A repository
# policy needs no `Resource`: it applies to its repository.
# **Look at:** `json.loads(ecr.get_repository_policy(repositoryName=REPO)["policyText"])`.
#

# %%
# BEGIN SOLUTION
pull_policy = {"Version": "2012-10-17", "Statement": [{
    "Sid": "PullFromPartnerAccount",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::{{ partner_account }}:root"},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
               "ecr:BatchCheckLayerAvailability"],
}]}
# END SOLUTION
# BEGIN STARTER
# # TODO: the policy as a dict: {"Version": "2012-10-17", "Statement": [{"Sid": "...",
# #       "Effect": "Allow", "Principal": {...}, "Action": [...]}]}
# pull_policy = None
# END STARTER
print(json.dumps(pull_policy, indent=2))

# BEGIN SOLUTION
ecr.set_repository_policy(repositoryName=REPO, policyText=json.dumps(pull_policy))
# END SOLUTION
# BEGIN STARTER
# # TODO: ecr.set_repository_policy(repositoryName=REPO, policyText=json.dumps(pull_policy))
# END STARTER


# %% [markdown]
# ## On a real account
#
# The sandbox has no Docker registry endpoint, so this part is not graded. On AWS you would
# log Docker in to your registry and push a real image:
#
# ```bash
# aws ecr get-login-password --region us-east-1 \
#   | docker login --username AWS --password-stdin <account>.dkr.ecr.us-east-1.amazonaws.com
# docker tag web:1.0.0 <account>.dkr.ecr.us-east-1.amazonaws.com/shop/web:v1.0.0
# docker push <account>.dkr.ecr.us-east-1.amazonaws.com/shop/web:v1.0.0
# ```
#
# In account {{ partner_account }}, a role that pulls the image also needs an IAM policy of its own that
# allows `ecr:GetAuthorizationToken` (for `docker login`) and the pull actions on your
# repository's ARN. An ECS task on Fargate pulls with its **task execution role**. Both policies
# must allow the pull, and a deny in either one wins.
#
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
# **Reset this lab** gives this lab a fresh sandbox account.
#
