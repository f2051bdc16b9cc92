#!/usr/bin/env bash
# Document benchmarks (issue 3): registrations per second with a ~100 KB PDF, the inbox page and
# search with 100,000 and 1,000,000 documents, peak memory. Prints figures; asserts only that
# arrival numbers stay contiguous. Needs wrk for the HTTP part (Debian package).
#   bench/documents.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:-sqlite}"
cargo build --release -p egov --bin egov --example documents_bench >/dev/null
bin=target/release/egov
b=target/release/examples/documents_bench
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ "$engine" = postgres ]; then
  admin=postgres://root@127.0.0.1:5432/test
  for db in egov_bench_reg egov_bench_big; do psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
  reg=postgres://root@127.0.0.1:5432/egov_bench_reg
  big=postgres://root@127.0.0.1:5432/egov_bench_big
  analyze() { psql -q "$big" -c ANALYZE; }
else
  reg="sqlite://$work/reg/egov.db"
  big="sqlite://$work/big/egov.db"
  analyze() { :; }
fi
echo "== engine: $engine; machine: $(nproc) cores"
echo "== registrations, 32 concurrent clerks, 20 s"
$b register "$reg" "$work/files" 20 32
EGOV_BENCH_WITHOUT_FILE=1 $b register "$reg" "$work/files" 10 32 | grep registrations | sed 's/with a ~100 KB PDF/without a file (database part alone)/'
serve_big() {
  EGOV_DATABASE_URL="$big" EGOV_FILES_DIR="$work/files" EGOV_BIND=127.0.0.1:18090 EGOV_LOG_LEVEL=warn $bin serve >"$work/serve.log" 2>&1 &
  pid=$!
  until curl -sf http://127.0.0.1:18090/healthz >/dev/null; do sleep 0.05; done
  jar="$work/jar"
  csrf=$(curl -s -c "$jar" http://127.0.0.1:18090/signin | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=lanhdao" --data-urlencode "password=egov-demo-2026" http://127.0.0.1:18090/signin
  session=$(awk '$6 == "egov_session" {print $7}' "$jar")
}
http_runs() {
  echo "-- GET /inbox (the leader's inbox page, 100 items), wrk 2 threads x 64 connections, 15 s"
  wrk -t2 -c64 -d15s --latency -H "Cookie: egov_session=$session" http://127.0.0.1:18090/inbox | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  echo "-- GET /search?q=ngan+sach (50 results), wrk 2 threads x 64 connections, 15 s"
  wrk -t2 -c64 -d15s --latency -H "Cookie: egov_session=$session" "http://127.0.0.1:18090/search?q=ngan+sach" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  echo "server memory (RSS): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status), peak $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}
for total in 100000 1000000; do
  echo "== $total documents"
  $b load "$big" "$total" | tail -1
  analyze
  $b query "$big" "$work/files" 400
  serve_big
  http_runs
done
