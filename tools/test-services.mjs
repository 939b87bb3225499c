#!/usr/bin/env node
// Starts what the integration tests need on this machine — a real single-node Apache Kafka broker
// (KRaft, loopback only, jars from Maven Central) and Redis — idempotently, and prints how to reach
// them. Node built-ins only, so it runs before any `npm install`. See tools/test-services/README.md.
//
//   node tools/test-services.mjs [up|down|status|restart-kafka [--hard]|reset]
//
// `up` prints `KAFKA_BROKERS=…` and `REDIS_URL=…` on stdout (progress goes to stderr), so
// `eval "$(node tools/test-services.mjs up)"` works. Exit 0 when done, 1 on failure (the message
// names what failed and where its log is), 2 on a usage error.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const POM = join(HERE, 'test-services', 'kafka-pom', 'pom.xml');

/** Failure with the log a reader should open next. */
class ServiceError extends Error {
  constructor(message, logPath) {
    super(message);
    this.logPath = logPath;
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration (environment, read once)
// ---------------------------------------------------------------------------------------------

function envInt(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ServiceError(`${name}=${JSON.stringify(raw)} is not an integer in [${min}, ${max}]`);
  }
  return n;
}

function loadConfig() {
  const pom = readFileSync(POM, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new ServiceError(`no <kafka.version> in ${POM}`);
  const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tickflow');
  const port = envInt('KAFKA_PORT', 19092, 1, 65535);
  const controllerPort = envInt('KAFKA_CONTROLLER_PORT', port + 1, 1, 65535);
  if (controllerPort === port) throw new ServiceError(`KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT (${port})`);
  const kafkaHome = join(cacheRoot, `kafka-${version}`);
  const runDir = join(cacheRoot, `broker-${port}`);
  return Object.freeze({
    pom,
    version,
    cacheRoot,
    host: '127.0.0.1',
    port,
    controllerPort,
    kafkaHome,
    libs: join(kafkaHome, 'libs'),
    libsMarker: join(kafkaHome, 'libs.ok'),
    mavenLog: join(kafkaHome, 'maven.log'),
    runDir,
    dataDir: join(runDir, 'data'),
    serverProps: join(runDir, 'server.properties'),
    log4jProps: join(runDir, 'log4j.properties'),
    kafkaLog: join(runDir, 'kafka.log'),
    formatLog: join(runDir, 'format.log'),
    pidFile: join(runDir, 'kafka.pid'),
    lockFile: join(cacheRoot, `broker-${port}.lock`),
    heapOpts: (process.env.KAFKA_HEAP_OPTS || '-Xms256m -Xmx512m').split(/\s+/).filter(Boolean),
    startTimeoutMs: envInt('KAFKA_START_TIMEOUT_MS', 120_000, 1_000, 3_600_000),
    stopTimeoutMs: envInt('KAFKA_STOP_TIMEOUT_MS', 30_000, 0, 600_000),
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  });
}

/** spawnSync without blocking the event loop (Redis and Kafka are brought up concurrently). */
function run(cmd, args, opts) {
  return new Promise((resolve) => {
    let timer;
    const child = spawn(cmd, args, opts);
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, signal: null, error, out });
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, error: null, out });
    });
    if (opts.timeout) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout);
  });
}

const say = (msg) => process.stderr.write(`[test-services] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes and ports
// ---------------------------------------------------------------------------------------------

/** True when `pid` is a live process (a zombie counts as dead). */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) is all we have
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/** Our broker is a `kafka.Kafka` JVM started with this run dir's server.properties. */
function isOurBroker(pid, cfg) {
  if (!isAlive(pid)) return false;
  const args = cmdline(pid);
  if (args === null) return true; // cannot tell without /proc; trust the pid file
  return args.includes('kafka.Kafka') && args.includes(cfg.serverProps);
}

function readPid(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid of our broker: the pid file, else a scan of /proc (a start interrupted before it wrote the file). */
function findOurBroker(cfg) {
  const pid = readPid(cfg.pidFile);
  if (pid !== null && isOurBroker(pid, cfg)) return pid;
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const args = cmdline(Number(e));
    if (args && args.includes('kafka.Kafka') && args.includes(cfg.serverProps) && isAlive(Number(e))) {
      writeFileSync(cfg.pidFile, `${e}\n`);
      return Number(e);
    }
  }
  return null;
}

/** Resolves true when something accepts TCP connections on host:port. */
function isListening(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, host, () => done(true));
  });
}

/** Sends `request` and resolves with the bytes received until `complete(buf)` says the reply is whole. */
function exchange(host, port, request, complete, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      s.destroy();
      reject(err);
    };
    s.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    s.once('error', fail);
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (complete(buf)) {
        s.destroy();
        resolve(buf);
      }
    });
    s.once('end', () => fail(new Error(`${host}:${port} closed the connection`)));
    s.connect(port, host, () => s.write(request));
  });
}

// ---------------------------------------------------------------------------------------------
// Kafka wire protocol: just enough to ask a broker whether it serves (no kafkajs needed)
// ---------------------------------------------------------------------------------------------

let correlationId = 0;

/** One Kafka request (non-flexible header v1, client id `test-services`); resolves with the body after the correlation id. */
async function kafkaRequest(host, port, apiKey, apiVersion, body) {
  const clientId = Buffer.from('test-services');
  const header = Buffer.alloc(10);
  const corr = ++correlationId;
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(corr, 4);
  header.writeInt16BE(clientId.length, 8);
  const payload = Buffer.concat([header, clientId, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  const reply = await exchange(host, port, Buffer.concat([size, payload]), (b) => b.length >= 4 && b.length >= 4 + b.readInt32BE(0));
  if (reply.readInt32BE(4) !== corr) throw new Error('Kafka reply with a foreign correlation id');
  return reply.subarray(8, 4 + reply.readInt32BE(0));
}

/** Number of live brokers in a Metadata (v1, no topics) answer; throws when the port does not speak Kafka. */
async function kafkaBrokerCount(host, port) {
  const body = Buffer.alloc(4);
  body.writeInt32BE(0, 0); // empty topic array: brokers only
  const reply = await kafkaRequest(host, port, 3, 1, body);
  return reply.readInt32BE(0);
}

/**
 * Asks for the group or transaction coordinator (FindCoordinator v1), which makes a fresh broker
 * create and load `__consumer_offsets` / `__transaction_state`. Resolves with the error code (0 = ready).
 */
async function findCoordinator(host, port, key, keyType) {
  const k = Buffer.from(key);
  const body = Buffer.alloc(2 + k.length + 1);
  body.writeInt16BE(k.length, 0);
  k.copy(body, 2);
  body.writeInt8(keyType, 2 + k.length);
  const reply = await kafkaRequest(host, port, 10, 1, body);
  return reply.readInt16BE(4); // after throttle_time_ms
}

// ---------------------------------------------------------------------------------------------
// Locking: concurrent `up` calls (parallel test files) start one broker, download once
// ---------------------------------------------------------------------------------------------

async function withLock(file, what, timeoutMs, fn) {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = readPid(file);
      if (holder === null || !isAlive(holder)) {
        // The holder died (or is mid-write: give it a moment before calling the lock stale).
        let ageMs = 0;
        try {
          ageMs = Date.now() - statSync(file).mtimeMs;
        } catch {
          continue;
        }
        if (holder !== null || ageMs > 2000) rmSync(file, { force: true });
        else await sleep(50);
        continue;
      }
      if (Date.now() > deadline) throw new ServiceError(`${what}: still locked by pid ${holder} after ${timeoutMs} ms (${file})`);
      if (!announced) say(`waiting for pid ${holder} (${what})…`);
      announced = true;
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Jars from Maven Central, once
// ---------------------------------------------------------------------------------------------

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    const p = join(dir, cmd);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

function javaBin() {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : null;
  if (fromHome && existsSync(fromHome)) return fromHome;
  const java = which('java');
  if (!java) throw new ServiceError('java not found (set JAVA_HOME or put java 17+ on PATH)');
  return java;
}

function jarsReady(cfg, pomHash) {
  try {
    return readFileSync(cfg.libsMarker, 'utf8').trim() === pomHash && readdirSync(cfg.libs).some((f) => f.startsWith('kafka_2.13-'));
  } catch {
    return false;
  }
}

async function ensureJars(cfg) {
  const pomHash = createHash('sha256').update(cfg.pom).digest('hex');
  if (jarsReady(cfg, pomHash)) return;
  await withLock(`${cfg.kafkaHome}.lock`, `downloading Kafka ${cfg.version}`, 15 * 60_000, async () => {
    if (jarsReady(cfg, pomHash)) return; // another process did it while we waited
    const mvn = which('mvn');
    if (!mvn) throw new ServiceError('mvn not found on PATH: it is needed once to fetch the Kafka jars from Maven Central');
    mkdirSync(cfg.kafkaHome, { recursive: true });
    const tmp = `${cfg.libs}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    say(`fetching Kafka ${cfg.version} jars from Maven Central (once; log: ${cfg.mavenLog})…`);
    const t0 = Date.now();
    const args = ['-B', '-ntp', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`];
    const log = openSync(cfg.mavenLog, 'w');
    writeFileSync(log, `$ mvn ${args.join(' ')}\n`);
    const r = await run(mvn, args, { cwd: dirname(POM), stdio: ['ignore', log, log], timeout: 14 * 60_000 });
    closeSync(log);
    if (r.status !== 0 || !existsSync(tmp)) {
      rmSync(tmp, { recursive: true, force: true });
      const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
      throw new ServiceError(`Maven could not fetch the Kafka ${cfg.version} jars (${why}); is Maven Central reachable?`, cfg.mavenLog);
    }
    rmSync(cfg.libs, { recursive: true, force: true });
    renameSync(tmp, cfg.libs);
    writeFileSync(cfg.libsMarker, `${pomHash}\n`);
    say(`Kafka jars ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${readdirSync(cfg.libs).length} jars in ${cfg.libs})`);
  });
}

// ---------------------------------------------------------------------------------------------
// The broker
// ---------------------------------------------------------------------------------------------

function serverProperties(cfg) {
  const { host, port, controllerPort } = cfg;
  return `# Generated by tools/test-services.mjs on every start; edits are overwritten.
# Single-node KRaft test broker: combined broker+controller, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${controllerPort}
listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}
advertised.listeners=PLAINTEXT://${host}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${cfg.dataDir}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Fewer internal partitions than the production default (50): a fresh broker creates and loads
# them on the first group join / first transaction, which is what tests wait on.
offsets.topic.num.partitions=8
transaction.state.log.num.partitions=8
# After a SIGKILL (restart-kafka --hard) the restarted controller keeps the dead broker's
# registration until its session times out (default 9 s: DUPLICATE_BROKER_REGISTRATION meanwhile).
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=500
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.check.interval.ms=300000
`;
}

const LOG4J = `# Generated by tools/test-services.mjs. Everything goes to stdout, which is the broker's log file.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.cluster.Partition=WARN
log4j.logger.kafka.log.UnifiedLog=WARN
log4j.logger.kafka.log.UnifiedLog$=WARN
log4j.logger.kafka.log.LogManager=WARN
log4j.logger.kafka.log.LocalLog=WARN
log4j.logger.kafka.log.LocalLog$=WARN
log4j.logger.kafka.server.ReplicaFetcherManager=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.org.apache.kafka.controller=WARN
log4j.logger.org.apache.kafka.image=WARN
log4j.logger.org.apache.kafka.metadata=WARN
log4j.logger.kafka.server.metadata=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.kafka.utils.Log4jControllerRegistration$=WARN
`;

function jvmArgs(cfg) {
  return [
    ...cfg.heapOpts,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${cfg.log4jProps}`,
    `-Dkafka.logs.dir=${cfg.runDir}`,
    '-cp',
    join(cfg.libs, '*'),
  ];
}

/** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-' (as Uuid.randomUuid). */
function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorage(cfg, java) {
  if (existsSync(join(cfg.dataDir, 'meta.properties'))) return;
  const clusterId = newClusterId();
  const args = [...jvmArgs(cfg), 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', clusterId, '-c', cfg.serverProps];
  const log = openSync(cfg.formatLog, 'w');
  const r = await run(java, args, { stdio: ['ignore', log, log], timeout: 120_000 });
  closeSync(log);
  if (r.status !== 0) {
    throw new ServiceError(`formatting the Kafka data dir ${cfg.dataDir} failed (${r.error?.message ?? `exit code ${r.status}`})`, cfg.formatLog);
  }
}

function logTail(file, lines = 15) {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

/**
 * Waits until the broker answers Metadata with itself as a live broker and its group and
 * transaction coordinators are loaded; resolves with how long each phase took.
 */
async function waitForBroker(cfg, pid, timeoutMs) {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let brokers = 0; // when Metadata first listed a live broker
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (pid !== null && !isAlive(pid)) {
      throw new ServiceError(`the Kafka broker (pid ${pid}) exited during start-up:\n${logTail(cfg.kafkaLog)}`, cfg.kafkaLog);
    }
    try {
      if (!brokers) {
        const n = await kafkaBrokerCount(cfg.host, cfg.port);
        if (n < 1) throw new Error('metadata lists no live broker yet');
        brokers = Date.now();
      }
      // Load both coordinators now, so the first consumer group / transaction in a test does not
      // pay for creating __consumer_offsets / __transaction_state (error 15 = not available yet).
      const [group, txn] = await Promise.all([
        findCoordinator(cfg.host, cfg.port, 'test-services-probe', 0),
        findCoordinator(cfg.host, cfg.port, 'test-services-probe', 1),
      ]);
      if (group === 0 && txn === 0) return { servingMs: brokers - t0, coordinatorsMs: Date.now() - brokers };
      lastError = `coordinators not ready (group error ${group}, transaction error ${txn})`;
    } catch (err) {
      lastError = err.message;
    }
    await sleep(200);
  }
  throw new ServiceError(`the Kafka broker on ${cfg.host}:${cfg.port} did not become ready within ${timeoutMs} ms (${lastError})`, cfg.kafkaLog);
}

async function startBroker(cfg) {
  const java = javaBin();
  for (const p of [cfg.port, cfg.controllerPort]) {
    if (await isListening(cfg.host, p)) {
      throw new ServiceError(`port ${cfg.host}:${p} is taken by another process (not our broker); free it or set KAFKA_PORT / KAFKA_CONTROLLER_PORT`);
    }
  }
  await ensureJars(cfg);
  mkdirSync(cfg.dataDir, { recursive: true });
  writeFileSync(cfg.serverProps, serverProperties(cfg));
  writeFileSync(cfg.log4jProps, LOG4J);
  await formatStorage(cfg, java);
  if (existsSync(cfg.kafkaLog)) renameSync(cfg.kafkaLog, `${cfg.kafkaLog}.prev`);
  const out = openSync(cfg.kafkaLog, 'a');
  const t0 = Date.now();
  const child = spawn(java, [...jvmArgs(cfg), 'kafka.Kafka', cfg.serverProps], { cwd: cfg.runDir, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const spawned = await new Promise((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (err) => resolve(err));
  });
  if (spawned) throw new ServiceError(`could not start ${java}: ${spawned.message}`, cfg.kafkaLog);
  writeFileSync(cfg.pidFile, `${child.pid}\n`);
  child.unref();
  say(`starting Kafka ${cfg.version} (pid ${child.pid}) on ${cfg.host}:${cfg.port}…`);
  const { coordinatorsMs } = await waitForBroker(cfg, child.pid, cfg.startTimeoutMs);
  say(`Kafka ready in ${((Date.now() - t0) / 1000).toFixed(1)} s, coordinators loaded in the last ${(coordinatorsMs / 1000).toFixed(1)} s (log: ${cfg.kafkaLog})`);
  return child.pid;
}

/** SIGTERM, then SIGKILL after the stop timeout (or at once with `hard`). Resolves when the process is gone. */
async function stopBroker(cfg, hard = false) {
  const pid = findOurBroker(cfg);
  if (pid === null) {
    rmSync(cfg.pidFile, { force: true });
    return false;
  }
  const t0 = Date.now();
  say(`stopping Kafka (pid ${pid}${hard ? ', SIGKILL' : ''})…`);
  process.kill(pid, hard ? 'SIGKILL' : 'SIGTERM');
  let killed = hard;
  for (;;) {
    if (!isAlive(pid)) break;
    if (!killed && Date.now() - t0 > cfg.stopTimeoutMs) {
      say(`Kafka did not stop within ${cfg.stopTimeoutMs} ms; SIGKILL`);
      process.kill(pid, 'SIGKILL');
      killed = true;
    }
    await sleep(100);
  }
  rmSync(cfg.pidFile, { force: true });
  // The listeners close with the process; wait for the ports to be free for a quick restart.
  while ((await isListening(cfg.host, cfg.port, 200)) && Date.now() - t0 < cfg.stopTimeoutMs + 10_000) await sleep(100);
  say(`Kafka stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

async function ensureKafka(cfg) {
  return withLock(cfg.lockFile, `starting Kafka on port ${cfg.port}`, cfg.startTimeoutMs + 15 * 60_000, async () => {
    const pid = findOurBroker(cfg);
    if (pid !== null) {
      try {
        await waitForBroker(cfg, pid, Math.min(cfg.startTimeoutMs, 30_000));
        return pid; // ours and serving (or finished starting while we waited)
      } catch (err) {
        say(`our broker (pid ${pid}) does not answer (${err.message}); restarting it`);
        await stopBroker(cfg, true);
      }
    }
    return startBroker(cfg);
  });
}

async function kafkaStatus(cfg) {
  const pid = findOurBroker(cfg);
  let brokers = null;
  try {
    brokers = await kafkaBrokerCount(cfg.host, cfg.port);
  } catch {
    /* not answering */
  }
  return { pid, brokers, listening: brokers !== null || (await isListening(cfg.host, cfg.port)) };
}

// ---------------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------------

function redisTarget(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new ServiceError(`REDIS_URL=${JSON.stringify(url)} is not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:') throw new ServiceError(`REDIS_URL=${JSON.stringify(url)}: only redis:// is supported here`);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port: Number(u.port || 6379), username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

function resp(...parts) {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

/** 'PONG' when Redis answers PING; otherwise the error text. */
async function redisPing(t) {
  const auth = t.password ? (t.username ? resp('AUTH', t.username, t.password) : resp('AUTH', t.password)) : '';
  const want = t.password ? 2 : 1;
  try {
    const reply = (await exchange(t.host, t.port, auth + resp('PING'), (b) => b.toString().split('\r\n').length > want, 1500)).toString();
    const lines = reply.split('\r\n').filter(Boolean);
    if (lines[want - 1] === '+PONG') return 'PONG';
    return lines.find((l) => l.startsWith('-')) ?? reply.slice(0, 80);
  } catch (err) {
    return err.message;
  }
}

async function ensureRedis(cfg) {
  const t = redisTarget(cfg.redisUrl);
  const first = await redisPing(t);
  if (first === 'PONG') return;
  if (!first.startsWith('no answer') && !first.includes('closed')) {
    // Something answered, just not with PONG (auth, loading, not Redis). Give LOADING a moment.
    for (let i = 0; i < 50 && first.startsWith('-LOADING'); i++) {
      await sleep(200);
      if ((await redisPing(t)) === 'PONG') return;
    }
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(t.host)) {
    throw new ServiceError(`Redis at ${cfg.redisUrl} does not answer PING (${first}); it is not local, so it is not started here`);
  }
  if (await isListening(t.host, t.port)) {
    throw new ServiceError(`${t.host}:${t.port} is listening but does not answer PING with PONG (${first}); not starting another Redis`);
  }
  const server = which('redis-server');
  if (!server) throw new ServiceError(`Redis at ${cfg.redisUrl} is down and redis-server is not on PATH`);
  // The machine's standard command; without write access to /var/lib/redis, keep its files in the cache.
  let dir = '/var/lib/redis';
  let logfile = '/var/log/redis/ci.log';
  try {
    accessSync(dir, fsConstants.W_OK);
    accessSync(dirname(logfile), fsConstants.W_OK);
  } catch {
    dir = join(cfg.cacheRoot, 'redis');
    logfile = join(dir, 'redis.log');
    mkdirSync(dir, { recursive: true });
  }
  say(`Redis is down (${first}); starting redis-server on ${t.host}:${t.port} (log: ${logfile})…`);
  const r = await run(
    server,
    ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(t.port), '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logfile],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
  );
  if (r.status !== 0) {
    throw new ServiceError(`redis-server failed to start (${r.error?.message ?? `exit code ${r.status}`}: ${r.out.trim()})`, logfile);
  }
  for (let i = 0; i < 50; i++) {
    if ((await redisPing(t)) === 'PONG') return;
    await sleep(100);
  }
  throw new ServiceError(`redis-server started but ${t.host}:${t.port} does not answer PING`, logfile);
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

function printEnv(cfg) {
  process.stdout.write(`KAFKA_BROKERS=${cfg.host}:${cfg.port}\nREDIS_URL=${cfg.redisUrl}\n`);
}

async function up(cfg) {
  const t0 = Date.now();
  // Both even when one fails, so one run reports everything that is wrong.
  const [redis, kafka] = await Promise.allSettled([ensureRedis(cfg), ensureKafka(cfg)]);
  const failures = [redis, kafka].filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length > 0) throw failures.length === 1 ? failures[0] : new AggregateError(failures);
  say(`up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  printEnv(cfg);
}

async function status(cfg) {
  const k = await kafkaStatus(cfg);
  const redis = await redisPing(redisTarget(cfg.redisUrl));
  let ok = true;
  if (k.pid !== null && k.brokers !== null && k.brokers > 0) {
    process.stdout.write(`kafka: running (pid ${k.pid}, ${cfg.host}:${cfg.port}, controller ${cfg.controllerPort}, Kafka ${cfg.version}) log: ${cfg.kafkaLog}\n`);
  } else if (k.pid !== null) {
    ok = false;
    process.stdout.write(`kafka: starting or not answering (pid ${k.pid}) log: ${cfg.kafkaLog}\n`);
  } else if (k.listening) {
    ok = false;
    process.stdout.write(`kafka: ${cfg.host}:${cfg.port} is taken by a process that is not our broker\n`);
  } else {
    ok = false;
    process.stdout.write(`kafka: stopped (data: ${cfg.dataDir})\n`);
  }
  process.stdout.write(`redis: ${redis === 'PONG' ? 'running' : `not answering (${redis})`} (${cfg.redisUrl})\n`);
  if (redis !== 'PONG') ok = false;
  if (ok) printEnv(cfg);
  return ok ? 0 : 1;
}

async function main(argv) {
  const [command = 'up', ...rest] = argv;
  const cfg = loadConfig();
  const lockTimeoutMs = cfg.startTimeoutMs + cfg.stopTimeoutMs + 15 * 60_000;
  switch (command) {
    case 'up':
      await up(cfg);
      return 0;
    case 'status':
      return status(cfg);
    case 'down':
      await withLock(cfg.lockFile, `stopping Kafka on port ${cfg.port}`, lockTimeoutMs, async () => {
        if (!(await stopBroker(cfg))) say('Kafka is not running (nothing of ours to stop)');
      });
      say('Redis is left running (it is the machine’s shared service)');
      return 0;
    case 'restart-kafka': {
      const hard = rest.includes('--hard');
      await withLock(cfg.lockFile, `restarting Kafka on port ${cfg.port}`, lockTimeoutMs, async () => {
        await stopBroker(cfg, hard);
        await startBroker(cfg);
      });
      printEnv(cfg);
      return 0;
    }
    case 'reset':
      await withLock(cfg.lockFile, `resetting Kafka on port ${cfg.port}`, lockTimeoutMs, async () => {
        await stopBroker(cfg);
        rmSync(cfg.runDir, { recursive: true, force: true });
        say(`deleted ${cfg.runDir} (broker data, config and logs; the jars in ${cfg.kafkaHome} stay)`);
      });
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write('usage: node tools/test-services.mjs [up|down|status|restart-kafka [--hard]|reset]\n');
      return 0;
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\nusage: node tools/test-services.mjs [up|down|status|restart-kafka [--hard]|reset]\n`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const errors = err instanceof AggregateError ? err.errors : [err];
  for (const e of errors) {
    process.stderr.write(`[test-services] FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
    if (e instanceof ServiceError && e.logPath) process.stderr.write(`[test-services] log: ${e.logPath}\n`);
    if (!(e instanceof ServiceError) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  }
  process.exitCode = 1;
}
