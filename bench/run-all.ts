// `npm run bench`: every benchmark in turn, each in its own process so they do not disturb each other.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const all = ['crypto', 'handshakes', 'media', 'flood', 'channels'];
for (const name of only.length ? only : all) {
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, [join(here, `${name}.js`)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
