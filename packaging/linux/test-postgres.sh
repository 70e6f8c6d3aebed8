#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster from Debian's packages for the `pg` tests and prints the
# URL to use (CRM_TEST_PG_URL). Needs root (apt-get, the postgres user); prints nothing otherwise,
# and the pg tests then skip with a reason (CI always runs as root, so they always run there).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || exit 0
command -v apt-get >/dev/null 2>&1 || exit 0
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }
fi
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")
data=/tmp/crm-test-pg
port=54329
if ! su postgres -c "$bin/pg_ctl -D $data status" >/dev/null 2>&1; then
  rm -rf "$data"
  mkdir -p "$data" && chown postgres "$data"
  su postgres -c "$bin/initdb -D $data -A trust -U postgres" >/dev/null
  # A throw-away cluster: no fsync (DROP DATABASE's checkpoint costs ~1.5 s per test database
  # with it; the suite makes and drops one per test).
  opts="-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
  su postgres -c "$bin/pg_ctl -D $data -o '$opts' -l $data/log -w start" >/dev/null
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
