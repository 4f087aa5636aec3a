"""The engine version a database cluster restore asks for: ENGINE_VERSION when AWS refuses it."""

from __future__ import annotations

import re

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import EngineVersions, RestoreFacts, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus

CHECK_ID, TITLE = "restore.engine-version", "Engine version not older than the snapshot's"
# RestoreDBClusterFromSnapshot takes an EngineVersion; a DB instance restores the snapshot's.
CLUSTER_TYPES = ("Aurora", "DocumentDB", "Neptune")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sortable form of an engine version: numbers compare as numbers ("13.12" > "13.7"),
    words as words ("8.0.mysql_aurora.3.08.2")."""
    return tuple(
        (0, int(part)) if part.isascii() and part.isdigit() else (1, part)
        for part in re.split(r"[.\-_]", version.strip().lower())
        if part
    )


def engine_versions(
    resource_type: str, aws: dict[str, str], merged: dict[str, str]
) -> tuple[str, str, str] | None:
    """(engine, snapshot's version, requested version) when a cluster restore asks for
    another version than the snapshot's; None otherwise."""
    if resource_type not in CLUSTER_TYPES:
        return None
    lowered_aws = {k.lower(): str(v).strip() for k, v in aws.items()}
    lowered = {k.lower(): str(v).strip() for k, v in merged.items()}
    snapshot, requested = lowered_aws.get("engineversion", ""), lowered.get("engineversion", "")
    if not requested or requested == snapshot:
        return None
    return lowered.get("engine", "") or lowered_aws.get("engine", ""), snapshot, requested


def check_engine_version(facts: RestoreFacts) -> Check:
    """A requested engine version is not older than the snapshot's and is offered there."""
    engine = facts.engine
    if engine is None:
        return Check(CHECK_ID, TITLE, CheckStatus.PASS, "the snapshot's own engine version")
    if isinstance(engine, Unreadable):
        return unknown_check(CHECK_ID, TITLE, engine, "the snapshot's engine version")
    region = facts.restoring_region or facts.recovery_point.region
    asked, snapshot = engine.requested_version, engine.snapshot_version
    if snapshot and version_key(asked) < version_key(snapshot):
        return _fail(
            f"EngineVersion {asked} is older than the snapshot's {engine.engine} {snapshot}",
            f"Restore with the snapshot's version or a newer one: --metadata EngineVersion="
            f"{snapshot} (or see aws rds describe-db-engine-versions --engine {engine.engine} "
            f"--region {region} --query 'DBEngineVersions[].EngineVersion').",
        )
    if isinstance(engine.offered, Unreadable):
        return unknown_check(
            CHECK_ID,
            TITLE,
            engine.offered,
            f"whether {engine.engine} {asked} is offered in {region}",
        )
    if engine.offered is False:
        return _fail(
            f"{engine.engine} {asked} is not offered in {region}",
            f"Ask for a version offered there (aws rds describe-db-engine-versions --engine "
            f"{engine.engine} --region {region} --query 'DBEngineVersions[].EngineVersion'), "
            f"for example the snapshot's own: --metadata EngineVersion={snapshot}.",
        )
    return Check(
        CHECK_ID,
        TITLE,
        CheckStatus.PASS,
        f"{engine.engine} {asked} (snapshot: {snapshot or 'not reported'}) is offered in {region}",
    )


def _fail(evidence: str, remediation: str) -> Check:
    return Check(CHECK_ID, TITLE, CheckStatus.FAIL, evidence, CauseCode.ENGINE_VERSION, remediation)


__all__ = ["EngineVersions", "check_engine_version", "engine_versions", "version_key"]
