#!/usr/bin/env bash
# Installs the Dapr control plane into the running cluster from Dapr's own Helm chart, with every image
# built here from the github.com/dapr/dapr module (no registry is reachable), one progress line per step.
#
# Binaries: static (CGO_ENABLED=0) builds in ~/.cache/doable/cluster/dapr/<version>/bin: daprd, scheduler
# and sentry through scripts/build-dapr.sh (the same trimmed component set as the local stack), then
# operator, injector and placement from the same source. Images: dev.local/dapr/<name>:<version>, laid
# out like Dapr's own distroless ones (binary at /, CA certificates, /tmp, numeric non-root user 65532,
# which the chart's runAsNonRoot needs). Every step is skipped when its result exists: a second run only
# re-applies the chart. Called by up.sh; run it alone on a running cluster at any time.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DAPR_HOME="$CLUSTER_HOME/dapr/$DAPR_VERSION"
DAPR_BIN="$DAPR_HOME/bin"
DAPR_REGISTRY=dev.local/dapr
DAPR_NAMESPACE=dapr-system
DAPR_IMAGES=(daprd operator injector placement sentry scheduler)
HELM="${HELM:-${DOABLE_CACHE:-$HOME/.cache/doable}/tools/bin/helm}"
START=$SECONDS

[[ -f "$KUBECONFIG_ADMIN" ]] || die "no cluster: $KUBECONFIG_ADMIN is missing; run make cluster-up first"
kubectl_ get --raw /readyz >/dev/null || die "the API server does not answer: see $STATE/logs/kube-apiserver.log"

# --- binaries -----------------------------------------------------------------------------------------
built=0
for name in "${DAPR_IMAGES[@]}"; do [[ -x "$DAPR_BIN/$name" ]] && ((++built)); done
if ((built == ${#DAPR_IMAGES[@]})); then
  log "dapr: static binaries present in $DAPR_BIN"
else
  log "dapr: building static binaries ${DAPR_IMAGES[*]} $DAPR_VERSION (cold: ~15-20 min)"
fi
DOABLE_CACHE="$CLUSTER_HOME" DAPR_VERSION="$DAPR_VERSION" CGO_ENABLED=0 nice -n 19 "$ROOT/scripts/build-dapr.sh" \
  || die "building daprd, scheduler and sentry failed: see the go build output above"
for name in operator injector placement; do
  [[ -x "$DAPR_BIN/$name" ]] && continue
  (cd "$DAPR_HOME/src" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" nice -n 19 go build -trimpath \
    -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION" -o "$DAPR_BIN/$name" "./cmd/$name") \
    || die "building the Dapr $name failed: see the go build output above"
done
for name in "${DAPR_IMAGES[@]}"; do
  # A scratch image has no dynamic loader: a binary built with cgo would not even start.
  [[ "$(go version -m "$DAPR_BIN/$name")" == *"CGO_ENABLED=0"* ]] \
    || die "$DAPR_BIN/$name was built with cgo: delete $DAPR_BIN and run again (CGO_ENABLED=0)"
done

# --- images -------------------------------------------------------------------------------------------
# What the binaries need from Dapr's distroless base: CA certificates (daprd talking TLS to a component),
# a writable /tmp, and a passwd entry for the numeric non-root user.
ROOTFS="$DAPR_HOME/rootfs"
if [[ ! -f "$ROOTFS/etc/passwd" ]]; then
  rm -rf "$ROOTFS"
  mkdir -p "$ROOTFS/etc/ssl/certs" "$ROOTFS/tmp" "$ROOTFS/home/nonroot"
  chmod 1777 "$ROOTFS/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/"
  chown 65532:65532 "$ROOTFS/home/nonroot"
  printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$ROOTFS/etc/group"
  # Written last: its presence marks a complete root.
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$ROOTFS/etc/passwd"
fi
missing=()
for name in "${DAPR_IMAGES[@]}"; do has_image "$DAPR_REGISTRY/$name:$DAPR_VERSION" || missing+=("$name"); done
if ((${#missing[@]})); then
  log "dapr: images $DAPR_REGISTRY/{${missing[*]}}:$DAPR_VERSION (buildah, from scratch)"
  archive="$(mktemp --suffix=.tar)" work=""
  trap 'rm -f "$archive"; [[ -z "$work" ]] || buildah rm "$work" >/dev/null 2>&1 || true' EXIT
  for name in "${missing[@]}"; do
    image="$DAPR_REGISTRY/$name:$DAPR_VERSION"
    work="$(buildah from scratch)"
    buildah copy --quiet "$work" "$ROOTFS" / >/dev/null
    buildah copy --quiet "$work" "$DAPR_BIN/$name" "/$name" >/dev/null
    buildah config --user 65532:65532 --workingdir / --entrypoint "[\"/$name\"]" --cmd '' \
      --label org.opencontainers.image.source=doable-local "$work"
    buildah commit --quiet --rm "$work" "$image" >/dev/null
    work=""
    rm -f "$archive"
    buildah push --quiet "$image" "docker-archive:$archive:$image" >/dev/null
    ctr_ images import "$archive" >/dev/null
    buildah rmi "$image" >/dev/null 2>&1 || true
    has_image "$image" || die "importing $image into containerd did not register it"
  done
else
  log "dapr: images present ($DAPR_REGISTRY/*:$DAPR_VERSION)"
fi

# --- chart --------------------------------------------------------------------------------------------
if [[ ! -x "$HELM" ]]; then
  log "dapr: helm is missing: installing it with scripts/cloud-tools.sh"
  "$ROOT/scripts/cloud-tools.sh" | sed 's/^/  /'
fi
# build-dapr.sh copied the whole module into src, the chart with it.
CHART="$DAPR_HOME/src/charts/dapr"
[[ -f "$CHART/Chart.yaml" ]] || die "no Dapr chart at $CHART: delete $DAPR_HOME and run again"

# The scheduler's StatefulSet always has 3 replicas in this chart version (its replica helper ignores
# global.ha), and the chart refuses its in-memory storage option with more than one replica (dapr/dapr
# issue 8827). With no storage provisioner here, each replica gets a hostPath PersistentVolume, pre-bound
# to its claim by claimRef so no other claim can take it, and the claims are made here too, bound before
# the StatefulSet exists: a replica created before its claim was found unschedulable ("unbound immediate
# PersistentVolumeClaims") and the scheduler tried it again only after its 5-minute backoff, which is
# helm's whole timeout. The directories live in the state dir with etcd, which holds the objects:
# down.sh removes both together, nothing else to undo.
SCHEDULER_CLASS=dapr-scheduler-hostpath
SCHEDULER_REPLICAS=3
pvs=""
for ((i = 0; i < SCHEDULER_REPLICAS; i++)); do
  dir="$STATE/dapr-scheduler/$i"
  # hostPath volumes are not chowned to the pod's fsGroup: the non-root scheduler must own its directory.
  mkdir -p "$dir"
  chown 65532:65532 "$dir"
  pvs+="
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: dapr-scheduler-data-$i}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: $SCHEDULER_CLASS
  persistentVolumeReclaimPolicy: Retain
  claimRef: {namespace: $DAPR_NAMESPACE, name: dapr-scheduler-data-dir-dapr-scheduler-server-$i}
  hostPath: {path: $dir, type: Directory}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {namespace: $DAPR_NAMESPACE, name: dapr-scheduler-data-dir-dapr-scheduler-server-$i}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: $SCHEDULER_CLASS
  volumeName: dapr-scheduler-data-$i
  resources: {requests: {storage: 1Gi}}"
done
log "dapr: $SCHEDULER_REPLICAS hostPath volumes and their claims for the scheduler in $STATE/dapr-scheduler"
kubectl_ create namespace "$DAPR_NAMESPACE" --dry-run=client -o yaml | kubectl_ apply -f - >/dev/null
kubectl_ apply -f - <<<"$pvs" >/dev/null
claims=()
for ((i = 0; i < SCHEDULER_REPLICAS; i++)); do claims+=("pvc/dapr-scheduler-data-dir-dapr-scheduler-server-$i"); done
kubectl_ -n "$DAPR_NAMESPACE" wait --for=jsonpath='{.status.phase}'=Bound --timeout=60s "${claims[@]}" >/dev/null \
  || die "the scheduler's volume claims did not bind: kubectl -n $DAPR_NAMESPACE get pvc; kubectl get pv"

# Requests stay small: the node also runs Knative, Kafka, PostgreSQL and Doable's functions on two cores.
small='{requests: {cpu: 10m, memory: 32Mi}}'
mkdir -p "$STATE/config"
cat >"$STATE/config/dapr-values.yaml" <<YAML
# Generated by scripts/cluster/dapr.sh.
global:
  registry: $DAPR_REGISTRY
  tag: "$DAPR_VERSION"
  imagePullPolicy: Never
  ha: {enabled: false}
  mtls: {enabled: true}
dapr_operator: {resources: $small}
dapr_placement: {resources: $small}
dapr_sentry: {resources: $small}
dapr_sidecar_injector:
  sidecarImagePullPolicy: Never
  resources: $small
dapr_scheduler:
  cluster: {storageClassName: $SCHEDULER_CLASS, storageSize: 1Gi}
  resources: {requests: {cpu: 10m, memory: 64Mi}}
YAML
log "dapr: helm upgrade --install dapr ($CHART) in $DAPR_NAMESPACE, waiting for every pod"
"$HELM" upgrade --install dapr "$CHART" --kubeconfig "$KUBECONFIG_ADMIN" -n "$DAPR_NAMESPACE" --create-namespace \
  -f "$STATE/config/dapr-values.yaml" --wait --timeout 5m >/dev/null \
  || die "the Dapr control plane did not become ready: kubectl -n $DAPR_NAMESPACE get pods; kubectl -n $DAPR_NAMESPACE logs <pod>"
log "dapr: control plane ready in $((SECONDS - START)) s"
