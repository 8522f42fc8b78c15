#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the tests and prints its URL (for ZHENGSHU_TEST_PG_URL).
#   export ZHENGSHU_TEST_PG_URL=$(Scripts/postgres-throwaway.sh)        # start (installs Debian's postgresql if missing)
#   Scripts/postgres-throwaway.sh stop                                  # stop and remove it
# The cluster lives in /tmp/zhengshu-pg (port 55432), password authentication (SCRAM) for user zhengshu, fsync off
# (a test cluster). ZHENGSHU_PG_DIR, ZHENGSHU_PG_PORT and ZHENGSHU_PG_FSYNC=on make another one (the benchmarks do).
set -euo pipefail
dir=${ZHENGSHU_PG_DIR:-/tmp/zhengshu-pg}
port=${ZHENGSHU_PG_PORT:-55432}
fsync=${ZHENGSHU_PG_FSYNC:-off}
password=zhengshu-test
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

if [ "${1:-}" = stop ]; then
    [ -n "$bin" ] && [ -d "$dir/data" ] && as_postgres "$bin/pg_ctl -D $dir/data -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$dir"
    exit 0
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
if ! as_postgres "$bin/pg_ctl -D $dir/data status" >/dev/null 2>&1; then
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "$password" >"$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    as_postgres "$bin/initdb -D $dir/data -U zhengshu --pwfile=$dir/pwfile -A scram-sha-256 -E UTF8 --locale=C.UTF-8" >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_postgres "$bin/pg_ctl -D $dir/data -l $dir/server.log -w -o \"-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=$fsync -c max_connections=500\" start" >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
fi
echo "postgres://zhengshu:$password@127.0.0.1:$port/postgres?sslmode=disable"
