#!/usr/bin/env bash
# Builds a one-binary image from scratch with buildah and imports it into the cluster's containerd.
#
# No registry is reachable here, so every image the cluster runs is made locally; naming them
# dev.local/... keeps Knative from trying to resolve their tags. Usage:
#   [SCRATCH_IMAGE_USER=UID:GID] scratch-image.sh NAME:TAG BINARY [ENTRYPOINT ARG...]
# Skips the build when containerd already has NAME:TAG. SCRATCH_IMAGE_USER sets a numeric user, which
# containers with runAsNonRoot need (Knative's queue-proxy sidecar always has it).
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 2)) || die "usage: scratch-image.sh NAME:TAG BINARY [ARG...]"
image="$1" binary="$2"
shift 2
[[ -x "$binary" ]] || die "$binary is not an executable: build it first (scripts/cluster/build.sh)"
[[ -S "$CONTAINERD_SOCK" ]] || die "containerd is not running at $CONTAINERD_SOCK: run make cluster-up"
if has_image "$image"; then
  exit 0
fi
name="$(basename "$binary")"
entry="[\"/$name\""
for a in "$@"; do entry+=", \"$a\""; done
entry+="]"
work="$(buildah from scratch)"
trap 'buildah rm "$work" >/dev/null 2>&1 || true' EXIT
buildah copy --quiet "$work" "$binary" "/$name" >/dev/null
if [[ -n "${SCRATCH_IMAGE_USER:-}" ]]; then buildah config --user "$SCRATCH_IMAGE_USER" "$work"; fi
buildah config --entrypoint "$entry" --cmd '' --label org.opencontainers.image.source=doable-local "$work"
buildah commit --quiet "$work" "$image" >/dev/null
archive="$(mktemp --suffix=.tar)"
trap 'buildah rm "$work" >/dev/null 2>&1 || true; rm -f "$archive"' EXIT
buildah push --quiet "$image" "docker-archive:$archive:$image" >/dev/null
ctr_ images import "$archive" >/dev/null
buildah rmi "$image" >/dev/null 2>&1 || true
has_image "$image" || die "importing $image into containerd did not register it"
