"""Ages of AWS's times measured on this machine's clock, which may be up to 5 minutes behind."""

from __future__ import annotations

from datetime import timedelta

from drconsole.tui.formatting import human_age


def test_a_point_made_just_now_by_a_clock_a_little_ahead_is_not_from_the_future() -> None:
    assert human_age(timedelta(seconds=-90)) == "0s"
    assert human_age(timedelta(minutes=-5)) == "0s"
    # Further ahead than AWS would let this machine's clock be: something else is wrong.
    assert human_age(timedelta(minutes=-20)) == "future"
    assert human_age(timedelta(seconds=45)) == "45s"
