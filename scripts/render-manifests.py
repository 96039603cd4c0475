#!/usr/bin/env python3
"""Writes knative/ and dapr/kubernetes/ from the Helm chart, so the plain manifests never drift from it.

The chart is the one source of the Kubernetes profile; these files are the same resources for readers
and for `kubectl apply` / `kn` users without Helm. `--check` compares instead of writing (the manifest
tests run it) and lists the files that differ. Needs helm and PyYAML: run it with the tools venv
python from scripts/cloud-tools.sh, e.g. `$TOOLS_PYTHON scripts/render-manifests.py`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "helm" / "doable"
NAMESPACE = "doable"
HEADER = "# Generated from helm/doable by scripts/render-manifests.py; edit the chart, not this file.\n"
# Labels that claim Helm manages the object; wrong for a file applied with kubectl.
HELM_ONLY_LINES = ("helm.sh/chart:", "app.kubernetes.io/managed-by:")
PLAIN_VALUES = [
    "--set",
    "monitoring.serviceMonitor.enabled=false",
    "--set",
    "monitoring.prometheusRule.enabled=false",
    "--set",
    "monitoring.grafanaDashboard.enabled=false",
    "--set",
    "migrations.enabled=false",
    "--set",
    "clusterIssuer.create=false",
    "--set",
    "podDisruptionBudget.enabled=false",
]


def render(helm: str, kube_version: str) -> str:
    command = [
        helm,
        "template",
        "doable",
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--kube-version",
        kube_version,
        *PLAIN_VALUES,
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def split_documents(stream: str) -> list[str]:
    documents: list[str] = []
    current: list[str] = []
    for line in stream.splitlines(keepends=True):
        if line.rstrip() == "---":
            documents.append("".join(current))
            current = []
        else:
            current.append(line)
    documents.append("".join(current))
    return [doc for doc in documents if yaml.safe_load(doc)]


def plain(document: str) -> str:
    lines = [
        line
        for line in document.splitlines(keepends=True)
        if not line.startswith("# Source:") and not line.strip().startswith(HELM_ONLY_LINES)
    ]
    return "".join(lines).strip("\n") + "\n"


def destination(resource: dict[str, Any]) -> Path | None:
    """Where one rendered resource belongs; None for what only the chart manages."""
    kind, name = resource["kind"], resource["metadata"]["name"]
    group = resource["apiVersion"].split("/")[0]
    if group == "serving.knative.dev":
        return Path("knative") / ("domain-mapping.yaml" if kind == "DomainMapping" else f"{name}.yaml")
    if kind in {"ServiceAccount", "Role", "RoleBinding"}:
        return Path("knative") / "rbac.yaml"
    if group == "dapr.io":
        folder = {
            "Component": "components",
            "HTTPEndpoint": "httpendpoints",
            "Configuration": "configurations",
            "Subscription": "subscriptions",
        }.get(kind)
        if folder is None:  # the one Resiliency
            return Path("dapr/kubernetes") / f"{kind.lower()}.yaml"
        return Path("dapr/kubernetes") / folder / f"{name}.yaml"
    return None


def expected_files(stream: str) -> dict[Path, str]:
    files: dict[Path, list[str]] = {}
    for document in split_documents(stream):
        path = destination(yaml.safe_load(document))
        if path is not None:
            files.setdefault(path, []).append(plain(document))
    return {path: HEADER + "---\n".join(parts) for path, parts in files.items()}


def generated_on_disk() -> set[Path]:
    found = set()
    for folder in ("knative", "dapr/kubernetes"):
        for path in (REPO / folder).rglob("*.yaml"):
            if path.read_text().startswith(HEADER):
                found.add(path.relative_to(REPO))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if a file differs instead of writing")
    parser.add_argument("--helm", default=os.environ.get("HELM", "helm"))
    parser.add_argument("--kube-version", default=os.environ.get("KUBERNETES_VERSION", "1.34.4"))
    args = parser.parse_args(argv)
    expected = expected_files(render(args.helm, args.kube_version))
    stale = sorted(generated_on_disk() - set(expected))
    differing = sorted(
        path
        for path, text in expected.items()
        if not (REPO / path).exists() or (REPO / path).read_text() != text
    )
    if args.check:
        for path in differing:
            print(f"out of date: {path}", file=sys.stderr)
        for path in stale:
            print(f"no longer rendered by the chart: {path}", file=sys.stderr)
        if differing or stale:
            print("run: $TOOLS_PYTHON scripts/render-manifests.py", file=sys.stderr)
            return 1
        print(f"{len(expected)} generated manifests match the chart")
        return 0
    for path in stale:
        (REPO / path).unlink()
    for path, text in expected.items():
        (REPO / path).parent.mkdir(parents=True, exist_ok=True)
        (REPO / path).write_text(text)
    print(f"wrote {len(expected)} files, removed {len(stale)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
