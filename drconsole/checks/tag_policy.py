"""The destination account's tag policies against the tags a copy carries into it.

A copy keeps its recovery point's tags ("AWS Backup copies all tags of the original backup",
AWS Backup, Copying tags onto backups), and the copy is made in the destination account, whose
effective tag policy (AWS Organizations' merge of the tag policies of the root, each OU and the
account) refuses "noncompliant tagging operations on specified services and resources" named in
`enforced_for`. Compliance, as AWS Organizations documents it (Tag policy syntax): a tag whose
key matches a policy's `tag_key` without regard to case must have exactly the `tag_key`'s case
(lowercase when the policy sets none) and, when the policy lists `tag_value`s, one of them (`*`
stands for any run of characters); "enforcement has no effect on resources that are created
without tags", and a key no policy names is free.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import CopyFacts, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.shell_words import shell_word

PASS, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN
CHECK = ("dest.tag-policy", "Destination tag policies allow the recovery point's tags")
RECOVERY_POINT = "backup:recovery-point"


@dataclass(frozen=True, slots=True)
class TagRule:
    """One tag key of an effective tag policy, enforced for the copy."""

    policy_key: str
    tag_key: str  # the case compliance requires
    values: tuple[str, ...] | None  # None: any value
    enforced_for: tuple[str, ...]


def copy_resource_types(point_arn: str) -> tuple[str, ...]:
    """The `enforced_for` names of what the copy creates: AWS Backup's recovery point and, for
    a type AWS Backup does not fully manage, the service's own resource (an EBS snapshot's
    copy is an `ec2:snapshot`, an RDS snapshot's an `rds:snapshot`)."""
    parts = point_arn.split(":")
    if len(parts) > 5 and parts[2] != "backup":
        return (RECOVERY_POINT, f"{parts[2]}:{parts[5].split('/')[0]}")
    return (RECOVERY_POINT,)


def _listed(value: Any) -> tuple[str, ...]:
    if isinstance(value, dict):  # an operator left in place: its assigned value
        value = value.get("@@assign", [])
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value or ())


def enforced_rules(content: str, types: tuple[str, ...]) -> list[TagRule]:
    """The rules of an effective tag policy enforced for any of `types` (ValueError when the
    policy is not a tag policy document)."""
    document = json.loads(content)
    tags = document.get("tags") if isinstance(document, dict) else None
    if not isinstance(tags, dict):
        raise ValueError('no "tags" object')
    rules = []
    for policy_key, entry in tags.items():
        if not isinstance(entry, dict):
            raise ValueError(f"policy key {policy_key!r} is not an object")
        enforced = tuple(e for e in _listed(entry.get("enforced_for")) if _covers(e, types))
        if not enforced:
            continue
        key = _listed(entry.get("tag_key"))
        values = _listed(entry["tag_value"]) if "tag_value" in entry else None
        rules.append(TagRule(policy_key, key[0] if key else policy_key.lower(), values, enforced))
    return rules


def _covers(entry: str, types: tuple[str, ...]) -> bool:
    """True when an `enforced_for` entry names one of `types` (`<service>:*`, and AWS's newer
    `<service>:ALL_SUPPORTED`, name every resource type of the service)."""
    service, _, kind = entry.partition(":")
    if kind in ("*", "ALL_SUPPORTED"):
        return any(t.partition(":")[0] == service for t in types)
    return entry in types


def value_allowed(value: str, patterns: tuple[str, ...]) -> bool:
    """True when `value` is one of the policy's values, `*` standing for any characters."""
    return any(
        re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value)
        for pattern in patterns
    )


def check_tag_policy(facts: CopyFacts) -> Check:
    """No enforced tag policy of the destination account refuses the recovery point's tags."""
    cid, title = CHECK
    dest = facts.dest_account_id
    policy = facts.dest_tag_policy
    if isinstance(policy, Unreadable):
        return unknown_check(cid, title, policy, f"the effective tag policy of account {dest}")
    if policy is None:
        return Check(cid, title, PASS, f"no tag policy applies to account {dest}")
    types = copy_resource_types(facts.recovery_point.arn)
    try:
        rules = enforced_rules(policy, types)
    except ValueError as error:  # json.JSONDecodeError is one
        return Check(
            cid,
            title,
            UNKNOWN,
            f"the effective tag policy of account {dest} is unreadable: {error}",
        )
    if not rules:
        return Check(
            cid,
            title,
            PASS,
            f"the effective tag policy of account {dest} enforces no tag for {' or '.join(types)}",
        )
    tags = facts.recovery_point_tags
    if isinstance(tags, Unreadable):
        return unknown_check(cid, title, tags, "the recovery point's tags")
    broken = [
        (rule, key, value) for rule in rules for key, value in tags if _breaks(rule, key, value)
    ]
    if broken:
        return _failed(facts, broken)
    keys = ", ".join(rule.tag_key for rule in rules)
    return Check(
        cid,
        title,
        PASS,
        f"the recovery point's tags comply with the tag policy of account {dest} enforced for "
        f"{', '.join(sorted({e for r in rules for e in r.enforced_for}))} (keys {keys})",
    )


def _breaks(rule: TagRule, key: str, value: str) -> bool:
    if key.lower() != rule.tag_key.lower():
        return False
    if key != rule.tag_key:
        return True
    return rule.values is not None and not value_allowed(value, rule.values)


def _failed(facts: CopyFacts, broken: list[tuple[TagRule, str, str]]) -> Check:
    cid, title = CHECK
    rp, dest = facts.recovery_point, facts.dest_account_id
    lines, fixes = [], []
    for rule, key, value in broken:
        enforced = ", ".join(rule.enforced_for)
        allowed = ", ".join(rule.values) if rule.values is not None else "any value"
        if key != rule.tag_key:
            lines.append(
                f"tag {key}={value}: account {dest}'s tag policy requires the key's case "
                f"{rule.tag_key} (enforced for {enforced})"
            )
        else:
            lines.append(
                f"tag {key}={value}: account {dest}'s tag policy allows {rule.tag_key} = "
                f"{allowed} only (enforced for {enforced})"
            )
        fixes.append(_retag(rp.arn, rp.region, key, value, rule))
    return Check(
        cid,
        title,
        FAIL,
        "AWS copies the recovery point's tags into account "
        f"{dest}, whose enforced tag policy refuses them: " + "; ".join(lines),
        CauseCode.ROLE_PERMISSIONS,
        f"In account {rp.account_id}, retag the recovery point before copying:\n"
        + "\n".join(fixes)
        + "\nor, in the management account, allow the value in the tag policy attached above "
        f'account {dest} (tag_value "@@append"), or remove {", ".join(broken[0][0].enforced_for)} '
        "from its enforced_for (AWS Organizations console > Policies > Tag policies).",
    )


def _retag(arn: str, region: str, key: str, value: str, rule: TagRule) -> str:
    """The command that gives the recovery point a compliant tag in place of `key`."""
    kept = rule.values is None or value_allowed(value, rule.values)
    good = value if kept else next((v for v in rule.values or () if "*" not in v), "VALUE")
    parts = arn.split(":")
    service = parts[2] if len(parts) > 5 else "backup"
    if service == "ec2":
        resource = parts[5].split("/")[-1]
        drop = (
            f"aws ec2 delete-tags --region {region} --resources {resource} "
            f"--tags {shell_word('Key=' + key)}\n"
            if key != rule.tag_key
            else ""
        )
        return (
            f"{drop}aws ec2 create-tags --region {region} --resources {resource} "
            f"--tags {shell_word(f'Key={rule.tag_key},Value={good}')}"
        )
    if service == "rds":
        drop = (
            f"aws rds remove-tags-from-resource --region {region} --resource-name {arn} "
            f"--tag-keys {shell_word(key)}\n"
            if key != rule.tag_key
            else ""
        )
        return (
            f"{drop}aws rds add-tags-to-resource --region {region} --resource-name {arn} "
            f"--tags {shell_word(f'Key={rule.tag_key},Value={good}')}"
        )
    drop = (
        f"aws backup untag-resource --region {region} --resource-arn {arn} "
        f"--tag-key-list {shell_word(key)}\n"
        if key != rule.tag_key
        else ""
    )
    return (
        f"{drop}aws backup tag-resource --region {region} --resource-arn {arn} "
        f"--tags {shell_word(f'{rule.tag_key}={good}')}"
    )
