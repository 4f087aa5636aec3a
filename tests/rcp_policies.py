"""A resource control policy attached in the demo organization for the length of a test."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

RCP_TYPE = "RESOURCE_CONTROL_POLICY"


@contextlib.contextmanager
def attached_rcp(
    orgs: Any, target: str, document: dict[str, Any], name: str = "Perimeter"
) -> Iterator[str]:
    """An RCP named `name` attached at `target` with the management account's Organizations
    client `orgs` (RCPs enabled at the root); its id. Detached and deleted after."""
    root = orgs.list_roots()["Roots"][0]["Id"]
    with contextlib.suppress(orgs.exceptions.PolicyTypeAlreadyEnabledException):
        orgs.enable_policy_type(RootId=root, PolicyType=RCP_TYPE)
    policy = orgs.create_policy(
        Name=name, Description=name, Type=RCP_TYPE, Content=json.dumps(document)
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=target)
    try:
        yield str(policy)
    finally:
        orgs.detach_policy(PolicyId=policy, TargetId=target)
        orgs.delete_policy(PolicyId=policy)
