#!/bin/bash
# First-start set-up of the InfluxDB 2 container in docker-compose.yml (mounted at /docker-entrypoint-initdb.d).
#
# Fleet speaks the InfluxDB 1.x API (line protocol on /write, InfluxQL on /query) so that one adapter serves
# InfluxDB 1.x, 2.x and 3.x. InfluxDB 2 answers that API only for a database/retention policy (DBRP) mapped to a
# bucket. It would derive a read-only "virtual" mapping from the bucket name; an explicit one makes the mapping
# visible (influx v1 dbrp list) and independent of that convention.
#
# The image runs this once, after its own setup, with the influx CLI already logged in as the admin and
# DOCKER_INFLUXDB_INIT_* (including the new bucket's id) in the environment. It must be executable: the image
# skips scripts that are not.
set -euo pipefail

influx v1 dbrp create \
  --org "${DOCKER_INFLUXDB_INIT_ORG}" \
  --bucket-id "${DOCKER_INFLUXDB_INIT_BUCKET_ID}" \
  --db "${DOCKER_INFLUXDB_INIT_BUCKET}" \
  --rp autogen \
  --default
