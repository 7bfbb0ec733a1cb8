# Labwire worker and API image (used by docker-compose.yml). The same image runs either role:
#   docker run labwire worker   |   docker run labwire api
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
USER node
ENTRYPOINT ["/app/bin/labwire"]
CMD ["api"]
