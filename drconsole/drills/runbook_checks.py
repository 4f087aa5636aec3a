"""Runbook mistakes seen only across fields or targets: a restore into an existing resource,
two targets restoring under one fixed name, a comparison with the source that compares
nothing."""

from __future__ import annotations

from drconsole.checks.facts import NAMED_ANEW_ON_RESTORE
from drconsole.drills import runbook as rb
from drconsole.drills.ownership import into_existing
from drconsole.drills.yaml_nodes import Node

# What each name key creates, and whether AWS compares its names ignoring case (RDS identifiers
# and bucket names are lower case) and across accounts and Regions (a bucket name is global).
_NAMED = {
    "targettablename": ("DynamoDB table", False, False),
    "dbinstanceidentifier": ("RDS DB instance", True, False),
    "dbclusteridentifier": ("DB cluster", True, False),
    "destinationbucketname": ("S3 bucket", True, True),
    "creationtoken": ("EFS file system (CreationToken)", False, False),
}

# Types whose restored resource has no measure to compare with its source (an instance: no
# size, no count), by runbook type and by the ARN of a resource given as an ARN.
NOTHING_TO_COMPARE = {"EC2": ":instance/"}


def refuse_into_existing(values: dict[str, Node], metadata: dict[str, str]) -> None:
    """A drill restores only into a resource it creates: a restore into an existing bucket or
    file system writes into someone's data, which its clean-up can neither undo nor delete."""
    found = into_existing(metadata)
    if found is not None:
        flag, what = found
        raise values[flag].error(
            f"a drill restores only into a new resource it can delete, not into {what}: "
            f'remove {flag} (or set it to "true") and give a new name'
        )


def refuse_shared_restore_names(target_nodes: list[Node], targets: tuple[rb.Target, ...]) -> None:
    """RunbookError at the second target's name when two targets restore under the same fixed
    name where it must be unique: both would be ready alone, and at run time one would fail
    RESOURCE_ALREADY_EXISTS after its copy was made."""
    seen: dict[tuple[str, ...], str] = {}
    for node, target in zip(target_nodes, targets, strict=True):
        own_key = NAMED_ANEW_ON_RESTORE.get(target.resource.resource_type or "", "").lower()
        for key, value in target.metadata:
            named = _NAMED.get(key.lower())
            # A key another type's restore ignores names nothing (a type given by ARN: kept).
            if named is None or (target.resource.resource_type and key.lower() != own_key):
                continue
            kind, any_case, global_name = named
            name = value.lower() if any_case else value
            account, region = target.restore_to.account, target.restore_to.region
            place = (kind, name) if global_name else (kind, name, account, region)
            where = "" if global_name else f" in account {account} {region}"
            first = seen.setdefault(place, target.name)
            if first != target.name:
                raise _value_node(_value_node(node, "metadata"), key).error(
                    f"targets {first} and {target.name} both restore {kind} {value}{where}: "
                    "the second would fail (it already exists) after its copy was made; give "
                    f"each target its own {key}"
                )


def refuse_compare_of_nothing(validate_node: Node, target: rb.Target) -> None:
    """RunbookError at compare_with_source for a type that has no measure to compare: the
    evidence would say the restore matches its source when nothing was compared."""
    if not target.validation.compare_with_source:
        return
    resource = target.resource
    for kind, arn_part in NOTHING_TO_COMPARE.items():
        if resource.resource_type == kind or (resource.arn and arn_part in resource.arn):
            raise _value_node(validate_node, "compare_with_source").error(
                f"a restored {kind} resource has no measure (size, count) to compare with its "
                "source: remove compare_with_source (the built-in validation still checks "
                "that it exists and runs), or validate it with a command"
            )


def _value_node(mapping: Node, key: str) -> Node:
    """The node of a mapping's value `key` (the line:column a mistake is shown at)."""
    return dict(mapping.items())[key]
