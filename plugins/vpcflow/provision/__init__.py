"""Idempotent provisioning of a vpcflow stack with boto3: ensure_* create if missing, update if different,
otherwise make no write call, and return a ``Result(action, id)``; delete_* remove what exists.

- ``stack`` and ``teardown``: the whole stack as a few steps, in dependency order (the DAGs' tasks);
- ``storage``, ``iam``, ``delivery``, ``functions``, ``catalog``, ``quicksight``, ``dashboard``,
  ``reports``: one module per part of the stack;
- ``iam_policies`` (policies as code), ``packaging`` (deterministic Lambda zips), ``common`` (clients,
  results, the missing-resource rule), ``tasks`` (what the DAGs call).
"""
