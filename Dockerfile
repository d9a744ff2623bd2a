# syntax=docker/dockerfile:1
# rolegate production image: built in one stage, run from a slim one as a
# non-root user. Migrations run before start (see docker-compose.yml).
# Only src/ is built and only production dependencies are kept: the devstack
# (devstack/, the demo's local STS and IdP) and its packages are not in it.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    ROLEGATE_MODE=production \
    ROLEGATE_PORT=8080
WORKDIR /app
RUN groupadd --system rolegate && useradd --system --gid rolegate --home-dir /app --shell /usr/sbin/nologin rolegate
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
USER rolegate
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
