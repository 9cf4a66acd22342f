"""Smallest DAG that touches localaws through the Amazon provider: proves the aws_default connection."""

import pendulum
from airflow.providers.amazon.aws.operators.s3 import S3CreateBucketOperator
from airflow.sdk import dag


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["test"])
def smoke_localaws():
    S3CreateBucketOperator(task_id="create_bucket", bucket_name="{{ params.bucket }}")


smoke_localaws()
