# The tickflow apps for docker-compose.yml: one image, one command per service
# (`node bin/tickflow.mjs <process|ingest|store|lake|api|topics|migrate>`). TypeScript runs through
# tsx, so there is no build step.
FROM node:20-bookworm-slim

WORKDIR /app
COPY . .
# Runtime dependencies only; the postinstall step applies tools/patch-deps.mjs (kafkajs fixes).
RUN npm install --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /app/data /data/lake \
 && chown node:node /app/data /data /data/lake

USER node
CMD ["node", "bin/tickflow.mjs", "--help"]
