# alert-delivery image: one image for the worker, the ingest, the HTTP intake
# and the local webhook receiver (pick one with the command; the default is
# the worker).
#
# Debian (glibc) base on purpose: @temporalio/core-bridge ships a prebuilt
# native module for linux glibc, which does not load on alpine (musl).
#
# Both stages install with scripts/lib/npm-install.sh, the script that
# scripts/lib/node-deps.sh (scripts/start, scripts/test) runs: the image gets
# exactly what a machine gets from the committed package-lock.json.
# test/dockerfile.test.ts runs this file's COPY and RUN steps in a clean copy
# of the repository as an unprivileged user (no Docker engine needed).

# ---- build stage: full deps, compile TypeScript into dist/ ----
FROM node:24-bookworm-slim AS build
WORKDIR /app

COPY package.json package-lock.json ./
COPY scripts/lib/npm-install.sh scripts/lib/
RUN sh scripts/lib/npm-install.sh

COPY . .
# config/ is optional: make sure it exists so the runtime COPY never fails
RUN npm run build && mkdir -p config

# ---- runtime stage: production deps + compiled output only ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
COPY scripts/lib/npm-install.sh scripts/lib/
RUN sh scripts/lib/npm-install.sh --omit=dev \
    && rm -rf scripts \
    && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config

# the official node image already has an unprivileged `node` user (uid 1000)
USER node

# worker metrics (9464), ingest metrics (9465), intake metrics (9466),
# HTTP intake (8088), local receiver (8787)
EXPOSE 9464 9465 9466 8088 8787

CMD ["node", "dist/src/worker.js"]
