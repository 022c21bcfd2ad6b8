// Runs every compiled test file (dist/test/**/*.test.js) with Node's built-in test runner.
// An optional argument filters by path substring: `node scripts/run-tests.mjs e2e`.
// The engine tests (dist/test/engines/) need the servers scripts/engines.sh starts, so they are left out here
// and run only with `--engines` (`npm run test:engines`), one file at a time because they share those servers.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const engines = args.includes('--engines');
const filters = args.filter((a) => a !== '--engines');
const enginesDir = join(root, 'dist/test/engines');

function find(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return engines || full !== enginesDir ? find(full) : [];
    return name.endsWith('.test.js') ? [full] : [];
  });
}

const files = find(engines ? enginesDir : join(root, 'dist/test'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files found under ${engines ? 'dist/test/engines' : 'dist/test'} (did the build run?)`);
  process.exit(1);
}
const concurrency = engines ? '--test-concurrency=1' : '--test-concurrency=2';
const result = spawnSync(process.execPath, ['--test', concurrency, '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
