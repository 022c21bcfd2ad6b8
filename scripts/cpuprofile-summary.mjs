#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per module (file), and the
// inclusive time of the heaviest frames. A window restricts the samples to part of the run, so a benchmark's
// connect phase can be left out of the steady load.
//   node scripts/cpuprofile-summary.mjs <file.cpuprofile> [--from=SECONDS] [--to=SECONDS] [--top=N]
//   --timeline: busy share per second first; --callers=NAME: where NAME's self time comes from
//   --from/--to: seconds since the profile started (negative --from: that many seconds before the end)
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: cpuprofile-summary.mjs <file.cpuprofile> [--from=S] [--to=S] [--top=N]');
  process.exit(2);
}
const opt = (name, dflt) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const top = opt('top', 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample times (µs since start) from the deltas.
const times = [];
let t = 0;
for (const d of profile.timeDeltas) times.push((t += d));
const total = t;
const fromOpt = opt('from', 0);
const from = (fromOpt < 0 ? total / 1e6 + fromOpt : fromOpt) * 1e6;
const to = opt('to', Infinity) * 1e6;

const shortUrl = (url) => {
  if (!url) return '(native)';
  const i = url.indexOf('/dist/');
  if (i >= 0) return url.slice(i + 6);
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 14);
  return url.replace(/^file:\/\//, '');
};
const frameName = (n) => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
};
const moduleName = (n) => {
  const u = n.callFrame.url;
  if (!u) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  return shortUrl(u);
};

const self = new Map();
const selfModule = new Map();
const inclusive = new Map();
let counted = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const at = times[i];
  if (at < from || at > to) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0; // a sample stands for the interval up to the next one
  const id = profile.samples[i];
  const n = nodes.get(id);
  if (n.callFrame.functionName === '(idle)') continue;
  counted += dt;
  const k = frameName(n);
  self.set(k, (self.get(k) ?? 0) + dt);
  const m = moduleName(n);
  selfModule.set(m, (selfModule.get(m) ?? 0) + dt);
  const seen = new Set();
  for (let p = id; p !== undefined; p = parent.get(p)) {
    const pk = frameName(nodes.get(p));
    if (seen.has(pk)) continue; // recursion counts once
    seen.add(pk);
    inclusive.set(pk, (inclusive.get(pk) ?? 0) + dt);
  }
}

// --callers=NAME: where the self time of functions named NAME comes from (three frames up).
const callersOf = args.find((a) => a.startsWith('--callers='))?.slice(10);
const callers = new Map();
if (callersOf) {
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < from || times[i] > to) continue;
    const n = nodes.get(profile.samples[i]);
    if (n.callFrame.functionName !== callersOf) continue;
    const chain = [];
    for (let p = parent.get(n.id); p !== undefined && chain.length < 3; p = parent.get(p)) chain.push(frameName(nodes.get(p)));
    const k = chain.join(' < ');
    callers.set(k, (callers.get(k) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
}

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * v) / counted).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  }
};
if (args.includes('--timeline')) {
  // Busy share per second: where the phases of a run begin and end.
  const busy = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    if (nodes.get(profile.samples[i]).callFrame.functionName === '(idle)') continue;
    const sec = Math.floor(times[i] / 1e6);
    busy.set(sec, (busy.get(sec) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  console.log([...busy].map(([s, v]) => `${s}s:${Math.round(v / 1e4)}%`).join(' '));
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s profiled, window ${(from / 1e6).toFixed(1)}-${Math.min(to, total) / 1e6 === Infinity ? 'end' : (Math.min(to, total) / 1e6).toFixed(1)} s, busy ${(counted / 1e6).toFixed(2)} s (idle excluded)`);
print('Self time by function', self);
print('Self time by module', selfModule);
print('Inclusive time', inclusive);
if (callersOf) print(`Callers of ${callersOf} (self time)`, callers);
