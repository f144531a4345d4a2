"""Reference solution for lab 06 (powers `computelab solve` and the tests)."""

from __future__ import annotations

import json

REPO = "shop/web"
TAG = "v1.0.0"

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

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")


def solve(aws):
    ecr, kms = aws.client("ecr"), aws.client("kms")

    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[{
        "scanFrequency": "SCAN_ON_PUSH",
        "repositoryFilters": [{"filter": "shop/*", "filterType": "WILDCARD"}]}])

    key = kms.create_key(Description="Encrypts the images in shop/web")["KeyMetadata"]
    repository = ecr.create_repository(
        repositoryName=REPO,
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key["Arn"]},
    )["repository"]

    ecr.put_image_tag_mutability(repositoryName=REPO, imageTagMutability="IMMUTABLE")

    ecr.put_lifecycle_policy(repositoryName=REPO, lifecyclePolicyText=json.dumps(LIFECYCLE))

    ecr.put_image(repositoryName=REPO, imageManifest=json.dumps(MANIFEST), imageTag=TAG)

    ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": TAG})
    ecr.get_waiter("image_scan_complete").wait(repositoryName=REPO, imageId={"imageTag": TAG})
    findings = ecr.describe_image_scan_findings(repositoryName=REPO, imageId={"imageTag": TAG})
    counts = findings["imageScanFindings"].get("findingSeverityCounts", {})
    highest = next((level for level in SEVERITIES if counts.get(level)), "NONE")
    ecr.tag_resource(resourceArn=repository["repositoryArn"],
                     tags=[{"Key": "scan-highest-severity", "Value": highest}])

    ecr.set_repository_policy(repositoryName=REPO, policyText=json.dumps(PULL_POLICY))
