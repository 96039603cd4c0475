#!/usr/bin/env bash
# Offline checks of everything that ships to the cloud: the chart (lint, and every values file rendered
# and validated in strict mode against schemas generated from the real Kubernetes API and CRDs), the
# plain knative/ and dapr/kubernetes/ manifests, the Dockerfile, the workflows and our shell scripts.
# Usage: scripts/check-manifests.sh [all|lint|render|plain|generated|hadolint|actionlint|shellcheck]
set -euo pipefail
cd "$(dirname "$0")/.."

tools_env="${DOABLE_CACHE:-$HOME/.cache/doable}/tools/env.sh"
if [[ -z "${DOABLE_TOOLS_READY:-}" ]]; then
  bash scripts/cloud-tools.sh >/dev/null
fi
# shellcheck source=/dev/null
source "$tools_env"
export HELM KUBERNETES_VERSION

chart=helm/doable
release=doable
namespace=doable
values_files=("$chart"/values.yaml "$chart"/values-*.yaml)
# Optional templates that no values file turns on: rendered too, so none ships unchecked.
feature_sets=(
  "--set secrets.create=true --set secrets.databaseUrl=postgresql://u:p@db:5432/doable
   --set secrets.jwtSigningKey=k --set secrets.appApiToken=a --set secrets.daprApiToken=d
   --set secrets.kafkaUsername=u --set secrets.kafkaPassword=p
   --set kafka.caCert=true --set secrets.kafkaCaCert=pem --set publicUrl.tls.mode=certificate"
  "--set publicUrl.tls.mode=none --set dapr.serviceInvocation.viaKnative=false --set kafka.authType=mtls
   --set eventDelivery=subscriptions"
)

kubeconform() {
  "$KUBECONFORM" -strict -summary -output text \
    -schema-location "$SCHEMA_DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" "$@"
}
template() { "$HELM" template "$release" "$chart" --namespace "$namespace" --kube-version "$KUBERNETES_VERSION" "$@"; }

check_lint() {
  for values in "${values_files[@]}"; do
    echo "helm lint -f $values"
    "$HELM" lint "$chart" --strict --quiet --kube-version "$KUBERNETES_VERSION" -f "$values"
  done
}

check_render() {
  for values in "${values_files[@]}"; do
    echo "helm template -f $values | kubeconform"
    template -f "$values" | kubeconform -
  done
  for features in "${feature_sets[@]}"; do
    echo "helm template $(echo "$features" | tr -s ' \n' ' ') | kubeconform"
    # shellcheck disable=SC2086  # the flags are meant to split
    template $features | kubeconform -
  done
}

check_plain() {
  echo "kubeconform knative/ dapr/kubernetes/"
  kubeconform knative dapr/kubernetes
}

check_generated() {
  echo "knative/ and dapr/kubernetes/ match the chart"
  "$TOOLS_PYTHON" scripts/render-manifests.py --check
}

check_hadolint() {
  echo "hadolint Dockerfile"
  "$HADOLINT" --failure-threshold info Dockerfile
}

check_actionlint() {
  echo "actionlint .github/workflows"
  # Every `run:` script goes through shellcheck as well; pyflakes is not installed, so it is off.
  "$ACTIONLINT" -no-color -shellcheck "$SHELLCHECK" -pyflakes ""
}

check_shellcheck() {
  echo "shellcheck scripts/*.sh"
  "$SHELLCHECK" -x scripts/cloud-tools.sh scripts/check-manifests.sh scripts/smoke-test.sh scripts/deploy.sh
}

what="${1:-all}"
case "$what" in
  all)
    for check in lint render plain generated hadolint actionlint shellcheck; do "check_$check"; done
    echo "all cloud checks passed" ;;
  lint|render|plain|generated|hadolint|actionlint|shellcheck) "check_$what" ;;
  *) echo "unknown check: $what" >&2; exit 2 ;;
esac
