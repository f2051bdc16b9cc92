#!/usr/bin/env bash
# Foundation benchmarks (issue 2): startup time, idle memory, the 8 am sign-in storm, and an
# authenticated page under load. Prints figures; asserts nothing. Needs wrk (Debian package).
#   bench/foundation.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:-sqlite}"
cargo build --release -p egov --bin egov --example signin_storm >/dev/null
bin=target/release/egov
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
if [ "$engine" = postgres ]; then
  db="egov_bench_$$"
  psql -q postgres://root@127.0.0.1:5432/test -c "CREATE DATABASE $db"
  url="postgres://root@127.0.0.1:5432/$db"
  trap 'kill $pid 2>/dev/null || true; sleep 1; psql -q postgres://root@127.0.0.1:5432/test -c "DROP DATABASE IF EXISTS $db"; rm -rf "$work"' EXIT
else
  url="sqlite://$work/egov.db"
fi
port=18080
echo "== engine: $engine; machine: $(nproc) cores"
EGOV_DATABASE_URL="$url" $bin migrate >/dev/null
start=$(date +%s%N)
EGOV_DATABASE_URL="$url" EGOV_BIND="127.0.0.1:$port" EGOV_LOG_LEVEL=warn $bin serve --demo >"$work/serve.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.01; done
ready=$(( ($(date +%s%N) - start) / 1000000 ))
echo "startup to healthy (with demo seeding on a fresh database): ${ready} ms"
sleep 2
echo "idle memory (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
target/release/examples/signin_storm "http://127.0.0.1:$port" 64 20 60
echo "memory after the open-loop storm (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
target/release/examples/signin_storm "http://127.0.0.1:$port" 64 20
echo "memory after the closed-loop storm (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
# A session cookie for the authenticated page.
jar="$work/jar"
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/signin" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=lanhdao" --data-urlencode "password=egov-demo-2026" "http://127.0.0.1:$port/signin"
session=$(awk '$6 == "egov_session" {print $7}' "$jar")
echo "== authenticated dashboard (GET /), wrk 2 threads, 64 connections, 20 s"
wrk -t2 -c64 -d20s --latency -H "Cookie: egov_session=$session" "http://127.0.0.1:$port/" | grep -E "Requests/sec|Latency|50%|75%|90%|99%|Non-2xx"
echo "== /healthz (no database), for comparison"
wrk -t2 -c64 -d10s "http://127.0.0.1:$port/healthz" | grep -E "Requests/sec"
echo "memory at the end (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
