#!/usr/bin/env bash
# Builds the images Doable needs in the cluster and imports them into its containerd (issue 10):
#   dev.local/debian:bookworm     a minimal Debian root from mmdebstrap (the host's release: python3.11)
#   dev.local/postgres:15         Debian's postgresql-15, initialises its emptyDir on the first start
#   dev.local/kafka:$KAFKA_VERSION a JRE and the Kafka jars the local stack already downloads (KRaft)
#   dev.local/python:3.11-bookworm the base the project's Dockerfile builds on here (BASE build argument)
#   dev.local/doable:<tag>        the project's own Dockerfile; tag = the short SHA of the last commit
#                                 that changed its inputs, plus -dirty-<content hash> when they differ from HEAD
# Usage: images.sh [all|tag]   (`tag` prints the Doable image tag and builds nothing; the tag of the
#                               last image built or found is kept in ~/.cache/doable/cluster/images/doable.tag);
#        DOABLE_IMAGE_FROM=head images.sh   builds Doable from HEAD, ignoring uncommitted edits
# Idempotent: an image containerd already has is skipped, and so is the cached root filesystem.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGES_CACHE="$CLUSTER_HOME/images"
ROOTFS="$IMAGES_CACHE/debian-bookworm-minbase.tar"
KAFKA_LIBS="${DOABLE_CACHE:-$HOME/.cache/doable}/kafka/$KAFKA_VERSION/libs"
DEBIAN_IMAGE=dev.local/debian:bookworm
PYTHON_IMAGE=dev.local/python:3.11-bookworm
POSTGRES_IMAGE=dev.local/postgres:15
KAFKA_IMAGE="dev.local/kafka:$KAFKA_VERSION"
# What the Dockerfile copies (its .dockerignore is an allow-list of these).
IMAGE_INPUTS=(Dockerfile .dockerignore pyproject.toml shared functions)
# DOABLE_IMAGE_FROM=head builds the committed tree instead of the working tree: in a checkout that others
# are editing, their unfinished changes stay out of the image.
FROM_HEAD=0
[[ "${DOABLE_IMAGE_FROM:-}" == head ]] && FROM_HEAD=1

doable_tag() {
  local sha hash
  # The newest commit that changed what the image is built from: commits elsewhere (docs, tests, the
  # chart) keep the tag, and with it the image and the running revisions.
  sha="$(git -C "$ROOT" log -1 --format=%h -- "${IMAGE_INPUTS[@]}")"
  if [[ $FROM_HEAD == 1 || -z "$(git -C "$ROOT" status --porcelain -- "${IMAGE_INPUTS[@]}")" ]]; then
    echo "$sha"
    return
  fi
  # The same edits give the same tag (so a rerun skips the build), different edits a new one (so
  # `helm upgrade` rolls the functions).
  hash="$(cd "$ROOT" && git ls-files -co --exclude-standard -z -- "${IMAGE_INPUTS[@]}" \
    | grep -zv -e '__pycache__' -e '\.pyc$' | sort -z | xargs -0 sha256sum 2>/dev/null | sha256sum | cut -c1-8)"
  echo "$sha-dirty-$hash"
}
DOABLE_IMAGE="dev.local/doable:$(doable_tag)"
if [[ "${1:-all}" == tag ]]; then
  echo "${DOABLE_IMAGE#*:}"
  exit 0
fi

[[ $EUID -eq 0 ]] || die "buildah and containerd need root: run as root"
[[ -S "$CONTAINERD_SOCK" ]] || die "containerd is not running at $CONTAINERD_SOCK: run make cluster-up first"
command -v mmdebstrap >/dev/null || {
  log "installing mmdebstrap (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null \
    || die "apt-get install mmdebstrap failed: run apt-get update and try again"
}
mkdir -p "$IMAGES_CACHE"

# RUN steps get the host's network (apt and PyPI), runc (the machine's default OCI runtime is not
# usable here) and limits below the machine's hard limits. The host's CA bundle and a pip.conf naming
# it are mounted for the build only, so a TLS-intercepting egress proxy works and nothing is baked in
# (not over the image's own bundle: installing ca-certificates rewrites that file).
printf '[global]\ncert = /run/host-ca-certificates.crt\n' >"$IMAGES_CACHE/pip.conf"
BUD=(buildah bud --quiet --runtime runc --network host --layers
  --ulimit nofile=4096:4096 --ulimit nproc=4096:4096
  --volume /etc/ssl/certs/ca-certificates.crt:/run/host-ca-certificates.crt:ro
  --volume "$IMAGES_CACHE/pip.conf:/etc/pip.conf:ro")

in_buildah() { buildah inspect --type image "$1" >/dev/null 2>&1; }

import() { # image: buildah storage -> docker archive -> containerd
  local archive
  archive="$(mktemp --suffix=.tar)"
  buildah push --quiet "$1" "docker-archive:$archive:$1" >/dev/null
  ctr_ images import "$archive" >/dev/null
  rm -f "$archive"
  has_image "$1" || die "importing $1 into containerd did not register it"
}

# build image context-dir [bud args...]: a Containerfile in context-dir, unless buildah already has it.
build() {
  local image="$1" context="$2" started=$SECONDS
  shift 2
  if ! in_buildah "$image"; then
    "${BUD[@]}" "$@" -t "$image" "$context" >/dev/null \
      || die "building $image failed: rerun without --quiet: ${BUD[*]} $* -t $image $context"
  fi
  echo "$((SECONDS - started))"
}

if [[ ! -s "$ROOTFS" ]]; then
  log "Debian bookworm root filesystem (mmdebstrap, minbase) -> $ROOTFS"
  # Documentation, manuals and translations are left out: nothing in a container reads them.
  mmdebstrap --quiet --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    bookworm "$ROOTFS.tmp" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" \
    || die "mmdebstrap failed: is deb.debian.org reachable? (apt-get update on the host tells)"
  mv "$ROOTFS.tmp" "$ROOTFS"
else
  log "Debian bookworm root filesystem cached ($ROOTFS)"
fi

ctx="$(mktemp -d "$IMAGES_CACHE/context.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT

# --- base images (buildah storage only; the cluster runs the images built on them) ---------------
if ! in_buildah "$DEBIAN_IMAGE"; then
  mkdir -p "$ctx/debian"
  ln "$ROOTFS" "$ctx/debian/rootfs.tar" 2>/dev/null || cp "$ROOTFS" "$ctx/debian/rootfs.tar"
  cat >"$ctx/debian/Containerfile" <<'EOF'
FROM scratch
ADD rootfs.tar /
CMD ["/bin/bash"]
EOF
  secs="$(build "$DEBIAN_IMAGE" "$ctx/debian")"
  log "image $DEBIAN_IMAGE built in $secs s"
fi
# apt's lists and caches go in the same step that fills them, so no layer keeps them.
APT='apt-get update -qq && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq --no-install-recommends'
APT_CLEAN='apt-get clean && rm -rf /var/lib/apt/lists/*'

if ! in_buildah "$PYTHON_IMAGE"; then
  mkdir -p "$ctx/python"
  cat >"$ctx/python/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN $APT python3.11 python3.11-venv python-is-python3 ca-certificates >/dev/null && $APT_CLEAN
EOF
  secs="$(build "$PYTHON_IMAGE" "$ctx/python")"
  log "image $PYTHON_IMAGE built in $secs s"
fi

# --- images the cluster runs --------------------------------------------------------------------
if has_image "$POSTGRES_IMAGE"; then
  log "image $POSTGRES_IMAGE present"
else
  mkdir -p "$ctx/postgres"
  cp "$ROOT/scripts/cluster/infra/postgres-entrypoint.sh" "$ctx/postgres/entrypoint.sh"
  # A fixed numeric user, so the pod's runAsNonRoot can be checked without resolving names.
  cat >"$ctx/postgres/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/sh postgres \
 && $APT postgresql-15 >/dev/null && $APT_CLEAN \
 && install -d -o postgres -g postgres /var/lib/postgresql
COPY entrypoint.sh /usr/local/bin/doable-postgres
ENV PGDATA=/var/lib/postgresql/data
USER 999:999
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/doable-postgres"]
EOF
  secs="$(build "$POSTGRES_IMAGE" "$ctx/postgres")"
  import "$POSTGRES_IMAGE"
  log "image $POSTGRES_IMAGE built and imported in $secs s"
fi

if has_image "$KAFKA_IMAGE"; then
  log "image $KAFKA_IMAGE present"
else
  [[ -f "$KAFKA_LIBS/.complete" ]] || die "Kafka $KAFKA_VERSION jars are missing in $KAFKA_LIBS: run make deps"
  mkdir -p "$ctx/kafka"
  cp -r "$KAFKA_LIBS" "$ctx/kafka/libs"
  cp "$ROOT/scripts/cluster/infra/kafka-entrypoint.sh" "$ctx/kafka/entrypoint.sh"
  # The JRE's postinst registers its manual pages with update-alternatives, and the root filesystem
  # leaves /usr/share/man out: without the directory dpkg fails.
  cat >"$ctx/kafka/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN mkdir -p /usr/share/man/man1 && $APT openjdk-17-jre-headless >/dev/null && $APT_CLEAN \
 && groupadd --gid 10002 kafka \
 && useradd --uid 10002 --gid kafka --no-create-home --shell /usr/sbin/nologin kafka \
 && install -d -o kafka -g kafka /var/lib/kafka
COPY libs /opt/kafka/libs
COPY entrypoint.sh /usr/local/bin/doable-kafka
USER 10002:10002
EXPOSE 9092
ENTRYPOINT ["/usr/local/bin/doable-kafka"]
EOF
  secs="$(build "$KAFKA_IMAGE" "$ctx/kafka")"
  import "$KAFKA_IMAGE"
  log "image $KAFKA_IMAGE built and imported in $secs s"
fi

if has_image "$DOABLE_IMAGE"; then
  log "image $DOABLE_IMAGE present"
else
  source_dir="$ROOT"
  if ((FROM_HEAD)); then
    source_dir="$ctx/doable"
    mkdir -p "$source_dir"
    git -C "$ROOT" archive HEAD -- "${IMAGE_INPUTS[@]}" | tar -x -C "$source_dir"
  fi
  secs="$(build "$DOABLE_IMAGE" "$source_dir" -f "$source_dir/Dockerfile" --build-arg "BASE=$PYTHON_IMAGE")"
  import "$DOABLE_IMAGE"
  log "image $DOABLE_IMAGE built and imported in $secs s"
fi
# What doable.sh installs: the image built last, even if HEAD moved on since.
echo "${DOABLE_IMAGE#*:}" >"$IMAGES_CACHE/doable.tag"
