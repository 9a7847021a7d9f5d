#!/usr/bin/env bash
# DESIGN.md §2: kurnl-core depends on no I/O crate; adapters never depend on each other;
# kurnl-http and kurnl-console depend on kurnl-core only.
set -euo pipefail
fail=0
forbid() { # crate, pattern
  local hits
  hits=$(cargo tree -p "$1" --all-features -e normal --prefix none --format '{p}' 2>/dev/null | awk '{print $1}' | sort -u | grep -E "$2" || true)
  if [ -n "$hits" ]; then echo "dependency rule broken: $1 pulls in: $hits"; fail=1; fi
}
forbid kurnl-core '^(sqlx|sqlx-core|russh|reqwest|axum|hyper)$'
forbid kurnl-http '^(kurnl-store|kurnl-switch|kurnl-webhook|sqlx|russh)$'
# The console is built on kurnl-core's service alone, like the HTTP API.
forbid kurnl-console '^(kurnl-store|kurnl-switch|kurnl-webhook|kurnl-http|sqlx|russh)$'
for adapter in kurnl-store kurnl-switch kurnl-webhook; do
  others=$(echo "kurnl-store kurnl-switch kurnl-webhook kurnl-http" | tr ' ' '\n' | grep -vx "$adapter" | paste -sd'|')
  hits=$(cargo tree -p "$adapter" --all-features -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -E "^($others)$" || true)
  if [ -n "$hits" ]; then echo "dependency rule broken: $adapter depends on $hits"; fail=1; fi
done
[ "$fail" = 0 ] && echo "dependency rules hold"
exit "$fail"
