# syntax=docker/dockerfile:1
# The web dashboard (sedna-dashboard), the Deployment of deploy/dashboard. Build from the repository
# root:
#   docker build -f deploy/docker/dashboard.Dockerfile -t sedna-ts/dashboard:0.1 .

# Build (--ignore-scripts: see gm.Dockerfile). The front end (Preact, uPlot) is bundled by Vite into
# dist/public at build time: nothing is fetched from a CDN at run time. @sedna-ts/internal is bundled
# into the dashboard's dist: needed here, not in the image.
FROM node:20-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY packages/internal/package.json packages/internal/
COPY packages/dashboard/package.json packages/dashboard/
RUN npm install --ignore-scripts --no-audit --no-fund --include-workspace-root -w @sedna-ts/internal -w @sedna-ts/dashboard
COPY packages/internal/ packages/internal/
COPY packages/dashboard/ packages/dashboard/
RUN npx nx run-many -t build -p @sedna-ts/dashboard --outputStyle=static

# Production dependencies only (@kubernetes/client-node, pino), from the same lockfile.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/dashboard/package.json packages/dashboard/
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund -w @sedna-ts/dashboard && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/dashboard/dist packages/dashboard/dist
COPY packages/dashboard/bin packages/dashboard/bin
USER node
EXPOSE 8080
ENTRYPOINT ["node", "/app/packages/dashboard/bin/sedna-dashboard.js"]
