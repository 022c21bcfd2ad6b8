// Build: generate the TL codecs from schema/, then transpile every TypeScript file to dist/.
// esbuild only strips types (fast, per file); `npm run typecheck` (part of `npm test`) checks them.
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = fileURLToPath(new URL('..', import.meta.url));
const quiet = process.argv.includes('--quiet');
const log = (msg) => { if (!quiet) console.log(`[build] ${msg}`); };

function listTs(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listTs(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const options = { outdir: join(root, 'dist'), outbase: root, format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };

const started = Date.now();
// 1. The generator and the parser it imports are transpiled first, then run to write src/tl/generated/.
const generatorSources = [...listTs(join(root, 'scripts')), ...listTs(join(root, 'src/tl')).filter((f) => !f.includes('/generated/'))];
await build({ ...options, entryPoints: generatorSources });
const gen = spawnSync(process.execPath, [join(root, 'dist/scripts/gen-tl.js'), ...(quiet ? ['--quiet'] : [])], { stdio: 'inherit', cwd: root });
if (gen.status !== 0) process.exit(gen.status ?? 1);

// 2. Everything, generated code included.
const all = ['src', 'scripts', 'test', 'bench'].flatMap((d) => listTs(join(root, d)));
await build({ ...options, entryPoints: all });
log(`${all.length} files in ${Date.now() - started} ms -> ${relative(process.cwd(), options.outdir) || '.'}`);
