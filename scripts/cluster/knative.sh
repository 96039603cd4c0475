#!/usr/bin/env bash
# Installs Knative Serving (built from its Go module) with Traefik as its ingress into the running cluster.
#
# No registry is reachable, so every binary is built from the Go module proxy and imported into the
# cluster's containerd as a dev.local/... image, and the YAML is assembled from the module's config/
# the way Knative's release assembles it. Idempotent: binaries and images that exist are kept, and the
# manifests are applied again (a no-op when nothing changed). Called by up.sh; runnable on its own:
#   scripts/cluster/knative.sh
# Public routes: curl -H 'Host: <service>.<namespace>.doable.localhost' http://10.244.0.1:31080/
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KNATIVE_HOME="$CLUSTER_HOME/knative/$KNATIVE_SERVING_MODULE_VERSION"
KNATIVE_SRC="$KNATIVE_HOME/src/serving"
KNATIVE_BIN="$KNATIVE_HOME/bin"
TRAEFIK_HOME="$CLUSTER_HOME/traefik/$TRAEFIK_VERSION"
TRAEFIK_SRC="$TRAEFIK_HOME/src/traefik"
TRAEFIK_IMAGE="dev.local/traefik:$TRAEFIK_VERSION"
# The Knative components (cmd/<name> in the module); queue is the sidecar of every revision pod.
COMPONENTS=(queue controller activator autoscaler webhook)
# The port the ingress answers on at the node address (NodePorts answer there only); see traefik.yaml.
INGRESS_NODEPORT=31080

if [[ ! -S "$CONTAINERD_SOCK" ]] || ! kubectl_ get --raw /readyz >/dev/null 2>&1; then
  die "the cluster is not running: run make cluster-up first"
fi
START=$SECONDS

# Copies a module from the module cache into a writable directory and builds inside it: as the main
# module its own replace directives apply, which `go install pkg@version` would refuse.
module_source() { # module version dir
  local dir
  [[ -f "$3/go.mod" ]] && return 0
  dir="$(cd / && GOFLAGS=-mod=mod go mod download -json "$1@$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$dir" ]] || die "go mod download $1@$2 gave no directory: check GOPROXY ($(go env GOPROXY))"
  mkdir -p "$(dirname "$3")"
  rm -rf "$3.tmp"
  cp -r "$dir" "$3.tmp"
  chmod -R u+w "$3.tmp"
  mv "$3.tmp" "$3"
}
go_build() { # source-dir package output
  [[ -x "$3" ]] && return 0
  log "knative: building $(basename "$3") ($2)"
  (cd "$1" && nice -n 19 env CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$3.tmp" "$2") \
    || die "go build $2 in $1 failed: see the compiler output above"
  mv "$3.tmp" "$3"
}

log "knative: binaries (knative.dev/serving@$KNATIVE_SERVING_MODULE_VERSION, traefik@$TRAEFIK_VERSION) in $CLUSTER_HOME"
module_source knative.dev/serving "$KNATIVE_SERVING_MODULE_VERSION" "$KNATIVE_SRC"
for c in "${COMPONENTS[@]}"; do go_build "$KNATIVE_SRC" "./cmd/$c" "$KNATIVE_BIN/$c"; done
# A tiny HTTP server for checking a Knative Service end to end (tests/cluster/test_knative.py).
go_build "$KNATIVE_SRC" ./test/test_images/helloworld "$KNATIVE_BIN/helloworld"
module_source github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" "$TRAEFIK_SRC"
go_build "$TRAEFIK_SRC" ./cmd/traefik "$TRAEFIK_HOME/bin/traefik"

log "knative: images dev.local/knative/{${COMPONENTS[*]},helloworld}:$KNATIVE_VERSION and $TRAEFIK_IMAGE"
# Knative runs its components and the queue-proxy sidecar with runAsNonRoot: the images carry a numeric user.
for c in "${COMPONENTS[@]}" helloworld; do
  SCRATCH_IMAGE_USER=65532:65532 "$ROOT/scripts/cluster/scratch-image.sh" \
    "dev.local/knative/$c:$KNATIVE_VERSION" "$KNATIVE_BIN/$c"
done
SCRATCH_IMAGE_USER=65532:65532 "$ROOT/scripts/cluster/scratch-image.sh" "$TRAEFIK_IMAGE" "$TRAEFIK_HOME/bin/traefik"

# The release YAML is config/core/ resolved by ko; in the module zip the files that the repository
# links in from knative.dev/networking and knative.dev/caching are missing (zips keep no symlinks), so
# they are taken from those modules at the versions serving's go.mod requires.
module_dir() { (cd "$KNATIVE_SRC" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "$1"); }
NETWORKING="$(module_dir knative.dev/networking)"
CACHING="$(module_dir knative.dev/caching)"
CRDS=("$KNATIVE_SRC"/config/core/300-resources/*.yaml "$CACHING/config/image.yaml")
for f in certificate domain-claim ingress serverlessservice; do CRDS+=("$NETWORKING/config/$f.yaml"); done
mapfile -t CORE < <(find "$KNATIVE_SRC/config/core" -name '*.yaml' -not -path '*/300-resources/*' | sort)
CORE+=("$NETWORKING/config/config-network.yaml")

MANIFESTS="$KNATIVE_HOME/manifests"
mkdir -p "$MANIFESTS"
cp "$ROOT"/scripts/cluster/knative/*.yaml "$MANIFESTS/"
# ko://knative.dev/serving/cmd/<name> is how the config names an image that ko builds; ours are local.
for f in "${CRDS[@]}" "${CORE[@]}"; do
  printf -- '---\n'
  cat "$f"
done | sed "s#ko://knative.dev/serving/cmd/\([a-z-]*\)#dev.local/knative/\1:$KNATIVE_VERSION#" >"$MANIFESTS/upstream.yaml"

log "knative: CRDs (serving, networking, caching)"
for f in "${CRDS[@]}"; do printf -- '---\n'; cat "$f"; done | kubectl_ apply -f - >/dev/null
kubectl_ wait --for=condition=Established --timeout=60s \
  crd/services.serving.knative.dev crd/ingresses.networking.internal.knative.dev crd/images.caching.internal.knative.dev >/dev/null \
  || die "Knative's CRDs were not established: kubectl get crd -o wide"

log "knative: Serving core and Traefik (config-network ingress-class traefik, domain doable.localhost)"
# The ConfigMaps go through Knative's validating webhook, which is briefly unavailable while it
# (re)starts: try a few times before giving up.
for attempt in 1 2 3 4 5 6; do
  if kubectl_ kustomize "$MANIFESTS" | sed "s#@TRAEFIK_IMAGE@#$TRAEFIK_IMAGE#" | kubectl_ apply -f - >"$MANIFESTS/apply.log" 2>&1; then
    break
  fi
  ((attempt < 6)) || die "kubectl apply of Knative Serving failed: $(tail -5 "$MANIFESTS/apply.log")"
  sleep 10
done

log "knative: waiting for knative-serving and traefik deployments"
for d in controller activator autoscaler webhook; do
  kubectl_ -n knative-serving rollout status "deployment/$d" --timeout=300s >/dev/null \
    || die "knative-serving/$d did not become ready: kubectl -n knative-serving describe pods; kubectl -n knative-serving logs deploy/$d"
done
kubectl_ -n traefik rollout status deployment/traefik --timeout=180s >/dev/null \
  || die "traefik did not become ready: kubectl -n traefik describe pods; kubectl -n traefik logs deploy/traefik"

log "knative: ready in $((SECONDS - START)) s; ingress http://$NODE_IP:$INGRESS_NODEPORT (Host: <service>.<namespace>.doable.localhost)"
