// deploy/monitoring must only use metrics echod really exports: a renamed metric would otherwise leave
// an empty dashboard panel or, worse, an alert that can never fire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Metrics } from '../../../src/infra/metrics/index.js';
import { repoRoot } from '../../support/echod.js';

/** Metrics of other exporters the files may use, named one by one. */
const FOREIGN_METRICS = new Set([
  'up', // Prometheus's own scrape health
  'node_filesystem_avail_bytes', // node_exporter
  'node_filesystem_size_bytes', // node_exporter
]);
const PROMQL_WORDS = new Set(['sum', 'by', 'without', 'rate', 'irate', 'increase', 'topk', 'bottomk', 'histogram_quantile', 'avg', 'max', 'min', 'count', 'and', 'or', 'unless', 'on', 'ignoring', 'group_left', 'group_right', 'label_values', 'offset', 'bool', 'abs', 'clamp_min', 'clamp_max']);

const dir = () => join(repoRoot(), 'deploy/monitoring');

/** Metric names in a PromQL expression: identifiers outside strings, label matchers and range brackets. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    // by (instance, le), on (instance): label lists, not metrics
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1()')
    .replace(/\$\w+/g, '')
    // label_values(metric, label): the label is not a metric (the metric is added below)
    .replace(/label_values\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const word = m[1]!;
    if (PROMQL_WORDS.has(word) || /^(?:\d|e\d)/.test(word)) continue;
    names.add(word);
  }
  // label_values(metric, label): the first argument is a metric
  for (const m of expr.matchAll(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/g)) names.add(m[1]!);
  return [...names];
}

function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync(join(dir(), 'grafana-dashboard.json'), 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
    templating: { list: { query?: unknown }[] };
  };
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const v of dash.templating.list) {
    const q = v.query as { query?: string } | string | undefined;
    const text = typeof q === 'string' ? q : q?.query;
    if (text && text.includes('(')) exprs.push(text);
  }
  return exprs;
}

function alertRules(): { alert: string; expr: string }[] {
  const doc = parseYaml(readFileSync(join(dir(), 'echo-alerts.yml'), 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: Record<string, string> }[] }[] };
  assert.ok(Array.isArray(doc.groups) && doc.groups.length > 0, 'rule file has groups');
  const rules = doc.groups.flatMap((g) => g.rules);
  for (const r of rules) {
    assert.equal(typeof r.alert, 'string');
    assert.equal(typeof r.expr, 'string', `${r.alert} has an expr`);
    assert.ok(r.labels?.severity, `${r.alert} has a severity`);
  }
  return rules;
}

test('the metric name extractor sees metrics and skips functions, labels and strings', () => {
  assert.deepEqual(
    metricNames('histogram_quantile(0.99, sum by (instance, le) (rate(echo_rpc_duration_seconds_bucket{method="x_total"}[5m]))) > 1'),
    ['echo_rpc_duration_seconds_bucket'],
  );
  assert.deepEqual(metricNames('up{job="echod"} == 0'), ['up']);
  assert.deepEqual(metricNames('a_total / on (instance) b_total > 0.5e3'), ['a_total', 'b_total']);
  assert.deepEqual(metricNames('label_values(echo_build_info, instance)'), ['echo_build_info']);
});

test('every metric in the Grafana dashboard and the alert rules is one echod exports (or a named foreign one)', async () => {
  const exported = await new Metrics().sampleNames();
  const used = new Map<string, string>();
  for (const expr of dashboardExprs()) for (const name of metricNames(expr)) used.set(name, `dashboard: ${expr}`);
  for (const rule of alertRules()) for (const name of metricNames(rule.expr)) used.set(name, `alert ${rule.alert}`);
  const echoUsed = [...used.keys()].filter((n) => n.startsWith('echo_'));
  assert.ok(echoUsed.length >= 15, `the files use only ${echoUsed.length} echo metrics`);
  for (const [name, where] of used) {
    if (FOREIGN_METRICS.has(name)) continue;
    assert.ok(exported.has(name), `${name} (${where}) is not exported by echod`);
  }
});

test('the alert rules cover node down, RPC error rate, p99 latency, bus lag and disk space', () => {
  const rules = alertRules();
  const uses = (name: string) => rules.filter((r) => metricNames(r.expr).includes(name)).map((r) => r.alert);
  assert.ok(uses('up').length > 0, 'node down');
  assert.ok(rules.some((r) => r.expr.includes('echo_rpc_calls_total') && r.expr.includes('error=')), 'RPC error rate');
  assert.ok(rules.some((r) => r.expr.includes('histogram_quantile(0.99') && r.expr.includes('echo_rpc_duration_seconds_bucket')), 'p99 latency');
  assert.ok(uses('echo_bus_lag_seconds_bucket').length > 0, 'bus lag');
  assert.ok(uses('node_filesystem_avail_bytes').length > 0, 'disk almost full');
});

test('the Prometheus config scrapes echod on the admin port and loads the rule file', () => {
  const doc = parseYaml(readFileSync(join(dir(), 'prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  assert.ok(doc.rule_files.includes('echo-alerts.yml'));
  const echod = doc.scrape_configs.find((c) => c.job_name === 'echod');
  assert.ok(echod, 'an echod job');
  assert.equal(echod.metrics_path ?? '/metrics', '/metrics');
  assert.ok(echod.static_configs.flatMap((s) => s.targets).every((t) => t.endsWith(':8802')));
});
