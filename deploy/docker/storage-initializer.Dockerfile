# syntax=docker/dockerfile:1
# The storage initializer: the init container of worker pods that fetches s3:// and http(s):// inputs
# into /downloads (the GM's SEDNA_GM_STORAGE_INITIALIZER_IMAGE). Build from the repository root:
#   docker build -f deploy/docker/storage-initializer.Dockerfile -t sedna-ts/storage-initializer:0.1 .

# Build (--ignore-scripts: see gm.Dockerfile). @sedna-ts/internal is bundled into the initializer's dist:
# needed here, not in the image.
FROM node:20-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY packages/internal/package.json packages/internal/
COPY packages/storage-initializer/package.json packages/storage-initializer/
RUN npm install --ignore-scripts --no-audit --no-fund --include-workspace-root -w @sedna-ts/internal -w @sedna-ts/storage-initializer
COPY packages/internal/ packages/internal/
COPY packages/storage-initializer/ packages/storage-initializer/
RUN npx nx run-many -t build -p @sedna-ts/storage-initializer --outputStyle=static

# Production dependencies only (the AWS S3 client, tar, yauzl), from the same lockfile.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/storage-initializer/package.json packages/storage-initializer/
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund -w @sedna-ts/storage-initializer && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/storage-initializer/dist packages/storage-initializer/dist
COPY packages/storage-initializer/bin packages/storage-initializer/bin
# /downloads is an emptyDir, writable by any user.
USER node
# The GM gives the pairs as args: SRC DST [SRC DST ...] (@DST for an index file).
ENTRYPOINT ["node", "/app/packages/storage-initializer/bin/sedna-storage-initializer.js"]
