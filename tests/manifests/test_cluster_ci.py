"""CI's cluster step (scripts/cluster/ci.sh) never skips silently: when the suite cannot fit, it says why.

The run itself is `make test-cluster` on a real cluster; this checks only the decision before it, which
needs no cluster: with nothing cached, every cold build is named with its estimate and nothing starts.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from cloud_checks import REPO

CI = REPO / "scripts" / "cluster" / "ci.sh"


def ci(seconds_left: int, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOABLE_CACHE": str(cache)}
    return subprocess.run(
        ["bash", str(CI), str(seconds_left)], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_cold_machine_gets_a_loud_not_run_naming_each_missing_build(tmp_path: Path) -> None:
    result = ci(90 * 60, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "# NOT RUN: the Kubernetes cluster suite" in result.stdout
    missing = re.findall(r"^#   - (.+) \(~(\d+) min\)$", result.stdout, re.MULTILINE)
    assert [what.split()[0] for what, _ in missing] == [
        "Kubernetes",
        "kn",
        "Dapr",
        "Knative",
        "Traefik",
        "the",
    ]
    needed = int(re.search(r"needs about (\d+) min", result.stdout).group(1))  # type: ignore[union-attr]
    assert needed > 90 and needed == 30 + sum(int(minutes) for _, minutes in missing)
    assert not (tmp_path / "cluster" / "state").exists(), "nothing was started"


def test_no_time_left_is_a_not_run_too(tmp_path: Path) -> None:
    result = ci(60, tmp_path)
    assert result.returncode == 0
    assert "# NOT RUN" in result.stdout and "CI has 1 min left" in result.stdout


def test_the_time_left_is_required() -> None:
    result = subprocess.run(["bash", str(CI)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "usage: scripts/cluster/ci.sh SECONDS_LEFT" in result.stderr
