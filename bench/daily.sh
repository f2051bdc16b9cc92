#!/usr/bin/env bash
# The daily surface (issue 13): the inbox page with its counts over 1,000,000 documents, the
# leader's home dashboard over the same, and 10,000 live event streams on one `egov serve`
# (memory per stream, commit-to-browser latency, deliveries per second). Prints figures; asserts
# nothing. Needs wrk (Debian package).
#   bench/daily.sh [sqlite|postgres] [STREAMS]
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:-sqlite}"
streams="${2:-10000}"
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 1; }
cargo build --release -p egov --bin egov --example documents_bench --example events_bench >/dev/null
bin=target/release/egov
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ "$engine" = postgres ]; then
  admin=postgres://root@127.0.0.1:5432/test
  for db in egov_bench_daily egov_bench_events; do psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
  big=postgres://root@127.0.0.1:5432/egov_bench_daily
  small=postgres://root@127.0.0.1:5432/egov_bench_events
  analyze() { psql -q "$big" -c "VACUUM ANALYZE"; }
else
  big="sqlite://$work/big/egov.db"
  small="sqlite://$work/small/egov.db"
  analyze() { :; }
fi
port=18091
serve() { # URL [extra args]
  EGOV_DATABASE_URL="$1" EGOV_FILES_DIR="$work/files" EGOV_PKI_DIR="$work/pki" EGOV_BIND=127.0.0.1:$port EGOV_LOG_LEVEL=warn \
    $bin serve "${@:2}" >"$work/serve.log" 2>&1 &
  pid=$!
  until curl -sf http://127.0.0.1:$port/healthz >/dev/null; do sleep 0.1; done
}
session_of() { # username → cookie value
  local jar="$work/jar-$1" csrf
  csrf=$(curl -s -c "$jar" http://127.0.0.1:$port/signin | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=$1" \
    --data-urlencode "password=egov-demo-2026" http://127.0.0.1:$port/signin
  awk '$6 == "egov_session" {print $7}' "$jar"
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
echo "== engine: $engine; machine: $(nproc) cores; commit $(git rev-parse --short HEAD)"

echo "== 1,000,000 documents (half in the leader's agency, 50,000 in the leader's inbox)"
target/release/examples/documents_bench load "$big" 1000000 | tail -1
analyze
serve "$big"
leader=$(session_of lanhdao)
for path in /inbox /; do
  echo "-- GET $path as the leader (with the header counts), wrk 2 threads x 64 connections, 15 s"
  wrk -t2 -c64 -d15s --latency -H "Cookie: egov_session=$leader" "http://127.0.0.1:$port$path" | grep -E "Requests/sec|50%|75%|90%|99%|Non-2xx"
done
echo "-- the same, one connection (latency without queueing), 10 s"
for path in /inbox /; do
  echo "   GET $path:"; wrk -t1 -c1 -d10s --latency -H "Cookie: egov_session=$leader" "http://127.0.0.1:$port$path" | grep -E "Requests/sec|50%|90%|99%"
done
echo "server memory (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status), peak $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
stop

echo "== $streams live event streams on one egov serve (demo data)"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
serve "$small" --demo
target/release/examples/events_bench "http://127.0.0.1:$port" "$pid" "$streams" 20
stop
