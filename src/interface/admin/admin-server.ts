// The admin listener (ECHO_ADMIN_LISTEN, 127.0.0.1:8802 by default): Prometheus metrics, health checks
// and the admin API. Metrics and health are open (scrapers and load balancers carry no token); the
// admin API needs `Authorization: Bearer <ECHO_ADMIN_TOKEN>` and is switched off without a token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../../infra/metrics/index.js';
import { AdminService, deviceJson, userJson } from '../../service/admin/index.js';
import { listenOn } from '../listen.js';

export interface AdminServerDeps {
  metrics: Metrics;
  /** Absent on a gateway node: /admin/* answers 404. */
  admin?: AdminService;
  /** null: the admin API answers 403. */
  token: string | null;
  /** Why the node is not ready (empty: ready). */
  readiness(): Promise<string[]>;
  /** Each storage engine the node uses (database, redis, etcd, s3, ...): "ok" or the one-line reason it fails. */
  engines?(): Promise<Record<string, string>>;
  log: Logger;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown> | unknown[];
type Route = { method: string; pattern: RegExp; run: (m: RegExpExecArray, q: URLSearchParams) => Promise<Json> };

export class AdminServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly tokenDigest: Buffer | null;
  private readonly routes: Route[];

  constructor(private readonly deps: AdminServerDeps) {
    this.tokenDigest = deps.token === null ? null : digest(deps.token);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        deps.log.error({ err, path: pathOf(req) }, 'admin request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const a = deps.admin;
    // A gateway node (ECHO_ROLE=gateway) holds no users or devices: metrics and health only.
    this.routes = !a ? [] : [
      {
        method: 'GET',
        pattern: /^\/admin\/users$/,
        run: async (_m, q) => {
          const limit = intParam(q, 'limit', 100, 1, 1000);
          const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
          return { users: (await a.listUsers({ limit, offset })).map(userJson), limit, offset };
        },
      },
      {
        method: 'GET',
        pattern: /^\/admin\/users\/([^/]+)$/,
        run: async (m) => {
          const user = await a.findUser(decodeParam(m[1]!));
          const shown = user && (await a.showUser(user.id));
          if (!shown) throw new HttpError(404, 'no such user');
          return { ...userJson(shown.user), devices: shown.devices.map(deviceJson) };
        },
      },
      {
        method: 'POST',
        pattern: /^\/admin\/users\/([^/]+)\/(ban|unban)$/,
        run: async (m) => {
          const done = await a.setBanned(idParam(m[1]!), m[2] === 'ban');
          if (!done) throw new HttpError(404, 'no such user');
          deps.log.info({ userId: done.user.id, banned: done.user.banned, devicesSignedOut: done.devicesSignedOut }, 'user ban changed by an administrator');
          return { id: done.user.id.toString(), banned: done.user.banned, devicesSignedOut: done.devicesSignedOut };
        },
      },
      {
        method: 'GET',
        pattern: /^\/admin\/sessions$/,
        run: async (_m, q) => {
          const user = q.get('user');
          const devices = await a.listSessions(user === null ? {} : { userId: idParam(user) });
          return { sessions: devices.map(deviceJson) };
        },
      },
      {
        method: 'POST',
        pattern: /^\/admin\/sessions\/([^/]+)\/revoke$/,
        run: async (m) => {
          const id = idParam(m[1]!);
          if (!(await a.revokeSession(id))) throw new HttpError(404, 'no signed-in device with this auth key id');
          deps.log.info({ permKeyId: id }, 'device signed out by an administrator');
          return { authKeyId: id.toString(), revoked: true };
        },
      },
      { method: 'GET', pattern: /^\/admin\/stats$/, run: async () => ({ ...(await a.stats()) }) },
    ];
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, host, port);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (path === '/metrics' || path === '/healthz' || path === '/readyz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' }, { Allow: 'GET, HEAD' });
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const [own, engines] = await Promise.all([this.deps.readiness(), this.deps.engines?.()]);
        const reasons = [...own, ...Object.entries(engines ?? {}).flatMap(([name, state]) => (state === 'ok' ? [] : [`${name}: ${state}`]))];
        const body = reasons.length === 0 ? { status: 'ready' } : { status: 'not ready', reasons };
        return sendJson(res, reasons.length === 0 ? 200 : 503, engines ? { ...body, engines } : body);
      }
      const { contentType, body } = await this.deps.metrics.render();
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) }).end(body);
      return;
    }
    if (path !== '/admin' && !path.startsWith('/admin/')) return sendJson(res, 404, { error: 'not found' });
    if (this.tokenDigest === null) return sendJson(res, 403, { error: 'the admin API is disabled: set ECHO_ADMIN_TOKEN (adminToken) to enable it' });
    if (!this.authorized(req)) return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'WWW-Authenticate': 'Bearer realm="echod admin"' });

    const candidates = this.routes.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) return sendJson(res, 404, { error: 'not found' });
    const route = candidates.find((r) => r.method === req.method);
    if (!route) return sendJson(res, 405, { error: `use ${candidates.map((r) => r.method).join(', ')}` }, { Allow: candidates.map((r) => r.method).join(', ') });
    req.resume();
    try {
      const body = await route.run(route.pattern.exec(path)!, url.searchParams);
      sendJson(res, 200, body);
    } catch (err) {
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message });
      throw err;
    }
  }

  private authorized(req: IncomingMessage): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    return m !== null && timingSafeEqual(digest(m[1]!), this.tokenDigest!);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

function sendJson(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers }).end(text);
}

function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}`);
  return Number(raw);
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
}

function idParam(raw: string): bigint {
  const text = decodeParam(raw);
  if (!/^-?\d{1,20}$/.test(text)) throw new HttpError(400, `not a numeric id: ${JSON.stringify(text)}`);
  const id = BigInt(text);
  if (id !== BigInt.asIntN(64, id)) throw new HttpError(400, `id out of the 64-bit range: ${text}`);
  return id;
}
