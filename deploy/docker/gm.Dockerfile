# syntax=docker/dockerfile:1
# The Global Manager (sedna-gm). Build from the repository root:
#   docker build -f deploy/docker/gm.Dockerfile -t sedna-ts/gm:0.1 .

# Build: the workspace's tools (nx, tsup, TypeScript) and the packages the GM is made of, from the
# repository's lockfile. No install script runs (the root package.json's allowScripts denies them all;
# the image's npm 10 does not read allowScripts, hence --ignore-scripts). @sedna-ts/internal is bundled
# into the GM's dist: needed here, not in the image.
FROM node:20-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/internal/package.json packages/internal/
COPY packages/controller/package.json packages/controller/
RUN npm install --ignore-scripts --no-audit --no-fund --include-workspace-root -w @sedna-ts/api-types -w @sedna-ts/internal -w @sedna-ts/controller
COPY packages/api-types/ packages/api-types/
COPY packages/internal/ packages/internal/
COPY packages/controller/ packages/controller/
RUN npx nx run-many -t build -p @sedna-ts/controller --outputStyle=static

# Production dependencies only, from the same lockfile.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/controller/package.json packages/controller/
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund -w @sedna-ts/controller && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/api-types/dist packages/api-types/dist
COPY --from=build /src/packages/controller/dist packages/controller/dist
COPY packages/controller/bin packages/controller/bin
USER node
# The LCs' WebSocket, /healthz, /readyz and /metrics.
EXPOSE 9000
ENTRYPOINT ["node", "/app/packages/controller/bin/sedna-gm.js"]
