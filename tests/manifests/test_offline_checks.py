"""Every offline check of the cloud artefacts, one test each, with the tool's own output on failure.

They run scripts/check-manifests.sh, the same entry point CI and developers use, after the session
fixture has made sure scripts/cloud-tools.sh installed the pinned tools and schemas.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from cloud_checks import REPO, CloudTools

CHECKS = {
    "lint": "helm lint --strict, once per values file",
    "render": "helm template for every values file and feature set, validated by kubeconform -strict",
    "plain": "knative/ and dapr/kubernetes/ validated by kubeconform -strict",
    "generated": "knative/ and dapr/kubernetes/ are exactly what the chart renders",
    "hadolint": "the Dockerfile passes hadolint",
    "actionlint": "the workflows pass actionlint (with shellcheck on run: steps)",
    "shellcheck": "our shell scripts pass shellcheck",
}


@pytest.mark.parametrize("check", list(CHECKS), ids=list(CHECKS))
def test_offline_check(check: str, cloud_tools: CloudTools) -> None:
    result = subprocess.run(
        ["bash", "scripts/check-manifests.sh", check],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "DOABLE_TOOLS_READY": "1"},
    )
    assert result.returncode == 0, f"{CHECKS[check]} failed:\n{result.stdout}\n{result.stderr}"


def test_kubeconform_rejects_a_misspelt_field(cloud_tools: CloudTools) -> None:
    """Guards the schemas themselves: strict means an unknown key fails, in a CRD and a built-in kind."""
    service = (REPO / "knative" / "web.yaml").read_text()
    assert "readinessProbe:" in service
    broken_service = service.replace("readinessProbe:", "readinesProbe:", 1)
    broken_pdb = (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: x}\n"
        "spec: {maxUnavailabel: 1, selector: {matchLabels: {a: b}}}\n"
    )
    for manifest, field in ((broken_service, "readinesProbe"), (broken_pdb, "maxUnavailabel")):
        result = subprocess.run(
            [cloud_tools.kubeconform, "-strict", "-schema-location", cloud_tools.schema_location, "-"],
            input=manifest,
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0, f"kubeconform accepted the unknown field {field}:\n{result.stdout}"
        assert field in result.stdout


def test_every_kind_we_ship_has_a_schema(cloud_tools: CloudTools) -> None:
    """kubeconform is never told to skip missing schemas, so this names what a missing one would be."""
    schema_dir = Path(cloud_tools.env["SCHEMA_DIR"])
    schemas = {p.relative_to(schema_dir).as_posix() for p in schema_dir.rglob("*.json")}
    for expected in (
        "serving.knative.dev/service_v1.json",
        "serving.knative.dev/domainmapping_v1beta1.json",
        "dapr.io/component_v1alpha1.json",
        "dapr.io/configuration_v1alpha1.json",
        "dapr.io/resiliency_v1alpha1.json",
        "dapr.io/httpendpoint_v1alpha1.json",
        "dapr.io/subscription_v2alpha1.json",
        "cert-manager.io/clusterissuer_v1.json",
        "cert-manager.io/certificate_v1.json",
        "monitoring.coreos.com/servicemonitor_v1.json",
        "monitoring.coreos.com/prometheusrule_v1.json",
        "batch/job_v1.json",
        "policy/poddisruptionbudget_v1.json",
        "v1/secret_v1.json",
    ):
        assert expected in schemas, f"no schema {expected} under {schema_dir}"


def test_cloud_tools_is_idempotent_when_warm(cloud_tools: CloudTools) -> None:
    result = subprocess.run(["bash", "scripts/cloud-tools.sh"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    steps = re.search(r"^steps=(\d+)$", (REPO / "scripts/cloud-tools.sh").read_text(), re.M)
    assert steps and len(lines) == int(steps[1]), f"expected one progress line per step:\n{result.stdout}"
    assert all("ok (cached)" in line for line in lines), f"a warm run rebuilt something:\n{result.stdout}"
