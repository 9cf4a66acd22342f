"""QuickSight's REST-JSON operations localaws answers: one handler per operation, by resource.

A handler takes its region's store and the matched call (routes.Call) and returns (HTTP status, body);
it raises ``QuickSightError`` (errors.py) for what QuickSight refuses. The service holds its lock
around every handler.
"""

from __future__ import annotations

from localaws.quicksight.api import dashboards, data_sets, data_sources, ingestions, tags

HANDLERS = {
    **data_sources.HANDLERS,
    **data_sets.HANDLERS,
    **ingestions.HANDLERS,
    **dashboards.HANDLERS,
    **tags.HANDLERS,
}
