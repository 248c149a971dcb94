# syntax=docker/dockerfile:1
# The Local Controller (sedna-lc), run by the DaemonSet of deploy/lc/. Build from the repository root:
#   docker build -f deploy/docker/lc.Dockerfile -t sedna-ts/lc:0.1 .

# Build: the workspace's tools and the packages the LC is made of, from the repository's lockfile
# (--ignore-scripts: see gm.Dockerfile). @sedna-ts/internal is bundled into the LC's dist: needed
# here, not in the image.
FROM node:20-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/internal/package.json packages/internal/
COPY packages/storage-initializer/package.json packages/storage-initializer/
COPY packages/local-controller/package.json packages/local-controller/
RUN npm install --ignore-scripts --no-audit --no-fund --include-workspace-root -w @sedna-ts/api-types -w @sedna-ts/internal -w @sedna-ts/storage-initializer -w @sedna-ts/local-controller
COPY packages/api-types/ packages/api-types/
COPY packages/internal/ packages/internal/
COPY packages/storage-initializer/ packages/storage-initializer/
COPY packages/local-controller/ packages/local-controller/
RUN npx nx run-many -t build -p @sedna-ts/local-controller --outputStyle=static

# Production dependencies only, from the same lockfile (the storage initializer's S3 client reads the
# index of Datasets kept in S3).
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/storage-initializer/package.json packages/storage-initializer/
COPY packages/local-controller/package.json packages/local-controller/
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund -w @sedna-ts/local-controller && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/api-types/dist packages/api-types/dist
COPY --from=build /src/packages/storage-initializer/dist packages/storage-initializer/dist
COPY --from=build /src/packages/local-controller/dist packages/local-controller/dist
# Runs as root, as the original's LC: it writes round files into outputDir and the hot-update
# folders on the host (hostPath mounts owned by root).
# The worker API (BIND_PORT) with /healthz, /readyz and /metrics, on the host network.
EXPOSE 9100
ENTRYPOINT ["node", "/app/packages/local-controller/dist/bin.js"]
