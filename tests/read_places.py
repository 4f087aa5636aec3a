"""Where each AWS read of a check went: the account (from the caller's access key) and the
Region (the request's signature) of every request the sandbox received, and the places a read
of one kind may legitimately go to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from drconsole.sandbox.knobs import account_of_access_key
from drconsole.sandbox.request_log import SeenRequest

# IAM and Organizations are global services: their reads may be signed for any Region. STS
# GetCallerIdentity/AssumeRole are how drconsole enters an account, not reads of a fact.
GLOBAL_SERVICES = ("iam", "organizations")
ENTERING = ("sts:AssumeRole",)
ANY_REGION = "*"
ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
REGION_NAME = re.compile(r"\b(?:[a-z]{2}(?:-gov)?-[a-z]+-\d)\b")


@dataclass(frozen=True, order=True)
class Place:
    """An account and Region (ANY_REGION for a global service's read)."""

    account: str
    region: str

    def holds(self, account: str, region: str | None) -> bool:
        return self.account == account and self.region in (ANY_REGION, region)


@dataclass(frozen=True, order=True)
class Read:
    """One request as the sandbox saw it: `service:Operation`, account, Region."""

    name: str
    account: str
    region: str | None


def reads_of(seen: Iterable[SeenRequest]) -> list[Read]:
    """The reads of `seen`, each with the account its access key belongs to."""
    return [
        Read(s.name, account_of_access_key(s.access_key) if s.access_key else "?", s.region)
        for s in seen
        if s.name not in ENTERING
    ]


def misplaced(reads: Iterable[Read], allowed: Mapping[str, Iterable[Place]]) -> list[str]:
    """Each read that went nowhere `allowed` lets its operation go (an operation `allowed`
    does not name is misplaced wherever it went), as `service:Op account region`."""
    wrong: set[str] = set()
    for read in reads:
        places = list(allowed.get(read.name, ()))
        global_read = read.name.split(":", 1)[0] in GLOBAL_SERVICES
        if not any(
            place.holds(read.account, ANY_REGION if global_read else read.region)
            or (global_read and place.account == read.account)
            for place in places
        ):
            wrong.add(f"{read.name} {read.account} {read.region}")
    return sorted(wrong)


def places_named(text: str) -> tuple[set[str], set[str]]:
    """The account ids and Region names a check's evidence names."""
    return set(ACCOUNT_ID.findall(text)), set(REGION_NAME.findall(text))
