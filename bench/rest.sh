#!/usr/bin/env bash
# REST benchmark: wrk on loopback against fastdiscorddb-server serve over
# N messages in PostgreSQL, for /api/health (the server's own ceiling),
# /api/chats/search answered from the Redis cache, and the same search with
# no cache, and the latency benchmark's 60 terms uncached (target: >= 100
# req/s at 16 connections, nothing failed or timed out at 64), at 1, 16 and
# 64 connections. Figures are ratios to /api/health
# measured in the same run.
#   bench/rest.sh [MESSAGES] [SECONDS]      (default 1000000 10)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"

MESSAGES=${1:-1000000}
SECONDS_EACH=${2:-10}
OUT=$FDD_ROOT/bench/out
mkdir -p "$OUT"

fdd_install_packages wrk bc
FDD_BUILD=$FDD_ROOT/build-release fdd_build Release >/dev/null
BIN=$FDD_ROOT/build-release
SERVER_PIDS=()
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    fdd_stop_services
}
trap cleanup EXIT
fdd_start_postgres -c shared_buffers="$(fdd_pg_shared_buffers)" -c max_wal_size=8GB
fdd_start_redis

EXPORT=$OUT/export-$MESSAGES-1-g2 # as bench/ingest.sh writes it
if [ ! -f "$EXPORT/.done" ]; then
    rm -rf "$EXPORT"
    "$BIN/bench/fdd-bench" generate --messages "$MESSAGES" --channels 1 --out "$EXPORT" >/dev/null
    touch "$EXPORT/.done"
fi
psql -X -q "postgresql://fdd@127.0.0.1:$FDD_PG_PORT/postgres" -c "CREATE DATABASE rest"
DB="postgresql://fdd@127.0.0.1:$FDD_PG_PORT/rest"
"$BIN/app/server/fastdiscorddb-server" import --quiet --database "$DB" "$EXPORT"
psql -X -q "$DB" -c "VACUUM ANALYZE discord_chats"

CACHED_PORT=$(fdd_free_port)
"$BIN/app/server/fastdiscorddb-server" serve --listen "127.0.0.1:$CACHED_PORT" --database "$DB" \
    --redis "$FDD_TEST_REDIS_URL" --rate-limit 0 2>"$OUT/serve-cached.log" &
SERVER_PIDS+=($!)
UNCACHED_PORT=$(fdd_free_port)
"$BIN/app/server/fastdiscorddb-server" serve --listen "127.0.0.1:$UNCACHED_PORT" --database "$DB" 2>"$OUT/serve-uncached.log" &
SERVER_PIDS+=($!)
for port in "$CACHED_PORT" "$UNCACHED_PORT"; do
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
done

# A term of middling frequency in the generated vocabulary.
TERM=$("$BIN/bench/fdd-bench" word 1000)
SEARCH="/api/chats/search?search_term=$TERM&page_size=10"
curl -fs "http://127.0.0.1:$CACHED_PORT$SEARCH" >/dev/null   # fills the cache

# The latency benchmark's 60 terms, frequent to rare, one per request in turn.
{
    echo "local terms = {"
    "$BIN/bench/fdd-bench" terms | sed 's/.*/  "&",/'
    echo "}"
    echo "local i = 0"
    echo "request = function()"
    echo "  i = i + 1"
    echo "  return wrk.format(\"GET\", \"/api/chats/search?page_size=10&search_term=\" .. terms[(i % #terms) + 1])"
    echo "end"
} >"$OUT/mix.lua"

run() { # port path connections [wrk script] -> "rps p99ms failed"
    local threads=2
    [ "$3" -lt 2 ] && threads=1
    local script=()
    [ -n "${4:-}" ] && script=(-s "$4")
    wrk -t"$threads" -c"$3" -d"${SECONDS_EACH}s" --latency "${script[@]}" "http://127.0.0.1:$1$2" >"$OUT/wrk.txt"
    local rps p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/wrk.txt")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$OUT/wrk.txt")
    # wrk's "Socket errors: connect A, read B, write C, timeout D" and
    # "Non-2xx or 3xx responses: N": every request that failed or timed out.
    local failed
    failed=$(awk '/^  Socket errors:/ {gsub(/[^0-9 ]/, ""); for (i = 1; i <= NF; i++) n += $i}
                  /^  Non-2xx or 3xx responses:/ {n += $NF} END {print n + 0}' "$OUT/wrk.txt")
    if [ "$failed" -gt 0 ]; then
        echo "failed or timed-out requests:" >&2
        cat "$OUT/wrk.txt" >&2
    fi
    echo "$rps $p99 $failed"
}

echo
echo "REST on $MESSAGES messages (PostgreSQL), wrk ${SECONDS_EACH}s each on loopback, term \"$TERM\""
printf '%-6s %-28s %12s %10s %10s %8s\n' conns endpoint req/s p99-ms vs-health failed
declare -A MIX_RPS MIX_FAILED
for c in 1 16 64; do
    read -r hrps hp99 hfailed < <(run "$CACHED_PORT" /api/health "$c")
    read -r crps cp99 cfailed < <(run "$CACHED_PORT" "$SEARCH" "$c")
    read -r urps up99 ufailed < <(run "$UNCACHED_PORT" "$SEARCH" "$c")
    read -r mrps mp99 mfailed < <(run "$UNCACHED_PORT" / "$c" "$OUT/mix.lua")
    MIX_RPS[$c]=$mrps
    MIX_FAILED[$c]=$mfailed
    printf '%-6s %-28s %12.0f %10.2f %10s %8d\n' "$c" "/api/health" "$hrps" "$hp99" "1.00" "$hfailed"
    printf '%-6s %-28s %12.0f %10.2f %10.2f %8d\n' "$c" "search (Redis hit)" "$crps" "$cp99" "$(echo "$crps / $hrps" | bc -l)" "$cfailed"
    printf '%-6s %-28s %12.0f %10.2f %10.2f %8d\n' "$c" "search (no cache)" "$urps" "$up99" "$(echo "$urps / $hrps" | bc -l)" "$ufailed"
    printf '%-6s %-28s %12.0f %10.2f %10.2f %8d\n' "$c" "60-term mix (no cache)" "$mrps" "$mp99" "$(echo "$mrps / $hrps" | bc -l)" "$mfailed"
done
verdict() { if [ "$1" = 1 ]; then echo met; else echo "NOT met"; fi; }
printf 'target: the mix >= 100 req/s at 16 connections: %.0f, %s\n' "${MIX_RPS[16]}" \
    "$(verdict "$(echo "${MIX_RPS[16]} >= 100" | bc -l)")"
printf 'target: nothing failed or timed out at 64 connections: %d, %s\n' "${MIX_FAILED[64]}" \
    "$(verdict "$([ "${MIX_FAILED[64]}" -eq 0 ] && echo 1)")"
