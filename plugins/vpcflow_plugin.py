"""The vpcflow Airflow plugin: the stack's dashboard, one click from Airflow's navigation.

Airflow imports every module of its plugins folder by file stem; the vpcflow package beside this file is
excluded from that (.airflowignore) and imported as a package instead.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from vpcflow.dashboard.links import dashboard_url


class VpcflowPlugin(AirflowPlugin):
    name = "vpcflow"
    # An external link (no url_route): QuickSight on AWS, localaws's page on the local stack. Read when the
    # api-server loads its plugins, from the environment only.
    external_views = [
        {
            "name": "VPC Flow Logs dashboard",
            "href": dashboard_url(),
            "destination": "nav",
            "category": "browse",
        }
    ]
