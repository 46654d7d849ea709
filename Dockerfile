# One image for every Flowport role; the role is chosen with FLOWPORT_ROLES at run time.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# isolated-vm compiles its native addon when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json nx.json tsconfig.base.json .swcrc ./
COPY connector-sdk connector-sdk
COPY services services
COPY registry registry
COPY connectors connectors
COPY studio-ui studio-ui
RUN npm ci
# The platform packages in dependency order (the same build as `npm start`), the built-in
# connectors with the SDK CLI (seeded on first start), and the studio served by the api role.
RUN node services/api/scripts/start.js --build-only \
 && npm run build:connector --workspaces --if-present \
 && npm run build -w studio-ui \
 && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production NODE_OPTIONS=--no-node-snapshot PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000
CMD ["node", "services/api/dist/main.js"]
