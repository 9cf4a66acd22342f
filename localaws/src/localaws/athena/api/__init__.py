"""Athena's JSON API (``X-Amz-Target: AmazonAthena.<Action>``): one handler per action, by resource.

A handler takes its region's store and the request body and returns the response body; it raises
``AWSError`` (errors.py) for what Athena refuses. Actions not listed here stay moto's.
"""

from __future__ import annotations

from localaws.athena.api import catalog, named_queries, prepared_statements, queries, workgroups

ACTIONS = {
    **queries.ACTIONS,
    **workgroups.ACTIONS,
    **catalog.ACTIONS,
    **named_queries.ACTIONS,
    **prepared_statements.ACTIONS,
}
