#!/usr/bin/env bash
# Fuzzes the documented API with schemathesis (pinned in .ci/requirements-schemathesis.txt):
# builds the server example, starts it on 127.0.0.1 with a free port and a temporary database
# over the demo network, waits until it answers, runs every check (bounded per operation) with
# the demo credentials, then stops the server. Any failure fails the script. Rate limits are
# off (`--no-rate-limit`): with them on, most generated requests would only see 429. The two
# API key revocations are left out: the stateful phase follows the key list's ids into them
# and revokes the very key it calls with, which turns every later call into a 401 (their
# behaviour is tested in kurnl-http/tests/api/provider_settings.rs).
#
# Assumes the server example takes `--listen ADDR` and `--db PATH` and serves
# `/api/v1/openapi.json` with the credentials of examples/demo-network.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
API_KEY="krnl_live_demo_0123456789abcdef0123"
WEBHOOK_SECRET="demo-webhook-secret-0123456789abcdef"
OPERATOR_KEY="krnl_op_demo_0123456789abcdef0123"

target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
venv="${SCHEMATHESIS_VENV:-$target_dir/schemathesis-venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements-schemathesis.txt

cargo build --example server
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$target_dir/debug/examples/server" --listen "127.0.0.1:$port" --db "$work/kurnl.db" --no-rate-limit \
  >"$work/server.log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "$base/api/v1/openapi.json"; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/server.log"
    echo "the server example exited before answering" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS -o /dev/null "$base/api/v1/openapi.json" || {
  cat "$work/server.log"
  echo "the server example did not answer within 60 s" >&2
  exit 1
}

started=$(date +%s)
status=0
"$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --header "X-API-Key: $API_KEY" \
  --header "X-Webhook-Secret: $WEBHOOK_SECRET" \
  --header "X-Operator-Key: $OPERATOR_KEY" \
  --generation-database none \
  --exclude-path-regex '/revoke$' \
  --no-color || status=$?
echo "schemathesis: exit $status after $(($(date +%s) - started)) s"
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 50 lines)"
  tail -n 50 "$work/server.log"
fi
exit "$status"
