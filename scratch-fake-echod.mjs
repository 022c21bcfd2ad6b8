// SCRATCH (deleted after verification): stands in for echod; logs what clients send first.
import net from 'node:net';
import http from 'node:http';
import { createDecipheriv, generateKeyPairSync, createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

const dir = process.env.ECHO_DATA_DIR;
const keyFile = join(dir, 'pub.pem');
if (!existsSync(keyFile)) writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'pkcs1', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).publicKey);
const pem = readFileSync(keyFile, 'utf8');
const log = (o) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), ...o }) + '\n');

if (process.argv[2] === 'client-config') {
  const ports = process.env.ECHO_TCP_PORTS.split(',').map(Number);
  console.log(JSON.stringify({ dcId: 2, host: process.env.ECHO_HOST, port: ports[0], publicKey: pem, fingerprint: '-123', fingerprintHex: 'ff' }));
  process.exit(0);
}
if (process.env.FAKE_FAIL) { console.error('boom: ' + process.env.FAKE_FAIL); process.exit(3); }

function describe(buf, via) {
  // returns {transport, payload} or null if not enough bytes
  if (buf.length < 8) return null;
  if (buf[0] === 0xef) { const l = buf[1] * 4; return { transport: via + 'abridged', payload: buf.subarray(2, 2 + l) }; }
  if (buf.readUInt32LE(0) === 0xeeeeeeee) { const l = buf.readUInt32LE(4); return { transport: via + 'intermediate', payload: buf.subarray(8, 8 + l) }; }
  if (buf.readUInt32LE(0) === 0xdddddddd) { const l = buf.readUInt32LE(4); return { transport: via + 'padded-intermediate', payload: buf.subarray(8, 8 + l) }; }
  const len = buf.readUInt32LE(0);
  if (len >= 12 && len < 4096 && buf.readUInt32LE(4) === 0) return { transport: via + 'full', payload: buf.subarray(8, len - 4) };
  if (buf.length < 64) return null;
  const key = buf.subarray(8, 40), iv = buf.subarray(40, 56);
  const dec = createDecipheriv('aes-256-ctr', key, iv).update(buf);
  const tag = dec.readUInt32LE(56);
  const rest = dec.subarray(64);
  const d = describe(Buffer.concat([Buffer.from(tag === 0xefefefef ? [0xef] : dec.subarray(56, 60)), rest]), via + 'obfuscated-');
  return d && { ...d, dcField: dec.readInt16LE(60) };
}
function report(buf, via) {
  const d = describe(buf, via);
  if (!d) return false;
  const p = d.payload;
  if (p.length < 24) return false;
  log({ msg: 'first packet', transport: d.transport, dcField: d.dcField, bytes: buf.length, authKeyId: p.subarray(0, 8).toString('hex'), ctor: p.length >= 24 ? p.readUInt32LE(20).toString(16) : null });
  return true;
}

const tcpPorts = process.env.ECHO_TCP_PORTS.split(',').map(Number);
const servers = [];
const listen = (srv, port) => new Promise((r) => srv.listen(port, '127.0.0.1', () => r(srv.address().port)));
const actual = [];
for (const p of tcpPorts) {
  const srv = net.createServer((sock) => {
    let buf = Buffer.alloc(0), done = false;
    sock.on('data', (c) => { buf = Buffer.concat([buf, c]); if (!done && report(buf, 'tcp-')) { done = true; sock.destroy(); } });
    sock.on('error', () => {});
  });
  servers.push(srv);
  actual.push(await listen(srv, p));
}
const hs = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ server: hs, path: '/apiws', handleProtocols: (ps) => (ps.has('binary') ? 'binary' : false) });
wss.on('connection', (ws, req) => {
  log({ msg: 'ws upgrade', url: req.url, protocol: ws.protocol });
  let buf = Buffer.alloc(0), done = false;
  ws.on('message', (m) => { buf = Buffer.concat([buf, m]); if (!done && report(buf, 'ws-')) { done = true; ws.terminate(); } });
});
const httpPort = await listen(hs, Number(process.env.ECHO_HTTP_PORT));
console.log('fake echod banner (not JSON)');
log({ msg: 'echod ready', tcpPorts: actual, httpPort, env: { host: process.env.ECHO_HOST, level: process.env.ECHO_LOG_LEVEL } });
process.on('SIGTERM', () => { log({ msg: 'shutting down' }); process.exit(0); });
