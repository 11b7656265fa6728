# Shared by the scripts in this folder: package installation and private,
# loopback-only PostgreSQL and Redis servers. Source it; do not run it.

FDD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FDD_BUILD=${FDD_BUILD:-$FDD_ROOT/build}

# What building, testing and running need, all from Debian 12's archive.
FDD_PACKAGES=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-httpserver-dev qt6-websockets-dev qt6-charts-dev libqt6opengl6-dev qtkeychain-qt6-dev
    libqt6sql6-psql libqt6sql6-sqlite
    libhiredis-dev rapidjson-dev libpq-dev libsqlite3-dev
    postgresql-15 postgresql-contrib redis-server
    iproute2 procps xvfb xauth time python3 python3-snowballstemmer
    gnome-keyring dbus-daemon libsystemd-dev
    fonts-noto-color-emoji libqt6svg6
    librsvg2-bin dpkg-dev file lintian desktop-file-utils appstream systemd man-db curl bash-completion
)

fdd_log() { printf '==> %s\n' "$*" >&2; }

# Installs what is missing; does nothing (and needs no network) when all is there.
fdd_install_packages() {
    local missing=() p
    for p in "${FDD_PACKAGES[@]}" "$@"; do
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *"install ok installed"* ]] || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    fdd_log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    # No service is started at install time: policy-rc.d refuses, so the
    # distribution's own PostgreSQL and Redis stay off.
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

fdd_build() {
    local type=${1:-RelWithDebInfo}
    cmake -S "$FDD_ROOT" -B "$FDD_BUILD" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
    cmake --build "$FDD_BUILD" --parallel "$(nproc)"
}

# A TCP port nobody listens on, in the dynamic range.
fdd_free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$(( 20000 + RANDOM % 40000 ))
        # Read whole, then tested: a `| grep -q` could cut ss off and, with
        # the `!`, call a port in use free.
        if [ -z "$(ss -Htln "sport = :$port")" ]; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

FDD_PG_BIN=/usr/lib/postgresql/15/bin
FDD_SERVICE_DIR=""
FDD_PG_PID=""
FDD_REDIS_PID=""

# PostgreSQL refuses to run as root: as root, the servers run as a dedicated
# system user.
fdd_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        id fdd-test >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin fdd-test
        echo fdd-test
    else
        id -un
    fi
}

fdd_as_pg_user() {
    local user=$1; shift
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# PostgreSQL's shared_buffers for a benchmark: a quarter of this machine's
# memory, PostgreSQL's own advice for a dedicated server ("a reasonable
# starting value ... is 25% of the memory"). A search reads each match's
# page from them; what does not fit is copied in from the kernel's cache
# again and again (the REST mix at 1M: 60-67 req/s at 512 MB, 90-97 at 3 GB).
fdd_pg_shared_buffers() {
    echo "$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 4 / 1024 ))MB"
}

# Starts a throwaway cluster on 127.0.0.1; sets FDD_PG_PORT, FDD_PG_PID and
# FDD_TEST_PG_URL. Extra arguments go to postgres (-c name=value …).
fdd_start_postgres() {
    local user; user=$(fdd_pg_user)
    FDD_SERVICE_DIR=${FDD_SERVICE_DIR:-$(mktemp -d /tmp/fdd-services.XXXXXX)}
    chmod 755 "$FDD_SERVICE_DIR"
    local data=$FDD_SERVICE_DIR/pg
    mkdir -p "$data" && chown "$user" "$data" && chmod 700 "$data"
    fdd_as_pg_user "$user" "$FDD_PG_BIN/initdb" -D "$data" -U fdd --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    FDD_PG_PORT=$(fdd_free_port)
    fdd_as_pg_user "$user" "$FDD_PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-p $FDD_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data $*" start >/dev/null \
        || { cat "$data/server.log" >&2; return 1; }
    FDD_PG_PID=$(head -n 1 "$data/postmaster.pid")
    export FDD_TEST_PG_URL="postgresql://fdd@127.0.0.1:$FDD_PG_PORT/postgres"
    fdd_log "PostgreSQL $FDD_PG_PID on 127.0.0.1:$FDD_PG_PORT"
}

# Starts redis-server on 127.0.0.1 with nothing persisted, as the same
# unprivileged user as PostgreSQL; sets
# FDD_REDIS_PORT, FDD_REDIS_PID and FDD_TEST_REDIS_URL.
fdd_start_redis() {
    local user; user=$(fdd_pg_user)
    FDD_SERVICE_DIR=${FDD_SERVICE_DIR:-$(mktemp -d /tmp/fdd-services.XXXXXX)}
    chmod 755 "$FDD_SERVICE_DIR"
    local dir=$FDD_SERVICE_DIR/redis
    mkdir -p "$dir" && chown "$user" "$dir"
    FDD_REDIS_PORT=$(fdd_free_port)
    fdd_as_pg_user "$user" redis-server --port "$FDD_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 1 100); do
        [ -s "$dir/redis.pid" ] && redis-cli -p "$FDD_REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    [ -s "$dir/redis.pid" ] || { cat "$dir/redis.log" >&2; return 1; }
    FDD_REDIS_PID=$(cat "$dir/redis.pid")
    export FDD_TEST_REDIS_URL="redis://127.0.0.1:$FDD_REDIS_PORT"
    fdd_log "Redis $FDD_REDIS_PID on 127.0.0.1:$FDD_REDIS_PORT"
}

fdd_wait_gone() {
    local pid=$1
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# Stops what fdd_start_* started, by PID, and removes its files — unless
# FDD_KEEP_SERVICE_DIR=1, which keeps them (a benchmark's databases, e.g. the
# 10M archive that took an hour to load, for another look after a run ends
# or is stopped) and says where.
fdd_stop_services() {
    if [ -n "$FDD_REDIS_PID" ]; then kill -TERM "$FDD_REDIS_PID" 2>/dev/null && fdd_wait_gone "$FDD_REDIS_PID"; FDD_REDIS_PID=""; fi
    if [ -n "$FDD_PG_PID" ]; then kill -INT "$FDD_PG_PID" 2>/dev/null && fdd_wait_gone "$FDD_PG_PID"; FDD_PG_PID=""; fi
    if [ -n "$FDD_SERVICE_DIR" ] && [ -d "$FDD_SERVICE_DIR" ]; then
        if [ "${FDD_KEEP_SERVICE_DIR:-0}" = 1 ]; then
            fdd_log "kept $FDD_SERVICE_DIR (PostgreSQL's data in pg/, as user $(fdd_pg_user))"
        else
            rm -rf "$FDD_SERVICE_DIR"
        fi
    fi
    FDD_SERVICE_DIR=""
}
