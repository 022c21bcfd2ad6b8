import { createGramjsClient } from '/work/main/dist/test/support/gramjs.js';
import { execFileSync } from 'node:child_process';
const cfg = JSON.parse(execFileSync('node', ['/work/main/dist/src/cli/echod.js', 'client-config', '--json'], { env: { ...process.env, ECHO_DATA_DIR: '/tmp/echo-smoke', ECHO_TCP_PORTS: '20443,20444', ECHO_HTTP_PORT: '20801' } }).toString());
const transport = process.argv[2] ?? 'full';
const h =  createGramjsClient({ dcId: cfg.dcId, host: cfg.host, port: cfg.port, httpPort: 20801, publicKey: cfg.publicKey }, { transport });
const { Api } = await import('telegram'); await h.client.connect();
const conf = await h.client.invoke(new Api.help.GetConfig());
console.log('config', conf.thisDc, conf.dcOptions.map(o => o.ipAddress + ':' + o.port));
try { await h.client.invoke(new Api.updates.GetState()); } catch (e) { console.log('getState err', e.code, e.errorMessage); }
await h.close();
