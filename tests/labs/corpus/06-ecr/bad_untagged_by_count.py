"""Expires untagged images by count (imageCountMoreThan 14) instead of age."""

import json

import boto3

LOSES = ["lifecycle_policy"]

ecr = boto3.client("ecr")
kms = boto3.client("kms")
REPO, TAG = "shop/web", "v1.0.0"

ecr.put_registry_scanning_configuration(
    scanType="BASIC",
    rules=[
        {
            "scanFrequency": "SCAN_ON_PUSH",
            "repositoryFilters": [{"filter": "shop/*", "filterType": "WILDCARD"}],
        }
    ],
)
key = kms.create_key(Description="shop/web images")["KeyMetadata"]["Arn"]
repository = ecr.create_repository(
    repositoryName=REPO, encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key}
)["repository"]
ecr.put_image_tag_mutability(repositoryName=REPO, imageTagMutability="IMMUTABLE")
lifecycle = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "untagged",
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "releases",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["v"],
                "countType": "imageCountMoreThan",
                "countNumber": 10,
            },
            "action": {"type": "expire"},
        },
    ]
}
ecr.put_lifecycle_policy(repositoryName=REPO, lifecyclePolicyText=json.dumps(lifecycle))

MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 1470,
        "digest": "sha256:bb5034b576a20de89383b365483a1ac32797792ce827780edd290ff03b690232",
    },
    "layers": [
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 3623807,
            "digest": "sha256:5248b4e6765dbf544583e6eb9923e87e47e817297caaea42c5317b002decda2e",
        }
    ],
}
ecr.put_image(repositoryName=REPO, imageManifest=json.dumps(MANIFEST), imageTag=TAG)

try:
    ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": TAG})
except ecr.exceptions.LimitExceededException:
    pass
ecr.get_waiter("image_scan_complete").wait(repositoryName=REPO, imageId={"imageTag": TAG})
findings = ecr.describe_image_scan_findings(repositoryName=REPO, imageId={"imageTag": TAG})[
    "imageScanFindings"
]
counts = findings.get("findingSeverityCounts", {})
levels = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"]
highest = next((level for level in levels if counts.get(level)), "NONE")
ecr.tag_resource(
    resourceArn=repository["repositoryArn"],
    tags=[{"Key": "scan-highest-severity", "Value": highest}],
)

pull = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PartnerPull",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": [
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability",
            ],
        }
    ],
}
ecr.set_repository_policy(repositoryName=REPO, policyText=json.dumps(pull))
