import { setTimeout as sleep } from 'node:timers/promises';
import { TopologySchema } from '@setgate/config';
import { join } from 'node:path';
import { DEV_ADMIN_TOKENS, signDevToken, startStack } from '@setgate/launcher';
import type { InstanceRef } from '@setgate/topology';
import { type NodeRef, shardOf, TopologyView } from '@setgate/topology';
import { type Dispatcher, request } from 'undici';
import { freshTopology, type TestStack } from './harness.js';
import { nodeAuth } from './node-auth.js';

/** Each component may take this long to be ready: other stacks share this 2-core machine. */
const READY_TIMEOUT_MS = 400_000;

/** Like startTestStack, with a ready timeout generous enough for a saturated machine. */
export async function startFailoverStack(only: (i: InstanceRef) => boolean, edit?: (doc: Record<string, unknown>) => void): Promise<TestStack> {
  const t = await freshTopology(edit);
  const logDir = join(t.dir, 'logs');
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({ configPath: t.configPath, dataDir: join(t.dir, 'data'), logDir, only, readyTimeoutMs: READY_TIMEOUT_MS });
  } catch (err) {
    t.cleanup();
    throw err;
  }
  return Object.assign(stack, {
    logDir,
    token: (sub: string) => signDevToken(t.topology, { sub }),
    entry: (region: string) => stack.url(t.topology.regions.find((r) => r.name === region)?.proxies[0]?.id ?? ''),
    close: async () => {
      await stack.stop();
      t.cleanup();
    },
  });
}

/**
 * Shared by the failover tests on real processes (lease under SIGSTOP, CPU
 * starvation, witness quorum, RTO): control-plane calls, waiting for states,
 * direct writes to one node.
 */

/** The failover fields the schema knows, so the same edit also runs against older code (pre-change runs). */
export function knownFailoverFields(fields: Record<string, unknown>): Record<string, unknown> {
  const known = TopologySchema.properties.failover.properties as Record<string, unknown>;
  return Object.fromEntries(Object.entries(fields).filter(([k]) => k in known));
}

export interface ControllerNode {
  node: string;
  state: string;
  leads: number[];
  lastAction?: { kind: string; detail: string; version?: number };
  votes?: Array<{ witness: string; region: string; verdict: string; detail?: string }>;
}
export interface ControllerView {
  paused: boolean;
  nodes: ControllerNode[];
  startup?: { open: boolean };
  recent: Array<{ shard: number; fromNode: string; toNode: string; version: number; evidence?: string }>;
}

export interface HistoryEntry {
  version: number;
  author: string;
  reason: string;
  time: string;
  action: { kind: string; nodes?: string[]; shards?: number[] };
}

/** Control-plane calls of one stack. */
export function controlPlane(stack: TestStack) {
  const api = stack.controlPlaneUrl as string;
  const cp = stack.topology.controlPlane?.id as string;
  const admin = stack.supervisor.ready.get(cp)?.adminUrl as string;
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await request(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${DEV_ADMIN_TOKENS.operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    call,
    async current() {
      const r = await call<{ version: number; document: never }>('GET', '/v1/config');
      return { version: r.body.version, view: new TopologyView(r.body.document) };
    },
    async controller(): Promise<ControllerView> {
      const res = await request(`${admin}/status`);
      return ((await res.body.json()) as { failoverController: ControllerView }).failoverController;
    },
    async history(limit = 20): Promise<HistoryEntry[]> {
      return (await call<{ versions: HistoryEntry[] }>('GET', `/v1/config/history?limit=${limit}`)).body.versions;
    },
  };
}

/** Polls until a state arrives (the shared wait of the integration tests: deadlines scaled for a busy machine). */
export { until } from './harness.js';

/** A fresh key that lands on `shard`. */
export function keyOn(shard: number, shardCount: number, tag: string, from = 0): string {
  for (let i = from; ; i++) {
    const key = `${tag}-${i}`;
    if (shardOf(key, shardCount) === shard) return key;
  }
}

/** The answer to one write sent straight to a node's state API: status and problem code, or 0 when none came. */
export interface DirectAnswer {
  readonly key: string;
  readonly status: number;
  readonly code?: string;
  readonly sentAt: number;
}

/** PUT /state/:shard/:key on the node itself, bypassing every gateway (what a client still routed to an old leader does). */
export async function writeDirect(node: NodeRef, shard: number, key: string, value: unknown, token: string, dispatcher?: Dispatcher): Promise<DirectAnswer> {
  const sentAt = performance.now();
  try {
    const res = await request(`${node.url}/state/${shard}/${encodeURIComponent(key)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...nodeAuth({ internalToken: token }) },
      body: JSON.stringify(value),
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await res.body.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    return { key, status: res.statusCode, ...(code ? { code } : {}), sentAt };
  } catch {
    return { key, status: 0, sentAt };
  }
}

/** Writes `key` straight to `node` until it is acknowledged; the error names the last answer. */
export async function writeUntilOk(node: NodeRef, shard: number, key: string, token: string, timeoutMs: number): Promise<DirectAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await writeDirect(node, shard, key, { v: key }, token);
    if (answer.status >= 200 && answer.status < 300) return answer;
    if (Date.now() > deadline) throw new Error(`no write of ${key} acknowledged by ${node.id} within ${timeoutMs} ms; last answer ${JSON.stringify(answer)}`);
    await sleep(100);
  }
}
