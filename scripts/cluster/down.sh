#!/usr/bin/env bash
# `make cluster-down`: stops what scripts/cluster/up.sh started and undoes what it changed on the host.
#
# Pods first (through the CRI, so the CNI plugins tear down their own network namespaces and rules),
# then the processes, then whatever a crash could have left: shims, mounts, the bridge, KUBE-* chains,
# kubepods cgroups, and the sysctls recorded before the first up. Safe to run twice, or without an up.
set -uo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EUID -eq 0 ]] || die "cleaning up after the kubelet needs root: run as root"

stop() { # name [pattern]: TERM, then KILL after 20 s, only while the pid still runs what we started
  local name="$1" pid t=0
  pid_alive "$name" "${2:-}" || { rm -f "$STATE/pids/$name.pid"; return 0; }
  pid="$(cat "$STATE/pids/$name.pid")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null && ((t++ < 20)); do sleep 1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$STATE/pids/$name.pid"
}

# The kubelet would restart what is removed below, and kube-proxy would re-add its rules.
stop kube-proxy "$BIN/kube-proxy"
stop kubelet "$BIN/kubelet"
stop kube-scheduler "$BIN/kube-scheduler"
stop kube-controller-manager "$BIN/kube-controller-manager"

# Pods are removed through the CRI, so the CNI plugins undo their own work: if containerd died,
# start it again for that.
if [[ -f "$STATE/config/containerd.toml" ]] && ! ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
  log "containerd is not running: starting it to remove the pods through the CRI"
  setsid /usr/bin/containerd --config "$STATE/config/containerd.toml" >>"$STATE/logs/containerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/containerd.pid"
  for _ in {1..30}; do ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1 && break; sleep 1; done
fi

netns=()
if [[ -S "$CONTAINERD_SOCK" ]] && ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
  mapfile -t pods < <(crictl_ pods -q 2>/dev/null)
  if ((${#pods[@]})); then
    for p in "${pods[@]}"; do
      ns="$(crictl_ inspectp -o go-template --template '{{range .info.runtimeSpec.linux.namespaces}}{{if eq .type "network"}}{{.path}}{{end}}{{end}}' "$p" 2>/dev/null)"
      [[ -n "$ns" ]] && netns+=("$ns")
    done
    log "removing ${#pods[@]} pod sandboxes"
    crictl_ stopp "${pods[@]}" >/dev/null 2>&1
    crictl_ rmp -f "${pods[@]}" >/dev/null 2>&1
  fi
  mapfile -t leftovers < <(ctr_ containers ls -q 2>/dev/null)
  for c in "${leftovers[@]}"; do
    ctr_ tasks kill -s KILL "$c" >/dev/null 2>&1
    ctr_ tasks delete -f "$c" >/dev/null 2>&1
    ctr_ containers delete "$c" >/dev/null 2>&1
  done
fi
stop containerd /usr/bin/containerd

# Shims outlive containerd; ours carry our socket's address on their command line.
for p in /proc/[0-9]*; do
  if [[ "$(cmdline "${p#/proc/}")" == *"-address $CONTAINERD_SOCK "* ]]; then
    log "killing leftover shim ${p#/proc/}"
    kill -KILL "${p#/proc/}" 2>/dev/null
  fi
done

# Whatever still runs in the kubelet's kubepods cgroups is a container of ours that lost its shim.
kubepods_procs() {
  local root
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d "$root" ]] && find "$root" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}
mapfile -t orphans < <(kubepods_procs)
if ((${#orphans[@]})); then
  log "killing ${#orphans[@]} container processes left in kubepods cgroups"
  kill -KILL "${orphans[@]}" 2>/dev/null
  for _ in {1..10}; do [[ -z "$(kubepods_procs)" ]] && break; sleep 1; done
fi

stop kube-apiserver "$BIN/kube-apiserver"
stop etcd "$BIN/etcd"

# Mounts: pod volumes under /var/lib/kubelet, sandbox shm and rootfs under containerd's dirs. Deepest first.
for base in /var/lib/kubelet "$RUN_DIR" "$CONTAINERD_ROOT"; do
  mapfile -t mounts < <(awk -v b="$base" '$5 == b || index($5, b "/") == 1 {print $5}' /proc/self/mountinfo | sort -r)
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  ((${#mounts[@]})) && log "unmounted ${#mounts[@]} mounts under $base"
done

for ns in "${netns[@]}"; do
  if [[ -e "$ns" ]]; then
    umount "$ns" 2>/dev/null
    rm -f "$ns"
  fi
done

if ip link show "$BRIDGE" >/dev/null 2>&1; then
  log "removing bridge $BRIDGE"
  ip link delete "$BRIDGE"
fi

# iptables: chains that existed before the first up are never touched. Of the rest, every KUBE-* chain
# is the kubelet's or kube-proxy's; CNI-* names are shared with other CNI users (podman), so only those
# that are empty or hold nothing but our network's rules and portmap's fixed mark rules go.
clean_iptables() {
  local cmd="$1" table chain rule n=0
  command -v "$cmd" >/dev/null || return 0
  for table in filter nat mangle raw; do
    "$cmd" -t "$table" -S >/dev/null 2>&1 || continue
    local doomed=() foreign
    while read -r chain; do
      if grep -qxF "$cmd $table $chain" "$STATE/preexisting-chains" 2>/dev/null; then
        continue
      elif [[ $chain == KUBE-* ]]; then
        doomed+=("$chain")
      elif [[ $chain == CNI-* ]]; then
        # portmap's shared chains hold only its fixed masquerade-mark rules (0x2000) once our pods are gone.
        foreign="$("$cmd" -t "$table" -S "$chain" 2>/dev/null | grep -v -e "^-N " -e 'doable-k8s' -e '0x2000/0x2000')"
        [[ -z "$foreign" ]] && doomed+=("$chain")
      fi
    done < <("$cmd" -t "$table" -S 2>/dev/null | awk '$1 == "-N" {print $2}')
    ((${#doomed[@]})) || continue
    # First the jumps into them from any chain, then the chains.
    local pattern
    pattern="$(printf -- '-j %s( |$)|' "${doomed[@]}")"
    while read -r rule; do
      eval "\"$cmd\" -t \"$table\" ${rule/-A/-D}" >/dev/null 2>&1 && ((n++))
    done < <("$cmd" -t "$table" -S 2>/dev/null | grep -E -- "^-A " | grep -E -- "${pattern%|}")
    for chain in "${doomed[@]}"; do "$cmd" -t "$table" -F "$chain" >/dev/null 2>&1; done
    for chain in "${doomed[@]}"; do "$cmd" -t "$table" -X "$chain" >/dev/null 2>&1 && ((n++)); done
  done
  ((n)) && log "$cmd: removed $n rules and chains (KUBE-*, CNI-* of doable-k8s)"
  return 0
}
clean_iptables iptables
clean_iptables ip6tables

# cgroups: the kubelet's kubepods hierarchy in every v1 controller (and the unified one), leaves first.
n=0
for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice /sys/fs/cgroup/kubepods; do
  [[ -d "$root" ]] || continue
  while read -r d; do rmdir "$d" 2>/dev/null && ((n++)); done < <(find "$root" -depth -type d)
done
((n)) && log "removed $n kubepods cgroups"

if [[ -f "$STATE/sysctl.saved" ]]; then
  while IFS='=' read -r key value; do sysctl -q -w "$key=$value" >/dev/null; done <"$STATE/sysctl.saved"
  log "restored sysctls: $(tr '\n' ' ' <"$STATE/sysctl.saved")"
fi

# Directories the kubelet made outside its root, unless they were there before the first up.
for d in /var/lib/kubelet /var/log/pods /var/log/containers /usr/libexec/kubernetes; do
  if [[ -e "$d" ]] && ! grep -qxF "$d" "$STATE/preexisting-dirs" 2>/dev/null; then
    mounted="$(findmnt -rn -o TARGET)"
    if grep -q "^$d" <<<"$mounted"; then
      log "not removing $d: something is still mounted under it"
    else
      rm -rf "$d"
    fi
  fi
done
rm -rf "$RUN_DIR" "$STATE"
log "cluster down (images stay cached in $CONTAINERD_ROOT)"
