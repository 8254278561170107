import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseMetrics } from '../../bank-core/test/support/metrics-text';
import { startTestApp, type TestApp } from '../../bank-core/test/support/test-app';
import { SUPPORTED_CURRENCIES } from '../../bank-core/src/utils/currencies';
import { familyOf, queryParts, REPO_ROOT, repoFile, yamlFile, type ComposeService, type Dashboard } from './support/deploy-files';
import { startService, type TestService } from './support/ws-service';

// docker-compose.yml, deploy/prometheus, deploy/grafana and deploy/nginx must describe one topology.
const compose = yamlFile<{ services: Record<string, ComposeService>; volumes: Record<string, unknown> }>('docker-compose.yml');
const services = compose.services;
const instancesOf = (prefix: string) => Object.keys(services).filter((name) => new RegExp(`^${prefix}-\\d+$`).test(name));
const bankCores = instancesOf('bank-core');
const websockets = instancesOf('websocket');
const env = (name: string) => services[name]?.environment ?? {};
const addressOf = (name: string) => `${name}:${env(name).APP_PORT_1 ?? env(name).APP_PORT_2}`;

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs: { targets: string[] }[];
}
const prometheus = yamlFile<{ scrape_configs: ScrapeConfig[] }>('deploy/prometheus/prometheus.yml');
const targetsOf = (job: string) =>
  prometheus.scrape_configs.find((config) => config.job_name === job)?.static_configs.flatMap((c) => c.targets);

const datasources = yamlFile<{ datasources: { uid: string; type: string; url: string }[] }>(
  'deploy/grafana/provisioning/datasources/prometheus.yml',
).datasources;
const providers = yamlFile<{ providers: { options: { path: string } }[] }>('deploy/grafana/provisioning/dashboards/bank.yml').providers;
const dashboard = JSON.parse(repoFile('deploy/grafana/dashboards/bank.json')) as Dashboard;
const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, ...queryParts(target.expr) })));

/** Mounts of a compose service as { host path (from the repository root): container path }. */
const mountsOf = (name: string) =>
  Object.fromEntries((services[name]?.volumes ?? []).map((volume) => volume.split(':')).map(([from, to]) => [path.normalize(from!), to]));

// contracts between the branches of issue 10: the names each service exposes on /metrics.
const CONTRACT = {
  'bank-core': [
    'http_requests_total',
    'http_request_duration_seconds',
    'bank_transfers_total',
    'bank_amount_minor_units_total',
    'bank_refusals_total',
    'bank_outbox_unpublished_events',
  ],
  websocket: ['websocket_open_sockets', 'websocket_consumer_pending_events', 'websocket_bank_core_breaker_state'],
};
// Exposed only by an instance that has NATS (the relay's and the consumer's gauges): not on a test instance without it.
const WITH_NATS_ONLY = new Set(['bank_outbox_unpublished_events', 'websocket_consumer_pending_events']);

describe('docker-compose.yml', () => {
  it('runs at least two bank-core and two websocket instances on the same secret, Redis and NATS, each behind one proxy hop', () => {
    expect(bankCores.length).toBeGreaterThanOrEqual(2);
    expect(websockets.length).toBeGreaterThanOrEqual(2);
    const instances = [...bankCores, ...websockets];
    expect(new Set(instances.map((name) => env(name).JWT_SECRET)).size).toBe(1);
    for (const name of instances) {
      expect({ name, ...env(name) }).toMatchObject({
        name,
        REDIS_URL: 'redis://redis:6379',
        NATS_URL: 'nats://nats:4222',
        TRUST_PROXY: '1',
      });
    }
    expect(new Set(bankCores.map((name) => env(name).DATABASE_URL)).size).toBe(1);
    expect(String(env(bankCores[0]!).DATABASE_URL)).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    // Each websocket instance resumes its own durable consumer and keeps its own activity files.
    expect(new Set(websockets.map((name) => env(name).WS_INSTANCE_ID)).size).toBe(websockets.length);
    expect(new Set(websockets.map((name) => services[name]?.volumes?.[0])).size).toBe(websockets.length);
  });

  it('publishes only nginx, and Grafana on the host loopback', () => {
    const published = Object.entries(services).filter(([, service]) => service.ports?.length);
    expect(published.map(([name]) => name).sort()).toEqual(['grafana', 'nginx']);
    expect(services.grafana?.ports?.every((port) => port.startsWith('127.0.0.1:'))).toBe(true);
  });

  it("puts nginx 1.27 in front of every instance, with the repository's template", () => {
    const nginx = services.nginx!;
    expect(nginx.image).toBe('nginx:1.27');
    const template = 'deploy/nginx/templates/bank.conf.template';
    expect(mountsOf('nginx')[path.normalize(`./${template}`)]).toBe('/etc/nginx/templates/bank.conf.template');
    expect(existsSync(path.join(REPO_ROOT, template))).toBe(true);
    expect(nginx.environment).toMatchObject({
      BANK_CORE_SERVERS: bankCores.map((name) => `server ${addressOf(name)};`).join(' '),
      WEBSOCKET_SERVERS: websockets.map((name) => `server ${addressOf(name)};`).join(' '),
    });
    // The image's entrypoint substitutes only variables set in nginx's environment.
    const variables = new Set([...repoFile(template).matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]));
    expect([...variables].filter((name) => !(name! in nginx.environment!))).toEqual([]);
  });

  it('runs NATS with JetStream on a volume', () => {
    const command = services.nats?.command ?? [];
    expect(command).toContain('-js');
    const storeDir = command[command.indexOf('-sd') + 1];
    expect(services.nats?.volumes).toContain(`nats-data:${storeDir}`);
  });
});

describe('Prometheus and Grafana', () => {
  it("Prometheus scrapes every instance's /metrics on its own address", () => {
    expect(mountsOf('prometheus')['deploy/prometheus/prometheus.yml']).toBe('/etc/prometheus/prometheus.yml');
    expect(prometheus.scrape_configs.every((config) => (config.metrics_path ?? '/metrics') === '/metrics')).toBe(true);
    expect(targetsOf('bank-core')).toEqual(bankCores.map(addressOf));
    expect(targetsOf('websocket')).toEqual(websockets.map(addressOf));
  });

  it('Grafana loads the Prometheus datasource and the dashboard folder it is given, and every panel uses that datasource', () => {
    expect(datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    const mounts = mountsOf('grafana');
    expect(mounts['deploy/grafana/provisioning']).toBe('/etc/grafana/provisioning');
    expect(providers.map((provider) => provider.options.path)).toEqual([mounts['deploy/grafana/dashboards']]);
    const uids = dashboard.panels.flatMap((panel) => [panel.datasource.uid, ...panel.targets.map((target) => target.datasource.uid)]);
    expect(new Set(uids)).toEqual(new Set([datasources[0]!.uid]));
  });

  it('every dashboard query is valid PromQL over jobs that Prometheus scrapes', () => {
    const jobs = prometheus.scrape_configs.map((config) => config.job_name);
    for (const query of queries) {
      expect({ panel: query.panel, errors: query.errors }).toEqual({ panel: query.panel, errors: 0 });
      expect(query.jobs.filter((job) => !jobs.includes(job))).toEqual([]);
    }
  });

  it('the dashboard shows what the issue asks: requests and latency, postings, refusals, amounts, outbox and consumer lag, sockets', () => {
    const queried = new Set(queries.flatMap((query) => query.metrics));
    for (const metric of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'bank_transfers_total',
      'bank_refusals_total',
      'bank_amount_minor_units_total',
      'bank_outbox_unpublished_events',
      'websocket_consumer_pending_events',
      'websocket_open_sockets',
    ]) {
      expect(queried).toContain(metric);
    }
  });

  it('the amounts panel divides by 100 because every supported currency has 100 minor units', () => {
    expect(Object.values(SUPPORTED_CURRENCIES).map((currency) => currency.minorUnits)).toEqual(
      Object.keys(SUPPORTED_CURRENCIES).map(() => 100),
    );
  });
});

describe('the dashboard against live /metrics', () => {
  let core: TestApp;
  let service: TestService;
  beforeAll(async () => {
    core = await startTestApp();
    service = await startService();
  }, 60_000);
  afterAll(async () => {
    await service.stop();
    await core.close();
  });

  it('queries only metrics the services expose, grouped by labels those metrics carry', async () => {
    await core.http.get('/healthz').expect(200);
    const samples = [
      ...parseMetrics((await core.http.get('/metrics').expect(200)).text),
      ...parseMetrics((await service.http.get('/metrics').expect(200)).text),
    ];
    const contracted = new Set(Object.values(CONTRACT).flat());
    const labelsOf = (metric: string) =>
      new Set(['instance', 'job', ...samples.filter((sample) => sample.name === metric).flatMap((sample) => Object.keys(sample.labels))]);
    for (const query of queries) {
      for (const metric of query.metrics.filter((name) => name !== 'up')) {
        expect({ metric, contracted: contracted.has(familyOf(metric, contracted)) }).toEqual({ metric, contracted: true });
        if (WITH_NATS_ONLY.has(metric)) continue;
        expect({ metric, live: samples.some((sample) => sample.name === metric) }).toEqual({ metric, live: true });
        const labels = labelsOf(metric);
        expect({ metric, missing: query.groupingLabels.filter((label) => !labels.has(label)) }).toEqual({ metric, missing: [] });
      }
    }
  });
});
