# Sourced by .ci/run: a throw-away PostgreSQL cluster on 127.0.0.1 for the test suite.
#   pg_start   installs PostgreSQL from the distribution if missing, starts a cluster in a temporary
#              directory on a free port and exports SENDTRACK_TEST_DATABASE_URL
#   pg_stop    stops it and removes the directory (safe to call twice; .ci/run calls it from a trap)
# As root the cluster runs as the `postgres` user (initdb refuses root); otherwise as the caller.

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        if [ "$(id -u)" != 0 ]; then
            echo "ci: PostgreSQL is not installed and installing it needs root" >&2
            return 1
        fi
        echo "ci: installing PostgreSQL from the distribution's packages"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    PG_DIR=$(mktemp -d /tmp/sendtrack-pg.XXXXXX)
    chmod 0700 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 --locale C.UTF-8 \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    # fsync off: a throw-away test cluster; max_connections: the concurrency test runs 8 writers per test
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=100" start \
        >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    pg_as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres sendtrack_test
    export SENDTRACK_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/sendtrack_test"
    echo "ci: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    PG_DIR=
}
