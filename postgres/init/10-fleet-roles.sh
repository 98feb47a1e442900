#!/usr/bin/env bash
# First-start set-up of the Postgres container in docker-compose.yml (mounted at /docker-entrypoint-initdb.d).
#
# The image runs this once, when the data volume is empty; later changes here need a new volume or manual SQL.
# It prepares roles and extensions only: Fleet's tables come from its migrations (the compose `migrate` service).
#
#   fleet           owns the `fleet` database and nothing else: no superuser, no CREATEDB, no CREATEROLE. On
#                   PostgreSQL 15 the database owner owns the public schema, so migrations can create tables
#                   without any superuser right. Password: FLEET_DB_PASSWORD.
#   fleet_readonly  optional read-only login for dashboards (Grafana), made only when
#                   FLEET_DB_READONLY_PASSWORD is set.
set -Eeo pipefail

: "${FLEET_DB_PASSWORD:?FLEET_DB_PASSWORD must be set for the postgres container}"

# Passwords travel as psql variables and are quoted by psql (:'var'), never pasted into the SQL text.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v fleet_password="$FLEET_DB_PASSWORD" <<'SQL'
CREATE ROLE fleet LOGIN PASSWORD :'fleet_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
ALTER DATABASE :"db" OWNER TO fleet;

-- Query statistics for slow-query work; needs shared_preload_libraries=pg_stat_statements (see compose).
-- Only a superuser can create this extension, hence here and not in a migration.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL

if [ -n "${FLEET_DB_READONLY_PASSWORD:-}" ]; then
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" -v readonly_password="$FLEET_DB_READONLY_PASSWORD" <<'SQL'
CREATE ROLE fleet_readonly LOGIN PASSWORD :'readonly_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
ALTER ROLE fleet_readonly SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"db" TO fleet_readonly;
GRANT USAGE ON SCHEMA public TO fleet_readonly;
-- The tables do not exist yet: grant SELECT on every table the fleet role creates from now on. That includes
-- tables holding password hashes and tokens (users, robot_credentials, refresh_tokens); revoke SELECT on them
-- after the first migration if dashboard users should not see them.
ALTER DEFAULT PRIVILEGES FOR ROLE fleet IN SCHEMA public GRANT SELECT ON TABLES TO fleet_readonly;
-- Lets dashboards read pg_stat_statements for every role, not only their own queries.
GRANT pg_read_all_stats TO fleet_readonly;
SQL
fi
