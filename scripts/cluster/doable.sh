#!/usr/bin/env bash
# Doable in the local cluster (issue 10): PostgreSQL and Kafka in namespace doable-infra, then the chart
# in namespace doable, then a request through the public entry point whose audit row must reach PostgreSQL.
#   doable.sh infra     namespace doable-infra, its generated password, PostgreSQL and Kafka (ready)
#   doable.sh install   waits for the Dapr and Knative control planes, then the Secrets and
#                       `helm upgrade --install` with helm/doable/values-local.yaml and the image images.sh built
#   doable.sh smoke     signs up a user, creates a task, and waits for write-audit's row in PostgreSQL
# Passwords and keys are generated here, kept only in Kubernetes Secrets, and never printed.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INFRA_NS=doable-infra
NS=doable
RELEASE=doable
CHART="$ROOT/helm/doable"
HELM="${HELM:-$(command -v helm || echo "${DOABLE_CACHE:-$HOME/.cache/doable}/tools/bin/helm")}"
# How long `install` waits for the other control planes before giving up (they may still be building).
CONTROL_PLANE_WAIT="${DOABLE_CONTROL_PLANE_WAIT:-5400}"
DATABASE_URL_HOST="postgres.$INFRA_NS.svc.cluster.local:5432"

[[ -f "$KUBECONFIG_ADMIN" ]] || die "no cluster: $KUBECONFIG_ADMIN is missing; run make cluster-up"
helm_() { "$HELM" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
random() { openssl rand -hex "$1"; }
# Secret values travel through stdin, never through the command line where ps would show them.
secret_value() { # namespace name key
  kubectl_ -n "$1" get secret "$2" -o "jsonpath={.data.${3//./\\.}}" 2>/dev/null | base64 -d
}
apply_secret() { # namespace name key, the value on stdin: created or updated, as deploy.yml does
  kubectl_ -n "$1" create secret generic "$2" --from-file="$3=/dev/stdin" --dry-run=client -o yaml \
    | kubectl_ apply -f - >/dev/null
}
ensure_secret() { # namespace name key bytes: a random value, generated once and then kept
  [[ -n "$(secret_value "$1" "$2" "$3")" ]] || printf '%s' "$(random "$4")" | apply_secret "$1" "$2" "$3"
}

# The public entry point: the ingress at the node address, with the DomainMapping's host (values-local.yaml).
# DOABLE_INGRESS and DOABLE_HOST aim the smoke test elsewhere, e.g. at the ingress's cluster-local side:
#   DOABLE_INGRESS=http://$(kubectl -n traefik get svc traefik-internal -o jsonpath='{.spec.clusterIP}') \
#   DOABLE_HOST=web.doable.svc.cluster.local scripts/cluster/doable.sh smoke
INGRESS="${DOABLE_INGRESS:-http://$NODE_IP:31080}"
public_host() { awk '/^publicUrl:/ {p=1} p && $1 == "host:" {print $2; exit}' "$CHART/values-local.yaml"; }
request_host() { echo "${DOABLE_HOST:-$(public_host)}"; }

infra() {
  log "infra: namespace $INFRA_NS, generated PostgreSQL password (Secret postgres)"
  kubectl_ create namespace "$INFRA_NS" --dry-run=client -o yaml | kubectl_ apply -f - >/dev/null
  ensure_secret "$INFRA_NS" postgres password 24
  log "infra: PostgreSQL 15 and Kafka $KAFKA_VERSION (scripts/cluster/infra/infra.yaml)"
  sed "s/@KAFKA_VERSION@/$KAFKA_VERSION/g" "$ROOT/scripts/cluster/infra/infra.yaml" | kubectl_ apply -f - >/dev/null
  local started=$SECONDS
  kubectl_ -n "$INFRA_NS" rollout status deployment/postgres --timeout=180s >/dev/null \
    || die "PostgreSQL is not ready: kubectl -n $INFRA_NS logs deploy/postgres"
  kubectl_ -n "$INFRA_NS" rollout status deployment/kafka --timeout=300s >/dev/null \
    || die "Kafka is not ready (topics are created before it is): kubectl -n $INFRA_NS logs deploy/kafka"
  log "infra: PostgreSQL and Kafka ready ($((SECONDS - started)) s)"
}

# Every pod of a namespace Ready (finished Job pods aside); false while the namespace has none.
all_ready() {
  local rows
  rows="$(kubectl_ -n "$1" get pods --no-headers \
    -o 'custom-columns=PHASE:.status.phase,READY:.status.conditions[?(@.type=="Ready")].status' 2>/dev/null)" || return 1
  [[ -n "$rows" ]] || return 1
  ! grep -v '^Succeeded' <<<"$rows" | grep -qv 'True$'
}

wait_for_control_planes() {
  local deadline=$((SECONDS + CONTROL_PLANE_WAIT)) ns
  for ns in dapr-system knative-serving; do
    until all_ready "$ns"; do
      ((SECONDS < deadline)) || die "namespace $ns has no pods or some are not Ready after ${CONTROL_PLANE_WAIT} s: kubectl -n $ns get pods"
      log "waiting for $ns: $(kubectl_ -n "$ns" get pods --no-headers 2>/dev/null | awk '{print $1 "=" $2}' | tr '\n' ' ')"
      sleep 60
    done
    log "control plane $ns ready"
  done
}

install() {
  local tag started=$SECONDS
  # The image images.sh built last (HEAD may have moved on since), or DOABLE_IMAGE_TAG.
  tag="${DOABLE_IMAGE_TAG:-$(cat "$CLUSTER_HOME/images/doable.tag" 2>/dev/null)}"
  if [[ -z "$tag" ]] || ! has_image "dev.local/doable:$tag"; then
    die "image dev.local/doable:${tag:-?} is not in containerd: run scripts/cluster/images.sh"
  fi
  [[ -n "$(secret_value "$INFRA_NS" postgres password)" ]] || die "no PostgreSQL password in $INFRA_NS: run scripts/cluster/doable.sh infra"
  wait_for_control_planes

  log "secrets in namespace $NS (generated once, kept across installs)"
  kubectl_ create namespace "$NS" --dry-run=client -o yaml | kubectl_ apply -f - >/dev/null
  printf 'postgresql://doable:%s@%s/doable?sslmode=disable' "$(secret_value "$INFRA_NS" postgres password)" \
    "$DATABASE_URL_HOST" | apply_secret "$NS" database-url database-url
  ensure_secret "$NS" jwt-signing-key jwt-signing-key 48
  ensure_secret "$NS" doable-app-api-token token 32
  ensure_secret "$NS" doable-dapr-api-token token 32

  # A DomainMapping needs its domain claimed for the namespace. The clouds let Knative create claims
  # (autocreate-cluster-domain-claims, docs/deploy.md); where it does not, the claim is made here.
  if [[ "$(kubectl_ -n knative-serving get configmap config-network \
    -o 'jsonpath={.data.autocreate-cluster-domain-claims}')" != true ]]; then
    log "ClusterDomainClaim $(public_host) for namespace $NS (Knative does not create claims here)"
    kubectl_ apply -f - >/dev/null <<YAML
apiVersion: networking.internal.knative.dev/v1alpha1
kind: ClusterDomainClaim
metadata: {name: $(public_host)}
spec: {namespace: $NS}
YAML
  fi

  log "helm upgrade --install $RELEASE (image dev.local/doable:$tag; the migrations Job runs first)"
  helm_ upgrade --install "$RELEASE" "$CHART" --namespace "$NS" --create-namespace \
    -f "$CHART/values-local.yaml" --set "image.tag=$tag" --timeout 10m >/dev/null \
    || die "helm upgrade failed: kubectl -n $NS get jobs,pods; kubectl -n $NS logs job/$RELEASE-migrate"
  log "waiting for every Knative Service to be Ready"
  kubectl_ -n "$NS" wait ksvc --all --for=condition=Ready --timeout=600s >/dev/null \
    || die "some Knative Services are not Ready: kubectl -n $NS get ksvc,pods; kubectl -n $NS describe ksvc"
  log "Doable installed in $((SECONDS - started)) s: $(kubectl_ -n "$NS" get ksvc --no-headers | wc -l) Knative Services Ready"
}

api() { # method path token [json]: prints the body, fails on an HTTP error
  local args=(-fsS -X "$1" -H "Host: $(request_host)" -H 'Content-Type: application/json' --max-time 60)
  [[ -n "$3" ]] && args+=(-H "Authorization: Bearer $3")
  [[ -n "${4:-}" ]] && args+=(--data-binary @-)
  curl "${args[@]}" "$INGRESS$2" <<<"${4:-}"
}
# Quiet on a failed request: curl has already said what went wrong.
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" 2>/dev/null; }
audit_rows() { # task id: how many audit rows write-audit recorded for it
  kubectl_ -n "$INFRA_NS" exec -i deploy/postgres -- /usr/lib/postgresql/15/bin/psql -h /tmp -U postgres -d doable -tAq \
    -v id="$1" <<<"SELECT count(*) FROM audit_log WHERE resource_id = :'id';"
}

smoke() {
  local email password token="" task="" started=$SECONDS n=0 attempt
  # auth may be at zero, and on this loaded node its cold start can outlast the gateway's 10 s wait
  # (a 504): up to three tries, each with a new address.
  for attempt in 1 2 3; do
    email="smoke-$(random 4)@example.com"
    password="$(random 12)"
    log "smoke: sign up $email through $INGRESS (Host: $(request_host)), try $attempt"
    token="$(api POST /api/auth/register "" "{\"email\": \"$email\", \"password\": \"$password\"}" | json_field token)" && break
  done
  [[ -n "$token" ]] \
    || die "sign-up through the ingress failed: kubectl -n $NS get ksvc,domainmapping; kubectl -n $NS logs -l serving.knative.dev/service=web -c function"
  for attempt in 1 2 3; do # create-task may be at zero as well
    task="$(api POST /api/tasks "$token" '{"title": "cluster smoke test"}' | json_field id)" && break
  done
  [[ -n "$task" ]] || die "creating a task failed: kubectl -n $NS logs -l serving.knative.dev/service=create-task -c function"
  log "smoke: task $task created; waiting for its audit row (write-audit consumes task-events)"
  until n="$(audit_rows "$task")" && ((n > 0)); do
    ((SECONDS - started < 120)) || die "no audit row for task $task after 120 s: kubectl -n $NS logs -l serving.knative.dev/service=write-audit -c daprd"
    sleep 2
  done
  log "smoke: $n audit row(s) for task $task in PostgreSQL ($((SECONDS - started)) s after sign-up)"
}

case "${1:-install}" in
  infra | install | smoke) "${1:-install}" ;;
  *) die "usage: doable.sh [infra|install|smoke]" ;;
esac
