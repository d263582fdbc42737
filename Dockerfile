# One image for the five Shipshape services; pick the service with the SERVICE build arg, e.g.
#   docker build --build-arg SERVICE=task-manager -t shipshape-task-manager .
# docker-compose.yml builds it once per service. Entry point: node services/$SERVICE/dist/main.js.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# Manifests first, so dependency installs stay cached while sources change.
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY libs/manifests/package.json libs/manifests/
COPY libs/messaging/package.json libs/messaging/
COPY libs/service-kit/package.json libs/service-kit/
COPY libs/telemetry/package.json libs/telemetry/
COPY libs/testkit/package.json libs/testkit/
COPY services/task-manager/package.json services/task-manager/
COPY services/change-service/package.json services/change-service/
COPY services/test-env-service/package.json services/test-env-service/
COPY services/release-service/package.json services/release-service/
COPY services/detection-service/package.json services/detection-service/
# --ignore-scripts: the image already has Node 22, the `node` devDependency's download is not needed.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY contracts contracts
COPY libs libs
COPY services services
RUN node node_modules/typescript/bin/tsc -b tsconfig.json \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
ARG SERVICE=task-manager
ENV SERVICE=${SERVICE}
USER node
# exec: the service is PID 1's child-free replacement and receives SIGTERM itself (graceful shutdown).
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/main.js"]
