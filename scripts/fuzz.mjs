// Long fuzz runs with random seeds: `npm run fuzz -- --minutes N [--target NAME]`, or replays one finding with
// `npm run fuzz -- --target NAME --seed S --path P`. The targets are the suite's (test/unit/fuzz/*-target.ts,
// compiled to dist/); the time is shared evenly between them, in rounds of fresh seeds. Prints executions per
// target and every finding with its seed and path; exits 1 when something was found.
import { parseArgs } from 'node:util';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '1' }, target: { type: 'string' }, seed: { type: 'string' }, path: { type: 'string' } },
});

const load = async (file, names) => {
  const mod = await import(`${root}dist/test/unit/fuzz/${file}`);
  return names.map((n) => mod[n]);
};
const targets = [
  ...(await load('transport-target.js', ['transportRoundTrip', 'transportGarbage'])),
  ...(await load('tl-target.js', ['tlRoundTrip', 'tlMutations', 'tlNoise'])),
  ...(await load('handshake-target.js', ['handshakeTarget'])),
  ...(await load('session-target.js', ['sessionTarget'])),
].filter((t) => !values.target || t.name === values.target);
if (targets.length === 0) {
  console.error(`no target named ${values.target}`);
  process.exit(2);
}

function report(name, f) {
  console.log(`\nFINDING in ${name} (seed ${f.seed}, path ${f.path})\n${f.error}\ncounterexample: ${f.counterexample.slice(0, 2000)}`);
  console.log(`replay: npm run fuzz -- --target ${name} --seed ${f.seed} --path ${f.path}\n`);
}

if (values.seed !== undefined) {
  const t = targets[0];
  const r = await t.run({ seed: Number(values.seed), path: values.path, numRuns: 1, timeMs: 60_000 });
  if (r.failure) report(t.name, r.failure);
  else console.log(`${t.name}: seed ${values.seed} path ${values.path ?? '-'} passes`);
  process.exit(r.failure ? 1 : 0);
}

const totalMs = Number(values.minutes) * 60_000;
const perTarget = totalMs / targets.length;
const ROUND_MS = 20_000;
const stats = new Map(targets.map((t) => [t.name, { executions: 0, seeds: 0, findings: [] }]));
const started = Date.now();
for (const t of targets) {
  const s = stats.get(t.name);
  const end = Date.now() + perTarget;
  while (Date.now() < end) {
    const seed = randomInt(0, 2 ** 31 - 1);
    const r = await t.run({ seed, numRuns: 1e9, timeMs: Math.min(ROUND_MS, end - Date.now()) });
    s.executions += r.executions;
    s.seeds++;
    if (r.failure) {
      s.findings.push(r.failure);
      report(t.name, r.failure);
    }
  }
  console.log(`${t.name}: ${s.executions} executions over ${s.seeds} seeds, ${s.findings.length} finding(s)`);
}
const total = [...stats.values()].reduce((n, s) => n + s.executions, 0);
const found = [...stats.values()].reduce((n, s) => n + s.findings.length, 0);
console.log(`\n${total} executions in ${((Date.now() - started) / 60_000).toFixed(1)} min, ${found} finding(s)`);
process.exit(found > 0 ? 1 : 0);
