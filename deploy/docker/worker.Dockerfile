# syntax=docker/dockerfile:1
# The base image of worker containers: the worker SDK with onnxruntime-node (CPU), sharp, and tfjs with
# its wasm backend, plus tsx for TypeScript scripts. Build from the repository root:
#   docker build -f deploy/docker/worker.Dockerfile -t sedna-ts/worker:0.1 .
# A worker image adds its scripts under /app/worker, where they resolve @sedna-ts/worker-sdk:
#   FROM sedna-ts/worker:0.1
#   COPY train.ts eval.ts inference.ts /app/worker/
# and the pod template names the script in args (args: ["train.ts"]), as on one machine.

# Build (--ignore-scripts: see gm.Dockerfile; onnxruntime-node's CPU build and sharp's libvips come in
# their npm packages, no install script is needed). @sedna-ts/internal is bundled into the SDK's dist:
# needed here, not in the image.
FROM node:20-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/hard-example-mining/package.json packages/hard-example-mining/
COPY packages/internal/package.json packages/internal/
COPY packages/worker-sdk/package.json packages/worker-sdk/
RUN npm install --ignore-scripts --no-audit --no-fund --include-workspace-root -w @sedna-ts/api-types -w @sedna-ts/hard-example-mining -w @sedna-ts/internal -w @sedna-ts/worker-sdk
COPY packages/api-types/ packages/api-types/
COPY packages/hard-example-mining/ packages/hard-example-mining/
COPY packages/internal/ packages/internal/
COPY packages/worker-sdk/ packages/worker-sdk/
RUN npx nx run-many -t build -p @sedna-ts/worker-sdk --outputStyle=static

# Production dependencies only, from the same lockfile, and tsx (the root's development version) as a
# production dependency of the image, for `node --import tsx script.ts`; so are the SDK's optional peer
# dependencies (onnxruntime-node, sharp, tfjs and its wasm backend: the versions its workspace tests
# with), which a worker's scripts need. onnxruntime-node ships its binaries for every platform: only
# Linux ones are kept.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/api-types/package.json packages/api-types/
COPY packages/hard-example-mining/package.json packages/hard-example-mining/
COPY packages/worker-sdk/package.json packages/worker-sdk/
RUN TSX_VERSION="$(node -p "require('./package.json').devDependencies.tsx")" \
 && npm pkg delete devDependencies.tsx \
 && npm pkg set "dependencies.tsx=${TSX_VERSION}" \
 && for peer in onnxruntime-node sharp @tensorflow/tfjs @tensorflow/tfjs-backend-wasm; do \
      npm pkg set "dependencies.${peer}=$(node -p "require('./packages/worker-sdk/package.json').devDependencies['${peer}']")" || exit 1; \
    done \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund --include-workspace-root -w @sedna-ts/worker-sdk \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/api-types/dist packages/api-types/dist
COPY --from=build /src/packages/hard-example-mining/dist packages/hard-example-mining/dist
COPY --from=build /src/packages/worker-sdk/dist packages/worker-sdk/dist
WORKDIR /app/worker
# Root, as the original's workers: they write into hostPath outputs owned by root.
ENTRYPOINT ["node", "--import", "tsx"]
