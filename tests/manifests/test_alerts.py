"""The chart's alerts fire when they should and stay quiet when they should (promtool test rules)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from cloud_checks import CloudTools, Renderer

VECTORS = Path(__file__).with_name("alerts.test.yaml")


def rendered_rules(render: Renderer, tmp_path: Path) -> tuple[Path, set[str]]:
    """The PrometheusRule the chart renders, as a Prometheus rules file, and its alert names."""
    rules = [r for r in render() if r["kind"] == "PrometheusRule"]
    assert len(rules) == 1, "the chart renders exactly one PrometheusRule"
    groups = rules[0]["spec"]["groups"]
    path = tmp_path / "rules.yaml"
    path.write_text(json.dumps({"groups": groups}))  # JSON is YAML
    return path, {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}


def test_every_alert_in_the_chart_has_promtool_vectors(render: Renderer, tmp_path: Path) -> None:
    _, alerts = rendered_rules(render, tmp_path)
    vectors = VECTORS.read_text()
    untested = sorted(a for a in alerts if f"alertname: {a}\n" not in vectors)
    assert not untested, f"add promtool tests to {VECTORS.name} for: {', '.join(untested)}"


def test_alerts_fire_as_the_vectors_expect(cloud_tools: CloudTools, render: Renderer, tmp_path: Path) -> None:
    rendered_rules(render, tmp_path)
    shutil.copy(VECTORS, tmp_path / VECTORS.name)
    result = subprocess.run(
        [cloud_tools.promtool, "test", "rules", VECTORS.name], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
