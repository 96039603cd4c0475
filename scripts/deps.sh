#!/usr/bin/env bash
# Installs everything Doable needs on a fresh machine, idempotently, one progress line per step.
# Heavy artefacts live in ~/.cache/doable so a fresh clone on the same machine reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env

cache="${DOABLE_CACHE:-$HOME/.cache/doable}"
mkdir -p "$cache/logs"
steps=5
step=0
what="${1:-all}"   # all | python

progress() { step=$((step + 1)); printf '[deps %d/%d] %-34s %s\n' "$step" "$steps" "$1" "$2"; }
run_logged() {  # run_logged NAME CMD...: keeps noisy installers out of the terminal, shows the log on failure
  local log="$cache/logs/deps-$1.log"; shift
  if ! "$@" >"$log" 2>&1; then
    echo "  failed; last lines of $log:" >&2; tail -n 25 "$log" >&2; exit 1
  fi
}
apt_install() {
  [[ -f "$cache/.apt-updated" ]] || { apt-get update -q && touch "$cache/.apt-updated"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# 1. Python virtual environment with the project installed in editable mode, with the local stack's
#    and the tests' extras (the container image installs the runtime alone: `pip install .`).
stamp=".venv/.doable-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ -f "$stamp" ]]; then
  progress "python venv (.venv)" "ok (cached)"
else
  t=$(date +%s)
  python3 -m venv .venv
  export PIP_CACHE_DIR="$cache/pip"
  run_logged pip .venv/bin/pip install -q --upgrade pip
  run_logged pip .venv/bin/pip install -q -e ".[dev,test]"
  rm -f .venv/.doable-*; touch "$stamp"
  progress "python venv (.venv)" "installed in $(( $(date +%s) - t ))s"
fi
[[ "$what" == python ]] && exit 0

# 2. PostgreSQL from Debian's packages; the cluster runs as the postgres user on a known port.
if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  progress "postgresql server" "ok ($(ls /usr/lib/postgresql | sort -n | tail -1))"
else
  t=$(date +%s); run_logged apt apt_install postgresql postgresql-contrib
  progress "postgresql server" "installed in $(( $(date +%s) - t ))s"
fi

# 3. Java 17+ for the Kafka broker, Maven to resolve it.
if command -v java >/dev/null && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])' && command -v mvn >/dev/null; then
  progress "java + maven" "ok"
else
  t=$(date +%s); run_logged apt apt_install openjdk-17-jre-headless maven
  progress "java + maven" "installed in $(( $(date +%s) - t ))s"
fi

# 4. Apache Kafka (KRaft) jars from Maven Central.
kafka_libs="$cache/kafka/$KAFKA_VERSION/libs"
if [[ -f "$kafka_libs/.complete" ]]; then
  progress "kafka $KAFKA_VERSION jars" "ok (cached)"
else
  t=$(date +%s)
  rm -rf "$kafka_libs"
  run_logged kafka mvn -q -B -f stack/kafka/pom.xml -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$kafka_libs"
  touch "$kafka_libs/.complete"
  progress "kafka $KAFKA_VERSION jars" "resolved in $(( $(date +%s) - t ))s"
fi

# 5. daprd, the Dapr scheduler and sentry at the pinned release: from PATH or ~/.dapr/bin, else built once.
dapr_bin="$cache/dapr/$DAPR_VERSION/bin"
dapr_tools=(daprd scheduler sentry)
has_dapr_tools() { local t; for t in "${dapr_tools[@]}"; do [[ -x "$1/$t" ]] || return 1; done; }
mkdir -p "$dapr_bin"
if has_dapr_tools "$dapr_bin"; then
  progress "dapr $DAPR_VERSION (daprd, scheduler, sentry)" "ok (cached)"
else
  for dir in $(echo "$PATH" | tr ':' ' ') "$HOME/.dapr/bin"; do
    if has_dapr_tools "$dir" && "$dir/daprd" --version 2>/dev/null | grep -qx "$DAPR_VERSION"; then
      for tool in "${dapr_tools[@]}"; do ln -sf "$dir/$tool" "$dapr_bin/$tool"; done
      break
    fi
  done
  if has_dapr_tools "$dapr_bin"; then
    progress "dapr $DAPR_VERSION (daprd, scheduler, sentry)" "ok (found installed)"
  else
    echo "  building daprd, scheduler and sentry $DAPR_VERSION from the Go module (first time only, ~5 min on 2 cores)..."
    run_logged dapr env DAPR_VERSION="$DAPR_VERSION" DOABLE_CACHE="$cache" bash scripts/build-dapr.sh
    progress "dapr $DAPR_VERSION (daprd, scheduler, sentry)" "$(cat "$cache/dapr/$DAPR_VERSION/build-time.txt" 2>/dev/null || echo built)"
  fi
fi

# The offline cloud checkers and the browser for end-to-end tests report their own steps.
bash scripts/cloud-tools.sh
bash scripts/browser-deps.sh
