// The cluster files (docker-compose.yml, ops/prometheus, ops/grafana) are validated here, without
// Docker: `docker-compose config` parses the compose file (no engine needed), promtool checks the
// Prometheus config and rules, and every metric name the rules and the dashboard use must be one the
// code registers (parsed from the prom-client constructors in apps/ and libs/), so a renamed metric
// fails this test. Every variable the compose file hands a tickflow app must be one that app's CLI
// documents. tools/ensure-ops-tools.mjs installs docker-compose and promtool when missing.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rel = (p: string) => join(root, p);

type OpsTools = { 'docker-compose': string; promtool: string };
let tools: OpsTools;

beforeAll(async () => {
  // Installs docker-compose and promtool on a fresh machine (apt-get; a no-op when present).
  const { ensureOpsTools } = (await import(new URL('../tools/ensure-ops-tools.mjs', import.meta.url).href)) as { ensureOpsTools: (opts?: { log?: (line: string) => void }) => OpsTools };
  tools = ensureOpsTools({ log: (line) => console.error(line) });
}, 600_000);

function run(cmd: string, args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

// ------------------------------------------------------------------ the metrics the code exports

/** Source files under apps/* /src and libs/* /src, tests excluded. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(p);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const top of ['apps', 'libs']) {
    for (const pkg of readdirSync(rel(top), { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      try {
        walk(join(rel(top), pkg.name, 'src'));
      } catch {
        // a package without src/
      }
    }
  }
  return files;
}

type MetricType = 'Counter' | 'Gauge' | 'Histogram' | 'Summary';

/**
 * The metrics registered by `new Counter|Gauge|Histogram|Summary({ name: … })` in the code: `name` a
 * string literal, or a constant declared in the same file (`const METRIC = '…'`).
 */
function codeMetrics(files = sourceFiles()): Map<string, { type: MetricType; file: string }> {
  const found = new Map<string, { type: MetricType; file: string }>();
  const ctor = /new\s+(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{\s*name\s*:\s*(?:'([^']+)'|"([^"]+)"|([A-Za-z_$][\w$]*))/g;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('prom-client')) continue;
    for (const m of text.matchAll(ctor)) {
      let name = m[2] ?? m[3];
      if (name === undefined && m[4] !== undefined) {
        const constant = new RegExp(`const\\s+${m[4].replace(/\$/g, '\\$')}\\s*(?::\\s*string\\s*)?=\\s*['"]([^'"]+)['"]`).exec(text);
        if (!constant) throw new Error(`${relative(root, file)}: metric name ${m[4]} is not a string constant of the file`);
        name = constant[1];
      }
      found.set(name!, { type: m[1] as MetricType, file: relative(root, file) });
    }
  }
  return found;
}

/** prom-client's default process/Node metrics (collectDefaultMetrics, which both apps call). */
async function defaultMetrics(): Promise<Map<string, MetricType>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const types: Record<string, MetricType> = { counter: 'Counter', gauge: 'Gauge', histogram: 'Histogram', summary: 'Summary' };
  return new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, types[String(m.type)] ?? 'Gauge']));
}

/** Series Prometheus itself makes. */
const PROMETHEUS_BUILTINS = ['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds', 'scrape_samples_scraped'];

function seriesNames(name: string, type: MetricType): string[] {
  if (type === 'Histogram') return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'Summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (functions, keywords, labels and strings left out). */
function promqlMetricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries (Grafana's $__rate_interval included)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+-?\w+/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const before = m.index > 0 ? s[m.index - 1]! : ' ';
    if (/[\w.]/.test(before)) continue; // part of a number such as 1e5
    const after = s.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

// ------------------------------------------------------------------ the files

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (): Rule[] => (parseYaml(readFileSync(rel('ops/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string } | string | null;
  targets?: { expr?: string; refId?: string; datasource?: unknown }[];
  panels?: Panel[];
}
const dashboard = () => JSON.parse(readFileSync(rel('ops/grafana/dashboards/tickflow.json'), 'utf8')) as { uid: string; title: string; panels: Panel[] };
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => (p.type === 'row' ? allPanels(p.panels ?? []) : [p]));

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets?: string[] }[];
  dns_sd_configs?: { names?: string[]; type?: string; port?: number }[];
}

/**
 * The host and port of every target a scrape config names: `host:port` of static_configs, and each
 * name of dns_sd_configs with its port. Docker's DNS answers A/AAAA only, and Prometheus defaults
 * dns_sd_configs to SRV and needs `port` with A/AAAA: a config that would find nothing is a `problem`.
 */
function scrapeTargets(c: ScrapeConfig): { host: string; port: number; problem?: string }[] {
  const targets: { host: string; port: number; problem?: string }[] = [];
  for (const s of c.static_configs ?? []) {
    for (const t of s.targets ?? []) {
      const at = t.lastIndexOf(':');
      targets.push(at < 0 ? { host: t, port: NaN, problem: `static target ${t} has no port` } : { host: t.slice(0, at), port: Number(t.slice(at + 1)) });
    }
  }
  for (const d of c.dns_sd_configs ?? []) {
    const type = d.type ?? 'SRV';
    const problem = type !== 'A' && type !== 'AAAA' ? `dns_sd_configs type ${type}: Docker's DNS answers A/AAAA only` : d.port === undefined ? 'dns_sd_configs type A/AAAA needs a port' : undefined;
    for (const name of d.names ?? []) targets.push({ host: name, port: d.port ?? NaN, ...(problem ? { problem } : {}) });
  }
  return targets;
}

// ------------------------------------------------------------------ tests

describe('metric names', () => {
  it('are parsed out of PromQL', () => {
    expect(promqlMetricNames('sum by (le, instance) (rate(a_seconds_bucket{status=~"5.."}[5m])) / on (x) group_left(y) b_total offset 5m > 1e5').sort()).toEqual(['a_seconds_bucket', 'b_total']);
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(x_bucket[$__rate_interval]))) > bool 0.5 and up == 0').sort()).toEqual(['up', 'x_bucket']);
  });

  it('are found in the code: processor, API, live feed and webhooks', () => {
    const names = codeMetrics();
    const byFile = (file: string) => [...names].filter(([, v]) => v.file === file).map(([k]) => k);
    expect(byFile('apps/processor/src/kafka/processor-metrics.ts')).toContain('tickflow_records_in_total');
    expect(byFile('apps/api/src/build-app.ts')).toContain('api_request_duration_seconds');
    expect(byFile('apps/api/src/live/live-metrics.ts')).toContain('live_event_to_delivery_seconds');
    expect(byFile('apps/api/src/webhooks/webhook-deliverer.ts')).toContain('webhook_deliveries_total');
  });

  it('used by the alert rules and the dashboard all exist in the code', async () => {
    const known = new Set<string>(PROMETHEUS_BUILTINS);
    for (const [name, { type }] of codeMetrics()) for (const s of seriesNames(name, type)) known.add(s);
    for (const [name, type] of await defaultMetrics()) for (const s of seriesNames(name, type)) known.add(s);

    const used: { where: string; name: string }[] = [];
    for (const r of rules()) for (const name of promqlMetricNames(r.expr)) used.push({ where: `alerts.yml ${r.alert ?? r.record}`, name });
    for (const p of allPanels(dashboard().panels)) for (const t of p.targets ?? []) for (const name of promqlMetricNames(t.expr ?? '')) used.push({ where: `dashboard panel "${p.title}" ${t.refId}`, name });

    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((u) => !known.has(u.name)).map((u) => `${u.where}: ${u.name}`)).toEqual([]);
  });
});

describe('ops/prometheus', () => {
  it('promtool accepts the rules and the config', () => {
    const checkRules = run(tools.promtool, ['check', 'rules', 'ops/prometheus/alerts.yml']);
    expect(checkRules.code, checkRules.out).toBe(0);
    const checkConfig = run(tools.promtool, ['check', 'config', 'ops/prometheus/prometheus.yml']);
    expect(checkConfig.code, checkConfig.out).toBe(0);
  });

  it('every alert has a severity, a summary and a description, and the seed 000 §10.5 rules are translated', () => {
    const all = rules();
    for (const r of all) {
      expect(r.alert, r.expr).toMatch(/^Tickflow\w+$/);
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
    const exprs = all.map((r) => r.expr).join('\n');
    for (const metric of [
      'tickflow_consumer_lag_records',
      'tickflow_checkpoint_failures_total',
      'tickflow_checkpoint_duration_seconds_bucket',
      'tickflow_records_in_total',
      'tickflow_dlq_events_total',
      'tickflow_deserialization_errors_total',
      'tickflow_watermark_lag_seconds',
      'tickflow_input_to_commit_seconds_bucket',
      'live_event_to_delivery_seconds_bucket',
      'api_request_duration_seconds_count',
      'webhook_deliveries_total',
      'tickflow_tasks',
    ]) expect(exprs, metric).toContain(metric);
  });

  it('scrapes the processor and the API at services of the compose file, on the ports they serve', () => {
    const config = parseYaml(readFileSync(rel('ops/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: ScrapeConfig[] };
    const compose = parseYaml(readFileSync(rel('docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { environment?: Record<string, unknown> }> };
    const services = Object.keys(compose.services);
    const jobs = new Map(config.scrape_configs.map((c) => [c.job_name, scrapeTargets(c)]));
    expect([...jobs.keys()]).toEqual(expect.arrayContaining(['tickflow-processor', 'tickflow-api']));
    for (const [job, targets] of jobs) {
      expect(targets.length, `${job}: no targets`).toBeGreaterThan(0);
      for (const t of targets) {
        expect(t.problem, `${job}: ${t.host}`).toBeUndefined();
        expect(t.host === 'localhost' || services.includes(t.host), `${job}: ${t.host} is not a compose service`).toBe(true);
      }
    }

    // Every app that serves metrics is scraped at its service name on the port compose gives it.
    const env = (service: string) => compose.services[service]?.environment ?? {};
    const processorPort = Number(env('processor').TICKFLOW_METRICS_PORT ?? 9464);
    const apps: { job: string; host: string; port: number }[] = [
      { job: 'tickflow-processor', host: 'processor', port: processorPort },
      { job: 'tickflow-api', host: 'api', port: Number(env('api').PORT) },
    ];
    for (const app of apps) {
      expect(Number.isInteger(app.port) && app.port > 0, `${app.host}: metrics port`).toBe(true);
      expect(jobs.get(app.job), app.job).toContainEqual({ host: app.host, port: app.port });
    }
    // The processor binds 127.0.0.1 unless told otherwise, which Prometheus (another container)
    // cannot reach.
    expect(['0.0.0.0', '::'], 'processor TICKFLOW_METRICS_HOST').toContain(String(env('processor').TICKFLOW_METRICS_HOST));
  });
});

describe('ops/grafana', () => {
  it('the dashboard parses; every panel has the provisioned datasource and targets', () => {
    const provisioned = parseYaml(readFileSync(rel('ops/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string; type: string }[] };
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    const d = dashboard();
    expect(d.uid).toBeTruthy();
    const panels = allPanels(d.panels);
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const p of panels) {
      const ds = p.datasource;
      expect(ds && typeof ds === 'object' ? ds.uid : ds, `panel "${p.title}" datasource`).toSatisfy((uid: unknown) => typeof uid === 'string' && uids.has(uid));
      expect(p.targets?.length, `panel "${p.title}" targets`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.expr?.trim(), `panel "${p.title}" ${t.refId}`).toBeTruthy();
    }
    const provider = parseYaml(readFileSync(rel('ops/grafana/provisioning/dashboards/tickflow.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const compose = readFileSync(rel('docker-compose.yml'), 'utf8');
    for (const p of provider.providers) expect(compose).toContain(`./ops/grafana/dashboards:${p.options.path}:ro`);
  });

  it('the dashboard shows the panels ops asked for', () => {
    const exprs = allPanels(dashboard().panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')).join('\n');
    for (const metric of [
      'tickflow_records_in_total', // throughput
      'live_event_to_delivery_seconds_bucket', // latency p99
      'tickflow_input_to_commit_seconds_bucket',
      'tickflow_watermark_lag_seconds',
      'tickflow_checkpoint_duration_seconds_bucket',
      'tickflow_dlq_events_total',
      'tickflow_price_alerts_fired_total', // alerts by severity
      'ALERTS',
      'api_request_duration_seconds_count', // API rate
      'api_request_duration_seconds_bucket', // API p99
      'live_ws_connections', // WS / live deliveries
      'webhook_deliveries_total', // webhook outcomes
    ]) expect(exprs, metric).toContain(metric);
  });
});

describe('docker-compose.yml', () => {
  const composeConfig = () => {
    const r = run(tools['docker-compose'], ['-f', 'docker-compose.yml', 'config']);
    expect(r.code, r.out).toBe(0);
    return parseYaml(r.out) as { services: Record<string, { command?: string[] | string; environment?: Record<string, unknown> | string[] }> };
  };

  it('`docker-compose config -q` accepts it', () => {
    const r = run(tools['docker-compose'], ['-f', 'docker-compose.yml', 'config', '-q']);
    expect(r.code, r.out).toBe(0);
  });

  it('commits no secrets: every password is ${VAR:-…dev-only}', () => {
    const lines = readFileSync(rel('docker-compose.yml'), 'utf8').split('\n').filter((l) => /PASSWORD\s*:/.test(l) && !l.trimStart().startsWith('#'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/:\s*\$\{[A-Z_]+:-[^}]*dev-only\}\s*$/);
  });

  it('Redis persists (AOF) and the apps, Prometheus and Grafana are all there', () => {
    const services = composeConfig().services;
    expect(services.redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    const commands = Object.values(services).map((s) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '')));
    for (const cmd of ['process', 'ingest simulate', 'store', 'lake', 'api', 'topics --create', 'migrate']) expect(commands, cmd).toContainEqual(expect.stringContaining(`bin/tickflow.mjs ${cmd}`));
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['kafka', 'redis', 'clickhouse', 'prometheus', 'grafana']));
  });

  it("passes each tickflow app only variables that app's CLI documents", () => {
    // Settings read by code the command runs, for variables its --help does not spell out.
    const settingsCode: Record<string, string[]> = {
      api: ['apps/api/src/api-settings.ts', 'libs/clickhouse/src/clickhouse-settings.ts'],
      store: ['libs/clickhouse/src/clickhouse-settings.ts'],
      migrate: ['libs/clickhouse/src/clickhouse-settings.ts'],
    };
    const services = composeConfig().services;
    const problems: string[] = [];
    let apps = 0;
    for (const [service, def] of Object.entries(services)) {
      const argv = Array.isArray(def.command) ? def.command : (def.command ?? '').split(/\s+/);
      const at = argv.indexOf('bin/tickflow.mjs');
      if (at < 0) continue;
      apps++;
      const sub: string[] = [];
      for (const a of argv.slice(at + 1)) {
        if (a.startsWith('-')) break;
        sub.push(a);
      }
      const help = run(process.execPath, ['bin/tickflow.mjs', ...sub, '--help']);
      expect(help.code, `${service}: tickflow ${sub.join(' ')} --help\n${help.out}`).toBe(0);
      const code = (settingsCode[sub[0]!] ?? []).map((f) => readFileSync(rel(f), 'utf8')).join('\n');
      const env = Array.isArray(def.environment) ? def.environment.map((e) => e.split('=')[0]!) : Object.keys(def.environment ?? {});
      for (const name of env) {
        const documented = new RegExp(`\\b${name}\\b`).test(help.out) || code.includes(`env: '${name}'`);
        if (!documented) problems.push(`${service} (tickflow ${sub.join(' ')}): ${name}`);
      }
    }
    expect(apps).toBeGreaterThanOrEqual(7);
    expect(problems).toEqual([]);
  }, 180_000);
});
