# Sourced by scripts/test-all.sh: make sure central's PostgreSQL tests have a server, and export
# its URL as CENTRAL_POSTGRES_URL (the tests then run on it, and fail if it stops answering).
#
# 1. CENTRAL_POSTGRES_URL already set: use it as it is.
# 2. A server answers on 127.0.0.1:5432 (user postgres, database postgres or test): use it.
# 3. Otherwise: install Debian's postgresql if missing, and start a throwaway cluster in a
#    temporary folder (as the postgres user, never as root) on a free port; stopped at exit.

_pg_answers() {
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

if [ -z "${CENTRAL_POSTGRES_URL:-}" ]; then
  for candidate in postgresql://postgres@127.0.0.1:5432/test postgresql://postgres@127.0.0.1:5432/postgres; do
    if _pg_answers "$candidate"; then
      CENTRAL_POSTGRES_URL=$candidate
      break
    fi
  done
fi

if [ -z "${CENTRAL_POSTGRES_URL:-}" ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== installing Debian's postgresql for central's tests"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
  PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
  PG_DIR=$(mktemp -d /tmp/central-pg.XXXXXX)
  PG_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
  }
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; fi
  echo "== starting a throwaway PostgreSQL in $PG_DIR on port $PG_PORT"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null
  trap 'as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1; rm -rf "$PG_DIR"' EXIT
  CENTRAL_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres
fi
export CENTRAL_POSTGRES_URL
echo "== central's PostgreSQL tests use $CENTRAL_POSTGRES_URL"
