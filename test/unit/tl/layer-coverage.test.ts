import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchemaSet } from '../../../src/tl/schema-set.js';
import { builtPredicates, checkLayerCoverage, coverageReport, type SourceText } from '../../../src/tl/layer-coverage.js';
import { loadSchemaSet } from './synth.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

// Layer 10 -> 20: peerB joins an existing type, getList's result turns from a vector into an object,
// `other` is a new type no older method returns, peerOld is dropped.
const LAYER_10 = `
peerA#aaaa0001 = Peer;
peerOld#aaaa0003 = Peer;
---functions---
getList#bbbb0001 = Vector<int>;
`;
const LAYER_20 = `
peerA#aaaa0001 = Peer;
peerB#aaaa0002 x:int = Peer;
list#cccc0001 items:Vector<int> = List;
other#cccc0002 = Other;
---functions---
getList#bbbb0002 = List;
getOther#bbbb0003 = Other;
`;
const set = buildSchemaSet([], new Map([[10, LAYER_10], [20, LAYER_20]]));
const src = (path: string, text: string): SourceText => ({ path, text });

test('builtPredicates finds object literals naming a predicate, per file', () => {
  const found = builtPredicates([src('a.ts', `const x = { _: 'peerA' }; f({ _ : "list", items: [] });`), src('b.ts', `{_:'peerA'}`)]);
  assert.deepEqual([...found], [['peerA', ['a.ts', 'b.ts']], ['list', ['a.ts']]]);
});

test('a built constructor an older layer lacks, where that layer can be sent its type, needs a fallback', () => {
  const problems = checkLayerCoverage(set, [src('src/h.ts', `({ _: 'peerA' }); ({ _: 'peerB', x: 1 }); ({ _: 'list', items: [] }); ({ _: 'other' });`)]);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0]!, /^list \(src\/h\.ts\): layers 10 lack it .*answers getList with Vector<int>/);
  assert.match(problems[1]!, /^peerB \(src\/h\.ts\): layers 10 lack it .*other Peer constructors/);
  // `other`: layer 10 has neither the type nor a method returning it, so no client there can be sent it.
  assert.ok(!problems.some((p) => p.startsWith('other')));
  assert.match(coverageReport(problems), /registerLayerFallback\('<predicate>'/);
});

test('a registered fallback settles the predicate', () => {
  const problems = checkLayerCoverage(set, [
    src('src/h.ts', `({ _: 'peerB', x: 1 }); ({ _: 'list', items: [] });`),
    src('src/f.ts', `registerLayerFallback('peerB', () => ({ _: 'peerA' }));\nregisterLayerFallback(\n  'list', () => undefined);`),
  ]);
  assert.deepEqual(problems, []);
});

test('a predicate the canonical layer dropped, and one no layer has, are reported', () => {
  const problems = checkLayerCoverage(set, [src('src/old.ts', `({ _: 'peerOld' }); ({ _: 'peerTypo' });`)]);
  assert.deepEqual(problems, [
    'peerOld (src/old.ts): canonical layer 20 no longer has it (last in layer 10); build the layer-20 equivalent, or register a fallback to it',
    'peerTypo (src/old.ts): no schema layer defines it',
  ]);
});

function sourcesUnder(dir: string, out: SourceText[] = []): SourceText[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'generated') sourcesUnder(full, out);
    } else if (name.endsWith('.ts')) out.push({ path: relative(root, full), text: readFileSync(full, 'utf-8') });
  }
  return out;
}

test("Echo's own source passes the check for every supported layer", () => {
  assert.deepEqual(checkLayerCoverage(loadSchemaSet(), sourcesUnder(join(root, 'src'))), []);
});

test('the generator fails, naming the predicate and the layers, when a fallback is missing', () => {
  // A scratch tree with the real schema and one handler building messageActionChatJoinedViaCommunity
  // (new in layer 229; layer 228 has other MessageAction constructors).
  const dir = mkdtempSync(join(tmpdir(), 'echo-gen-tl-'));
  try {
    symlinkSync(join(root, 'schema'), join(dir, 'schema'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/handler.ts'), `export const a = { _: 'messageActionChatJoinedViaCommunity', communityId: 1n };\n`);
    const run = spawnSync(process.execPath, [join(root, 'dist/scripts/gen-tl.js'), '--quiet'], { cwd: dir, encoding: 'utf-8' });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /messageActionChatJoinedViaCommunity \(src\/handler\.ts\): layers 158\.\.228 lack it/);

    writeFileSync(join(dir, 'src/fallback.ts'), `registerLayerFallback('messageActionChatJoinedViaCommunity', () => ({ _: 'messageActionChatJoinedByRequest' }));\n`);
    const ok = spawnSync(process.execPath, [join(root, 'dist/scripts/gen-tl.js'), '--quiet'], { cwd: dir, encoding: 'utf-8' });
    assert.equal(ok.status, 0, ok.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
