"""Shared by the manifest tests: where things are, the tools from scripts/cloud-tools.sh, chart renders.

The project venv has no PyYAML, so YAML is turned into JSON by the tools venv's python, which
cloud-tools.sh installs next to hadolint; the tests themselves only ever read JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "doable"
VALUES_FILES = sorted(CHART.glob("values*.yaml"), key=lambda p: (p.name != "values.yaml", p.name))
YAML_TO_JSON = (
    "import json, sys, yaml\njson.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)\n"
)

Resource = dict[str, Any]


@dataclass(frozen=True)
class CloudTools:
    env: dict[str, str]

    @property
    def helm(self) -> str:
        return self.env["HELM"]

    @property
    def kubeconform(self) -> str:
        return self.env["KUBECONFORM"]

    @property
    def promtool(self) -> str:
        return self.env["PROMTOOL"]

    @property
    def python(self) -> str:
        return self.env["TOOLS_PYTHON"]

    @property
    def schema_location(self) -> str:
        return self.env["SCHEMA_DIR"] + "/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"

    @property
    def kube_version(self) -> str:
        return self.env["KUBERNETES_VERSION"]

    def yaml_to_json(self, text: str) -> list[Resource]:
        result = subprocess.run(
            [self.python, "-c", YAML_TO_JSON], input=text, capture_output=True, text=True, check=True
        )
        documents: list[Resource] = json.loads(result.stdout)
        return documents


class RenderError(Exception):
    """helm template refused the values; the message is helm's."""


Renderer = Callable[..., list[Resource]]


def tools_env_path() -> Path:
    cache = Path(os.environ.get("DOABLE_CACHE", Path.home() / ".cache" / "doable"))
    return cache / "tools" / "env.sh"


def of_kind(resources: list[Resource], kind: str, group: str | None = None) -> dict[str, Resource]:
    return {
        r["metadata"]["name"]: r
        for r in resources
        if r["kind"] == kind and (group is None or r["apiVersion"].split("/")[0] == group)
    }
