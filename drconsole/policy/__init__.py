"""Offline IAM policy evaluator: parse a policy, decide a request, explain the decision."""

from __future__ import annotations

from drconsole.policy.conditions import PolicyError, arn_like, wildcard_match
from drconsole.policy.evaluator import (
    Decision,
    Request,
    evaluate,
    evaluate_resource_policy,
    parse_policy,
)

__all__ = [
    "Decision",
    "PolicyError",
    "Request",
    "arn_like",
    "evaluate",
    "evaluate_resource_policy",
    "parse_policy",
    "wildcard_match",
]
