#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and exports its DSN in
# CELLTHERAPY_TEST_POSTGRES. Source it (". .ci/postgres.sh") so the variable
# reaches the tests; run it to print the DSN. Idempotent: a cluster it
# started before is reused. Installs Debian's postgresql when no server is
# found. The server listens on loopback and a unix socket in its directory
# only, and runs as the user postgres when started by root.
set -euo pipefail

pg_dir=${CELLTHERAPY_PG_DIR:-/tmp/celltherapy-pg}
pg_port=${CELLTHERAPY_PG_PORT:-55432}

pg_bin() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(pg_bin)" ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg_bindir=$(pg_bin)

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

if ! as_pg "$pg_bindir/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
	rm -rf "$pg_dir"
	mkdir -p "$pg_dir"
	if [ "$(id -u)" = 0 ]; then chown postgres: "$pg_dir"; fi
	as_pg "$pg_bindir/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync >/dev/null
	as_pg "$pg_bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
		-o "-k $pg_dir -p $pg_port -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
fi

if ! as_pg psql -h "$pg_dir" -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'celltherapy'" | grep -q 1; then
	as_pg psql -h "$pg_dir" -p "$pg_port" -U postgres -qc "CREATE DATABASE celltherapy" >/dev/null
fi

export CELLTHERAPY_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/celltherapy?sslmode=disable"
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "$CELLTHERAPY_TEST_POSTGRES"
fi
