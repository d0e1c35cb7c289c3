#!/usr/bin/env bash
# Back up the database at DATABASE_URL with pg_dump, restore the dump into a fresh database,
# and compare the row count of every table. Exit 0 only when every table has the same number
# of rows in both; the fresh database is dropped afterwards (KEEP_RESTORED=1 keeps it).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/spm scripts/backup_restore_check.sh [DUMP]
#
# The dump (custom format, compressed) is written to DUMP (default: a temporary file, deleted
# at the end): the same command is the nightly backup of docs/operations.md. Counts are read
# inside one repeatable-read transaction each; on a live database rows written between the
# dump and the count differ, so run it on a quiet database or a replica (the dump itself is
# consistent either way: pg_dump takes one snapshot).
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
source_url="${DATABASE_URL/#postgres:\/\//postgresql://}"
source_url="${source_url%%\?*}"  # Django's options (?conn_max_age=) mean nothing to psql
base="${source_url%/*}"
source_db="${source_url##*/}"
source_db="${source_db%%\?*}"
fresh_db="${source_db}_restore_check_$$"
fresh_url="${base}/${fresh_db}"
admin_url="${base}/postgres"

dump="${1:-}"
keep_dump=1
if [ -z "$dump" ]; then
    dump="$(mktemp --suffix=.dump)"
    keep_dump=0
fi

cleanup() {
    if [ "${KEEP_RESTORED:-0}" != 1 ]; then
        psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS \"$fresh_db\"" >/dev/null
    fi
    if [ "$keep_dump" = 0 ]; then rm -f "$dump"; fi
}
trap cleanup EXIT

counts() {
    # "table<TAB>rows" for every table of the public schema, sorted by name.
    local url="$1"
    psql "$url" -qAt -F $'\t' <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ;
CREATE TEMP TABLE _counts(name text, n bigint);
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('INSERT INTO _counts SELECT %L, count(*) FROM public.%I', t.tablename, t.tablename);
  END LOOP;
END $$;
SELECT name, n FROM _counts ORDER BY name;
COMMIT;
SQL
}

started=$(date +%s)
pg_dump --format=custom --no-owner --no-privileges --file="$dump" "$source_url"
dumped=$(date +%s)
psql "$admin_url" -qAtc "CREATE DATABASE \"$fresh_db\"" >/dev/null
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$fresh_url" "$dump"
restored=$(date +%s)

before="$(counts "$source_url")"
after="$(counts "$fresh_url")"
tables=$(printf '%s\n' "$before" | grep -c . || true)
rows=$(printf '%s\n' "$before" | awk -F '\t' '{s += $2} END {print s + 0}')
size=$(du -h "$dump" | cut -f1)

if [ "$before" != "$after" ]; then
    echo "FAIL: row counts differ between $source_db and its restored copy:" >&2
    diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
    exit 1
fi
echo "OK: $source_db dumped ($size, $((dumped - started)) s) and restored into a fresh" \
    "database ($((restored - dumped)) s): $tables tables, $rows rows, every table's count equal."
