// `npm run bench`: every benchmark in turn, each in its own process so they do not disturb each other.
// `npm run bench -- NAME [--option value ...] [NAME ...]`: the named ones; options after a name go to that benchmark
// (a bare argument that names a benchmark file starts the next one; any other is an option's value).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = ['crypto', 'handshakes', 'media', 'flood', 'channels'];
const runs: { name: string; args: string[] }[] = [];
for (const arg of process.argv.slice(2)) {
  const names = !arg.startsWith('-') && existsSync(join(here, `${arg}.js`));
  if (!names && runs.length > 0) runs.at(-1)!.args.push(arg);
  else runs.push({ name: arg, args: [] });
}
for (const { name, args } of runs.length ? runs : all.map((name) => ({ name, args: [] }))) {
  console.log(`\n== ${name}${args.length ? ' ' + args.join(' ') : ''}`);
  const r = spawnSync(process.execPath, [join(here, `${name}.js`), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
