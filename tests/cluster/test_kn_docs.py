"""The `kn` commands docs/deploy.md shows, run as written against the cluster's Knative Serving 1.15.

The commands are read from the doc's code blocks, so a doc edit that breaks one fails here; only the
example revision names are swapped for real ones. The canary needs a second revision of `web`: where
the doc runs `helm upgrade`, the test adds a revision annotation instead, and removes it at the end,
so `web` is left as the chart made it (its template, and traffic following @latest at 100 %).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from doable.config import REPO_ROOT
from tests.cluster.doable_cluster import NAMESPACE, ready
from tests.cluster.test_cluster_smoke import BIN, KUBECONFIG, cluster, kubectl
from tests.facts import wait_for

pytestmark = pytest.mark.cluster

__all__ = ["cluster"]

DEPLOY_MD = REPO_ROOT / "docs" / "deploy.md"
KN = BIN / "kn"
GATEWAY = "web"
# The harmless change that makes a second revision (the doc's `helm upgrade` to a new image).
MARK = "doable.dev/kn-docs-check"
KN_TIMESTAMP = "client.knative.dev/updateTimestamp"
REVISION = re.compile(r"\b([a-z][a-z-]*?)-(\d{5})\b")
CHART_TRAFFIC = [{"latestRevision": True, "percent": 100}]


def doc_commands(heading: str) -> list[list[str]]:
    """The `kn` and `helm upgrade` lines of the code blocks under one `## ` heading, comments dropped."""
    text = DEPLOY_MD.read_text()
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/deploy.md has no section '## {heading}'"
    commands = []
    for block in re.findall(r"^\s*```[a-z]*\n(.*?)^\s*```", match.group(1), re.M | re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["kn"] or words[:2] == ["helm", "upgrade"]:
                commands.append(words)
    assert commands, f"no kn command in the code blocks of '## {heading}' in docs/deploy.md"
    return commands


def kn(*args: str) -> str:
    result = subprocess.run(
        [str(KN), *args, "--kubeconfig", str(KUBECONFIG)], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, (
        f"kn {shlex.join(args)} exited {result.returncode}: {result.stderr.strip()}"
    )
    return result.stdout


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(kubectl("-n", NAMESPACE, "get", "ksvc", name, "-o", "json"))
    return found


def split(svc: dict[str, Any]) -> dict[str, int]:
    """Percent per revision as Knative routes it (status, not spec); targets at 0 % left out."""
    shares: dict[str, int] = {}
    for target in svc["status"]["traffic"]:
        if target.get("percent"):
            shares[target["revisionName"]] = shares.get(target["revisionName"], 0) + target["percent"]
    return shares


def tags(svc: dict[str, Any]) -> dict[str, str]:
    return {t["tag"]: t["revisionName"] for t in svc["status"]["traffic"] if t.get("tag")}


def flag_values(words: list[str], flag: str) -> list[str]:
    values = []
    for i, word in enumerate(words):
        if word == flag:
            values.extend(words[i + 1].split(","))
        elif word.startswith(flag + "="):
            values.extend(word.split("=", 1)[1].split(","))
    return values


def check_update(words: list[str]) -> None:
    """What a `kn service update` asked for (split, tags) is what the service's status routes."""
    svc = service(words[3])
    assert svc["status"]["observedGeneration"] == svc["metadata"]["generation"] and ready(svc), svc["status"]
    wanted = dict(value.rsplit("=", 1) for value in flag_values(words, "--traffic"))
    if wanted:
        latest = svc["status"]["latestReadyRevisionName"]
        expected = {latest if ref == "@latest" else ref: int(share) for ref, share in wanted.items()}
        assert split(svc) == expected, f"`{shlex.join(words)}` left the traffic at {svc['status']['traffic']}"
    for value in flag_values(words, "--tag"):
        revision, tag = value.split("=")
        assert tags(svc).get(tag) == revision, f"`{shlex.join(words)}`: tags are {tags(svc)}"
    for tag in flag_values(words, "--untag"):
        assert tag not in tags(svc), f"`{shlex.join(words)}`: tags are {tags(svc)}"


def drop_kn_annotations() -> None:
    """Puts web's template back to the chart's: without the test's mark and kn's update timestamp.

    kn cannot do it: every template change it makes adds `client.knative.dev/updateTimestamp`, and
    v0.42's `--annotation-revision NAME-` sets an annotation called `NAME-` instead of removing NAME,
    which Knative then refuses (RevisionFailed: the name part must end with an alphanumeric).
    """
    present = service(GATEWAY)["spec"]["template"]["metadata"].get("annotations", {})
    ops = [
        {"op": "remove", "path": "/spec/template/metadata/annotations/" + key.replace("/", "~1")}
        for key in (MARK, KN_TIMESTAMP)
        if key in present
    ]
    if ops:
        kubectl("-n", NAMESPACE, "patch", "ksvc", GATEWAY, "--type", "json", "-p", json.dumps(ops))


def settled() -> bool:
    """The latest change to web is observed, its newest revision Ready and routed as spec says."""
    svc = service(GATEWAY)
    status = svc["status"]
    return bool(
        status.get("observedGeneration") == svc["metadata"]["generation"]
        and ready(svc)
        and status.get("latestCreatedRevisionName") == status.get("latestReadyRevisionName")
    )


@pytest.fixture(scope="module")
def gateway(cluster: None) -> Iterator[dict[str, Any]]:
    """`web` as the chart left it; afterwards its traffic and template are put back even if a step failed."""
    if not KN.exists():
        pytest.fail(f"{KN} is missing: scripts/cluster/build.sh builds kn (make cluster-up)")
    before = service(GATEWAY)
    assert before["spec"].get("traffic") == CHART_TRAFFIC and ready(before), (
        f"{GATEWAY} is not as the chart sets it (traffic {before['spec'].get('traffic')}); "
        "is another cluster test upgrading it? Run this one alone."
    )
    yield before
    drop_kn_annotations()
    patch = {"spec": {"traffic": CHART_TRAFFIC}}
    kubectl("-n", NAMESPACE, "patch", "ksvc", GATEWAY, "--type", "merge", "-p", json.dumps(patch))


def test_the_deploy_docs_kn_commands_work_and_the_canary_ends_on_latest(gateway: dict[str, Any]) -> None:
    stable = gateway["status"]["latestReadyRevisionName"]
    other_services = {name: service(name)["status"]["latestReadyRevisionName"] for name in ("create-task",)}
    inspect, canary, rollback = (
        doc_commands(h) for h in ("Inspecting with `kn`", "Canary by traffic split", "Rollback")
    )
    doc_gateway = sorted(
        {m.group(0) for w in canary for m in REVISION.finditer(" ".join(w)) if m.group(1) == GATEWAY}
    )
    assert len(doc_gateway) == 2, (
        f"the canary in docs/deploy.md should name two revisions of web, not {doc_gateway}"
    )
    doc_stable, doc_new = doc_gateway
    names = {doc_stable: stable}

    def real(words: list[str]) -> list[str]:
        def swap(m: re.Match[str]) -> str:
            if m.group(1) == GATEWAY:
                return names[m.group(0)]
            return other_services[m.group(1)]

        return [REVISION.sub(swap, word) for word in words]

    for words in inspect:
        assert kn(*real(words)[1:]).strip(), f"`{shlex.join(words)}` printed nothing"

    for words in canary + rollback:
        if words[:2] == ["helm", "upgrade"]:
            # The doc's upgrade to a new image: any template change makes the new revision.
            kn(
                *f"service update {GATEWAY} -n {NAMESPACE} --no-lock-to-digest".split(),
                "--annotation-revision",
                f"{MARK}={uuid.uuid4()}",
            )
            svc = service(GATEWAY)
            new = svc["status"]["latestReadyRevisionName"]
            assert new != stable and split(svc) == {stable: 100}, (
                "the pinned stable revision must keep all traffic"
            )
            names[doc_new] = new
            continue
        out = kn(*real(words)[1:])
        if words[1:3] == ["service", "update"]:
            check_update(real(words))
        elif words[1:3] == ["revision", "list"] and doc_new in names:
            assert names[doc_new] in out, f"`{shlex.join(words)}` does not list the new revision:\n{out}"

    drop_kn_annotations()
    wait_for(settled, f"{GATEWAY} Ready on the chart's template again", timeout=600, interval=1)
    after = service(GATEWAY)
    latest = after["status"]["latestReadyRevisionName"]
    assert after["spec"]["traffic"] == CHART_TRAFFIC, after["spec"]["traffic"]
    assert after["status"]["traffic"] == [{"latestRevision": True, "percent": 100, "revisionName": latest}]
    assert after["spec"]["template"] == gateway["spec"]["template"], (
        "web's template differs from the chart's now"
    )
