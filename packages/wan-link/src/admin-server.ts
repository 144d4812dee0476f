import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE, SetgateError } from '@setgate/contracts';
import { WanErrors } from './errors.js';
import { PARTITION_MODES, type PartitionMode } from './faults.js';
import type { WanRelay } from './relay.js';

/** Admin routes of a relay (all but health need the stack's internal token). */
export const WanAdminPath = {
  status: '/status',
  routes: '/routes',
  partition: '/partition',
  slow: '/slow',
  heal: '/heal',
  jitter: '/jitter',
  health: '/_setgate/health',
} as const;

const MAX_BODY = 16 * 1024;

function bad(detail: string): SetgateError {
  return WanErrors.create('SETGATE_WAN_BAD_REQUEST', { detail });
}

const str = (body: Record<string, unknown>, k: string): string => {
  const v = body[k];
  if (typeof v !== 'string' || v === '') throw bad(`"${k}" must be a region name`);
  return v;
};

const num = (body: Record<string, unknown>, k: string): number | undefined => {
  const v = body[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(`"${k}" must be a number ≥ 0`);
  return v;
};

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw bad('body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw bad('body must be a JSON object');
  }
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(relay: WanRelay, token: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === WanAdminPath.health) return send(res, 200, { ok: true });
  if (!authorized(req, token)) throw WanErrors.create('SETGATE_WAN_UNAUTHENTICATED');
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === WanAdminPath.status) return send(res, 200, relay.status());
  if (method === 'GET' && path === WanAdminPath.routes) return send(res, 200, { routes: relay.routes() });
  if (method !== 'POST') throw WanErrors.create('SETGATE_WAN_NOT_FOUND', { detail: `${method} ${path}` });
  const body = await readJson(req);
  try {
    switch (path) {
      case WanAdminPath.partition: {
        const mode = (body.mode ?? 'hold') as PartitionMode;
        if (!PARTITION_MODES.includes(mode)) throw bad(`"mode" must be one of ${PARTITION_MODES.join(', ')}`);
        relay.partition({ a: str(body, 'a'), b: str(body, 'b'), oneWay: body.oneWay === true }, mode);
        break;
      }
      case WanAdminPath.slow: {
        const delayMs = num(body, 'delayMs');
        const bandwidthKbps = num(body, 'bandwidthKbps');
        if (delayMs === undefined && bandwidthKbps === undefined) throw bad('give "delayMs" and/or "bandwidthKbps"');
        if (bandwidthKbps === 0) throw bad('"bandwidthKbps" must be > 0 (partition the pair to stop it)');
        relay.slow({ a: str(body, 'a'), b: str(body, 'b'), oneWay: body.oneWay === true }, delayMs, bandwidthKbps);
        break;
      }
      case WanAdminPath.heal:
        relay.heal(body.a === undefined && body.b === undefined ? undefined : { a: str(body, 'a'), b: str(body, 'b') });
        break;
      case WanAdminPath.jitter:
        relay.setJitter(num(body, 'jitterMs') ?? 0);
        break;
      default:
        throw WanErrors.create('SETGATE_WAN_NOT_FOUND', { detail: `${method} ${path}` });
    }
  } catch (err) {
    if (err instanceof RangeError) throw bad(err.message);
    throw err;
  }
  return send(res, 200, { faults: relay.faults.list(), jitterMs: relay.status().jitterMs });
}

/**
 * The relay's admin endpoint: state (`GET /status`, `GET /routes`) and run-time
 * faults (`POST /partition|/slow|/heal|/jitter`), authenticated by the stack's
 * internal token. Errors are problem+json.
 */
export function createAdminServer(relay: WanRelay, token: string): Server {
  if (token === '') throw new Error('the WAN admin endpoint needs the stack internal token');
  return createServer((req, res) => {
    handle(relay, token, req, res).catch((err: unknown) => {
      const e = err instanceof SetgateError ? err : WanErrors.create('SETGATE_WAN_INTERNAL', { cause: err });
      send(res, e.status, e.toProblem(), PROBLEM_CONTENT_TYPE);
    });
  });
}
