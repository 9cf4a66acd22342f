"""localaws.iam: identity-based policy evaluation (pure, table-driven) and a LocalAWS that enforces it for
every request: who signed, what the call needs, AWS's answer in each protocol, and a loud refusal (501) for
what cannot be judged."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from localaws.iam.calls import CannotJudge
from localaws.iam.policy import Decision, evaluate
from localaws.server import LocalAWS

ACCOUNT, REGION = "123456789012", "us-east-1"
ROOT_KEY = "root-key"
USER_CONTEXT = {
    "aws:username": "alice",
    "aws:requestedregion": REGION,
    "aws:securetransport": "true",
    "iam:passedtoservice": None,
}


def allow(action, resource, **extra):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


ALLOW, IMPLICIT, EXPLICIT = Decision.ALLOW, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY
# (policy, action, resource, decision): one line per rule of IAM's grammar.
CASES = [
    (allow("s3:GetObject", "arn:aws:s3:::b/raw/*"), "s3:GetObject", "arn:aws:s3:::b/raw/x.gz", ALLOW),
    (allow("s3:GetObject", "arn:aws:s3:::b/raw/*"), "s3:GetObject", "arn:aws:s3:::b/parquet/x", IMPLICIT),
    (allow("S3:getobject", "arn:aws:s3:::b/*"), "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),  # actions ignore case
    (allow("s3:Get*", "arn:aws:s3:::b/*"), "s3:GetObjectVersion", "arn:aws:s3:::b/k", ALLOW),
    (allow("s3:GetObjec?", "arn:aws:s3:::b/*"), "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
    (allow("s3:GetObject", "arn:aws:s3:::B/*"), "s3:GetObject", "arn:aws:s3:::b/k", IMPLICIT),  # ARNs do not
    (allow("s3:GetObject", "arn:aws:s3:::b.c/*"), "s3:GetObject", "arn:aws:s3:::bxc/k", IMPLICIT),  # "." literal
    # A wildcard stays within its ARN segment: "*" as the region does not reach into the account.
    (allow("logs:CreateLogGroup", "arn:aws:logs:*:123456789012:log-group:g:*"), "logs:CreateLogGroup",
     "arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:", ALLOW),
    (allow("logs:CreateLogGroup", "arn:aws:logs:*:log-group:g:*"), "logs:CreateLogGroup",
     "arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:", IMPLICIT),
    # An action without resource-level permissions is granted by "*" only.
    (allow("lambda:ListFunctions", "arn:aws:lambda:us-east-1:123456789012:function:*"), "lambda:ListFunctions",
     "*", IMPLICIT),
    (allow("lambda:ListFunctions", "*"), "lambda:ListFunctions", "*", ALLOW),
    ({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}, "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
    ({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}, "iam:GetRole", "arn:aws:iam::1:role/r", IMPLICIT),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/secret/*"}]},
     "s3:GetObject", "arn:aws:s3:::b/secret/k", IMPLICIT),
    # An explicit deny wins, in whichever order the statements come.
    ({"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}, "s3:GetObject", "arn:aws:s3:::b/k", EXPLICIT),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}]}, "s3:GetObject", "arn:aws:s3:::b/k", EXPLICIT),
    # Conditions: a statement whose condition does not hold does not apply (it does not deny).
    (allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}), "s3:GetObject", "arn:aws:s3:::b/k", IMPLICIT),
    (allow("s3:GetObject", "*", Condition={"StringLike": {"aws:username": "al*"}}), "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
    (allow("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": True}}), "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
    # A key the request lacks fails a condition, satisfies its negation, IfExists and Null: true.
    (allow("iam:PassRole", "*", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}), "iam:PassRole", "arn:aws:iam::1:role/r", IMPLICIT),
    (allow("s3:GetObject", "*", Condition={"StringNotEquals": {"iam:PassedToService": "x"}}), "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
    (allow("s3:GetObject", "*", Condition={"StringEqualsIfExists": {"iam:PassedToService": "x"}}), "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
    (allow("s3:GetObject", "*", Condition={"Null": {"iam:PassedToService": "true"}}), "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
    # Policy variables come from the request context.
    (allow("s3:GetObject", "arn:aws:s3:::b/home/${aws:username}/*"), "s3:GetObject", "arn:aws:s3:::b/home/alice/k", ALLOW),
    (allow("s3:GetObject", "arn:aws:s3:::b/home/${aws:username}/*"), "s3:GetObject", "arn:aws:s3:::b/home/bob/k", IMPLICIT),
]  # fmt: skip


@pytest.mark.parametrize(("policy", "action", "resource", "decision"), CASES)
def test_policy_evaluation(policy, action, resource, decision):
    assert evaluate([policy], action, resource, USER_CONTEXT) is decision


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"StringEquals": {"aws:SourceIp": "10.0.0.1"}}, "'aws:SourceIp' is not one localaws knows"),
        ({"DateGreaterThan": {"aws:username": "2020-01-01T00:00:00Z"}}, "operator 'DateGreaterThan'"),
        ({"StringEquals": {"aws:ResourceTag/team": "x"}}, "'aws:ResourceTag/team'"),
    ],
)
def test_a_condition_localaws_cannot_evaluate_is_refused_never_allowed(condition, problem):
    policy = allow("s3:GetObject", "*", Condition=condition)
    with pytest.raises(CannotJudge, match=problem):
        evaluate([policy], "s3:GetObject", "arn:aws:s3:::b/k", USER_CONTEXT)
    # ... only for a request the statement is about: other actions are judged as usual.
    assert evaluate([policy], "s3:PutObject", "arn:aws:s3:::b/k", USER_CONTEXT) is IMPLICIT


# -- a LocalAWS that enforces ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with LocalAWS(
        port=0, state_dir=tmp_path_factory.mktemp("iam"), enforce_iam=True, root_access_keys=(ROOT_KEY,)
    ) as aws:
        yield aws


def client(aws, service, key=ROOT_KEY, secret="any", token=None):
    return boto3.client(service, endpoint_url=aws.endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token)  # fmt: skip


@pytest.fixture
def user(aws):
    """A new IAM user: ``(clients for it, its ARN, set_policy(document))``."""
    iam, name = client(aws, "iam"), f"u-{uuid.uuid4().hex[:8]}"
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]

    def set_policy(document):
        document = {"Version": "2012-10-17", **document}
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))

    return (lambda service: client(aws, service, key["AccessKeyId"], key["SecretAccessKey"])), arn, set_policy


def error(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"].get("Message", "")


def test_enforcement_is_off_unless_asked_for(localaws):
    assert localaws.iam is None and localaws.health()["iam"] == {"enforced": False}


def test_each_protocol_answers_a_denial_as_aws_does(aws, user):
    clients, arn, set_policy = user
    set_policy(allow("s3:ListBucket", "arn:aws:s3:::nothing"))
    denied = f"User: {arn} is not authorized to perform:"
    cases = [
        (lambda: clients("s3").list_objects_v2(Bucket="some-bucket"), "AccessDenied",
         f'{denied} s3:ListBucket on resource: "arn:aws:s3:::some-bucket" because no identity-based policy allows the s3:ListBucket action'),
        (lambda: clients("logs").create_log_group(logGroupName="/g"), "AccessDeniedException",
         f"{denied} logs:CreateLogGroup on resource: arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/g:log-stream: because"),
        (lambda: clients("iam").get_role(RoleName="r"), "AccessDenied", f"{denied} iam:GetRole on resource: arn:aws:iam::{ACCOUNT}:role/r"),
        (lambda: clients("sns").create_topic(Name="t"), "AuthorizationError", f"{denied} SNS:CreateTopic on resource:"),
        (lambda: clients("ec2").describe_flow_logs(), "UnauthorizedOperation", "You are not authorized to perform this operation."),
        (lambda: clients("lambda").list_functions(), "AccessDeniedException", f"{denied} lambda:ListFunctions because"),
        (lambda: clients("athena").get_work_group(WorkGroup="primary"), "AccessDeniedException", f"{denied} athena:GetWorkGroup"),
        (lambda: clients("quicksight").describe_data_set(AwsAccountId=ACCOUNT, DataSetId="d"), "AccessDeniedException",
         f"{denied} quicksight:DescribeDataSet on resource: arn:aws:quicksight:{REGION}:{ACCOUNT}:dataset/d"),
        (lambda: clients("cloudwatch").put_metric_data(Namespace="n", MetricData=[{"MetricName": "m", "Value": 1}]),
         "AccessDenied", f"{denied} cloudwatch:PutMetricData because"),
        (lambda: clients("sqs").get_queue_url(QueueName="q"), "AccessDenied", f"{denied} sqs:GetQueueUrl on resource:"),
    ]  # fmt: skip
    for call, code, message in cases:
        assert error(call)[0] == code and error(call)[1].startswith(message), (code, error(call))


def test_who_signed_is_checked_before_any_policy(aws, user):
    clients, arn, set_policy = user
    set_policy(allow("*", "*"))
    assert clients("sts").get_caller_identity()["Arn"] == arn
    assert error(lambda: client(aws, "s3", "AKIAUNKNOWN").list_buckets())[0] == "InvalidAccessKeyId"
    assert (
        error(lambda: client(aws, "glue", "AKIAUNKNOWN").get_databases())[0] == "UnrecognizedClientException"
    )
    assert error(lambda: client(aws, "sts", "AKIAUNKNOWN").get_caller_identity())[0] == "InvalidClientTokenId"
    key = clients("s3")._request_signer._credentials.access_key
    assert error(lambda: client(aws, "s3", key, "wrong").list_buckets())[0] == "SignatureDoesNotMatch"
    assert error(lambda: client(aws, "glue", key, "wrong").get_databases())[0] == "InvalidSignatureException"


def test_get_caller_identity_needs_no_permission_and_an_explicit_deny_is_named(aws, user):
    clients, arn, set_policy = user
    set_policy({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    assert clients("sts").get_caller_identity()["Arn"] == arn
    code, message = error(lambda: clients("s3").list_buckets())
    assert code == "AccessDenied" and message.endswith("with an explicit deny in an identity-based policy")


def test_s3_names_each_object_a_call_touches(aws, user):
    clients, _, set_policy = user
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    client(aws, "s3").create_bucket(Bucket=bucket)
    client(aws, "s3").put_object(Bucket=bucket, Key="raw/a", Body=b"a")
    set_policy({"Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": f"arn:aws:s3:::{bucket}/raw/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/copy/*"},
    ]})  # fmt: skip
    s3 = clients("s3")
    s3.copy_object(Bucket=bucket, Key="copy/a", CopySource={"Bucket": bucket, "Key": "raw/a"})
    code, message = error(
        lambda: s3.copy_object(Bucket=bucket, Key="raw/b", CopySource={"Bucket": bucket, "Key": "raw/a"})
    )
    assert "s3:PutObject" in message and f"{bucket}/raw/b" in message
    # DeleteObjects needs s3:DeleteObject on every key it names.
    code, message = error(
        lambda: s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "raw/a"}, {"Key": "copy/a"}]})
    )
    assert code == "AccessDenied" and f'"arn:aws:s3:::{bucket}/copy/a"' in message
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "raw/a"}]})


def test_a_role_is_passed_only_to_the_service_the_condition_names(aws, user):
    clients, arn, set_policy = user
    role = client(aws, "iam").create_role(
        RoleName=f"r-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    set_policy({"Statement": [
        {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role,
         "Condition": {"StringEquals": {"iam:PassedToService": "firehose.amazonaws.com"}}},
    ]})  # fmt: skip
    code, message = error(lambda: clients("lambda").create_function(
        FunctionName="f", Role=role, Runtime="python3.12", Handler="h.h", Code={"ZipFile": b"x"}))  # fmt: skip
    assert code == "AccessDeniedException" and message.startswith(
        f"User: {arn} is not authorized to perform: iam:PassRole on resource: {role}"
    )


def test_an_assumed_role_is_held_to_the_roles_policies(aws, user):
    clients, arn, set_policy = user
    iam = client(aws, "iam")
    name = f"reader-{uuid.uuid4().hex[:6]}"
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name, PolicyName="p", PolicyDocument=json.dumps(allow("glue:GetDatabases", "*"))
    )
    set_policy(allow("sts:AssumeRole", role))
    creds = clients("sts").assume_role(RoleArn=role, RoleSessionName="session")["Credentials"]
    session = [creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]]
    client(aws, "glue", *session).get_databases()
    code, message = error(lambda: client(aws, "glue", *session).get_tables(DatabaseName="d"))
    assert message.startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{name}/session is not authorized to perform: glue:GetTables"
    )


def test_what_cannot_be_judged_is_refused_loudly(aws, user):
    clients, _, set_policy = user
    set_policy(allow("*", "*"))
    # An operation the rules do not model, and a condition on a key localaws does not know.
    code, message = error(lambda: clients("s3").get_bucket_cors(Bucket="any-bucket"))
    assert code == "NotImplemented" and "s3:GetBucketCors is not modelled" in message
    set_policy(allow("logs:CreateLogGroup", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    code, message = error(lambda: clients("logs").create_log_group(logGroupName="/x"))
    assert code == "NotImplemented" and "aws:SourceIp" in message
    assert aws.iam.health()["refused"] >= 2


def test_root_keys_and_localaws_own_key_are_the_account(aws):
    for key in (ROOT_KEY, "localaws"):
        assert client(aws, "sts", key).get_caller_identity()["Account"] == ACCOUNT
        client(aws, "glue", key).get_databases()


def test_sns_publish_is_judged_on_the_topic_it_targets(aws, user):
    clients, arn, set_policy = user
    topic = client(aws, "sns").create_topic(Name=f"t-{uuid.uuid4().hex[:6]}")["TopicArn"]
    set_policy(allow("sns:Publish", topic))
    clients("sns").publish(TargetArn=topic, Message="m")
    clients("sns").publish(TopicArn=topic, Message="m")
    code, message = error(lambda: clients("sns").publish(TopicArn=topic + "-other", Message="m"))
    assert code == "AuthorizationError" and f"SNS:Publish on resource: {topic}-other" in message


def test_security_hub_imports_are_judged_on_the_product_the_findings_name(aws, user):
    clients, arn, set_policy = user
    client(aws, "securityhub").enable_security_hub(EnableDefaultStandards=False)
    product = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
    finding = {
        "SchemaVersion": "2018-10-08", "Id": f"f-{uuid.uuid4().hex[:6]}", "ProductArn": product,
        "GeneratorId": "vpcflow/port_scan_vertical", "AwsAccountId": ACCOUNT, "Types": ["TTPs/Discovery"],
        "CreatedAt": "2026-11-25T10:00:00Z", "UpdatedAt": "2026-11-25T10:00:00Z",
        "Severity": {"Label": "MEDIUM"}, "Title": "t", "Description": "d",
        "Resources": [{"Type": "Other", "Id": "eni-0"}],
    }  # fmt: skip
    # GIVEN no grant on the product THEN the import is denied as Security Hub denies, naming the product
    set_policy(allow("securityhub:BatchImportFindings", product.replace("/default", "/other")))
    code, message = error(lambda: clients("securityhub").batch_import_findings(Findings=[finding]))
    assert code == "AccessDeniedException"
    assert f"not authorized to perform: securityhub:BatchImportFindings on resource: {product}" in message
    # GIVEN the grant THEN the finding is imported
    set_policy(allow("securityhub:BatchImportFindings", product))
    assert clients("securityhub").batch_import_findings(Findings=[finding])["SuccessCount"] == 1
    # ... and the hub's own operations are judged on hub/default
    code, _ = error(lambda: clients("securityhub").describe_hub())
    assert code == "AccessDeniedException"
