"""S3's operations and the IAM actions that authorize them, which often have other names
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html): ListObjectsV2 and
HeadBucket need s3:ListBucket, HeadObject s3:GetObject, a multipart upload s3:PutObject, DeleteObjects
s3:DeleteObject on each key, CopyObject s3:GetObject on the source and s3:PutObject on the target.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import unquote

from localaws.iam.calls import Call, CannotJudge

# operation -> (action, the resource is the bucket rather than the object)
ACTIONS: dict[str, tuple[str, bool]] = {
    "ListObjects": ("s3:ListBucket", True),
    "ListObjectsV2": ("s3:ListBucket", True),
    "HeadBucket": ("s3:ListBucket", True),
    "ListObjectVersions": ("s3:ListBucketVersions", True),
    "ListMultipartUploads": ("s3:ListBucketMultipartUploads", True),
    "CreateBucket": ("s3:CreateBucket", True),
    "DeleteBucket": ("s3:DeleteBucket", True),
    "GetBucketLocation": ("s3:GetBucketLocation", True),
    "GetBucketEncryption": ("s3:GetEncryptionConfiguration", True),
    "PutBucketEncryption": ("s3:PutEncryptionConfiguration", True),
    "DeleteBucketEncryption": ("s3:PutEncryptionConfiguration", True),
    "GetPublicAccessBlock": ("s3:GetBucketPublicAccessBlock", True),
    "PutPublicAccessBlock": ("s3:PutBucketPublicAccessBlock", True),
    "DeletePublicAccessBlock": ("s3:PutBucketPublicAccessBlock", True),
    "GetBucketPolicy": ("s3:GetBucketPolicy", True),
    "PutBucketPolicy": ("s3:PutBucketPolicy", True),
    "DeleteBucketPolicy": ("s3:DeleteBucketPolicy", True),
    "GetBucketLifecycle": ("s3:GetLifecycleConfiguration", True),
    "GetBucketLifecycleConfiguration": ("s3:GetLifecycleConfiguration", True),
    "PutBucketLifecycle": ("s3:PutLifecycleConfiguration", True),
    "PutBucketLifecycleConfiguration": ("s3:PutLifecycleConfiguration", True),
    "DeleteBucketLifecycle": ("s3:PutLifecycleConfiguration", True),
    "GetBucketNotification": ("s3:GetBucketNotification", True),
    "GetBucketNotificationConfiguration": ("s3:GetBucketNotification", True),
    "PutBucketNotification": ("s3:PutBucketNotification", True),
    "PutBucketNotificationConfiguration": ("s3:PutBucketNotification", True),
    "GetBucketVersioning": ("s3:GetBucketVersioning", True),
    "PutBucketVersioning": ("s3:PutBucketVersioning", True),
    "GetBucketTagging": ("s3:GetBucketTagging", True),
    "PutBucketTagging": ("s3:PutBucketTagging", True),
    "GetBucketAcl": ("s3:GetBucketAcl", True),
    "GetBucketOwnershipControls": ("s3:GetBucketOwnershipControls", True),
    "PutBucketOwnershipControls": ("s3:PutBucketOwnershipControls", True),
    "GetObject": ("s3:GetObject", False),
    "HeadObject": ("s3:GetObject", False),
    "PutObject": ("s3:PutObject", False),
    "CreateMultipartUpload": ("s3:PutObject", False),
    "UploadPart": ("s3:PutObject", False),
    "CompleteMultipartUpload": ("s3:PutObject", False),
    "AbortMultipartUpload": ("s3:AbortMultipartUpload", False),
    "ListParts": ("s3:ListMultipartUploadParts", False),
    "DeleteObject": ("s3:DeleteObject", False),
    "GetObjectTagging": ("s3:GetObjectTagging", False),
    "PutObjectTagging": ("s3:PutObjectTagging", False),
    "GetObjectAcl": ("s3:GetObjectAcl", False),
}
# A version id in the request makes it an action on that version.
VERSIONED = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
}


def needs(call: Call, partition: str) -> list[tuple[str, str]]:
    p = call.params
    bucket_arn = f"arn:{partition}:s3:::{p.get('Bucket', '')}"
    if call.operation == "ListBuckets":
        # s3:ListAllMyBuckets has no resource-level permissions.
        return [("s3:ListAllMyBuckets", "*")]
    if call.operation == "DeleteObjects":
        return [
            (VERSIONED["s3:DeleteObject"] if v else "s3:DeleteObject", f"{bucket_arn}/{k}")
            for k, v in _keys(call.body)
        ]
    if call.operation in ("CopyObject", "UploadPartCopy"):
        source, _, query = unquote(call.headers["x-amz-copy-source"]).lstrip("/").partition("?")
        read = "s3:GetObjectVersion" if "versionId=" in query else "s3:GetObject"
        return [(read, f"arn:{partition}:s3:::{source}"), ("s3:PutObject", f"{bucket_arn}/{p['Key']}")]
    if call.operation not in ACTIONS:
        raise CannotJudge(f"s3:{call.operation} is not modelled by localaws IAM enforcement")
    action, on_bucket = ACTIONS[call.operation]
    if not on_bucket and p.get("versionId"):
        action = VERSIONED.get(action, action)
    found = [(action, bucket_arn if on_bucket else f"{bucket_arn}/{p['Key']}")]
    if call.operation == "PutObject" and "x-amz-acl" in call.headers:
        found.append(("s3:PutObjectAcl", f"{bucket_arn}/{p['Key']}"))
    if call.operation == "PutObject" and "x-amz-tagging" in call.headers:
        found.append(("s3:PutObjectTagging", f"{bucket_arn}/{p['Key']}"))
    return found


def _keys(body: bytes) -> list[tuple[str, bool]]:
    """(key, has a version id) of each object a DeleteObjects request names."""
    root = ET.fromstring(body)
    out = []
    for obj in root.iter():
        if obj.tag.rsplit("}", 1)[-1] != "Object":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in obj}
        out.append((fields.get("Key", ""), bool(fields.get("VersionId"))))
    return out
