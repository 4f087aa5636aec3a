"""The copy checks of a flow's hops, as the planner and the engine run them: each hop with the
copy role of the account that starts it and the retention its request sends."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from drconsole.checks.facts import CopyFacts
from drconsole.checks.runner import CheckReport
from drconsole.flows import plan as pl
from drconsole.flows.routes import VaultRef


def first_hop_runner(sessions: Any, plan: pl.FlowPlan, reader: Any = None) -> pl.CheckRunner:
    """The copy checks of one hop of `plan` from an existing recovery point: its copy role (in
    the hop's source account) and the retention StartCopyJob will be given. `reader`: the fact
    reader to read through (a new one per run when None)."""
    from drconsole.checks.runner import run_copy_checks

    def run(recovery_point: str, dest: VaultRef, account: str | None) -> CheckReport:
        return run_copy_checks(
            sessions,
            recovery_point,
            dest.arn,
            role_arn=pl.role_arn(account or plan.source.account_id, plan.copy_role, plan.partition),
            delete_after_days=pl.copy_retention_days(plan),
            account_hint=account,
            reader=reader,
        )

    return run


def second_hop_runner(sessions: Any, plan: pl.FlowPlan, reader: Any = None) -> pl.SecondHopRunner:
    """The checks of the second hop of a two-hop route of `plan`, from the first hop's report,
    before the first hop starts: with the copy role of the intermediate vault's account, which
    starts it."""
    from drconsole.checks.runner import run_second_hop_checks

    assert plan.destination is not None
    destination = plan.destination.arn

    def run(first_hop: CheckReport) -> CheckReport:
        facts = first_hop.facts
        assert isinstance(facts, CopyFacts)
        role = pl.role_arn(facts.dest_account_id, plan.copy_role, plan.partition)
        return run_second_hop_checks(sessions, first_hop, destination, role_arn=role, reader=reader)

    return run


def choose_intermediate(
    sessions: Any, plan: pl.FlowPlan, reader: Any = None
) -> tuple[VaultRef | None, list[pl.Candidate]]:
    """`plan.choose_intermediate` for `plan`'s source and destination, each hop checked as the
    flow will start it."""
    assert plan.destination is not None
    return pl.choose_intermediate(
        sessions,
        plan.source,
        plan.destination,
        first_hop_runner(sessions, plan, reader),
        second_hop_runner(sessions, plan, reader),
        reader,
    )


def fall_back(
    sessions: Any, plan: pl.FlowPlan, reader: Any = None
) -> tuple[VaultRef | None, list[tuple[str, CheckReport]]]:
    """The two-hop route the flow takes for `plan`'s copy (up front, or when AWS refuses the
    single job): the intermediate vault `choose_intermediate` chooses and the reports of both
    its hops (`hop1`, `hop2`); when none is chosen, None and the reports that say why
    (`plan.why_no_intermediate`), empty when there is no candidate vault at all."""
    chosen, tried = choose_intermediate(sessions, plan, reader)
    return chosen, tried[-1].reports if chosen is not None else pl.why_no_intermediate(tried)


def with_second_hop(
    sessions: Any, report: CheckReport, copy_role: str | None, delete_after_days: int | None
) -> CheckReport:
    """`check copy`'s report of a copy that may need two hops (a database across account AND
    Region), with the intermediate vault the flow would choose and the checks of the second
    hop through it (`hop2.` ids); when no candidate's first hop passes, as it is (its route
    check names the intermediate vaults to create).

    `copy_role` is the copy role's name (path/name), as the flow gives it to every hop's
    account."""
    second = dict(route_hops(sessions, report, copy_role, delete_after_days)).get("hop2")
    if second is None:
        return report
    assert isinstance(second.facts, CopyFacts)
    route = {**report.route, "intermediate": second.facts.recovery_point.vault_arn}
    return replace(report, route=route, second_hop=second)


def route_hops(
    sessions: Any,
    report: CheckReport,
    copy_role: str | None,
    delete_after_days: int | None,
    reader: Any = None,
) -> list[tuple[str, CheckReport]]:
    """The hops of the two-hop route a copy may take (its route check says `hops` 2: a
    database across account AND Region, up front or when AWS refuses the single job), judged
    as the flow judges them before it starts: `hop1` into the intermediate vault the flow
    would choose and `hop2` on from it (`hop2.` ids), or those of the furthest candidate when
    none passes both (`hop1` alone when no candidate's first hop passes). Empty for a copy in
    one job, or when there is no candidate vault at all (the route check says which to create).
    `reader`: the fact reader to read through (readiness's, shared by a whole evaluation)."""
    facts = report.facts
    assert isinstance(facts, CopyFacts) and report.destination is not None
    if report.route.get("hops") != 2:
        return []
    plan = pl.plan_flow(
        pl.source_of(facts.recovery_point),
        VaultRef.from_arn(report.destination),
        restore=False,
        route_mode="two-hop",
        copy_role=copy_role,
        delete_after_days=delete_after_days,
    )
    return fall_back(sessions, plan, reader)[1]


def no_intermediate(source: pl.SourcePoint, dest: VaultRef) -> str:
    """Why a copy has no two-hop route: no candidate vault, and which vault would be one."""
    return (
        f"no intermediate vault for a two-hop copy: create a vault in account {dest.account_id} "
        f"in {source.region}, or in account {source.account_id} in {dest.region}, with an "
        "access policy and a customer managed key, then retry"
    )
