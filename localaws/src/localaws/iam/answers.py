"""How AWS answers a request it refuses, in each protocol's own error shape: the error code clients see
(AccessDeniedException for JSON services, AccessDenied for query and S3, AuthorizationError for SNS,
UnauthorizedOperation for EC2) and IAM's wording, "User: ARN is not authorized to perform: ACTION on
resource: ARN because no identity-based policy allows the ACTION action"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html); S3 quotes the resource,
and actions without resource-level permissions are named without one.
"""

from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

# service -> (code, HTTP status) of an access denial, where it is not AccessDeniedException/400 (JSON) or
# AccessDenied/403 (query, REST-XML).
DENIED = {
    "sns": ("AuthorizationError", 403),
    "ec2": ("UnauthorizedOperation", 403),
    "lambda": ("AccessDeniedException", 403),
    "quicksight": ("AccessDeniedException", 401),
    # https://docs.aws.amazon.com/securityhub/1.0/APIReference/CommonErrors.html
    "securityhub": ("AccessDeniedException", 403),
    # JSON services that keep their query protocol's error codes (awsQueryCompatible).
    "sqs": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
}
_INVALID_TOKEN = "The security token included in the request is invalid."
_NO_SUCH_KEY = "The AWS Access Key Id you provided does not exist in our records."
_NOT_VALIDATED = "AWS was not able to validate the provided access credentials"
_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
# reason -> protocol -> (code, status, message)
UNAUTHENTICATED = {
    "invalid_key": {
        "json": ("UnrecognizedClientException", 400, _INVALID_TOKEN),
        "rest-json": ("UnrecognizedClientException", 403, _INVALID_TOKEN),
        "query": ("InvalidClientTokenId", 403, _INVALID_TOKEN),
        "ec2": ("AuthFailure", 401, _NOT_VALIDATED),
        "rest-xml": ("InvalidAccessKeyId", 403, _NO_SUCH_KEY),
    },
    "bad_signature": {
        "json": ("InvalidSignatureException", 400, _BAD_SIGNATURE),
        "rest-json": ("InvalidSignatureException", 403, _BAD_SIGNATURE),
        "query": ("SignatureDoesNotMatch", 403, _BAD_SIGNATURE),
        "ec2": ("AuthFailure", 401, _NOT_VALIDATED),
        "rest-xml": ("SignatureDoesNotMatch", 403, _BAD_SIGNATURE),
    },
    "unsigned": {
        "json": ("MissingAuthenticationTokenException", 400, "Missing Authentication Token"),
        "rest-json": ("MissingAuthenticationTokenException", 403, "Missing Authentication Token"),
        "query": ("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
        "ec2": ("AuthFailure", 401, _NOT_VALIDATED),
        "rest-xml": ("AccessDenied", 403, "Access Denied"),
    },
}


def denial_message(principal_arn: str, action: str, resource: str, explicit: bool, service: str) -> str:
    shown = action
    if service == "sns":  # SNS names its actions with an upper-case prefix in its messages
        shown = "SNS:" + action.split(":", 1)[1]
    on = (
        ""
        if resource == "*"
        else f' on resource: "{resource}"'
        if service == "s3"
        else f" on resource: {resource}"
    )
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {shown} action"
    )
    return f"User: {principal_arn} is not authorized to perform: {shown}{on} {why}"


def access_denied(service: str, protocol: str, message: str, head: bool = False) -> Response:
    default = ("AccessDeniedException", 400) if protocol == "json" else ("AccessDenied", 403)
    code, status = DENIED.get(service, default)
    if protocol == "ec2":
        message = f"You are not authorized to perform this operation. {message}"
    return error(protocol, code, status, message, head)


def unauthenticated(protocol: str, reason: str, head: bool = False) -> Response:
    code, status, message = UNAUTHENTICATED[reason][protocol]
    return error(protocol, code, status, message, head)


def cannot_judge(protocol: str, reason: str, head: bool = False) -> Response:
    """501 NotImplemented, which no SDK retries: neither allowed nor denied, and the caller sees why."""
    message = f"localaws IAM enforcement cannot judge this request, so it does not answer it: {reason}"
    return error(protocol, "NotImplemented", 501, message, head)


def error(protocol: str, code: str, status: int, message: str, head: bool = False) -> Response:
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": code}
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message, "Message": message})
        headers["x-amzn-query-error"] = f"{code};Sender"
        content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
    elif protocol == "ec2":
        error = f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        body = f"<Response><Errors>{error}</Errors><RequestID>{request_id}</RequestID></Response>"
        content_type = "text/xml"
    elif protocol == "rest-xml":
        ids = f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId>"
        body = f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{ids}</Error>"
        content_type = "application/xml"
    else:
        error = f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        body = f"<ErrorResponse>{error}<RequestId>{request_id}</RequestId></ErrorResponse>"
        content_type = "text/xml"
    return Response(b"" if head else body, status=status, content_type=content_type, headers=headers)
