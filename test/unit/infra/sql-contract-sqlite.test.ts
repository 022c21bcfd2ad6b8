// The SQL storage contract on the embedded engine (the MySQL half runs in test/engines/sql-contract.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openDatabase } from '../../../src/infra/db/index.js';
import { sqlContract } from '../../support/sql-contract.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

sqlContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'echo-sql-contract-'));
  dirs.push(dir);
  return openDatabase(dir);
});
