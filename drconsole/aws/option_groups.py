"""Read the option group an RDS DB snapshot carries, and its like where a copy of it is made."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from drconsole.aws.answers import required, text_of
from drconsole.aws.reader import BaseReader, pages
from drconsole.checks.facts import RecoveryPointFacts, SnapshotOptionGroup, Unreadable

SNAPSHOT_MARK = ":snapshot:"
GROUP_MISSING = ("OptionGroupNotFoundFault",)


def db_snapshot_id(arn: str) -> str:
    """The DBSnapshotIdentifier of an RDS DB snapshot ARN (awsbackup:job-..., rds:..., a name)."""
    return arn.split(SNAPSHOT_MARK, 1)[1]


class OptionGroupReader(BaseReader):
    """The reads of the option-group check."""

    def snapshot_option_group(
        self, rp: RecoveryPointFacts, dest_account: str, dest_region: str
    ) -> SnapshotOptionGroup | Unreadable | None:
        """The option group of the DB snapshot `rp` is (or, foreseen, will be copied from), read
        in its own account and Region, with the same-named group's options in the destination
        account and Region when the group holds options a copy there needs. None: `rp` is no
        RDS DB instance snapshot (Aurora, DocumentDB and Neptune cluster snapshots, and RDS
        Multi-AZ DB cluster snapshots, carry no option group) or its snapshot names none."""
        source = rp.copied_from or rp.arn
        if rp.resource_type != "RDS" or SNAPSHOT_MARK not in source:
            return None
        parts = source.split(":")
        account, region = parts[4] or rp.account_id, parts[3]
        rds = self.client("rds", account, region)
        snapshots = self.read(
            "rds:DescribeDBSnapshots",
            lambda: required(
                rds.describe_db_snapshots(DBSnapshotIdentifier=db_snapshot_id(source)),
                "DBSnapshots",
                "DescribeDBSnapshots",
            ),
        )
        if not isinstance(snapshots, list):
            return snapshots or Unreadable(
                "rds:DescribeDBSnapshots", "DBSnapshotNotFound", f"no DB snapshot {source}"
            )
        name = text_of(snapshots[0], "OptionGroupName")
        if not name:
            return None
        if name.startswith("default:"):
            return SnapshotOptionGroup(name)
        return self._custom_group(rds, name, dest_account, dest_region)

    def _custom_group(
        self, rds: Any, name: str, dest_account: str, dest_region: str
    ) -> SnapshotOptionGroup | Unreadable:
        """A custom option group's options, split into lasting (persistent or permanent) and
        others, and the destination's group of that name when there is a lasting one."""
        group = self._group(rds, name)
        if not isinstance(group, dict):
            return group or Unreadable(
                "rds:DescribeOptionGroups",
                "OptionGroupNotFoundFault",
                f"option group {name} not found where the snapshot is",
            )
        options = [text_of(option, "OptionName") for option in group.get("Options") or []]
        engine = text_of(group, "EngineName")
        version = text_of(group, "MajorEngineVersion")
        lasting = self._lasting(rds, group, engine, version)
        if isinstance(lasting, Unreadable):
            return SnapshotOptionGroup(name, lasting, tuple(options), engine, version)
        kept = tuple(option for option in options if option in lasting)
        others = tuple(option for option in options if option not in lasting)
        found = SnapshotOptionGroup(name, kept, others, engine, version)
        if not kept:
            return found
        there = self._group(self.client("rds", dest_account, dest_region), name)
        if isinstance(there, dict):
            names = tuple(text_of(option, "OptionName") for option in there.get("Options") or [])
            return replace(found, destination_options=names)
        return replace(found, destination_options=there)

    def _group(self, rds: Any, name: str) -> dict[str, Any] | Unreadable | None:
        """DescribeOptionGroups of one group (None: there is no such group)."""
        groups = self.read(
            "rds:DescribeOptionGroups",
            lambda: required(
                rds.describe_option_groups(OptionGroupName=name),
                "OptionGroupsList",
                "DescribeOptionGroups",
            ),
            GROUP_MISSING,
        )
        if isinstance(groups, list):
            return next((g for g in groups if text_of(g, "OptionGroupName") == name), groups[0])
        return groups

    def _lasting(
        self, rds: Any, group: dict[str, Any], engine: str, version: str
    ) -> frozenset[str] | Unreadable:
        """The names of the group's options that are persistent or permanent: as each option
        says (AWS's Option has both flags), else as the engine's option catalog says
        (DescribeOptionGroupOptions) for an answer that leaves them out."""
        options = group.get("Options") or []
        if all("Persistent" in option or "Permanent" in option for option in options):
            return frozenset(
                text_of(option, "OptionName")
                for option in options
                if option.get("Persistent") or option.get("Permanent")
            )
        catalog = self.read(
            "rds:DescribeOptionGroupOptions",
            lambda: list(
                pages(
                    rds,
                    "describe_option_group_options",
                    "OptionGroupOptions",
                    EngineName=engine,
                    MajorEngineVersion=version,
                )
            ),
        )
        if not isinstance(catalog, list):
            return catalog or Unreadable("rds:DescribeOptionGroupOptions", "Empty", "")
        return frozenset(
            text_of(option, "Name")
            for option in catalog
            if option.get("Persistent") or option.get("Permanent")
        )
