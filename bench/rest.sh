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

run() { # port path connections [wrk script] -> "rps p99ms"
    local threads=2
    [ "$3" -lt 2 ] && threads=1
    local script=()
    [ -n "${4:-}" ] && script=(-s "$4")
    wrk -t"$threads" -c"$3" -d"${SECONDS_EACH}s" --latency "${script[@]}" "http://127.0.0.1:$1$2" >"$OUT/wrk.txt"
    local rps p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/wrk.txt")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$OUT/wrk.txt")
    if grep -E "Non-2xx|Socket errors" "$OUT/wrk.txt" >/dev/null; then
        echo "failed or timed-out requests:" >&2
        cat "$OUT/wrk.txt" >&2
    fi
    echo "$rps $p99"
}

echo
echo "REST on $MESSAGES messages (PostgreSQL), wrk ${SECONDS_EACH}s each on loopback, term \"$TERM\""
printf '%-6s %-28s %12s %10s %10s\n' conns endpoint req/s p99-ms vs-health
for c in 1 16 64; do
    read -r hrps hp99 < <(run "$CACHED_PORT" /api/health "$c")
    read -r crps cp99 < <(run "$CACHED_PORT" "$SEARCH" "$c")
    read -r urps up99 < <(run "$UNCACHED_PORT" "$SEARCH" "$c")
    read -r mrps mp99 < <(run "$UNCACHED_PORT" / "$c" "$OUT/mix.lua")
    printf '%-6s %-28s %12.0f %10.2f %10s\n' "$c" "/api/health" "$hrps" "$hp99" "1.00"
    printf '%-6s %-28s %12.0f %10.2f %10.2f\n' "$c" "search (Redis hit)" "$crps" "$cp99" "$(echo "$crps / $hrps" | bc -l)"
    printf '%-6s %-28s %12.0f %10.2f %10.2f\n' "$c" "search (no cache)" "$urps" "$up99" "$(echo "$urps / $hrps" | bc -l)"
    printf '%-6s %-28s %12.0f %10.2f %10.2f\n' "$c" "60-term mix (no cache)" "$mrps" "$mp99" "$(echo "$mrps / $hrps" | bc -l)"
done
