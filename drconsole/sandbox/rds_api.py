"""RDS's DescribeDBEngineVersions in the sandbox (moto lacks it): a small catalog per Region.

Every Region of the sandbox offers the same versions, among them the ones moto gives its
clusters and instances by default, so the demo's databases restore at their own version.
"""

from __future__ import annotations

from typing import Any

OFFERED: dict[str, tuple[str, ...]] = {
    "aurora-postgresql": ("12.7", "12.9", "13.7", "13.12", "14.9", "15.4", "16.1"),
    "aurora-mysql": (
        "5.7.mysql_aurora.2.07.2",
        "5.7.mysql_aurora.2.11.2",
        "8.0.mysql_aurora.3.04.0",
        "8.0.mysql_aurora.3.08.2",
    ),
    "postgres": ("9.3.3", "13.4", "14.12", "15.7", "16.3"),
    "mysql": ("5.6.21", "8.0.23", "8.0.35"),
    "neptune": ("1.3.2.1",),
}
FAMILY = {"aurora-postgresql": "aurora-postgresql", "postgres": "postgres"}


def offered(engine: str, version: str) -> bool:
    """True when the sandbox's RDS offers that engine version."""
    return version in OFFERED.get(engine, ())


def _describe_db_engine_versions(self: Any) -> Any:
    from moto.core.responses import ActionResult

    engine = self.params.get("Engine")
    version = self.params.get("EngineVersion")
    rows = [
        {
            "Engine": name,
            "EngineVersion": each,
            "DBParameterGroupFamily": f"{FAMILY.get(name, name)}{each.split('.')[0]}",
            "Status": "available",
        }
        for name, versions in OFFERED.items()
        if engine in (None, name)
        for each in versions
        if version in (None, each)
    ]
    return ActionResult({"DBEngineVersions": rows})


def install() -> None:
    """Teach moto's RDS to answer DescribeDBEngineVersions."""
    from moto.rds.responses import RDSResponse

    RDSResponse.describe_db_engine_versions = _describe_db_engine_versions  # type: ignore[attr-defined]


# RestoreDBClusterFromSnapshot's answers to an EngineVersion it cannot restore to.
MSG_ENGINE_VERSION_EARLIER = (
    "The engine version you requested for your restored DB cluster ({asked}) is earlier than "
    "the engine version of the DB cluster snapshot ({snapshot})."
)
MSG_ENGINE_VERSION_NOT_FOUND = "Cannot find version {asked} for {engine}"


def _parts(version: str) -> list[tuple[int, Any]]:
    pieces = version.replace("-", ".").replace("_", ".").lower().split(".")
    return [(0, int(p)) if p.isdigit() else (1, p) for p in pieces if p]


def cluster_engine_failure(engine: str, asked: str, snapshot: str) -> str | None:
    """Why RDS refuses to restore a cluster snapshot of version `snapshot` at `asked`."""
    if not asked or asked == snapshot:
        return None
    if snapshot and _parts(asked) < _parts(snapshot):
        return MSG_ENGINE_VERSION_EARLIER.format(asked=asked, snapshot=snapshot)
    if not offered(engine, asked):
        return MSG_ENGINE_VERSION_NOT_FOUND.format(asked=asked, engine=engine)
    return None
