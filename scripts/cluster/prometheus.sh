#!/usr/bin/env bash
# Runs Prometheus in the local cluster: it scrapes Doable's functions and evaluates the chart's alerts.
#
# The server is built from its Go module by build.sh; there is no Prometheus Operator here, so the
# chart's PrometheusRule is rendered with helm and handed to Prometheus as a rules file, and the scrape
# configuration reproduces what the chart's ServiceMonitor asks for (prometheus/prometheus.yaml).
# Idempotent; run after Doable is installed (its namespace must exist): scripts/cluster/prometheus.sh
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM="${HELM:-$HOME/.cache/doable/tools/bin/helm}"
minor=${PROMETHEUS_VERSION#v0.}
RELEASE="v3.$((${minor%%.*} - 300)).${minor#*.}"   # the module's v0.3MM.P is release 3.MM.P
IMAGE="dev.local/prometheus:$RELEASE"

kubectl_ get namespace doable >/dev/null 2>&1 || die "namespace doable does not exist: install Doable first (make cluster-install)"
[[ -x "$HELM" ]] || die "helm is missing at $HELM: run scripts/cloud-tools.sh"

log "prometheus $RELEASE: image $IMAGE"
mkdir -p "$STATE/prometheus"
SCRATCH_IMAGE_USER=65534:65534 "$ROOT/scripts/cluster/scratch-image.sh" "$IMAGE" "$BIN/prometheus"

log "prometheus: the chart's alert rules (helm template, values-local.yaml)"
"$HELM" template doable "$ROOT/helm/doable" -n doable -f "$ROOT/helm/doable/values-local.yaml" \
  --set monitoring.prometheusRule.enabled=true --show-only templates/prometheusrule.yaml \
  | "$HOME/.cache/doable/tools/venv/bin/python" -c '
import json, sys, yaml
rule = yaml.safe_load(sys.stdin)
print(json.dumps({"groups": rule["spec"]["groups"]}))' >"$STATE/prometheus/doable-rules.yaml"
kubectl_ apply -f <(sed "s/PROMETHEUS_RELEASE/$RELEASE/" "$ROOT/scripts/cluster/prometheus/prometheus.yaml") >/dev/null
kubectl_ -n monitoring create configmap prometheus-rules --from-file=doable-rules.yaml="$STATE/prometheus/doable-rules.yaml" \
  --dry-run=client -o yaml | kubectl_ apply -f - >/dev/null
# A changed ConfigMap reaches a running pod's volume only after a minute or so: a checksum of the
# configuration on the pod template restarts Prometheus at once when (and only when) it changed.
sum="$(cat "$ROOT/scripts/cluster/prometheus/prometheus.yaml" "$STATE/prometheus/doable-rules.yaml" | sha256sum | cut -c1-16)"
kubectl_ -n monitoring patch deployment prometheus --type merge \
  -p "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"doable.dev/config-sum\":\"$sum\"}}}}}" >/dev/null
kubectl_ -n monitoring rollout status deployment/prometheus --timeout=180s >/dev/null \
  || die "Prometheus did not become ready: kubectl -n monitoring describe pod -l app=prometheus"
log "prometheus ready: http://$NODE_IP:31090 (targets: /targets, alerts: /alerts)"
