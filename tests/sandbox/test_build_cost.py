"""What building a scenario costs: no latency or throttling waited out, models decoded once."""

from __future__ import annotations

import time

import boto3
import botocore.session
from botocore.config import Config

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions

LATENCY_MS = 400


def test_latency_and_throttling_apply_once_the_scenario_is_built() -> None:
    options = SandboxOptions(time_scale=3600.0, latency_ms=LATENCY_MS, throttle_rate=0.5)
    sandbox, info = start_sandbox("demo", options)
    try:
        build_requests = sandbox.middleware.requests
        # Waited out call by call, the build's requests alone would take this long.
        waited_out = build_requests * LATENCY_MS / 1000
        assert build_requests > 50
        assert info.build_seconds < waited_out / 4, (info.build_seconds, build_requests)
        assert sandbox.options is options  # the caller's knobs, still live
        assert (options.latency_ms, options.throttle_rate) == (LATENCY_MS, 0.5)

        keys = sandbox.credentials_for(info.accounts["management"])
        sts = boto3.client(
            "sts",
            region_name=info.region,
            endpoint_url=sandbox.endpoint_url,
            config=Config(retries={"mode": "standard", "max_attempts": 20}),
            **keys,
        )
        started = time.monotonic()
        assert sts.get_caller_identity()["Account"] == info.accounts["management"]
        assert time.monotonic() - started >= LATENCY_MS / 1000  # now the knobs apply
    finally:
        sandbox.stop()


def test_every_session_of_the_sandbox_s_process_shares_one_model_loader() -> None:
    sandbox = Sandbox(SandboxOptions())
    sandbox.start()
    sandbox.stop()
    first = botocore.session.Session().get_component("data_loader")
    second = boto3.session.Session()._session.get_component("data_loader")
    assert first is second
    assert first.load_service_model("backup", "service-2") is second.load_service_model(
        "backup", "service-2"
    )


def test_ec2_offers_amazon_s_general_images_but_not_the_thousand_ecs_optimized_ones() -> None:
    sandbox, info = start_sandbox("demo")
    try:
        ec2 = sandbox.client("ec2", info.accounts["prod"], info.region)
        images = ec2.describe_images(Owners=["amazon"])["Images"]
        names = [image.get("Name", "") for image in images]
        assert 20 < len(images) < 200, len(images)
        assert not [name for name in names if "ecs" in name.lower()]
        # The demo's instances start from one of them.
        reservations = ec2.describe_instances()["Reservations"]
        started_from = {i["ImageId"] for r in reservations for i in r["Instances"]}
        assert started_from and started_from <= {image["ImageId"] for image in images}
    finally:
        sandbox.stop()
