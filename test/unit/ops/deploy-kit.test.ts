// deploy/: the compose files, the Dockerfile, HAProxy and the Makefile, checked without Docker (this
// suite runs anywhere): structure, pinned images, secrets only from the operator's env file, health
// checks, and the ports echod really uses. `docker compose config` and the image build run where Docker is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/infra/config/index.js';
import { BLOB_BUCKETS } from '../../../src/infra/blob/blob-store.js';
import { repoRoot } from '../../support/echod.js';

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  env_file?: string | string[];
  command?: string | string[];
  entrypoint?: string | string[];
  healthcheck?: { test: string | string[] };
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  networks?: Record<string, { aliases?: string[] } | null>;
  restart?: string;
  profiles?: string[];
}
interface Compose {
  name?: string;
  include?: string[];
  services: Record<string, Service>;
}

const deploy = (...p: string[]) => join(repoRoot(), 'deploy', ...p);
const read = (...p: string[]) => readFileSync(deploy(...p), 'utf8');
const compose = (file: string) => parseYaml(read(file), { merge: true }) as Compose;
const COMPOSE_FILES = ['docker-compose-env.yaml', 'docker-compose.yaml', 'docker-compose-split.yaml', 'ha/kafka-3-brokers.yaml'];
const SECRETS = { DB_PASSWORD: 'test-db-pw', REDIS_PASSWORD: 'test-redis-pw', MINIO_ACCESS_KEY: 'echo', MINIO_SECRET_KEY: 'test-minio-pw' };
/** echod as the compose deployment configures it. */
const echodConfig = () => loadConfig({ env: { ECHO_CONFIG: deploy('etc/echod.yaml'), ...SECRETS }, cwd: repoRoot() });
const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));
const envFiles = (s: Service) => (s.env_file === undefined ? [] : Array.isArray(s.env_file) ? s.env_file : [s.env_file]);

test('the engines file runs MySQL, Redis, Kafka, etcd, MinIO with its buckets, Prometheus, Grafana and Alertmanager', () => {
  const env = compose('docker-compose-env.yaml');
  assert.deepEqual(Object.keys(env.services).sort(), ['alertmanager', 'etcd', 'grafana', 'kafka', 'minio', 'minio-buckets', 'mysql', 'prometheus', 'redis']);
  // Ports inside the compose network are the ones deploy/etc/echod.yaml points echod at.
  const c = echodConfig();
  assert.ok(c.sql.engine === 'mysql' && env.services[c.sql.host], 'db.host is a service');
  assert.ok(c.cache.engine === 'redis' && 'host' in c.cache && env.services[c.cache.host], 'redis.host is a service');
  assert.ok(c.bus.engine === 'kafka' && c.bus.brokers.every((b) => env.services[b.host]), 'kafka.brokers are services');
  assert.ok(c.discovery.engine === 'etcd' && c.discovery.endpoints.every((e) => env.services[new URL(e).hostname]), 'etcd.endpoints are services');
  assert.ok(c.blob.engine === 's3' && env.services[new URL(c.blob.endpoint).hostname], 'minio.endpoint is a service');
});

test('Kafka runs in KRaft mode (its own controller, no ZooKeeper), one broker here and three in the HA file', () => {
  const single = compose('docker-compose-env.yaml').services.kafka!.environment!;
  assert.match(String(single.KAFKA_PROCESS_ROLES), /controller/);
  assert.equal(String(single.KAFKA_CONTROLLER_QUORUM_VOTERS).split(',').length, 1);
  for (const file of COMPOSE_FILES) assert.doesNotMatch(JSON.stringify(compose(file).services), /zookeeper/i, file);
  const ha = compose('ha/kafka-3-brokers.yaml').services;
  assert.deepEqual(Object.keys(ha).sort(), ['kafka-1', 'kafka-2', 'kafka-3']);
  const ids = new Set<string>();
  for (const [name, s] of Object.entries(ha)) {
    const e = s.environment!;
    assert.match(String(e.KAFKA_PROCESS_ROLES), /broker,controller/, name);
    assert.equal(String(e.KAFKA_CONTROLLER_QUORUM_VOTERS).split(',').length, 3, name);
    assert.equal(Number(e.KAFKA_DEFAULT_REPLICATION_FACTOR), 3, name);
    assert.equal(Number(e.KAFKA_MIN_INSYNC_REPLICAS), 2, name);
    assert.equal(String(e.KAFKA_ADVERTISED_LISTENERS), `PLAINTEXT://${name}:9092`);
    ids.add(String(e.KAFKA_NODE_ID));
  }
  assert.equal(ids.size, 3, 'three node ids');
});

test("MinIO gets exactly the four buckets of echod's S3 store, and echod's own user is limited to them", () => {
  const job = compose('docker-compose-env.yaml').services['minio-buckets']!;
  const script = text(job.command);
  const loop = /for b in ([a-z ]+); do mc mb --ignore-existing/.exec(script);
  assert.ok(loop, 'the bucket loop');
  assert.deepEqual(loop[1]!.trim().split(/\s+/).sort(), [...BLOB_BUCKETS].sort());
  assert.match(script, /mc admin user add echo "\$\$MINIO_ACCESS_KEY" "\$\$MINIO_SECRET_KEY"/);
  assert.equal(job.depends_on?.minio?.condition, 'service_healthy');
  const policy = JSON.parse(read('minio/echo-buckets-policy.json')) as { Statement: { Resource: string[] }[] };
  const resources = policy.Statement.flatMap((s) => s.Resource);
  for (const b of BLOB_BUCKETS) assert.ok(resources.includes(`arn:aws:s3:::${b}/*`), b);
  assert.ok(resources.every((r) => BLOB_BUCKETS.some((b) => r === `arn:aws:s3:::${b}` || r === `arn:aws:s3:::${b}/*`)), 'nothing beyond them');
});

test('every image is pinned to a version', () => {
  for (const file of COMPOSE_FILES) {
    for (const [name, s] of Object.entries(compose(file).services)) {
      if (s.image === undefined) continue;
      const m = /^[\w./-]+:([\w.-]+)$/.exec(s.image.replace(/\$\{ECHO_VERSION:-([\w.-]+)\}/, '$1'));
      assert.ok(m, `${file} ${name}: ${s.image} has no tag`);
      assert.ok(m[1] !== 'latest' && /\d/.test(m[1]!), `${file} ${name}: ${s.image} is not a version`);
    }
  }
  const stages = new Set([...read('Dockerfile').matchAll(/ AS (\S+)$/gm)].map((m) => m[1]));
  for (const m of read('Dockerfile').matchAll(/^FROM (\S+)/gm)) if (!stages.has(m[1])) assert.match(m[1]!, /:\$\{NODE_VERSION\}-|:\d/, m[1]);
  assert.match(read('Dockerfile'), /^ARG NODE_VERSION=\d+\.\d+\.\d+$/m);
});

test('no password is written in the compose files: each comes from the env file, and .env.example has no values', () => {
  const referenced = new Set<string>();
  for (const file of COMPOSE_FILES) {
    const raw = read(file);
    for (const m of raw.matchAll(/\$\{([A-Z_]+)(?::[?-][^}]*)?\}/g)) referenced.add(m[1]!);
    assert.doesNotMatch(raw, /my_root_secret|minioadmin|changeme/i, `${file}: a published default password`);
    for (const [name, s] of Object.entries(compose(file).services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!/PASSWORD|SECRET|TOKEN|ACCESS_KEY/.test(key)) continue;
        assert.match(String(value), /^\$\{[A-Z_]+:\?[^}]+\}$/, `${file} ${name}: ${key} must be \${VAR:?...} from the env file`);
      }
    }
  }
  const example = read('.env.example');
  const assigned = new Map([...example.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const [key, value] of assigned) assert.equal(value, '', `.env.example gives ${key} a value`);
  for (const v of referenced) if (v !== 'ECHO_VERSION') assert.ok(assigned.has(v), `${v} is used but not documented in .env.example`);
  // What echod itself reads from the env file.
  for (const v of [...Object.keys(SECRETS), 'ECHO_ADMIN_TOKEN', 'ECHO_HOST']) assert.ok(assigned.has(v), `${v} missing from .env.example`);
  assert.match(readFileSync(join(repoRoot(), '.gitignore'), 'utf8'), /^deploy\/\.env$/m, 'git ignores deploy/.env');
});

test("services read several secrets with env_file, and every variable a container's shell uses reaches it", () => {
  for (const file of ['docker-compose-env.yaml', 'docker-compose.yaml', 'docker-compose-split.yaml']) {
    for (const [name, s] of Object.entries(compose(file).services)) {
      for (const f of envFiles(s)) assert.equal(f, '.env', `${file} ${name}`);
      const shell = [text(s.command), text(s.entrypoint), text(s.healthcheck?.test)].join(' ');
      for (const m of shell.matchAll(/\$\$([A-Z_]+)/g)) {
        const v = m[1]!;
        assert.ok(s.environment?.[v] !== undefined || envFiles(s).length > 0, `${file} ${name}: $${v} is not in its environment`);
      }
    }
  }
  const main = compose('docker-compose.yaml').services;
  assert.deepEqual(envFiles(main.echod!), ['.env']);
  assert.deepEqual(envFiles(compose('docker-compose-env.yaml').services['minio-buckets']!), ['.env']);
});

test('every long-running service has a health check; echod checks /readyz on its admin port', () => {
  for (const file of COMPOSE_FILES) {
    for (const [name, s] of Object.entries(compose(file).services)) {
      if (s.restart === 'no' || s.profiles?.includes('tools')) continue;
      assert.ok(s.healthcheck?.test, `${file} ${name} has no healthcheck`);
    }
  }
  const adminPort = echodConfig().adminListen.port;
  const echod = compose('docker-compose.yaml').services.echod!;
  assert.match(text(echod.healthcheck?.test), new RegExp(`http://127\\.0\\.0\\.1:${adminPort}/readyz`));
  assert.match(read('Dockerfile'), new RegExp(`^HEALTHCHECK [^\\n]*\\\\\\n[^\\n]*http://127\\.0\\.0\\.1:${adminPort}/readyz`, 'm'));
});

test('echod in compose: the engines file included, its config mounted, the ports it listens on exposed, engines awaited', () => {
  const main = compose('docker-compose.yaml');
  assert.deepEqual(main.include, ['docker-compose-env.yaml']);
  const echod = main.services.echod!;
  assert.equal(echod.environment?.ECHO_CONFIG, '/etc/echo/echod.yaml');
  assert.ok(echod.volumes?.includes('./etc:/etc/echo:ro'));
  const c = echodConfig();
  const ports = [...c.tcpPorts, c.httpPort, c.adminListen.port].map(String).sort();
  assert.deepEqual([...(echod.expose ?? [])].sort(), ports);
  assert.equal(c.listen, '0.0.0.0', 'reachable from the balancer');
  for (const engine of ['mysql', 'redis', 'kafka', 'etcd']) assert.equal(echod.depends_on?.[engine]?.condition, 'service_healthy', engine);
  assert.equal(echod.depends_on?.['minio-buckets']?.condition, 'service_completed_successfully');
  assert.equal(echod.ports, undefined, 'echod itself is not published: clients come through HAProxy');
  const published = (main.services.haproxy!.ports ?? []).map((p) => p.split(':').at(-2));
  for (const p of c.tcpPorts) assert.ok(published.includes(String(p)), `HAProxy publishes ${p}`);
  // Prometheus finds every replica and scrapes the admin port.
  const prom = parseYaml(read('monitoring/prometheus-compose.yml')) as { rule_files: string[]; scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[] };
  const job = prom.scrape_configs.find((j) => j.job_name === 'echod')!;
  assert.deepEqual(job.dns_sd_configs[0]!.names, ['echod']);
  assert.equal(job.dns_sd_configs[0]!.port, c.adminListen.port);
  assert.deepEqual(prom.rule_files, ['echo-alerts.yml']);
  const promVolumes = compose('docker-compose-env.yaml').services.prometheus!.volumes!;
  assert.ok(promVolumes.includes('./monitoring/prometheus-compose.yml:/etc/prometheus/prometheus.yml:ro'));
  assert.ok(promVolumes.includes('./monitoring/echo-alerts.yml:/etc/prometheus/echo-alerts.yml:ro'));
});

test('Grafana is provisioned with the Prometheus datasource and the Echo dashboard; Alertmanager has a route', () => {
  const ds = parseYaml(read('monitoring/grafana/provisioning/datasources/prometheus.yaml')) as { datasources: { type: string; url: string }[] };
  assert.deepEqual(ds.datasources.map((d) => [d.type, d.url]), [['prometheus', 'http://prometheus:9090']]);
  const dash = parseYaml(read('monitoring/grafana/provisioning/dashboards/echo.yaml')) as { providers: { options: { path: string } }[] };
  const grafana = compose('docker-compose-env.yaml').services.grafana!;
  assert.ok(grafana.volumes!.includes(`./monitoring/grafana-dashboard.json:${dash.providers[0]!.options.path}/echo.json:ro`));
  assert.ok(grafana.volumes!.includes('./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro'));
  const am = parseYaml(read('monitoring/alertmanager.yml')) as { route: { receiver: string }; receivers: { name: string }[] };
  assert.ok(am.receivers.some((r) => r.name === am.route.receiver));
});

test('every file a compose file mounts or builds from exists', () => {
  for (const file of COMPOSE_FILES) {
    const dir = join(deploy(file), '..');
    for (const s of Object.values(compose(file).services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('.')) assert.ok(statSync(join(dir, src)), `${file}: ${src}`);
      }
    }
  }
  assert.ok(statSync(deploy('Dockerfile')).isFile());
});

test('HAProxy balances 10443 and 5222 over the gateways, each in rotation only while /readyz on the admin port answers 200', () => {
  const cfg = read('haproxy/haproxy.cfg');
  const c = echodConfig();
  for (const port of [...c.tcpPorts, c.httpPort]) {
    const frontend = new RegExp(`^frontend (\\S+)\\n(?:    .*\\n)*?    bind :${port}\\n(?:    .*\\n)*?    default_backend (\\S+)`, 'm').exec(cfg);
    assert.ok(frontend, `a frontend binds ${port}`);
    const backend = new RegExp(`^backend ${frontend[2]}\\n((?:    .*\\n|\\s*\\n)*)`, 'm').exec(cfg)?.[1] ?? '';
    assert.match(backend, /option httpchk/);
    assert.match(backend, /http-check send meth GET uri \/readyz/);
    assert.match(backend, /http-check expect status 200/);
    assert.match(backend, new RegExp(`server-template echod \\S+ echod:${port} check port ${c.adminListen.port}`));
  }
  assert.match(cfg, /^defaults\n(?:    .*\n)*?    mode tcp/m);
});

test('haproxy -c accepts the configurations', (t) => {
  for (const file of ['haproxy/haproxy.cfg', 'haproxy/haproxy-split.cfg']) {
    const r = spawnSync('haproxy', ['-c', '-f', deploy(file)], { encoding: 'utf8' });
    if (r.error) return t.skip('haproxy is not installed here (apt-get install haproxy to check the files)');
    assert.equal(r.status, 0, `${file}: ${r.stderr}${r.stdout}`);
  }
});

test('the split deployment: core nodes without client ports, gateway nodes linked to every core with the secret of the env file, HAProxy in front of the gateways', () => {
  const split = compose('docker-compose-split.yaml');
  assert.deepEqual(split.include, ['docker-compose-env.yaml']);
  assert.equal(split.name, compose('docker-compose.yaml').name, 'the same project: the same engines and data');
  const services = split.services;
  const withRole = (role: string) => Object.keys(services).filter((n) => services[n]!.environment?.ECHO_ROLE === role);
  const cores = withRole('core');
  const gateways = withRole('gateway');
  assert.ok(cores.length >= 2, `two cores at least: ${cores}`);
  assert.deepEqual(gateways, ['gateway']);
  const secret = 'a-link-secret-for-the-test';
  /** The service's configuration as echod loads it in its container (env file values, its environment). */
  const configOf = (name: string) => {
    const env = Object.fromEntries(Object.entries(services[name]!.environment!).map(([k, v]) => [k, String(v)]));
    assert.match(env.ECHO_LINK_SECRET!, /^\$\{ECHO_LINK_SECRET:\?[^}]+\}$/, `${name}: the link secret comes from the env file`);
    assert.equal(env.ECHO_CONFIG, '/etc/echo/echod.yaml', name);
    assert.ok(services[name]!.volumes?.includes('./etc:/etc/echo:ro'), `${name} mounts deploy/etc`);
    assert.deepEqual(envFiles(services[name]!), ['.env'], name);
    return loadConfig({ env: { ...env, ...SECRETS, ECHO_CONFIG: deploy('etc/echod.yaml'), ECHO_LINK_SECRET: secret }, cwd: repoRoot() });
  };
  const linkPorts = new Map<string, number>();
  for (const name of cores) {
    const core = services[name]!;
    const c = configOf(name);
    assert.equal(c.role, 'core', name);
    assert.deepEqual(c.links.listen, { host: '0.0.0.0', port: 10500 }, `${name} takes gateway links on every interface of the compose network`);
    assert.equal(c.links.secret, secret, name);
    linkPorts.set(name, c.links.listen!.port);
    assert.equal(core.ports, undefined, `${name} publishes nothing`);
    // The gateways' ports are advertised by the core, not bound by it.
    assert.deepEqual([...(core.expose ?? [])].sort(), [String(c.links.listen!.port), String(c.httpPort), String(c.adminListen.port)].sort(), name);
    assert.match(String(core.environment?.ECHO_SERVER_KEY), /^\/etc\/echo-keys\//, `${name} presents the server key`);
    assert.ok(core.volumes?.includes('echo-keys:/etc/echo-keys:ro'), name);
    for (const engine of ['mysql', 'redis', 'kafka', 'etcd']) assert.equal(core.depends_on?.[engine]?.condition, 'service_healthy', `${name} ${engine}`);
    assert.match(text(core.healthcheck?.test), new RegExp(`http://127\\.0\\.0\\.1:${c.adminListen.port}/readyz`), name);
  }
  const gateway = services.gateway!;
  const g = configOf('gateway');
  assert.equal(g.role, 'gateway');
  assert.equal(g.links.secret, secret);
  assert.deepEqual(g.links.cores, cores.map((name) => ({ host: name, port: linkPorts.get(name) })), 'the gateway links to every core at its link port');
  assert.equal(gateway.ports, undefined, 'the gateway publishes nothing: clients come through HAProxy');
  assert.deepEqual([...(gateway.expose ?? [])].sort(), [...g.tcpPorts.map(String), String(g.adminListen.port)].sort());
  assert.equal(gateway.environment?.ECHO_SERVER_KEY, undefined, 'a gateway holds no server key');
  assert.match(text(gateway.healthcheck?.test), new RegExp(`http://127\\.0\\.0\\.1:${g.adminListen.port}/readyz`));
  // Prometheus (monitoring/prometheus-compose.yml) scrapes every echod process under the name `echod`.
  for (const name of [...cores, ...gateways]) assert.deepEqual(services[name]!.networks?.default?.aliases, ['echod'], name);

  const haproxy = services.haproxy!;
  assert.ok(haproxy.volumes?.includes('./haproxy/haproxy-split.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'));
  const published = (haproxy.ports ?? []).map((p) => p.split(':').at(-2));
  for (const p of [...g.tcpPorts, configOf(cores[0]!).httpPort]) assert.ok(published.includes(String(p)), `HAProxy publishes ${p}`);
  const cfg = read('haproxy/haproxy-split.cfg');
  const backendOf = (port: number) => {
    const frontend = new RegExp(`^frontend (\\S+)\\n(?:    .*\\n)*?    bind :${port}\\n(?:    .*\\n)*?    default_backend (\\S+)`, 'm').exec(cfg);
    assert.ok(frontend, `a frontend binds ${port}`);
    const backend = new RegExp(`^backend ${frontend[2]}\\n((?:    .*\\n|\\s*\\n)*)`, 'm').exec(cfg)?.[1] ?? '';
    assert.match(backend, /http-check send meth GET uri \/readyz/);
    assert.match(backend, /http-check expect status 200/);
    return backend;
  };
  // MTProto TCP to the gateways; HTTP and WebSocket to the cores, which serve those transports.
  for (const port of g.tcpPorts) assert.match(backendOf(port), new RegExp(`server-template gateway \\S+ gateway:${port} check port ${g.adminListen.port}`));
  const http = backendOf(configOf(cores[0]!).httpPort);
  for (const name of cores) assert.match(http, new RegExp(`server ${name} ${name}:${configOf(name).httpPort} check port ${g.adminListen.port}`));
  assert.doesNotMatch(cfg, /\becho(d)?:\d/, 'no backend names the single-role service');
});

test('the Dockerfile: multi-stage, production dependencies only, scripts run explicitly, non-root, /readyz health check', () => {
  const df = read('Dockerfile');
  const stages = [...df.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(stages, ['base', 'build', 'prod-deps', 'runtime']);
  const stage = (name: string) => df.split(/^FROM /m).find((s) => new RegExp(` AS ${name}\\n`).test(s))!;
  // postinstall (patch-package) and prepare (the build) must not run before their inputs are there.
  for (const name of ['build', 'prod-deps']) {
    assert.match(stage(name), /npm ci [^&\n]*--ignore-scripts && npm rebuild && npx --no-install patch-package/, name);
  }
  assert.match(stage('prod-deps'), /npm ci --omit=dev/);
  assert.match(stage('build'), /COPY \. \.\nRUN node scripts\/build\.mjs/);
  const runtime = stage('runtime');
  assert.match(runtime, /^COPY --from=prod-deps \/opt\/echo\/node_modules \.\/node_modules$/m);
  assert.match(runtime, /^COPY --from=build \/opt\/echo\/dist\/src \.\/dist\/src$/m);
  assert.doesNotMatch(runtime, /--from=build \S*node_modules/, 'no dev dependencies in the image');
  const user = /^USER (\S+)$/m.exec(runtime)?.[1];
  assert.ok(user && user !== 'root' && user !== '0', `runs as ${user}`);
  assert.match(runtime, /useradd --system --uid 10001/);
  assert.match(runtime, /^ENTRYPOINT \["node", "dist\/src\/cli\/echod\.js"\]$/m);
  assert.match(runtime, /^COPY deploy\/etc \/etc\/echo$/m);
  const ignore = readFileSync(join(repoRoot(), '.dockerignore'), 'utf8');
  for (const p of ['node_modules', 'dist', 'data', '.git', 'deploy/.env']) assert.match(ignore, new RegExp(`^${p.replace('.', '\\.')}$`, 'm'), p);
});

test('the server needs only production dependencies: every package echod imports is in "dependencies"', async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  // esbuild follows the real import graph from the CLI (static and dynamic imports), packages left external.
  const result = await build({
    entryPoints: [join(repoRoot(), 'src/cli/echod.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile!.inputs))
    for (const i of input.imports) {
      if (!i.external || i.path.startsWith('node:')) continue;
      packages.add(i.path.startsWith('@') ? i.path.split('/').slice(0, 2).join('/') : i.path.split('/')[0]!);
    }
  assert.ok(packages.has('kysely') && packages.has('ioredis'), `the graph was followed: ${[...packages].join(', ')}`);
  const notProduction = [...packages].filter((p) => !(p in pkg.dependencies));
  assert.deepEqual(notProduction, [], 'imported by echod but not a production dependency (npm ci --omit=dev leaves it out)');
});

test('the Makefile has build, test, run, engines and docker, over files that exist', () => {
  const mk = readFileSync(join(repoRoot(), 'Makefile'), 'utf8');
  const targets = new Set([...mk.matchAll(/^([a-z-]+):/gm)].map((m) => m[1]));
  for (const t of ['build', 'test', 'run', 'engines', 'docker', 'schema', 'up', 'down', 'keygen']) assert.ok(targets.has(t), t);
  for (const f of ['deploy/docker-compose.yaml', 'deploy/Dockerfile', 'scripts/engines.sh', 'deploy/haproxy/haproxy.cfg']) {
    assert.ok(mk.includes(f), `${f} used`);
    assert.ok(statSync(join(repoRoot(), f)).isFile(), f);
  }
  assert.match(mk, /node dist\/scripts\/gen-mysql-schema\.js/);
});

/** A throwaway env file with a value for every variable of .env.example. */
function filledEnvFile(): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'echo-deploy-env-'));
  const lines = [...read('.env.example').matchAll(/^([A-Z_]+)=$/gm)].map((m) => `${m[1]}=test-value-${m[1]!.toLowerCase()}`);
  const file = join(dir, '.env');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('docker compose config accepts the compose files (where Docker Compose exists)', (t) => {
  const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return t.skip('docker compose is not installed here: the YAML checks above stand in for it');
  const env = filledEnvFile();
  try {
    for (const file of ['docker-compose-env.yaml', 'docker-compose.yaml', 'docker-compose-split.yaml']) {
      const r = spawnSync('docker', ['compose', '--env-file', env.file, '--project-directory', deploy(), '-f', deploy(file), 'config', '--quiet'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
    }
    // Without the env file compose refuses, naming a missing secret.
    const bare = spawnSync('docker', ['compose', '--env-file', '/dev/null', '-f', deploy('docker-compose-env.yaml'), 'config', '--quiet'], { encoding: 'utf8' });
    assert.notEqual(bare.status, 0);
    assert.match(bare.stderr, /set [A-Z_]+ in deploy\/\.env/);
  } finally {
    env.cleanup();
  }
});

test('the echod image builds (where a Docker daemon runs)', { timeout: 30 * 60_000 }, (t) => {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (info.error || info.status !== 0) return t.skip('no Docker daemon here: the Dockerfile checks above stand in for the build');
  const r = spawnSync('docker', ['build', '-f', deploy('Dockerfile'), '-t', 'echo/echod:test', repoRoot()], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  const user = spawnSync('docker', ['image', 'inspect', '--format', '{{.Config.User}}', 'echo/echod:test'], { encoding: 'utf8' });
  assert.equal(user.stdout.trim(), 'echo');
});
