#!/usr/bin/env bash
# Installs what the browser tests (tests/e2e) need, idempotently, one progress line per step:
# Debian's Chromium (Playwright's own browser download cannot work here) and the Playwright package.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${DOABLE_CACHE:-$HOME/.cache/doable}"
mkdir -p "$cache/logs"
steps=2
step=0

progress() { step=$((step + 1)); printf '[browser-deps %d/%d] %-26s %s\n' "$step" "$steps" "$1" "$2"; }
run_logged() {  # run_logged NAME CMD...: keeps noisy installers out of the terminal, shows the log on failure
  local log="$cache/logs/browser-deps-$1.log"; shift
  if ! "$@" >"$log" 2>&1; then
    echo "  failed; last lines of $log:" >&2; tail -n 25 "$log" >&2; exit 1
  fi
}
apt_install() {
  [[ -f "$cache/.apt-updated" ]] || { apt-get update -q && touch "$cache/.apt-updated"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# 1. Chromium from Debian's packages, with fonts so screenshots render text properly.
if [[ -x /usr/bin/chromium ]]; then
  progress "chromium" "ok ($(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))"
else
  t=$(date +%s); run_logged apt apt_install chromium fonts-noto-core fonts-noto-color-emoji
  progress "chromium" "installed in $(( $(date +%s) - t ))s"
fi

# 2. Playwright for Python in the project's virtual environment (its bundled driver, not its browsers).
[[ -x .venv/bin/pip ]] || { echo "  .venv is missing: run make deps-python first" >&2; exit 1; }
if .venv/bin/python -c 'import playwright' 2>/dev/null; then
  progress "playwright (python)" "ok"
else
  t=$(date +%s); run_logged pip env PIP_CACHE_DIR="$cache/pip" .venv/bin/pip install -q playwright
  progress "playwright (python)" "installed in $(( $(date +%s) - t ))s"
fi
