#!/usr/bin/env bash
# Builds daprd, the Dapr scheduler and sentry (the mTLS certificate authority) once from the official github.com/dapr/dapr Go module,
# registering only the components Doable uses, so a cold build stays within minutes.
set -euo pipefail

version="${DAPR_VERSION:?DAPR_VERSION is required, e.g. 1.16.0}"
cache="${DOABLE_CACHE:-$HOME/.cache/doable}"
bin="$cache/dapr/$version/bin"
src="$cache/dapr/$version/src"

if [[ -x "$bin/daprd" && -x "$bin/scheduler" && -x "$bin/sentry" ]]; then
  exit 0
fi
if [[ -x "$bin/daprd" && -x "$bin/scheduler" && -d "$src/cmd/sentry" ]]; then
  # A cache from before sentry was part of the stack: add it without rebuilding the rest.
  cd "$src"
  export GOFLAGS="-mod=mod -buildvcs=false"
  go build -trimpath -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$version" -o "$bin/sentry" ./cmd/sentry
  exit 0
fi

# The components Doable wires in dapr/local and the chart; everything else is left out of the build.
keep=(
  bindings_cron.go bindings_kafka.go bindings_http.go
  pubsub_kafka.go pubsub_in-memory.go
  state_postgres.go state_in-memory.go
  secretstores_local_file.go secretstores_local_env.go secretstores_kubernetes.go
  nameresolution_mdns.go nameresolution_sqlite.go nameresolution_kubernetes.go
)

export GOFLAGS="-mod=mod -buildvcs=false"
module_dir=$(go mod download -json "github.com/dapr/dapr@v$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
rm -rf "$src"
mkdir -p "$src" "$bin"
cp -r "$module_dir"/. "$src"/
chmod -R u+w "$src"
cd "$src/cmd/daprd/components"
for f in *.go; do
  case " ${keep[*]} zz_notag.go " in
    *" $f "*) ;;
    *) grep -q '^//go:build.*allcomponents' "$f" && rm -f "$f" ;;
  esac
done
cd "$src"
start=$(date +%s)
go build -tags allcomponents -trimpath -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$version" -o "$bin/daprd" ./cmd/daprd
go build -trimpath -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$version" -o "$bin/scheduler" ./cmd/scheduler
go build -trimpath -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$version" -o "$bin/sentry" ./cmd/sentry
echo "built daprd, scheduler and sentry $version in $(( $(date +%s) - start ))s" | tee "$cache/dapr/$version/build-time.txt"
