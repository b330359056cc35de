# Parley: build with the toolchain, run on a slim image as the non-root `node` user.
#   docker build -t parley .
#   docker run -d -p 8080:8080 -v parley-data:/data -e SECRET="$(openssl rand -base64 48)" parley

# ---- build: compile TypeScript and the native better-sqlite3 addon ----
FROM node:20-bookworm-slim AS build
# better-sqlite3 12 falls back to node-gyp (python3, make, g++) when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The image ships npm 10, which ignores package.json's `allowScripts` (an npm 11 setting) and runs
# install scripts by default, so better-sqlite3's addon is built here.
RUN npm ci
COPY . .
# Build, then drop dev dependencies in this same stage so the compiled addon stays in node_modules.
RUN npm run build \
 && npm prune --omit=dev \
 && npm cache clean --force

# ---- runtime ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8080
WORKDIR /app
# Code stays root-owned (read-only for the app); only /data is writable by `node` (uid 1000).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME /data
EXPOSE 8080
# No curl in the slim image: node's own fetch checks liveness.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
# node directly (not `npm start`): SIGTERM reaches the process, which drains requests and closes storage.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
