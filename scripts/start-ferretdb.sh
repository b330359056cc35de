#!/usr/bin/env bash
# Starts FerretDB v1 (telemetry off) in the background as a local MongoDB stand-in.
#
#   scripts/start-ferretdb.sh <port> <datadir>
#
# Backend: FERRETDB_BACKEND=auto (default) uses the PostgreSQL handler when the PostgreSQL server at
# FERRETDB_PG_SERVER (default postgres://postgres@127.0.0.1:5432) answers psql, else the SQLite handler in
# <datadir>; =postgresql or =sqlite forces one. On PostgreSQL it creates a database of its own (named in
# <datadir>/ferretdb.pgdb, reused when started again on the same <datadir>), so runs never share data.
# The PostgreSQL handler answers indexed finds far faster: README.md ("npm test" paragraph) gives the figures.
#
# Writes the pid to <datadir>/ferretdb.pid and the log to <datadir>/ferretdb.log, waits until the port
# accepts connections, and prints the MONGODB_URI to use as its last line on stdout.
# Stop it, and drop its PostgreSQL database, with: scripts/stop-ferretdb.sh <datadir>
set -euo pipefail

FERRETDB_VERSION=v1.24.2
WAIT_SECONDS=${FERRETDB_WAIT_SECONDS:-30}

die() { echo "start-ferretdb: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: $0 <port> <datadir>"
port=$1
datadir=$2
[[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "invalid port: $port"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

# A binary built by plain `go install` panics at start-up: the module zip lacks the generated
# build/version/version.txt. So the module is built from a copy with that file written in.
binary_works() {
  local out
  [[ -n $1 && -x $1 ]] && out=$("$1" --version 2>/dev/null) && [[ $out == *"version: $FERRETDB_VERSION"* ]]
}

install_ferretdb() {
  command -v go >/dev/null || die "ferretdb is not installed and Go is not available to build it"
  local gopath moddir work
  gopath=$(go env GOPATH)
  echo "start-ferretdb: building FerretDB $FERRETDB_VERSION (about a minute)..." >&2
  moddir=$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -n $moddir && -d $moddir ]] || die "could not download github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
  work=$(mktemp -d)
  cp -R "$moddir/." "$work/"
  chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  mkdir -p "$gopath/bin"
  # Built aside and renamed into place: a running FerretDB keeps its (busy) old binary.
  (cd "$work" && go build -trimpath -o "$work/ferretdb.bin" ./cmd/ferretdb) >&2 ||
    { rm -rf "$work"; die "building FerretDB failed"; }
  mv -f "$work/ferretdb.bin" "$gopath/bin/ferretdb"
  rm -rf "$work"
  FERRETDB_BIN="$gopath/bin/ferretdb"
}

FERRETDB_BIN=""
if binary_works "$(command -v ferretdb || true)"; then
  FERRETDB_BIN=$(command -v ferretdb)
elif command -v go >/dev/null && binary_works "$(go env GOPATH)/bin/ferretdb"; then
  FERRETDB_BIN="$(go env GOPATH)/bin/ferretdb"
else
  install_ferretdb
  binary_works "$FERRETDB_BIN" || die "the FerretDB binary at $FERRETDB_BIN does not run"
fi

mkdir -p "$datadir"
datadir=$(cd "$datadir" && pwd)
pidfile="$datadir/ferretdb.pid"
logfile="$datadir/ferretdb.log"

if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  die "FerretDB already runs from $datadir (pid $(cat "$pidfile")); stop it first: kill \$(cat $pidfile)"
fi
port_open && die "port $port on 127.0.0.1 is already in use"

backend=${FERRETDB_BACKEND:-auto}
pg_server=${FERRETDB_PG_SERVER:-postgres://postgres@127.0.0.1:5432}
pg_answers() { command -v psql >/dev/null && PGCONNECT_TIMEOUT=3 psql "$pg_server/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1; }
case $backend in
  auto) if pg_answers; then backend=postgresql; else backend=sqlite; fi ;;
  postgresql) pg_answers || die "PostgreSQL at $pg_server does not answer (FERRETDB_BACKEND=postgresql)" ;;
  sqlite) ;;
  *) die "FERRETDB_BACKEND must be auto, postgresql or sqlite, not: $backend" ;;
esac
if [[ $backend == postgresql ]]; then
  if [[ -s $datadir/ferretdb.pgdb ]]; then
    pgdb=$(cat "$datadir/ferretdb.pgdb")
  else
    pgdb="ferretdb_${port}_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
    psql "$pg_server/postgres" -Atqc "CREATE DATABASE $pgdb" >/dev/null || die "could not create the PostgreSQL database $pgdb"
    echo "$pgdb" >"$datadir/ferretdb.pgdb"
  fi
  backend_flags=(--handler=postgresql --postgresql-url="$pg_server/$pgdb")
else
  backend_flags=(--handler=sqlite --sqlite-url="file:$datadir/")
fi

# --debug-addr=- turns off the metrics/pprof HTTP listener (default 127.0.0.1:8088) so instances never collide.
nohup "$FERRETDB_BIN" \
  "${backend_flags[@]}" \
  --state-dir="$datadir" \
  --listen-addr="127.0.0.1:$port" \
  --debug-addr=- \
  --telemetry=disable \
  --log-level=WARN \
  >"$logfile" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pidfile"

deadline=$((SECONDS + WAIT_SECONDS))
until port_open; do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$pidfile"
    tail -n 20 "$logfile" >&2 || true
    die "FerretDB exited before accepting connections (log: $logfile)"
  fi
  if ((SECONDS >= deadline)); then
    kill "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    tail -n 20 "$logfile" >&2 || true
    die "FerretDB did not accept connections on 127.0.0.1:$port within ${WAIT_SECONDS}s (log: $logfile)"
  fi
  sleep 0.2
done

where=$([[ $backend == postgresql ]] && echo "PostgreSQL database $pgdb" || echo "SQLite files in $datadir")
echo "start-ferretdb: FerretDB $FERRETDB_VERSION (pid $pid, $backend handler) on 127.0.0.1:$port, data in $where" >&2
echo "mongodb://127.0.0.1:$port/"
