#!/usr/bin/env bash
# CI's cluster run: `make cluster-up && make cluster-install && make test-cluster`, then `make cluster-down`
# whatever happened, when it fits in the time CI has left; otherwise it says loudly what it did not run.
#
# Everything slow is a cold build cached under ~/.cache/doable (Kubernetes, Dapr, Knative, Traefik,
# Prometheus, the image base), so a machine that ran the cluster once brings it up in minutes. The
# estimates below are the cold builds measured here (docs/cluster.md); a missing piece adds its estimate.
# Usage: scripts/cluster/ci.sh SECONDS_LEFT
set -uo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT" || exit 1

left="${1:?usage: scripts/cluster/ci.sh SECONDS_LEFT}"
SUITE_MINUTES=30   # up, install, the whole suite and down, warm (docs/cluster.md)

missing=() cold=0
need() { # minutes what file...
  local minutes="$1" what="$2" f
  shift 2
  for f in "$@"; do
    if [[ ! -x "$f" && ! -f "$f" ]]; then missing+=("$what (~$minutes min)"); cold=$((cold + minutes)); return; fi
  done
}
need 30 "Kubernetes $K8S_VERSION, etcd, CoreDNS, crictl" "$BIN"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy,kubectl,etcd,coredns,crictl}
need 40 "kn and the Prometheus server" "$BIN"/{kn,prometheus}
need 15 "Dapr $DAPR_VERSION control plane" "$CLUSTER_HOME/dapr/$DAPR_VERSION/bin"/{daprd,injector,operator,placement,scheduler,sentry}
need 10 "Knative Serving $KNATIVE_VERSION" "$CLUSTER_HOME/knative/$KNATIVE_SERVING_MODULE_VERSION/bin"/{queue,controller,activator,autoscaler,webhook,helloworld}
need 45 "Traefik $TRAEFIK_VERSION" "$CLUSTER_HOME/traefik/$TRAEFIK_VERSION/bin/traefik"
need 7 "the Debian base of the images" "$CLUSTER_HOME/images/debian-bookworm-minbase.tar"

banner() { printf '%s\n' "################################################################################################" "$@" \
  "################################################################################################"; }
needed=$(((cold + SUITE_MINUTES) * 60))
if ((needed > left)); then
  banner "# NOT RUN: the Kubernetes cluster suite (make cluster-up && make cluster-install && make test-cluster)." \
    "# It needs about $((needed / 60)) min and CI has $((left / 60)) min left. Cold builds missing from ~/.cache/doable:" \
    "$(printf '#   - %s\n' "${missing[@]}")" \
    "# Run \`make cluster-up\` once on this machine (it caches every build), then CI runs the suite."
  exit 0
fi
((${#missing[@]})) && log "cold builds first (~$cold min): ${missing[*]}"

status=0
make cluster-up && make cluster-install && make test-cluster || status=$?
make cluster-down || { log "error: cluster-down failed: see its output above"; status=1; }
if ((status)); then banner "# FAILED: the Kubernetes cluster suite (exit $status): see above."; fi
exit "$status"
