// deploy/sql/schema.sql must be what the migrations create today: a migration added or changed without
// `make schema` would leave operators creating an older schema by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMysqlSchema, SCHEMA_FILE } from '../../../scripts/gen-mysql-schema.js';
import { MIGRATIONS } from '../../../src/infra/db/migrations/index.js';
import { repoRoot } from '../../support/echod.js';

test('the committed deploy/sql/schema.sql is exactly what the generator writes from the migrations now', async () => {
  const committed = readFileSync(join(repoRoot(), SCHEMA_FILE), 'utf8');
  const generated = await generateMysqlSchema();
  assert.ok(committed === generated, `${SCHEMA_FILE} is out of date: run \`make schema\` (npm run build && node dist/scripts/gen-mysql-schema.js)`);
});

test('the schema holds every migration in order, MySQL types, and marks each migration applied', async () => {
  const sql = await generateMysqlSchema();
  const names = Object.keys(MIGRATIONS);
  const positions = names.map((n) => sql.indexOf(`\n-- ${n}\n`));
  assert.ok(positions.every((p) => p > 0), 'a section per migration');
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'in migration order');
  for (const table of ['auth_keys', 'users', 'messages', 'contacts', 'secret_chats']) assert.match(sql, new RegExp(`create table \`${table}\` \\(`), table);
  assert.match(sql, /`auth_key` longblob not null/, 'MySQL column types, not SQLite ones');
  assert.doesNotMatch(sql, /\?/, 'every parameter written in');
  for (const n of names) assert.ok(sql.includes(`insert into \`kysely_migration\` (\`name\`, \`timestamp\`) values ('${n}', `), `${n} recorded as applied`);
  assert.ok(sql.endsWith('\n'));
});
