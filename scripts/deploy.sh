#!/usr/bin/env bash
# The deploy and rollback workflows' cluster steps in one script, so the commands that roll a bad release
# back are the ones tests/cluster/test_doable_release.py runs against the local cluster (issue 10 item 3e).
#   scripts/deploy.sh upgrade [HELM_ARG...]   remember the deployed Helm revision; helm upgrade --install
#                                             --atomic --wait; every Knative Service Ready; smoke test;
#                                             on any failure roll back to the remembered revision and exit 1
#   scripts/deploy.sh rollback [REVISION]     helm rollback (empty: the revision before the current one);
#                                             every Knative Service Ready; smoke test
# Environment: SMOKE_URL (required; with SMOKE_HOST, SMOKE_EMAIL, SMOKE_PASSWORD as scripts/smoke-test.sh
# reads them), RELEASE (doable), NAMESPACE (doable), CHART (helm/doable), HELM_TIMEOUT (10m),
# KSVC_TIMEOUT (5m: a revision that never becomes Ready fails at Knative's progress deadline before that),
# KUBECONFIG as kubectl and helm read it.
set -euo pipefail
cd "$(dirname "$0")/.."

RELEASE="${RELEASE:-doable}"
NAMESPACE="${NAMESPACE:-doable}"
CHART="${CHART:-helm/doable}"
HELM_TIMEOUT="${HELM_TIMEOUT:-10m}"
KSVC_TIMEOUT="${KSVC_TIMEOUT:-5m}"
: "${SMOKE_URL:?SMOKE_URL is the public base URL the smoke test calls, e.g. https://doable.example.com}"

say() { echo "[deploy] $*"; }

# The newest revision Helm recorded as deployed: what a failed upgrade returns to. Empty on a first install.
deployed_revision() {
  helm history "$RELEASE" -n "$NAMESPACE" --max 20 -o json 2>/dev/null \
    | python3 -c 'import json,sys; ok=[r["revision"] for r in json.load(sys.stdin) if r["status"]=="deployed"]; print(ok[-1] if ok else "")' \
    || true
}

# Helm waits for the kinds it knows; a Knative Service is ready only when its newest revision is. A revision
# that fails (its image cannot be pulled, or it is not ready by Knative's progress deadline) turns its
# Service's Ready False, which fails here at once instead of at the timeout (`kubectl wait` would wait on).
services_ready() {
  local deadline=$((SECONDS + $(seconds "$KSVC_TIMEOUT"))) rows
  while :; do
    # name, generation, observed generation, Ready status and reason; observed = generation means the
    # status describes the template just applied, not the one before it.
    rows="$(kubectl -n "$NAMESPACE" get ksvc -o \
      'jsonpath={range .items[*]}{.metadata.name} {.metadata.generation} {.status.observedGeneration} {.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}{"\n"}{end}')"
    if [[ -n "$rows" ]] && awk '$2 != $3 || $4 != "True" {bad = 1} END {exit bad}' <<<"$rows"; then
      say "every Knative Service is Ready"
      return 0
    fi
    if awk '$2 == $3 && $4 == "False" {print; failed = 1} END {exit !failed}' <<<"$rows"; then
      say "error: Knative Services failed (name, generation, observed, Ready, reason above);" \
        "see kubectl -n $NAMESPACE get revisions,pods"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      say "error: Knative Services not Ready after $KSVC_TIMEOUT:"
      awk '$2 != $3 || $4 != "True"' <<<"$rows"
      return 1
    fi
    sleep 5
  done
}
seconds() { # 5m, 90s or 300 -> seconds
  case "$1" in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac
}

smoke() { bash scripts/smoke-test.sh "$SMOKE_URL"; }

upgrade() {
  local revision
  revision="$(deployed_revision)"
  say "currently deployed revision: ${revision:-none}"
  if helm upgrade --install "$RELEASE" "$CHART" --namespace "$NAMESPACE" \
    --atomic --wait --wait-for-jobs --timeout "$HELM_TIMEOUT" --history-max 20 "$@" \
    && services_ready && smoke; then
    say "release $RELEASE is at revision $(deployed_revision)"
    return 0
  fi
  if [[ -z "$revision" ]]; then
    say "error: the first install of $RELEASE failed and there is nothing to roll back to;" \
      "see kubectl -n $NAMESPACE get ksvc,revisions,pods"
    return 1
  fi
  say "error: the deploy failed; rolling back to Helm revision $revision"
  helm rollback "$RELEASE" "$revision" -n "$NAMESPACE" --wait --timeout "$HELM_TIMEOUT"
  services_ready
  say "rolled back to revision $revision (now recorded as $(deployed_revision)); the failed deploy still fails the run"
  return 1
}

rollback() {
  local revision="${1:-}"
  case "$revision" in *[!0-9]*)
    say "error: revision must be a number, not '$revision' (see helm history $RELEASE -n $NAMESPACE)"
    return 2
    ;;
  esac
  # An empty revision makes helm return to the previous one.
  helm rollback "$RELEASE" ${revision:+"$revision"} -n "$NAMESPACE" --wait --wait-for-jobs --timeout "$HELM_TIMEOUT"
  services_ready
  smoke
}

case "${1:-}" in
  upgrade | rollback)
    command="$1"
    shift
    "$command" "$@"
    ;;
  *)
    echo "usage: scripts/deploy.sh upgrade [HELM_ARG...] | rollback [REVISION]" >&2
    exit 2
    ;;
esac
