"""`drconsole sandbox`: the embedded AWS alone, as a local server for the AWS CLI and scripts."""

from __future__ import annotations

import argparse
import re
from typing import Any

from drconsole.errors import MissingExtraError, UsageError

INSTALL_HINT = "pip install 'drconsole[demo]'"
ACCOUNT_ID = re.compile(r"^\d{12}$")


def register(subparsers: Any) -> None:
    """Add `sandbox` and its flags."""
    parser = subparsers.add_parser(
        "sandbox",
        help="run the embedded AWS sandbox as a local server",
        description=(
            "Serve a multi-account AWS organization on 127.0.0.1 and print one JSON line "
            "(endpoint_url, region, org_id, accounts, credentials); stop with Ctrl-C or SIGTERM."
        ),
    )
    add_sandbox_flags(parser)
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: a free one)"
    )
    parser.add_argument(
        "--mfa-code",
        metavar="DIGITS",
        help="the one MFA code STS GetSessionToken accepts (default: any 6 digits)",
    )
    parser.add_argument(
        "--region-down",
        action="append",
        default=[],
        metavar="REGION[:MODE]",
        help=(
            "a Regional outage: every call signed for REGION has its connection closed "
            "without an answer (MODE reset, the default) or is answered 503 ServiceUnavailable "
            "(MODE unavailable); IAM, Organizations and STS's global endpoint keep answering"
        ),
    )
    parser.set_defaults(handler=run)


def add_sandbox_flags(parser: argparse.ArgumentParser) -> None:
    """Flags shared by `sandbox` and `demo`: the scenario and the sandbox's knobs."""
    parser.add_argument("--scenario", default="demo", help="scenario to build (demo, large)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=60.0,
        metavar="X",
        help="sandbox seconds per real second for job progress (default 60)",
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, metavar="N", help="latency added to every request"
    )
    parser.add_argument(
        "--throttle-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests answered with ThrottlingException (0 to 1)",
    )
    parser.add_argument(
        "--access-denied",
        action="append",
        default=[],
        metavar="ACCOUNT",
        help="answer AccessDenied to every call from this account (id or role: prod, qa...)",
    )
    parser.add_argument(
        "--single-action-db-copy",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="allow RDS-family copies across account and Region in one job (default: yes)",
    )


# A million times faster than life turns a two-hour copy into 7 ms; a minute per call is
# already far past any real latency.
MAX_TIME_SCALE = 1_000_000.0
MAX_LATENCY_MS = 60_000


def validate_flags(args: argparse.Namespace) -> None:
    """Refuse out-of-range knobs with one line naming the flag (exit 2)."""
    port = getattr(args, "port", 0)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {port}")
    mfa_code = getattr(args, "mfa_code", None)
    if mfa_code is not None and not (
        mfa_code.isascii() and mfa_code.isdigit() and len(mfa_code) == 6
    ):
        raise UsageError(f"--mfa-code must be 6 digits, not {mfa_code!r}")
    if not 0 < args.time_scale <= MAX_TIME_SCALE:
        raise UsageError(
            f"--time-scale must be greater than 0 and at most {MAX_TIME_SCALE:g}, "
            f"not {args.time_scale:g}"
        )
    if not 0 <= args.latency_ms <= MAX_LATENCY_MS:
        raise UsageError(f"--latency-ms must be 0 to {MAX_LATENCY_MS}, not {args.latency_ms}")
    if not 0 <= args.throttle_rate < 1:
        raise UsageError(
            f"--throttle-rate must be at least 0 and below 1, not {args.throttle_rate:g}"
        )
    regions_down(getattr(args, "region_down", []))
    known = ("demo", "large")
    if args.scenario not in known:
        raise UsageError(f"--scenario must be one of {', '.join(known)}, not {args.scenario!r}")
    roles = ("management", "backup", "prod", "qa", "dev")
    for account in args.access_denied:
        if not (ACCOUNT_ID.match(account) or account in roles or account.startswith("member-")):
            raise UsageError(
                f"--access-denied takes a 12-digit account id or a role ({', '.join(roles)}), "
                f"not {account!r}"
            )


def regions_down(values: list[str]) -> dict[str, str]:
    """`--region-down REGION[:MODE]` values as Region -> outage mode; one line for a bad one."""
    from drconsole import limits

    modes = ("reset", "unavailable")
    down: dict[str, str] = {}
    for value in values:
        region, _, mode = value.partition(":")
        mode = mode or "reset"
        limits.region(region, "--region-down")
        if mode not in modes:
            raise UsageError(
                f"--region-down {value}: the mode must be {' or '.join(modes)}, not {mode!r}"
            )
        down[region] = mode
    return down


def ensure_port_free(port: int) -> None:
    """Refuse a port another program holds, in one line (the server would print two and exit 1)."""
    import socket

    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise UsageError(f"--port {port}: {error.strerror or error}") from error


def require_demo_extra() -> None:
    """Raise MissingExtraError (one line, exit 2) when moto is not installed."""
    import importlib.util

    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("cheroot") is None:
        raise MissingExtraError(f"the sandbox needs moto, which is not installed: {INSTALL_HINT}")


def start_from_args(args: argparse.Namespace) -> tuple[Any, Any]:
    """Start the sandbox with the knobs from the flags and build the scenario."""
    from drconsole.sandbox.scenarios import start_sandbox
    from drconsole.sandbox.server import SandboxOptions

    options = SandboxOptions(
        time_scale=args.time_scale,
        latency_ms=args.latency_ms,
        throttle_rate=args.throttle_rate,
        single_action_db_copy=args.single_action_db_copy,
        mfa_code=getattr(args, "mfa_code", None),
    )
    # Set once the scenario is built (which signs its set-up calls in both Regions).
    outage = regions_down(getattr(args, "region_down", []))
    port = getattr(args, "port", 0)
    ensure_port_free(port)
    # Latency and throttling apply once the scenario is built (start_sandbox), AccessDenied too.
    sandbox, info = start_sandbox(args.scenario, options, port=port)
    for account in args.access_denied:
        account_id = info.accounts.get(account, account)
        if not ACCOUNT_ID.match(account_id):
            sandbox.stop()
            raise UsageError(f"--access-denied: the scenario has no account {account!r}")
        options.access_denied_accounts.add(account_id)
    options.regions_down.update(outage)
    return sandbox, info


def startup_line(sandbox: Any, info: Any) -> dict[str, Any]:
    """The JSON object printed once the sandbox is ready."""
    return {
        "endpoint_url": sandbox.endpoint_url,
        "region": info.region,
        "dr_region": info.dr_region,
        "scenario": info.name,
        "org_id": info.org_id,
        "accounts": dict(info.accounts),
        "credentials": sandbox.credentials_for(info.accounts["management"]),
        "faults": dict(info.faults),
        "fault_recovery_points": dict(info.fault_recovery_points),
        "fault_destinations": dict(info.fault_destinations),
    }


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM, then stop cleanly."""
    import json
    import signal
    import sys
    import threading

    validate_flags(args)
    require_demo_extra()
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sandbox, info = start_from_args(args)
        try:
            if not stop.is_set():
                sys.stdout.write(json.dumps(startup_line(sandbox, info)) + "\n")
                sys.stdout.flush()
            while not stop.wait(0.1):
                pass
        finally:
            sandbox.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
