#!/usr/bin/env bash
# `make cluster-up`: a real single-node Kubernetes from host processes (etcd, API server, controller
# manager, scheduler, kubelet on Debian's containerd, kube-proxy, CoreDNS), one progress line per step.
#
# Everything it starts or changes is recorded under $STATE so scripts/cluster/down.sh can undo it;
# nothing is written into the checkout. Run it again at any time: running parts are left alone.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EUID -eq 0 ]] || die "the kubelet and containerd need root: run as root"
START=$SECONDS

log "building what is missing (scripts/cluster/build.sh)"
"$ROOT/scripts/cluster/build.sh" | sed 's/^/  /'

PACKAGES=(containerd runc containernetworking-plugins iptables conntrack buildah catatonit)
missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  # A fresh machine has no package lists yet: update once and retry before giving up.
  apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  apt_install || { apt-get update -qq >/dev/null && apt_install; } \
    || die "apt-get install ${missing[*]} failed even after apt-get update: see the apt output above"
else
  log "Debian packages present: ${PACKAGES[*]}"
fi

mkdir -p "$STATE"/{pki,kubeconfig,config,logs,pids,etcd,cni/net.d,cni/ipam} "$RUN_DIR" "$CONTAINERD_ROOT"
chmod 700 "$STATE/pki" "$STATE/etcd"

# --- host settings, recorded once so down.sh restores the values from before the first up ---------
if [[ ! -f "$STATE/sysctl.saved" ]]; then
  for s in "${SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$STATE/sysctl.saved.tmp"
  mv "$STATE/sysctl.saved.tmp" "$STATE/sysctl.saved"
  for d in /var/lib/kubelet /var/log/pods /var/log/containers /usr/libexec/kubernetes; do
    [[ -e "$d" ]] && echo "$d"
  done >"$STATE/preexisting-dirs"
  # down.sh removes only chains that were not there before: CNI-* names are shared with other CNI users.
  for cmd in iptables ip6tables; do
    for t in filter nat mangle raw; do "$cmd" -t "$t" -S 2>/dev/null | awk -v c="$cmd" -v t="$t" '$1 == "-N" {print c, t, $2}'; done
  done >"$STATE/preexisting-chains"
  log "recorded host settings: $(tr '\n' ' ' <"$STATE/sysctl.saved")"
fi
sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1

if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  log "creating bridge $BRIDGE ($NODE_IP)"
  ip link add "$BRIDGE" type bridge
  ip addr add "$NODE_IP/${POD_SUBNET#*/}" dev "$BRIDGE"
fi
ip link set "$BRIDGE" up

# --- certificates -------------------------------------------------------------------------------
PKI="$STATE/pki"
cert() { # name CN O kind(server|client) [SANs]
  local name="$1" org="$3" kind="$4" sans="${5:-}" subj="/CN=$2"
  [[ -f "$PKI/$name.crt" ]] && return 0
  [[ -n "$org" ]] && subj="/O=$org$subj"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ $kind == server ]]; then echo "extendedKeyUsage=serverAuth"; else echo "extendedKeyUsage=clientAuth"; fi
    [[ -n "$sans" ]] && echo "subjectAltName=$sans"
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}
if [[ ! -f "$PKI/ca.crt" ]]; then
  log "certificates: CA, API server, clients, service-account keys (openssl)"
  openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=doable-cluster-ca" -days 365 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
else
  log "certificates: present"
fi
cert apiserver kube-apiserver "" server \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:$API_SERVICE_IP"
cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters client
cert admin doable-admin system:masters client
cert kubelet-client "system:node:$NODE_NAME" system:nodes client
cert kubelet "system:node:$NODE_NAME" system:nodes server "DNS:$NODE_NAME,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP"
cert controller-manager system:kube-controller-manager "" client
cert scheduler system:kube-scheduler "" client
cert kube-proxy system:kube-proxy "" client
# API aggregation (an extension API server behind this one) needs its own client CA, apart from the cluster CA.
if [[ ! -f "$PKI/front-proxy-ca.crt" ]]; then
  openssl genrsa -out "$PKI/front-proxy-ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/front-proxy-ca.key" -subj "/CN=doable-front-proxy-ca" -days 365 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/front-proxy-ca.crt" 2>/dev/null
fi
if [[ ! -f "$PKI/front-proxy-client.crt" ]]; then
  openssl genrsa -out "$PKI/front-proxy-client.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/front-proxy-client.key" -subj "/CN=front-proxy-client" 2>/dev/null |
    openssl x509 -req -CA "$PKI/front-proxy-ca.crt" -CAkey "$PKI/front-proxy-ca.key" -CAcreateserial -days 365 -sha256 \
      -extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n') \
      -out "$PKI/front-proxy-client.crt" 2>/dev/null
fi
if [[ ! -f "$PKI/sa.key" ]]; then
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
fi

kubeconfig() { # name cert
  local f="$STATE/kubeconfig/$1.kubeconfig"
  [[ -f "$f" ]] && return 0
  "$BIN/kubectl" config --kubeconfig "$f" set-cluster doable --server "https://127.0.0.1:$APISERVER_PORT" \
    --certificate-authority "$PKI/ca.crt" --embed-certs >/dev/null
  "$BIN/kubectl" config --kubeconfig "$f" set-credentials "$1" --client-certificate "$PKI/$2.crt" \
    --client-key "$PKI/$2.key" --embed-certs >/dev/null
  "$BIN/kubectl" config --kubeconfig "$f" set-context doable --cluster doable --user "$1" >/dev/null
  "$BIN/kubectl" config --kubeconfig "$f" use-context doable >/dev/null
}
kubeconfig admin admin
kubeconfig kubelet kubelet-client
kubeconfig controller-manager controller-manager
kubeconfig scheduler scheduler
kubeconfig kube-proxy kube-proxy

# --- process helpers ------------------------------------------------------------------------------
# kube-proxy exits when its config file is written to, even with the same content: a second up must
# leave unchanged files alone.
write_if_changed() { # file < content
  local new
  new="$(cat)"
  [[ -f "$1" && "$(cat "$1")" == "$new" ]] || printf '%s\n' "$new" >"$1"
}
start() { # name cmd... ; detached, logs in $STATE/logs, pid in $STATE/pids
  local name="$1"
  shift
  if pid_alive "$name" "$1"; then
    log "$name: running (pid $(cat "$STATE/pids/$name.pid"))"
    return 0
  fi
  log "starting $name"
  setsid "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
}
wait_for() { # what seconds command...
  local what="$1" limit="$2" t=0
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((t++ < limit)) || die "$what did not come up within ${limit}s: see $STATE/logs/"
    sleep 1
  done
}

# --- containerd -------------------------------------------------------------------------------------
write_if_changed "$STATE/config/containerd.toml" <<TOML
# Generated by scripts/cluster/up.sh: containerd for the doable single-node cluster only.
version = 2
root = "$CONTAINERD_ROOT"
state = "$RUN_DIR/containerd"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # The machine lacks CAP_SYS_RESOURCE: containers may only raise their OOM score, never lower it.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  # Pod network namespaces under our own run dir, apart from any other CNI user's in /run/netns.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
    max_conf_num = 1
TOML
write_if_changed "$STATE/cni/net.d/10-doable.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "doable-k8s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$POD_SUBNET", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$STATE/cni/ipam"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
start containerd /usr/bin/containerd --config "$STATE/config/containerd.toml"
wait_for containerd 30 ctr --address "$CONTAINERD_SOCK" version

log "images: $PAUSE_IMAGE and $COREDNS_IMAGE (buildah, from scratch)"
"$ROOT/scripts/cluster/scratch-image.sh" "$PAUSE_IMAGE" /usr/bin/catatonit -P
"$ROOT/scripts/cluster/scratch-image.sh" "$COREDNS_IMAGE" "$BIN/coredns"

# --- control plane -------------------------------------------------------------------------------
start etcd "$BIN/etcd" --name doable --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "doable=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn
wait_for etcd 60 curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"

start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --bind-address 0.0.0.0 --secure-port "$APISERVER_PORT" --advertise-address "$NODE_IP" \
  --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" --client-ca-file "$PKI/ca.crt" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --profiling=false \
  --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key"
wait_for kube-apiserver 120 "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" get --raw /readyz

start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig "$STATE/kubeconfig/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$STATE/kubeconfig/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$STATE/kubeconfig/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --allocate-node-cidrs --cluster-cidr "$CLUSTER_CIDR" --node-cidr-mask-size 24 --service-cluster-ip-range "$SERVICE_CIDR" \
  --profiling=false
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig "$STATE/kubeconfig/scheduler.kubeconfig" \
  --authentication-kubeconfig "$STATE/kubeconfig/scheduler.kubeconfig" \
  --authorization-kubeconfig "$STATE/kubeconfig/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false

# --- node -------------------------------------------------------------------------------------------
write_if_changed "$STATE/config/kubelet.yaml" <<YAML
# Generated by scripts/cluster/up.sh. The settings this machine needs: cgroup v1 (hybrid) is accepted
# only with failCgroupV1 false; no systemd; swap may exist; no CAP_SYS_RESOURCE (so the kubelet may not
# lower its OOM score); the open-files hard limit is 20000.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
oomScoreAdj: 0
maxOpenFiles: 20000
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: [$DNS_SERVICE_IP]
resolvConf: /etc/resolv.conf
registerNode: true
serializeImagePulls: false
# Every image is built on this machine and no registry can give it back: image garbage collection
# (the pause image first) would leave every new pod unable to start. The disk is shared with the rest
# of the machine, whose use moves the percentages the kubelet sees, so GC is off and eviction only
# acts when the disk is nearly full.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "3%", imagefs.available: "3%"}
YAML
start kubelet "$BIN/kubelet" --config "$STATE/config/kubelet.yaml" \
  --kubeconfig "$STATE/kubeconfig/kubelet.kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
  --containerd "$CONTAINERD_SOCK"

write_if_changed "$STATE/config/kube-proxy.yaml" <<YAML
# Generated by scripts/cluster/up.sh. The conntrack and localhost-NodePort settings are left to the host:
# kube-proxy would otherwise change machine-wide sysctls that nothing here needs.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $STATE/kubeconfig/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
clusterCIDR: $CLUSTER_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
iptables: {localhostNodePorts: false}
nodePortAddresses: [primary]
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
start kube-proxy "$BIN/kube-proxy" --config "$STATE/config/kube-proxy.yaml"

log "waiting for node $NODE_NAME to be Ready"
wait_for "node registration" 120 kubectl_ get node "$NODE_NAME"
kubectl_ wait --for=condition=Ready "node/$NODE_NAME" --timeout=120s >/dev/null \
  || die "node $NODE_NAME is not Ready: see $STATE/logs/kubelet.log and containerd.log"

log "CoreDNS $COREDNS_VERSION (cluster.local, no upstream forwarder)"
sed -e "s#@COREDNS_IMAGE@#$COREDNS_IMAGE#g" -e "s#@DNS_SERVICE_IP@#$DNS_SERVICE_IP#g" \
  "$ROOT/scripts/cluster/coredns.yaml" | kubectl_ apply -f - >/dev/null
kubectl_ -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null \
  || die "CoreDNS did not become ready: kubectl -n kube-system describe pods -l k8s-app=kube-dns"

# Dapr's control plane before any Doable pod: its injector's webhook ignores failures, so a pod created
# while the injector is down would silently run without a sidecar.
"$ROOT/scripts/cluster/dapr.sh"

# Knative Serving 1.15 with Traefik as its ingress (NodePort 31080 on the node address).
"$ROOT/scripts/cluster/knative.sh"

# Doable's images (dev.local/{postgres,kafka,doable}) and its PostgreSQL and Kafka in doable-infra.
"$ROOT/scripts/cluster/images.sh"; "$ROOT/scripts/cluster/doable.sh" infra  # (not &&: set -e ignores a failure before it)

log "cluster up in $((SECONDS - START)) s"
cat <<USAGE

  export KUBECONFIG=$KUBECONFIG_ADMIN
  export PATH=$BIN:\$PATH
  kubectl get nodes,pods -A

  Next: make cluster-install (Doable with helm, and Prometheus), then
  kn service list -n doable
  curl -H 'Host: doable.localhost' http://$NODE_IP:31080/healthz

  Logs: $STATE/logs/   Stop and clean up: make cluster-down
USAGE
