"""Opt-in IAM enforcement for localaws (``LocalAWS(enforce_iam=True)``, ``python -m localaws --enforce-iam``):
every signed request, whichever service answers it, is allowed only if the caller's identity-based policies
allow each permission it needs. See enforcer.py for the order of checks and localaws/README.md for what it
covers and what it does not.
"""
