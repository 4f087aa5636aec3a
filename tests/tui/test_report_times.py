"""The drill report screen says which zone its times are in, whatever the machine's TZ."""

from __future__ import annotations

from drconsole.tui.drills.report_screen import target_text


def test_the_data_time_of_a_target_is_said_in_utc() -> None:
    target = {
        "target": "db",
        "verdict": "passed",
        "resource": "arn:aws:rds:eu-central-1:111122223333:cluster:payments",
        "objectives": {},
        "recovery_point": {
            "recovery_point": "arn:aws:backup:eu-central-1:111122223333:recovery-point:x",
            # 14:32 in Kolkata: 09:02 UTC, shown as such
            "data_time": "2026-12-05T14:32:00+05:30",
            "data_time_basis": "restore-time",
        },
    }
    shown = target_text(target).plain
    assert "(data of 12-05 09:02 UTC, restore-time)" in shown
