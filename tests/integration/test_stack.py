"""The stack runner itself: a second start is refused and leaves the running stack alone."""

from __future__ import annotations

import httpx
import pytest

from doable_dev.processes import StackBusy
from doable_dev.stack import Stack

pytestmark = pytest.mark.integration


def test_a_second_up_is_refused_and_the_running_stack_keeps_serving(local_stack: Stack) -> None:
    again = Stack(local_stack.state_dir, "doable_test", progress=lambda _: None)
    with pytest.raises(StackBusy, match="already running"):
        again.start()
    elsewhere = Stack(local_stack.state_dir / "elsewhere", "doable_test", progress=lambda _: None)
    with pytest.raises(StackBusy, match="in use"):
        elsewhere.start()
    assert httpx.get("http://127.0.0.1:8080/readyz").status_code == 200
    assert set(local_stack.running_pids()) >= {"kafka", "scheduler", "web", "web.daprd"}
