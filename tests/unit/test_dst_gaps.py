"""Every wall time inside a spring-forward gap becomes the gap's end, to the second, in several zones.

The search for the end of a gap walks whole seconds; a step that skipped one would land a second
late for some wall times and not others, so this sweeps the gap minute by minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doable.domain.recurrence import localize

# (zone, first wall time of the gap, gap length, the UTC instant the clocks jump)
GAPS = [
    (
        "Europe/Paris",
        datetime(2027, 3, 28, 2, 0),
        timedelta(hours=1),
        datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
    ),
    (
        "America/New_York",
        datetime(2027, 3, 14, 2, 0),
        timedelta(hours=1),
        datetime(2027, 3, 14, 7, 0, tzinfo=UTC),
    ),
    # Lord Howe Island moves its clocks by half an hour.
    (
        "Australia/Lord_Howe",
        datetime(2026, 10, 4, 2, 0),
        timedelta(minutes=30),
        datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(("zone", "start", "length", "jump"), GAPS, ids=[g[0] for g in GAPS])
def test_a_wall_time_that_never_happens_is_the_instant_the_clocks_jump(
    zone: str, start: datetime, length: timedelta, jump: datetime
) -> None:
    walls = [start + timedelta(minutes=m) for m in range(int(length.total_seconds() // 60))]
    walls += [start + timedelta(seconds=1), start + length - timedelta(seconds=1)]
    for wall in walls:
        assert localize(wall, ZoneInfo(zone)) == jump, wall
    assert localize(start + length, ZoneInfo(zone)) == jump, "the first wall time after the gap"
    assert localize(start - timedelta(seconds=1), ZoneInfo(zone)) == jump - timedelta(seconds=1)
