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
  if ((${#missing[@]})); then
    builds="# Cold builds missing from ~/.cache/doable:"$'\n'"$(printf '#   - %s\n' "${missing[@]}")"
    builds+=$'\n'"# Run \`make cluster-up\` once on this machine (it caches every build), then CI runs the suite."
  else
    builds="# Every build is cached; the suite alone does not fit in what is left."
  fi
  banner "# NOT RUN: the Kubernetes cluster suite (make cluster-up && make cluster-install && make test-cluster)." \
    "# It needs about $((needed / 60)) min and CI has $((left / 60)) min left." "$builds"
  exit 0
fi
((${#missing[@]})) && log "cold builds first (~$cold min): ${missing[*]}"

# Each step is bounded by what is left, less 5 minutes for cluster-down, so a hang fails CI with time to
# clean up instead of running into CI's own limit (timeout signals the step's whole process group).
ends=$((SECONDS + left - 300))
bounded() { timeout --kill-after=60 "$((ends > SECONDS ? ends - SECONDS : 1))" "$@"; }
status=0
bounded make cluster-up && bounded make cluster-install && bounded make test-cluster || status=$?
make cluster-down || { log "error: cluster-down failed: see its output above"; status=1; }
if ((status == 124 || status == 137)); then
  banner "# FAILED: the Kubernetes cluster suite ran out of time (CI had $((left / 60)) min left for it): see above."
elif ((status)); then
  banner "# FAILED: the Kubernetes cluster suite (exit $status): see above."
fi
exit "$status"
