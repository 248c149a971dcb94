# syntax=docker/dockerfile:1
# The lifelong-learning knowledge base (sedna-kb), the Deployment of deploy/kb. Build from the
# repository root:
#   docker build -f deploy/docker/kb.Dockerfile -t sedna-ts/kb:0.1 .

# Build (--ignore-scripts: see gm.Dockerfile). @sedna-ts/internal is bundled into the KB's dist: needed
# here, not in the image.
FROM node:20-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/internal/package.json packages/internal/
COPY packages/knowledge-base/package.json packages/knowledge-base/
RUN npm install --ignore-scripts --no-audit --no-fund --include-workspace-root -w @sedna-ts/api-types -w @sedna-ts/internal -w @sedna-ts/knowledge-base
COPY packages/api-types/ packages/api-types/
COPY packages/internal/ packages/internal/
COPY packages/knowledge-base/ packages/knowledge-base/
RUN npx nx run-many -t build -p @sedna-ts/knowledge-base --outputStyle=static

# Production dependencies only (busboy, pino, @sedna-ts/api-types), from the same lockfile.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/knowledge-base/package.json packages/knowledge-base/
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund -w @sedna-ts/knowledge-base && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/api-types/dist packages/api-types/dist
COPY --from=build /src/packages/knowledge-base/dist packages/knowledge-base/dist
COPY packages/knowledge-base/bin packages/knowledge-base/bin
# The data is a volume (SEDNA_KB_DATA_DIR); the root file system may be read-only.
USER node
# The routes under /knowledgebase, /healthz and /readyz.
EXPOSE 9020
ENTRYPOINT ["node", "/app/packages/knowledge-base/bin/sedna-kb.js"]
