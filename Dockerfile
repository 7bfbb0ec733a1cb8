# Labwire worker and API image (used by docker-compose.yml). The same image runs either role:
#   docker run labwire worker   |   docker run labwire api
# The dashboard is built in a stage of its own (Vite is a development dependency); only web/dist is kept.
FROM node:20-bookworm-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./web
RUN npm run build:web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY web ./web
COPY scripts/ensure-dashboard.cjs ./scripts/ensure-dashboard.cjs
COPY --from=dashboard /app/web/dist ./web/dist
# The process runs as `node`: its data directory (the first admin's generated password) is one it can write.
# Created here, owned by node, so a named volume mounted on it (docker-compose) starts writable too.
ENV LABWIRE_DATA_DIR=/home/node/labwire
RUN mkdir -p "$LABWIRE_DATA_DIR" && chown node:node "$LABWIRE_DATA_DIR"
USER node
ENTRYPOINT ["/app/bin/labwire"]
CMD ["api"]
