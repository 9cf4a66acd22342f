"""A task that logs the aws_default connection's password, three ways: Airflow must mask it as ***.
Exists only for tests/security/test_secrets_masked.py."""

import logging

import pendulum
from airflow.sdk import BaseHook, dag, task


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["test"])
def log_aws_password():
    @task
    def leak() -> None:
        password = BaseHook.get_connection("aws_default").password
        print(f"print: the password is {password}")
        logging.getLogger("airflow.task").warning("logger: the password is %s", password)
        logging.getLogger(__name__).warning("module logger: the password is " + password)

    leak()


log_aws_password()
