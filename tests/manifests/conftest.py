"""Session fixtures for the offline cloud checks: the pinned tools and a cached chart renderer."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from cloud_checks import CHART, REPO, CloudTools, Renderer, RenderError, Resource, tools_env_path


@pytest.fixture(scope="session")
def cloud_tools() -> CloudTools:
    """Installs (first time) or confirms (afterwards, in about a second) the pinned tools."""
    result = subprocess.run(["bash", "scripts/cloud-tools.sh"], cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"scripts/cloud-tools.sh failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    env = dict(line.split("=", 1) for line in tools_env_path().read_text().splitlines() if "=" in line)
    return CloudTools(env=env)


@pytest.fixture(scope="session")
def render(cloud_tools: CloudTools) -> Renderer:
    """render(*values_files, set=[...]) -> the chart's resources as dicts; raises RenderError."""
    cache: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Resource]] = {}

    def _render(*values_files: Path, set: Sequence[str] = ()) -> list[Resource]:
        key = (tuple(str(f) for f in values_files), tuple(set))
        if key not in cache:
            command = [
                cloud_tools.helm,
                "template",
                "doable",
                str(CHART),
                "--namespace",
                "doable",
                "--kube-version",
                cloud_tools.kube_version,
            ]
            for values in values_files:
                command += ["-f", str(values)]
            for assignment in set:
                command += ["--set", assignment]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise RenderError(result.stderr.strip())
            cache[key] = cloud_tools.yaml_to_json(result.stdout)
        return cache[key]

    return _render
