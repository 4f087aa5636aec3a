"""The timestamp parser every client uses reads ISO 8601 text with a zone as botocore's own
parser does (the standard library reads it, dateutil reads the rest)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from botocore.utils import parse_timestamp
from hypothesis import given
from hypothesis import strategies as st

from drconsole.aws.fastparse import utc_timestamp

zones = st.one_of(
    st.just("Z"),
    st.builds(
        lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
        st.sampled_from("+-"),
        st.integers(0, 14),
        st.sampled_from([0, 30, 45]),
    ),
)


@given(
    moment=st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30)),
    digits=st.integers(0, 6),
    zone=zones,
)
def test_iso_text_with_a_zone_reads_as_botocore_reads_it(
    moment: datetime, digits: int, zone: str
) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    text += zone
    parsed = utc_timestamp(text)
    assert parsed == parse_timestamp(text).astimezone(UTC)
    assert parsed is not None and parsed.tzinfo is UTC


def test_other_forms_still_read_by_botocore() -> None:
    # RFC 822, epoch text, seven fraction digits.
    for text in (
        "Fri, 04 Dec 2026 19:13:37 GMT",
        "1764875617",
        "2026-12-04T19:13:37.1234567Z",
    ):
        assert utc_timestamp(text) == parse_timestamp(text).astimezone(UTC), text


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Kolkata", "America/St_Johns", "UTC+3", "Nowhere/Foo"]
)
def test_a_time_without_a_zone_is_utc_whatever_tz(zone: str) -> None:
    """AWS's times are UTC: a text without a zone does not move with this machine's TZ."""
    code = (
        "from drconsole.aws.fastparse import utc_timestamp;"
        "print(utc_timestamp('2026-12-04T19:13:37').isoformat(),"
        " utc_timestamp('2026-12-04 19:13:37.5').isoformat())"
    )
    env = {**os.environ, "TZ": zone}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["2026-12-04T19:13:37+00:00", "2026-12-04T19:13:37.500000+00:00"]


def test_an_impossible_date_is_absent() -> None:
    assert utc_timestamp("2026-02-30T00:00:00Z") is None
    assert utc_timestamp("2026-12-04T19:13:37+02:00") == datetime(
        2026, 12, 4, 19, 13, 37, tzinfo=timezone(timedelta(hours=2))
    )
