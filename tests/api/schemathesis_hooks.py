"""What /api/openapi.json says in words because JSON Schema cannot, taught to Schemathesis as valid data.

Loaded by `tests/api/test_schemathesis.py` (SCHEMATHESIS_HOOKS). Each rule below is stated in the
document's descriptions; without it the fuzzer's "valid" values would be ones the API rightly
refuses, and it would report them as schema-valid requests rejected:

- times: `date-time` fields and parameters accept TIME_RANGE only (1970 to 2200, offsets within
  ±14:00), which a `format` cannot bound;
- cursor: opaque; only a `next_cursor` the server issued for the same sort is one;
- webhook_url: an http(s) URL of a public host, which the server checks against the address;
- time zones: the IANA names (format `iana-time-zone`), too many for an enum in the document.

Negative cases are left alone: they must still be refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import available_timezones

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from doable.domain.model import OFFSET_MAX, TIME_MAX, TIME_MIN, new_id
from doable.domain.query import CURSOR_KEYS, SORTS, TaskQuery, encode_cursor


def _rfc3339(instant: datetime, offset_minutes: int) -> str:
    return instant.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat()


_LIMIT = int(OFFSET_MAX.total_seconds() // 60)
IN_RANGE_TIMES = st.builds(
    _rfc3339,
    st.datetimes(
        min_value=TIME_MIN.replace(tzinfo=None) + timedelta(days=1),
        max_value=TIME_MAX.replace(tzinfo=None) - timedelta(days=1),
        timezones=st.just(UTC),
    ),
    st.integers(-_LIMIT, _LIMIT),
)
schemathesis.openapi.format("date-time", IN_RANGE_TIMES)
schemathesis.openapi.format("iana-time-zone", st.sampled_from(sorted(available_timezones())))

_KEY_SAMPLES = {"time": datetime(2026, 1, 1, tzinfo=UTC), "rank": 1, "number": 1.0, "id": new_id()}


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    meta = case.meta
    if case.query and "cursor" in case.query and not (meta and meta.is_negative_at(ParameterLocation.QUERY)):
        q, sort = case.query.get("q"), case.query.get("sort")
        effective = TaskQuery(q=q if isinstance(q, str) else None, sort=sort if sort in SORTS else None)
        kinds = CURSOR_KEYS[effective.effective_sort]
        key = [_KEY_SAMPLES[kind] for kind in kinds]
        case.query["cursor"] = encode_cursor(effective.effective_sort, key)
    body = case.body
    if (
        isinstance(body, dict)
        and isinstance(body.get("webhook_url"), str)
        and not (meta and meta.is_negative_at(ParameterLocation.BODY))
    ):
        body["webhook_url"] = "https://example.com/hooks/doable"
    return case
