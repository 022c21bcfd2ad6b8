// Build step (run by scripts/build.mjs): reads schema/ and writes the TL codecs to src/tl/generated/.
// Inputs: the service schema (schema/mtproto.tl, schema/mtproto-extra.tl) and every schema/layers/api-N.tl;
// the highest N is the canonical layer, so a new layer is one file dropped there. The build fails when
// src/ builds an object some supported layer lacks without a layer fallback (src/tl/layer-coverage.ts).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSchemaSet } from '../src/tl/schema-set.js';
import { generate } from '../src/tl/codegen.js';
import { checkLayerCoverage, coverageReport, type SourceText } from '../src/tl/layer-coverage.js';

const started = Date.now();
const root = process.cwd();
const schemaDir = join(root, 'schema');
const layerTexts = new Map<number, string>();
for (const name of readdirSync(join(schemaDir, 'layers'))) {
  const m = /^api-(\d+)\.tl$/.exec(name);
  if (m) layerTexts.set(Number(m[1]), readFileSync(join(schemaDir, 'layers', name), 'utf-8'));
}
const service = ['mtproto.tl', 'mtproto-extra.tl'].map((f) => readFileSync(join(schemaDir, f), 'utf-8'));
const set = buildSchemaSet(service, layerTexts);

function sourcesUnder(dir: string, out: SourceText[] = []): SourceText[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (full !== join(root, 'src/tl/generated')) sourcesUnder(full, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
      out.push({ path: relative(root, full), text: readFileSync(full, 'utf-8') });
    }
  }
  return out;
}
const problems = checkLayerCoverage(set, sourcesUnder(join(root, 'src')));
if (problems.length > 0) {
  console.error(`[gen-tl] ${coverageReport(problems).replace(/\n/g, '\n[gen-tl] ')}`);
  process.exit(1);
}
const files = generate(set);
const outDir = join(root, 'src/tl/generated');
mkdirSync(outDir, { recursive: true });
let bytes = 0;
for (const [name, text] of Object.entries(files)) {
  writeFileSync(join(outDir, name), text);
  bytes += text.length;
}
if (process.argv.includes('--verbose')) for (const n of set.notes) console.log(`[gen-tl] ${n}`);
if (!process.argv.includes('--quiet')) {
  console.log(
    `[gen-tl] layers ${set.layers[0]}..${set.canonicalLayer} (${set.layers.length} files), ${set.decoders.size} ids, ` +
      `${(bytes / 1024).toFixed(0)} KiB in ${Date.now() - started} ms (${set.notes.length} notes, --verbose to list)`,
  );
}
