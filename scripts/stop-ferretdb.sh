#!/usr/bin/env bash
# Stops a FerretDB started by scripts/start-ferretdb.sh and drops the PostgreSQL database it created, if any.
#
#   scripts/stop-ferretdb.sh <datadir>
set -uo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 <datadir>" >&2; exit 1; }
datadir=$1
pg_server=${FERRETDB_PG_SERVER:-postgres://postgres@127.0.0.1:5432}

if [[ -f $datadir/ferretdb.pid ]]; then
  pid=$(cat "$datadir/ferretdb.pid")
  kill "$pid" 2>/dev/null
  # Its connections must close before PostgreSQL lets the database go.
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$datadir/ferretdb.pid"
fi
if [[ -s $datadir/ferretdb.pgdb ]]; then
  pgdb=$(cat "$datadir/ferretdb.pgdb")
  PGCONNECT_TIMEOUT=3 psql "$pg_server/postgres" -Atqc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null &&
    rm -f "$datadir/ferretdb.pgdb"
fi
exit 0
