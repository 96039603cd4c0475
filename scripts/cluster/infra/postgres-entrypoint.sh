#!/bin/sh
# Entrypoint of dev.local/postgres:15: a database that lives as long as its pod (the cluster has no
# volume provisioner, so PGDATA is an emptyDir). The first start initialises it and creates the
# application's role and database from POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB.
set -eu
BIN=/usr/lib/postgresql/15/bin
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:?set POSTGRES_USER (the application role)}"
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD from a Secret}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
SOCKETS=/tmp

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  # Local connections (the socket, inside the container only) trust the OS user; everything over TCP
  # needs a SCRAM password, and only the application role exists to log in with one.
  "$BIN/initdb" -D "$PGDATA" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$PGDATA" -w -s -o "-c listen_addresses='' -c unix_socket_directories=$SOCKETS" start
  # psql's :'var' quoting keeps the generated password out of the SQL text and safe in any spelling.
  "$BIN/psql" -h "$SOCKETS" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -v user="$POSTGRES_USER" -v password="$POSTGRES_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
  "$BIN/pg_ctl" -D "$PGDATA" -w -s stop
  echo "postgres: initialised $PGDATA with role $POSTGRES_USER and database $POSTGRES_DB"
fi
exec "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories="$SOCKETS" "$@"
