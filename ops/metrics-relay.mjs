#!/usr/bin/env node
// A plain TCP relay: `node ops/metrics-relay.mjs --listen 0.0.0.0:9465 --target 127.0.0.1:9464`.
// docker-compose.yml runs it in the processor's network namespace because `tickflow process`
// serves /metrics on 127.0.0.1 only; the relay makes it reachable as processor:9465 for Prometheus.
// Node built-ins only.
import { createConnection, createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { listen: { type: 'string', default: '0.0.0.0:9465' }, target: { type: 'string', default: '127.0.0.1:9464' } } });

function hostPort(value, name) {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65_535) {
    console.error(`metrics-relay: --${name} must be host:port, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return { host: m[1], port: Number(m[2]) };
}

const listen = hostPort(values.listen, 'listen');
const target = hostPort(values.target, 'target');

const server = createServer((client) => {
  const upstream = createConnection(target);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(listen.port, listen.host, () => console.error(`metrics-relay: ${listen.host}:${listen.port} -> ${target.host}:${target.port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
