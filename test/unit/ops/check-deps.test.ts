// scripts/check-deps.mjs, as `npm test` runs it: on this repository, and on small trees written for each case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const script = join(root, 'scripts/check-deps.mjs');

function checkTree(files: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'echo-check-deps-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const run = spawnSync(process.execPath, [script, dir], { encoding: 'utf-8' });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A tree whose imports all point down: bff -> messenger -> service -> contracts -> infra -> tl, common from anywhere.
const good: Record<string, string> = {
  'src/tl/index.ts': "export type TlObject = { _: string };\n",
  'src/common/rpc-error.ts': 'export class RpcError extends Error {}\n',
  'src/infra/db/schema.ts': "import type { TlObject } from '../../tl/index.js';\nexport type Row = TlObject;\n",
  'src/contracts/push.ts': "import type { TlObject } from '../tl/index.js';\nexport interface UpdatePusher { push(u: TlObject): void }\n",
  'src/service/core.ts': "import type { UpdatePusher } from '../contracts/push.js';\nimport { RpcError } from '../common/rpc-error.js';\nimport type { Row } from '../infra/db/schema.js';\nexport type Core = { push: UpdatePusher; e: RpcError; row: Row };\n",
  'src/messenger/index.ts': "import type { Core } from '../service/core.js';\nexport type Messenger = { core: Core };\n",
  'src/bff/help.ts': "import type { Messenger } from '../messenger/index.js';\nexport const help = (m: Messenger) => m;\n",
};

test('the repository itself follows the documented direction', () => {
  const run = spawnSync(process.execPath, [script], { encoding: 'utf-8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /every import follows cli -> app -> interface\|client -> bff -> messenger -> service -> contracts -> infra/);
});

test('a tree whose imports point down passes', () => {
  const run = checkTree(good);
  assert.equal(run.status, 0, run.stderr);
});

test('a type-only import pointing up fails, naming the file, the line and the import', () => {
  const run = checkTree({
    ...good,
    'src/service/users.ts': "// Users.\nimport type { Messenger } from '../messenger/index.js';\nexport type U = Messenger;\n",
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /src\/service\/users\.ts:2: import '\.\.\/messenger\/index\.js' points from service up to messenger/);
});

test('an import between the two edges (interface and client) fails', () => {
  const run = checkTree({
    ...good,
    'src/client/c.ts': 'export const c = 1;\n',
    'src/interface/gateway/g.ts': "import { c } from '../../client/c.js';\nexport const g = c;\n",
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /src\/interface\/gateway\/g\.ts:1: import '\.\.\/\.\.\/client\/c\.js' points from interface up to client/);
});

test('re-exports, side-effect imports, dynamic imports and multi-line imports are checked', () => {
  const run = checkTree({
    ...good,
    'src/infra/a.ts': "export { help } from '../bff/help.js';\n",
    'src/infra/b.ts': "import '../bff/help.js';\n",
    'src/infra/c.ts': "export async function f() {\n  return (await import('../bff/help.js')).help;\n}\nexport type H = typeof import('../messenger/index.js');\n",
    'src/infra/d.ts': "import {\n  help,\n} from '../service/core.js';\nexport { help };\n",
  });
  assert.equal(run.status, 1);
  for (const line of ["src/infra/a.ts:1: import '../bff/help.js'", "src/infra/b.ts:1: import '../bff/help.js'", "src/infra/c.ts:2: import '../bff/help.js'", "src/infra/c.ts:4: import '../messenger/index.js'", "src/infra/d.ts:3: import '../service/core.js'"]) {
    assert.ok(run.stderr.includes(line), `${line} missing from:\n${run.stderr}`);
  }
});

test('two layers importing each other are reported as a cycle, with both imports', () => {
  const run = checkTree({
    ...good,
    'src/infra/db/tables.ts': "import type { Core } from '../../service/core.js';\nexport type T = Core;\n",
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /import cycle between layers infra, service:/);
  assert.match(run.stderr, /infra -> service: src\/infra\/db\/tables\.ts:1: import '\.\.\/\.\.\/service\/core\.js'/);
  assert.match(run.stderr, /service -> infra: src\/service\/core\.ts:3: import '\.\.\/infra\/db\/schema\.js'/);
});

test('imports written in comments, strings, template literals and regular expressions are not imports', () => {
  const run = checkTree({
    ...good,
    'src/tl/codegen.ts': [
      "// import { x } from '../bff/help.js';",
      "/* export * from '../bff/help.js'; */",
      "const header = `import { TlReader } from '../bff/runtime.js';\\n${'x'.repeat(2)}import '../bff/y.js';`;",
      "const quoted = \"import '../bff/z.js'\";",
      "const re = /import '..\\/bff'/;",
      'export const out = [header, quoted, re];',
      '',
    ].join('\n'),
  });
  assert.equal(run.status, 0, run.stderr);
});

test('a directory of src/ that is no layer fails until the layer order names it', () => {
  const run = checkTree({ ...good, 'src/cluster/ring.ts': 'export const ring = 1;\n', 'src/main.ts': 'export {};\n' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /src\/cluster\/ring\.ts: is in no layer/);
  assert.match(run.stderr, /src\/main\.ts: is in no layer/);
});
