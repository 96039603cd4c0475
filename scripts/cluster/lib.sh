# Sourced by scripts/cluster/*.sh: the one place that names the cluster's paths, addresses and ports.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are for the scripts that source this file
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/versions.env
source "$ROOT/scripts/versions.env"

# The same cache root as the local stack (doable_dev.layout.CACHE); tests/cluster reads these paths too.
CLUSTER_HOME="${DOABLE_CACHE:-$HOME/.cache/doable}/cluster"
CLUSTER_CACHE="$CLUSTER_HOME/$K8S_VERSION"
BIN="$CLUSTER_CACHE/bin"
SRC="$CLUSTER_CACHE/src"
# Certificates, etcd data, configs, logs and pid files: everything `down.sh` removes again.
STATE="$CLUSTER_HOME/state"
# containerd keeps its images here across down/up, so a second up does not rebuild or re-import them.
CONTAINERD_ROOT="$CLUSTER_HOME/containerd"
# containerd's sockets and shim state must live on a local, non-shared path.
RUN_DIR=/run/doable-k8s
CONTAINERD_SOCK="$RUN_DIR/containerd/containerd.sock"

NODE_NAME=doable-node
BRIDGE=dk8s0
# The bridge's gateway address is also the node and API server address, so pods reach the API server
# and the kubelet without any traffic leaving the machine.
NODE_IP=10.244.0.1
POD_SUBNET=10.244.0.0/24
CLUSTER_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
# Away from every port the local stack uses (8080, 8100-8111, 3500-3511, ..., 16379, 19092).
APISERVER_PORT=16443
ETCD_CLIENT_PORT=12379
ETCD_PEER_PORT=12380

KUBECONFIG_ADMIN="$STATE/kubeconfig/admin.kubeconfig"
PAUSE_IMAGE="dev.local/pause:catatonit"
COREDNS_IMAGE="dev.local/coredns:$COREDNS_VERSION"

# The kernel settings the kubelet (and up.sh itself) change; down.sh puts back what up.sh recorded.
SYSCTLS=(kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables)

log() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

crictl_() { "$BIN/crictl" --runtime-endpoint "unix://$CONTAINERD_SOCK" --image-endpoint "unix://$CONTAINERD_SOCK" "$@"; }
ctr_() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
kubectl_() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# A pid file is trusted only while that pid still runs the binary we started, so a reused pid is never killed.
pid_alive() {
  local name="$1" pid
  [[ -f "$STATE/pids/$name.pid" ]] || return 1
  pid="$(cat "$STATE/pids/$name.pid")"
  [[ "$(cmdline "$pid")" == *"${2:-$name}"* ]]
}
cmdline() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline"; }
# grep -q on a pipe would end it early and, under pipefail, turn a match into a failure: grep a string.
has_image() {
  local list
  list="$(ctr_ images ls -q)"
  grep -qxF -- "$1" <<<"$list"
}
