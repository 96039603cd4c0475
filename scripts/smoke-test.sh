#!/usr/bin/env bash
# Proves a deployment works end to end through its public URL: TLS, the gateway, auth, a write that
# travels through Dapr to create-task and PostgreSQL, and a read back. deploy.yml and rollback.yml run
# it after `helm upgrade`/`helm rollback` and roll back when it fails; operators can run it by hand.
# Usage: SMOKE_EMAIL=... SMOKE_PASSWORD=... scripts/smoke-test.sh https://doable.example.com
# An ingress reached by address rather than by name (the local cluster, docs/cluster.md) takes the public
# host as a header: SMOKE_HOST=doable.localhost scripts/smoke-test.sh http://10.244.0.1:31080
set -euo pipefail

base="${1:?usage: scripts/smoke-test.sh BASE_URL}"
base="${base%/}"
email="${SMOKE_EMAIL:?SMOKE_EMAIL is the smoke-test account (created on first run)}"
password="${SMOKE_PASSWORD:?SMOKE_PASSWORD is required}"
attempts="${SMOKE_ATTEMPTS:-30}"   # a scaled-to-zero gateway and a new certificate may take a while
body=$(mktemp)
trap 'rm -f "$body"' EXIT

step() { printf '[smoke] %-44s' "$1"; }
# call METHOD PATH [JSON] -> prints the status code; the response body is left in $body
call() {
  local args=(-sS -o "$body" -w '%{http_code}' -X "$1" -H 'Accept: application/json' --max-time 30)
  [[ -n "${SMOKE_HOST:-}" ]] && args+=(-H "Host: $SMOKE_HOST")
  [[ -n "${token:-}" ]] && args+=(-H "Authorization: Bearer $token")
  [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data "$3")
  curl "${args[@]}" "$base$2"
}
# Right after a deploy a function may still be starting (scaled to zero, or a new revision taking its
# first request on a busy node): the gateway answers 502/503/504 and the call is tried again, 3 times
# 5 s apart. retrying METHOD PATH [JSON] leaves the last status in $code and the tries in $tries.
retrying() {
  for ((tries = 1; tries <= 3; tries++)); do
    code=$(call "$@")
    [[ "$code" == 50[234] ]] || return 0
    ((tries < 3)) && sleep 5
  done
  tries=3
}
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$body" "$1"; }
expect() {  # expect WANTED... -- GOT
  local got="${*: -1}"
  for want in "${@:1:$#-1}"; do [[ "$got" == "$want" ]] && { echo "ok ($got)"; return; }; done
  echo "FAILED: HTTP $got"; head -c 500 "$body"; echo; exit 1
}

step "gateway is up (GET /healthz)"
for ((i = 1; i <= attempts; i++)); do
  code=$(call GET /healthz || true)
  [[ "$code" == 200 ]] && break
  sleep 5
done
expect 200 "$code"

step "gateway is ready (GET /readyz)"
expect 200 "$(call GET /readyz)"

step "the web app is served (GET /)"
expect 200 "$(call GET /)"

# 409: created on an earlier run (or by a first try that landed after the gateway gave up); 403: sign-up
# is closed (signup.mode), so it must exist already.
step "smoke account exists (POST /api/auth/register)"
retrying POST /api/auth/register "{\"email\": \"$email\", \"password\": \"$password\", \"name\": \"Smoke test\"}"
expect 201 409 403 "$code"

step "login (POST /api/auth/login)"
retrying POST /api/auth/login "{\"email\": \"$email\", \"password\": \"$password\"}"
expect 200 "$code"
token=$(field token)

# A create whose first try landed late is left in the smoke account under the same title.
title="smoke $(date -u +%Y%m%dT%H%M%SZ)"
step "create a task (POST /api/tasks)"
retrying POST /api/tasks "{\"title\": \"$title\", \"priority\": \"low\", \"tags\": [\"smoke\"]}"
expect 201 "$code"
task_id=$(field id)

step "read it back (GET /api/tasks/{id})"
retrying GET "/api/tasks/$task_id"
expect 200 "$code"
[[ "$(field title)" == "$title" ]] || { echo "[smoke] read back a different title"; exit 1; }

step "clean up (DELETE /api/tasks/{id})"
retrying DELETE "/api/tasks/$task_id"
# Tried again after a 5xx, the first try may have deleted it already.
if ((tries > 1)) && [[ "$code" == 404 ]]; then code=204; fi
expect 204 "$code"

echo "[smoke] $base passed"
